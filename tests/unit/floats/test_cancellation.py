"""Tests of core.floats.cancellation: the course example, the sweep and the gallery."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from core.floats.cancellation import (
    GALLERY,
    SWEEP_NS,
    cancellation_error,
    cancellation_sweep,
    course_example,
    evaluate_gallery_entry,
    gallery_entry,
)
from core.numerics.formats import FORMAT_NAMES
from core.softmax.functions import logsumexp_stable
from tests.unit.floats.test_bits import DTYPES, HIGH


def independent_exact(key: str, x: float):
    """Straight from the naive formula, at 80 digits (cancellation costs < 30 here)."""
    X = HIGH.mpf(x)  # noqa: N806
    if key == "log1p":
        return HIGH.log(1 + X)
    if key == "expm1":
        return HIGH.exp(X) - 1
    if key == "one_minus_cos":
        return 1 - HIGH.cos(X)
    if key == "sqrt_difference":
        return HIGH.sqrt(X * X + 1) - X
    if key == "sum_of_tenths":
        tenth = Fraction(0.1)
        total = int(x) * tenth
        return HIGH.mpf(total.numerator) / total.denominator
    if key == "absorption":
        return (X + 1) - X
    if key == "logsumexp":
        return HIGH.log(HIGH.exp(X) + HIGH.exp(X - 1) + HIGH.exp(X - 2))
    raise AssertionError(key)


GALLERY_POINTS = [
    (entry.key, x)
    for entry in GALLERY
    for x in sorted(
        {
            entry.default_input,
            entry.input_min,
            entry.input_max,
            math.sqrt(entry.input_min * entry.input_max)
            if entry.log_scale
            else (entry.input_min + entry.input_max) / 2,
        }
    )
    if not entry.integer_input or float(x).is_integer()
]


def test_course_example_prints_exactly_as_the_course() -> None:
    x1, x2 = course_example()
    assert x1.printed == "0.000200000000000000"
    assert x2.printed == "0.000199999999999978"
    assert x1.value == 2 / 10000
    assert x2.value == (1 + 1 / 10000) - (1 - 1 / 10000)


def test_course_example_exact_decimals_and_errors() -> None:
    x1, x2 = course_example()
    assert x1.exact_decimal == "0.00020000000000000000958434720477185919662588275969028472900390625"
    assert x2.exact_decimal == "0.000199999999999977973175191436894237995147705078125"
    truth = Fraction(2, 10000)
    for row in (x1, x2):
        assert Fraction(Decimal(row.exact_decimal)) == Fraction(row.value)
        error = abs(Fraction(row.value) - truth)
        assert row.absolute_error == pytest.approx(float(error), rel=1e-12)
        assert row.relative_error == pytest.approx(float(error / truth), rel=1e-12)
        assert row.ulp_error == pytest.approx(float(error / Fraction(np.spacing(2 / 10000))))
    assert x1.ulp_error <= 0.5  # 2/10000 is correctly rounded
    assert x2.relative_error == pytest.approx(1.1013412404e-13, rel=1e-9)
    assert x2.ulp_error > 800  # the cancellation magnified a 1e-16 error


def test_cancellation_float64_is_the_course_example() -> None:
    result = cancellation_error(10000, "float64")
    assert result.computed == course_example()[1].value
    assert result.relative_error == pytest.approx(course_example()[1].relative_error)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_cancellation_runs_in_the_format(name: str) -> None:
    dtype = DTYPES[name]
    result = cancellation_error(100, name)
    one, n = dtype.type(1), dtype.type(100)
    expected = (one + one / n) - (one - one / n)
    assert result.computed.tobytes() == np.array(expected, dtype=dtype).tobytes()
    assert isinstance(result.computed, dtype.type)
    assert abs(HIGH.mpf(result.exact) * 50 - 1) < HIGH.mpf(10) ** -55
    truth = Fraction(2, 100)
    error = abs(Fraction(float(result.computed)) - truth)
    assert result.relative_error == pytest.approx(float(error / truth), rel=1e-12)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_cancellation_sweep_never_crashes(name: str) -> None:
    results = cancellation_sweep(SWEEP_NS, name)
    assert [r.n for r in results] == list(SWEEP_NS)
    for result in results:
        if float(result.computed) == 0:
            assert result.relative_error == 1.0
    if name != "float64":
        # 1/n is below eps/2 by n = 1e15: both sides round to 1, the difference to 0
        assert float(results[-1].computed) == 0.0
        assert results[-1].relative_error == 1.0
    errors = [r.relative_error for r in results]
    assert errors[-1] > 50 * errors[0]


def test_cancellation_overflowing_n_and_bfloat16_rounding() -> None:
    overflow = cancellation_error(1e5, "float16")
    assert np.isinf(overflow.n_stored) and float(overflow.computed) == 0.0
    assert overflow.relative_error == 1.0
    assert float(cancellation_error(10000, "bfloat16").n_stored) == 9984.0
    huge = cancellation_error(10**400, "float64")
    assert np.isinf(huge.n_stored) and huge.relative_error == 1.0
    tiny = cancellation_error(1e-10, "float16")  # 1/n overflows: inf - (-inf)
    assert np.isinf(tiny.computed) and tiny.relative_error is None
    for bad in (0, math.inf, math.nan, "10"):
        with pytest.raises(ValueError, match="n must"):
            cancellation_error(bad, "float32")


@pytest.mark.parametrize(("key", "x"), GALLERY_POINTS)
def test_gallery_exact_values(key: str, x: float) -> None:
    result = evaluate_gallery_entry(key, x)
    reference = independent_exact(key, x)
    assert abs(HIGH.mpf(result.exact) - reference) <= HIGH.mpf(10) ** -30 * abs(reference)


@pytest.mark.parametrize("entry", GALLERY, ids=lambda entry: entry.key)
def test_gallery_stable_is_good_and_naive_is_bad_at_default(entry) -> None:
    result = evaluate_gallery_entry(entry.key)
    assert result.x == entry.default_input
    assert result.stable_ulp_error is not None and result.stable_ulp_error <= 2
    if entry.key == "sum_of_tenths":
        # ten additions are "only" 0.75 ULP off: visibly not correctly rounded
        assert result.naive == 0.9999999999999999 and result.stable == 1.0
        assert result.naive_ulp_error > 0.5 >= result.stable_ulp_error
    else:
        assert result.naive_relative_error is None or result.naive_relative_error > 1e-6
        assert result.naive_ulp_error is None or result.naive_ulp_error > 1e6


@pytest.mark.parametrize("entry", GALLERY, ids=lambda entry: entry.key)
def test_gallery_entry_fields(entry) -> None:
    assert entry.input_min <= entry.default_input <= entry.input_max
    assert not entry.log_scale or entry.input_min > 0
    assert entry.title and entry.naive_formula and entry.stable_formula
    assert 20 < len(entry.explanation) < 300
    assert gallery_entry(entry.key) is entry


def test_gallery_edges_do_not_raise() -> None:
    assert evaluate_gallery_entry("logsumexp", -1000.0).naive == -math.inf
    assert np.isfinite(evaluate_gallery_entry("logsumexp", -1000.0).stable)
    assert evaluate_gallery_entry("sqrt_difference", 1e15).naive == 0.0
    assert evaluate_gallery_entry("one_minus_cos", 1e-12).naive_relative_error == 1.0
    assert {entry.key for entry in GALLERY} == {
        "log1p",
        "expm1",
        "one_minus_cos",
        "sqrt_difference",
        "sum_of_tenths",
        "absorption",
        "logsumexp",
    }


@pytest.mark.parametrize("x", [-1000.0, 0.0, 709.0, 1000.0])
def test_gallery_logsumexp_is_the_softmax_lesson_one(x: float) -> None:
    # One logsumexp in the app: the gallery shows the function the softmax page uses.
    expected = logsumexp_stable(np.array([x, x - 1.0, x - 2.0]))
    assert evaluate_gallery_entry("logsumexp", x).stable == expected


def test_gallery_bad_inputs() -> None:
    with pytest.raises(ValueError, match="No gallery entry"):
        evaluate_gallery_entry("nope")
    with pytest.raises(ValueError, match="between"):
        evaluate_gallery_entry("log1p", -0.5)
    with pytest.raises(ValueError, match="whole number"):
        evaluate_gallery_entry("sum_of_tenths", 2.5)
    with pytest.raises(ValueError, match="must be a number"):
        evaluate_gallery_entry("expm1", "1e-3")
