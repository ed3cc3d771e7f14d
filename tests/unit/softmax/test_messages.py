"""Every message of the softmax report against the values it sits beside.

A grid of logits at and around each threshold of each format (one exp overflowing,
the sum of finite exponentials overflowing, every term underflowing, the largest
term going subnormal) and the report's messages for every true class: each
message must be shown exactly when the values show its cause, and what it says
must be what the values say.
"""

import math

import numpy as np
import pytest

from core.numerics.formats import DTYPE_NAMES
from core.numerics.limits import exp_overflow_threshold, exp_underflow_threshold
from core.numerics.text import format_float
from core.softmax import report as rp


def neighbours(value: float, dtype: np.dtype, steps: int = 2) -> list[float]:
    # The stored value nearest `value` and its `steps` neighbours on each side.
    centre = dtype.type(value)
    out = [centre]
    up = down = centre
    for _ in range(steps):
        up, down = np.nextafter(up, dtype.type(np.inf)), np.nextafter(down, dtype.type(-np.inf))
        out += [up, down]
    return sorted(float(v) for v in out)


def threshold_grid(name: str) -> list[list[float]]:
    dtype = np.dtype(name)
    over = exp_overflow_threshold(name)
    under = exp_underflow_threshold(name)
    subnormal = math.log(float(np.finfo(dtype).smallest_normal))
    grid = []
    for z in [*neighbours(over, dtype), over - 1, over + 1]:
        grid += [[z, 0.0], [z, z - 0.5, -3.0]]  # one exp at the edge of overflow
    for n in (2, 3, 5):  # n equal terms: the sum overflows before any exp does
        edge = over - math.log(n)
        for z in [*neighbours(edge, dtype), edge - 0.5, edge + 0.25, over - 0.01]:
            grid.append([z] * n)
    for z in [*neighbours(under, dtype), under - 1, under + 1]:
        grid += [[z, z - 0.5], [0.0, z], [z] * 3]  # every term, or one term, underflowing
    for z in [*neighbours(subnormal, dtype), subnormal - 5, subnormal + 1]:
        grid += [[z, z - 0.7], [z, under - 1]]  # the largest term subnormal
    grid += [[over + 1, under - 1, 0.0], [12.0, 0.0, -12.0], [11.0, 11.0, 11.0], [88.5, 88.5]]
    grid += [[2.0, 1.0, 0.1], [0.0, -15.0], [30.0, 20.0, -80.0], [-100000.0, 0.0, 1.0]]
    grid += [[100000.0, 0.0], [-100000.0, -100000.0], [-1e6, 1e6, 0.0], [-1e6, -20.0, -21.0]]
    grid += [[-1e6, 0.0, over + 1], [-1e6, -1000.0, -1001.0]]
    return grid


CASES = [(z, y, name) for name in DTYPE_NAMES for z in threshold_grid(name) for y in range(len(z))]


def topics(report) -> dict[str, str]:
    return {m.topic: m.text for m in report.messages}


@pytest.mark.parametrize(("z", "y", "name"), CASES)
def test_messages_match_the_values(z, y, name):
    r = rp.softmax_report(z, y, name)
    shown = topics(r)
    assert len(shown) == len(r.messages), "one message per topic"
    logits, e = r.logits, r.exp_logits
    with np.errstate(all="ignore"):  # the denominators the two softmaxes divide by
        np.testing.assert_array_equal([r.exp_sum, r.shifted_sum], [e.sum(), r.exp_shifted.sum()])
    finite = np.isfinite(logits)
    losses = [r.loss(k).value for k in ("naive", "keras", "logits")]

    if np.isposinf(logits).any():
        assert set(shown) == {"inf_logit"}
        assert "inf" in shown["inf_logit"]
        return
    if np.isneginf(logits).all():
        assert set(shown) == {"all_neg_inf"}
        assert np.isnan(r.p_stable).all() and np.isnan(float(r.loss("exact").value))
        return
    assert ("neg_inf_logit" in shown) == bool(np.isneginf(logits).any())
    if "neg_inf_logit" in shown:
        minus = np.isneginf(logits)
        assert (r.p_stable[minus] == 0).all()
        both = "exactly 0 in both softmaxes" in shown["neg_inf_logit"]
        assert both == bool((r.p_naive[minus] == 0).all())
        assert all(r.p_exact[i] == 0 for i in np.flatnonzero(minus))

    overflowing = logits[finite & np.isinf(e)]
    assert ("exp_overflow" in shown) == bool(overflowing.size)
    if overflowing.size:
        text = shown["exp_overflow"]
        assert f"exp({format_float(overflowing.max())}) overflows" in text
        assert np.isnan(r.p_naive[np.isinf(e)]).all()
        assert ("0 for the others" in text) == bool(np.isfinite(e).any())

    sum_overflow = not overflowing.size and np.isinf(r.exp_sum)
    assert ("sum_overflow" in shown) == sum_overflow
    if sum_overflow:
        assert np.isfinite(e).all()
        assert (r.p_naive == 0).all() and np.isinf(r.loss("naive").value)
        assert f"naive loss is {format_float(r.loss('naive').value)}" in shown["sum_overflow"]

    all_zero = bool(np.all(e == 0))
    assert ("all_underflow" in shown) == all_zero
    if all_zero:
        assert np.isnan(r.p_naive).all()
    underflowing = logits[finite & (e == 0)]
    assert ("some_underflow" in shown) == (not all_zero and bool(underflowing.size))
    if "some_underflow" in shown:
        assert f"exp({format_float(underflowing.max())}) underflows" in shown["some_underflow"]
        assert (r.p_naive[finite & (e == 0)] == 0).all()

    if "subnormal_exp" in shown:
        assert 0 < r.exp_sum < np.finfo(r.dtype).smallest_normal
        assert format_float(e.max()) in shown["subnormal_exp"]

    if "p_y_zero" in shown:
        assert r.p_stable[y] == 0 and r.p_exact[y] != 0
    if "logits_off" in shown:
        assert r.loss("logits").relative_error > rp.OFF
        assert format_float(r.loss("logits").value) in shown["logits_off"]
    if "keras_off" in shown:
        assert r.loss("keras").relative_error > rp.OFF

    # Something broken is always explained; "every method is finite" only when it is.
    broken = not np.all(np.isfinite(losses)) or not np.isfinite(r.p_naive).all()
    if broken:
        assert any(m.level in ("error", "warning") for m in r.messages), (z, y, name)
    if "all_finite" in shown:
        assert set(shown) == {"all_finite"}
        assert np.all(np.isfinite(losses)) and np.isfinite(r.p_naive).all()
        assert np.isfinite(r.p_stable).all()


def test_the_grid_reaches_every_threshold():
    seen = {topic for z, y, name in CASES for topic in topics(rp.softmax_report(z, y, name))}
    assert {
        "exp_overflow",
        "sum_overflow",
        "all_underflow",
        "some_underflow",
        "subnormal_exp",
        "all_finite",
        "inf_logit",
        "neg_inf_logit",
        "all_neg_inf",
        "logits_off",
        "keras_off",
        "p_y_zero",
    } <= seen


@pytest.mark.parametrize(("z", "name"), [([11, 11, 11], "float16"), ([88.5, 88.5], "float32")])
def test_sum_overflow_is_explained_not_called_finite(z, name):
    # Issue 10, finding 7: each exp is finite but their sum is not, so the naive loss is inf.
    r = rp.softmax_report(z, 0, name)
    text = " ".join(m.text for m in r.messages)
    assert np.isinf(r.loss("naive").value)
    assert "Every method is finite" not in text
    assert "their sum" in text and "overflows to inf" in text
    assert "naive loss is inf" in text
