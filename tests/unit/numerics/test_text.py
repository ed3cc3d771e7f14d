"""Tests of core.numerics.text: numbers as text."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.numerics.exact import exact
from core.numerics.formats import DTYPE_NAMES, as_dtype
from core.numerics.text import format_error, format_exact, format_float

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
