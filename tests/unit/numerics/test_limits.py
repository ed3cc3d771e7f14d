"""The exp limits of each format come from one computation, and are where exp really breaks."""

import ml_dtypes
import numpy as np
import pytest

from core.numerics.formats import FORMAT_NAMES, get_format
from core.numerics.limits import exp_overflow_threshold, exp_underflow_threshold, format_limits


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_thresholds_are_format_limits_values_for_every_spelling(name):
    dtype = get_format(name).dtype
    limits = format_limits(name)
    for spelling in {name, dtype, dtype.type}:
        assert exp_overflow_threshold(spelling) == limits.log_largest
        assert exp_underflow_threshold(spelling) < 0
    assert exp_overflow_threshold("f4" if name == "float32" else name) == limits.log_largest


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_overflow_threshold_agrees_with_numpy(name):
    # An independent computation: numpy's own largest value, logged in float64.
    assert exp_overflow_threshold(name) == pytest.approx(
        float(np.log(np.float64(np.finfo(name).max))), rel=1e-15
    )


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_exp_breaks_at_the_thresholds(name):
    # exp in the format itself (bfloat16 through float32, rounded once: its range is float32's).
    dtype = get_format(name).dtype

    def exp_in(z):
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(np.float64(z)).astype(dtype)

    over = exp_overflow_threshold(name)
    below_over = np.nextafter(np.asarray(over, dtype), dtype.type(0))
    assert np.isfinite(exp_in(below_over))
    assert np.isinf(exp_in(over * (1 + 1e-3)))
    under = exp_underflow_threshold(name)
    assert exp_in(under * (1 + 1e-3)) == 0
    assert exp_in(under * (1 - 1e-3)) > 0


def test_bfloat16_has_float32_range():
    assert exp_overflow_threshold(ml_dtypes.bfloat16) == pytest.approx(88.72, abs=0.01)
