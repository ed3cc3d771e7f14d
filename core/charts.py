"""Plotly figure builders: pure functions from data (and a style) to a figure.

Naive and stable results are told apart by more than colour everywhere: the
legend names them, naive bars are hatched and naive lines dashed, and broken
(``nan``/``inf``) values are drawn as labelled crosses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

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
BROKEN_MARK = " ⚠"
"""Ends a table cell whose value broke (inf, nan, or a 0 that lost every digit)."""


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


def figure(traces: list[dict], style: ChartStyle, title: str, **layout) -> go.Figure:
    """Return a figure from trace specs, in the style's sizes, without validation.

    Parameters
    ----------
    traces : list of dict
        Plotly trace specs.
    style : ChartStyle
        Sizes for a laptop or a projector.
    title : str
        The chart's title.
    **layout
        Layout entries that replace the shared defaults.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure.
    """
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


def vline(
    x: float, text: str, color: str, width: float, font_size: int, log_x: bool = False
) -> tuple[dict, dict]:
    """Return a dotted vertical line at `x` and its label, as a shape and an annotation.

    Parameters
    ----------
    x : float
        Where the line stands, in data units.
    text : str
        Its label, written at the foot of the line.
    color : str
        Line and label colour.
    width : float
        Line width.
    font_size : int
        Label size.
    log_x : bool, optional
        Whether the x axis is logarithmic.

    Returns
    -------
    tuple of dict
        The shape and the annotation.
    """
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


def marker_line(x: float | None, label: str, style: ChartStyle) -> tuple[list, list]:
    """Return the "you are here" line of a log-x chart, or nothing when `x` is None.

    Parameters
    ----------
    x : float or None
        The current value.
    label : str
        What the line marks.
    style : ChartStyle
        Sizes.

    Returns
    -------
    tuple of list
        Shapes and annotations to add to the layout.
    """
    if x is None:
        return [], []
    shape, note = vline(
        float(x),
        label,
        COLORS["threshold"],
        max(1.0, style.line_width / 2),
        style.font_size - 2,
        log_x=True,
    )
    return [shape], [note]


ERROR_FLOOR = 1e-18
"""Zero errors are drawn here on the log axis."""
BROKEN_LEVEL = 10.0
"""``nan`` results are drawn at this height, above any real relative error."""
FORMAT_COLORS = {
    "float16": "#D55E00",
    "bfloat16": "#CC79A7",
    "float32": "#0072B2",
    "float64": "#009E73",
}
"""A colour per float format."""


def broken_markers(x, y_level: float, name: str, color: str, style: ChartStyle) -> dict:
    """Return a trace of crosses at height `y_level` where a result is nan or inf.

    Parameters
    ----------
    x : sequence of float
        Where the results broke.
    y_level : float
        The height to draw them at.
    name : str
        Legend entry.
    color : str
        Colour of the crosses.
    style : ChartStyle
        Sizes.

    Returns
    -------
    dict
        A scatter trace spec.
    """
    return {
        "type": "scatter",
        "x": np.asarray(x),
        "y": np.full(len(x), y_level),
        "mode": "markers",
        "name": name,
        "marker": {**BROKEN_MARKER, "color": color, "size": style.marker_size},
    }


FORMAT_DASHES = {"float16": "dot", "bfloat16": "dashdot", "float32": "dash", "float64": "solid"}


# The builders below hand plotly plain lists: numpy arrays go through plotly's
# base64 typed-array conversion on every st.plotly_chart, which costs more than
# the whole figure for these few points.


def legend_below(style: ChartStyle) -> dict:
    """Return a horizontal legend below the x axis title (the default sits on it).

    Parameters
    ----------
    style : ChartStyle
        Sizes.

    Returns
    -------
    dict
        A plotly legend spec.
    """
    return {
        "orientation": "h",
        "yanchor": "top",
        "y": -0.3,
        "font": {"size": style.font_size},
    }


VARIANT_STYLES = {
    "A": {"color": "#0072B2", "dash": "solid", "symbol": "circle"},
    "B": {"color": "#E69F00", "dash": "dash", "symbol": "x"},
    "C": {"color": "#009E73", "dash": "dot", "symbol": "diamond"},
    "D": {"color": "#CC79A7", "dash": "dashdot", "symbol": "square"},
}
