"""Naive and stable softmax, the losses and their Keras replicas, against exact references."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.numerics.exact import to_exact, ulp_error
from core.numerics.formats import DTYPE_NAMES
from core.numerics.limits import exp_overflow_threshold
from core.softmax import functions as sm
from core.softmax.exact import (
    binary_cross_entropy_exact,
    cross_entropy_exact,
    sigmoid_exact,
    softmax_exact,
)
from tests.unit.helpers import STABLE_ULP_BOUND

DTYPES = [np.dtype(d) for d in DTYPE_NAMES]


def independent_softmax(z, digits=90):
    # A second, differently written reference: exp(z_j) / sum(exp(z_k)) at 90 digits.
    with mpmath.workdps(digits):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in z]
        total = mpmath.fsum(e)
        return [v / total for v in e]


logit_lists = st.lists(
    st.floats(min_value=-500, max_value=500, allow_nan=False, width=32), min_size=1, max_size=10
)


# ----- the numbers the lesson is built on -----


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_issue_seed_numbers(dtype):
    z = np.array([1000, 0, -1000], dtype=dtype)
    naive = sm.cross_entropy_naive(z, 2)
    assert np.isnan(naive) or np.isinf(naive)
    keras = sm.cross_entropy_keras_probs(sm.softmax_stable(z), 2)
    assert keras == pytest.approx(16.118095, rel=1e-6)
    assert sm.cross_entropy_from_logits(z, 2) == 2000
    assert cross_entropy_exact(z, 2) == 2000


def test_keras_clip_matches_tensorflow_measurements():
    # Values measured with TensorFlow 2.21 / Keras 3.15 on this machine.
    p = np.array([1, 0, 0], dtype="float32")
    assert sm.cross_entropy_keras_probs(p, 2) == np.float32(16.11809539794922)
    assert sm.cross_entropy_keras_probs(p.astype("float16"), 2) == np.float16(15.9453125)
    assert sm.binary_cross_entropy_keras_probs(np.float32(1), 0)[()] == np.float32(
        15.942384719848633
    )
    # float16 rounds 1 - 1e-7 to 1, so the clip cannot keep log(1 - q) finite.
    assert np.isinf(sm.binary_cross_entropy_keras_probs(np.float16(1), 0))


def test_keras_replicas_compute_float16_cross_entropy_in_float32():
    # Measured with TensorFlow 2.21 / Keras 3.15 (tests/unit/softmax/test_keras_check.py
    # checks the grid): sparse_softmax_cross_entropy_with_logits casts float16 logits to
    # float32 and rounds only the loss. In float16 throughout, 1 + 6.1e-6 rounds to 1 and
    # the loss to 0; the exact loss is 6.1442e-6.
    z = np.array([12, 0, -12], dtype="float16")
    assert sm.cross_entropy_from_logits(z, 0) == 0
    from_logits = sm.cross_entropy_keras_logits(z, 0)
    assert from_logits.dtype == np.float16 and from_logits == np.float16(6.198883056640625e-06)
    tf_probs = np.array([1.0, 6.139278411865234e-06, 0.0], dtype="float16")
    on_probs = sm.cross_entropy_keras_probs(tf_probs, 0)
    assert on_probs.dtype == np.float16 and on_probs == np.float16(6.318092346191406e-06)
    assert sm.cross_entropy_keras_probs(tf_probs, 2) == np.float16(15.9453125)
    # float32 and float64 stay in their own format.
    assert sm.xent_compute_dtype("float32") == np.float32
    assert sm.xent_compute_dtype("float64") == np.float64


def test_no_loss_is_minus_zero():
    assert not np.signbit(sm.cross_entropy_from_logits(np.array([12, 0, -12], "float16"), 0))
    assert not np.signbit(sm.cross_entropy_naive(np.array([0.0, -800.0]), 0))


def test_flush_subnormals_as_tensorflow_kernels_do():
    tiny = np.finfo(np.float64).smallest_normal
    x = np.array([tiny, tiny / 2, -tiny / 4, 5e-324, 0.0, np.inf, np.nan])
    flushed = sm.flush_subnormals(x)
    assert flushed[0] == tiny and flushed[1:5].tolist() == [0, 0, 0, 0]
    assert np.signbit(flushed[2]) and np.isinf(flushed[5]) and np.isnan(flushed[6])
    # float16 runs in float32 on the CPU, where its subnormals are normal: they survive.
    half = np.array([6.139278411865234e-06], dtype="float16")
    assert sm.flush_subnormals(half)[0] == half[0]
    # exp(-745) is 4.9e-324 in IEEE 754 and 0 on a flush-to-zero CPU.
    assert sm.binary_cross_entropy_from_logits(-745.0, 0)[()] == 5e-324
    assert sm.binary_cross_entropy_from_logits(-745.0, 0, flush=True)[()] == 0
    assert np.isnan(sm.softmax_naive(np.array([-745.0, -745.5]), flush=True)).all()


def test_overflow_breaks_naive_not_stable():
    z = np.array([1000, 999, 998], dtype="float32")
    assert np.all(np.isnan(sm.softmax_naive(z)))
    stable = sm.softmax_stable(z)
    ref = softmax_exact(z)
    assert all(
        ulp_error(p, r, z.dtype) <= STABLE_ULP_BOUND for p, r in zip(stable, ref, strict=True)
    )


def test_underflow_breaks_naive_not_stable():
    z = np.array([-1000, -1001, -1002], dtype="float64")
    assert np.all(np.isnan(sm.softmax_naive(z)))
    assert sm.softmax_stable(z).sum() == pytest.approx(1, abs=1e-15)


def test_float16_breaks_at_12():
    z = np.array([12, 0, -12], dtype="float16")
    assert np.isnan(sm.softmax_naive(z)[0])
    assert np.isfinite(sm.softmax_stable(z)).all()


@pytest.mark.parametrize(
    ("dtype", "expected"), [("float16", 11.09), ("float32", 88.72), ("float64", 709.78)]
)
def test_exp_overflow_threshold(dtype, expected):
    threshold = exp_overflow_threshold(dtype)
    assert round(threshold, 2) == expected
    below = np.asarray(threshold - 0.01, dtype=dtype)
    above = np.asarray(threshold + 0.01 * max(1, threshold / 100), dtype=dtype)
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(below)) and np.isinf(np.exp(above))


@pytest.mark.parametrize(("dtype", "expected"), [("float32", 16.6), ("float64", 36.7)])
def test_sigmoid_saturation_point(dtype, expected):
    point = sm.sigmoid_saturation_point(dtype)
    assert round(point, 1) == expected
    dt = np.dtype(dtype)
    assert sm.sigmoid_naive(dt.type(point)) == 1
    assert sm.sigmoid_naive(np.nextafter(dt.type(point), dt.type(0))) < 1


# ----- exact references -----


@given(logit_lists)
def test_softmax_exact_matches_independent_reference(z):
    ours = softmax_exact(z)
    theirs = independent_softmax(z)
    for a, b in zip(ours, theirs, strict=True):
        assert abs(a - b) <= abs(b) * mpmath.mpf("1e-55")


@given(logit_lists, st.data())
def test_cross_entropy_exact_matches_independent_reference(z, data):
    y = data.draw(st.integers(0, len(z) - 1))
    with mpmath.workdps(90):
        expected = -mpmath.log(independent_softmax(z)[y])
        assert abs(cross_entropy_exact(z, y) - expected) <= max(
            abs(expected) * mpmath.mpf("1e-55"), mpmath.mpf("1e-80")
        )


def test_cross_entropy_exact_keeps_tiny_losses():
    # p_y = 1 / (1 + e^-800): the loss is about e^-800, far below float64's smallest number.
    loss = cross_entropy_exact([800.0, 0.0], 0)
    with mpmath.workdps(90):
        expected = mpmath.log1p(mpmath.exp(-800))
    assert abs(loss / expected - 1) < mpmath.mpf("1e-50")


@given(st.floats(-700, 700), st.sampled_from([0, 1]))
def test_binary_exact_matches_definition(z, y):
    # 420 digits, so that 1 + e^-z keeps over 100 of them even where e^-z is 1e-304.
    with mpmath.workdps(420):
        a = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
        expected = -mpmath.log(a) if y == 1 else -mpmath.log(1 - a)
        assert abs(binary_cross_entropy_exact(z, y) - expected) <= expected * mpmath.mpf("1e-50")
        assert abs(sigmoid_exact(z) - a) <= a * mpmath.mpf("1e-55")


def test_softmax_exact_special_values():
    assert softmax_exact([-math.inf, 0.0]) == [0, 1]
    assert softmax_exact([math.inf, 0.0]) == [1, 0]
    assert all(mpmath.isnan(p) for p in softmax_exact([math.inf, math.inf]))
    assert all(mpmath.isnan(p) for p in softmax_exact([math.nan, 0.0]))
    assert softmax_exact([]) == []
    assert softmax_exact([5.0]) == [1]


def test_exact_references_take_minus_inf_as_probability_zero():
    # float16 stores -100000 as -inf: a legitimate logit whose probability is exactly 0.
    with np.errstate(over="ignore"):
        z = np.array([-100000, 0, 1], dtype="float16")
    assert z[0] == -np.inf
    with mpmath.workdps(90):
        expected = mpmath.log1p(mpmath.e)  # -log(e^0 / (e^0 + e^1)), about 1.3133
    assert abs(cross_entropy_exact(z, 1) - expected) < mpmath.mpf("1e-55")
    assert cross_entropy_exact(z, 0) == mpmath.inf  # the true class is impossible
    assert softmax_exact(z)[0] == 0
    assert mpmath.isnan(cross_entropy_exact([-math.inf, -math.inf], 0))  # 0/0: no limit
    assert cross_entropy_exact([math.inf, 0.0], 0) == 0  # p_y -> 1
    assert cross_entropy_exact([math.inf, 0.0], 1) == mpmath.inf  # p_y -> 0
    assert mpmath.isnan(cross_entropy_exact([math.inf, math.inf, 0.0], 0))
    assert sigmoid_exact(-math.inf) == 0 and sigmoid_exact(math.inf) == 1
    assert binary_cross_entropy_exact(-math.inf, 0) == 0
    assert binary_cross_entropy_exact(-math.inf, 1) == mpmath.inf


def test_every_method_handles_a_minus_inf_logit():
    z = np.array([-np.inf, 0, 1], dtype="float16")
    reference = float(cross_entropy_exact(z, 1))
    for loss in (
        sm.cross_entropy_naive(z, 1),
        sm.cross_entropy_from_logits(z, 1),
        sm.cross_entropy_keras_probs(sm.softmax_stable(z), 1),
    ):
        assert loss == pytest.approx(reference, rel=1e-3)
    assert np.isinf(sm.cross_entropy_from_logits(z, 0)) and np.isinf(sm.cross_entropy_naive(z, 0))


# ----- the float methods against the references -----


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(z=logit_lists)
def test_stable_softmax_is_accurate_in_every_dtype(dtype, z):
    with np.errstate(over="ignore"):
        logits = np.asarray(z, dtype=dtype)
    assume(np.isfinite(logits).all())
    probs = sm.softmax_stable(logits)
    assert probs.dtype == dtype
    m = float(logits.max())
    for p, v, ref in zip(probs, logits, softmax_exact(logits), strict=True):
        # Rounding z - m costs up to half an ULP of |z - m| in the exponent, and exp turns
        # that absolute error into a relative one: about |z - m| ULPs in the probability.
        assert ulp_error(p, ref, dtype) <= STABLE_ULP_BOUND + abs(float(v) - m)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(z=logit_lists)
def test_probabilities_sum_to_one(dtype, z):
    with np.errstate(over="ignore"):
        logits = np.asarray(z, dtype=dtype)
    assume(np.isfinite(logits).all())
    total = float(np.sum(sm.softmax_stable(logits).astype(np.float64)))
    assert total == pytest.approx(1, abs=len(z) * 4 * float(np.finfo(dtype).eps))


@given(
    z=st.lists(st.integers(-1000, 1000), min_size=1, max_size=10),
    shift=st.integers(-(10**6), 10**6),
)
def test_stable_softmax_is_shift_invariant(z, shift):
    # Integers are exact in float64, so z - max(z) is identical after any shift.
    base = np.asarray(z, dtype=np.float64)
    np.testing.assert_array_equal(sm.softmax_stable(base), sm.softmax_stable(base + shift))
    assert sm.cross_entropy_from_logits(base, 0) == sm.cross_entropy_from_logits(base + shift, 0)


@given(z=logit_lists, data=st.data())
def test_cross_entropy_from_logits_is_accurate(z, data):
    y = data.draw(st.integers(0, len(z) - 1))
    logits = np.asarray(z, dtype=np.float64)
    loss = sm.cross_entropy_from_logits(logits, y)
    exact = cross_entropy_exact(logits, y)
    # m + log(sum) - z_y: each term is correct to a few ULPs of its own size.
    scale = max(abs(float(logits.max())), abs(float(logits[y])), float(exact), 1.0)
    assert abs(to_exact(loss) - exact) <= 8 * np.finfo(np.float64).eps * scale


@given(z=st.floats(-700, 700), y=st.sampled_from([0, 1]))
def test_binary_from_logits_is_accurate(z, y):
    loss = sm.binary_cross_entropy_from_logits(z, y)[()]
    exact = binary_cross_entropy_exact(z, y)
    # max(z, 0) - z*y cancels to a value near |z| or 0: bound by the size of the terms.
    assert abs(to_exact(loss) - exact) <= 4 * np.finfo(np.float64).eps * max(float(exact), abs(z))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(z=logit_lists, data=st.data())
def test_keras_probability_loss_never_exceeds_the_clip(dtype, z, data):
    y = data.draw(st.integers(0, len(z) - 1))
    with np.errstate(over="ignore"):
        logits = np.asarray(z, dtype=dtype)
    assume(np.isfinite(logits).all())
    loss = sm.cross_entropy_keras_probs(sm.softmax_stable(logits), y)
    eps = dtype.type(sm.KERAS_EPSILON)
    assert loss <= -np.log(float(eps)) + np.log(len(z)) + 1e-3


def test_gradient_is_p_minus_onehot():
    p = sm.softmax_stable(np.array([2.0, 1.0, 0.1]))
    grad = sm.softmax_gradient(p, 1)
    np.testing.assert_array_equal(grad, p - np.array([0, 1, 0]))
    assert grad.sum() == pytest.approx(0, abs=1e-15)


# ----- edge cases -----


def test_empty_and_single_logit():
    assert sm.softmax_stable([]).size == 0
    assert sm.softmax_naive([]).size == 0
    assert sm.softmax_stable([42.0]).tolist() == [1.0]
    assert sm.cross_entropy_from_logits([42.0], 0) == 0
    with pytest.raises(ValueError, match="empty"):
        sm.cross_entropy_from_logits([], 0)
    with pytest.raises(ValueError, match="out of range"):
        sm.cross_entropy_naive([1.0, 2.0], 2)
    # The losses take one list of logits; the softmaxes take an axis (see the axis tests).
    with pytest.raises(ValueError, match="1-D"):
        sm.cross_entropy_from_logits([[1.0, 2.0]], 0)


def test_infinite_and_nan_logits():
    assert sm.softmax_stable([-np.inf, 0.0]).tolist() == [0.0, 1.0]
    assert np.isnan(sm.softmax_stable([np.inf, 0.0])).any()
    assert np.isnan(sm.softmax_stable([np.nan, 0.0])).all()
    assert sm.logsumexp_stable([-np.inf, -np.inf]) == -np.inf
    assert sm.logsumexp_stable([np.inf, 0.0]) == np.inf
    assert np.isnan(sm.logsumexp_stable([np.nan, 0.0]))
    assert np.isinf(sm.cross_entropy_from_logits([-np.inf, 0.0], 0))


def test_log_softmax_stays_finite_where_probability_underflows():
    logp = sm.log_softmax_stable(np.array([0.0, -2000.0]))
    assert logp[1] == pytest.approx(-2000.0)
    assert sm.softmax_stable(np.array([0.0, -2000.0]))[1] == 0


def test_binary_label_checked():
    with pytest.raises(ValueError, match="0 or 1"):
        sm.binary_cross_entropy_naive(1.0, 2)
