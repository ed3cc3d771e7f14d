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


@pytest.mark.parametrize(("epochs", "dtick"), [(5, 1), (20, 1), (100, 5), (1000, 50)])
def test_accuracy_chart_ticks_each_epoch_only_while_they_fit(epochs, dtick):
    rows = [(e, 0.5, 0.4) for e in range(1, epochs + 1)]
    fig = validated_figure(figures.accuracy_chart({"C": rows, "D": rows}, {"C": "C", "D": "D"}))
    # Whole epochs only, however many: never a tick at epoch 2.5.
    assert (fig.layout.xaxis.dtick, fig.layout.xaxis.tickformat) == (dtick, "d")
    assert [t.name for t in fig.data] == [
        "C: test",
        "C: train (hollow)",
        "D: test",
        "D: train (hollow)",
    ]


@pytest.mark.parametrize("last", [3, 5, 8, 40, 135, 9_999])
def test_step_axes_tick_whole_steps_only(last):
    steps = np.arange(1, last + 1, dtype=float)
    series = {"A": (steps, np.linspace(2.3, 0.5, last)), "C": (steps, np.linspace(2.3, 0.4, last))}
    names = {"A": "A", "C": "C"}
    for fig in (
        figures.training_loss_chart(series, {}, names),
        figures.logit_peak_chart(series, names),
    ):
        axis = validated_figure(fig).layout.xaxis
        assert axis.tickformat == "d"
        assert float(axis.dtick).is_integer() and axis.dtick >= 1
        assert last / axis.dtick <= 10


@pytest.mark.parametrize(("low", "high"), [(0.05, 3.0), (1.6, 2.4), (1e-6, 10.0)])
def test_the_log_loss_axis_labels_whole_decades_only(low, high):
    steps = np.arange(1, 101, dtype=float)
    series = {"C": (steps, np.geomspace(high, low, 100))}
    axis = validated_figure(figures.training_loss_chart(series, {}, {"C": "C"})).layout.yaxis
    # Plotly's default on a short log axis labels 2 and 5 as well ("5, 2, 10, 5, 2").
    assert axis.type == "log" and axis.tick0 == 0
    assert isinstance(axis.dtick, int) and axis.dtick >= 1
    assert axis.exponentformat == "power"
    # From the decade below to the decade above: at least two labels, even for 1.6 to 2.4.
    bottom, top = axis.range
    assert bottom == int(bottom) and top == int(top) and top - bottom >= 1
    assert bottom <= np.log10(low) and np.log10(high) <= top


def test_a_covered_curve_is_drawn_wide_and_pale_beneath_the_other():
    steps = np.arange(1, 6, dtype=float)
    losses = np.array([2.3, 2.2, 2.1, 2.0, 1.9])
    series = {"A": (steps, losses), "C": (steps, losses.copy())}
    names = {"A": "A · softmax layer", "C": "C · from logits"}
    plain = figures.training_loss_chart(series, {}, names)
    fig = validated_figure(figures.training_loss_chart(series, {}, names, under={"A": "C"}))
    a, c = fig.data
    assert a.name == "A · softmax layer (wide, pale: under C)"
    assert a.line.width > 2 * c.line.width and a.opacity < 1 and c.opacity is None
    # Drawn first, so beneath; without a coincidence both keep their own look.
    assert [t.name for t in plain.data] == ["A · softmax layer", "C · from logits"]
    assert plain.data[0].line.width == plain.data[1].line.width
    for chart in (
        figures.logit_peak_chart(series, names, under={"A": "C"}),
        figures.accuracy_chart(
            {"A": [(1, 0.5, 0.4)], "C": [(1, 0.5, 0.4)]}, names, under={"A": "C"}
        ),
    ):
        first = validated_figure(chart).data[0]
        assert first.opacity < 1 and "under C" in first.name


@pytest.mark.parametrize("style", [charts.LAPTOP, charts.PROJECTOR])
def test_every_training_chart_text_is_at_least_13_px_on_a_laptop(style):
    steps = np.arange(1, 6, dtype=float)
    series = {"B": (steps, np.array([2.3, 2.2, np.nan, np.nan, np.nan]))}
    figs = [
        figures.training_loss_chart(series, {"B": 3}, {"B": "B"}, style),
        figures.logit_peak_chart(series, {"B": "B"}, style),
        figures.accuracy_chart({"B": [(1, 0.5, 0.4)]}, {"B": "B"}, style),
        figures.confusion_chart(np.eye(3, dtype=int), style),
        figures.class_probability_chart(np.full(10, 0.1), 3, "t", style),
    ]
    for fig in figs:
        assert min(text_sizes(validated_figure(fig))) >= 13


def text_sizes(fig) -> list[float]:
    """Every explicit font size of a figure: layout, axes, legend, annotations, traces."""
    layout = fig.layout
    sizes = [layout.font.size, layout.title.font.size, layout.legend.font.size]
    for axis in (layout.xaxis, layout.yaxis):
        sizes += [axis.tickfont.size, axis.title.font.size]
    sizes += [a.font.size for a in layout.annotations]
    sizes += [t.textfont.size for t in fig.data if getattr(t, "textfont", None) and t.textfont.size]
    return [s for s in sizes if s is not None]
