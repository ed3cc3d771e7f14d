r"""Data augmentation for the UCI digits: new handwriting from the 1,797 images.

The draw page's default model learns from 1,438 training images, written on
forms by a few dozen people, and reads digits drawn with a mouse or a finger:
slanted, flagged, thick or thin. Augmentation shows it each digit again with a
small random rotation, slant, stretch, shift and stroke width, drawn afresh each
epoch.

Where to augment
----------------
A UCI image is not a picture but a table of counts: each of its 8x8 values is
the number of "on" pixels in a 4x4 block of a 32x32 binary bitmap. Rotating or
shifting the 8x8 counts directly would treat them as gray levels, and a shift
by a fraction of a block, a rotation or a thicker stroke would give counts no
bitmap can have (a thicker stroke is not a brighter one). So the augmentation
works on the bitmap:

1. `bitmaps_from_blocks` rebuilds a 32x32 bitmap with exactly the image's
   block counts (the original is lost; this is the smoothest one consistent
   with it, see its Notes);
2. `augment_bitmaps` rotates, slants, stretches and shifts it (bilinear resampling,
   thresholded at one half) and thickens or thins its strokes with the
   draw page's 3x3 cross;
3. `blocks_from_bitmaps` counts the on pixels of each 4x4 block again, as
   the data set's authors did and as ``core.draw.preprocess`` does for a
   drawing.

An image augmented with no rotation, slant, stretch, shift or stroke change comes
back exactly as it was. Everything is NumPy and vectorised over the batch; a
``numpy.random.Generator`` drives it, so a seed reproduces it bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

BITMAP = 32
BLOCK = 4
BLOCKS = BITMAP // BLOCK
PIXEL_MAX = BLOCK * BLOCK


@dataclass(frozen=True)
class Augmentation:
    """How far the random changes may go; the defaults train the draw page's default model.

    Attributes
    ----------
    max_rotation : float
        Largest rotation, in degrees, either way: a digit written on a tilted
        line.
    scale : tuple of float
        Range of the independent vertical and horizontal stretch factors: a
        digit a little narrower, wider, shorter or taller than written.
    max_shift : int
        Largest shift, in bitmap pixels, either way along each axis; it never
        pushes ink off the bitmap (the shift is cut to the free margin).
    max_slant : float
        Largest slant, either way, as the horizontal shift per pixel of height
        (a shear): 0.3 leans a digit by 17 degrees, an ordinary italic. A slant
        leans the upright strokes and keeps the bars flat, as handwriting leans;
        a rotation would tilt the bars too.
    stroke_steps : tuple of int
        Stroke changes to pick from, uniformly: 1 thickens the strokes by
        about two pixels (one dilation with a 3x3 cross), -1 thins them by
        about two (one erosion), 0 keeps them.

    Notes
    -----
    The defaults were chosen on drawings, not on the data set: on the 900
    varied pen drawings of ``bench/drawn.py`` (the ten digits in two shapes,
    slanted -9 to 24 degrees, three pens, three sizes), the course network
    trained as ``scripts/train_default_model.py`` does read 66-70% of them
    without augmentation (three seeds); with shifts, stretches, strokes and
    rotations up to 15 degrees but no slant, 72-82%; with slants up to 0.3
    and rotations up to 8 degrees, 92-94% (86-90% without the script's
    falling learning rate). Its accuracy on the data set's test split stayed
    between 94% and 99% in every run (97.8% for the shipped model).
    """

    max_rotation: float = 8.0
    scale: tuple[float, float] = (0.85, 1.1)
    max_shift: int = 2
    max_slant: float = 0.3
    stroke_steps: tuple[int, ...] = (-1, 0, 1)

    def __post_init__(self) -> None:
        low, high = self.scale
        if not 0 < low <= high:
            raise ValueError(f"the scale range must satisfy 0 < low <= high; got {self.scale}")
        if not 0 <= self.max_rotation <= 45:
            raise ValueError(f"rotations are small: 0 to 45 degrees, not {self.max_rotation}")
        if not 0 <= self.max_slant <= 1:
            raise ValueError(f"the slant is 0 to 1 (45 degrees), not {self.max_slant}")
        if self.max_shift < 0:
            raise ValueError(f"the largest shift cannot be negative; got {self.max_shift}")
        if not self.stroke_steps or any(abs(step) > 2 for step in self.stroke_steps):
            raise ValueError(f"stroke steps are -2 to 2; got {self.stroke_steps}")


NONE = Augmentation(
    max_rotation=0.0, scale=(1.0, 1.0), max_shift=0, max_slant=0.0, stroke_steps=(0,)
)
"""No change at all: every image comes back as it was."""


# --- 8x8 counts <-> 32x32 bitmaps -------------------------------------------------


def blocks_from_bitmaps(bitmaps: NDArray[np.bool_]) -> NDArray[np.uint8]:
    r"""Count the on pixels of each 4x4 block: 32x32 bitmaps to UCI images.

    Parameters
    ----------
    bitmaps : numpy.ndarray
        Boolean, shape ``(n, 32, 32)``.

    Returns
    -------
    numpy.ndarray
        ``uint8`` of shape ``(n, 8, 8)``, values 0-16.

    Notes
    -----
    .. math:: x_{IJ} = \sum_{i=0}^{3} \sum_{j=0}^{3} b_{4I+i,\, 4J+j}
    """
    b = np.asarray(bitmaps, bool)
    return b.reshape(len(b), BLOCKS, BLOCK, BLOCKS, BLOCK).sum(axis=(2, 4)).astype(np.uint8)


def bitmaps_from_blocks(images: NDArray[np.integer]) -> NDArray[np.bool_]:
    r"""Rebuild 32x32 bitmaps whose 4x4 block counts are the UCI images.

    Parameters
    ----------
    images : numpy.ndarray
        Integer, shape ``(n, 8, 8)``, values 0-16.

    Returns
    -------
    numpy.ndarray
        Boolean, shape ``(n, 32, 32)``, with
        ``blocks_from_bitmaps(bitmaps_from_blocks(images)) == images`` exactly.

    Raises
    ------
    ValueError
        If the images are not ``(n, 8, 8)`` with values 0-16.

    Notes
    -----
    Many bitmaps have the same counts; this picks a smooth one. The counts are
    read as ink densities :math:`x_{IJ} / 16` at the block centres,
    :math:`(4I + 1.5, 4J + 1.5)` in bitmap pixels, and interpolated bilinearly
    to every pixel (held constant beyond the outer centres), giving
    :math:`d_{ij}`. Block :math:`(I, J)` then turns on its :math:`x_{IJ}`
    pixels of highest density,

    .. math:: b_{ij} = [\operatorname{rank}_{IJ}(d_{ij}) < x_{IJ}],

    so a half-full block at the edge of a stroke fills the side towards its
    fuller neighbours and strokes come out continuous, not as scattered dots.
    Ties (a block surrounded by equal counts) go to the pixels nearest the
    block's centre, then in reading order, so the result is deterministic.
    """
    x = np.asarray(images)
    if x.ndim != 3 or x.shape[1:] != (BLOCKS, BLOCKS):
        raise ValueError(f"UCI images have shape (n, 8, 8); got {x.shape}")
    if x.size and (x.min() < 0 or x.max() > PIXEL_MAX):
        raise ValueError(f"UCI block counts are 0-16; got {x.min()} to {x.max()}")
    density = _upsample(x.astype(np.float32) / PIXEL_MAX)
    # Nearest the block centre first among equals: the offsets are (±0.5, ±1.5),
    # so the tie-breaker is far smaller than any difference of interpolated counts.
    offset = np.arange(BLOCK) - (BLOCK - 1) / 2
    closeness = np.tile(-(offset[:, None] ** 2 + offset[None, :] ** 2) * 1e-4, (BLOCKS, BLOCKS))
    keys = density + closeness.astype(np.float32)
    bitmaps = _fill(keys, x)
    for _ in range(SMOOTHING_ROUNDS):
        keys = density + _neighbourhood(bitmaps) + closeness.astype(np.float32)
        bitmaps = _fill(keys, x)
    return bitmaps


SMOOTHING_ROUNDS = 3


def _neighbourhood(bitmaps: NDArray[np.bool_]) -> NDArray[np.float32]:
    """Share of each pixel's 3x3 neighbourhood that is on."""
    p = np.pad(bitmaps.astype(np.float32), ((0, 0), (1, 1), (1, 1)))
    total = sum(p[:, i : i + BITMAP, j : j + BITMAP] for i in range(3) for j in range(3))
    return total / 9


def _fill(keys: NDArray[np.float32], counts: NDArray[np.integer]) -> NDArray[np.bool_]:
    """Turn on, in each 4x4 block, its `counts` pixels of highest key."""
    n = len(counts)
    blocks = keys.reshape(n, BLOCKS, BLOCK, BLOCKS, BLOCK).transpose(0, 1, 3, 2, 4)
    order = np.argsort(-blocks.reshape(n, BLOCKS, BLOCKS, PIXEL_MAX), axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(PIXEL_MAX), axis=-1)
    on = rank < counts[..., None]
    return (
        on.reshape(n, BLOCKS, BLOCKS, BLOCK, BLOCK)
        .transpose(0, 1, 3, 2, 4)
        .reshape(n, BITMAP, BITMAP)
    )


def _upsample(density: NDArray[np.float32]) -> NDArray[np.float32]:
    """Bilinear interpolation of block-centre values to every bitmap pixel."""
    # Pixel i sits at (i - 1.5) / 4 in block coordinates; clamping holds the
    # outer blocks' values constant out to the bitmap's edge.
    at = np.clip((np.arange(BITMAP) - (BLOCK - 1) / 2) / BLOCK, 0, BLOCKS - 1)
    low = np.minimum(np.floor(at).astype(np.intp), BLOCKS - 2)
    frac = (at - low).astype(np.float32)
    rows = density[:, low, :] * (1 - frac)[:, None] + density[:, low + 1, :] * frac[:, None]
    return rows[:, :, low] * (1 - frac) + rows[:, :, low + 1] * frac


# --- random changes ---------------------------------------------------------------


def _grow(bitmaps: NDArray[np.bool_], steps: NDArray[np.integer]) -> NDArray[np.bool_]:
    """Dilate (steps > 0) or erode (steps < 0) each bitmap with a 3x3 cross.

    The page's preprocessing normalises a drawing's strokes with the same cross.
    An erosion that would leave a bitmap empty is skipped, so a thin digit is
    never erased.
    """
    out = bitmaps.copy()
    for step in range(int(np.abs(steps).max(initial=0))):
        p = np.pad(out, ((0, 0), (1, 1), (1, 1)))
        centre, up, down = p[:, 1:-1, 1:-1], p[:, :-2, 1:-1], p[:, 2:, 1:-1]
        left, right = p[:, 1:-1, :-2], p[:, 1:-1, 2:]
        grown = centre | up | down | left | right
        thinner = centre & up & down & left & right
        thinner[~thinner.any(axis=(1, 2))] = centre[~thinner.any(axis=(1, 2))]
        out = np.where(
            (steps > step)[:, None, None],
            grown,
            np.where((steps < -step)[:, None, None], thinner, centre),
        )
    return out


@dataclass(frozen=True)
class Changes:
    """The random changes drawn for a batch, one value per image.

    Attributes
    ----------
    rotation : numpy.ndarray
        Degrees; positive turns the digit clockwise on screen.
    scale_rows, scale_cols : numpy.ndarray
        Vertical and horizontal stretch factors, before any shrinking to fit.
    slant : numpy.ndarray
        Horizontal shift per pixel of height; positive leans the top right.
    fit : numpy.ndarray
        The factor, at most 1, by which the turned, slanted and stretched digit was
        shrunk to fit the 32x32 bitmap.
    shift_rows, shift_cols : numpy.ndarray
        The random whole-pixel shifts (positive: down, right), on top of any
        move that brought the ink inside the bitmap.
    stroke : numpy.ndarray
        Dilation (positive) or erosion (negative) steps.
    """

    rotation: NDArray[np.float64]
    scale_rows: NDArray[np.float64]
    scale_cols: NDArray[np.float64]
    slant: NDArray[np.float64]
    fit: NDArray[np.float64]
    shift_rows: NDArray[np.int64]
    shift_cols: NDArray[np.int64]
    stroke: NDArray[np.int64]


def augment_bitmaps(
    bitmaps: NDArray[np.bool_], rng: np.random.Generator, augmentation: Augmentation
) -> tuple[NDArray[np.bool_], Changes]:
    r"""Rotate, slant, stretch, shift and re-stroke 32x32 bitmaps at random.

    Parameters
    ----------
    bitmaps : numpy.ndarray
        Boolean, shape ``(n, 32, 32)``.
    rng : numpy.random.Generator
        The source of randomness: the same generator state gives the same result.
    augmentation : Augmentation
        The ranges of the changes.

    Returns
    -------
    bitmaps : numpy.ndarray
        Boolean, shape ``(n, 32, 32)``: the changed bitmaps.
    changes : Changes
        What was done to each.

    Notes
    -----
    Per image, with rotation :math:`\theta \sim U(-\theta_{max}, \theta_{max})`,
    slant :math:`k \sim U(-k_{max}, k_{max})` and stretches :math:`s_r, s_c
    \sim U(\text{scale})`, a pixel at :math:`p = (r, c)` (row down, column
    right) moves to

    .. math::
        p' = f\, R_\theta S L_k\, (p - m) + m + k_0 + \delta, \quad
        R_\theta = \begin{pmatrix} \cos\theta & \sin\theta \\
        -\sin\theta & \cos\theta \end{pmatrix}, \quad
        S = \begin{pmatrix} s_r & 0 \\ 0 & s_c \end{pmatrix}, \quad
        L_k = \begin{pmatrix} 1 & 0 \\ -k & 1 \end{pmatrix},

    where :math:`m` is the centre of the ink's bounding box (the data set's
    digits stay where its authors' normalisation put them); :math:`f =
    \min(1, 31 / h', 31 / w')` shrinks the result if the moved pixel centres
    would span more than the 31 pixels between the bitmap's first and last
    row (:math:`h'`) or column (:math:`w'`); :math:`k_0` is the smallest
    whole-pixel move that brings every moved pixel centre inside the bitmap;
    and the shift :math:`\delta` is a whole number of pixels drawn uniformly
    from :math:`[-\delta_{max}, \delta_{max}]` and cut to the free margin on
    each side, so no ink leaves the bitmap. The new bitmap is sampled through
    the inverse map with bilinear interpolation and thresholded,
    :math:`b' = [\tilde b \ge 1/2]`; with no rotation, slant or stretch the map
    is a whole-pixel shift and the sampling exact. Then the strokes are
    dilated or eroded with a 3x3 cross by a step drawn from ``stroke_steps``.
    """
    b = np.asarray(bitmaps, bool)
    n = len(b)
    a = augmentation
    theta = rng.uniform(-a.max_rotation, a.max_rotation, n)
    scale_rows = rng.uniform(*a.scale, n)
    scale_cols = rng.uniform(*a.scale, n)
    slant = rng.uniform(-a.max_slant, a.max_slant, n)
    # Draw the shifts' uniform numbers now, whatever the margins turn out to be:
    # how many numbers a batch takes from the generator never depends on its ink.
    shift_draws = rng.random((n, 2))
    stroke = rng.choice(np.asarray(a.stroke_steps, np.int64), n)

    radians = np.radians(theta)
    cos, sin = np.cos(radians), np.sin(radians)
    turn = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    lean = np.zeros((n, 2, 2))
    lean[:, 0, 0] = lean[:, 1, 1] = 1
    lean[:, 1, 0] = -slant
    forward = turn * np.stack([scale_rows, scale_cols], -1)[:, None, :] @ lean

    grid = np.indices((BITMAP, BITMAP), dtype=np.float64).reshape(2, -1)  # (2, 1024)
    ink = b.reshape(n, -1)
    has_ink = ink.any(axis=1)
    inf = np.inf
    low_in = np.where(ink[:, None, :], grid[None], BITMAP).min(axis=2)
    high_in = np.where(ink[:, None, :], grid[None], -1).max(axis=2)
    # A blank bitmap has no ink to centre: its centre is the bitmap's.
    centre_in = np.where(has_ink[:, None], (low_in + high_in) / 2, (BITMAP - 1) / 2)

    # Where the ink's pixel centres go, relative to the ink's centre.
    moved = np.einsum("nij,njk->nik", forward, grid[None] - centre_in[:, :, None])
    low = np.where(ink[:, None, :], moved, inf).min(axis=2)
    high = np.where(ink[:, None, :], moved, -inf).max(axis=2)
    low, high = np.where(has_ink[:, None], low, 0), np.where(has_ink[:, None], high, 0)
    # The outermost pixel centres may lie 31 pixels apart, no more.
    span = np.maximum(high - low, 1e-9)
    fit = np.minimum(1.0, ((BITMAP - 1) / span).min(axis=1))
    forward *= fit[:, None, None]
    low, high = low * fit[:, None], high * fit[:, None]

    # The ink keeps its centre, moved by whole pixels only (so that with no turn or
    # stretch the sampling is exact): first as little as brings it all inside the
    # bitmap, then by the random shift, cut to the free margins.
    eps = 1e-9
    k_low = np.ceil(-(low + centre_in) - eps)
    k_high = np.floor(BITMAP - 1 - (high + centre_in) + eps)
    # The span fits, but its ends may straddle pixel centres: take the middle.
    squeezed = k_low > k_high
    middle = np.floor((k_low + k_high) / 2 + 0.5)
    k_low, k_high = np.where(squeezed, middle, k_low), np.where(squeezed, middle, k_high)
    nudge = np.clip(0, k_low, k_high)
    lowest = np.maximum(-a.max_shift, k_low - nudge)
    highest = np.minimum(a.max_shift, k_high - nudge)
    shift = lowest + np.floor(shift_draws * (highest - lowest + 1))
    shift = np.minimum(shift, highest)  # a draw of exactly 1.0 cannot happen, but be sure
    translation = centre_in + nudge + shift  # p' = forward (p - centre_in) + translation

    inverse = np.linalg.inv(forward)
    source = np.einsum("nij,njk->nik", inverse, grid[None] - translation[:, :, None])
    source += centre_in[:, :, None]
    sampled = _bilinear(
        b, source[:, 0].reshape(n, BITMAP, BITMAP), source[:, 1].reshape(n, BITMAP, BITMAP)
    )
    out = sampled >= 0.5
    out = _grow(out, stroke)
    return out, Changes(
        rotation=theta,
        scale_rows=scale_rows,
        scale_cols=scale_cols,
        slant=slant,
        fit=fit,
        shift_rows=shift[:, 0].astype(np.int64),
        shift_cols=shift[:, 1].astype(np.int64),
        stroke=stroke,
    )


def _bilinear(
    bitmaps: NDArray[np.bool_], rows: NDArray[np.float64], cols: NDArray[np.float64]
) -> NDArray[np.float32]:
    """Sample each bitmap at fractional positions; outside the bitmap is paper."""
    n = len(bitmaps)
    side = BITMAP + 2
    padded = np.pad(bitmaps, ((0, 0), (1, 1), (1, 1))).astype(np.float32).reshape(-1)
    # Clamp to the padding ring, which is zero: far-away positions read paper.
    rows = np.clip(rows, -1, BITMAP)
    cols = np.clip(cols, -1, BITMAP)
    r0 = np.minimum(np.floor(rows), BITMAP - 1)
    c0 = np.minimum(np.floor(cols), BITMAP - 1)
    fr = (rows - r0).astype(np.float32)
    fc = (cols - c0).astype(np.float32)
    # One flat index per sample, its three neighbours at fixed offsets: four
    # gathers from a 1-D array cost far less than four 3-D fancy indexings.
    corner = (
        np.arange(n)[:, None, None] * side * side + (r0.astype(np.intp) + 1) * side + c0 + 1
    ).astype(np.intp)
    top = padded[corner] * (1 - fc) + padded[corner + 1] * fc
    bottom = padded[corner + side] * (1 - fc) + padded[corner + side + 1] * fc
    return top * (1 - fr) + bottom * fr


def augment_digits(
    images: NDArray[np.integer],
    rng: np.random.Generator,
    augmentation: Augmentation | None = None,
) -> NDArray[np.uint8]:
    """Return randomly changed copies of UCI digit images.

    Parameters
    ----------
    images : numpy.ndarray
        UCI images, shape ``(n, 8, 8)``, values 0-16.
    rng : numpy.random.Generator
        The source of randomness; seed it to reproduce the copies.
    augmentation : Augmentation, optional
        The ranges of the changes; the defaults of `Augmentation` if None.

    Returns
    -------
    numpy.ndarray
        ``uint8`` of shape ``(n, 8, 8)``, values 0-16: the block counts of the
        changed bitmaps.

    Notes
    -----
    ``blocks_from_bitmaps(augment_bitmaps(bitmaps_from_blocks(images)))``: see
    the module's description for why the changes are made on 32x32 bitmaps.
    """
    bitmaps = bitmaps_from_blocks(images)
    changed, _ = augment_bitmaps(bitmaps, rng, augmentation or Augmentation())
    return blocks_from_bitmaps(changed)
