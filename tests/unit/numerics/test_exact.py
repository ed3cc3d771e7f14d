"""Tests of core.numerics.exact: exact values and error measures."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.numerics.exact import (
    exact,
    relative_and_ulp_error,
    relative_error,
    to_exact,
    ulp_distance,
    ulp_error,
    ulp_of,
)

DTYPES = [np.dtype(d) for d in ("float16", "float32", "float64")]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(x=st.floats(allow_nan=False, allow_infinity=False, width=16))
def test_ulp_of_matches_numpy_spacing(dtype, x):
    value = np.asarray(x, dtype=dtype)
    if not np.isfinite(value):
        return
    # numpy.spacing(x) is the gap above |x|; equal to the binade's ULP except at powers of 2
    # from below, which ulp_of assigns to the upper binade.
    assert ulp_of(to_exact(value), dtype) == to_exact(np.spacing(np.abs(value)))


def test_ulp_error_of_correctly_rounded_value_is_at_most_half():
    tenth = exact.mpf(1) / 10
    for dtype in DTYPES:
        assert ulp_error(np.asarray(0.1, dtype=dtype), tenth, dtype) <= 0.5


def test_relative_error_cases():
    assert relative_error(0.5, exact.mpf(1)) == 0.5
    assert relative_error(0.0, exact.mpf(0)) == 0.0
    assert relative_error(1e-300, exact.mpf(0)) == math.inf
    assert relative_error(math.nan, exact.mpf(1)) is None
    assert relative_error(math.inf, exact.mpf(1)) is None
    assert ulp_error(math.inf, exact.mpf(1), DTYPES[1]) is None


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(
    computed=st.floats(width=32),
    digits=st.integers(min_value=-5, max_value=5),
    exponent=st.integers(min_value=-330, max_value=310),
)
def test_relative_and_ulp_error_are_the_two_measures(dtype, computed, digits, exponent):
    with np.errstate(over="ignore"):  # a float32 beyond float16's range becomes inf
        value = np.asarray(computed, dtype=dtype)
    # A reference near the computed value (a few ULPs away) and one anywhere, zero included.
    for reference in (
        to_exact(computed) * (1 + exact.mpf(digits) / 10**7) if math.isfinite(computed) else 0,
        exact.mpf(digits) * exact.mpf(10) ** exponent,
    ):
        reference = exact.mpf(reference)
        together = relative_and_ulp_error(value, reference, dtype)
        assert together == (relative_error(value, reference), ulp_error(value, reference, dtype))


def test_ulp_error_is_the_difference_over_the_gap():
    # 1 + 3 ULPs of float32 against 1: the gap at 1 is 2**-23.
    assert ulp_error(np.float32(1) + np.float32(3 * 2.0**-23), exact.mpf(1), DTYPES[1]) == 3.0
    # Below the normal range the gap is the smallest subnormal, 2**-24 in float16.
    assert ulp_error(0.0, exact.ldexp(1, -26), DTYPES[0]) == 0.25
    assert relative_and_ulp_error(math.nan, exact.mpf(1), DTYPES[0]) == (None, None)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_ulp_distance(dtype):
    one = np.asarray(1, dtype=dtype)
    up = np.nextafter(one, np.asarray(2, dtype=dtype))
    assert ulp_distance(one, up, dtype) == 1
    assert ulp_distance(one, one, dtype) == 0
    assert ulp_distance(0.0, -0.0, dtype) == 0
    tiny = np.nextafter(np.asarray(0, dtype=dtype), one)
    assert ulp_distance(-tiny, tiny, dtype) == 2
    assert ulp_distance(math.nan, math.nan, dtype) == 0
    assert ulp_distance(math.inf, math.inf, dtype) == 0
    assert ulp_distance(math.inf, 1.0, dtype) is None


def test_exact_context_is_private():
    before = mpmath.mp.dps
    assert exact.dps >= 60
    assert mpmath.mp.dps == before
