"""Figure builders: valid plotly specs, and naive told apart from stable by more than colour."""

import itertools

import numpy as np
import pytest

from core import charts
from core.numerics.limits import exp_overflow_threshold
from core.softmax import figures
from core.softmax import report as rp
from tests.unit.helpers import validated_figure


@pytest.fixture
def report():
    return rp.softmax_report([1000, 0, -1000], 2, "float32")


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_probability_bars(report, style):
    fig = validated_figure(
        figures.probability_bars(
            report.p_naive, report.p_stable, [float(p) for p in report.p_exact], 2, style
        )
    )
    naive, stable, exact = fig.data
    assert "naive" in naive.name and "hatched" in naive.name
    assert naive.marker.pattern.shape == "/" and not stable.marker.pattern.shape
    # exp(1000) is inf: inf/inf is nan for class 0, 1/inf is 0 for the others.
    assert list(naive.text) == ["nan", "0", "0"]
    assert exact.marker.symbol == "diamond"
    assert fig.layout.font.size == style.font_size
    assert "(true)" in fig.data[0].x[2]


def test_gradient_bars(report):
    fig = validated_figure(figures.gradient_bars(report.grad_naive, report.grad_stable, 2))
    assert list(fig.data[1].y) == pytest.approx([1, 0, -1])


def test_breakdown_chart():
    curves = {d: rp.breakdown_curve(d) for d in ("float16", "float32", "float64")}
    thresholds = {d: exp_overflow_threshold(d) for d in curves}
    fig = validated_figure(figures.breakdown_chart(rp.BREAKDOWN_SCALES, curves, thresholds))
    names = [t.name for t in fig.data]
    assert "float32 naive (dashed)" in names and "float32 stable" in names
    assert "float32 naive: nan (×)" in names
    # The crosses share one legend entry (seven entries fit beside the plot; ten did not).
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend[-1] == "nan (×, in the format's colour)" and len(legend) == 7
    dashes = {t.name: t.line.dash for t in fig.data if t.mode == "lines"}
    assert dashes["float16 naive (dashed)"] == "dash" and dashes["float16 stable"] == "solid"
    assert [a.text for a in fig.layout.annotations] == [
        "float16: 11.09",
        "float32: 88.72",
        "float64: 709.78",
    ]


def test_binary_loss_chart():
    z, losses = rp.binary_loss_curve("float64", 0, 60.0)
    fig = validated_figure(figures.binary_loss_chart(z, losses, 36.7, current=40.0))
    names = [t.name for t in fig.data]
    assert "naive: inf (×)" in names
    assert any("rounds to 1" in a.text for a in fig.layout.annotations)
    # With label 1 the naive loss is 0 · log(0) = nan there, and the legend says so.
    z, losses = rp.binary_loss_curve("float64", 1, 60.0)
    names = [t.name for t in figures.binary_loss_chart(z, losses, 36.7).data]
    assert "naive: nan (×)" in names
    assert np.isfinite(fig.layout.yaxis.range[1])


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_breakdown_chart_writes_powers_of_ten_and_keeps_its_labels_apart(style):
    curves = {d: rp.breakdown_curve(d) for d in ("float16", "float32", "float64")}
    thresholds = {d: exp_overflow_threshold(d) for d in curves}
    layout = validated_figure(
        figures.breakdown_chart(rp.BREAKDOWN_SCALES, curves, thresholds, style)
    ).layout
    for axis in (layout.xaxis, layout.yaxis):
        # 10⁻⁴ beside 10⁻¹⁶, never the SI 100µ; labels on whole decades only.
        assert (axis.type, axis.exponentformat, axis.tick0) == ("log", "power", 0)
        assert isinstance(axis.dtick, int) and axis.dtick >= 1
    low, high = layout.yaxis.range
    assert (high - low) / layout.yaxis.dtick <= 8  # 19 decades: a label every few
    assert layout.yaxis.minor.dtick == 1  # the decades between still draw a grid line
    # Ten entries: in a column beside the plot, not in rows pushed up onto the x axis title.
    assert layout.legend.orientation == "v" and layout.legend.x > 1
    # Each threshold's label a line above the last: neighbours never share a line.
    shifts = [a.yshift or 0 for a in layout.annotations]
    assert len(set(shifts)) == len(shifts) == 3
    assert min(b - a for a, b in itertools.pairwise(shifts)) >= style.small_size


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_every_softmax_chart_text_is_at_least_13_px(report, style):
    curves = {d: rp.breakdown_curve(d) for d in ("float16", "float32")}
    thresholds = {d: exp_overflow_threshold(d) for d in curves}
    z, losses = rp.binary_loss_curve("float64", 0, 60.0)
    figs = [
        figures.probability_bars(report.p_naive, report.p_stable, [0.0, 0.0, 1.0], 2, style),
        figures.gradient_bars(report.grad_naive, report.grad_stable, 2, style),
        figures.breakdown_chart(rp.BREAKDOWN_SCALES, curves, thresholds, style),
        figures.binary_loss_chart(z, losses, 36.7, current=40.0, style=style),
    ]
    for fig in figs:
        fig = validated_figure(fig)
        layout = fig.layout
        sizes = [layout.font.size, layout.legend.font.size]
        for axis in (layout.xaxis, layout.yaxis):
            sizes += [axis.tickfont.size, axis.title.font.size]
        sizes += [a.font.size for a in layout.annotations]
        sizes += [t.textfont.size for t in fig.data if t.type == "bar"]
        assert None not in sizes and min(sizes) >= 13, sizes


def test_a_short_legend_sits_below_the_x_axis_title_and_a_long_one_beside_the_plot(report):
    fig = figures.gradient_bars(report.grad_naive, report.grad_stable, 2)
    legend = validated_figure(fig).layout.legend
    assert (legend.orientation, legend.yanchor) == ("h", "top") and legend.y < 0
    z, losses = rp.binary_loss_curve("float64", 0, 60.0)
    many = [
        dict(t, showlegend=True)
        for t in figures.binary_loss_chart(z, losses, 36.7).to_dict()["data"]
    ]
    assert charts.legend_rows([t["name"] for t in many], charts.LAPTOP) > charts.LEGEND_BELOW_ROWS
    legend = charts.figure(many, charts.LAPTOP, "t").layout.legend
    assert legend.orientation == "v" and legend.x > 1
