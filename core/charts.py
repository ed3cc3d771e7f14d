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
        Font size of axis titles and legends (the chart title is 2 px larger).
    small_size : int
        Font size of tick labels, value labels on bars and line labels.
    line_width : float
        Width of lines.
    marker_size : int
        Size of markers.
    height : int
        Figure height in pixels.
    """

    font_size: int = 15
    small_size: int = 13
    line_width: float = 2.5
    marker_size: int = 9
    height: int = 360


LAPTOP = ChartStyle()
PROJECTOR = ChartStyle(font_size=22, small_size=20, line_width=5, marker_size=16, height=480)
"""A laptop's text is at least 13 px and a projector's at least 20 px, tick labels included."""


def _axis(spec: dict, style: ChartStyle) -> dict:
    """Return an axis spec with the style's tick and title sizes, powers of ten and `spec`."""
    title = spec.get("title", {})
    title = {"text": title} if isinstance(title, str) else title
    return {
        "tickfont": {"size": style.small_size},
        "exponentformat": "power",
        **spec,
        "title": {**title, "font": {"size": style.font_size, **title.get("font", {})}},
    }


class SpecFigure(go.Figure):
    """A Plotly figure kept as the JSON spec it was built from, until its objects are read.

    Streamlit sends any figure as ``to_dict()``. Plotly's own `Figure` first deep-copies
    the spec into trace and layout objects and ``to_dict()`` copies them back, about a
    millisecond for the number line, on every rerun of a live control. This figure hands
    Streamlit its spec as it is; reading `data` or `layout`, or any other use of Plotly's
    objects, builds the Plotly figure once, and from then on it is that figure.

    Parameters
    ----------
    spec : dict
        ``{"data": [...], "layout": {...}}``, as Plotly's JSON schema has it.
    """

    def __init__(self, spec: dict) -> None:
        # No Figure.__init__: building Plotly's objects is what this class puts off.
        self._spec = spec
        self._plotly: go.Figure | None = None

    def _built(self) -> go.Figure:
        if self._plotly is None:
            self._plotly = go.Figure(self._spec, _validate=False)
        return self._plotly

    def __getattr__(self, name: str):
        # Only attributes missing from this object land here: Plotly's own internals,
        # which the methods this class inherits read from the built figure.
        if name in ("_spec", "_plotly"):
            raise AttributeError(name)
        return getattr(self._built(), name)

    @property
    def data(self):
        """The traces, as Plotly's objects."""
        return self._built().data

    @property
    def layout(self):
        """The layout, as Plotly's object."""
        return self._built().layout

    def to_dict(self) -> dict:
        """Return the spec (not a copy) or, once Plotly's objects exist, theirs."""
        return self._spec if self._plotly is None else self._plotly.to_dict()

    def to_plotly_json(self) -> dict:
        """Return the same as `to_dict`."""
        return self.to_dict()


def figure(traces: list[dict], style: ChartStyle, title: str, **layout) -> go.Figure:
    """Return a figure from trace specs, in the style's sizes, without validation.

    Every text gets an explicit size from the style (Streamlit's chart theme
    would otherwise set tick labels at 12 px on a laptop), numbers on the axes
    are written with powers of ten (``10⁻⁵``, never the SI ``10µ``) and the
    legend sits below the x axis title or, when it would take more than
    `LEGEND_BELOW_ROWS` rows there, beside the plot: never on an axis title.

    Parameters
    ----------
    traces : list of dict
        Plotly trace specs.
    style : ChartStyle
        Sizes for a laptop or a projector.
    title : str
        The chart's title.
    **layout
        Layout entries that replace the shared defaults; ``xaxis`` and ``yaxis``
        are merged into the shared axis defaults instead.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure.
    """
    # Validation costs about 20 ms a figure, too slow for a live slider; the
    # specs are validated once, in the unit tests, instead (SpecFigure).
    axes = {name: _axis(layout.pop(name, {}), style) for name in ("xaxis", "yaxis")}
    names = [str(t.get("name", "")) for t in traces if t.get("showlegend", True)]
    below = legend_rows(names, style) <= LEGEND_BELOW_ROWS
    legend = legend_below(style) if below else legend_beside(style)
    spec = {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": style.font_size + 2}},
            "font": {"size": style.font_size},
            "height": style.height,
            "margin": {"l": 10, "r": 10, "t": 50 + style.font_size, "b": 10},
            "legend": legend,
            # No plotly.py template: Streamlit's chart theme styles the figure in the
            # browser, and expanding the default template here costs milliseconds.
            "template": {},
            **axes,
            **layout,
        },
    }
    return SpecFigure(spec)


def decade_step(low: float, high: float, max_ticks: int = 8) -> int:
    """Return how many decades apart the labelled ticks of a log axis stand.

    Parameters
    ----------
    low, high : float
        The axis range as powers of ten (``-18`` for 10⁻¹⁸).
    max_ticks : int, optional
        Most labels wanted along the axis.

    Returns
    -------
    int
        1 while every decade fits, else the fewest decades that keep the labels
        at most `max_ticks`.
    """
    return max(1, int(np.ceil((high - low) / max_ticks)))


def log_axis(title: str, decades: int = 1, **extra) -> dict:
    """Return a log axis whose labels are powers of ten only.

    Plotly labels a log axis spanning a decade or two at 2 and 5 as well
    ("5, 2, 10, 5, 2"), which reads as a linear scale; here only whole decades
    carry a label, and unlabelled grid lines mark the decades between labels
    (or 2 to 9 within a decade).

    Parameters
    ----------
    title : str
        The axis title.
    decades : int, optional
        Decades between labels (see `decade_step`).
    **extra
        Further axis entries, such as ``range``.

    Returns
    -------
    dict
        A plotly axis spec (its tick and title sizes come from `figure`).
    """
    axis = {
        "type": "log",
        "title": {"text": title},
        "tick0": 0,
        "dtick": decades,
        "exponentformat": "power",
        **extra,
    }
    # Unlabelled grid lines between the labels: each decade, or 2 to 9 within one.
    axis["minor"] = {"dtick": 1 if decades > 1 else "D1", "showgrid": True}
    return axis


def count_axis(title: str, last: float, max_ticks: int = 10) -> dict:
    """Return a linear axis of whole counts (steps, epochs): integer ticks only.

    Parameters
    ----------
    title : str
        The axis title.
    last : float
        The largest count drawn.
    max_ticks : int, optional
        Most labels wanted along the axis.

    Returns
    -------
    dict
        A plotly axis spec whose ticks are 1, 2, 5, 10, 20, 50... apart and
        written as integers, so a short run never shows step 2.5.
    """
    steps = (m * 10**k for k in range(20) for m in (1, 2, 5))
    step = next(s for s in steps if last / s <= max_ticks)
    return {"title": {"text": title}, "tick0": 0, "dtick": step, "tickformat": "d"}


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
        style.small_size,
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


LEGEND_BELOW_ROWS = 2
"""Most rows of legend below a chart; a longer legend goes in a column beside it."""
LEGEND_ROW_PX = 400
"""Width of a legend row: a laptop's half-width chart, the narrowest the pages draw."""


def legend_rows(names: list[str], style: ChartStyle, width: float = LEGEND_ROW_PX) -> int:
    """Return how many rows a horizontal legend of these entries takes at most.

    Parameters
    ----------
    names : list of str
        The legend's entries.
    style : ChartStyle
        Sizes.
    width : float, optional
        The narrowest the chart is drawn, in pixels.

    Returns
    -------
    int
        Rows, each entry taken as its symbol (40 px) and about 0.55 em a character.
    """
    rows, used = 0, width
    for name in names:
        entry = 40 + 0.55 * style.font_size * len(name)
        if used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def legend_below(style: ChartStyle) -> dict:
    """Return a horizontal legend below the x axis title (the default sits on it).

    One or two rows fit between the axis title and the figure's foot; a legend
    of more rows pushes the plot up until it lies on the axis title again, so
    `figure` puts a legend of more than `LEGEND_BELOW_ROWS` rows beside the
    plot instead (`legend_beside`).

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


def legend_beside(style: ChartStyle) -> dict:
    """Return a legend in a column right of the plot, clear of both axes' titles.

    Parameters
    ----------
    style : ChartStyle
        Sizes.

    Returns
    -------
    dict
        A plotly legend spec; the right margin grows to hold it.
    """
    return {
        "orientation": "v",
        "x": 1.02,
        "xanchor": "left",
        "y": 1,
        "yanchor": "top",
        "font": {"size": style.font_size},
    }


VARIANT_STYLES = {
    "A": {"color": "#0072B2", "dash": "solid", "symbol": "circle"},
    "B": {"color": "#E69F00", "dash": "dash", "symbol": "x"},
    "C": {"color": "#009E73", "dash": "dot", "symbol": "diamond"},
    "D": {"color": "#CC79A7", "dash": "dashdot", "symbol": "square"},
}
