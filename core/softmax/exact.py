"""Exact references for softmax, sigmoid and their losses, from mpmath.

The inputs are the float values actually stored (a float16 logit is the float16
number, not the decimal the student typed), converted to multiprecision numbers
without rounding; everything after that carries ``EXACT_DIGITS`` digits with an
unbounded exponent, so ``exp(100000)`` is no problem.
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import numpy as np

from core.numerics.exact import exact, to_exact


def _exact_logits(z: Sequence[float] | np.ndarray) -> list[mpmath.mpf]:
    return [exact.mpf(float(v)) if np.isnan(v) or np.isinf(v) else to_exact(v) for v in z]


def _undefined(values: list[mpmath.mpf]) -> bool:
    # No limit exists: a nan logit, two +inf logits (inf - inf), or every logit -inf
    # (0/0). One +inf or any number of -inf logits have a limit: probability 1 or 0.
    n_pos_inf = sum(1 for v in values if v == exact.inf)
    return (
        any(exact.isnan(v) for v in values)
        or n_pos_inf > 1
        or (bool(values) and all(v == -exact.inf for v in values))
    )


def softmax_exact(z: Sequence[float] | np.ndarray) -> list[mpmath.mpf]:
    r"""Exact softmax of stored float logits.

    Parameters
    ----------
    z : sequence of float
        Logits as stored in their float format.

    Returns
    -------
    list of mpmath.mpf
        Probabilities. ``-inf`` logits get exactly 0 (``e^{-inf} = 0``, a
        legitimate input); a single ``+inf`` logit gets 1 and the rest 0;
        several ``+inf`` logits, a ``nan`` logit, or all logits ``-inf`` make
        every entry ``nan`` (the limit is undefined).

    Notes
    -----
    .. math:: p_j = \frac{e^{z_j - m}}{\sum_k e^{z_k - m}}, \quad m = \max_k z_k

    One exponential per logit. Every term is positive and at most 1, so the sum
    has no cancellation and each probability carries nearly all of the 60
    digits, far more than the 17 a float64 needs; the exponent is unbounded, so
    ``e^{-100000}`` stays a tiny positive number, not 0.
    """
    values = _exact_logits(z)
    if _undefined(values):
        return [exact.mpf("nan")] * len(values)
    if exact.inf in values:
        return [exact.mpf(1) if v == exact.inf else exact.mpf(0) for v in values]
    largest = max((v for v in values if exact.isfinite(v)), default=exact.mpf(0))
    terms = [exact.exp(v - largest) if exact.isfinite(v) else exact.mpf(0) for v in values]
    total = exact.fsum(terms)
    return [term / total for term in terms]


def cross_entropy_exact(z: Sequence[float] | np.ndarray, y: int) -> mpmath.mpf:
    r"""Exact cross-entropy ``-log p_y`` of stored float logits.

    Parameters
    ----------
    z : sequence of float
        Logits as stored; ``-inf`` is a legitimate logit (probability 0).
    y : int
        True class.

    Returns
    -------
    mpmath.mpf
        The loss: ``+inf`` when the true logit is ``-inf`` (or another logit
        is ``+inf``), 0 when the true logit is the only ``+inf``; ``nan`` where
        `softmax_exact` is ``nan`` (no limit exists).

    Notes
    -----
    .. math:: L = \log\left(1 + \sum_{k \ne y} e^{z_k - z_y}\right)

    ``log1p`` keeps full relative accuracy when the loss is tiny (a confident,
    correct prediction). A ``-inf`` logit other than the true one adds
    :math:`e^{-\infty} = 0` to the sum: it changes nothing, as its probability
    is exactly 0.
    """
    values = _exact_logits(z)
    if not 0 <= y < len(values):
        raise ValueError(f"true class {y} is out of range for {len(values)} logits")
    if _undefined(values):
        return exact.mpf("nan")
    zy = values[y]
    if exact.inf in values:
        return exact.mpf(0) if zy == exact.inf else exact.inf
    if zy == -exact.inf:
        return exact.inf
    others = (v for i, v in enumerate(values) if i != y and exact.isfinite(v))
    return exact.log1p(exact.fsum(exact.exp(v - zy) for v in others))


def sigmoid_exact(z: float) -> mpmath.mpf:
    r"""Exact logistic sigmoid of a stored float logit.

    Parameters
    ----------
    z : float
        Logit as stored; ``-inf`` and ``+inf`` give the limits 0 and 1.

    Returns
    -------
    mpmath.mpf
        ``1 / (1 + exp(-z))``.

    Notes
    -----
    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}
    """
    return 1 / (1 + exact.exp(-to_exact(z)))


def binary_cross_entropy_exact(z: float, y: int) -> mpmath.mpf:
    r"""Exact binary cross-entropy of a stored float logit.

    Parameters
    ----------
    z : float
        Logit as stored; an infinite one gives the limit (0, or ``+inf``
        when it points away from the label).
    y : int
        Label, 0 or 1.

    Returns
    -------
    mpmath.mpf
        The loss.

    Notes
    -----
    .. math:: L = \log(1 + e^{-z}) \text{ if } y = 1, \quad \log(1 + e^{z}) \text{ if } y = 0
    """
    if y not in (0, 1):
        raise ValueError(f"a binary label is 0 or 1; got {y}")
    x = to_exact(z)
    return exact.log1p(exact.exp(-x if y == 1 else x))
