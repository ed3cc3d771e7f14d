"""Everything the softmax page shows for one set of logits, computed and explained.

A report bundles the float results of every method with the exact reference,
the error of each, and plain-language explanations of any ``inf``, ``nan`` or
underflow, so the page only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
from numpy.typing import NDArray

from core.numerics.exact import exact, relative_error, ulp_distance, ulp_error
from core.numerics.formats import as_dtype
from core.numerics.limits import exp_overflow_threshold, exp_underflow_threshold
from core.numerics.text import format_exact, format_float
from core.softmax import functions as sm
from core.softmax.exact import (
    binary_cross_entropy_exact,
    cross_entropy_exact,
    sigmoid_exact,
    softmax_exact,
)


@dataclass(frozen=True)
class Loss:
    """One way of computing the loss, with its error against the exact value.

    Attributes
    ----------
    key : str
        ``"naive"``, ``"keras"``, ``"logits"`` or ``"exact"``.
    label : str
        Display name.
    value : float or mpmath.mpf
        The loss (an ``mpf`` for the exact reference).
    relative_error, ulp_error : float or None
        Against the exact reference; None when not finite or for the reference.
    """

    key: str
    label: str
    value: float | mpmath.mpf
    relative_error: float | None
    ulp_error: float | None


@dataclass(frozen=True)
class Message:
    """An explanation shown next to the results.

    Attributes
    ----------
    level : str
        ``"error"`` (a method broke), ``"warning"`` (lost accuracy) or ``"info"``.
    text : str
        One or two plain sentences, Markdown allowed.
    """

    level: str
    text: str


@dataclass(frozen=True)
class SoftmaxReport:
    """Per-class values and losses for multi-class softmax.

    Attributes
    ----------
    dtype : numpy.dtype
        Format of every float result.
    logits : numpy.ndarray
        The effective logits ``(z + c) / T`` as stored in `dtype`.
    exp_logits, shifted, exp_shifted : numpy.ndarray
        ``exp(z)``, ``z - max(z)`` (from `core.softmax.functions.max_shift`) and
        ``exp(z - max(z))``.
    p_naive, p_stable : numpy.ndarray
        Probabilities.
    p_exact : list of mpmath.mpf
        Exact probabilities of the stored logits.
    naive_rel, naive_ulp, stable_rel, stable_ulp : list of float or None
        Per-class errors.
    grad_naive, grad_stable : numpy.ndarray
        ``p - onehot(y)``.
    losses : tuple of Loss
        Naive, Keras on probabilities, from logits, exact.
    messages : tuple of Message
        Explanations.
    """

    dtype: np.dtype
    y: int
    logits: NDArray[np.floating]
    exp_logits: NDArray[np.floating]
    shifted: NDArray[np.floating]
    exp_shifted: NDArray[np.floating]
    p_naive: NDArray[np.floating]
    p_stable: NDArray[np.floating]
    p_exact: list[mpmath.mpf]
    naive_rel: list[float | None]
    naive_ulp: list[float | None]
    stable_rel: list[float | None]
    stable_ulp: list[float | None]
    grad_naive: NDArray[np.floating]
    grad_stable: NDArray[np.floating]
    losses: tuple[Loss, ...]
    messages: tuple[Message, ...]

    def loss(self, key: str) -> Loss:
        """Return the loss computed the way named by `key`."""
        return next(loss for loss in self.losses if loss.key == key)


def effective_logits(z: list[float], dtype: np.dtype, temperature: float = 1.0, shift: float = 0.0):
    r"""Store logits in `dtype`, add the shift and divide by the temperature, all in `dtype`.

    Parameters
    ----------
    z : list of float
        Logits as typed (float64).
    dtype : numpy.dtype
        The format.
    temperature : float, optional
        Divisor, positive.
    shift : float, optional
        Added to every logit before dividing.

    Returns
    -------
    numpy.ndarray
        ``(z + c) / T`` in `dtype`.

    Notes
    -----
    .. math:: \tilde z_j = (z_j + c) / T
    """
    with np.errstate(all="ignore"):
        logits = np.asarray(z, dtype=dtype)
        if shift != 0:
            logits = logits + dtype.type(shift)
        if temperature != 1:
            logits = logits / dtype.type(temperature)
    return logits


def _errors(values: NDArray[np.floating], refs: list[mpmath.mpf], dtype: np.dtype):
    rel = [relative_error(v, r) for v, r in zip(values, refs, strict=True)]
    ulp = [ulp_error(v, r, dtype) for v, r in zip(values, refs, strict=True)]
    return rel, ulp


def _losses(computed, exact_loss: mpmath.mpf, dtype: np.dtype) -> tuple[Loss, ...]:
    measured = [
        Loss(
            key,
            label,
            value,
            relative_error(value, exact_loss),
            ulp_error(value, exact_loss, dtype),
        )
        for key, label, value in computed
    ]
    return (*measured, Loss("exact", "Exact", exact_loss, None, None))


def softmax_report(
    z: list[float], y: int, dtype_name: str, temperature: float = 1.0, shift: float = 0.0
) -> SoftmaxReport:
    """Compute everything the multi-class page shows.

    Parameters
    ----------
    z : list of float
        Logits as typed.
    y : int
        True class.
    dtype_name : str
        ``"float16"``, ``"float32"`` or ``"float64"``.
    temperature : float, optional
        Softmax temperature ``T``.
    shift : float, optional
        Constant ``c`` added to every logit.

    Returns
    -------
    SoftmaxReport
        Values, errors, losses and explanations.
    """
    dtype = as_dtype(dtype_name)
    logits = effective_logits(z, dtype, temperature, shift)
    # The shifted logits the page shows are the ones the stable softmax uses (one helper).
    shifted = sm.max_shift(logits)
    with np.errstate(all="ignore"):
        exp_logits = np.exp(logits)
        exp_shifted = np.exp(shifted)
    p_naive = sm.softmax_naive(logits)
    p_stable = sm.softmax_stable(logits)
    p_exact = softmax_exact(logits)
    naive_rel, naive_ulp = _errors(p_naive, p_exact, dtype)
    stable_rel, stable_ulp = _errors(p_stable, p_exact, dtype)

    exact_loss = cross_entropy_exact(logits, y)
    computed = (
        ("naive", "Naive −log(p_y)", sm.cross_entropy_naive(logits, y)),
        ("keras", "Keras on probabilities", sm.cross_entropy_keras_probs(p_stable, y)),
        ("logits", "From logits", sm.cross_entropy_from_logits(logits, y)),
    )
    losses = _losses(computed, exact_loss, dtype)

    report = SoftmaxReport(
        dtype=dtype,
        y=y,
        logits=logits,
        exp_logits=exp_logits,
        shifted=shifted,
        exp_shifted=exp_shifted,
        p_naive=p_naive,
        p_stable=p_stable,
        p_exact=p_exact,
        naive_rel=naive_rel,
        naive_ulp=naive_ulp,
        stable_rel=stable_rel,
        stable_ulp=stable_ulp,
        grad_naive=sm.softmax_gradient(p_naive, y),
        grad_stable=sm.softmax_gradient(p_stable, y),
        losses=losses,
        messages=(),
    )
    return _with_messages(report, z, temperature, shift)


def _with_messages(
    report: SoftmaxReport, typed: list[float], temperature: float, shift: float
) -> SoftmaxReport:
    dtype = report.dtype
    name = dtype.name
    messages: list[Message] = []
    logits = report.logits
    y = report.y
    if not np.all(np.isfinite(logits)):
        messages.append(
            Message(
                "error",
                f"A logit is beyond {name}'s largest value ({format_float(np.finfo(dtype).max)}) "
                f"and is stored as inf: no method can recover from that. Use float64 or smaller "
                "logits.",
            )
        )
        return _replace_messages(report, messages)

    over = exp_overflow_threshold(dtype)
    big = logits[np.isinf(report.exp_logits)]
    if big.size:
        messages.append(
            Message(
                "error",
                f"exp({format_float(big.max())}) overflows {name} above about {over:.2f}, so "
                "exp(z) is inf; "
                + (
                    "inf/inf is nan: the naive softmax is nan."
                    if np.any(np.isnan(report.p_naive))
                    else "one inf over a sum that is inf is nan."
                ),
            )
        )
    under = exp_underflow_threshold(dtype)
    tiny = logits[report.exp_logits == 0]
    if tiny.size:
        if np.all(report.exp_logits == 0):
            text = (
                f"Every exp(z) underflows to 0 in {name} (below about {under:.2f}), "
                "so the naive softmax is 0/0 = nan."
            )
            level = "error"
        else:
            text = (
                f"exp({format_float(tiny.max())}) underflows to 0 in {name} (below about "
                f"{under:.2f}); that class gets probability exactly 0."
            )
            level = "warning"
        messages.append(Message(level, text))
    if report.p_stable[y] == 0:
        messages.append(
            Message(
                "warning",
                f"The true class's probability is below the smallest {name} number and rounds "
                f"to 0 even in the stable softmax, so −log(p_y) is inf. Keras on probabilities "
                f"clips p_y up to 1e-7 and stops at "
                f"{format_float(report.loss('keras').value)}; from logits gives the true loss.",
            )
        )
    elif np.all(np.isfinite(report.p_naive)) and report.loss("keras").relative_error:
        keras = report.loss("keras")
        if keras.relative_error is not None and keras.relative_error > 1e-3:
            messages.append(
                Message(
                    "warning",
                    "Keras on probabilities is off because it clips probabilities to "
                    "[1e-7, 1 − 1e-7] before the log.",
                )
            )
    stored = np.asarray(typed, dtype=np.float64)
    rounded = np.asarray(typed, dtype=dtype).astype(np.float64)
    changed = [(t, r) for t, r in zip(stored, rounded, strict=True) if t != r and np.isfinite(r)]
    if changed and temperature == 1 and shift == 0:
        t, r = changed[0]
        messages.append(
            Message(
                "info",
                f"{format_float(t)} is not representable in {name}; it is stored as "
                f"{format_float(r)}. The exact reference uses the stored values.",
            )
        )
    if not messages:
        messages.append(
            Message(
                "info",
                "Every method is finite here. Push a logit past "
                f"{over:.2f} (the {name} overflow threshold) to see the naive softmax break.",
            )
        )
    return _replace_messages(report, messages)


def _replace_messages(report: SoftmaxReport, messages: list[Message]) -> SoftmaxReport:
    return SoftmaxReport(**{**report.__dict__, "messages": tuple(messages)})


@dataclass(frozen=True)
class BinaryReport:
    """Sigmoid and binary cross-entropy for one logit and label.

    Attributes
    ----------
    dtype : numpy.dtype
        Format of the float results.
    z : numpy floating
        The logit as stored.
    y : int
        Label.
    a_naive : numpy floating
        ``1 / (1 + exp(-z))``.
    a_exact : mpmath.mpf
        Exact sigmoid.
    complement_exact : mpmath.mpf
        Exact ``1 - sigmoid(z) = sigmoid(-z)``, which shows how far from 1 the
        sigmoid really is when it rounds to 1.
    losses : tuple of Loss
        Naive, Keras on probabilities, from logits, exact.
    messages : tuple of Message
        Explanations.
    """

    dtype: np.dtype
    z: np.floating
    y: int
    a_naive: np.floating
    a_exact: mpmath.mpf
    complement_exact: mpmath.mpf
    losses: tuple[Loss, ...]
    messages: tuple[Message, ...]

    def loss(self, key: str) -> Loss:
        """Return the loss computed the way named by `key`."""
        return next(loss for loss in self.losses if loss.key == key)


def binary_report(z: float, y: int, dtype_name: str) -> BinaryReport:
    """Compute everything the binary mode shows.

    Parameters
    ----------
    z : float
        Logit as typed.
    y : int
        Label, 0 or 1.
    dtype_name : str
        Float format.

    Returns
    -------
    BinaryReport
        Values, errors and explanations.
    """
    dtype = as_dtype(dtype_name)
    with np.errstate(all="ignore"):
        logit = dtype.type(z)
    messages: list[Message] = []
    if not np.isfinite(logit):
        nan = exact.mpf("nan")
        messages.append(
            Message(
                "error", f"{format_float(z)} is beyond {dtype.name}'s range and is stored as inf."
            )
        )
        return BinaryReport(dtype, logit, y, logit, nan, nan, (), tuple(messages))
    a_naive = sm.sigmoid_naive(logit)[()]
    a_exact = sigmoid_exact(logit)
    exact_loss = binary_cross_entropy_exact(logit, y)
    computed = (
        ("naive", "Naive", sm.binary_cross_entropy_naive(logit, y)[()]),
        ("keras", "Keras on probabilities", sm.binary_cross_entropy_keras_probs(a_naive, y)[()]),
        ("logits", "From logits", sm.binary_cross_entropy_from_logits(logit, y)[()]),
    )
    losses = _losses(computed, exact_loss, dtype)
    saturation = sm.sigmoid_saturation_point(dtype)
    naive, keras = losses[0].value, losses[1].value
    if a_naive in (0, 1):
        where = f"from about z = {saturation:.1f}" if a_naive == 1 else "far below 0"
        reason = (
            "its other term is 0 · log(0) = 0 · (−inf) = nan"
            if np.isnan(naive)
            else "log(0) = −inf, so the naive loss is inf"
        )
        messages.append(
            Message(
                "error",
                f"The sigmoid rounds to exactly {int(a_naive)} in {dtype.name} ({where}): "
                f"{reason}. The loss from logits never forms σ(z) and stays exact.",
            )
        )
    if not np.isfinite(keras):
        messages.append(
            Message(
                "error",
                f"Keras' clip cannot help in {dtype.name}: 1 − 1e-7 rounds to exactly 1 there, "
                f"so the clipped probability can still be 1 and the loss is {format_float(keras)}.",
            )
        )
    elif a_naive in (0, 1) and a_naive != y:
        messages.append(
            Message("warning", f"Keras on probabilities clips and stops at {format_float(keras)}.")
        )
    elif a_naive in (0, 1):
        # The label's own probability rounded to exactly 1: the clip now sets a floor.
        messages.append(
            Message(
                "warning",
                f"Keras on probabilities clips σ(z) to [1e-7, 1 − 1e-7] in {dtype.name} too: "
                f"its loss is {format_float(keras)}, the exact loss "
                f"{format_exact(exact_loss, 4)}.",
            )
        )
    if not messages:
        messages.append(
            Message(
                "info",
                f"In {dtype.name} the naive sigmoid rounds to exactly 1 from about "
                f"z = {saturation:.1f}; try a larger logit with label 0.",
            )
        )
    return BinaryReport(
        dtype, logit, y, a_naive, a_exact, sigmoid_exact(-logit), losses, tuple(messages)
    )


BREAKDOWN_SCALES = np.logspace(0, 5, 91)
"""Logit scales for the "where does naive break?" chart, 1 to 100,000."""


@lru_cache(maxsize=4)
def breakdown_curve(dtype_name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Largest relative error of naive and stable softmax as the logits grow.

    Parameters
    ----------
    dtype_name : str
        Float format.

    Returns
    -------
    naive, stable : numpy.ndarray
        For each scale ``s`` in `BREAKDOWN_SCALES`, the largest relative error
        over the classes for logits ``[s, s - 1, s - 2]`` stored in the format;
        ``nan`` where the method returns ``nan`` or ``inf``.

    Notes
    -----
    The exact probabilities barely change with ``s`` (softmax is
    shift-invariant), so any growth of the error is the method's fault.
    """
    dtype = as_dtype(dtype_name)
    naive = np.empty(BREAKDOWN_SCALES.size)
    stable = np.empty(BREAKDOWN_SCALES.size)
    for i, s in enumerate(BREAKDOWN_SCALES):
        with np.errstate(all="ignore"):
            logits = np.asarray([s, s - 1, s - 2], dtype=dtype)
        refs = softmax_exact(logits)
        for out, probs in ((naive, sm.softmax_naive(logits)), (stable, sm.softmax_stable(logits))):
            errors = [relative_error(p, r) for p, r in zip(probs, refs, strict=True)]
            out[i] = np.nan if any(e is None for e in errors) else max(errors)
    return naive, stable


@lru_cache(maxsize=16)
def binary_loss_curve(
    dtype_name: str, y: int, limit: float
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    r"""Binary cross-entropy over a range of logits, each way and exactly.

    Parameters
    ----------
    dtype_name : str
        Float format.
    y : int
        Label.
    limit : float
        Logits span ``[-limit, limit]``.

    Returns
    -------
    z : numpy.ndarray
        The logits, stored in the format, as float64.
    losses : dict
        ``"naive"``, ``"keras"``, ``"logits"`` and ``"exact"`` losses as float64
        (``inf`` kept where the naive loss is infinite).

    Notes
    -----
    .. math:: L(z) = \log(1 + e^{-z}) \;(y = 1), \quad \log(1 + e^{z}) \;(y = 0)
    """
    dtype = as_dtype(dtype_name)
    with np.errstate(all="ignore"):
        z = np.linspace(-limit, limit, 401).astype(dtype)
    a = sm.sigmoid_naive(z)
    losses = {
        "naive": sm.binary_cross_entropy_naive(z, y).astype(np.float64),
        "keras": sm.binary_cross_entropy_keras_probs(a, y).astype(np.float64),
        "logits": sm.binary_cross_entropy_from_logits(z, y).astype(np.float64),
        "exact": np.array([float(binary_cross_entropy_exact(v, y)) for v in z]),
    }
    return z.astype(np.float64), losses


@dataclass(frozen=True)
class KerasComparison:
    """Our number beside real Keras' for one way of computing the loss.

    Attributes
    ----------
    setup : str
        The Keras model ending and loss, as code.
    ours : numpy floating
        Softmax Lab's replica, in the case's dtype.
    keras : numpy floating
        What TensorFlow/Keras computed, in the case's dtype.
    ulps : int or None
        Distance between the two in the dtype (None if one is not finite).
    tolerance : float
        Four epsilons of the dtype, relative to the loss's scale.
    """

    setup: str
    ours: np.floating
    keras: np.floating
    ulps: int | None
    tolerance: float = 0.0

    @property
    def agrees(self) -> bool:
        """Whether the two agree up to rounding.

        Both ``nan``, the same infinity, or ``|ours - keras|`` within four
        epsilons of the loss's scale, ``max(1, |loss|)``: the losses are built
        from terms of at least that size (``log`` of a sum of at least 1), so
        a smaller difference is rounding, not a different method.
        """
        if np.isnan(self.ours) or np.isnan(self.keras):
            return bool(np.isnan(self.ours) and np.isnan(self.keras))
        if np.isinf(self.ours) or np.isinf(self.keras):
            return self.ours == self.keras
        difference = abs(float(self.ours) - float(self.keras))
        return difference <= self.tolerance * max(1.0, abs(float(self.keras)))

    @property
    def verdict(self) -> str:
        """A short word for the page: same, within rounding, or differs."""
        if self.ulps == 0:
            return "✓ same"
        if self.agrees:
            return f"✓ same up to rounding ({self.ulps} ULP)" if self.ulps else "✓ same"
        return "✗ differs"


def compare_with_keras(
    mode: str, z: list[float], y: int, dtype_name: str, keras_result: dict
) -> list[KerasComparison]:
    """Pair our replicas with real Keras results for the same logits.

    Parameters
    ----------
    mode : str
        ``"multi"`` or ``"binary"``.
    z : list of float
        Logits as given to Keras.
    y : int
        True class or label.
    dtype_name : str
        Float format of the computation.
    keras_result : dict
        One entry of the list returned by `core.softmax.keras_check.keras_loss_check`.
        Its probabilities feed the rows of a plain TensorFlow softmax/sigmoid.

    Returns
    -------
    list of KerasComparison
        Rescued softmax layer, plain softmax output (clipped), hand-written
        softmax, and ``from_logits=True``.
    """
    dtype = as_dtype(dtype_name)
    with np.errstate(all="ignore"):
        logits = np.asarray(z, dtype=dtype)
    # The clipped-probability rows start from TensorFlow's own probabilities, so
    # they compare the loss formulas, not two implementations of exp.
    tf_probs = np.asarray(keras_result["probabilities"], dtype=dtype)
    if mode == "binary":
        a_naive = sm.sigmoid_naive(logits[0])
        rows = (
            (
                'Dense(1, activation="sigmoid") + BinaryCrossentropy()',
                "sigmoid_layer",
                sm.binary_cross_entropy_from_logits(logits[0], y),
            ),
            (
                "tf.math.sigmoid output + BinaryCrossentropy()",
                "tf_sigmoid",
                sm.binary_cross_entropy_keras_probs(tf_probs[0], y),
            ),
            (
                "hand-written 1/(1+exp(−z)) + BinaryCrossentropy()",
                "handwritten",
                sm.binary_cross_entropy_keras_probs(a_naive, y),
            ),
            (
                'Dense(1, activation="linear") + BinaryCrossentropy(from_logits=True)',
                "from_logits",
                sm.binary_cross_entropy_from_logits(logits[0], y),
            ),
        )
    else:
        rows = (
            (
                'Dense(n, activation="softmax") + SparseCategoricalCrossentropy()',
                "softmax_layer",
                sm.cross_entropy_from_logits(logits, y),
            ),
            (
                "tf.nn.softmax output + SparseCategoricalCrossentropy()",
                "tf_softmax",
                sm.cross_entropy_keras_probs(tf_probs, y),
            ),
            (
                "hand-written exp(z)/Σexp(z) + SparseCategoricalCrossentropy()",
                "handwritten",
                sm.cross_entropy_keras_probs(sm.softmax_naive(logits), y),
            ),
            (
                'Dense(n, activation="linear") + SparseCategoricalCrossentropy(from_logits=True)',
                "from_logits",
                sm.cross_entropy_from_logits(logits, y),
            ),
        )
    tolerance = 4 * float(np.finfo(dtype).eps)
    return [
        KerasComparison(
            setup,
            dtype.type(ours),
            dtype.type(keras_result[key]),
            ulp_distance(ours, keras_result[key], dtype),
            tolerance,
        )
        for setup, key, ours in rows
    ]
