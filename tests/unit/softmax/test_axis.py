"""Softmax, log-softmax and logsumexp along an axis, against mpmath row by row, and like scipy."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.numerics.exact import exact, to_exact, ulp_error
from core.numerics.formats import DTYPE_NAMES
from core.softmax import functions as sm
from core.softmax.exact import cross_entropy_exact, softmax_exact

DTYPES = [np.dtype(d) for d in DTYPE_NAMES]
# As in test_functions: exp, a sum of n terms and a division cost a few ULPs.
STABLE_ULP_BOUND = 12
inf, nan = math.inf, math.nan

matrices = arrays(
    np.float32,
    st.tuples(st.integers(1, 4), st.integers(1, 6)),
    elements=st.floats(-500, 500, allow_nan=False, width=32),
)


def in_dtype(z, dtype):
    with np.errstate(over="ignore"):
        logits = np.asarray(z, dtype=dtype)
    assume(np.isfinite(logits).all())
    return logits


def logsumexp_exact(row):
    return exact.log(exact.fsum(exact.exp(to_exact(v)) for v in row))


def check_slice(z, probs, log_probs, lse, dtype):
    """One slice of logits against the mpmath references."""
    eps = float(np.finfo(dtype).eps)
    m = float(z.max())
    n = len(z)
    for j, (p, ref) in enumerate(zip(probs, softmax_exact(z), strict=True)):
        # Rounding z - m costs about |z - m| ULPs in exp (see test_functions).
        assert ulp_error(p, ref, dtype) <= STABLE_ULP_BOUND + abs(float(z[j]) - m)
        exact_log = -cross_entropy_exact(z, j)
        # (z_j - m) - log(sum): each term good to a few epsilons of its size, the sum to n.
        bound = 4 * eps * (abs(float(z[j]) - m) + abs(float(exact_log)) + n)
        assert abs(to_exact(log_probs[j]) - exact_log) <= bound
    exact_lse = logsumexp_exact(z)
    assert abs(to_exact(lse) - exact_lse) <= 4 * eps * (abs(float(exact_lse)) + n)


# ----- each axis against the exact references -----


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(z=matrices)
def test_rows_match_mpmath(dtype, z):
    logits = in_dtype(z, dtype)
    probs = sm.softmax_stable(logits, axis=1)
    log_probs = sm.log_softmax_stable(logits, axis=1)
    lse = sm.logsumexp_stable(logits, axis=1)
    assert probs.dtype == log_probs.dtype == lse.dtype == dtype
    assert probs.shape == log_probs.shape == logits.shape and lse.shape == (logits.shape[0],)
    for i, row in enumerate(logits):
        check_slice(row, probs[i], log_probs[i], lse[i], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(z=matrices)
def test_columns_match_mpmath(dtype, z):
    logits = in_dtype(z, dtype)
    probs = sm.softmax_stable(logits, axis=0)
    log_probs = sm.log_softmax_stable(logits, axis=0)
    lse = sm.logsumexp_stable(logits, axis=0)
    assert lse.shape == (logits.shape[1],)
    for j, column in enumerate(logits.T):
        check_slice(column, probs[:, j], log_probs[:, j], lse[j], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@given(z=matrices)
def test_axis_none_is_over_every_entry(dtype, z):
    logits = in_dtype(z, dtype)
    probs = sm.softmax_stable(logits, axis=None)
    log_probs = sm.log_softmax_stable(logits, axis=None)
    lse = sm.logsumexp_stable(logits, axis=None)
    assert probs.shape == logits.shape and np.ndim(lse) == 0
    check_slice(logits.ravel(), probs.ravel(), log_probs.ravel(), lse, dtype)


@given(z=matrices)
def test_each_row_is_the_one_dimensional_call(z):
    # The default axis is the last: 1-D callers and row-wise callers get the same numbers.
    for i, row in enumerate(z):
        np.testing.assert_array_equal(sm.softmax_stable(z)[i], sm.softmax_stable(row))
        np.testing.assert_array_equal(sm.log_softmax_stable(z)[i], sm.log_softmax_stable(row))
        np.testing.assert_array_equal(sm.softmax_naive(z)[i], sm.softmax_naive(row))
        assert sm.logsumexp_stable(z)[i] == sm.logsumexp_stable(row)
        np.testing.assert_array_equal(sm.max_shift(z)[i], sm.max_shift(row))


# ----- properties -----


@given(
    z=arrays(np.int64, (3, 4), elements=st.integers(-1000, 1000)),
    shift=arrays(np.int64, 3, elements=st.integers(-(10**6), 10**6)),
)
def test_shift_invariance_along_each_axis(z, shift):
    # Integers are exact in float64, so z - max(z) is identical after any shift of a slice.
    base = z.astype(np.float64)
    for axis, c in ((1, shift[:, None]), (0, np.append(shift, 0)[None, :4])):
        moved = base + c
        np.testing.assert_array_equal(
            sm.softmax_stable(moved, axis=axis), sm.softmax_stable(base, axis=axis)
        )
        np.testing.assert_array_equal(
            sm.log_softmax_stable(moved, axis=axis), sm.log_softmax_stable(base, axis=axis)
        )
        np.testing.assert_array_equal(sm.max_shift(moved, axis=axis), sm.max_shift(base, axis=axis))
        # (m + c) + log(sum) against (m + log(sum)) + c: a few roundings of the terms' size.
        before, c = sm.logsumexp_stable(base, axis=axis), c.ravel()
        difference = np.abs(sm.logsumexp_stable(moved, axis=axis) - (before + c))
        assert (difference <= 4 * np.finfo(np.float64).eps * (np.abs(before) + np.abs(c))).all()


@pytest.mark.parametrize("axis", [0, 1, -1, None])
@given(z=matrices)
def test_the_three_functions_agree(axis, z):
    logits = z.astype(np.float64)
    probs = sm.softmax_stable(logits, axis=axis)
    log_probs = sm.log_softmax_stable(logits, axis=axis)
    lse = sm.logsumexp_stable(logits, axis=axis)
    keep = np.expand_dims(lse, axis) if axis is not None else lse
    np.testing.assert_allclose(np.sum(probs, axis=axis), 1, rtol=1e-14)
    np.testing.assert_allclose(np.exp(log_probs), probs, rtol=1e-12, atol=1e-300)
    assert (log_probs <= 0).all()
    m = np.max(logits, axis=axis)
    n = logits.size if axis is None else logits.shape[axis]
    assert (lse >= m).all() and (lse <= m + np.log(n) + 1e-12).all()
    np.testing.assert_allclose(log_probs, logits - keep, atol=1e-12 * max(1.0, np.abs(lse).max()))
    assert (sm.max_shift(logits, axis=axis).max(axis=axis) == 0).all()


@pytest.mark.parametrize("axis", [0, 1, None])
@given(z=matrices)
def test_same_as_scipy(axis, z):
    special = pytest.importorskip("scipy.special")
    logits = z.astype(np.float64)
    np.testing.assert_allclose(
        sm.softmax_stable(logits, axis=axis), special.softmax(logits, axis=axis), rtol=1e-13
    )
    np.testing.assert_allclose(
        sm.log_softmax_stable(logits, axis=axis),
        special.log_softmax(logits, axis=axis),
        rtol=1e-13,
        atol=1e-12,
    )
    # scipy takes log1p of the terms beside the max, so it keeps more relative digits
    # of a logsumexp near 0; the two agree to a few epsilons of the size of the terms.
    np.testing.assert_allclose(
        sm.logsumexp_stable(logits, axis=axis),
        special.logsumexp(logits, axis=axis),
        rtol=1e-14,
        atol=1e-15 * logits.size,
    )


# ----- edge cases, as scipy's tests of logsumexp check them -----

EDGE_ROWS = np.array(
    [
        [1000.0, 1000.0],
        [-1000.0, -1000.0],
        [-inf, 0.0],
        [-inf, -inf],
        [inf, 0.0],
        [inf, inf],
        [inf, -inf],
        [nan, 0.0],
    ]
)
LOG_HALF = -math.log(2)
EXPECTED = {
    "softmax": [
        [0.5, 0.5],
        [0.5, 0.5],
        [0.0, 1.0],
        [nan, nan],
        [nan, nan],
        [nan, nan],
        [nan, nan],
        [nan, nan],
    ],
    "log_softmax": [
        [LOG_HALF, LOG_HALF],
        [LOG_HALF, LOG_HALF],
        [-inf, 0.0],
        [nan, nan],
        [nan, -inf],
        [nan, nan],
        [nan, -inf],
        [nan, nan],
    ],
    "logsumexp": [1000 + math.log(2), -1000 + math.log(2), 0.0, -inf, inf, inf, inf, nan],
}


def test_large_equal_and_non_finite_rows():
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(sm.softmax_stable(EDGE_ROWS, axis=1), EXPECTED["softmax"])
        np.testing.assert_array_equal(
            sm.log_softmax_stable(EDGE_ROWS, axis=1), EXPECTED["log_softmax"]
        )
    np.testing.assert_array_equal(sm.logsumexp_stable(EDGE_ROWS, axis=1), EXPECTED["logsumexp"])
    # The same rows one at a time, through the 1-D path the softmax page uses.
    for row, lse in zip(EDGE_ROWS, EXPECTED["logsumexp"], strict=True):
        np.testing.assert_array_equal(sm.logsumexp_stable(row), lse)


def test_non_finite_rows_as_scipy_has_them():
    special = pytest.importorskip("scipy.special")
    with np.errstate(all="ignore"):
        for ours, theirs in (
            (sm.softmax_stable, special.softmax),
            (sm.log_softmax_stable, special.log_softmax),
            (sm.logsumexp_stable, special.logsumexp),
        ):
            np.testing.assert_array_equal(ours(EDGE_ROWS, axis=1), theirs(EDGE_ROWS, axis=1))


def test_a_bad_row_leaves_the_others_alone():
    z = np.array([[1000.0, 0.0], [1.0, 2.0], [nan, 0.0]], np.float32)
    assert np.isnan(sm.softmax_naive(z, axis=1)[0, 0])  # inf / inf
    np.testing.assert_array_equal(sm.softmax_naive(z, axis=1)[1], sm.softmax_naive(z[1]))
    stable = sm.softmax_stable(z, axis=1)
    np.testing.assert_array_equal(stable[0], [1, 0])
    assert np.isnan(stable[2]).all() and np.isfinite(stable[:2]).all()


def test_empty_inputs():
    for shape, axis in (((3, 0), 1), ((0, 3), 1), ((0, 3), 0), ((0,), -1), ((2, 0), None)):
        z = np.zeros(shape, np.float32)
        for function in (sm.softmax_stable, sm.softmax_naive, sm.log_softmax_stable, sm.max_shift):
            out = function(z, axis=axis)
            assert out.shape == shape and out.dtype == np.float32
    assert sm.logsumexp_stable(np.zeros((0, 3)), axis=1).shape == (0,)
    for shape, axis in (((3, 0), 1), ((0, 3), 0), ((0,), -1), ((2, 0), None)):
        with pytest.raises(ValueError, match="at least one logit"):
            sm.logsumexp_stable(np.zeros(shape), axis=axis)


def test_types_and_axes():
    # 1-D logits give a numpy scalar, as before the axis existed; more give an array.
    assert isinstance(sm.logsumexp_stable(np.array([1.0, 2.0], np.float16)), np.float16)
    assert sm.logsumexp_stable([[1, 2], [3, 4]], "float32").dtype == np.float32
    np.testing.assert_array_equal(sm.softmax_stable([[1, 1], [2, 2]], axis=1), 0.5)
    cube = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(sm.softmax_stable(cube, axis=(1, 2)).sum(axis=(1, 2)), 1)
    with pytest.raises(ValueError, match="out of bounds"):
        sm.softmax_stable([1.0, 2.0], axis=1)
    with pytest.raises(ValueError, match="out of bounds"):
        sm.logsumexp_stable([1.0, 2.0], axis=1)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_max_shift_puts_the_largest_at_zero(dtype):
    z = np.array([[3.0, 1.0, 2.0], [-7.0, -5.0, -6.0]], dtype)
    np.testing.assert_array_equal(sm.max_shift(z), [[0, -2, -1], [-2, 0, -1]])
    np.testing.assert_array_equal(sm.max_shift(z, axis=0), [[0, 0, 0], [-10, -6, -8]])
    assert sm.max_shift(z).dtype == dtype
