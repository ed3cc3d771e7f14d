"""The projector's poll chart: a bar per option and round, the answer marked once revealed."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from core.charts import ChartStyle, figure
from core.classroom.tally import Tally

ROUND_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
"""Okabe-Ito, one per round; the rounds also differ in pattern."""
ROUND_PATTERNS = ("", "/", ".", "x")
RIGHT_MARK = "✓ "
"""Starts the label of a right option once the answer is revealed."""


def poll_chart(tallies: Mapping[int, Tally], revealed: bool, style: ChartStyle) -> go.Figure:
    """Return the poll's bar chart: counts per option, the rounds side by side.

    Parameters
    ----------
    tallies : mapping
        Round number to its `Tally` (same options in every round of a choice; a
        number question's bins may differ per round).
    revealed : bool
        Whether to mark the right options (``✓`` in their labels): never before
        the teacher reveals the answer.
    style : ChartStyle
        Laptop or projector sizes.

    Returns
    -------
    plotly.graph_objects.Figure
        Horizontal bars, one group per option, so long options stay readable.
    """
    traces = []
    for i, (number, t) in enumerate(sorted(tallies.items())):
        labels = [
            (RIGHT_MARK if revealed and right else "") + label
            for label, right in zip(t.labels, t.right, strict=True)
        ]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": f"round {number}: {t.total} answer{'s' if t.total != 1 else ''}",
                "y": labels,
                "x": t.counts,
                "text": [str(c) for c in t.counts],
                "textposition": "outside",
                "marker": {
                    "color": ROUND_COLORS[i % len(ROUND_COLORS)],
                    "pattern": {"shape": ROUND_PATTERNS[i % len(ROUND_PATTERNS)]},
                },
                "textfont": {"size": style.small_size},
            }
        )
    most = max((max(t.counts, default=0) for t in tallies.values()), default=0)
    return figure(
        traces,
        style,
        "Answers" + (" (✓ right)" if revealed else ""),
        barmode="group",
        xaxis={
            "title": {"text": "answers"},
            "range": [0, max(1, most) * 1.2],
            "dtick": 1 if most < 10 else None,
        },
        yaxis={"autorange": "reversed", "automargin": True},
    )
