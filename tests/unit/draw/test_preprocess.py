"""Tests of core.draw.preprocess: the MNIST and UCI recipes on synthetic strokes."""

import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from core.draw import preprocess as pp
from core.draw.pen import canvas

ROOT = Path(__file__).resolve().parents[3]


def one(x=140, top=40, bottom=240):
    return lambda d, pen: d.line([(x, top), (x, bottom)], fill=255, width=pen)


def zero(box=(80, 40, 200, 240)):
    return lambda d, pen: d.ellipse(box, outline=255, width=pen)


def flat(y=140, left=30, right=250):
    return lambda d, pen: d.line([(left, y), (right, y)], fill=255, width=pen)


def seven(dx=0, dy=0, scale=1.0):
    points = [(100, 60), (200, 60), (130, 220)]
    points = [(dx + 140 + (x - 140) * scale, dy + 140 + (y - 140) * scale) for x, y in points]
    return lambda d, pen: d.line(points, fill=255, width=max(1, round(pen * scale)), joint="curve")


DRAWINGS = {
    "bar 1": canvas(one()),
    "ellipse 0": canvas(zero()),
    "off-centre small 7": canvas(seven(dx=-80, dy=70, scale=0.4), pen=20),
    "wide flat stroke": canvas(flat()),
    "corner 1": canvas(one(x=15, top=5, bottom=60), pen=6),
}


def centre_of_mass(image):
    weights = image.astype(np.float64)
    rows, cols = np.indices(image.shape)
    return (rows * weights).sum() / weights.sum(), (cols * weights).sum() / weights.sum()


def ink_box(image):
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


# --- MNIST ------------------------------------------------------------------------


@pytest.mark.parametrize("name", DRAWINGS)
def test_mnist_shape_dtype_and_range(name):
    result = pp.preprocess_like_mnist(DRAWINGS[name])
    assert result.ok and not result.empty and not result.dot and result.message == ""
    assert result.dataset == "mnist" and result.pixel_max == 255
    assert result.image.shape == (28, 28) and result.image.dtype == np.uint8
    assert result.image.max() == 255  # a solid stroke reaches full white
    assert result.image[0].sum() + result.image[-1].sum() < result.image.sum()


@pytest.mark.parametrize("name", DRAWINGS)
def test_mnist_centre_of_mass_is_the_frame_centre(name):
    row, col = centre_of_mass(pp.preprocess_like_mnist(DRAWINGS[name]).image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1


@pytest.mark.parametrize("dx,dy", [(-90, -90), (90, 80), (-100, 60), (0, 0)])
def test_mnist_off_centre_drawings_land_in_the_same_place(dx, dy):
    centred = pp.preprocess_like_mnist(canvas(seven(scale=0.4)))
    moved = pp.preprocess_like_mnist(canvas(seven(dx=dx, dy=dy, scale=0.4)))
    row, col = centre_of_mass(moved.image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1
    # Translation does not change what the network sees (up to the rounding of
    # the shift and of the anti-aliasing at the crop's edges).
    assert np.abs(centred.image.astype(int) - moved.image.astype(int)).mean() < 8


@pytest.mark.parametrize(
    "box",
    [(100, 40, 160, 219), (20, 100, 259, 179), (90, 90, 189, 189), (130, 20, 149, 259)],
    ids=["tall", "wide", "square", "thin"],
)
def test_mnist_longer_side_is_20_and_aspect_ratio_is_kept(box):
    left, top, right, bottom = box
    height, width = bottom - top + 1, right - left + 1
    ink = canvas(lambda d, pen: d.rectangle(box, outline=255, width=8))
    result = pp.preprocess_like_mnist(ink)
    scaled = result.stages[1].image
    assert scaled.shape == (
        round(20 * height / max(height, width)),
        round(20 * width / max(height, width)),
    )
    rows, cols = ink_box(result.image)
    assert max(rows, cols) in (19, 20)
    assert abs(min(rows, cols) - 20 * min(height, width) / max(height, width)) <= 1


def test_mnist_bar_is_tall_and_thin():
    rows, cols = ink_box(pp.preprocess_like_mnist(DRAWINGS["bar 1"]).image)
    assert rows == 20 and cols <= 3


def test_mnist_wide_flat_stroke_is_wide_and_short():
    rows, cols = ink_box(pp.preprocess_like_mnist(DRAWINGS["wide flat stroke"]).image)
    assert cols == 20 and rows <= 3


def test_mnist_antialiases_a_thin_line():
    # A 3-pixel pen on a 200-pixel digit is 0.3 pixels wide at 20 pixels: a
    # continuous faint gray line, not a broken black-and-white one.
    ink = canvas(lambda d, pen: d.line([(40, 40), (240, 240)], fill=255, width=3))
    image = pp.preprocess_like_mnist(ink).image
    assert 40 < image.max() < 160
    line = np.argwhere(image > 40)
    assert len(line) >= 18 and np.ptp(line[:, 0] - line[:, 1]) <= 1  # one unbroken diagonal


def test_mnist_stages_are_display_ready():
    result = pp.preprocess_like_mnist(DRAWINGS["ellipse 0"])
    assert [stage.title for stage in result.stages] == [
        "Cropped to the ink",
        "Scaled to 20 px",
        "Centred in 28×28",
    ]
    for stage in result.stages:
        assert stage.image.dtype == np.uint8 and stage.image.ndim == 2 and stage.caption
    assert result.stages[0].image.shape == (201, 121)  # the ellipse's bounding box
    np.testing.assert_array_equal(result.stages[-1].image, result.image)
    assert result.box == (40, 80, 241, 201)  # top, left, bottom, right


# --- UCI digits -------------------------------------------------------------------


@pytest.mark.parametrize("name", DRAWINGS)
@pytest.mark.parametrize("stroke", [pp.UCI_STROKE, None])
def test_uci_shape_dtype_and_range(name, stroke):
    result = pp.preprocess_like_uci_digits(DRAWINGS[name], stroke=stroke)
    assert result.ok and result.dataset == "uci-digits" and result.pixel_max == 16
    assert result.image.shape == (8, 8) and result.image.dtype == np.uint8
    assert 0 < result.image.max() <= 16
    bitmap = result.stages[1].image
    assert bitmap.shape == (32, 32) and set(np.unique(bitmap)) <= {0, 255}
    # The 8x8 values are exactly the on-pixel counts of the bitmap's 4x4 blocks.
    counts = (bitmap > 0).reshape(8, 4, 8, 4).sum(axis=(1, 3))
    np.testing.assert_array_equal(result.image, counts)


@pytest.mark.parametrize("pen", [4, 20, 40])
def test_uci_full_height_bar_is_in_the_middle_columns(pen):
    image = pp.preprocess_like_uci_digits(canvas(one(), pen=pen)).image
    assert image[:, [0, 1, 6, 7]].sum() == 0
    assert (image[:, 3:5].sum(axis=1) > 0).all()  # ink in every row: full height


def test_uci_wide_flat_stroke_stays_flat_within_the_data_sets_width():
    image = pp.preprocess_like_uci_digits(DRAWINGS["wide flat stroke"]).image
    assert image[[0, 1, 6, 7], :].sum() == 0
    assert image[:, [0, 7]].sum() == 0
    assert (image[3:5, 1:7].sum(axis=0) > 0).all()


def test_uci_round_zero_keeps_the_data_sets_outer_columns_empty():
    # UCI digits fill their 8 rows but almost never blocks 0 and 7 of a row.
    image = pp.preprocess_like_uci_digits(canvas(zero((50, 50, 230, 230)))).image
    assert image[:, [0, 7]].sum() == 0
    assert image[0].sum() > 0 and image[7].sum() > 0


def test_uci_ellipse_is_a_ring():
    image = pp.preprocess_like_uci_digits(DRAWINGS["ellipse 0"]).image.astype(int)
    assert image[3:5, 3:5].mean() < image[3:5, [2, 5]].mean() / 2
    assert image[0].sum() > 0 and image[7].sum() > 0


@pytest.mark.parametrize("pen", [3, 10, 20, 40])
def test_uci_stroke_width_is_normalised(pen):
    # Whatever the pen, the ring covers about the same share of the bitmap.
    image = pp.preprocess_like_uci_digits(canvas(zero(), pen=pen)).image
    assert 12 <= image.sum() / 16 <= 26  # UCI digits average 19.5 blocks' worth


def test_uci_thin_pen_is_not_lost():
    raw = pp.preprocess_like_uci_digits(canvas(zero(), pen=2), stroke=None).image
    assert raw.sum() > 16  # the adaptive threshold keeps sub-pixel strokes


def test_default_model_reads_a_drawn_one_and_zero():
    from core.training.models import weights_from_npz

    path = ROOT / "assets" / "default-model.npz"
    if not path.is_file():
        pytest.skip("no default model")
    model = weights_from_npz(path.read_bytes())
    for digit, draw in ((1, one()), (0, zero()), (0, zero((50, 50, 230, 230)))):
        for pen in (8, 20, 36):
            image = pp.preprocess_like_uci_digits(canvas(draw, pen=pen)).image
            assert model.logits(image[None])[0].argmax() == digit


# --- nothing to predict -----------------------------------------------------------


@pytest.mark.parametrize("recipe", ["mnist", "uci-digits"])
@pytest.mark.parametrize(
    "ink",
    [
        np.zeros((280, 280), np.float32),
        np.full((280, 280), 0.04, np.float32),  # faint noise below the threshold
        np.zeros((0, 0), np.float32),
        np.zeros((1, 1)),
    ],
)
def test_empty(recipe, ink):
    result = pp.preprocess_for(recipe, ink)
    assert result.empty and not result.dot and not result.ok
    assert result.message == "The canvas is empty: draw a digit." == pp.EMPTY_MESSAGE
    assert result.stages == () and result.box is None
    assert not result.image.any()
    assert result.image.shape == ((28, 28) if recipe == "mnist" else (8, 8))


def _pixel(size=280):
    ink = np.zeros((size, size), np.float32)
    ink[size // 3, size // 2] = 1
    return ink


def _disc(diameter, size=280):
    return canvas(
        lambda d, pen: d.ellipse([100, 100, 100 + diameter, 100 + diameter], fill=255),
        (size, size),
    )


@pytest.mark.parametrize("recipe", ["mnist", "uci-digits"])
@pytest.mark.parametrize(
    "ink",
    [
        _pixel(),
        _pixel(8),
        np.ones((1, 1), np.float32),
        np.ones((3, 3), np.float32),
        _disc(20),
        _disc(60),
        canvas(lambda d, pen: d.line([(140, 130), (140, 150)], fill=255, width=20)),
    ],
    ids=["pixel", "pixel-8x8", "1x1", "3x3", "tap", "big tap", "short dash"],
)
def test_dot(recipe, ink):
    result = pp.preprocess_for(recipe, ink)
    assert result.dot and not result.empty and not result.ok
    assert result.message == "That is a single dot: draw a whole digit." == pp.DOT_MESSAGE
    assert result.stages == () and not result.image.any()


@pytest.mark.parametrize("pen", [4, 20, 40])
def test_a_small_ring_or_a_short_stroke_is_not_a_dot(pen):
    c = 140
    ring = canvas(
        lambda d, p: d.ellipse(
            [c - 1.5 * p, c - 1.5 * p, c + 1.5 * p, c + 1.5 * p], outline=255, width=p
        ),
        pen=pen,
    )
    dash = canvas(
        lambda d, p: d.line([(c, c - 1.5 * p), (c, c + 1.5 * p)], fill=255, width=p), pen=pen
    )
    for ink in (ring, dash):
        assert pp.preprocess_like_mnist(ink).ok
        assert pp.preprocess_like_uci_digits(ink).ok


# --- sizes and inputs -------------------------------------------------------------


@pytest.mark.parametrize(
    "size,draw,pen",
    [
        ((8, 8), lambda d, pen: d.line([(4, 1), (4, 6)], fill=255, width=1), 1),
        ((28, 28), lambda d, pen: d.ellipse([8, 4, 19, 23], outline=255, width=2), 2),
        (
            (2000, 2000),
            lambda d, pen: d.line([(1000, 200), (1000, 1800)], fill=255, width=150),
            150,
        ),
        ((600, 120), lambda d, pen: d.line([(300, 10), (300, 110)], fill=255, width=10), 10),
        ((60, 600), lambda d, pen: d.line([(30, 100), (30, 500)], fill=255, width=8), 8),
    ],
    ids=["8x8", "28x28", "2000x2000", "wide canvas", "tall canvas"],
)
def test_tiny_and_huge_canvases(size, draw, pen):
    ink = canvas(draw, size, pen)
    mnist = pp.preprocess_like_mnist(ink)
    uci = pp.preprocess_like_uci_digits(ink)
    assert mnist.ok and uci.ok
    assert mnist.image.shape == (28, 28) and uci.image.shape == (8, 8)
    assert max(mnist.stages[1].image.shape) == 20
    assert max(mnist.stages[0].image.shape) <= pp.DISPLAY_MAX
    row, col = centre_of_mass(mnist.image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1


def test_bool_and_float64_ink_are_accepted():
    ink = DRAWINGS["bar 1"]
    a = pp.preprocess_like_mnist(ink > 0.5)
    b = pp.preprocess_like_mnist((ink > 0.5).astype(np.float64))
    np.testing.assert_array_equal(a.image, b.image)


def test_values_above_one_are_clipped():
    ink = DRAWINGS["ellipse 0"]
    np.testing.assert_array_equal(
        pp.preprocess_like_mnist(ink * 3).image,
        pp.preprocess_like_mnist(np.clip(ink * 3, 0, 1)).image,
    )


@pytest.mark.parametrize(
    "ink,message",
    [
        (np.zeros((28, 28, 4), np.uint8), "use ink_from_rgba"),
        (np.zeros(10, np.float32), "2-D"),
        (np.zeros((28, 28), np.uint8), "divide 0-255 images by 255"),
        (np.full((28, 28), np.nan), "nan or inf"),
    ],
)
def test_unusable_ink_raises(ink, message):
    with pytest.raises(ValueError, match=message):
        pp.preprocess_like_mnist(ink)
    with pytest.raises(ValueError, match=message):
        pp.preprocess_like_uci_digits(ink)


def test_results_are_read_only():
    result = pp.preprocess_like_uci_digits(DRAWINGS["bar 1"])
    with pytest.raises(ValueError):
        result.image[0, 0] = 1
    with pytest.raises(ValueError):
        result.stages[0].image[0, 0] = 1


def test_preprocess_for_dispatches():
    ink = DRAWINGS["ellipse 0"]
    np.testing.assert_array_equal(
        pp.preprocess_for("mnist", ink).image, pp.preprocess_like_mnist(ink).image
    )
    np.testing.assert_array_equal(
        pp.preprocess_for("uci-digits", ink).image, pp.preprocess_like_uci_digits(ink).image
    )
    with pytest.raises(ValueError, match="unknown data set 'emnist'; expected one of mnist"):
        pp.preprocess_for("emnist", ink)


# --- canvas pixels ----------------------------------------------------------------


def test_ink_from_rgba():
    rgba = np.zeros((2, 4, 4), np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)  # black stroke
    rgba[0, 1] = (255, 255, 255, 255)  # white paper
    rgba[0, 2] = (0, 0, 0, 0)  # transparent black: paper
    rgba[0, 3] = (0, 0, 0, 128)  # half-transparent black: half ink
    rgba[1, 0] = (128, 128, 128, 255)  # gray
    rgba[1, 1] = (255, 0, 0, 255)  # red: darkness 1 - 0.299
    rgba[1, 2] = (255, 255, 255, 0)
    rgba[1, 3] = (0, 0, 255, 255)
    ink = pp.ink_from_rgba(rgba)
    assert ink.dtype == np.float32 and ink.shape == (2, 4)
    np.testing.assert_allclose(
        ink,
        [[1, 0, 0, 128 / 255], [1 - 128 / 255, 0.701, 0, 0.886]],
        atol=2e-6,
    )


def test_ink_from_rgb_is_opaque():
    rgb = np.full((3, 3, 3), 255, np.uint8)
    rgb[1, 1] = 0
    expected = np.zeros((3, 3), np.float32)
    expected[1, 1] = 1
    np.testing.assert_array_equal(pp.ink_from_rgba(rgb), expected)


def test_canvas_rgba_goes_through_both_recipes():
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = np.asarray(Image.fromarray((DRAWINGS["bar 1"] * 255).astype(np.uint8)), np.uint8)
    ink = pp.ink_from_rgba(rgba)
    np.testing.assert_allclose(ink, DRAWINGS["bar 1"], atol=1e-6)
    assert pp.preprocess_like_mnist(ink).ok and pp.preprocess_like_uci_digits(ink).ok


@pytest.mark.parametrize(
    "rgba,message",
    [
        (np.zeros((4, 4), np.uint8), r"\(height, width, 4\)"),
        (np.zeros((4, 4, 2), np.uint8), r"\(height, width, 4\)"),
        (np.zeros((4, 4, 4), np.float32), "uint8"),
    ],
)
def test_ink_from_rgba_rejects_other_arrays(rgba, message):
    with pytest.raises(ValueError, match=message):
        pp.ink_from_rgba(rgba)


# --- speed ------------------------------------------------------------------------


@pytest.mark.parametrize("recipe", ["mnist", "uci-digits"])
def test_a_280_canvas_takes_well_under_5_ms(recipe):
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = (DRAWINGS["ellipse 0"] * 255).astype(np.uint8)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        pp.preprocess_for(recipe, pp.ink_from_rgba(rgba))
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.005  # measured: about 0.6 ms including ink_from_rgba


# --- properties -------------------------------------------------------------------

strokes = st.lists(
    st.tuples(
        st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=6),
        st.integers(1, 40),
        st.integers(1, 255),
    ),
    min_size=0,
    max_size=4,
)


@given(
    strokes=strokes,
    width=st.integers(1, 320),
    height=st.integers(1, 320),
)
def test_random_strokes_always_give_valid_outputs(strokes, width, height):
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    for points, pen, shade in strokes:
        xy = [(x * (width - 1), y * (height - 1)) for x, y in points]
        if len(xy) == 1:
            draw.point(xy, fill=shade)
        else:
            draw.line(xy, fill=shade, width=pen, joint="curve")
    ink = np.asarray(image, np.float32) / 255

    mnist = pp.preprocess_like_mnist(ink)
    uci = pp.preprocess_like_uci_digits(ink)
    for result, shape, top in ((mnist, (28, 28), 255), (uci, (8, 8), 16)):
        assert result.image.shape == shape and result.image.dtype == np.uint8
        assert result.image.max() <= top
        assert result.ok == (result.message == "") == (not result.empty and not result.dot)
        assert not (result.empty and result.dot)
        assert result.empty == (not (ink > pp.INK_THRESHOLD).any())
        if not result.ok:
            assert not result.image.any() and result.stages == ()
    assert mnist.ok == uci.ok and mnist.box == uci.box
    if mnist.ok:
        assert max(mnist.stages[1].image.shape) == 20
        assert uci.image.any()
        if mnist.image.max() >= 128 and mnist.image.sum() == mnist.stages[1].image.sum():
            # Nothing was cut off at the frame's edges, and the ink is not so
            # faint that rounding to 0-255 moves its centre: it is centred.
            row, col = centre_of_mass(mnist.image)
            assert abs(row - 14) <= 1 and abs(col - 14) <= 1
