"""What the network sees: a drawing turned into the images a model was trained on.

A drawing arrives as an *ink* array: 2-D, float, 0 for paper and 1 for full ink,
any size (the canvas is 280x280; an upload can be anything). Each data set has
its own recipe, so that a drawing looks to the network like its training data:

- **MNIST** (`preprocess_like_mnist`): crop to the ink, scale the longer side to
  20 pixels keeping the aspect ratio (anti-aliased), place the result in a 28x28
  frame with its centre of mass at the centre; ``uint8`` 0-255, white on black.
- **UCI digits** (`preprocess_like_uci_digits`): crop to the ink, scale the
  longer side to 32 pixels, threshold to a 32x32 binary bitmap with a normalised
  stroke width, count the "on" pixels of each 4x4 block; ``uint8`` 8x8, 0-16.

Both return a `PreprocessResult` holding the final image, the intermediate
images for the page to show, and the reason when there is nothing to predict
(an empty canvas, a single dot). Only NumPy is needed; a 280x280
canvas takes well under a millisecond per recipe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

INK_THRESHOLD = 0.05
"""Pixels with less ink than this are paper: faint noise does not widen the crop."""

MNIST_SIZE = 28
MNIST_BOX = 20
"""MNIST digits were scaled so that the longer side of their bounding box is 20 px."""
MNIST_CENTRE = 14.0
"""Where the centre of mass goes, in pixel-index coordinates (row, column)."""

UCI_BITMAP = 32
UCI_BLOCK = 4
UCI_SIZE = UCI_BITMAP // UCI_BLOCK
UCI_PIXEL_MAX = UCI_BLOCK * UCI_BLOCK
UCI_STROKE = 5.0
"""Stroke width, in bitmap pixels, that UCI bitmaps are normalised to.

The UCI digits are written with thick strokes: on average about 19.5 of the 64
blocks' worth of pixels (30% of the bitmap) are on. Thickening or thinning every
drawing to 5 px makes the block counts match that (about 18 blocks on average)
and keeps accuracy steady across pen widths (see `preprocess_like_uci_digits`).
"""
UCI_MAX_WIDTH = 24
"""Widest digit, in bitmap pixels: the UCI digits are 32 pixels tall and almost
never reach their bitmap's outer 4-pixel columns (blocks 0 and 7), round zeros
included."""
UCI_MAX_STRETCH = 2.0
"""How much more a squeezed drawing may be scaled vertically than horizontally,
so a wide digit grows to the data set's height but a flat stroke stays flat."""
UCI_MAX_DILATION = 8
UCI_MAX_EROSION = 3

DOT_MIN_EXTENT = 4
"""Ink whose bounding box is smaller than this many pixels both ways is a dot."""
DOT_MAX_RATIO = 2.5
"""Ink no longer than this many stroke widths is a dot (a filled disc measures 2)."""

DISPLAY_MAX = 280
"""The cropped stage is shrunk to at most this many pixels on its longer side."""

EMPTY_MESSAGE = "The canvas is empty: draw a digit."
DOT_MESSAGE = "That is a single dot: draw a whole digit."

DATASETS = ("mnist", "uci-digits")


@dataclass(frozen=True, eq=False)
class Stage:
    """One step of a recipe, ready to display.

    Attributes
    ----------
    title : str
        Short heading, such as ``"32×32 bitmap"``.
    image : numpy.ndarray
        ``uint8`` grayscale, 0-255, white ink on black.
    caption : str
        One sentence on what the step did.
    """

    title: str
    image: NDArray[np.uint8]
    caption: str


@dataclass(frozen=True, eq=False)
class PreprocessResult:
    """A drawing preprocessed for one data set's models.

    Attributes
    ----------
    dataset : str
        ``"mnist"`` or ``"uci-digits"``.
    image : numpy.ndarray
        What the model sees: ``uint8`` of shape ``(28, 28)`` with values 0-255
        for MNIST, ``(8, 8)`` with values 0-16 for UCI digits. All zeros when
        there is nothing to predict. Read-only.
    pixel_max : int
        255 or 16: the largest value `image` can hold.
    stages : tuple of Stage
        The intermediate images, in order, the last being `image` scaled to
        0-255; empty when there is nothing to predict.
    box : tuple of int or None
        The ink's bounding box in the drawing, ``(top, left, bottom, right)``
        with exclusive ends; None for an empty drawing.
    empty : bool
        The drawing has no ink at all.
    dot : bool
        The ink is too small to be a digit (a tap, a speck, a blob).
    message : str
        Why nothing is predicted (empty or dot), else ``""``.
    """

    dataset: str
    image: NDArray[np.uint8]
    pixel_max: int
    stages: tuple[Stage, ...] = ()
    box: tuple[int, int, int, int] | None = None
    empty: bool = False
    dot: bool = False
    message: str = ""

    def __post_init__(self) -> None:
        self.image.setflags(write=False)
        for stage in self.stages:
            stage.image.setflags(write=False)

    @property
    def ok(self) -> bool:
        """True when the image is worth predicting (neither empty nor a dot)."""
        return not (self.empty or self.dot)


# --- input ------------------------------------------------------------------------

_LUMA = np.array([0.299, 0.587, 0.114], np.float32) / 255


def ink_from_rgba(rgba: NDArray[np.uint8]) -> NDArray[np.float32]:
    r"""Turn the canvas's RGBA pixels into ink.

    Parameters
    ----------
    rgba : numpy.ndarray
        ``uint8`` of shape ``(height, width, 4)``: dark strokes on a white or
        transparent background. Shape ``(height, width, 3)`` is read as opaque.

    Returns
    -------
    numpy.ndarray
        ``float32`` of shape ``(height, width)``, 0 for paper, 1 for full ink.

    Raises
    ------
    ValueError
        If `rgba` is not ``uint8`` with 3 or 4 channels.

    Notes
    -----
    With luminance :math:`Y = 0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601, as
    Pillow's ``"L"`` mode) and opacity :math:`a = A / 255`,

    .. math:: \text{ink} = (1 - Y / 255) \, a

    so transparent pixels are paper whatever their colour, and a black stroke
    over white paper is full ink.
    """
    array = np.asarray(rgba)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(
            f"canvas pixels must have shape (height, width, 4) (RGBA); got {array.shape}"
        )
    if array.dtype != np.uint8:
        raise ValueError(f"canvas pixels must be uint8 0-255; got {array.dtype}")
    # One conversion to float32 (about 0.2 ms for 280x280); a weighted sum
    # rather than ``@``, which would wake BLAS threads for a few microseconds' work.
    pixels = array.astype(np.float32)
    red, green, blue = _LUMA
    darkness = 1 - (pixels[..., 0] * red + pixels[..., 1] * green + pixels[..., 2] * blue)
    if array.shape[2] == 4:
        darkness *= pixels[..., 3] * np.float32(1 / 255)
    return np.clip(darkness, 0, 1, out=darkness)


def _as_ink(ink: NDArray) -> NDArray[np.float32]:
    array = np.asarray(ink)
    if array.ndim != 2:
        hint = " (use ink_from_rgba for canvas pixels)" if array.ndim == 3 else ""
        raise ValueError(f"a drawing must be a 2-D ink array; got shape {array.shape}{hint}")
    if not (np.issubdtype(array.dtype, np.floating) or array.dtype == np.bool_):
        # uint8 0-255 passed as ink would read as solid ink everywhere.
        raise ValueError(
            f"ink must be floats from 0 (paper) to 1 (ink); got {array.dtype} "
            "(divide 0-255 images by 255)"
        )
    array = array.astype(np.float32, copy=False)
    if array.size and not np.isfinite(array).all():
        raise ValueError("the drawing contains nan or inf values")
    return array


@dataclass(frozen=True)
class _Ink:
    crop: NDArray[np.float32]
    box: tuple[int, int, int, int]
    stroke: float


def _find_ink(ink: NDArray[np.float32]) -> tuple[_Ink | None, str]:
    """Crop to the ink; return (None, reason) for an empty drawing or a dot."""
    mask = ink > INK_THRESHOLD
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None, "empty"
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    # Zero the faint noise inside the box too, then clip stray values above 1.
    crop = np.where(mask[top:bottom, left:right], ink[top:bottom, left:right], 0)
    crop = np.clip(crop, 0, 1).astype(np.float32, copy=False)
    stroke = _stroke_width(crop)
    extent = max(bottom - top, right - left)
    if extent < DOT_MIN_EXTENT or extent < DOT_MAX_RATIO * stroke:
        return None, "dot"
    return _Ink(crop, (top, left, bottom, right), stroke), ""


def _stroke_width(crop: NDArray[np.float32]) -> float:
    """Estimate the pen width in pixels from the ink's area and perimeter.

    A stroke of width w and length L has area wL and perimeter about 2L, so
    w ≈ 2A/P. Counting the mask's horizontal and vertical edges gives a
    Manhattan perimeter, 4/π times the true one on average over directions.
    """
    solid = crop >= 0.5
    if not solid.any():
        solid = crop > INK_THRESHOLD
    padded = np.pad(solid, 1)
    edges = np.count_nonzero(padded[1:] != padded[:-1]) + np.count_nonzero(
        padded[:, 1:] != padded[:, :-1]
    )
    return float(8 / math.pi * crop.sum() / max(edges, 1))


def _area_average(image: NDArray[np.float32], n_out: int, axis: int) -> NDArray[np.float32]:
    """Resize one axis to `n_out` pixels by exact area averaging.

    Output pixel i covers ``[i, i + 1) * n / n_out`` in input coordinates (n
    input pixels). The running sum F of the input is piecewise linear between
    pixel edges, so the ink over any interval is a difference of linearly
    interpolated values of F, and the average divides it by the length.
    """
    n_in = image.shape[axis]
    running = np.cumsum(image, axis=axis, dtype=np.float64)
    running = np.concatenate([np.zeros_like(running.take([0], axis=axis)), running], axis=axis)
    edges = np.arange(n_out + 1, dtype=np.float64) * (n_in / n_out)
    left = np.minimum(np.floor(edges).astype(np.intp), n_in - 1)
    frac = edges - left
    shape = [1, 1]
    shape[axis] = n_out + 1
    frac = frac.reshape(shape)
    at_edges = running.take(left, axis=axis) * (1 - frac) + running.take(left + 1, axis=axis) * frac
    return (np.diff(at_edges, axis=axis) * (n_out / n_in)).astype(np.float32)


def _resize(image: NDArray[np.float32], width: int, height: int) -> NDArray[np.float32]:
    # Exact area averaging: each output pixel is the share of its area that is
    # inked. (Pillow's BOX filter gives each input pixel to one output pixel,
    # by its centre, which weighs neighbours unevenly at fractional scales; a
    # matrix product would hand the work to BLAS threads, whose wake-ups cost
    # milliseconds on a busy two-core server.)
    return np.clip(_area_average(_area_average(image, height, 0), width, 1), 0, 1)


def _to_uint8(values: NDArray[np.floating], scale: float = 255) -> NDArray[np.uint8]:
    return np.floor(values * scale + 0.5).astype(np.uint8)


def _crop_stage(crop: NDArray[np.float32]) -> Stage:
    height, width = crop.shape
    if max(height, width) > DISPLAY_MAX:
        s = DISPLAY_MAX / max(height, width)
        crop = _resize(crop, max(1, round(width * s)), max(1, round(height * s)))
    return Stage("Cropped to the ink", _to_uint8(crop), "The drawing's bounding box.")


def _nothing(dataset: str, shape: int, pixel_max: int, reason: str) -> PreprocessResult:
    return PreprocessResult(
        dataset=dataset,
        image=np.zeros((shape, shape), np.uint8),
        pixel_max=pixel_max,
        empty=reason == "empty",
        dot=reason == "dot",
        message=EMPTY_MESSAGE if reason == "empty" else DOT_MESSAGE,
    )


# --- MNIST ------------------------------------------------------------------------


def preprocess_like_mnist(ink: NDArray) -> PreprocessResult:
    r"""Preprocess a drawing the way MNIST digits were prepared.

    Parameters
    ----------
    ink : numpy.ndarray
        2-D float array, 0 for paper, 1 for full ink (see `ink_from_rgba`).

    Returns
    -------
    PreprocessResult
        ``image`` is ``uint8`` of shape ``(28, 28)``, 0-255, white ink on black
        like MNIST; stages: the crop, the 20-pixel digit, the final frame. For
        an empty drawing or a dot, a zero image and a message.

    Raises
    ------
    ValueError
        If `ink` is not a 2-D array of finite floats.

    Notes
    -----
    1. Crop to the bounding box of the pixels with ink above `INK_THRESHOLD`.
    2. Scale by :math:`s = 20 / \max(h, w)` to :math:`(\mathrm{round}(s h),
       \mathrm{round}(s w))` by exact area averaging (anti-aliasing: a pixel
       half covered by ink is half white), so the longer side is 20 pixels and
       the aspect ratio is kept.
    3. Compute the centre of mass :math:`(\bar r, \bar c) = \sum_{ij} x_{ij}
       (i, j) / \sum_{ij} x_{ij}` and paste the digit into a 28x28 frame
       shifted by :math:`\lfloor 14 - \bar r + 1/2 \rfloor` rows and
       :math:`\lfloor 14 - \bar c + 1/2 \rfloor` columns, so the centre of
       mass lands within half a pixel of (14, 14); whatever falls outside the
       frame is cut off.
    4. Multiply by 255 and round.

    This is LeCun, Cortes and Burges' description of MNIST: NIST digits
    "size normalized to fit in a 20x20 pixel box while preserving their aspect
    ratio", anti-aliased, and "centered in a 28x28 image by computing the
    center of mass of the pixels".
    """
    found, reason = _find_ink(_as_ink(ink))
    if found is None:
        return _nothing("mnist", MNIST_SIZE, 255, reason)
    height, width = found.crop.shape
    s = MNIST_BOX / max(height, width)
    digit = _resize(found.crop, max(1, round(width * s)), max(1, round(height * s)))

    mass = float(digit.sum())
    if mass <= 0:  # cannot happen for ink above the threshold; never divide by zero
        return _nothing("mnist", MNIST_SIZE, 255, "dot")
    rows = np.arange(digit.shape[0], dtype=np.float64)
    cols = np.arange(digit.shape[1], dtype=np.float64)
    centre_row = float(rows @ digit.sum(axis=1)) / mass
    centre_col = float(cols @ digit.sum(axis=0)) / mass
    # floor(x + 1/2) rather than round(): numpy rounds halves to even.
    shift_row = math.floor(MNIST_CENTRE - centre_row + 0.5)
    shift_col = math.floor(MNIST_CENTRE - centre_col + 0.5)

    frame = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    _paste(frame, digit, shift_row, shift_col)
    image = _to_uint8(frame)
    stages = (
        _crop_stage(found.crop),
        Stage(
            "Scaled to 20 px",
            _to_uint8(digit),
            f"Longer side 20 pixels, aspect ratio kept: {digit.shape[0]}×{digit.shape[1]}.",
        ),
        Stage(
            "Centred in 28×28",
            image,
            "Placed so that its centre of mass is at the centre of the frame.",
        ),
    )
    return PreprocessResult("mnist", image, 255, stages, found.box)


def _paste(frame: NDArray, tile: NDArray, top: int, left: int) -> None:
    """Copy `tile` into `frame` with its corner at (top, left), clipped at the edges."""
    frame_rows, frame_cols = frame.shape
    tile_rows, tile_cols = tile.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + tile_rows, frame_rows), min(left + tile_cols, frame_cols)
    if r0 < r1 and c0 < c1:
        frame[r0:r1, c0:c1] = tile[r0 - top : r1 - top, c0 - left : c1 - left]


# --- UCI digits -------------------------------------------------------------------


def _grow(bitmap: NDArray[np.bool_], steps: int) -> NDArray[np.bool_]:
    """Dilate (steps > 0) or erode (steps < 0) with a 3x3 cross, `abs(steps)` times."""
    for _ in range(abs(steps)):
        p = np.pad(bitmap, 1)
        centre, up, down, left, right = (
            p[1:-1, 1:-1],
            p[:-2, 1:-1],
            p[2:, 1:-1],
            p[1:-1, :-2],
            p[1:-1, 2:],
        )
        if steps > 0:
            bitmap = centre | up | down | left | right
        else:
            thinner = centre & up & down & left & right
            if not thinner.any():
                break  # never erode a thin digit away
            bitmap = thinner
    return bitmap


def preprocess_like_uci_digits(ink: NDArray, stroke: float | None = UCI_STROKE) -> PreprocessResult:
    r"""Preprocess a drawing the way the UCI handwritten digits were prepared.

    Parameters
    ----------
    ink : numpy.ndarray
        2-D float array, 0 for paper, 1 for full ink (see `ink_from_rgba`).
    stroke : float or None, optional
        Stroke width, in pixels of the 32x32 bitmap, to thicken or thin the
        drawing to; None keeps the drawn width.

    Returns
    -------
    PreprocessResult
        ``image`` is ``uint8`` of shape ``(8, 8)`` with values 0-16; stages:
        the crop, the 32x32 bitmap, the block counts. For an empty drawing or a
        dot, a zero image and a message.

    Raises
    ------
    ValueError
        If `ink` is not a 2-D array of finite floats.

    Notes
    -----
    The data set's description: "32x32 bitmaps are divided into nonoverlapping
    blocks of 4x4 and the number of on pixels are counted in each block",
    after NIST's programs extracted "normalized bitmaps" from forms. Here:

    1. Crop to the bounding box of the pixels with ink above `INK_THRESHOLD`.
    2. Scale by :math:`s = 32 / \max(h, w)`, averaging areas, and centre the
       result in a 32x32 frame: the coverage :math:`c_{ij} \in [0, 1]`. A
       drawing that would come out wider than `UCI_MAX_WIDTH` is squeezed to it,
       :math:`s_x = (24 - \text{stroke}) / (w - w_d)` with :math:`w_d` the drawn
       stroke width (or :math:`24 / w` when strokes are kept as drawn), and
       scaled vertically by
       :math:`s_y = \min(32 / h, 2 s_x)`: the data set's digits fill their
       height but not their width, and a round zero drawn as wide as it is
       tall otherwise fills all eight columns and reads as a 2.
    3. Threshold: a pixel is on when :math:`c_{ij} > \tfrac12 \min(1, w_s)`,
       where :math:`w_s` is the drawn stroke width after scaling (estimated
       as :math:`2A/P` from the ink's area and perimeter), so that a thin pen's
       strokes, which cover less than half of any pixel, are not lost.
    4. Normalise the stroke width: dilate (or erode) with a 3x3 cross
       :math:`\mathrm{round}((\text{stroke} - w_s) / 2)` times; each step
       adds (removes) about a pixel on each side.
    5. Count the on pixels of each 4x4 block:
       :math:`x_{IJ} = \sum_{i=0}^{3} \sum_{j=0}^{3} b_{4I+i, 4J+j}`.

    Measured with the default model of the time (``assets/default-model.npz``
    before issue 10, trained without augmentation) on 400 synthetic pen-drawn
    digits per pen width, pens 1% to 15% of a 280-pixel canvas: with steps
    3-4, 81-90% correct at every pen width; without step 4, 54-91%, falling as
    the pen gets thinner; with a plain 0.5 threshold and no step 4, 17% for
    the thinnest pen. For ordinary pens (7-11%) all agree.
    Scaling to a 20x32 box or stretching to it did no better.
    """
    found, reason = _find_ink(_as_ink(ink))
    if found is None:
        return _nothing("uci-digits", UCI_SIZE, UCI_PIXEL_MAX, reason)
    height, width = found.crop.shape
    s = UCI_BITMAP / max(height, width)
    if stroke is None:
        widest = UCI_MAX_WIDTH / width
    else:
        # The stroke is set to `stroke` pixels afterwards: fit the centre line, so the
        # outer edges of the normalised stroke stay inside UCI_MAX_WIDTH.
        widest = (UCI_MAX_WIDTH - stroke) / max(width - found.stroke, 1.0)
    scale_x = min(s, widest)
    scale_y = min(UCI_BITMAP / height, UCI_MAX_STRETCH * scale_x) if scale_x < s else s
    new_height, new_width = max(1, round(height * scale_y)), max(1, round(width * scale_x))
    coverage = np.zeros((UCI_BITMAP, UCI_BITMAP), np.float32)
    _paste(
        coverage,
        _resize(found.crop, new_width, new_height),
        (UCI_BITMAP - new_height) // 2,
        (UCI_BITMAP - new_width) // 2,
    )

    drawn = found.stroke * math.sqrt(scale_x * scale_y)
    bitmap = coverage > 0.5 * min(1.0, drawn)
    if not bitmap.any():
        bitmap = coverage >= 0.5 * coverage.max()
    if stroke is not None:
        steps = round((stroke - drawn) / 2)
        bitmap = _grow(bitmap, max(-UCI_MAX_EROSION, min(UCI_MAX_DILATION, steps)))

    blocks = bitmap.reshape(UCI_SIZE, UCI_BLOCK, UCI_SIZE, UCI_BLOCK).sum(axis=(1, 3))
    image = blocks.astype(np.uint8)
    stages = (
        _crop_stage(found.crop),
        Stage(
            "32×32 bitmap",
            bitmap.astype(np.uint8) * np.uint8(255),
            "Longer side 32 pixels (at most 24 wide), centred, black or white, strokes "
            + ("normalised to the data set's width." if stroke is not None else "as drawn."),
        ),
        Stage(
            "8×8 block counts",
            _to_uint8(blocks, 255 / UCI_PIXEL_MAX),
            "Each pixel counts the white pixels of a 4×4 block: 0 to 16.",
        ),
    )
    return PreprocessResult("uci-digits", image, UCI_PIXEL_MAX, stages, found.box)


def preprocess_for(dataset_name: str, ink: NDArray) -> PreprocessResult:
    """Preprocess a drawing with the recipe of the data set a model was trained on.

    Parameters
    ----------
    dataset_name : str
        ``"mnist"`` or ``"uci-digits"`` (a model's ``dataset``).
    ink : numpy.ndarray
        2-D float array, 0 for paper, 1 for full ink.

    Returns
    -------
    PreprocessResult
        From `preprocess_like_mnist` or `preprocess_like_uci_digits`.

    Raises
    ------
    ValueError
        For an unknown data set name or an unusable `ink`.
    """
    if dataset_name == "mnist":
        return preprocess_like_mnist(ink)
    if dataset_name == "uci-digits":
        return preprocess_like_uci_digits(ink)
    raise ValueError(f"unknown data set {dataset_name!r}; expected one of {', '.join(DATASETS)}")
