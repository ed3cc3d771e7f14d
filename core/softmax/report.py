"""Everything the softmax page shows for one set of logits, computed and explained.

A report bundles the float results of every method with the exact reference,
the error of each, and plain-language explanations of any ``inf``, ``nan``,
underflow or lost accuracy, so the page only lays them out. Every explanation
is written from the values it sits beside: each one states what those values
show, and none is shown unless the values show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

from core.numerics.exact import (
    exact,
    relative_and_ulp_error,
    relative_error,
    to_exact,
    ulp_distance,
)
from core.numerics.formats import as_dtype, get_format
from core.numerics.limits import exp_overflow_threshold, exp_underflow_threshold, format_limits
from core.numerics.text import format_error, format_exact, format_float, landmark_text
from core.softmax import functions as sm
from core.softmax.exact import (
    binary_cross_entropy_exact,
    cross_entropy_exact,
    sigmoid_exact,
    softmax_exact,
)

OFF = 1e-3
"""Relative error above which a finite loss is called off and the page says why."""


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
    caption : str
        One line under the value: its errors, or why there are none.
    """

    key: str
    label: str
    value: float | mpmath.mpf
    relative_error: float | None
    ulp_error: float | None
    caption: str


@dataclass(frozen=True)
class Message:
    """An explanation shown next to the results.

    Attributes
    ----------
    level : str
        ``"error"`` (a method broke), ``"warning"`` (lost accuracy) or ``"info"``.
    text : str
        One or two plain sentences, Markdown allowed.
    topic : str
        What it explains, one word such as ``"sum_overflow"``: tests check each
        topic against the values, and the values against the topics shown.
    """

    level: str
    text: str
    topic: str


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
    exp_sum, shifted_sum : numpy floating
        ``sum(exp(z))`` and ``sum(exp(z - max(z)))`` in `dtype`: the naive and the
        stable denominators.
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
    exp_sum: np.floating
    shifted_sum: np.floating
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
        ``(z + c) / T`` in `dtype`; a value beyond the format's range is ``±inf``.

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
    pairs = [relative_and_ulp_error(v, r, dtype) for v, r in zip(values, refs, strict=True)]
    return [rel for rel, _ in pairs], [ulp for _, ulp in pairs]


def loss_caption(
    value: float | np.floating, reference: mpmath.mpf, rel: float | None, ulp: float | None
) -> str:
    """Return the line shown under a computed loss: its errors, or why there are none.

    Parameters
    ----------
    value : float or numpy floating
        The computed loss.
    reference : mpmath.mpf
        The exact loss (``inf`` or ``nan`` where the logits make it so).
    rel, ulp : float or None
        Its relative and ULP errors (None when either value is not finite).

    Returns
    -------
    str
        ``"rel. error 1e-7 · 0.5 ULP"``; ``"right: the exact loss is inf too"``
        for a matching infinity; else which side is not finite.
    """
    if rel is not None:
        return f"rel. error {format_error(rel)} · {format_error(ulp)} ULP"
    if exact.isnan(reference):
        return "no exact value: the loss is undefined for these logits"
    if np.isinf(value) and exact.isinf(reference) and (value > 0) == (reference > 0):
        return f"right: the exact loss is {format_exact(reference)} too"
    if np.isnan(value):
        return "broken: nan"
    if exact.isinf(reference):
        return f"finite, but the exact loss is {format_exact(reference)}"
    return f"broken: {format_float(value)}, but the exact loss is finite"


def measured_losses(
    computed,
    exact_loss: mpmath.mpf,
    dtype: np.dtype,
    exact_key: str = "exact",
    exact_label: str = "Exact",
) -> tuple[Loss, ...]:
    """Return each computed loss with its errors against the exact one, then the exact one.

    Parameters
    ----------
    computed : iterable of tuple
        ``(key, label, value)`` per method, the value in `dtype`.
    exact_loss : mpmath.mpf
        The exact loss of the stored logits.
    dtype : numpy.dtype
        The format the values were computed in, for their ULPs.
    exact_key, exact_label : str, optional
        The key and name of the exact reference.

    Returns
    -------
    tuple of Loss
        One per method, then the exact reference.
    """
    measured = []
    for key, label, value in computed:
        rel, ulp = relative_and_ulp_error(value, exact_loss, dtype)
        measured.append(
            Loss(key, label, value, rel, ulp, loss_caption(value, exact_loss, rel, ulp))
        )
    return (*measured, Loss(exact_key, exact_label, exact_loss, None, None, "60-digit mpmath"))


def softmax_report(
    z: Sequence[float], y: int, dtype_name: str, temperature: float = 1.0, shift: float = 0.0
) -> SoftmaxReport:
    """Compute everything the multi-class page shows.

    Parameters
    ----------
    z : sequence of float
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
        Values, errors, losses and explanations. A logit beyond the format is
        stored as ``±inf`` and handled as such: ``-inf`` is probability 0.

    Notes
    -----
    The last 256 reports are kept, by the exact bits of every input (so ``-0.0``
    and ``0.0`` stay apart): a page that reruns with the same logits, such as a
    student going back to a format or a temperature, does not compute the exact
    reference again. The report is shared: read it, never change it.
    """
    key = tuple(float(v).hex() for v in z)
    return _softmax_report(key, int(y), dtype_name, float(temperature).hex(), float(shift).hex())


@lru_cache(maxsize=256)
def _softmax_report(
    key: tuple[str, ...], y: int, dtype_name: str, temperature_hex: str, shift_hex: str
) -> SoftmaxReport:
    z = [float.fromhex(v) for v in key]
    temperature, shift = float.fromhex(temperature_hex), float.fromhex(shift_hex)
    dtype = as_dtype(dtype_name)
    logits = effective_logits(z, dtype, temperature, shift)
    # The shifted logits the page shows are the ones the stable softmax uses (one helper).
    shifted = sm.max_shift(logits)
    with np.errstate(all="ignore"):
        exp_logits = np.exp(logits)
        exp_shifted = np.exp(shifted)
        # The denominators, summed as softmax_naive and log_softmax_stable sum them.
        exp_sum = np.sum(exp_logits)
        shifted_sum = np.sum(exp_shifted)
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
    losses = measured_losses(computed, exact_loss, dtype)

    report = SoftmaxReport(
        dtype=dtype,
        y=y,
        logits=logits,
        exp_logits=exp_logits,
        shifted=shifted,
        exp_shifted=exp_shifted,
        exp_sum=exp_sum,
        shifted_sum=shifted_sum,
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
    return _replace_messages(report, _messages(report, z, temperature, shift))


def _replace_messages(report: SoftmaxReport, messages: list[Message]) -> SoftmaxReport:
    return SoftmaxReport(**{**report.__dict__, "messages": tuple(messages)})


def _classes(indices: NDArray[np.intp]) -> str:
    # "class 2", "classes 0 and 2", "classes 0, 1 and 3".
    return ("class " if len(indices) == 1 else "classes ") + _listed([str(i) for i in indices])


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


METHOD_NAMES = {"naive": "naive", "keras": "Keras on probabilities", "logits": "from logits"}
"""How a sentence names each computed loss."""


def _stored_as(
    report: SoftmaxReport, typed: list[float], which: NDArray[np.intp], adjusted: bool
) -> str:
    # Why these logits are infinite: typed beyond the format, or pushed there by c and T.
    name = report.dtype.name
    largest = format_limits(name).largest
    positive = bool(report.logits[which[0]] > 0)
    bound = landmark_text(largest if positive else -largest, get_format(name))
    where = "above" if positive else "below"
    side = f"{where} {name}'s {'largest' if positive else 'lowest'} value, {bound},"
    stored = "inf" if positive else "−inf"
    one = len(which) == 1
    with np.errstate(all="ignore"):
        typed_overflows = np.isinf(np.asarray([typed[i] for i in which], dtype=report.dtype))
    if typed_overflows.all() or not adjusted:
        values = ", ".join(f"z{i} = {format_float(typed[i])}" for i in which)
        subject = "it is" if one else "they are"
        return f"{values} {'is' if one else 'are'} {side} so {subject} stored as {stored}"
    return (
        f"With the shift c and temperature T, {_classes(which)} {'goes' if one else 'go'} "
        f"{side} so {'it becomes' if one else 'they become'} {stored}"
    )


def _messages(
    report: SoftmaxReport, typed: list[float], temperature: float, shift: float
) -> list[Message]:
    dtype = report.dtype
    name = dtype.name
    logits, y = report.logits, report.y
    adjusted = temperature != 1 or shift != 0
    naive, keras, from_logits, exact_loss = report.losses
    messages: list[Message] = []

    plus, minus = np.flatnonzero(np.isposinf(logits)), np.flatnonzero(np.isneginf(logits))
    if plus.size:
        # The stable softmax is nan (inf - inf), so Keras on probabilities always is.
        computed = (naive, keras, from_logits)
        broken = [METHOD_NAMES[loss.key] for loss in computed if np.isnan(loss.value)]
        text = (
            f"{_stored_as(report, typed, plus, adjusted)}: z − max(z) = inf − inf = nan, so "
            f"{_listed(broken)} {'is' if len(broken) == 1 else 'are'} nan. "
            + (
                "No exact limit exists either. "
                if exact.isnan(exact_loss.value)
                else f"The exact reference takes the limit: {format_exact(exact_loss.value, 5)}. "
            )
            + "Use float64 or smaller logits."
        )
        return [Message("error", text, "inf_logit")]
    if minus.size == logits.size:
        text = (
            f"{_stored_as(report, typed, minus, adjusted)}: every e^z is 0, so softmax is "
            "0/0 for every class, undefined, and so is the exact reference. Use float64 or "
            "smaller logits."
        )
        return [Message("error", text, "all_neg_inf")]
    if minus.size:
        # The stable softmax divides by a sum of at least 1; the naive one may divide by 0.
        where = "both softmaxes" if np.all(report.p_naive[minus] == 0) else "the stable softmax"
        text = (
            f"{_stored_as(report, typed, minus, adjusted)}. A −inf logit is a legitimate "
            f"input: e^−inf = 0 exactly, so {_classes(minus)} "
            f"{'has' if minus.size == 1 else 'have'} probability exactly 0 in {where}."
        )
        if y in minus:
            text += (
                f" That includes the true class, so the exact loss is "
                f"{format_exact(exact_loss.value)}: naive gives {format_float(naive.value)}, "
                f"from logits {format_float(from_logits.value)}, and Keras on probabilities "
                f"clips p_y up to ε and stops at {format_float(keras.value)}."
            )
        level = "warning" if y in minus else "info"
        messages.append(Message(level, text, "neg_inf_logit"))

    messages += _naive_messages(report)
    messages += _accuracy_messages(report)

    stored = np.asarray(typed, dtype=np.float64)
    with np.errstate(all="ignore"):
        rounded = np.asarray(typed, dtype=dtype).astype(np.float64)
    changed = [(t, r) for t, r in zip(stored, rounded, strict=True) if t != r and np.isfinite(r)]
    if changed and not adjusted:
        t, r = changed[0]
        messages.append(
            Message(
                "info",
                f"{format_float(t)} is not representable in {name}; it is stored as "
                f"{format_float(r)}. The exact reference uses the stored values.",
                "rounded_input",
            )
        )
    if not messages:
        largest = landmark_text(format_limits(name).largest, get_format(name))
        messages.append(
            Message(
                "info",
                "Every method is finite here. The naive softmax breaks once an exponential or "
                f"their sum passes {name}'s largest value, {largest}: push a logit past "
                f"{exp_overflow_threshold(dtype):.2f}.",
                "all_finite",
            )
        )
    return messages


def _naive_messages(report: SoftmaxReport) -> list[Message]:
    # What exp(z) and its sum did to the naive softmax: overflow, underflow, subnormals.
    dtype = report.dtype
    name = dtype.name
    logits, e = report.logits, report.exp_logits
    finite = np.isfinite(logits)
    naive = report.loss("naive")
    messages: list[Message] = []
    big = np.flatnonzero(finite & np.isinf(e))
    if big.size:
        others = e.size - big.size
        messages.append(
            Message(
                "error",
                f"exp({format_float(logits[big].max())}) overflows {name} above about "
                f"{exp_overflow_threshold(dtype):.2f}, so exp(z) is inf and inf/inf is nan: the "
                f"naive softmax is nan for {_classes(big)}"
                + (" and finite/inf = 0 for the others." if others else "."),
                "exp_overflow",
            )
        )
    elif np.isinf(report.exp_sum):
        total = exact.fsum(exact.mpf(float(v)) for v in e)
        largest = landmark_text(format_limits(name).largest, get_format(name))
        messages.append(
            Message(
                "error",
                f"Every exp(z) is finite in {name}, but their sum, {format_exact(total, 5)}, is "
                f"above its largest value {largest} and overflows to inf: the naive softmax is "
                "finite/inf = 0 for every class, so the naive loss is "
                f"{format_float(naive.value)}.",
                "sum_overflow",
            )
        )
    under = exp_underflow_threshold(dtype)
    tiny = np.flatnonzero(finite & (e == 0))
    if np.all(e == 0):
        what = "underflows to 0" if finite.all() else "is 0 (e^−inf = 0, and the rest underflow)"
        messages.append(
            Message(
                "error",
                f"Every exp(z) {what} in {name} (below about {under:.2f}), so the naive softmax "
                "is 0/0 = nan.",
                "all_underflow",
            )
        )
    elif tiny.size:
        messages.append(
            Message(
                "warning",
                f"exp({format_float(logits[tiny].max())}) underflows to 0 in {name} (below about "
                f"{under:.2f}), so {_classes(tiny)} {'gets' if tiny.size == 1 else 'get'} naive "
                "probability exactly 0.",
                "some_underflow",
            )
        )
    smallest_normal = np.finfo(dtype).smallest_normal
    naive_errors = [err for err in report.naive_rel if err is not None]
    worst = max(naive_errors, default=0.0)
    if 0 < report.exp_sum < smallest_normal and worst > np.finfo(dtype).eps:
        top = int(np.argmax(e))
        bits = int(np.floor(np.log2(float(e[top]) / float(np.finfo(dtype).smallest_subnormal))))
        messages.append(
            Message(
                "warning",
                f"Every exp(z) is below {name}'s smallest normal number "
                f"({landmark_text(float(smallest_normal), get_format(name))}): the largest, "
                f"exp({format_float(logits[top])}) = {format_float(e[top])}, is subnormal and "
                f"keeps only {bits + 1} significant bit{'s' if bits else ''}, so the naive "
                f"probabilities are off by up to {worst:.2g} (relative).",
                "subnormal_exp",
            )
        )
    return messages


def _off(loss: Loss, reference: mpmath.mpf) -> str:
    # "From logits is 0 (relative error 1 against the exact loss 6.1442e-6)"
    name = METHOD_NAMES[loss.key]
    return (
        f"{name[0].upper()}{name[1:]} is {format_float(loss.value)} (relative error "
        f"{loss.relative_error:.2g} against the exact loss {format_exact(reference, 5)})"
    )


def _accuracy_messages(report: SoftmaxReport) -> list[Message]:
    # Finite losses that are off the exact one, and why, from the values that make them so.
    dtype = report.dtype
    name = dtype.name
    y = report.y
    naive, keras, from_logits, exact_loss = report.losses
    # Keras' clip bounds as stored in the format (1 - epsilon rounds to 1 in float16).
    eps = dtype.type(sm.KERAS_EPSILON)
    top = dtype.type(1) - eps
    eps_text = f"ε = {format_exact(to_exact(eps), 5)} in {name}"
    compute = sm.xent_compute_dtype(dtype)
    if report.p_stable[y] == 0 and report.p_exact[y] != 0:
        return [
            Message(
                "warning",
                f"The true class's probability, {format_exact(report.p_exact[y], 4)}, is below "
                f"the smallest {name} number and rounds to 0 even in the stable softmax, so "
                f"−log(p_y) is inf (the naive loss is {format_float(naive.value)}). Keras on "
                f"probabilities clips p_y up to {eps_text} and stops at "
                f"{format_float(keras.value)}; from logits gives "
                f"{format_float(from_logits.value)}, the exact loss is "
                f"{format_exact(exact_loss.value, 8)}.",
                "p_y_zero",
            )
        ]
    messages: list[Message] = []
    # With the true class on top, z_y - m = 0 and the loss is log S, S = e^L just above 1.
    on_top = report.shifted[y] == 0
    if from_logits.relative_error is not None and from_logits.relative_error > OFF:
        text = _off(from_logits, exact_loss.value)
        if on_top:
            text += (
                f": it is log Σ exp(z − m), and Σ exp(z − m) = "
                f"{format_exact(exact.exp(exact_loss.value), 8)} is stored as "
                f"{format_float(report.shifted_sum)} in {name}, whose spacing near 1 is "
                f"{format_float(np.finfo(dtype).eps)}"
                + (", so the loss is log(1) = 0." if report.shifted_sum == 1 else ".")
            )
        else:
            text += "."
        if compute != dtype:
            text += (
                f" TensorFlow computes {name} cross-entropy in {compute.name} and rounds only "
                f"the result: from_logits=True gives "
                f"{format_float(sm.cross_entropy_keras_logits(report.logits, y))}."
            )
        messages.append(Message("warning", text, "logits_off"))
    if keras.relative_error is not None and keras.relative_error > OFF:
        clipped = np.flatnonzero((report.p_stable < eps) | (report.p_stable > top))
        if clipped.size:
            why = (
                f"before the log it clips the probabilities to [ε, 1 − ε] ({eps_text}), which "
                f"moves {_classes(clipped)} here."
            )
        elif on_top:
            why = (
                f"it computes log Σ exp(log p − max log p) in {compute.name}, a sum just above 1 "
                f"that {compute.name} rounds to a multiple of "
                f"{format_float(np.finfo(compute).eps)}."
            )
        else:
            why = f"it starts from the probabilities rounded to {name}."
        messages.append(Message("warning", f"{_off(keras, exact_loss.value)}: {why}", "keras_off"))
    return messages


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
        largest = format_limits(dtype.name).largest
        bound = landmark_text(largest if z > 0 else -largest, get_format(dtype.name))
        messages.append(
            Message(
                "error",
                f"{format_float(z)} is beyond {dtype.name}'s "
                f"{'largest' if z > 0 else 'lowest'} value, {bound}, and is stored as "
                f"{format_float(logit)}.",
                "inf_logit",
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
    losses = measured_losses(computed, exact_loss, dtype)
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
                f"{reason}. The loss from logits never forms σ(z): it gives "
                f"{format_float(losses[2].value)}, the exact loss is "
                f"{format_exact(exact_loss, 5)}.",
                "saturated",
            )
        )
    if not np.isfinite(keras):
        messages.append(
            Message(
                "error",
                f"Keras' clip cannot help in {dtype.name}: 1 − 1e-7 rounds to exactly 1 there, "
                f"so the clipped probability can still be 1 and the loss is {format_float(keras)}.",
                "keras_broken",
            )
        )
    elif a_naive in (0, 1) and a_naive != y:
        messages.append(
            Message(
                "warning",
                f"Keras on probabilities clips and stops at {format_float(keras)}.",
                "keras_off",
            )
        )
    elif a_naive in (0, 1):
        # The label's own probability rounded to exactly 1: the clip now sets a floor.
        messages.append(
            Message(
                "warning",
                f"Keras on probabilities clips σ(z) to [1e-7, 1 − 1e-7] in {dtype.name} too: "
                f"its loss is {format_float(keras)}, the exact loss "
                f"{format_exact(exact_loss, 4)}.",
                "keras_off",
            )
        )
    if not messages:
        messages.append(
            Message(
                "info",
                f"In {dtype.name} the naive sigmoid rounds to exactly 1 from about "
                f"z = {saturation:.1f}; try a larger logit with label 0.",
                "hint",
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


ROUNDING_SLACK = 2.0
"""Factor on the first-order rounding estimate of `compare_with_keras`.

TensorFlow's CPU kernels evaluate ``exp`` and ``log`` with Eigen's polynomials,
accurate to about 1 ULP; NumPy's are within half an ULP. Two results of one
formula can therefore fall up to about 1.5 ULP apart at every such step, and
the sum of the classes can round differently; the estimate counts each step
once and this factor covers the rest.
"""


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
    exact : mpmath.mpf
        The exact loss of the stored logits.
    rounding : float
        How far apart rounding alone can put ``ours`` and ``keras``: each
        intermediate value's own ULPs carried to the loss (see `compare_with_keras`).
    flushed : numpy floating or None
        Our replica with subnormals flushed to zero, as TensorFlow's CPU kernels
        do, where that changes its value; else None.
    subnormal : numpy floating or None
        The subnormal intermediate that flushing sets to zero, with `flushed`.
    """

    setup: str
    ours: np.floating
    keras: np.floating
    exact: mpmath.mpf
    rounding: float
    flushed: np.floating | None = None
    subnormal: np.floating | None = None

    @property
    def ulps(self) -> int | None:
        """Representable values between the two, at their own magnitude (None if not finite)."""
        return ulp_distance(self.ours, self.keras, self.ours.dtype)

    @property
    def flush_explains(self) -> bool:
        """Whether TensorFlow's value is ours with its subnormals flushed to zero.

        True when the two differ and our replica, with the subnormals TensorFlow's
        CPU kernels flush set to zero (`flushed`), gives TensorFlow's value up to
        rounding: the difference is the flush, however small it is.
        """
        return (
            self.flushed is not None
            and self.ulps != 0
            and _within(self.flushed, self.keras, self.rounding)
        )

    @property
    def agrees(self) -> bool:
        """Whether the two agree up to rounding.

        Both ``nan``, the same infinity, or ``|ours - keras|`` within `rounding`,
        an allowance built from the values themselves: near a loss of 0 it is
        a few ULPs of that loss plus what the rounding of the sum of classes
        (a number near 1) can move it, never a fixed absolute amount. A
        difference that `flush_explains` is not rounding.
        """
        return not self.flush_explains and _within(self.ours, self.keras, self.rounding)

    @property
    def verdict(self) -> str:
        """A short phrase for the page: same, within rounding, or differs and why."""
        ulps = self.ulps
        if ulps == 0:
            return "✓ same"
        if self.agrees:
            apart = abs(float(self.ours) - float(self.keras))
            if ulps <= ROUNDING_SLACK * 2:
                return f"✓ same up to rounding ({ulps} ULP)"
            return (
                f"✓ same up to rounding ({ulps} ULP of this loss, {apart:.2g} apart: rounding "
                f"the intermediate steps allows {self.rounding:.2g})"
            )
        reference = format_exact(self.exact, 5)
        if self.flush_explains:
            name = self.ours.dtype.name
            return (
                f"✗ differs: TensorFlow's CPU kernels flush subnormal numbers to zero, and "
                f"{format_float(self.subnormal)} is subnormal in {name}. Softmax Lab's "
                f"{format_float(self.ours)} is the IEEE 754 value (exact loss {reference})."
            )
        if ulps is None:
            return (
                f"✗ differs: Softmax Lab gives {format_float(self.ours)}, TensorFlow "
                f"{format_float(self.keras)}; the exact loss is {reference}."
            )
        apart = abs(float(self.ours) - float(self.keras))
        why = f"✗ differs by {ulps} ULP, more than rounding explains ({self.rounding:.2g}): "
        for who, value in (("Softmax Lab's", self.ours), ("TensorFlow's", self.keras)):
            if value == 0 and self.exact != 0:
                return why + f"{who} loss rounds to 0 while the exact loss is {reference}."
        why += f"{apart:.2g} apart, the exact loss is {reference}"
        if not exact.isfinite(self.exact):
            return why + "."
        ours_off, keras_off = (abs(to_exact(v) - self.exact) for v in (self.ours, self.keras))
        return why + f" and {'Softmax Lab' if ours_off < keras_off else 'TensorFlow'} is closer."


def _within(a: np.floating, b: np.floating, allowance: float) -> bool:
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    if np.isinf(a) or np.isinf(b):
        return bool(a == b)
    return abs(float(a) - float(b)) <= allowance


def _spacing(values: ArrayLike, dtype: np.dtype) -> NDArray[np.float64]:
    # The ULP of each value at its own magnitude in `dtype`, as float64; 0 where not finite.
    with np.errstate(all="ignore"):
        magnitude = np.abs(np.asarray(values, dtype=np.float64)).astype(dtype)
        gap = np.spacing(magnitude).astype(np.float64)
    return np.where(np.isfinite(gap), gap, 0.0)


def _kernel_rounding(x: NDArray[np.floating], y: int, spread: NDArray[np.float64]) -> float:
    r"""How far rounding can move ``sparse_softmax_cross_entropy_with_logits(x)[y]``.

    `x` is the kernel's input in its own dtype and `spread` how far TensorFlow's
    copy of each entry can lie from ours (0 for logits both sides share).

    Notes
    -----
    With :math:`w = \mathrm{softmax}(x)`, :math:`S = \sum_k e^{x_k - m}`, the loss
    :math:`L = \log S - (x_y - m)` moves by :math:`\partial L / \partial x_k =
    w_k - [k = y]`, and by :math:`\delta S / S` for a change of the sum:

    .. math::
        \Delta L \le s \Big( \sum_k |w_k - [k = y]| (\delta_k + \delta_{\arg\max})
        + (n + 1) \frac{u_c(S)}{S} + u_c(\log S) + u_c(L) + u(L) \Big)

    with :math:`u_c` the ULP in the compute format (`xent_compute_dtype`),
    :math:`u` in the loss's format and :math:`s` = `ROUNDING_SLACK`.
    """
    compute = sm.xent_compute_dtype(x.dtype)
    v = x.astype(np.float64)
    if np.isnan(v).any() or np.isposinf(v).any() or np.isneginf(v[y]) or np.isneginf(v).all():
        return 0.0  # nan or inf: only the same value agrees
    top = int(np.argmax(v))
    e = np.exp(v - v[top])
    total = float(e.sum())
    loss = np.log(total) - (v[y] - v[top])
    sensitivity = np.abs(e / total - (np.arange(v.size) == y))
    finite = np.isfinite(v)
    carried = float(np.sum(sensitivity[finite] * (spread[finite] + spread[top])))
    steps = (v.size + 1) * _spacing(total, compute) / total + _spacing(np.log(total), compute)
    ends = _spacing(loss, compute) + _spacing(loss, x.dtype)
    return ROUNDING_SLACK * float(carried + steps + ends)


@dataclass(frozen=True)
class _Row:
    # One Keras set-up: our value, the rounding allowance and the flush-to-zero check.
    setup: str
    key: str
    ours: np.floating
    rounding: float
    flushed: np.floating | None = None
    subnormal: np.floating | None = None


def _flush(
    ours: np.floating, flushed: np.floating, intermediates: ArrayLike
) -> dict[str, np.floating]:
    # Where flushing changes our value, that value and the largest subnormal it flushes.
    values = np.atleast_1d(np.asarray(intermediates))
    subnormal = values[(values != 0) & (sm.flush_subnormals(values) == 0)]
    if not subnormal.size or _within(flushed, ours, 0.0):
        return {}
    return {"flushed": flushed, "subnormal": subnormal[np.argmax(np.abs(subnormal))]}


def _multi_rows(logits: NDArray[np.floating], y: int, tf_probs: NDArray[np.floating]) -> list[_Row]:
    dtype = logits.dtype
    naive = sm.softmax_naive(logits)
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        tf_log = np.log(sm.keras_clip(tf_probs))
        naive_log = np.log(sm.keras_clip(naive))
    # Both sides round the hand-written softmax (exp, n - 1 additions, a division), in
    # orders that can differ: each unclipped log p can move by that much, relatively.
    clipped = sm.keras_clip(naive) != naive
    own = (logits.size + 1) * float(np.finfo(dtype).eps)
    naive_spread = _spacing(naive_log, dtype) + np.where(clipped, 0.0, own)
    on_logits = sm.cross_entropy_keras_logits(logits, y)
    logits_rounding = _kernel_rounding(logits, y, np.zeros(logits.size))
    handwritten = sm.cross_entropy_keras_probs(naive, y)
    flushed = sm.cross_entropy_keras_probs(sm.softmax_naive(logits, flush=True), y)
    return [
        _Row(
            'Dense(n, activation="softmax") + SparseCategoricalCrossentropy()',
            "softmax_layer",
            on_logits,
            logits_rounding,
        ),
        _Row(
            "tf.nn.softmax output + SparseCategoricalCrossentropy()",
            "tf_softmax",
            sm.cross_entropy_keras_probs(tf_probs, y),
            _kernel_rounding(tf_log, y, _spacing(tf_log, dtype)),
        ),
        _Row(
            "hand-written exp(z)/Σexp(z) + SparseCategoricalCrossentropy()",
            "handwritten",
            handwritten,
            _kernel_rounding(naive_log, y, naive_spread),
            **_flush(handwritten, flushed, e),
        ),
        _Row(
            'Dense(n, activation="linear") + SparseCategoricalCrossentropy(from_logits=True)',
            "from_logits",
            on_logits,
            logits_rounding,
        ),
    ]


def _binary_rows(logit: np.floating, y: int, tf_probability: np.floating) -> list[_Row]:
    dtype = logit.dtype
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(logit))
        tail = np.log1p(e)
    loss = sm.binary_cross_entropy_from_logits(logit, y)[()]
    # exp(-|z|) enters through log1p, whose slope is 1 / (1 + e); then log1p and the sum.
    logits_rounding = ROUNDING_SLACK * float(
        _spacing(e, dtype) / (1 + float(e)) + _spacing(tail, dtype) + _spacing(loss, dtype)
    )
    flushed = _flush(loss, sm.binary_cross_entropy_from_logits(logit, y, flush=True)[()], [e, loss])
    a = sm.sigmoid_naive(logit)[()]

    def probability_rounding(p: np.floating, computed_here: bool) -> float:
        # -log(q) or -log(1 - q): the log's own rounding, plus, for a sigmoid both sides
        # compute, one ULP of it carried by the slope 1 / q or 1 / (1 - q).
        q = sm.keras_clip(p)[()]
        used = float(q if y == 1 else dtype.type(1) - q)
        value = sm.binary_cross_entropy_keras_probs(p, y)[()]
        carried = float(_spacing(p, dtype)) / used if computed_here and q == p and used else 0.0
        return ROUNDING_SLACK * (float(_spacing(value, dtype)) + carried)

    return [
        _Row(
            'Dense(1, activation="sigmoid") + BinaryCrossentropy()',
            "sigmoid_layer",
            loss,
            logits_rounding,
            **flushed,
        ),
        _Row(
            "tf.math.sigmoid output + BinaryCrossentropy()",
            "tf_sigmoid",
            sm.binary_cross_entropy_keras_probs(tf_probability, y)[()],
            probability_rounding(tf_probability, computed_here=False),
        ),
        _Row(
            "hand-written 1/(1+exp(−z)) + BinaryCrossentropy()",
            "handwritten",
            sm.binary_cross_entropy_keras_probs(a, y)[()],
            probability_rounding(a, computed_here=True),
        ),
        _Row(
            'Dense(1, activation="linear") + BinaryCrossentropy(from_logits=True)',
            "from_logits",
            loss,
            logits_rounding,
            **flushed,
        ),
    ]


def compare_with_keras(
    mode: str, z: list[float], y: int, dtype_name: str, keras_result: dict
) -> list[KerasComparison]:
    r"""Pair our replicas with real Keras results for the same logits.

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
        softmax, and ``from_logits=True``, each with the exact loss, how far
        rounding alone can put the two apart, and our value with subnormals
        flushed to zero where TensorFlow's kernels would flush one.

    Notes
    -----
    The allowance is first order: every step that is not correctly rounded on
    both sides (``exp``, ``log``, ``log1p``, the order of a sum) may put the two
    a few ULPs of *its own result* apart, and that difference reaches the loss
    through the step's slope. For the multi-class loss the sum
    :math:`S = \sum_k e^{x_k - m} \ge 1` is such a step, so where the loss
    :math:`\log S` is near 0 it is judged against the ULP of :math:`S`, not of a
    fixed scale; float16 is judged in float32, where TensorFlow computes it.
    """
    dtype = as_dtype(dtype_name)
    with np.errstate(all="ignore"):
        logits = np.asarray(z, dtype=dtype)
    # The clipped-probability rows start from TensorFlow's own probabilities, so
    # they compare the loss formulas, not two implementations of exp.
    tf_probs = np.asarray(keras_result["probabilities"], dtype=dtype)
    if mode == "binary":
        rows = _binary_rows(logits[0], y, tf_probs[0])
        reference = binary_cross_entropy_exact(logits[0], y)
    else:
        rows = _multi_rows(logits, y, tf_probs)
        reference = cross_entropy_exact(logits, y)
    return [
        KerasComparison(
            row.setup,
            dtype.type(row.ours),
            dtype.type(keras_result[row.key]),
            reference,
            row.rounding,
            None if row.flushed is None else dtype.type(row.flushed),
            row.subnormal,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class MultilabelComparison:
    """Softmax Lab against real Keras for one multi-label sample.

    Attributes
    ----------
    means : list of KerasComparison
        Each set-up's loss as Keras returns it for the sample: the mean of the
        per-output losses (`core.softmax.functions.keras_label_mean`).
    per_label : list of list of KerasComparison
        Per output, each set-up on that output alone.
    """

    means: list[KerasComparison]
    per_label: list[list[KerasComparison]]

    @property
    def rows(self) -> list[KerasComparison]:
        """The rows the page shows: each set-up's mean, then from logits output by output."""
        return self.means + [label[-1] for label in self.per_label]


def compare_multilabel_with_keras(
    z: list[float], labels: list[int], dtype_name: str, keras_result: dict
) -> MultilabelComparison:
    r"""Pair our multi-label replicas with real Keras results for the same logits.

    Parameters
    ----------
    z : list of float
        Logits as given to Keras, one per output.
    labels : list of int
        One label, 0 or 1, per output.
    dtype_name : str
        Float format of the computation.
    keras_result : dict
        One multi-label entry of `core.softmax.keras_check.keras_loss_check`:
        per set-up the sample's loss, ``"per_label"`` with each set-up's loss on
        each output alone, and the TensorFlow sigmoids as ``"probabilities"``.

    Returns
    -------
    MultilabelComparison
        Every output judged as `compare_with_keras` judges binary mode, and the
        mean of the outputs against Keras' value for the sample.

    Notes
    -----
    Keras reduces the last axis by its mean, so the sample's loss is

    .. math:: \bar L = \frac{1}{K} \sum_{i=1}^{K} L_i

    Rounding can put each :math:`L_i` its own allowance :math:`r_i` apart, so
    the means can lie :math:`\frac{1}{K}\sum_i r_i` apart, plus the rounding of
    the sum in the compute format (float32 for float16) and of the mean itself.
    """
    dtype = as_dtype(dtype_name)
    with np.errstate(all="ignore"):
        logits = np.asarray(z, dtype=dtype)
    tf_probs = np.asarray(keras_result["probabilities"], dtype=dtype)
    count = len(labels)
    rows = [_binary_rows(logits[i], y, tf_probs[i]) for i, y in enumerate(labels)]
    references = [binary_cross_entropy_exact(logits[i], y) for i, y in enumerate(labels)]

    def compared(row: _Row, keras: float, reference: mpmath.mpf, setup: str) -> KerasComparison:
        flushed = None if row.flushed is None else dtype.type(row.flushed)
        return KerasComparison(
            setup,
            dtype.type(row.ours),
            dtype.type(keras),
            reference,
            row.rounding,
            flushed,
            row.subnormal,
        )

    per_label = [
        [
            compared(
                row,
                keras_result["per_label"][row.key][i],
                references[i],
                f"{row.setup} on output {i} alone",
            )
            for row in label_rows
        ]
        for i, label_rows in enumerate(rows)
    ]
    compute = np.promote_types(dtype, np.float32)
    means = []
    for j, first in enumerate(rows[0]):
        column = [label_rows[j] for label_rows in rows]
        ours = sm.keras_label_mean([row.ours for row in column])
        total = float(np.sum([float(row.ours) for row in column]))
        rounding = sum(row.rounding for row in column) / count + ROUNDING_SLACK * float(
            _spacing(total, compute) + _spacing(ours, dtype)
        )
        flushes = [row for row in column if row.flushed is not None]
        flushed = (
            {
                "flushed": sm.keras_label_mean(
                    [row.ours if row.flushed is None else row.flushed for row in column]
                ),
                "subnormal": flushes[0].subnormal,
            }
            if flushes
            else {}
        )
        mean_row = _Row(first.setup, first.key, ours, rounding, **flushed)
        setup = first.setup.replace("Dense(1,", f"Dense({count},")
        means.append(
            compared(mean_row, keras_result[first.key], exact.fsum(references) / count, setup)
        )
    return MultilabelComparison(means, per_label)
