"""The softmax lesson's per-class table: every step of both softmaxes, as text."""

from __future__ import annotations

import numpy as np

from core.charts import BROKEN_MARK
from core.numerics.exact import ulp_error
from core.numerics.text import format_error, format_exact, format_float
from core.softmax.multilabel import MultilabelReport
from core.softmax.report import KerasComparison, SoftmaxReport


def flagged(value: float | np.floating, truly_zero: bool = False) -> str:
    """Return a value's shortest text, marked with `BROKEN_MARK` when it is broken.

    Parameters
    ----------
    value : float or numpy floating
        An exponential or a probability.
    truly_zero : bool, optional
        Whether the exact value is 0 too (``exp(-inf)``, the probability of a
        ``-inf`` logit): then a 0 is right, not an underflow.

    Returns
    -------
    str
        The text, with the mark for ``inf``, ``-inf``, ``nan`` and a 0 that
        should not be.
    """
    text = format_float(value)
    broken = text in ("inf", "-inf", "nan") or (value == 0 and not truly_zero)
    return text + BROKEN_MARK if broken else text


COLUMN_VIEWS: dict[str, tuple[str, ...] | None] = {
    "probabilities": ("class", "naive p", "stable p", "exact p"),
    "naive": ("class", "z", "exp(z)", "naive p"),
    "stable": ("class", "z − max(z)", "exp(z − max(z))", "stable p", "∂L/∂z"),
    "errors": ("class", "naive rel. err", "naive ULP", "stable rel. err", "stable ULP"),
    "all": None,
}
"""Groups of the per-class table's columns, each few enough to fit a projector's width."""
VIEW_LABELS = {
    "probabilities": "Probabilities",
    "naive": "Naive steps",
    "stable": "Stable steps",
    "errors": "Errors",
    "all": "All columns",
}
"""What the page calls each of `COLUMN_VIEWS`."""


def per_class_columns(report: SoftmaxReport, view: str = "all") -> dict[str, list[str]]:
    """Return the per-class table: logits, exponentials, probabilities and their errors.

    Parameters
    ----------
    report : SoftmaxReport
        The page's computation.
    view : str, optional
        One of `COLUMN_VIEWS`: every column, or a few of them (presentation
        mode's larger type fits four or five across a projector).

    Returns
    -------
    dict
        Column title to one text cell per class.
    """
    # A 0 is flagged unless the exact value is 0 too (a -inf logit: probability exactly 0).
    exact_zero = [p == 0 for p in report.p_exact]
    columns = {
        "class": [f"{i}" + (" (true)" if i == report.y else "") for i in range(report.logits.size)],
        "z": [format_float(v) for v in report.logits],
        "exp(z)": [
            flagged(e, z)
            for e, z in zip(report.exp_logits, np.isneginf(report.logits), strict=True)
        ],
        "z − max(z)": [format_float(v) for v in report.shifted],
        "exp(z − max(z))": [format_float(v) for v in report.exp_shifted],
        "naive p": [flagged(v, z) for v, z in zip(report.p_naive, exact_zero, strict=True)],
        "stable p": [flagged(v, z) for v, z in zip(report.p_stable, exact_zero, strict=True)],
        "exact p": [format_exact(v) for v in report.p_exact],
        "∂L/∂z": [format_float(v) for v in report.grad_stable],
        "naive rel. err": [format_error(e) for e in report.naive_rel],
        "naive ULP": [format_error(e) for e in report.naive_ulp],
        "stable rel. err": [format_error(e) for e in report.stable_rel],
        "stable ULP": [format_error(e) for e in report.stable_ulp],
    }
    shown = COLUMN_VIEWS[view]
    return columns if shown is None else {title: columns[title] for title in shown}


def keras_columns(rows: list[KerasComparison]) -> dict[str, list[str]]:
    """Return the table of Softmax Lab's losses against real TensorFlow's.

    Parameters
    ----------
    rows : list of KerasComparison
        One row per model ending and loss, from `compare_with_keras`.

    Returns
    -------
    dict
        Column title to cells; the set-ups are between backticks, as code.
    """
    return {
        "Keras model ending + loss": [f"`{r.setup}`" for r in rows],
        "Softmax Lab": [format_float(r.ours) for r in rows],
        "TensorFlow": [format_float(r.keras) for r in rows],
        "agree": [r.verdict for r in rows],
    }


MULTILABEL_VIEWS: dict[str, tuple[str, ...] | None] = {
    "sigmoid": ("output", "z", "y", "σ(z)", "exact σ(z)", "σ ULP"),
    "losses": ("output", "naive loss", "Keras loss", "from logits", "exact loss"),
    "errors": ("output", "naive ULP", "Keras ULP", "from-logits ULP"),
    "softmax": ("output", "z", "σ(z)", "softmax(z)"),
    "all": None,
}
"""Groups of the per-output table's columns, each few enough to fit a projector's width."""
MULTILABEL_VIEW_LABELS = {
    "sigmoid": "Sigmoids",
    "losses": "Losses",
    "errors": "ULP errors",
    "softmax": "Against softmax",
    "all": "All columns",
}
"""What the page calls each of `MULTILABEL_VIEWS`."""
OUTPUT_COLUMN = "output"
"""The per-output table's first column: each output's number and name, the student's text."""


def multilabel_columns(report: MultilabelReport, view: str = "all") -> dict[str, list[str]]:
    """Return the per-output table, with a last row of sums.

    Parameters
    ----------
    report : MultilabelReport
        The multi-label computation.
    view : str, optional
        One of `MULTILABEL_VIEWS`.

    Returns
    -------
    dict
        Column title to one text cell per output and one for the sums ("Σ").
        The `OUTPUT_COLUMN` cells hold the student's names: plain text, for the
        page to escape, never to mark up.
    """
    saturated = [
        a in (0, 1) and np.isfinite(z) for a, z in zip(report.sigmoid, report.logits, strict=True)
    ]

    sums = {loss.key: loss for loss in report.sums}

    def losses(key: str) -> list[str]:
        # Each output's loss, then their sum; a 0 is right only where the exact loss is 0.
        pairs = [*zip(report.losses(key), report.losses("exact"), strict=True)]
        pairs.append((sums[key], sums["exact"]))
        return [flagged(loss.value, exact.value == 0) for loss, exact in pairs]

    def ulps(key: str) -> list[str]:
        return [format_error(loss.ulp_error) for loss in [*report.losses(key), sums[key]]]

    sigmoid_sum_ulp = ulp_error(report.sigmoid_sum, report.sigmoid_sum_exact, report.dtype)
    columns = {
        OUTPUT_COLUMN: [f"{i}: {name}" for i, name in enumerate(report.names)] + ["Σ"],
        "z": [format_float(v) for v in report.logits] + [""],
        "y": [str(y) for y in report.labels] + [""],
        "σ(z)": [
            format_float(a) + (BROKEN_MARK if broken else "")
            for a, broken in zip(report.sigmoid, saturated, strict=True)
        ]
        + [format_float(report.sigmoid_sum)],
        "exact σ(z)": [format_exact(a) for a in report.sigmoid_exact]
        + [format_exact(report.sigmoid_sum_exact)],
        "σ ULP": [format_error(u) for u in report.sigmoid_ulp] + [format_error(sigmoid_sum_ulp)],
        "softmax(z)": [flagged(p) for p in report.softmax] + [format_float(report.softmax_sum)],
        "naive loss": losses("naive"),
        "Keras loss": losses("keras"),
        "from logits": losses("logits"),
        "exact loss": [format_exact(loss.value) for loss in report.losses("exact")]
        + [format_exact(sums["exact"].value)],
        "naive ULP": ulps("naive"),
        "Keras ULP": ulps("keras"),
        "from-logits ULP": ulps("logits"),
    }
    shown = MULTILABEL_VIEWS[view]
    return columns if shown is None else {title: columns[title] for title in shown}
