"""Plotly figure builders: pure functions from data (and a style) to a figure.

Naive and stable results are told apart by more than colour everywhere: the
legend names them, naive bars are hatched and naive lines dashed, and broken
(``nan``/``inf``) values are drawn as labelled crosses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

# Okabe-Ito, as in .streamlit/config.toml.
COLORS = {
    "naive": "#E69F00",
    "stable": "#0072B2",
    "keras": "#009E73",
    "logits": "#0072B2",
    "exact": "#000000",
    "threshold": "#CC79A7",
}
DASHES = {"naive": "dash", "stable": "solid", "keras": "dot", "logits": "solid", "exact": "solid"}
BROKEN_MARKER = {"symbol": "x-thin-open", "line": {"width": 3}}


@dataclass(frozen=True)
class ChartStyle:
    """Sizes for a laptop screen or, enlarged, for a projector.

    Attributes
    ----------
    font_size : int
        Base font size of titles, ticks and legends.
    line_width : float
        Width of lines.
    marker_size : int
        Size of markers.
    height : int
        Figure height in pixels.
    """

    font_size: int = 14
    line_width: float = 2.5
    marker_size: int = 9
    height: int = 360


LAPTOP = ChartStyle()
PROJECTOR = ChartStyle(font_size=22, line_width=5, marker_size=16, height=480)


def _figure(traces: list[dict], style: ChartStyle, title: str, **layout) -> go.Figure:
    # Validation costs about 20 ms a figure, too slow for a live slider; the
    # specs are validated once, in the unit tests, instead.
    spec = {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": style.font_size + 2}},
            "font": {"size": style.font_size},
            "height": style.height,
            "margin": {"l": 10, "r": 10, "t": 50 + style.font_size, "b": 10},
            "legend": {"orientation": "h", "y": -0.2, "font": {"size": style.font_size}},
            # No plotly.py template: Streamlit's chart theme styles the figure in the
            # browser, and expanding the default template here costs milliseconds.
            "template": {},
            **layout,
        },
    }
    return go.Figure(spec, _validate=False)


def _vline(x: float, text: str, color: str, width: float, font_size: int) -> tuple[dict, dict]:
    shape = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "dash": "dot", "width": width},
    }
    note = {
        "x": x,
        "xref": "x",
        "y": 0,
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "bottom",
        "font": {"size": font_size, "color": color},
    }
    return shape, note


def _finite_or_zero(values: NDArray[np.floating]) -> list[float]:
    return [float(v) if np.isfinite(v) else 0.0 for v in values]


def _value_labels(values: NDArray[np.floating]) -> list[str]:
    return [f"{float(v):.3g}" if np.isfinite(v) else str(v) for v in values]


def _bar(name: str, x: list[str], values: NDArray[np.floating], method: str) -> dict:
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
        _bar("naive exp(z)/Σexp(z) (hatched)", classes, p_naive, "naive"),
        _bar("stable, max shift (solid)", classes, p_stable, "stable"),
        {
            "type": "scatter",
            "x": classes,
            "y": [float(v) for v in p_exact],
            "mode": "markers",
            "name": "exact (diamonds)",
            "marker": {"symbol": "diamond", "size": style.marker_size, "color": COLORS["exact"]},
        },
    ]
    return _figure(
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
        _bar("naive (hatched)", classes, grad_naive, "naive"),
        _bar("stable (solid)", classes, grad_stable, "stable"),
    ]
    return _figure(
        traces,
        style,
        "Gradient of the loss: ∂L/∂z = p − onehot(y)",
        barmode="group",
        yaxis={"range": [-1.3, 1.3]},
    )


ERROR_FLOOR = 1e-18
"""Zero errors are drawn here on the log axis."""
BROKEN_LEVEL = 10.0
"""``nan`` results are drawn at this height, above any real relative error."""
DTYPE_COLORS = {"float16": "#D55E00", "float32": "#0072B2", "float64": "#009E73"}


def _broken_markers(x, y_level: float, name: str, color: str, style: ChartStyle) -> dict:
    return {
        "type": "scatter",
        "x": np.asarray(x),
        "y": np.full(len(x), y_level),
        "mode": "markers",
        "name": name,
        "marker": {**BROKEN_MARKER, "color": color, "size": style.marker_size},
    }


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
        Log-log chart; broken results are crosses on a "nan" line at the top.
    """
    traces, shapes, notes = [], [], []
    for dtype, (naive, stable) in curves.items():
        color = DTYPE_COLORS.get(dtype, "#000000")
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
                traces.append(
                    _broken_markers(
                        scales[~ok], BROKEN_LEVEL, f"{dtype} {method}: nan (×)", color, style
                    )
                )
        shape, note = _vline(
            np.log10(thresholds[dtype]),
            f"{dtype}: {thresholds[dtype]:.2f}",
            color,
            max(1.0, style.line_width / 2),
            style.font_size - 2,
        )
        shapes.append(shape)
        notes.append(note)
    return _figure(
        traces,
        style,
        "Where does naive break? Largest relative error for logits [s, s−1, s−2]",
        shapes=shapes,
        annotations=notes,
        xaxis={"type": "log", "title": {"text": "logit scale s"}},
        yaxis={
            "type": "log",
            "title": {"text": "relative error (nan drawn at 10)"},
            "range": [float(np.log10(ERROR_FLOOR)), 1.5],
        },
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
            traces.append(_broken_markers(z[~ok], top, f"{key}: inf (×)", COLORS[key], style))
    shapes, notes = [], []
    marks = [(saturation, f"σ(z) rounds to 1 from z ≈ {saturation:.1f}", COLORS["threshold"])]
    if current is not None:
        marks.append((current, "your z", "#555555"))
    for x, text, color in marks:
        if z.min() <= x <= z.max():
            shape, note = _vline(x, text, color, style.line_width / 2, style.font_size - 2)
            shapes.append(shape)
            notes.append(note)
    return _figure(
        traces,
        style,
        "Binary cross-entropy over the logit",
        shapes=shapes,
        annotations=notes,
        xaxis={"title": {"text": "logit z"}},
        yaxis={"title": {"text": "loss"}, "range": [0, top * 1.05]},
    )
