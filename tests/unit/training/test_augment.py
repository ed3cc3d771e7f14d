"""Tests of core.training.augment: bitmaps rebuilt from UCI counts, random changes by seed."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.training import augment as aug
from core.training import data

UCI = data.load_uci_digits()
BITMAPS = aug.bitmaps_from_blocks(UCI.x_train)


def only(**changes):
    """An augmentation that changes only what is named (everything else as NONE)."""
    fields = {
        "max_rotation": 0.0,
        "scale": (1.0, 1.0),
        "max_shift": 0,
        "max_slant": 0.0,
        "stroke_steps": (0,),
    }
    return aug.Augmentation(**{**fields, **changes})


def bar(width=5, vertical=True):
    """A 32x32 bitmap with a bar through the middle, `width` pixels thick, 24 long."""
    b = np.zeros((1, 32, 32), bool)
    first = 16 - width // 2
    if vertical:
        b[0, 4:28, first : first + width] = True
    else:
        b[0, first : first + width, 4:28] = True
    return b


def lean_degrees(bitmap):
    """How far a bar leans from upright, in degrees; positive with its top to the right."""
    rows, cols = np.nonzero(bitmap)
    cov = np.cov(np.vstack([rows, cols]).astype(float))
    # The main axis makes angle a with the row axis, towards the columns; a
    # top-right lean has columns falling as rows grow, so it is -a.
    a = 0.5 * math.atan2(2 * cov[0, 1], cov[0, 0] - cov[1, 1])
    return -math.degrees(a)


# --- 8x8 counts <-> 32x32 bitmaps -------------------------------------------------


def test_rebuilt_bitmaps_have_exactly_the_data_sets_counts():
    images, _ = data._uci_digits_arrays()  # all 1,797
    bitmaps = aug.bitmaps_from_blocks(images)
    assert bitmaps.shape == (len(images), 32, 32) and bitmaps.dtype == bool
    np.testing.assert_array_equal(aug.blocks_from_bitmaps(bitmaps), images)


@given(st.lists(st.integers(0, 16), min_size=64, max_size=64))
def test_any_counts_are_rebuilt_exactly(values):
    images = np.array(values, np.uint8).reshape(1, 8, 8)
    np.testing.assert_array_equal(aug.blocks_from_bitmaps(aug.bitmaps_from_blocks(images)), images)


@pytest.mark.parametrize("vertical", [True, False])
def test_a_bar_across_a_block_edge_is_rebuilt_as_it_was(vertical):
    # A 6-pixel bar centred on the boundary between two blocks, from edge to edge
    # of the bitmap: its counts only say "12 of 16" on either side; the smooth
    # rebuild puts the ink against the boundary, where the bar was, not at the
    # blocks' outer edges. (A bar's ends come back rounded.)
    original = np.zeros((1, 32, 32), bool)
    if vertical:
        original[0, :, 13:19] = True
    else:
        original[0, 13:19, :] = True
    rebuilt = aug.bitmaps_from_blocks(aug.blocks_from_bitmaps(original))
    np.testing.assert_array_equal(rebuilt, original)


def test_rebuilt_strokes_are_continuous():
    # A rebuilt digit is one or two pieces of ink (a 4 or a 5 may be written in
    # two strokes), not scattered dots: count 4-connected pieces larger than 3 px.
    def pieces(bitmap):
        seen = np.zeros_like(bitmap)
        sizes = []
        for start in zip(*np.nonzero(bitmap), strict=True):
            if seen[start]:
                continue
            stack, size = [start], 0
            seen[start] = True
            while stack:
                r, c = stack.pop()
                size += 1
                for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                    if 0 <= nr < 32 and 0 <= nc < 32 and bitmap[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
            sizes.append(size)
        return sum(size > 3 for size in sizes)

    counts = [pieces(b) for b in BITMAPS[:200]]
    assert np.mean(np.array(counts) <= 2) > 0.95


@pytest.mark.parametrize(
    "images,message",
    [
        (np.zeros((2, 8, 7), np.uint8), r"\(n, 8, 8\)"),
        (np.zeros((8, 8), np.uint8), r"\(n, 8, 8\)"),
        (np.full((1, 8, 8), 17), "0-16"),
        (np.full((1, 8, 8), -1), "0-16"),
    ],
)
def test_rebuild_rejects_what_is_not_uci_counts(images, message):
    with pytest.raises(ValueError, match=message):
        aug.bitmaps_from_blocks(images)


# --- random changes ---------------------------------------------------------------


def test_no_change_gives_back_the_images():
    out, changes = aug.augment_bitmaps(BITMAPS, np.random.default_rng(0), aug.NONE)
    np.testing.assert_array_equal(out, BITMAPS)
    np.testing.assert_array_equal(
        aug.augment_digits(UCI.x_train, np.random.default_rng(0), aug.NONE), UCI.x_train
    )
    assert not changes.shift_rows.any() and not changes.stroke.any()
    assert (changes.fit == 1).all()


def test_same_seed_same_copies_other_seed_other_copies():
    def run(seed):
        return aug.augment_digits(UCI.x_train[:300], np.random.default_rng(seed))

    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first, again)
    assert first.dtype == np.uint8 and first.shape == (300, 8, 8) and first.max() <= 16
    assert (first != other).any(axis=(1, 2)).mean() > 0.9
    assert (first != UCI.x_train[:300]).any(axis=(1, 2)).mean() > 0.9  # they are changed


@pytest.mark.parametrize("max_shift", [2, 31])
def test_shifts_move_whole_pixels_and_keep_all_ink_inside(max_shift):
    out, changes = aug.augment_bitmaps(BITMAPS, np.random.default_rng(1), only(max_shift=max_shift))
    assert np.abs(changes.shift_rows).max() <= max_shift
    assert np.abs(changes.shift_cols).max() <= max_shift
    assert changes.shift_rows.any() and changes.shift_cols.any()
    # Exactly the image moved: no pixel lost over an edge, none wrapped round.
    for b, moved, dr, dc in zip(BITMAPS, out, changes.shift_rows, changes.shift_cols, strict=True):
        assert moved.sum() == b.sum()
        np.testing.assert_array_equal(moved, np.roll(b, (dr, dc), axis=(0, 1)))


def test_with_every_change_the_digit_stays_on_the_bitmap():
    # Shrinking to fit and the free-margin shift keep turned, slanted and
    # stretched digits whole: their outer rows and columns hold only what the
    # data set's own digits hold there.
    augmentation = aug.Augmentation(max_rotation=15, scale=(1.0, 1.2), max_slant=0.5)
    out, changes = aug.augment_bitmaps(BITMAPS, np.random.default_rng(2), augmentation)
    assert (changes.fit < 1).any() and (changes.fit <= 1).all()
    assert out.any(axis=(1, 2)).all()
    edge = out[:, [0, -1], :].sum() + out[:, :, [0, -1]].sum()
    original_edge = BITMAPS[:, [0, -1], :].sum() + BITMAPS[:, :, [0, -1]].sum()
    assert edge <= 1.5 * original_edge


def test_rotations_are_small_and_turn_the_digit_as_recorded():
    out, changes = aug.augment_bitmaps(
        np.repeat(bar(), 40, axis=0), np.random.default_rng(4), only(max_rotation=8)
    )
    assert np.abs(changes.rotation).max() <= 8 and np.ptp(changes.rotation) > 8
    leans = np.array([lean_degrees(b) for b in out])
    # Positive turns clockwise on screen: the top goes right. A 24-pixel bar
    # resampled on whole pixels leans in steps of about atan(1/24) = 2.4 degrees.
    np.testing.assert_allclose(leans, changes.rotation, atol=2.5)
    assert np.corrcoef(leans, changes.rotation)[0, 1] > 0.95


def test_a_slant_leans_upright_strokes_and_keeps_bars_flat():
    rng = np.random.default_rng(5)
    upright, changes = aug.augment_bitmaps(np.repeat(bar(), 20, axis=0), rng, only(max_slant=0.3))
    rng = np.random.default_rng(5)
    flat, _ = aug.augment_bitmaps(
        np.repeat(bar(vertical=False), 20, axis=0), rng, only(max_slant=0.3)
    )
    expected = np.degrees(np.arctan(changes.slant))
    np.testing.assert_allclose([lean_degrees(b) for b in upright], expected, atol=2.5)
    for b in flat:
        rows = np.nonzero(b)[0]
        assert np.ptp(rows) <= 5  # still a 5-pixel horizontal bar


def test_stretches_change_height_and_width_independently():
    out, changes = aug.augment_bitmaps(
        np.repeat(bar(width=9), 30, axis=0), np.random.default_rng(6), only(scale=(0.8, 1.1))
    )
    for b, s_rows, s_cols, fit in zip(
        out, changes.scale_rows, changes.scale_cols, changes.fit, strict=True
    ):
        rows, cols = np.nonzero(b)
        assert abs(np.ptp(rows) + 1 - 24 * s_rows * fit) <= 1.5
        assert abs(np.ptp(cols) + 1 - 9 * s_cols * fit) <= 1.5


def test_strokes_get_thicker_or_thinner_but_never_vanish():
    out, changes = aug.augment_bitmaps(
        BITMAPS, np.random.default_rng(7), only(stroke_steps=(-1, 1))
    )
    ink, before = out.sum(axis=(1, 2)), BITMAPS.sum(axis=(1, 2))
    assert set(np.unique(changes.stroke)) == {-1, 1}
    assert (ink[changes.stroke == 1] > before[changes.stroke == 1]).all()
    assert (ink[changes.stroke == -1] < before[changes.stroke == -1]).all()
    # A one-pixel line cannot be thinned: it is kept rather than erased.
    line = np.zeros((1, 32, 32), bool)
    line[0, 4:28, 16] = True
    thinned, _ = aug.augment_bitmaps(line, np.random.default_rng(0), only(stroke_steps=(-2,)))
    np.testing.assert_array_equal(thinned, line)


def test_an_empty_bitmap_stays_empty():
    out, changes = aug.augment_bitmaps(
        np.zeros((2, 32, 32), bool), np.random.default_rng(0), aug.Augmentation()
    )
    assert not out.any() and np.isfinite(changes.fit).all()


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"scale": (1.2, 0.8)}, "scale range"),
        ({"scale": (0.0, 1.0)}, "scale range"),
        ({"max_rotation": 90}, "rotations are small"),
        ({"max_rotation": -1}, "rotations are small"),
        ({"max_slant": 2}, "slant"),
        ({"max_shift": -1}, "shift"),
        ({"stroke_steps": ()}, "stroke steps"),
        ({"stroke_steps": (3,)}, "stroke steps"),
    ],
)
def test_unusable_ranges_raise(changes, message):
    with pytest.raises(ValueError, match=message):
        aug.Augmentation(**changes)
