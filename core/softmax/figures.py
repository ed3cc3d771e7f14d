"""Charts of the softmax lesson: probabilities, gradients, where naive breaks, the binary loss."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from core.charts import (
    BROKEN_LEVEL,
    BROKEN_MARKER,
    COLORS,
    DASHES,
    ERROR_FLOOR,
    FORMAT_COLORS,
    LAPTOP,
    ChartStyle,
    broken_markers,
    decade_step,
    figure,
    log_axis,
    vline,
)


def _finite_or_zero(values: NDArray[np.floating]) -> list[float]:
    return [float(v) if np.isfinite(v) else 0.0 for v in values]


def _value_labels(values: NDArray[np.floating]) -> list[str]:
    return [f"{float(v):.3g}" if np.isfinite(v) else str(v) for v in values]


def _bar(
    name: str, x: list[str], values: NDArray[np.floating], method: str, style: ChartStyle
) -> dict:
    marker = {"color": COLORS[method]}
    if method == "naive":
        marker["pattern"] = {"shape": "/", "solidity": 0.4}
    return {
        "type": "bar",
        "name": name,
        "x": x,
        "y": _finite_or_zero(values),
        "marker": marker,
        "text": _value_labels(values),
        "textposition": "outside",
        "textfont": {"size": style.small_size},
        "cliponaxis": False,
    }


def probability_bars(
    p_naive: NDArray[np.floating],
    p_stable: NDArray[np.floating],
    p_exact: Sequence[float],
    y: int,
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Bar chart of naive and stable probabilities with the exact values marked.

    Parameters
    ----------
    p_naive, p_stable : numpy.ndarray
        Probabilities per class; ``nan`` bars are drawn at 0 and labelled.
    p_exact : sequence of float
        Exact probabilities, drawn as diamonds.
    y : int
        True class, named on its tick.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart.
    """
    classes = [f"class {i}" + (" (true)" if i == y else "") for i in range(len(p_stable))]
    traces = [
        _bar("naive exp(z)/Σexp(z) (hatched)", classes, p_naive, "naive", style),
        _bar("stable, max shift (solid)", classes, p_stable, "stable", style),
        {
            "type": "scatter",
            "x": classes,
            "y": [float(v) for v in p_exact],
            "mode": "markers",
            "name": "exact (diamonds)",
            "marker": {"symbol": "diamond", "size": style.marker_size, "color": COLORS["exact"]},
        },
    ]
    return figure(
        traces, style, "Probabilities", barmode="group", yaxis={"range": [0, 1.18], "title": "p"}
    )


def gradient_bars(
    grad_naive: NDArray[np.floating],
    grad_stable: NDArray[np.floating],
    y: int,
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Bar chart of the loss gradient ``p - onehot(y)`` on each logit.

    Parameters
    ----------
    grad_naive, grad_stable : numpy.ndarray
        Gradients per class; ``nan`` bars are drawn at 0 and labelled.
    y : int
        True class.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart.
    """
    classes = [f"z{i}" + (" (true)" if i == y else "") for i in range(len(grad_stable))]
    traces = [
        _bar("naive (hatched)", classes, grad_naive, "naive", style),
        _bar("stable (solid)", classes, grad_stable, "stable", style),
    ]
    return figure(
        traces,
        style,
        "Gradient of the loss: ∂L/∂z = p − onehot(y)",
        barmode="group",
        yaxis={"range": [-1.3, 1.3]},
    )


def breakdown_chart(
    scales: NDArray[np.floating],
    curves: Mapping[str, tuple[NDArray[np.floating], NDArray[np.floating]]],
    thresholds: Mapping[str, float],
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Relative error of naive and stable softmax as the logit scale grows.

    Parameters
    ----------
    scales : numpy.ndarray
        Logit scales (x axis, log).
    curves : mapping
        ``{dtype: (naive_error, stable_error)}``; ``nan`` marks a broken result.
    thresholds : mapping
        ``{dtype: log(max)}``, drawn as vertical lines.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Log-log chart; broken results are crosses on a "nan" line at the top,
        with one legend entry for all of them (each names its format on hover).
    """
    traces, shapes, notes = [], [], []
    for dtype, (naive, stable) in curves.items():
        color = FORMAT_COLORS.get(dtype, "#000000")
        for method, errors in (("naive", naive), ("stable", stable)):
            ok = np.isfinite(errors)
            traces.append(
                {
                    "type": "scatter",
                    "x": scales[ok],
                    "y": np.maximum(errors[ok], ERROR_FLOOR),
                    "mode": "lines",
                    "name": f"{dtype} {method}" + (" (dashed)" if method == "naive" else ""),
                    "line": {"color": color, "dash": DASHES[method], "width": style.line_width},
                }
            )
            if not ok.all():
                cross = broken_markers(
                    scales[~ok], BROKEN_LEVEL, f"{dtype} {method}: nan (×)", color, style
                )
                # Named on hover; the legend has one entry for every format's crosses.
                traces.append({**cross, "showlegend": False})
        shape, note = vline(
            thresholds[dtype],
            f"{dtype}: {thresholds[dtype]:.2f}",
            color,
            max(1.0, style.line_width / 2),
            style.small_size,
            log_x=True,
        )
        # One label a line higher than the last: on a narrow chart neighbouring
        # thresholds stand closer than their labels are wide.
        note["yshift"] = len(notes) * round(style.small_size * 1.8)
        note["bgcolor"] = "rgba(255, 255, 255, 0.85)"
        shapes.append(shape)
        notes.append(note)
    if any(t.get("showlegend") is False for t in traces):
        traces.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "name": "nan (×, in the format's colour)",
                "marker": {**BROKEN_MARKER, "color": COLORS["exact"], "size": style.marker_size},
            }
        )
    low = float(np.log10(ERROR_FLOOR))
    return figure(
        traces,
        style,
        "Where does naive break? Largest relative error for logits [s, s−1, s−2]",
        shapes=shapes,
        annotations=notes,
        xaxis=log_axis("logit scale s"),
        yaxis=log_axis(
            "relative error (nan drawn at 10)",
            decade_step(low, 1.5),
            range=[low, 1.5],
        ),
    )


def binary_loss_chart(
    z: NDArray[np.floating],
    losses: Mapping[str, NDArray[np.floating]],
    saturation: float,
    current: float | None = None,
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Binary cross-entropy over a range of logits, each way, with the saturation marked.

    Parameters
    ----------
    z : numpy.ndarray
        Logits.
    losses : mapping
        ``{"naive", "keras", "logits", "exact"}`` loss arrays; ``inf`` values
        are drawn as crosses at the top.
    saturation : float
        Logit from which the naive sigmoid is exactly 1.
    current : float, optional
        The page's current logit, drawn as a vertical line.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart.
    """
    names = {
        "exact": "exact (wide, pale)",
        "logits": "from logits",
        "keras": "Keras on probabilities, clipped (dotted)",
        "naive": "naive (dashed)",
    }
    finite = [v[np.isfinite(v)] for v in losses.values()]
    top = max(float(v.max()) for v in finite if v.size) * 1.1 + 1
    traces = []
    for key in ("exact", "logits", "keras", "naive"):
        values = losses[key]
        ok = np.isfinite(values)
        traces.append(
            {
                "type": "scatter",
                "x": z[ok],
                "y": values[ok],
                "mode": "lines",
                "name": names[key],
                "opacity": 0.45 if key == "exact" else 1,
                "line": {
                    "color": COLORS[key],
                    "dash": DASHES[key],
                    "width": style.line_width * (2.5 if key == "exact" else 1),
                },
            }
        )
        if not ok.all():
            what = " or ".join(sorted({"nan" if np.isnan(v) else "inf" for v in values[~ok]}))
            traces.append(broken_markers(z[~ok], top, f"{key}: {what} (×)", COLORS[key], style))
    shapes, notes = [], []
    marks = [(saturation, f"σ(z) rounds to 1 from z ≈ {saturation:.1f}", COLORS["threshold"])]
    if current is not None:
        marks.append((current, "your z", "#555555"))
    for x, text, color in marks:
        if z.min() <= x <= z.max():
            shape, note = vline(x, text, color, style.line_width / 2, style.small_size)
            shapes.append(shape)
            notes.append(note)
    return figure(
        traces,
        style,
        "Binary cross-entropy over the logit",
        shapes=shapes,
        annotations=notes,
        xaxis={"title": {"text": "logit z"}},
        yaxis={"title": {"text": "loss"}, "range": [0, top * 1.05]},
    )


def sigmoid_softmax_bars(
    names: Sequence[str],
    sigmoid: NDArray[np.floating],
    softmax: NDArray[np.floating],
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    r"""Bar chart of each output's sigmoid beside the softmax of the same logits.

    Parameters
    ----------
    names : sequence of str
        One name per output, the student's text: escaped here, since plotly
        reads tags in tick labels.
    sigmoid, softmax : numpy.ndarray
        :math:`\sigma(z_i)` and :math:`\mathrm{softmax}(z)_i`; ``nan`` bars are
        drawn at 0 and labelled.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Grouped bars; each legend entry gives its sum, computed from the values.

    Notes
    -----
    .. math::
        \sigma(z_i) = \frac{1}{1 + e^{-z_i}}, \quad
        \mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_k e^{z_k}}
    """
    outputs = [f"{i}: {escape(name)}" for i, name in enumerate(names)]
    totals = [float(np.sum(np.asarray(v, dtype=np.float64))) for v in (sigmoid, softmax)]
    traces = [
        _bar(f"sigmoid σ(z_i) each, sum {totals[0]:.3g}", outputs, sigmoid, "keras", style),
        _bar(f"softmax(z)_i, sum {totals[1]:.3g}", outputs, softmax, "stable", style),
    ]
    return figure(
        traces,
        style,
        "One sigmoid per output against one softmax",
        barmode="group",
        yaxis={"range": [0, 1.18], "title": "probability"},
    )
