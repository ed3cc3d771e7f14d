"""Softmax, sigmoid and their cross-entropy losses, naive and stable, in a chosen float format.

Each function computes entirely in the dtype of its input, the way hardware of
that format would, so the page can show where float16, float32 and float64
break; the Keras replicas below do what TensorFlow does instead, float16's
softmax cross-entropy in float32 included. Floating-point warnings are silenced
on purpose: ``inf`` and ``nan`` are results the page explains, not accidents.

Softmax, log-softmax and logsumexp take an `axis`, like ``scipy.special.softmax``:
the training network calls them on ``(batch, classes)`` logits with ``axis=1``, the
softmax page and the float gallery on one list of logits. The max shift itself is
written once, in `max_shift`, and every stable computation goes through it.

The Keras replicas follow ``keras/src/backend/tensorflow/nn.py`` (Keras 3.15):
probabilities are clipped to ``[epsilon, 1 - epsilon]`` with ``epsilon = 1e-7``
(rounded to the dtype) before the logarithm, and the multi-class loss is
``tf.nn.sparse_softmax_cross_entropy_with_logits``, which casts float16 logits to
float32, computes there and rounds only the loss back to float16 (TensorFlow
2.21, ``tensorflow/python/ops/nn_ops.py``; measured bit for bit on a grid). The
binary losses compute in the dtype itself, float16 included. TensorFlow's CPU
kernels also flush subnormal results to zero; `flush_subnormals` reproduces that
where the page needs to show it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.typing import ArrayLike, NDArray

KERAS_EPSILON = 1e-7
"""``keras.backend.epsilon()``, the clip used when a loss receives probabilities."""

Axis = int | tuple[int, ...] | None
"""Axis (or axes) a softmax normalises over; None means over every entry, as in scipy."""


def xent_compute_dtype(dtype: np.dtype | str) -> np.dtype:
    """Return the format TensorFlow computes a softmax cross-entropy of `dtype` logits in.

    Parameters
    ----------
    dtype : numpy dtype or str
        Format of the logits.

    Returns
    -------
    numpy.dtype
        float32 for float16 logits (``sparse_softmax_cross_entropy_with_logits``
        casts them up and only the loss is rounded back), else `dtype` itself.
    """
    dt = np.dtype(dtype)
    return np.dtype(np.float32) if dt == np.float16 else dt


def flush_subnormals(x: ArrayLike) -> NDArray[np.floating]:
    """Replace subnormal numbers by zero of the same sign, as TensorFlow's CPU kernels do.

    Parameters
    ----------
    x : array_like
        Floats of any width.

    Returns
    -------
    numpy.ndarray
        `x` in its own dtype, with every nonzero float32 or float64 value below
        the smallest normal number (``np.finfo(dtype).smallest_normal``) set to
        ``±0``. float16 values are returned unchanged.

    Notes
    -----
    TensorFlow's CPU kernels run with the FTZ and DAZ bits set, so a subnormal
    float32 or float64 result becomes 0 (``exp(-745)`` in float64, ``exp(-104)``
    in float32) where IEEE 754 and NumPy keep it. float16 has no hardware
    arithmetic there: each operation runs in float32, where a float16 subnormal
    (6.1e-6, say) is a normal number, and is rounded back, so it survives
    (measured: ``tf.nn.softmax([12, 0, -12])`` keeps 6.139e-6 in float16).
    """
    array = _as_float_array(x)
    if array.dtype == np.float16:
        return array
    tiny = np.finfo(array.dtype).smallest_normal
    return np.where(np.abs(array) < tiny, np.copysign(array.dtype.type(0), array), array)


def _as_float_array(x: ArrayLike, dtype: np.dtype | str | None = None) -> NDArray[np.floating]:
    # Keep the input's own float format unless one is asked for; ints become float64.
    array = np.asarray(x, dtype=dtype)
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def _as_logits(z: ArrayLike, dtype: np.dtype | str | None = None) -> NDArray[np.floating]:
    array = _as_float_array(z, dtype)
    if array.ndim != 1:
        raise ValueError(f"logits must be a 1-D list of numbers; got shape {array.shape}")
    return array


def _check_class(y: int, n: int) -> None:
    if n == 0:
        raise ValueError("the loss needs at least one logit; got an empty list")
    if not 0 <= y < n:
        raise ValueError(f"true class {y} is out of range for {n} logits (0 to {n - 1})")


def _negated(log_p: np.floating) -> np.floating:
    # -log p as 0 - log p: a certain prediction (log p = 0) costs 0, not -0.
    return log_p.dtype.type(0) - log_p


def _reduced_length(shape: tuple[int, ...], axis: Axis) -> int:
    # How many logits each reduction along `axis` sees (numpy's own AxisError for a bad axis).
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    return math.prod(shape[a] for a in axes)


def _max_shift(
    logits: NDArray[np.floating], axis: Axis
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    # The one place the max shift is written. `initial` makes an empty reduction give
    # m = -inf instead of raising, so empty inputs flow through as empty outputs.
    m = np.max(logits, axis=axis, keepdims=True, initial=-np.inf)
    return logits - m, m


def _log_sum_exp_parts(
    logits: NDArray[np.floating], axis: Axis
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]]:
    # z - m, m and log(sum(exp(z - m))), all with the reduced axes kept (length 1).
    shifted, m = _max_shift(logits, axis)
    return shifted, m, np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def max_shift(
    z: ArrayLike, dtype: np.dtype | str | None = None, *, axis: Axis = -1
) -> NDArray[np.floating]:
    r"""Subtract the largest logit along `axis`: the shift that makes softmax safe.

    Parameters
    ----------
    z : array_like
        Logits.
    dtype : numpy dtype or str, optional
        Format to compute in; defaults to the dtype of `z` (float64 for ints).
    axis : int, tuple of int or None, optional
        Axis along which the maximum is taken; None takes it over every entry.
        The default, the last axis, is the whole list for 1-D logits and each
        row for a ``(batch, classes)`` array.

    Returns
    -------
    numpy.ndarray
        ``z - max(z)``, same shape and dtype as `z`: the largest entry along
        `axis` is exactly 0 and the others are at most 0. An empty `z` gives an
        empty result.

    Notes
    -----
    .. math:: z'_j = z_j - m, \quad m = \max_k z_k

    Softmax is unchanged by the shift (:math:`e^{-m}` cancels between numerator
    and denominator), but no :math:`e^{z'_j}` exceeds 1, so none overflows.
    Where `m` is not finite (a ``+inf`` or ``nan`` logit, or all logits
    ``-inf``) the subtraction gives ``nan`` or ``-inf``, as ``z - max(z)`` does
    in numpy and scipy.
    """
    logits = _as_float_array(z, dtype)
    with np.errstate(all="ignore"):
        return _max_shift(logits, axis)[0]


def softmax_naive(
    z: ArrayLike, dtype: np.dtype | str | None = None, *, axis: Axis = -1, flush: bool = False
) -> NDArray[np.floating]:
    r"""Softmax exactly as written in the textbook, with no shift.

    Parameters
    ----------
    z : array_like
        Logits.
    dtype : numpy dtype or str, optional
        Format to compute in; defaults to the dtype of `z` (float64 for ints).
    axis : int, tuple of int or None, optional
        Axis the probabilities sum to 1 along (the last by default); None
        normalises over every entry, like ``scipy.special.softmax(z, axis=None)``.
    flush : bool, optional
        Flush subnormal exponentials and probabilities to zero, as TensorFlow's
        CPU kernels do (see `flush_subnormals`); the default is IEEE 754.

    Returns
    -------
    numpy.ndarray
        Probabilities in `dtype`, shape of `z`. ``exp`` overflows to ``inf``
        for logits above ``log(max)`` (about 11.09, 88.72, 709.78), giving
        ``inf/inf = nan``; all logits far below zero underflow to ``0/0 = nan``.

    Notes
    -----
    .. math:: p_j = \frac{e^{z_j}}{\sum_k e^{z_k}}

    with the sum along `axis`.
    """
    logits = _as_float_array(z, dtype)
    tidy = flush_subnormals if flush else np.asarray
    with np.errstate(all="ignore"):
        e = tidy(np.exp(logits))
        return tidy(e / np.sum(e, axis=axis, keepdims=True))


def softmax_stable(
    z: ArrayLike, dtype: np.dtype | str | None = None, *, axis: Axis = -1
) -> NDArray[np.floating]:
    r"""Softmax with the max shift, which cannot overflow.

    Parameters
    ----------
    z : array_like
        Logits.
    dtype : numpy dtype or str, optional
        Format to compute in; defaults to the dtype of `z`.
    axis : int, tuple of int or None, optional
        Axis the probabilities sum to 1 along (the last by default: the list
        for 1-D logits, each row of a ``(batch, classes)`` array); None
        normalises over every entry, like ``scipy.special.softmax(z, axis=None)``.

    Returns
    -------
    numpy.ndarray
        Probabilities in `dtype`, shape of `z`. Finite logits always give
        finite probabilities that sum to 1 up to rounding. A ``-inf`` logit
        gets exactly 0; a ``+inf`` or ``nan`` logit, or all logits ``-inf``,
        makes its whole slice ``nan``, as in ``scipy.special.softmax``. Empty
        input gives empty output.

    Notes
    -----
    With :math:`m = \max_k z_k` along `axis` (see `max_shift`),

    .. math:: p_j = \frac{e^{z_j - m}}{\sum_k e^{z_k - m}}

    The largest shifted logit is 0, so the largest term is exactly 1 and the
    denominator lies in ``[1, n]``. A non-finite `m` makes ``z - m`` ``nan``
    (``inf - inf``, ``-inf - (-inf)``), which spreads over the slice.
    """
    logits = _as_float_array(z, dtype)
    with np.errstate(all="ignore"):
        shifted, _ = _max_shift(logits, axis)
        e = np.exp(shifted)
        return e / np.sum(e, axis=axis, keepdims=True)


def logsumexp_stable(
    z: ArrayLike, dtype: np.dtype | str | None = None, *, axis: Axis = -1
) -> np.floating | NDArray[np.floating]:
    r"""Log of the sum of exponentials, with the max shift.

    Parameters
    ----------
    z : array_like
        Logits, at least one along `axis`.
    dtype : numpy dtype or str, optional
        Format to compute in; defaults to the dtype of `z`.
    axis : int, tuple of int or None, optional
        Axis summed over (the last by default); None sums every entry, like
        ``scipy.special.logsumexp(z, axis=None)``.

    Returns
    -------
    numpy floating or numpy.ndarray
        ``log(sum(exp(z)))`` in `dtype`, with `axis` removed: a scalar for 1-D
        logits, one value per row for ``axis=1`` on a 2-D array. Finite for
        finite logits; ``-inf`` where all logits are ``-inf``, ``+inf`` where
        one is ``+inf`` and ``nan`` where one is ``nan``, as in
        ``scipy.special.logsumexp``.

    Raises
    ------
    ValueError
        If `axis` has length 0 (scipy returns ``-inf`` there; every caller
        here needs a logit, so an empty list is a mistake to report).

    Notes
    -----
    .. math:: \log \sum_k e^{z_k} = m + \log \sum_k e^{z_k - m}, \quad m = \max_k z_k

    The sum lies in ``[1, n]``, so its log neither overflows nor loses the
    small terms' contribution. Where `m` is not finite the shift is undefined
    (``inf - inf``) and `m` itself is the answer.
    """
    logits = _as_float_array(z, dtype)
    if _reduced_length(logits.shape, axis) == 0:
        raise ValueError("logsumexp needs at least one logit; got an empty list")
    with np.errstate(all="ignore"):
        _, m, log_total = _log_sum_exp_parts(logits, axis)
        out = np.where(np.isfinite(m), m + log_total, m)
    # [()] turns the 0-d result of 1-D logits into a numpy scalar, as before axis existed.
    return np.squeeze(out, axis=axis)[()]


def log_softmax_stable(
    z: ArrayLike, dtype: np.dtype | str | None = None, *, axis: Axis = -1
) -> NDArray[np.floating]:
    r"""Log-probabilities computed without ever forming the probabilities.

    Parameters
    ----------
    z : array_like
        Logits.
    dtype : numpy dtype or str, optional
        Format to compute in; defaults to the dtype of `z`.
    axis : int, tuple of int or None, optional
        Axis the probabilities sum to 1 along (the last by default); None
        normalises over every entry, like ``scipy.special.log_softmax``.

    Returns
    -------
    numpy.ndarray
        ``log(softmax(z))``, shape of `z`; finite for finite logits even where
        the probability itself would underflow to 0. A ``-inf`` logit gets
        ``-inf``; in a slice with a ``+inf`` logit the finite ones get ``-inf``
        and the ``+inf`` ones ``nan``; a ``nan`` logit, or all logits ``-inf``,
        makes the slice ``nan``, as in ``scipy.special.log_softmax``.

    Notes
    -----
    .. math::
        \log p_j = z_j - \log \sum_k e^{z_k} = (z_j - m) - \log \sum_k e^{z_k - m},
        \quad m = \max_k z_k

    Subtracting from the shifted :math:`z_j - m` rather than from the full
    logsumexp avoids adding `m` and taking it away again, which would cost the
    small log-probabilities their low digits when `m` is large. Where `m` is
    not finite the result is ``z - m``.
    """
    logits = _as_float_array(z, dtype)
    with np.errstate(all="ignore"):
        shifted, m, log_total = _log_sum_exp_parts(logits, axis)
        return np.where(np.isfinite(m), shifted - log_total, shifted)


def cross_entropy_naive(z: ArrayLike, y: int, dtype: np.dtype | str | None = None) -> np.floating:
    r"""Cross-entropy as ``-log`` of the naive softmax probability of the true class.

    Parameters
    ----------
    z : array_like
        Logits, 1-D and non-empty.
    y : int
        True class, ``0 <= y < len(z)``.
    dtype : numpy dtype or str, optional
        Format to compute in.

    Returns
    -------
    numpy floating
        ``nan`` when the naive softmax overflows, ``inf`` when ``p_y``
        underflows to 0.

    Notes
    -----
    .. math:: L = -\log \frac{e^{z_y}}{\sum_k e^{z_k}}
    """
    logits = _as_logits(z, dtype)
    _check_class(y, logits.size)
    with np.errstate(all="ignore"):
        return _negated(np.log(softmax_naive(logits)[y]))


def cross_entropy_keras_probs(
    p: ArrayLike, y: int, dtype: np.dtype | str | None = None
) -> np.floating:
    r"""Replica of Keras' sparse categorical cross-entropy on probabilities.

    Parameters
    ----------
    p : array_like
        Probabilities (for example the output of a softmax layer that Keras
        cannot see through), 1-D and non-empty.
    y : int
        True class.
    dtype : numpy dtype or str, optional
        Format to compute in.

    Returns
    -------
    numpy floating
        The loss in the dtype of `p`; at most ``-log(epsilon) + log(1 + ...)``,
        about 16.118 in float32, however wrong the prediction.

    Notes
    -----
    Keras clips and takes the log in the dtype of `p`, then hands the result to
    ``tf.nn.sparse_softmax_cross_entropy_with_logits`` (`cross_entropy_keras_logits`,
    float32 inside for float16), which renormalises:

    .. math::
        q_j = \mathrm{clip}(p_j, \epsilon, 1 - \epsilon), \quad
        L = \log \sum_k e^{\log q_k} - \log q_y
    """
    probs = _as_logits(p, dtype)
    _check_class(y, probs.size)
    with np.errstate(all="ignore"):
        return cross_entropy_keras_logits(np.log(keras_clip(probs)), y)


def keras_clip(p: ArrayLike) -> NDArray[np.floating]:
    r"""Clip probabilities to ``[epsilon, 1 - epsilon]`` in their own dtype, as Keras does.

    Parameters
    ----------
    p : array_like
        Probabilities.

    Returns
    -------
    numpy.ndarray
        The clipped values. Both bounds are rounded to the dtype first: in
        float16 ``epsilon`` is 1.1920929e-7 and ``1 - epsilon`` rounds to 1, so
        only the lower bound acts there.

    Notes
    -----
    .. math:: q = \min(\max(p, \epsilon), 1 - \epsilon), \quad \epsilon = 10^{-7}
    """
    probs = _as_float_array(p)
    eps = probs.dtype.type(KERAS_EPSILON)
    one = probs.dtype.type(1)
    return np.clip(probs, eps, one - eps)


def cross_entropy_keras_logits(z: ArrayLike, y: int) -> np.floating:
    r"""Replica of ``tf.nn.sparse_softmax_cross_entropy_with_logits`` for one sample.

    Parameters
    ----------
    z : array_like
        Logits, 1-D and non-empty, in the format the loss is asked for.
    y : int
        True class.

    Returns
    -------
    numpy floating
        The loss in the dtype of `z`. float16 logits are cast to float32, the
        loss is computed there and rounded to float16 once at the end, as
        TensorFlow does: ``[12, 0, -12]`` with class 0 gives 6.199e-6 where a
        computation in float16 gets 0 (the exact loss is 6.1442e-6).

    Notes
    -----
    The kernel's formula is `cross_entropy_from_logits`', in the format of
    `xent_compute_dtype`:

    .. math:: L = \log \sum_k e^{z_k - m} - (z_y - m), \quad m = \max_k z_k
    """
    logits = _as_logits(z)
    loss = cross_entropy_from_logits(logits.astype(xent_compute_dtype(logits.dtype)), y)
    return logits.dtype.type(loss)


def cross_entropy_from_logits(
    z: ArrayLike, y: int, dtype: np.dtype | str | None = None
) -> np.floating:
    r"""Cross-entropy straight from the logits (``from_logits=True``).

    Parameters
    ----------
    z : array_like
        Logits, 1-D and non-empty.
    y : int
        True class.
    dtype : numpy dtype or str, optional
        Format to compute in.

    Returns
    -------
    numpy floating
        The loss, finite for finite logits, accurate even when ``p_y`` is far
        below the smallest float.

    Notes
    -----
    The negated log-softmax of the true class (see `log_softmax_stable`):

    .. math:: L = -\log p_y = \log \sum_k e^{z_k - m} - (z_y - m), \quad m = \max_k z_k

    The shifted :math:`z_y - m` is subtracted, not :math:`z_y` from
    :math:`m + \log \sum_k e^{z_k - m}`: no large `m` is added and cancelled.
    A ``-inf`` true logit gives ``inf``.
    """
    logits = _as_logits(z, dtype)
    _check_class(y, logits.size)
    return _negated(log_softmax_stable(logits)[y])


def softmax_gradient(p: ArrayLike, y: int) -> NDArray[np.floating]:
    r"""Gradient of the cross-entropy with respect to the logits.

    Parameters
    ----------
    p : array_like
        Softmax probabilities, 1-D and non-empty.
    y : int
        True class.

    Returns
    -------
    numpy.ndarray
        ``p - onehot(y)`` in the dtype of `p`; ``nan`` wherever `p` is.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial z_j} = p_j - [j = y]
    """
    probs = _as_logits(p)
    _check_class(y, probs.size)
    onehot = np.zeros_like(probs)
    onehot[y] = 1
    with np.errstate(all="ignore"):
        return probs - onehot


def sigmoid_naive(z: ArrayLike, dtype: np.dtype | str | None = None) -> NDArray[np.floating]:
    r"""Logistic sigmoid as written in the textbook.

    Parameters
    ----------
    z : array_like
        Logit(s).
    dtype : numpy dtype or str, optional
        Format to compute in.

    Returns
    -------
    numpy.ndarray
        ``1 / (1 + exp(-z))``. It rounds to exactly 1 once ``exp(-z)`` falls
        below half an ULP of 1 (near z = 36.7 in float64, 16.6 in float32).

    Notes
    -----
    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}
    """
    x = _as_float_array(z, dtype)
    with np.errstate(all="ignore"):
        return x.dtype.type(1) / (x.dtype.type(1) + np.exp(-x))


def binary_cross_entropy_naive(
    z: ArrayLike, y: int, dtype: np.dtype | str | None = None
) -> NDArray[np.floating]:
    r"""Binary cross-entropy on the naive sigmoid.

    Parameters
    ----------
    z : array_like
        Logit(s).
    y : int
        Label, 0 or 1.
    dtype : numpy dtype or str, optional
        Format to compute in.

    Returns
    -------
    numpy.ndarray
        ``inf`` once the sigmoid saturates to exactly 0 or 1 against the label,
        ``nan`` when it saturates towards the label (``0 * log(0)``).

    Notes
    -----
    .. math:: a = \sigma(z), \quad L = -y \log a - (1 - y) \log(1 - a)
    """
    _check_label(y)
    a = sigmoid_naive(z, dtype)
    return _binary_cross_entropy_formula(a, y)


def _binary_cross_entropy_formula(a: NDArray[np.floating], y: int) -> NDArray[np.floating]:
    # Both terms, as written: where a rounds to exactly 0 or 1 the unused term is
    # 0 * log(0) = nan, a real failure of the formula (Keras computes it this way too).
    one = a.dtype.type(1)
    label = a.dtype.type(y)
    with np.errstate(all="ignore"):
        return -(label * np.log(a) + (one - label) * np.log(one - a))


def binary_cross_entropy_keras_probs(
    a: ArrayLike, y: int, dtype: np.dtype | str | None = None
) -> NDArray[np.floating]:
    r"""Replica of Keras' binary cross-entropy on a probability.

    Parameters
    ----------
    a : array_like
        Probability (sigmoid output) or probabilities.
    y : int
        Label, 0 or 1.
    dtype : numpy dtype or str, optional
        Format to compute in.

    Returns
    -------
    numpy.ndarray
        The loss, bounded by the clip: at most about 16.118 for ``y = 1`` and
        15.942 for ``y = 0`` in float32. In float16 ``1 - epsilon`` rounds to 1,
        so the clip fails: ``inf`` against the label and ``nan`` towards it.

    Notes
    -----
    .. math::
        q = \mathrm{clip}(a, \epsilon, 1 - \epsilon), \quad
        L = -y \log q - (1 - y) \log(1 - q)
    """
    _check_label(y)
    return _binary_cross_entropy_formula(keras_clip(_as_float_array(a, dtype)), y)


def binary_cross_entropy_from_logits(
    z: ArrayLike, y: int, dtype: np.dtype | str | None = None, *, flush: bool = False
) -> NDArray[np.floating]:
    r"""Binary cross-entropy straight from the logit, as TensorFlow computes it.

    Parameters
    ----------
    z : array_like
        Logit(s).
    y : int
        Label, 0 or 1.
    dtype : numpy dtype or str, optional
        Format to compute in.
    flush : bool, optional
        Flush subnormal intermediates and results to zero, as TensorFlow's CPU
        kernels do (see `flush_subnormals`); the default is IEEE 754.

    Returns
    -------
    numpy.ndarray
        The loss, finite and accurate for every finite logit. With `flush`, a
        subnormal ``exp(-|z|)`` or loss becomes 0.

    Notes
    -----
    The form of ``tf.nn.sigmoid_cross_entropy_with_logits``:

    .. math:: L = \max(z, 0) - z y + \log(1 + e^{-|z|})
    """
    _check_label(y)
    x = _as_float_array(z, dtype)
    label = x.dtype.type(y)
    tidy = flush_subnormals if flush else np.asarray
    with np.errstate(all="ignore"):
        return tidy(np.maximum(x, 0) - x * label + np.log1p(tidy(np.exp(-np.abs(x)))))


def keras_label_mean(losses: ArrayLike) -> np.floating:
    r"""Replica of how Keras reduces one sample's per-label losses: their mean.

    Parameters
    ----------
    losses : array_like
        The per-label binary cross-entropies of one sample, in their dtype.

    Returns
    -------
    numpy floating
        Their mean over the last axis, as ``keras.losses.BinaryCrossentropy``
        returns it for the sample: summed and divided in float32 for float16
        losses (Keras' ``ops.mean`` on TensorFlow) and rounded once to the
        losses' dtype, in the dtype itself otherwise.

    Notes
    -----
    .. math:: \bar L = \frac{1}{K} \sum_{i=1}^{K} L_i = \frac{\sum_i L_i}{K}
    """
    x = _as_float_array(losses)
    compute = np.promote_types(x.dtype, np.float32)
    with np.errstate(all="ignore"):
        mean = np.sum(x.astype(compute), axis=-1) / compute.type(x.shape[-1])
    return x.dtype.type(mean)


def _check_label(y: int) -> None:
    if y not in (0, 1):
        raise ValueError(f"a binary label is 0 or 1; got {y}")


def sigmoid_saturation_point(dtype: np.dtype | str) -> float:
    """Return the smallest logit at which the naive sigmoid is exactly 1 in `dtype`.

    Parameters
    ----------
    dtype : numpy dtype or str
        The float format.

    Returns
    -------
    float
        About 36.74 in float64, 16.64 in float32 and 8.32 in float16.

    Notes
    -----
    ``1 / (1 + e^{-z})`` rounds to 1 once ``e^{-z}`` is below half an ULP of 1.
    The search bisects over the representable values of `dtype`.
    """
    dt = np.dtype(dtype)
    lo, hi = dt.type(0), dt.type(100)
    while np.nextafter(lo, hi) < hi:
        mid = dt.type((float(lo) + float(hi)) / 2)
        if mid in (lo, hi):
            mid = np.nextafter(lo, hi)
        if sigmoid_naive(mid, dt) == 1:
            hi = mid
        else:
            lo = mid
    return float(hi)
