"""Multi-label classification: one sigmoid and one binary cross-entropy per output.

One image, several yes/no questions (is there a car? a bus?): each output has its
own logit, its own sigmoid and its own label, and the loss of the sample is made
of one binary cross-entropy per output. Keras averages them over the outputs; the
report shows their sum, Keras' mean and the exact values of both, and the same
logits through a softmax, whose probabilities share one unit where the sigmoids
do not. Every sentence is written from the values it describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from numpy.typing import NDArray

from core.numerics.exact import exact, to_exact, ulp_error
from core.numerics.formats import as_dtype, get_format
from core.numerics.limits import format_limits
from core.numerics.text import format_exact, format_float, landmark_text
from core.softmax import functions as sm
from core.softmax.exact import binary_cross_entropy_exact, sigmoid_exact
from core.softmax.report import OFF, Loss, Message, measured_losses

METHODS = (
    ("naive", "naive"),
    ("keras", "Keras on probabilities"),
    ("logits", "from logits"),
)
"""Each computed loss: its key and how a sentence names it."""


@dataclass(frozen=True)
class MultilabelReport:
    """Per-output sigmoids and losses, their sum and Keras' mean, and the softmax beside them.

    Attributes
    ----------
    dtype : numpy.dtype
        Format of every float result.
    logits : numpy.ndarray
        The logits as stored in `dtype`.
    labels : tuple of int
        One label, 0 or 1, per output.
    names : tuple of str
        One name per output (the student's text).
    sigmoid : numpy.ndarray
        The naive sigmoid ``1 / (1 + exp(-z))`` of each output.
    sigmoid_exact : list of mpmath.mpf
        Exact sigmoids of the stored logits.
    sigmoid_ulp : list of float or None
        ULP error of each sigmoid.
    sigmoid_sum : numpy floating
        The sigmoids summed in `dtype`.
    sigmoid_sum_exact : mpmath.mpf
        The exact sigmoids' sum.
    softmax : numpy.ndarray
        The stable softmax of the same logits, in `dtype`.
    softmax_sum : numpy floating
        Its sum in `dtype` (1 up to rounding).
    per_label : tuple of tuple of Loss
        Per output: naive, Keras on probabilities, from logits, exact.
    sums : tuple of Loss
        The per-output losses of each method summed in `dtype`, and the exact sum.
    means : tuple of Loss
        What ``BinaryCrossentropy(from_logits=True)`` returns for the sample (the
        mean, `core.softmax.functions.keras_label_mean`), and the exact mean.
    messages : tuple of Message
        Explanations of broken or inaccurate values, or a hint.
    """

    dtype: np.dtype
    logits: NDArray[np.floating]
    labels: tuple[int, ...]
    names: tuple[str, ...]
    sigmoid: NDArray[np.floating]
    sigmoid_exact: list[mpmath.mpf]
    sigmoid_ulp: list[float | None]
    sigmoid_sum: np.floating
    sigmoid_sum_exact: mpmath.mpf
    softmax: NDArray[np.floating]
    softmax_sum: np.floating
    per_label: tuple[tuple[Loss, ...], ...]
    sums: tuple[Loss, ...]
    means: tuple[Loss, ...]
    messages: tuple[Message, ...]

    def losses(self, key: str) -> list[Loss]:
        """Return every output's loss computed the way named by `key` (or the exact ones)."""
        return [next(loss for loss in label if loss.key == key) for label in self.per_label]

    @property
    def sum_text(self) -> str:
        """What the sums of sigmoids and softmax say, from their values."""
        count = len(self.labels)
        total = float(self.sigmoid_sum_exact)
        if f"{total:.3g}" == "1":
            said = (
                f"The {count} sigmoids happen to sum to about 1 here ({total:.4g}), but need not:"
            )
        else:
            said = f"The {count} sigmoids sum to {total:.3g}, not 1:"
        said += " each σ(z_i) answers its own yes/no question."
        if not np.isfinite(self.softmax_sum):
            return (
                f"{said} The softmax of these stored logits is {format_float(self.softmax_sum)} "
                f"in {self.dtype.name}, so its sum is too."
            )
        return (
            f"{said} The softmax of the same logits sums to {format_float(self.softmax_sum)} "
            f"in {self.dtype.name}: its outputs share one unit of probability, one answer for "
            "the whole image."
        )

    @property
    def mean_text(self) -> str:
        """What Keras returns for the sample, with the numbers that show it."""
        count = len(self.labels)
        keras, mean = self.means
        return (
            f"Keras' `BinaryCrossentropy(from_logits=True)` = mean of the {count} per-label "
            f"losses = sum / {count}: exactly {format_exact(self.sums[-1].value, 8)} / {count} "
            f"= {format_exact(mean.value, 8)}; its replica in {self.dtype.name} gives "
            f"{format_float(keras.value)}."
        )


def _outputs(indices: NDArray[np.intp] | list[int]) -> str:
    # "output 2", "outputs 0 and 2", "outputs 0, 1 and 3".
    names = [str(i) for i in indices]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ("output " if len(names) == 1 else "outputs ") + listed


def multilabel_report(
    z: list[float], labels: list[int], names: list[str], dtype_name: str
) -> MultilabelReport:
    r"""Compute everything the multi-label mode shows.

    Parameters
    ----------
    z : list of float
        One logit per output, as typed.
    labels : list of int
        One label, 0 or 1, per output.
    names : list of str
        One name per output.
    dtype_name : str
        ``"float16"``, ``"float32"`` or ``"float64"``.

    Returns
    -------
    MultilabelReport
        Values, errors, totals and explanations.

    Notes
    -----
    Output :math:`i` has its own sigmoid and binary cross-entropy; the sample's
    loss is their sum, or, as Keras returns it, their mean:

    .. math::
        L_i = -y_i \log \sigma(z_i) - (1 - y_i) \log(1 - \sigma(z_i)), \quad
        L = \sum_{i=1}^{K} L_i, \quad \bar L = L / K
    """
    dtype = as_dtype(dtype_name)
    with np.errstate(all="ignore"):
        logits = np.asarray(z, dtype=dtype)
    sigmoid = sm.sigmoid_naive(logits)
    sigmoid_exact_values = [sigmoid_exact(v) for v in logits]
    per_label = []
    for logit, a, y in zip(logits, sigmoid, labels, strict=True):
        computed = (
            ("naive", "Naive", sm.binary_cross_entropy_naive(logit, y)[()]),
            ("keras", "Keras on probabilities", sm.binary_cross_entropy_keras_probs(a, y)[()]),
            ("logits", "From logits", sm.binary_cross_entropy_from_logits(logit, y)[()]),
        )
        per_label.append(measured_losses(computed, binary_cross_entropy_exact(logit, y), dtype))
    exact_sum = exact.fsum(label[-1].value for label in per_label)
    with np.errstate(all="ignore"):
        summed = [
            (key, f"Sum, {name}", np.sum([label[i].value for label in per_label], dtype=dtype))
            for i, (key, name) in enumerate(METHODS)
        ]
        softmax = sm.softmax_stable(logits)
        sigmoid_sum, softmax_sum = np.sum(sigmoid, dtype=dtype), np.sum(softmax, dtype=dtype)
    keras_mean = sm.keras_label_mean([label[2].value for label in per_label])
    report = MultilabelReport(
        dtype=dtype,
        logits=logits,
        labels=tuple(labels),
        names=tuple(names),
        sigmoid=sigmoid,
        sigmoid_exact=sigmoid_exact_values,
        sigmoid_ulp=[
            ulp_error(a, r, dtype) for a, r in zip(sigmoid, sigmoid_exact_values, strict=True)
        ],
        sigmoid_sum=sigmoid_sum,
        sigmoid_sum_exact=exact.fsum(sigmoid_exact_values),
        softmax=softmax,
        softmax_sum=softmax_sum,
        per_label=tuple(per_label),
        sums=measured_losses(summed, exact_sum, dtype, exact_label="Sum, exact"),
        means=measured_losses(
            [("mean_logits", "Keras mean, from logits", keras_mean)],
            exact_sum / len(labels),
            dtype,
            "mean_exact",
            "Mean, exact",
        ),
        messages=(),
    )
    return MultilabelReport(**{**report.__dict__, "messages": tuple(_messages(report, z))})


def _messages(report: MultilabelReport, typed: list[float]) -> list[Message]:
    name = report.dtype.name
    finite = np.isfinite(report.logits)
    messages: list[Message] = []
    beyond = np.flatnonzero(~finite)
    if beyond.size:
        largest = landmark_text(format_limits(name).largest, get_format(name))
        values = ", ".join(f"z{i} = {format_float(typed[i])}" for i in beyond)
        losses = "; ".join(
            f"output {i}: from logits {format_float(report.losses('logits')[i].value)}, "
            f"exact {format_exact(report.losses('exact')[i].value, 5)}"
            for i in beyond
        )
        messages.append(
            Message(
                "error",
                f"{values} {'is' if beyond.size == 1 else 'are'} beyond {name}'s range "
                f"(largest {largest}) and stored as ±inf. {losses}.",
                "inf_logit",
            )
        )
    saturated = [(value, np.flatnonzero(finite & (report.sigmoid == value))) for value in (1, 0)]
    saturated = [(value, which) for value, which in saturated if which.size]
    if saturated:
        where = " and ".join(f"to exactly {v} for {_outputs(which)}" for v, which in saturated)
        broken = np.concatenate([which for _, which in saturated])
        naive = report.losses("naive")
        values = ", ".join(f"output {i} gives {format_float(naive[i].value)}" for i in broken)
        sums = {loss.key: loss.value for loss in report.sums}
        messages.append(
            Message(
                "error",
                f"The naive sigmoid rounds {where} in {name}, so log(0) = −inf enters the naive "
                f"loss (inf, or 0 · log(0) = nan): {values}, and the naive sum is "
                f"{format_float(sums['naive'])}. From logits never forms σ(z): its sum is "
                f"{format_float(sums['logits'])}, the exact sum {format_exact(sums['exact'], 5)}.",
                "saturated",
            )
        )
    messages += _keras_messages(report)
    if not messages:
        point = sm.sigmoid_saturation_point(report.dtype)
        messages.append(
            Message(
                "info",
                f"Every loss is finite here. In {name} the naive sigmoid rounds to exactly 1 "
                f"from about z = {point:.1f}: give an output a larger logit to break its "
                "naive loss.",
                "hint",
            )
        )
    return messages


def _keras_messages(report: MultilabelReport) -> list[Message]:
    # Keras on probabilities, where its clip moves the loss away from the exact one.
    dtype = report.dtype
    keras, exact_losses = report.losses("keras"), report.losses("exact")
    off = [
        i
        for i, loss in enumerate(keras)
        if np.isfinite(report.logits[i])
        and (loss.relative_error is None or loss.relative_error > OFF)
        and exact.isfinite(exact_losses[i].value)
    ]
    if not off:
        return []
    eps = dtype.type(sm.KERAS_EPSILON)
    top = dtype.type(1) - eps
    values = ", ".join(
        f"output {i} gives {format_float(keras[i].value)} where the exact loss is "
        f"{format_exact(exact_losses[i].value, 5)}"
        for i in off
    )
    text = (
        f"Keras on probabilities clips σ(z) to [ε, 1 − ε] (ε = "
        f"{format_exact(to_exact(eps), 5)} in {dtype.name}) before the log: {values}."
    )
    broken = [i for i in off if not np.isfinite(keras[i].value)]
    if broken and top == 1:
        text += (
            f" In {dtype.name} 1 − ε rounds to exactly 1, so the clip cannot keep the log "
            f"finite for {_outputs(broken)}."
        )
    return [Message("error" if broken else "warning", text, "keras_off")]
