"""Figures of the round-off page: valid plotly specs, formats told apart by more than colour."""

import numpy as np
import pytest

from core import charts
from core.floats import figures
from core.floats import lesson as roundoff
from core.floats.cancellation import SWEEP_NS, cancellation_sweep
from core.numerics.formats import FORMAT_NAMES
from tests.unit.helpers import validated_figure


def sweep_errors() -> dict[str, list[float | None]]:
    return {
        name: [r.relative_error for r in cancellation_sweep(format_name=name)]
        for name in FORMAT_NAMES
    }


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_cancellation_chart(style):
    fig = validated_figure(
        figures.cancellation_chart(SWEEP_NS, sweep_errors(), 10_000, "your n", style)
    )
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == [
        "float16 (circles, dotted)",
        "bfloat16 (squares, dash-dot)",
        "float32 (diamonds, dashed)",
        "float64 (triangles, solid)",
    ]
    assert len({t.line.dash for t in lines}) == 4
    assert len({t.marker.symbol for t in lines}) == 4
    assert all(t.line.width == style.line_width for t in lines)
    assert fig.layout.font.size == style.font_size
    float64 = lines[3]
    assert list(float64.x) == [float(n) for n in SWEEP_NS]
    assert float64.y[0] < 1e-15 < float64.y[-1] < 1  # error grows with n
    assert lines[0].y[-1] == 1  # float16 lost everything
    assert any(t.name == "100% error: the result is 0" for t in fig.data)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"


def test_cancellation_chart_marks_n_where_it_is():
    fig = validated_figure(figures.cancellation_chart(SWEEP_NS, sweep_errors(), 10_000, "your n"))
    # Shapes take data values on a log axis, annotations log10 of them.
    assert fig.layout.shapes[0].x0 == 10_000
    assert fig.layout.annotations[0].x == pytest.approx(4)
    assert fig.layout.annotations[0].text == "your n"


def test_cancellation_chart_draws_zero_and_broken_results():
    fig = figures.cancellation_chart([10, 100, 1000], {"float32": [0.0, None, 0.5]}, None)
    validated_figure(fig)
    line, broken = fig.data[0], fig.data[1]
    assert list(line.x) == [10, 1000]
    assert list(line.y) == [charts.ERROR_FLOOR, 0.5]
    assert list(broken.x) == [100] and list(broken.y) == [charts.BROKEN_LEVEL]
    assert broken.marker.symbol == charts.BROKEN_MARKER["symbol"]
    assert "inf or nan (×)" in broken.name
    assert not fig.layout.shapes


def test_number_line_chart_around_one():
    line = roundoff.number_line(1.0, "float64")
    fig = validated_figure(
        figures.number_line_chart(
            line.offsets, line.labels, line.gap_labels, "1", "float64", charts.PROJECTOR
        )
    )
    ticks, centre = fig.data[1], fig.data[2]
    assert list(ticks.x) == list(line.offsets)
    assert ticks.marker.symbol == "line-ns-open"
    assert list(centre.x) == [0.0] and centre.marker.symbol == "diamond"
    assert "(diamond)" in centre.name and "(ticks)" in ticks.name
    notes = [a.text for a in fig.layout.annotations]
    assert notes[: len(line.labels)] == line.labels
    # Below 1 the gap is half of the gap above: two brackets, each labelled once.
    assert notes[len(line.labels) :] == [
        "gap 1.1102230246251565e-16 (×4)",
        "gap 2.220446049250313e-16 (×4)",
    ]
    assert len(fig.layout.shapes) == 2
    assert fig.layout.shapes[0].x1 == 0.0 == fig.layout.shapes[1].x0
    assert fig.layout.font.size == charts.PROJECTOR.font_size
    assert "around 1" in fig.layout.title.text


def test_number_line_chart_with_one_gap():
    line = roundoff.number_line(3.0, "float16", count=2)
    fig = validated_figure(
        figures.number_line_chart(line.offsets, line.labels, line.gap_labels, "3", "float16")
    )
    assert fig.layout.annotations[-1].text == "gap 0.001953125 (×4)"


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_gap_staircase_chart(style):
    curves = {name: roundoff.gap_staircase(name) for name in FORMAT_NAMES}
    fig = validated_figure(figures.gap_staircase_chart(curves, 1e10, "centre", style))
    assert [t.name for t in fig.data] == [
        "float16 (dotted)",
        "bfloat16 (dash-dot)",
        "float32 (dashed)",
        "float64 (solid)",
    ]
    assert all(t.line.shape == "hv" for t in fig.data)
    assert len({t.line.dash for t in fig.data}) == 4
    assert fig.layout.shapes[0].x0 == 1e10
    assert fig.layout.annotations[0].x == pytest.approx(10)
    float16 = fig.data[0]
    assert max(float16.x) == 65504  # the staircase stops at the largest value


def test_gap_staircase_chart_without_a_mark():
    curves = {"float32": roundoff.gap_staircase("float32")}
    for current in (None, 0.0):
        fig = validated_figure(figures.gap_staircase_chart(curves, current))
        assert not fig.layout.shapes and not fig.layout.annotations


def test_builders_hand_plotly_plain_lists():
    # numpy arrays would be base64-encoded on every st.plotly_chart call.
    line = roundoff.number_line(0.1, "float32")
    specs = [
        figures.cancellation_chart(SWEEP_NS, sweep_errors(), 10),
        figures.number_line_chart(line.offsets, line.labels, line.gap_labels, "0.1", "float32"),
        figures.gap_staircase_chart({"float64": roundoff.gap_staircase("float64")}),
    ]
    for fig in specs:
        for trace in fig.data:
            assert not isinstance(trace.x, np.ndarray)
            assert not isinstance(trace.y, np.ndarray)


def test_every_log_axis_labels_whole_decades_as_powers_of_ten():
    curves = {name: roundoff.gap_staircase(name) for name in FORMAT_NAMES}
    for fig in (
        figures.cancellation_chart(SWEEP_NS, sweep_errors(), 10_000, "your n"),
        figures.gap_staircase_chart(curves, 3.0, "your x"),
    ):
        layout = validated_figure(fig).layout
        for axis in (layout.xaxis, layout.yaxis):
            assert (axis.type, axis.exponentformat, axis.tick0) == ("log", "power", 0)
            assert isinstance(axis.dtick, int) and axis.dtick >= 1
        assert min(a.font.size for a in layout.annotations) >= 13
