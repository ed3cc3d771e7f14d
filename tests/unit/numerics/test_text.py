"""Tests of core.numerics.text: numbers as text."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.numerics.exact import exact
from core.numerics.formats import DTYPE_NAMES, as_dtype
from core.numerics.text import (
    FOLD_ABOVE,
    exact_decimal,
    fold_digits,
    folded_text,
    format_error,
    format_exact,
    format_float,
    shortest_is_exact,
    stored_text,
)

DTYPES = [as_dtype(d) for d in DTYPE_NAMES]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_format_float_reads_back_exactly(dtype, x):
    with np.errstate(over="ignore"):
        value = np.asarray(x, dtype=dtype)[()]
    text = format_float(value)
    assert np.asarray(float(text), dtype=dtype) == value
    if value != 0:
        assert np.signbit(value) == text.startswith("-")


def test_format_float_specials():
    assert format_float(np.float32("nan")) == "nan"
    assert format_float(-np.inf) == "-inf"
    assert format_float(-0.0) == "-0"
    assert format_float(np.float32(16.118095)) == "16.118095"
    assert format_float(np.float16(0.1)) == "0.1"
    assert format_float(1e-7) == "1e-7"


def test_format_exact_rounds_correctly():
    third = exact.mpf(1) / 3
    assert format_exact(third) == "0.33333333333333333"
    assert format_exact(exact.mpf(2000)) == "2000"
    assert format_exact(exact.mpf(2) / 3, 5) == "0.66667"
    assert format_exact(exact.mpf("1e-400") * 2) == "2e-400"
    assert format_exact(exact.mpf("nan")) == "nan"


def test_format_error():
    assert format_error(None) == "—"
    assert format_error(0.0) == "0"
    assert format_error(0.123456) == "0.123"
    assert format_error(math.inf) == "inf"


@pytest.mark.parametrize(
    ("value", "name", "is_exact", "text"),
    [
        (65504, "float16", False, "65500 (exactly 65504)"),
        (65504, "bfloat16", False, "65500 (exactly 65536)"),
        (0.5, "float16", True, "0.5"),
        (1e22, "float64", True, "1e+22"),
        (math.inf, "float32", True, "inf"),
        (math.nan, "float64", True, "nan"),
        (0.1, "float16", False, "0.1 (exactly 0.0999755859375)"),
    ],
)
def test_stored_text_shows_the_exact_value_beside_a_shortest_text_that_is_not_it(
    value, name, is_exact, text
):
    assert shortest_is_exact(value, name) is is_exact
    assert stored_text(value, name) == text


def test_fold_digits_keeps_the_first_and_last_digits_and_counts_the_rest():
    full = exact_decimal(1e-320)
    folded = fold_digits(full)
    assert folded is not None
    assert folded.text == "9.9998886718268300541…(721 digits left out)…9697265625E-321"
    assert folded.digits == 751 == sum(c.isdigit() for c in full.partition("E")[0])
    assert folded.full == full
    assert folded_text(full) == folded.text
    big = fold_digits(exact_decimal(1e300))
    assert big is not None and big.text == "10000000000000000525…(271 digits left out)…9400540160"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fold_digits_leaves_short_values_whole_and_folds_long_ones(x):
    full = exact_decimal(x)
    folded = fold_digits(full)
    mantissa = full.partition("E")[0]
    digits = sum(c.isdigit() for c in mantissa)
    if digits <= FOLD_ABOVE:
        assert folded is None and folded_text(full) == full
    else:
        assert folded is not None
        assert full.startswith(folded.head) and full.endswith(folded.tail)
        kept = folded.head + folded.tail.partition("E")[0]
        assert sum(c.isdigit() for c in kept) + folded.left_out == digits
        assert len(folded.text) < 70
