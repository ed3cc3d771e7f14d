"""Figure builders: valid plotly specs, and naive told apart from stable by more than colour."""

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
