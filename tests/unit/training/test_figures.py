"""Tests of the training lesson's charts."""

import numpy as np
import pytest

from core import charts
from core.numerics.limits import exp_overflow_threshold
from core.training import figures
from tests.unit.helpers import validated_figure


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_class_probability_chart_ticks_every_digit_with_its_marks(style):
    p = np.array([0.05, 0.02, 0.0, 0.03, 0.04, 0.08, 0.06, 0.02, 0.1, 0.6])
    fig = validated_figure(figures.class_probability_chart(p, 5, "true 5", style))
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
    validated_figure(fig)
    crosses = {t.name: float(np.asarray(t.y)[0]) for t in fig.data if "(×)" in (t.name or "")}
    assert set(crosses) == {"B: loss nan (×)", "D: loss inf (×)"}
    assert crosses["B: loss nan (×)"] != crosses["D: loss inf (×)"]
    assert fig.layout.yaxis.type == "log"


def test_logit_peak_chart_says_which_side_overflows():
    series = {"B": (np.arange(3), np.array([10.0, 95.0, 105.0]))}
    fig = validated_figure(figures.logit_peak_chart(series, {"B": "B"}))
    assert fig.layout.shapes[0].y0 == exp_overflow_threshold("float32")
    assert "z > 88.72" in fig.layout.annotations[0].text
    assert "z < −103.97 only underflows" in fig.layout.annotations[0].text


@pytest.mark.parametrize(("epochs", "dtick"), [(5, 1), (20, 1), (100, None)])
def test_accuracy_chart_ticks_each_epoch_only_while_they_fit(epochs, dtick):
    rows = [(e, 0.5, 0.4) for e in range(1, epochs + 1)]
    fig = validated_figure(figures.accuracy_chart({"C": rows, "D": rows}, {"C": "C", "D": "D"}))
    assert fig.layout.xaxis.dtick == dtick
    assert [t.name for t in fig.data] == [
        "C: test",
        "C: train (hollow)",
        "D: test",
        "D: train (hollow)",
    ]
