"""Uploaded pictures of handwritten digits: checked, decoded, turned into ink.

`load_uploaded_image` takes the bytes of an upload (a PNG or JPEG photo, scan
or screenshot) and returns an *ink* array for `core.draw.preprocess`: 2-D float32,
0 for paper and 1 for ink, whether the digit was dark on light paper or light
on a dark background. Everything that can go wrong with an upload raises
``ValueError`` with a sentence for the student: empty, too large in bytes or
pixels (decompression bombs included), not an image, another format, animated,
damaged, blank.

Only Pillow's PNG and JPEG readers ever see the bytes: other formats are
recognised by their first bytes, to name them in the message, without running
their parsers. Pillow's global limits (``Image.MAX_IMAGE_PIXELS``,
``ImageFile.LOAD_TRUNCATED_IMAGES``) are left as they are.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

MAX_BYTES = 5_000_000
MAX_PIXELS = 4096 * 4096
MAX_SIDE = 1024
"""Larger pictures are shrunk to this many pixels on their longer side.

The digit ends up 20 or 32 pixels tall; 1024 keeps plenty of detail for a digit
that fills a tenth of a photo, and bounds the work on a 16-megapixel upload.
"""

BLANK_CONTRAST = 0.1
"""A picture whose darkest and lightest pixels differ by less than this is blank."""

PAPER_MARGIN = 0.25
"""Pixels less than this share of the way from the paper's shade to the ink's are paper.

It removes shadows, paper texture and JPEG noise, which would otherwise widen
the crop to the whole photo.
"""

FORMATS = ("PNG", "JPEG")

_UPLOAD_HINT = "upload a PNG or JPEG picture of one handwritten digit"

# First bytes of files we do not read, to say what a file is: (bytes, where they
# start, what the file is, whether it is a picture at all).
_SIGNATURES: tuple[tuple[bytes, int, str, bool], ...] = (
    (b"GIF87a", 0, "a GIF image", True),
    (b"GIF89a", 0, "a GIF image", True),
    (b"BM", 0, "a BMP image", True),
    (b"WEBP", 8, "a WebP image", True),
    (b"II*\x00", 0, "a TIFF image", True),
    (b"MM\x00*", 0, "a TIFF image", True),
    (b"ftypheic", 4, "a HEIC photo (an iPhone's default)", True),
    (b"ftypheix", 4, "a HEIC photo (an iPhone's default)", True),
    (b"ftypmif1", 4, "a HEIF photo", True),
    (b"ftypavif", 4, "an AVIF image", True),
    (b"\x00\x00\x01\x00", 0, "an icon (ICO) file", True),
    (b"<svg", 0, "an SVG drawing", True),
    (b"<?xml", 0, "an XML (perhaps SVG) file", True),
    (b"%PDF", 0, "a PDF document", False),
    (b"PK\x03\x04", 0, "a ZIP archive (a zipped folder, or a Word or PowerPoint file)", False),
    (b"Rar!", 0, "a RAR archive", False),
    (b"7z\xbc\xaf", 0, "a 7-Zip archive", False),
    (b"\x1f\x8b", 0, "a compressed (gzip) file", False),
    (b"\xd0\xcf\x11\xe0", 0, "an old Word or Excel document", False),
)

# First bytes of the formats we do read.
_OWN_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))

_TEXT_SAMPLE = 4096
"""Bytes looked at to tell a text file."""


def _describe_other(data: bytes) -> tuple[str, bool] | None:
    for signature, offset, name, picture in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return name, picture
    return None


def _looks_like_text(data: bytes) -> bool:
    """Return whether the file's start is printable UTF-8 text (a note, a CSV, a program)."""
    sample = data[:_TEXT_SAMPLE]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut by the sample's end is still text.
        if len(data) > _TEXT_SAMPLE and error.start >= len(sample) - 3:
            text = sample[: error.start].decode("utf-8")
        else:
            return False
    return bool(text) and all(c.isprintable() or c in "\t\n\r\f" for c in text)


def _not_readable(data: bytes) -> str:
    """Say, in a student's words, what a file that is no PNG or JPEG is."""
    for signature, name in _OWN_SIGNATURES:
        if data.startswith(signature):
            return (
                f"That {name} picture is cut off or damaged: the file ends or breaks before "
                "the picture does. Upload it again, or save it anew as PNG or JPEG."
            )
    other = _describe_other(data)
    if other is not None:
        name, picture = other
        if picture:
            return f"That file is {name}, not a PNG or JPEG: save it as one and upload that."
        return f"That file is {name}, not a picture: {_UPLOAD_HINT}."
    if _looks_like_text(data):
        return f"That file is text, not a picture: {_UPLOAD_HINT}."
    return f"That file is not a PNG or JPEG picture: {_UPLOAD_HINT}."


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB" if n_bytes >= 100_000 else f"{n_bytes:,} bytes"


def load_uploaded_image(
    data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> NDArray[np.float32]:
    r"""Check an uploaded picture of a digit and return its ink.

    Parameters
    ----------
    data : bytes
        The uploaded file's contents.
    max_bytes : int, optional
        Largest file accepted.
    max_pixels : int, optional
        Largest width × height accepted, checked from the header before any
        pixel is decoded.

    Returns
    -------
    numpy.ndarray
        ``float32`` of shape ``(height, width)``, 0 for paper and 1 for ink,
        at most `MAX_SIDE` pixels on the longer side, upright (the EXIF
        orientation of a phone photo is applied).

    Raises
    ------
    ValueError
        With a sentence for the student, in their words (never a library's),
        for: an empty file; more than `max_bytes`; data that is not a PNG or
        JPEG (naming GIF, BMP, WebP, HEIC and others, and saying when it is no
        picture at all: text, a PDF, an archive); more than `max_pixels`
        pixels, or more than Pillow's decompression-bomb limit; an animated
        PNG; damaged or cut-off data; a blank picture (all white, all black or
        one flat shade).

    Notes
    -----
    The pixels become gray levels :math:`g \in [0, 1]` (BT.601 luminance;
    a transparent picture is laid over white paper first). The paper is the
    most common shade, the median :math:`m`. If it is lighter than the middle
    of the range, :math:`m \ge (\min g + \max g) / 2`, the digit is dark on
    light paper and the darkness is :math:`v = 1 - g`; otherwise the digit is
    light on dark and :math:`v = g`. Ink is then the darkness stretched so that
    the paper and everything within `PAPER_MARGIN` of it is 0 and the
    strongest ink is 1:

    .. math:: \text{ink} = \mathrm{clip}\left(\frac{v - l}{\max v - l}, 0, 1\right),
              \quad l = v_m + 0.25 (\max v - v_m)

    A phone's JPEG often carries a second, smaller picture (the MPO format
    Pillow reports): only the main picture is used, it is not an animation.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"expected the file's bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ValueError(f"The file is empty (0 bytes): {_UPLOAD_HINT}.")
    if len(data) > max_bytes:
        raise ValueError(
            f"The file is {_size_text(len(data))}; the limit is {_size_text(max_bytes)}: "
            "upload a smaller picture (a photo of one digit needs far less)."
        )

    image = _open(data, max_pixels)
    gray = _gray_levels(image)
    return _ink_from_gray(gray)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open, check and decode the picture; every failure becomes a ValueError."""
    try:
        # Pillow warns above Image.MAX_IMAGE_PIXELS and raises above twice that;
        # the warning is made an error here, for this call only, instead of
        # raising the global limit. (catch_warnings changes process-wide state
        # for the moment it is active; the bytes are only parsed, not decoded.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
        raise ValueError(
            "The picture declares more pixels than can be decoded safely (a "
            f"decompression bomb?): {_UPLOAD_HINT}, at most {limit:,} pixels."
        ) from None
    except Image.UnidentifiedImageError:
        raise ValueError(_not_readable(data)) from None
    except Exception as error:  # a damaged header can raise many exception types
        raise ValueError(_damaged(error)) from None

    width, height = image.size
    if width < 1 or height < 1:
        raise ValueError(f"The picture has no pixels ({width}×{height}): {_UPLOAD_HINT}.")
    if width * height > max_pixels:
        raise ValueError(
            f"The picture is {width:,}×{height:,} = {width * height:,} pixels; the limit is "
            f"{max_pixels:,}: shrink it or crop it to the digit."
        )
    # jpeg_factory returns an MPO for a JPEG that holds extra pictures.
    if image.format not in (*FORMATS, "MPO"):
        raise ValueError(f"That picture is not a PNG or JPEG: {_UPLOAD_HINT}.")
    if image.format == "PNG" and getattr(image, "n_frames", 1) > 1:
        raise ValueError(
            f"That is an animated image ({image.n_frames} frames); upload a single picture."
        )

    if image.format in ("JPEG", "MPO") and max(width, height) > 2 * MAX_SIDE:
        # Let the JPEG decoder shrink by 2, 4 or 8 while decoding: far less work.
        image.draft(image.mode, (MAX_SIDE, MAX_SIDE))
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except Exception as error:  # decoders of damaged data raise many exception types
        raise ValueError(_damaged(error)) from None
    return image


def _damaged(error: Exception) -> str:
    # The reader's own words ("Truncated File Read", "broken PNG file") mean nothing
    # to a student: say what happened instead.
    if "truncat" in str(error).lower():
        what = "cut off: the file ends before the picture does"
    else:
        what = "damaged or cut off: part of it cannot be read"
    return f"That picture is {what}. Upload it again, or save it anew as PNG or JPEG."


def _gray_levels(image: Image.Image) -> NDArray[np.float32] | tuple[NDArray, NDArray]:
    """Return gray levels 0..1, or (over white, over black) for a transparent picture."""
    transparent = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if transparent:
        image, full = image.convert("RGBA"), 255
    elif image.mode.startswith("I"):
        # 16-bit PNG: Pillow's convert("L") would clip everything above 255 to white.
        image, full = image.convert("I"), 65535
    else:
        image, full = image.convert("L"), 255
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)

    pixels = np.asarray(image, np.float32) * np.float32(1 / full)
    if not transparent:
        return np.clip(pixels, 0, 1)
    luminance = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    alpha = pixels[..., 3]
    over_black = luminance * alpha
    return over_black + (1 - alpha), over_black


def _contrast(gray: NDArray[np.float32]) -> float:
    return float(gray.max() - gray.min())


def _ink_from_gray(gray: NDArray[np.float32] | tuple[NDArray, NDArray]) -> NDArray[np.float32]:
    if isinstance(gray, tuple):
        over_white, over_black = gray
        # Black strokes on transparency show over white; white strokes on
        # transparency (a dark-theme drawing app) only show over black.
        if _contrast(over_white) < BLANK_CONTRAST <= _contrast(over_black):
            gray = over_black
        else:
            gray = over_white
    if gray.size == 0 or _contrast(gray) < BLANK_CONTRAST:
        mean = float(gray.mean()) if gray.size else 1.0
        shade = "all white" if mean > 0.8 else "all black" if mean < 0.2 else "one flat shade"
        raise ValueError(f"The image is blank ({shade}): there is no digit to see; {_UPLOAD_HINT}.")

    low, high = float(gray.min()), float(gray.max())
    paper = float(np.median(gray))
    darkness = 1 - gray if paper >= (low + high) / 2 else gray
    paper_level = 1 - paper if paper >= (low + high) / 2 else paper
    strongest = float(darkness.max())
    floor = paper_level + PAPER_MARGIN * (strongest - paper_level)
    ink = (darkness - floor) / (strongest - floor)
    return np.ascontiguousarray(np.clip(ink, 0, 1), dtype=np.float32)


def enlarge(image: NDArray, pixel_max: int, size: int, dark_ink: bool = False) -> NDArray[np.uint8]:
    """Return a small digit image scaled up by whole pixels, for a screen.

    Parameters
    ----------
    image : numpy.ndarray
        A 2-D image with values 0 to `pixel_max` (ink high).
    pixel_max : int
        Its data set's largest pixel value.
    size : int
        The wanted side, in screen pixels; each pixel becomes a block of
        ``size // side`` (no smoothing: the student sees the network's pixels).
    dark_ink : bool, optional
        Dark ink on white, as on paper; by default white ink on black, as the
        network's input.

    Returns
    -------
    numpy.ndarray
        ``uint8`` gray levels.
    """
    scale = max(1, size // image.shape[0])
    ink = np.kron(np.clip(image.astype(np.float32) / pixel_max, 0, 1), np.ones((scale, scale)))
    levels = (1 - ink if dark_ink else ink) * 255
    return np.rint(levels).astype(np.uint8)
