"""Plotly figure builders: pure functions from data (and a style) to a figure.

Naive and stable results are told apart by more than colour everywhere: the
legend names them, naive bars are hatched and naive lines dashed, and broken
(``nan``/``inf``) values are drawn as labelled crosses.
"""

from __future__ import annotations

import math
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


def _vline(
    x: float, text: str, color: str, width: float, font_size: int, log_x: bool = False
) -> tuple[dict, dict]:
    # On a log axis plotly places shapes by data value but annotations by log10(value).
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
        "x": float(np.log10(x)) if log_x else x,
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


def _marker_line(x: float | None, label: str, style: ChartStyle) -> tuple[list, list]:
    # The "you are here" line of a log-x chart, or nothing when there is no value.
    if x is None:
        return [], []
    shape, note = _vline(
        float(x),
        label,
        COLORS["threshold"],
        max(1.0, style.line_width / 2),
        style.font_size - 2,
        log_x=True,
    )
    return [shape], [note]


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
        "textfont": {"size": max(10, style.font_size - 4)},
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
        _bar("naive (hatched)", classes, grad_naive, "naive", style),
        _bar("stable (solid)", classes, grad_stable, "stable", style),
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
            thresholds[dtype],
            f"{dtype}: {thresholds[dtype]:.2f}",
            color,
            max(1.0, style.line_width / 2),
            style.font_size - 2,
            log_x=True,
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
            what = " or ".join(sorted({"nan" if np.isnan(v) else "inf" for v in values[~ok]}))
            traces.append(_broken_markers(z[~ok], top, f"{key}: {what} (×)", COLORS[key], style))
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


FORMAT_COLORS = {**DTYPE_COLORS, "bfloat16": "#CC79A7"}
"""A colour per float format, bfloat16 included."""
FORMAT_SYMBOLS = {
    "float16": "circle",
    "bfloat16": "square",
    "float32": "diamond",
    "float64": "triangle-up",
}
FORMAT_DASHES = {"float16": "dot", "bfloat16": "dashdot", "float32": "dash", "float64": "solid"}
_SHAPE_WORDS = {
    "circle": "circles",
    "square": "squares",
    "diamond": "diamonds",
    "triangle-up": "triangles",
    "dot": "dotted",
    "dashdot": "dash-dot",
    "dash": "dashed",
    "solid": "solid",
}


# The builders below hand plotly plain lists: numpy arrays go through plotly's
# base64 typed-array conversion on every st.plotly_chart, which costs more than
# the whole figure for these few points.


def _legend_below(style: ChartStyle) -> dict:
    # Below the x axis title rather than on it (the shared default sits at y = -0.2).
    return {
        "orientation": "h",
        "yanchor": "top",
        "y": -0.3,
        "font": {"size": style.font_size},
    }


def _format_legend(name: str, with_markers: bool) -> str:
    # Formats differ by dash pattern (and marker) as well as colour, and the
    # legend says which, for readers who cannot tell the colours apart.
    shapes = [FORMAT_DASHES.get(name, "solid")]
    if with_markers:
        shapes.insert(0, FORMAT_SYMBOLS.get(name, "circle"))
    return f"{name} ({', '.join(_SHAPE_WORDS[s] for s in shapes)})"


def cancellation_chart(
    ns: Sequence[float],
    relative_errors: Mapping[str, Sequence[float | None]],
    current_n: float | None = None,
    current_label: str = "",
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Relative error of ``(1 + 1/n) - (1 - 1/n)`` as n grows, one line per format.

    Parameters
    ----------
    ns : sequence of float
        The n values (x axis, log).
    relative_errors : mapping
        ``{format: errors}``, one error per n; 0 is drawn at `ERROR_FLOOR`, None
        (an inf or nan result) as a cross at `BROKEN_LEVEL`.
    current_n : float, optional
        The page's n, drawn as a vertical line labelled `current_label`.
    current_label : str, optional
        Text of that line.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Log-log chart with a dotted line at 100% (the result is 0).
    """
    xs = np.asarray(ns, dtype=float)
    traces = []
    for name, errors in relative_errors.items():
        color = FORMAT_COLORS.get(name, "#000000")
        ok = np.array([e is not None for e in errors], dtype=bool)
        values = np.array([e if e is not None else np.nan for e in errors], dtype=float)
        traces.append(
            {
                "type": "scatter",
                "x": xs[ok].tolist(),
                "y": np.maximum(values[ok], ERROR_FLOOR).tolist(),
                "mode": "lines+markers",
                "name": _format_legend(name, with_markers=True),
                "line": {
                    "color": color,
                    "dash": FORMAT_DASHES.get(name, "solid"),
                    "width": style.line_width,
                },
                "marker": {
                    "symbol": FORMAT_SYMBOLS.get(name, "circle"),
                    "size": style.marker_size,
                    "color": color,
                },
            }
        )
        if not ok.all():
            traces.append(
                _broken_markers(xs[~ok], BROKEN_LEVEL, f"{name}: inf or nan (×)", color, style)
            )
    traces.append(
        {
            "type": "scatter",
            "x": [float(xs.min()), float(xs.max())],
            "y": [1.0, 1.0],
            "mode": "lines",
            "name": "100% error: the result is 0",
            "line": {"color": COLORS["exact"], "dash": "dot", "width": 1},
        }
    )
    shapes, notes = _marker_line(current_n, current_label, style)
    return _figure(
        traces,
        style,
        "Relative error of (1 + 1/n) − (1 − 1/n) against the true 2/n",
        shapes=shapes,
        annotations=notes,
        legend=_legend_below(style),
        xaxis={"type": "log", "title": {"text": "n"}, "exponentformat": "power"},
        yaxis={
            "type": "log",
            "title": {"text": "relative error (0 drawn at 1e-18)"},
            "range": [float(np.log10(ERROR_FLOOR)), 1.5],
            "exponentformat": "power",
        },
    )


_GAP_COLOR = "#555555"


def _gap_groups(gaps: NDArray[np.floating]) -> list[tuple[int, int]]:
    """Return (first, last) gap indices of each run of equal gaps."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(gaps) + 1):
        if i == len(gaps) or gaps[i] != gaps[start]:
            groups.append((start, i - 1))
            start = i
    return groups


def number_line_chart(
    offsets: NDArray[np.floating],
    labels: Sequence[str],
    gap_labels: Sequence[str],
    centre_label: str,
    format_name: str,
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Draw the consecutive representable values around a centre on a number line.

    Parameters
    ----------
    offsets : numpy.ndarray
        Ascending ``value - centre`` of each representable value; the centre
        itself has offset 0.
    labels : sequence of str
        Each value as text, written above its tick.
    gap_labels : sequence of str
        The gap between each pair of neighbours; runs of equal gaps share one
        bracket below the line, so a doubling of the gap stands out.
    centre_label : str
        The centre as text, for the axis title.
    format_name : str
        The format, for the title.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Ticks on a line (the centre a diamond), value labels above, gap
        brackets below.
    """
    xs = np.asarray(offsets, dtype=float)
    centre = int(np.argmin(np.abs(xs)))
    gaps = np.diff(xs)
    traces = [
        {
            "type": "scatter",
            "x": [float(xs[0]), float(xs[-1])],
            "y": [0, 0],
            "mode": "lines",
            "line": {"color": "#999999", "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": xs.tolist(),
            "y": [0] * len(xs),
            "mode": "markers",
            "name": f"{format_name} values (ticks)",
            "marker": {
                "symbol": "line-ns-open",
                "size": style.marker_size * 2,
                "color": COLORS["stable"],
                "line": {"width": style.line_width, "color": COLORS["stable"]},
            },
            "hovertext": list(labels),
            "hoverinfo": "text",
        },
        {
            "type": "scatter",
            "x": [float(xs[centre])],
            "y": [0],
            "mode": "markers",
            "name": f"centre {centre_label} (diamond)",
            "marker": {
                "symbol": "diamond",
                "size": style.marker_size * 1.5,
                "color": COLORS["threshold"],
            },
            "hovertext": [labels[centre]],
            "hoverinfo": "text",
        },
    ]
    notes = [
        {
            "x": float(x),
            "y": 0.12,
            "text": text,
            "showarrow": False,
            "textangle": -35,
            "xanchor": "left",
            "yanchor": "bottom",
            "font": {"size": style.font_size - 2},
        }
        for x, text in zip(xs, labels, strict=True)
    ]
    shapes = []
    for first, last in _gap_groups(gaps):
        left, right = float(xs[first]), float(xs[last + 1])
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "y",
                "x0": left,
                "x1": right,
                "y0": -0.3,
                "y1": -0.3,
                "line": {"color": _GAP_COLOR, "width": style.line_width},
            }
        )
        count = last - first + 1
        notes.append(
            {
                "x": (left + right) / 2,
                "y": -0.38,
                "text": f"gap {gap_labels[first]}" + (f" (×{count})" if count > 1 else ""),
                "showarrow": False,
                "yanchor": "top",
                "font": {"size": style.font_size - 2, "color": _GAP_COLOR},
            }
        )
    return _figure(
        traces,
        style,
        f"Neighbouring {format_name} values around {centre_label}",
        shapes=shapes,
        annotations=notes,
        legend=_legend_below(style),
        xaxis={
            "title": {"text": f"distance from {centre_label}"},
            "zeroline": False,
            "showgrid": False,
            "exponentformat": "power",
        },
        yaxis={"visible": False, "range": [-1.0, 1.6], "fixedrange": True},
    )


def gap_staircase_chart(
    curves: Mapping[str, tuple[NDArray[np.floating], NDArray[np.floating]]],
    current: float | None = None,
    current_label: str = "",
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Gap between neighbouring values against magnitude, one staircase per format.

    Parameters
    ----------
    curves : mapping
        ``{format: (magnitudes, gaps)}``; each gap holds from its magnitude to the
        next one.
    current : float, optional
        A magnitude to mark with a vertical line labelled `current_label`.
    current_label : str, optional
        Text of that line.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Log-log staircases: the gap doubles at every power of two.
    """
    traces = [
        {
            "type": "scatter",
            "x": np.asarray(magnitudes).tolist(),
            "y": np.asarray(gaps).tolist(),
            "mode": "lines",
            "name": _format_legend(name, with_markers=False),
            "line": {
                "color": FORMAT_COLORS.get(name, "#000000"),
                "dash": FORMAT_DASHES.get(name, "solid"),
                "width": style.line_width,
                "shape": "hv",
            },
        }
        for name, (magnitudes, gaps) in curves.items()
    ]
    shapes, notes = _marker_line(current if current and current > 0 else None, current_label, style)
    return _figure(
        traces,
        style,
        "The gap grows with the magnitude",
        shapes=shapes,
        annotations=notes,
        legend=_legend_below(style),
        xaxis={"type": "log", "title": {"text": "magnitude |x|"}, "exponentformat": "power"},
        yaxis={
            "type": "log",
            "title": {"text": "gap to the next value"},
            "exponentformat": "power",
        },
    )


VARIANT_STYLES = {
    "A": {"color": "#0072B2", "dash": "solid", "symbol": "circle"},
    "B": {"color": "#E69F00", "dash": "dash", "symbol": "x"},
    "C": {"color": "#009E73", "dash": "dot", "symbol": "diamond"},
    "D": {"color": "#CC79A7", "dash": "dashdot", "symbol": "square"},
}


def _variant_line(key: str, name: str, x, y, style: ChartStyle, mode: str = "lines") -> dict:
    look = VARIANT_STYLES.get(key, VARIANT_STYLES["A"])
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": mode,
        "name": name,
        "line": {"color": look["color"], "dash": look["dash"], "width": style.line_width},
        "marker": {"symbol": look["symbol"], "size": style.marker_size, "color": look["color"]},
    }


def training_loss_chart(
    series: Mapping[str, tuple[NDArray, NDArray]],
    diverged_at: Mapping[str, int | None],
    names: Mapping[str, str],
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Loss of each batch per variant (log scale), with the step where a variant broke.

    Parameters
    ----------
    series : mapping
        ``{variant: (steps, losses)}``, already downsampled.
    diverged_at : mapping
        ``{variant: step}`` where its loss became nan or inf, or None.
    names : mapping
        Legend name per variant.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart; a broken variant ends in a labelled cross.
    """
    traces = []
    finite = [y[np.isfinite(y)] for _, y in series.values()]
    top = max((float(v.max()) for v in finite if v.size), default=1.0)
    broken = 0
    for key, (steps, losses) in series.items():
        traces.append(_variant_line(key, names[key], steps, losses, style))
        step = diverged_at.get(key)
        if step is not None:
            # Training stops at the broken step, so it is the last one recorded.
            last = float(losses[-1]) if len(losses) else float("nan")
            word = "inf" if math.isinf(last) else "nan" if math.isnan(last) else "not finite"
            traces.append(
                _broken_markers(
                    [step],
                    # Each broken variant's cross a little higher: two at one step stay apart.
                    max(top, 1.0) * 1.5 * 1.6**broken,
                    f"{key}: loss {word} (×)",
                    VARIANT_STYLES.get(key, VARIANT_STYLES["A"])["color"],
                    style,
                )
            )
            broken += 1
    return _figure(
        traces,
        style,
        "Loss of each batch",
        xaxis={"title": {"text": "step"}},
        yaxis={"type": "log", "title": {"text": "cross-entropy (log scale)"}},
    )


def logit_peak_chart(
    series: Mapping[str, tuple[NDArray, NDArray]],
    names: Mapping[str, str],
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Largest absolute logit per step, with float32's exp overflow threshold.

    Parameters
    ----------
    series : mapping
        ``{variant: (steps, peaks)}``, already downsampled.
    names : mapping
        Legend name per variant.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, with a line at 88.72.
    """
    traces = [_variant_line(k, names[k], x, y, style) for k, (x, y) in series.items()]
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": 88.72,
        "y1": 88.72,
        "line": {"color": COLORS["threshold"], "dash": "dot", "width": style.line_width / 2},
    }
    note = {
        "xref": "paper",
        "x": 0,
        "y": 88.72,
        "yref": "y",
        "text": "exp(z) overflows float32 for z > 88.72 (z < −88.72 only underflows to 0)",
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "bottom",
        "font": {"size": style.font_size - 2, "color": COLORS["threshold"]},
    }
    return _figure(
        traces,
        style,
        "Largest |logit| per step",
        shapes=[shape],
        annotations=[note],
        xaxis={"title": {"text": "step"}},
        yaxis={"title": {"text": "max |z|"}, "rangemode": "tozero"},
    )


def accuracy_chart(
    epochs: Mapping[str, list[tuple[int, float, float]]],
    names: Mapping[str, str],
    style: ChartStyle = LAPTOP,
) -> go.Figure:
    """Train and test accuracy per epoch and variant.

    Parameters
    ----------
    epochs : mapping
        ``{variant: [(epoch, train_accuracy, test_accuracy), ...]}``.
    names : mapping
        Legend name per variant.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Test accuracy as lines with markers, train accuracy as markers only.
    """
    traces = []
    last = max((r[0] for rows in epochs.values() for r in rows), default=1)
    for key, rows in epochs.items():
        x = [r[0] for r in rows]
        traces.append(
            _variant_line(
                key, f"{names[key]}: test", x, [r[2] for r in rows], style, "lines+markers"
            )
        )
        train = _variant_line(
            key, f"{names[key]}: train (hollow)", x, [r[1] for r in rows], style, "markers"
        )
        train["marker"]["symbol"] = f"{train['marker']['symbol']}-open"
        traces.append(train)
    return _figure(
        traces,
        style,
        "Accuracy per epoch",
        # A tick per epoch while they fit; beyond 20 plotly spaces whole-number ticks.
        xaxis={"title": {"text": "epoch"}, **({"dtick": 1} if last <= 20 else {"tickformat": "d"})},
        yaxis={"title": {"text": "accuracy"}, "range": [0, 1.02]},
        # Two entries per variant wrap onto several rows: start them below the axis title.
        legend={"orientation": "h", "y": -0.3, "font": {"size": style.font_size}},
    )


def confusion_chart(confusion: NDArray, style: ChartStyle = LAPTOP) -> go.Figure:
    """Heat map of ``confusion[true, predicted]`` with the counts written in.

    Parameters
    ----------
    confusion : numpy.ndarray
        ``(k, k)`` counts.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart.
    """
    k = confusion.shape[0]
    labels = [str(i) for i in range(k)]
    trace = {
        "type": "heatmap",
        "z": confusion,
        "x": labels,
        "y": labels,
        "colorscale": "Blues",
        "reversescale": True,
        "text": confusion,
        "texttemplate": "%{text}",
        "showscale": False,
        "hovertemplate": "true %{y}, predicted %{x}: %{z}<extra></extra>",
    }
    return _figure(
        [trace],
        style,
        "Confusion matrix (rows: true digit, columns: predicted)",
        xaxis={"side": "top", "dtick": 1},  # the title names the columns
        yaxis={"title": {"text": "true"}, "autorange": "reversed", "dtick": 1},
    )


def class_probability_chart(
    probabilities: NDArray, true_class: int | None, title: str, style: ChartStyle = LAPTOP
) -> go.Figure:
    """Bars of one image's probability per class, the true class named and the top marked.

    Parameters
    ----------
    probabilities : numpy.ndarray
        ``(k,)`` probabilities.
    true_class : int or None
        The true digit, if known.
    title : str
        Chart title.
    style : ChartStyle, optional
        Sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart.
    """
    top = int(np.argmax(probabilities))
    labels = [
        # The marks go on a second line: narrow bars leave no room beside the digit.
        f"{i}<br>" + ("✓" if i == true_class else "") + ("▲" if i == top else "")
        for i in range(len(probabilities))
    ]
    colors = [COLORS["stable"] if i == top else "#9ab7d3" for i in range(len(probabilities))]
    trace = {
        "type": "bar",
        "x": labels,
        "y": probabilities,
        "marker": {"color": colors},
        # Only the top and the true class are written out: ten labels over narrow bars
        # run together, and plotly would shrink them to a few pixels.
        "text": [
            f"{p:.0%}" if i in (top, true_class) and p >= 0.005 else ""
            for i, p in enumerate(probabilities)
        ],
        "textposition": "outside",
        "textfont": {"size": style.font_size - 3},
        "constraintext": "none",
        "cliponaxis": False,
        "showlegend": False,
    }
    return _figure(
        [trace],
        style,
        title,
        # Every digit gets its tick (plotly thins crowded ones), with its ✓ and ▲ marks.
        xaxis={"type": "category", "tickangle": 0, "tickmode": "linear", "dtick": 1},
        yaxis={"range": [0, 1.15], "tickformat": ".0%"},
        height=260,
    )
