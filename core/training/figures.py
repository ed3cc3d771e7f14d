"""Charts of the training lesson: loss, logit peaks, accuracy, confusion, probabilities."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray

from core.charts import (
    COLORS,
    LAPTOP,
    VARIANT_STYLES,
    ChartStyle,
    broken_markers,
    count_axis,
    decade_step,
    figure,
    log_axis,
)
from core.numerics.limits import exp_overflow_threshold, exp_underflow_threshold

UNDER_WIDTH = 3.2
"""A curve that another lies on is drawn this many times wider, and pale, beneath it."""
UNDER_OPACITY = 0.4


def _variant_line(
    key: str,
    name: str,
    x,
    y,
    style: ChartStyle,
    mode: str = "lines",
    under: Mapping[str, str] | None = None,
) -> dict:
    look = VARIANT_STYLES.get(key, VARIANT_STYLES["A"])
    trace = {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": mode,
        "name": name,
        "line": {"color": look["color"], "dash": look["dash"], "width": style.line_width},
        "marker": {"symbol": look["symbol"], "size": style.marker_size, "color": look["color"]},
    }
    if under and key in under:
        # Equal curves would hide one another: this one becomes a wide pale band
        # beneath the other, which the legend names.
        trace["name"] = f"{name} (wide, pale: under {under[key]})"
        trace["opacity"] = UNDER_OPACITY
        trace["line"].update(width=style.line_width * UNDER_WIDTH, dash="solid")
        trace["marker"]["size"] = style.marker_size * 1.6
    return trace


def _step_axis(series: Mapping[str, tuple[NDArray, NDArray]]) -> dict:
    last = max((float(np.max(steps)) for steps, _ in series.values() if len(steps)), default=1)
    return count_axis("step", last)


def training_loss_chart(
    series: Mapping[str, tuple[NDArray, NDArray]],
    diverged_at: Mapping[str, int | None],
    names: Mapping[str, str],
    style: ChartStyle = LAPTOP,
    under: Mapping[str, str] | None = None,
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
    under : mapping, optional
        ``{variant: variant}`` for a variant whose curve a later one covers, such
        as ``{"A": "C"}`` (`core.training.history.coinciding`): drawn wide and
        pale beneath it so both show, and the legend says so.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart; a broken variant ends in a labelled cross. The log axis labels
        whole decades only.
    """
    traces = []
    finite = [y[np.isfinite(y)] for _, y in series.values()]
    top = max((float(v.max()) for v in finite if v.size), default=1.0)
    broken = 0
    for key, (steps, losses) in series.items():
        traces.append(_variant_line(key, names[key], steps, losses, style, under=under))
        step = diverged_at.get(key)
        if step is not None:
            # Training stops at the broken step, so it is the last one recorded.
            last = float(losses[-1]) if len(losses) else float("nan")
            word = "inf" if math.isinf(last) else "nan" if math.isnan(last) else "not finite"
            traces.append(
                broken_markers(
                    [step],
                    # Each broken variant's cross a little higher: two at one step stay apart.
                    max(top, 1.0) * 1.5 * 1.6**broken,
                    f"{key}: loss {word} (×)",
                    VARIANT_STYLES.get(key, VARIANT_STYLES["A"])["color"],
                    style,
                )
            )
            broken += 1
    return figure(
        traces,
        style,
        "Loss of each batch",
        xaxis=_step_axis(series),
        yaxis=log_axis("cross-entropy (log scale)", **_decade_range(traces)),
    )


def _decade_range(traces: list[dict]) -> dict:
    """Return a log axis's range from the decade below its lowest value to the one above.

    Only decades carry labels: a loss between 1.6 and 2.4 on plotly's own range
    would show no label at all.
    """
    values = np.concatenate([np.asarray(t["y"], dtype=np.float64) for t in traces] or [[]])
    shown = values[np.isfinite(values) & (values > 0)]
    if not shown.size:
        return {}
    low, high = np.floor(np.log10(shown.min())), np.ceil(np.log10(shown.max()))
    high = max(high, low + 1)
    return {"range": [float(low), float(high)], "decades": decade_step(low, high)}


def logit_peak_chart(
    series: Mapping[str, tuple[NDArray, NDArray]],
    names: Mapping[str, str],
    style: ChartStyle = LAPTOP,
    under: Mapping[str, str] | None = None,
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
    under : mapping, optional
        As for `training_loss_chart`.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, with a line at ``log`` of float32's largest value (about 88.72).
    """
    limit = exp_overflow_threshold("float32")
    # The chart plots |z|: a large negative logit only takes exp to 0 (below about -103.97,
    # through the subnormals), which softmax survives.
    underflow = exp_underflow_threshold("float32")
    traces = [_variant_line(k, names[k], x, y, style, under=under) for k, (x, y) in series.items()]
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": limit,
        "y1": limit,
        "line": {"color": COLORS["threshold"], "dash": "dot", "width": style.line_width / 2},
    }
    note = {
        "xref": "paper",
        "x": 0,
        "y": limit,
        "yref": "y",
        "text": f"exp(z) overflows float32 for z > {limit:.2f} "
        f"(z < −{-underflow:.2f} only underflows to 0)",
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "bottom",
        "font": {"size": style.small_size, "color": COLORS["threshold"]},
    }
    return figure(
        traces,
        style,
        "Largest |logit| per step",
        shapes=[shape],
        annotations=[note],
        xaxis=_step_axis(series),
        yaxis={"title": {"text": "max |z|"}, "rangemode": "tozero"},
    )


def accuracy_chart(
    epochs: Mapping[str, list[tuple[int, float, float]]],
    names: Mapping[str, str],
    style: ChartStyle = LAPTOP,
    under: Mapping[str, str] | None = None,
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
    under : mapping, optional
        As for `training_loss_chart`.

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
                key, f"{names[key]}: test", x, [r[2] for r in rows], style, "lines+markers", under
            )
        )
        train = _variant_line(
            key, f"{names[key]}: train (hollow)", x, [r[1] for r in rows], style, "markers", under
        )
        train["marker"]["symbol"] = f"{train['marker']['symbol']}-open"
        traces.append(train)
    return figure(
        traces,
        style,
        "Accuracy per epoch",
        # A tick per epoch while they fit, then 2, 5, 10... epochs apart: never a fraction.
        xaxis=count_axis("epoch", last, max_ticks=20),
        yaxis={"title": {"text": "accuracy"}, "range": [0, 1.02]},
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
    return figure(
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
        "textfont": {"size": style.small_size},
        "constraintext": "none",
        "cliponaxis": False,
        "showlegend": False,
    }
    return figure(
        [trace],
        style,
        title,
        # Every digit gets its tick (plotly thins crowded ones), with its ✓ and ▲ marks.
        xaxis={"type": "category", "tickangle": 0, "tickmode": "linear", "dtick": 1},
        yaxis={"range": [0, 1.15], "tickformat": ".0%"},
        height=260,
    )
