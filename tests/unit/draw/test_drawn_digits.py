"""The drawn-digit set (tests/drawn_digits.py) and how the shipped default model reads it."""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.draw import preprocess as pp
from core.draw.pen import PAGE_PEN
from core.training.models import weights_from_npz
from tests.drawn_digits import STYLES, drawn_digits, read_drawings

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "assets" / "default-model.npz"


@pytest.fixture(scope="module")
def readings():
    if not MODEL.is_file():
        pytest.skip("no default model")
    return read_drawings(weights_from_npz(MODEL.read_bytes()))


def summary(readings):
    right = Counter(r.style for r in readings if r.right)
    wrong = [f"{r.style} {r.digit} read as {r.predicted}" for r in readings if not r.right]
    return f"{dict(right)}; wrong: {', '.join(wrong) or 'none'}"


def test_every_digit_is_drawn_in_every_style():
    drawings = drawn_digits()
    assert [(d.style, d.digit) for d in drawings] == [
        (style, digit) for style in STYLES for digit in range(10)
    ]
    assert STYLES["plain"].pen == STYLES["serif"].pen == PAGE_PEN
    for d in drawings:
        assert d.ink.shape == (280, 280) and d.ink.dtype == np.float32
        assert pp.preprocess_like_uci_digits(d.ink).ok  # a digit, not a dot


def test_styles_differ_where_they_should():
    by = {(d.style, d.digit): d.ink for d in drawn_digits()}
    for digit in range(10):
        assert not np.array_equal(by["plain", digit], by["serif", digit])
    # The flag of the 1 and the bar of the 7 are there: more ink, and wider.
    for digit in (1, 7):
        assert by["serif", digit].sum() > by["plain", digit].sum()
    small = by["small-thin", 8] > 0.5
    assert small[:100, :80].any() and not small[100:].any() and not small[:, 80:].any()


def test_the_default_model_reads_drawn_digits(readings):
    # Measured (issue 10): the model trained on the data set alone read 34 of 40
    # (plain 9: its plain 6 read as 5; serif 9; slanted 7; small-thin 9); the one
    # trained with augmentation reads 39 (plain 10, serif 10, slanted 9: its 9
    # read as 7, small-thin 10). Retrained with two other seeds it read 39 and
    # 39 too, every plain digit right and at least 9 of each style.
    per_style = Counter(r.style for r in readings if r.right)
    assert per_style["plain"] == 10, summary(readings)
    assert min(per_style[style] for style in STYLES) >= 9, summary(readings)
    assert sum(per_style.values()) >= 38, summary(readings)


def test_the_issues_examples(readings):
    # Issue 10: "a 1 written with its top flag reads as 3 (89%); a 6 as 6 at only
    # 60% (5 at 40%)".
    by = {(r.style, r.digit): r for r in readings}
    flagged_one = by["serif", 1]
    assert flagged_one.right and flagged_one.probability > 0.9
    for style in STYLES:
        six = by[style, 6]
        assert six.right and six.probability > 0.9, f"{style} 6: {six}"
