"""Multi-label mode: per-output sigmoids and losses against independent mpmath values."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.charts import BROKEN_MARK, LAPTOP, PROJECTOR
from core.numerics.formats import DTYPE_NAMES
from core.softmax import figures
from core.softmax import functions as sm
from core.softmax.multilabel import multilabel_report
from core.softmax.table import MULTILABEL_VIEWS, OUTPUT_COLUMN, multilabel_columns
from tests.unit.helpers import validated_figure

NAMES = ["car", "bus", "pedestrian", "bicycle", "truck", "light", "sign", "dog", "moto", "train"]


def independent_loss(z: float, y: int) -> mpmath.mpf:
    # -y log s - (1 - y) log(1 - s), s = 1 / (1 + e^-z), written out at 80 digits.
    with mpmath.workdps(80):
        x = mpmath.mpf(z)
        s = 1 / (1 + mpmath.exp(-x))
        return (
            -(y * mpmath.log(s) + (1 - y) * mpmath.log(1 - s))
            if abs(x) < 1e4
            else (mpmath.log1p(mpmath.exp(-x if y else x)))
        )


outputs = st.integers(2, 10).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-60, 60, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.integers(0, 1), min_size=k, max_size=k),
    )
)


@settings(max_examples=60, deadline=None)
@given(outputs, st.sampled_from(DTYPE_NAMES))
def test_losses_sums_and_mean_against_mpmath(case, dtype):
    z, labels = case
    r = multilabel_report(z, labels, NAMES[: len(z)], dtype)
    stored = [float(v) for v in r.logits]
    refs = [independent_loss(v, y) for v, y in zip(stored, labels, strict=True)]
    for loss, ref in zip(r.losses("exact"), refs, strict=True):
        assert abs(loss.value - ref) <= mpmath.mpf(10) ** -40 * max(1, abs(ref))
    with mpmath.workdps(80):
        total = mpmath.fsum(refs)
        mean = total / len(z)
        sig = mpmath.fsum(1 / (1 + mpmath.exp(-mpmath.mpf(v))) for v in stored)
    sums = {loss.key: loss for loss in r.sums}
    assert abs(sums["exact"].value - total) <= mpmath.mpf(10) ** -40 * max(1, total)
    assert abs(r.means[1].value - mean) <= mpmath.mpf(10) ** -40 * max(1, total)
    assert abs(r.sigmoid_sum_exact - sig) <= mpmath.mpf(10) ** -40 * len(z)
    # From logits is accurate for every finite logit: a few ULPs per output, the sum too.
    eps = float(np.finfo(dtype).eps)
    for loss, ref in zip(r.losses("logits"), refs, strict=True):
        ulp = float(np.spacing(np.asarray(float(ref), dtype=dtype)))
        assert abs(float(loss.value) - float(ref)) <= 4 * ulp
    slack = (len(z) + 4) * eps * float(total) + len(z) * float(np.finfo(dtype).smallest_subnormal)
    assert abs(float(sums["logits"].value) - float(total)) <= slack
    # Keras' value is the mean: the exact mean up to the rounding of the sum.
    assert abs(float(r.means[0].value) - float(total) / len(z)) <= slack
    # Naive breaks exactly where the sigmoid rounds to 0 or 1.
    saturated = np.isin(r.sigmoid, (0, 1))
    broken = [not np.isfinite(loss.value) for loss in r.losses("naive")]
    assert broken == list(saturated)
    assert ("saturated" in [m.topic for m in r.messages]) == bool(saturated.any())
    assert f"{float(sig):.3g}" in r.sum_text
    assert f"mean of the {len(z)} per-label losses = sum / {len(z)}" in r.mean_text


def test_textbook_case_in_float64():
    r = multilabel_report([2, -1, 0.5], [1, 0, 1], NAMES[:3], "float64")
    assert [m.topic for m in r.messages] == ["hint"]
    assert all(u <= 2 for u in r.sigmoid_ulp)  # exp, an addition and a division
    assert float(r.sigmoid_sum_exact) == pytest.approx(0.880797 + 0.268941 + 0.622459, abs=1e-5)
    assert "The 3 sigmoids sum to 1.77, not 1" in r.sum_text
    assert "The softmax of the same logits sums to 1 in float64" in r.sum_text
    assert float(r.means[0].value) == pytest.approx(float(r.sums[2].value) / 3, rel=1e-15)


def test_a_saturated_sigmoid_and_the_keras_clip_are_explained():
    r = multilabel_report([40, -100, 0.5], [1, 1, 0], NAMES[:3], "float32")
    text = " ".join(m.text for m in r.messages)
    assert "rounds to exactly 1 for output 0 and to exactly 0 for output 1 in float32" in text
    assert "the naive sum is nan" in text
    assert "output 1 gives 16.118095 where the exact loss is 100" in text
    sums = {loss.key: loss for loss in r.sums}
    assert float(sums["logits"].value) == pytest.approx(100.974, abs=1e-3)


def test_float16_clip_fails_and_an_overflowing_logit_is_explained():
    r = multilabel_report([40, 3, -2], [0, 1, 0], NAMES[:3], "float16")
    text = " ".join(m.text for m in r.messages)
    assert "1 − ε rounds to exactly 1" in text
    r = multilabel_report([1e5, 3], [1, 0], NAMES[:2], "float16")
    assert r.logits[0] == np.inf
    assert "z0 = 100000 is beyond float16's range (largest 65504)" in r.messages[0].text
    assert "The softmax of these stored logits is nan in float16" in r.sum_text


def test_keras_label_mean_averages_float16_in_float32():
    losses = np.array([0.0362, 0.1677, 0.341], dtype=np.float16)
    mean = sm.keras_label_mean(losses)
    assert mean.dtype == np.float16
    assert mean == np.float16(losses.astype(np.float32).sum() / np.float32(3))


@pytest.mark.parametrize("view", list(MULTILABEL_VIEWS))
def test_table_views_have_a_row_per_output_and_a_sum_row(view):
    r = multilabel_report([40, -1, 0.5], [1, 0, 1], NAMES[:3], "float32")
    columns = multilabel_columns(r, view)
    assert all(len(cells) == 4 for cells in columns.values())
    assert columns[OUTPUT_COLUMN] == ["0: car", "1: bus", "2: pedestrian", "Σ"]
    if view == "all":
        assert columns["σ(z)"][0] == "1" + BROKEN_MARK
        assert columns["naive loss"][0] == "nan" + BROKEN_MARK
        assert columns["naive loss"][3] == "nan" + BROKEN_MARK
        assert columns["softmax(z)"][3] in ("1", "0.99999994", "1.0000001")


@pytest.mark.parametrize("style", [LAPTOP, PROJECTOR])
def test_sigmoid_softmax_bars_escape_names_and_give_the_sums(style):
    r = multilabel_report([2, -1, 0.5], [1, 0, 1], ["<a href='x'>car</a>", "bus", "&"], "float32")
    fig = validated_figure(figures.sigmoid_softmax_bars(r.names, r.sigmoid, r.softmax, style))
    sigmoid, softmax = fig.data
    assert list(sigmoid.x) == ["0: &lt;a href=&#x27;x&#x27;&gt;car&lt;/a&gt;", "1: bus", "2: &amp;"]
    assert "sum 1.77" in sigmoid.name and "sum 1" in softmax.name
    assert fig.layout.font.size == style.font_size
