"""Tests of core.draw.images: uploaded pictures checked and turned into ink."""

import contextlib
import io
import re
import struct
import warnings
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFile, features

from core.draw import images as images
from core.draw.images import load_uploaded_image
from core.draw.preprocess import preprocess_like_mnist, preprocess_like_uci_digits

SIZE = (100, 120)  # width, height
STROKE = (slice(30, 90), slice(46, 54))  # inside the bar: rows, columns
PAPER = (slice(0, 10), slice(0, 20))


def digit(ink=0, paper=255, mode="L"):
    """A "1": a vertical bar, `ink` on `paper`, in `mode`."""
    image = Image.new("L", SIZE, paper)
    ImageDraw.Draw(image).line([(50, 15), (50, 105)], fill=ink, width=10)
    return image.convert(mode)


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def assert_is_the_bar(ink):
    assert ink.shape == (SIZE[1], SIZE[0]) and ink.dtype == np.float32
    assert ink.min() >= 0 and ink.max() <= 1
    assert ink[STROKE].min() > 0.9  # the stroke is ink
    assert ink[PAPER].max() < 0.05  # the paper is not


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width, height):
    """A small PNG whose header declares width × height pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# --- good pictures ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("dark_on_light", [True, False], ids=["dark-on-light", "light-on-dark"])
def test_round_trip_with_either_polarity(fmt, dark_on_light):
    picture = digit(0, 255) if dark_on_light else digit(255, 0)
    assert_is_the_bar(load_uploaded_image(encode(picture, fmt)))


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "1", "LA", "RGBA", "I;16"])
def test_png_modes(mode):
    picture = digit()
    if mode == "I;16":
        picture = Image.fromarray(np.asarray(picture).astype(np.uint16) * 257)
        assert picture.mode == "I;16"
    else:
        picture = picture.convert(mode)
    data = encode(picture, "PNG")
    assert Image.open(io.BytesIO(data)).mode == mode
    assert_is_the_bar(load_uploaded_image(data))


@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK"])
def test_jpeg_modes(mode):
    assert_is_the_bar(load_uploaded_image(encode(digit(mode=mode), "JPEG", quality=95)))


def test_colour_ink_on_colour_paper():
    picture = Image.new("RGB", SIZE, (250, 240, 200))  # cream paper
    ImageDraw.Draw(picture).line([(50, 15), (50, 105)], fill=(20, 30, 160), width=10)  # blue pen
    assert_is_the_bar(load_uploaded_image(encode(picture, "PNG")))


def test_alpha_is_composited_over_white():
    # Transparent pixels are black with alpha 0: they must read as paper.
    picture = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    ImageDraw.Draw(picture).line([(50, 15), (50, 105)], fill=(0, 0, 0, 255), width=10)
    assert_is_the_bar(load_uploaded_image(encode(picture, "PNG")))


def test_white_strokes_on_transparency_are_found():
    picture = Image.new("RGBA", SIZE, (255, 255, 255, 0))
    ImageDraw.Draw(picture).line([(50, 15), (50, 105)], fill=(255, 255, 255, 255), width=10)
    assert_is_the_bar(load_uploaded_image(encode(picture, "PNG")))


def test_palette_with_transparent_background():
    picture = digit().convert("P")
    paper_index = picture.getpixel((0, 0))
    data = encode(picture, "PNG", transparency=paper_index)
    assert "transparency" in Image.open(io.BytesIO(data)).info
    assert_is_the_bar(load_uploaded_image(data))


def test_photo_with_shading_and_noise():
    rng = np.random.default_rng(0)
    cols = np.indices((SIZE[1], SIZE[0]))[1]
    paper = 170 + 60 * cols / SIZE[0] + rng.normal(0, 4, (SIZE[1], SIZE[0]))  # uneven light
    photo = np.where(np.asarray(digit()) < 128, 40 + rng.normal(0, 4, paper.shape), paper)
    data = encode(Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)), "JPEG")
    ink = load_uploaded_image(data)
    assert ink[STROKE].mean() > 0.85 and ink[STROKE].min() > 0.6
    assert ink[PAPER].max() == 0 and (ink[:, 70:] == 0).all()  # the bright side too


def test_phone_jpeg_with_a_second_picture_is_not_animated():
    main, preview = digit(mode="RGB"), digit(mode="RGB").resize((50, 60))
    data = encode(main, "MPO", save_all=True, append_images=[preview])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert_is_the_bar(load_uploaded_image(data))


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    ink = load_uploaded_image(encode(digit(mode="RGB"), "JPEG", exif=exif))
    assert ink.shape == (SIZE[0], SIZE[1])
    assert ink[46:54, 30:90].min() > 0.9  # the bar is now horizontal


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_large_pictures_are_shrunk(fmt):
    picture = Image.new("L", (3000, 2400), 255)
    ImageDraw.Draw(picture).line([(1500, 300), (1500, 2100)], fill=0, width=120)
    ink = load_uploaded_image(encode(picture, fmt))
    assert ink.shape == (819, 1024)
    assert preprocess_like_uci_digits(ink).ok


def test_bytearray_and_memoryview_are_accepted():
    data = encode(digit(), "PNG")
    assert_is_the_bar(load_uploaded_image(bytearray(data)))
    assert_is_the_bar(load_uploaded_image(memoryview(data)))


def test_upload_and_drawing_give_the_same_preprocessed_image():
    drawn = (255 - np.asarray(digit(), np.float32)) / 255
    uploaded = load_uploaded_image(encode(digit(), "PNG"))
    for recipe in (preprocess_like_mnist, preprocess_like_uci_digits):
        a, b = recipe(drawn).image.astype(int), recipe(uploaded).image.astype(int)
        assert np.abs(a - b).max() <= 1


# --- bad uploads ------------------------------------------------------------------


def rejected(data, match, **limits):
    with pytest.raises(ValueError, match=match):
        load_uploaded_image(data, **limits)


def test_empty():
    rejected(b"", r"The file is empty \(0 bytes\)")


def test_too_many_bytes():
    data = encode(digit(), "PNG")
    rejected(data, r"The file is .* bytes; the limit is 100 bytes", max_bytes=100)
    rejected(b"\0" * 5_000_001, r"The file is 5.0 MB; the limit is 5.0 MB")


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("digit.txt", "a seven")
    return buffer.getvalue()


LIBRARIES = re.compile("pillow|PIL|numpy|streamlit|decoder|IDAT|chunk", re.IGNORECASE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"hello, world\nmy homework: a seven",
            "That file is text, not a picture: upload a PNG or JPEG picture of one "
            "handwritten digit.",
        ),
        ("Zahl: sieben, 7 · ①".encode(), "That file is text, not a picture"),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "That file is a PDF document, not a picture: upload a PNG or JPEG picture of one "
            "handwritten digit.",
        ),
        (zip_file(), "That file is a ZIP archive (a zipped folder, or a Word or PowerPoint file)"),
        (
            b"\x89PNG\r\n\x1a\n",
            "That PNG picture is cut off or damaged: the file ends or breaks before the picture "
            "does. Upload it again, or save it anew as PNG or JPEG.",
        ),
        (b"\xff\xd8\xff", "That JPEG picture is cut off or damaged"),
        (bytes(range(256)) * 4, "That file is not a PNG or JPEG picture: upload a PNG or JPEG"),
    ],
    ids=[
        "text",
        "unicode-text",
        "pdf",
        "zip",
        "png-signature-only",
        "jpeg-signature-only",
        "bytes",
    ],
)
def test_a_file_that_is_no_picture_is_named_in_a_student_s_words(data, message):
    # Issue 10, item 23: a text file was "not a picture Pillow can read".
    with pytest.raises(ValueError) as caught:
        load_uploaded_image(data)
    assert str(caught.value).startswith(message)
    assert not LIBRARIES.search(str(caught.value))


def test_random_bytes():
    rejected(np.random.default_rng(0).bytes(2000), "That file is not a PNG or JPEG picture")


@pytest.mark.parametrize(
    "fmt,name",
    [("GIF", "a GIF image"), ("BMP", "a BMP image"), ("TIFF", "a TIFF image")]
    + ([("WEBP", "a WebP image")] if features.check("webp") else []),
)
def test_other_formats_are_named(fmt, name):
    rejected(encode(digit(), fmt), f"That file is {name}, not a PNG or JPEG: save it as one")


def test_heic_is_named_without_being_parsed():
    rejected(b"\0\0\0\x18ftypheic" + b"\0" * 100, r"a HEIC photo \(an iPhone's default\)")


def test_pixel_limit_is_checked_before_decoding():
    data = encode(digit(), "PNG")
    rejected(data, r"100×120 = 12,000 pixels; the limit is 1,000", max_pixels=1000)


def test_declared_size_over_the_limit():
    # 5000 × 5000 is under Pillow's bomb limit but over ours; nothing is decoded.
    rejected(png_header(5000, 5000), r"5,000×5,000 = 25,000,000 pixels; the limit is 16,777,216")


def test_decompression_bomb_error():
    # 50000 × 50000 = 2.5e9 pixels: Pillow's own DecompressionBombError.
    rejected(png_header(50_000, 50_000), "decompression bomb")


def test_decompression_bomb_warning_is_an_error_too():
    # Between Pillow's limit (about 89 million pixels) and twice that Pillow only
    # warns; a caller's higher max_pixels must not let it through.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing leaks out as a warning
        rejected(png_header(10_000, 10_000), "decompression bomb", max_pixels=10**9)


def test_pillow_globals_are_left_alone():
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters))
    for data in (png_header(50_000, 50_000), png_header(10_000, 10_000), encode(digit(), "PNG")):
        with contextlib.suppress(ValueError):
            load_uploaded_image(data, max_pixels=10**9)
    after = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters))
    assert before == after


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_animated(fmt):
    frames = [digit(), digit(ink=120)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    if fmt == "PNG":
        rejected(data, r"an animated image \(2 frames\); upload a single picture")
    else:
        rejected(data, "a GIF image")  # refused before its frames are counted


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_truncated(fmt, keep):
    data = encode(digit(mode="RGB"), fmt)
    with pytest.raises(ValueError, match="cut off") as caught:
        load_uploaded_image(data[: int(len(data) * keep)])
    # The reader's own words ("Truncated File Read") are not shown.
    assert not LIBRARIES.search(str(caught.value))
    assert "truncated" not in str(caught.value).lower()


def test_a_png_cut_inside_its_header_is_named():
    data = encode(digit(), "PNG")
    rejected(data[:40], "That PNG picture is cut off or damaged")


def test_corrupt_png_data():
    data = bytearray(encode(digit(), "PNG"))
    start = data.index(b"IDAT") + 8
    data[start : start + 40] = b"\xff" * 40  # garbage inside the compressed pixels
    rejected(bytes(data), "damaged or cut off")


@pytest.mark.parametrize(
    "picture,shade",
    [
        (Image.new("L", SIZE, 255), "all white"),
        (Image.new("RGB", SIZE, (0, 0, 0)), "all black"),
        (Image.new("L", SIZE, 128), "one flat shade"),
        (Image.new("RGBA", SIZE, (0, 0, 0, 0)), "all white"),
    ],
    ids=["white", "black", "gray", "transparent"],
)
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_blank(picture, shade, fmt):
    if fmt == "JPEG":
        picture = picture.convert("RGB")
        if shade == "all white" and picture.getpixel((0, 0)) == (0, 0, 0):
            shade = "all black"  # JPEG has no transparency: transparent black is black
    rejected(encode(picture, fmt), rf"The image is blank \({shade}\)")


def test_not_bytes():
    with pytest.raises(TypeError, match="expected the file's bytes"):
        load_uploaded_image("picture.png")


@given(st.binary(max_size=600))
def test_arbitrary_bytes_only_raise_value_error(data):
    try:
        ink = load_uploaded_image(data)
    except ValueError:
        return
    assert ink.ndim == 2 and ink.dtype == np.float32


_VALID = {fmt: encode(digit(mode="RGB"), fmt) for fmt in ("PNG", "JPEG")}


@given(
    fmt=st.sampled_from(sorted(_VALID)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10**6),
)
def test_damaged_uploads_only_raise_value_error(fmt, flips, cut):
    data = bytearray(_VALID[fmt])
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: max(1, len(data) - cut % len(data))])
    try:
        ink = load_uploaded_image(data)
    except ValueError as error:
        assert str(error)
        return
    assert ink.ndim == 2 and ink.dtype == np.float32
    assert ink.min() >= 0 and ink.max() <= 1


def test_limits_are_the_documented_ones():
    assert images.MAX_BYTES == 5_000_000 and images.MAX_PIXELS == 4096 * 4096
