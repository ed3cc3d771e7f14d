"""Charts of the round-off lesson: cancellation, the number line, the gap staircase."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from core.charts import (
    BROKEN_LEVEL,
    COLORS,
    ERROR_FLOOR,
    FORMAT_COLORS,
    FORMAT_DASHES,
    LAPTOP,
    ChartStyle,
    broken_markers,
    decade_step,
    figure,
    log_axis,
    marker_line,
)

FORMAT_SYMBOLS = {
    "float16": "circle",
    "bfloat16": "square",
    "float32": "diamond",
    "float64": "triangle-up",
}


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
                broken_markers(xs[~ok], BROKEN_LEVEL, f"{name}: inf or nan (×)", color, style)
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
    shapes, notes = marker_line(current_n, current_label, style)
    return figure(
        traces,
        style,
        "Relative error of (1 + 1/n) − (1 − 1/n) against the true 2/n",
        shapes=shapes,
        annotations=notes,
        xaxis=log_axis("n", decade_step(*np.log10([xs.min(), xs.max()]))),
        yaxis=log_axis(
            "relative error (0 drawn at 10⁻¹⁸)",
            decade_step(np.log10(ERROR_FLOOR), 1.5),
            range=[float(np.log10(ERROR_FLOOR)), 1.5],
        ),
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
            "font": {"size": style.small_size},
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
                "font": {"size": style.small_size, "color": _GAP_COLOR},
            }
        )
    return figure(
        traces,
        style,
        f"Neighbouring {format_name} values around {centre_label}",
        shapes=shapes,
        annotations=notes,
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
    shapes, notes = marker_line(current if current and current > 0 else None, current_label, style)
    magnitudes = np.concatenate([np.asarray(m, dtype=float) for m, _ in curves.values()])
    gaps = np.concatenate([np.asarray(g, dtype=float) for _, g in curves.values()])
    return figure(
        traces,
        style,
        "The gap grows with the magnitude",
        shapes=shapes,
        annotations=notes,
        xaxis=log_axis("magnitude |x|", _decades(magnitudes)),
        yaxis=log_axis("gap to the next value", _decades(gaps)),
    )


def _decades(values: NDArray[np.floating]) -> int:
    """Return `decade_step` for the positive values drawn on a log axis."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not positive.size:
        return 1
    return decade_step(*np.log10([positive.min(), positive.max()]))
