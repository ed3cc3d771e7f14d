"""Figure builders: valid plotly specs, and naive told apart from stable by more than colour."""

import numpy as np
import plotly.graph_objects as go
import pytest

from core import charts as figures
from core.softmax import functions as sm
from core.softmax import report as rp


def validated(fig):
    # The builders skip plotly's validation for speed; prove the specs are valid.
    return go.Figure(fig.to_dict())


@pytest.fixture
def report():
    return rp.softmax_report([1000, 0, -1000], 2, "float32")


@pytest.mark.parametrize("style", [figures.LAPTOP, figures.PROJECTOR])
def test_probability_bars(report, style):
    fig = validated(
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
    fig = validated(figures.gradient_bars(report.grad_naive, report.grad_stable, 2))
    assert list(fig.data[1].y) == pytest.approx([1, 0, -1])


def test_breakdown_chart():
    curves = {d: rp.breakdown_curve(d) for d in ("float16", "float32", "float64")}
    thresholds = {d: sm.exp_overflow_threshold(d) for d in curves}
    fig = validated(figures.breakdown_chart(rp.BREAKDOWN_SCALES, curves, thresholds))
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
    fig = validated(figures.binary_loss_chart(z, losses, 36.7, current=40.0))
    names = [t.name for t in fig.data]
    assert "naive: inf (×)" in names
    assert any("rounds to 1" in a.text for a in fig.layout.annotations)
    # With label 1 the naive loss is 0 · log(0) = nan there, and the legend says so.
    z, losses = rp.binary_loss_curve("float64", 1, 60.0)
    names = [t.name for t in figures.binary_loss_chart(z, losses, 36.7).data]
    assert "naive: nan (×)" in names
    assert np.isfinite(fig.layout.yaxis.range[1])


@pytest.mark.parametrize("style", [figures.LAPTOP, figures.PROJECTOR])
def test_class_probability_chart_ticks_every_digit_with_its_marks(style):
    p = np.array([0.05, 0.02, 0.0, 0.03, 0.04, 0.08, 0.06, 0.02, 0.1, 0.6])
    fig = validated(figures.class_probability_chart(p, 5, "true 5", style))
    axis = fig.layout.xaxis
    assert (axis.tickmode, axis.dtick) == ("linear", 1)
    labels = list(fig.data[0].x)
    assert len(labels) == 10
    assert labels[5] == "5<br>✓" and labels[9] == "9<br>▲" and labels[0] == "0<br>"
    # Written out: the top (60%) and the true class (8%); the others only as bars.
    assert [t for t in fig.data[0].text if t] == ["8%", "60%"]
    assert fig.data[0].constraintext == "none"


def test_loss_chart_names_how_each_variant_broke_and_keeps_the_crosses_apart():
    steps = np.arange(1, 6)
    series = {
        "B": (steps, np.array([2.3, 2.2, 2.1, 2.0, np.nan])),
        "C": (steps, np.array([2.3, 2.2, 2.1, 2.0, 1.9])),
        "D": (steps, np.array([2.3, 2.2, 2.1, 2.0, np.inf])),
    }
    names = {k: k for k in series}
    fig = figures.training_loss_chart(series, {"B": 5, "C": None, "D": 5}, names)
    validated(fig)
    crosses = {t.name: float(np.asarray(t.y)[0]) for t in fig.data if "(×)" in (t.name or "")}
    assert set(crosses) == {"B: loss nan (×)", "D: loss inf (×)"}
    assert crosses["B: loss nan (×)"] != crosses["D: loss inf (×)"]
    assert fig.layout.yaxis.type == "log"


def test_logit_peak_chart_says_which_side_overflows():
    series = {"B": (np.arange(3), np.array([10.0, 95.0, 105.0]))}
    fig = validated(figures.logit_peak_chart(series, {"B": "B"}))
    assert fig.layout.shapes[0].y0 == 88.72
    assert "z > 88.72" in fig.layout.annotations[0].text
    assert "only underflows" in fig.layout.annotations[0].text


@pytest.mark.parametrize(("epochs", "dtick"), [(5, 1), (20, 1), (100, None)])
def test_accuracy_chart_ticks_each_epoch_only_while_they_fit(epochs, dtick):
    rows = [(e, 0.5, 0.4) for e in range(1, epochs + 1)]
    fig = validated(figures.accuracy_chart({"C": rows, "D": rows}, {"C": "C", "D": "D"}))
    assert fig.layout.xaxis.dtick == dtick
    assert [t.name for t in fig.data] == [
        "C: test",
        "C: train (hollow)",
        "D: test",
        "D: train (hollow)",
    ]
