"""The softmax page's report: values, errors and the explanations in words."""

import dataclasses

import numpy as np
import pytest

from core.charts import BROKEN_MARK
from core.numerics.limits import exp_underflow_threshold
from core.softmax import report as rp
from core.softmax.table import per_class_columns


def levels(report):
    return [m.level for m in report.messages]


def text(report):
    return " ".join(m.text for m in report.messages)


def test_seed_case_in_float32():
    r = rp.softmax_report([1000, 0, -1000], 2, "float32")
    assert np.isinf(r.loss("naive").value)
    assert float(r.loss("keras").value) == pytest.approx(16.118095, rel=1e-7)
    assert r.loss("logits").value == 2000 and r.loss("exact").value == 2000
    assert r.loss("logits").relative_error == 0
    assert "exp(1000) overflows float32 above about 88.72" in text(r)
    assert "inf/inf is nan" in text(r)
    assert "error" in levels(r)


def test_textbook_case_has_no_alarm():
    r = rp.softmax_report([2, 1, 0.1], 0, "float64")
    assert levels(r) == ["info"]
    assert all(e <= 1 for e in r.stable_ulp)
    assert r.loss("logits").ulp_error <= 2


def test_float16_rounding_of_inputs_is_explained():
    r = rp.softmax_report([2, 1, 0.1], 0, "float16")
    assert "0.1 is not representable in float16" in text(r)
    assert "0.0999755859375" in text(r)


def test_underflow_everywhere():
    r = rp.softmax_report([-1000, -1001, -1002], 0, "float32")
    assert "Every exp(z) underflows to 0" in text(r)
    assert np.isnan(r.p_naive).all()
    assert r.p_stable.sum() == pytest.approx(1, abs=1e-6)


def test_logit_beyond_the_format():
    r = rp.softmax_report([100000, 0], 0, "float16")
    assert "stored as inf" in text(r)
    assert "largest value, 65504," in text(r)  # not the shortest round-trip text 65500
    assert "65500" not in text(r)


def test_minus_inf_logit_is_a_legitimate_input():
    # Issue 10, finding 8: float16 stores -100000 as -inf, probability exactly 0.
    r = rp.softmax_report([-100000, 0, 1], 1, "float16")
    assert r.logits[0] == -np.inf
    for key in ("naive", "keras", "logits"):
        assert float(r.loss(key).value) == pytest.approx(1.3133, abs=1e-3)
        assert r.loss(key).caption.startswith("rel. error")
    assert float(r.loss("exact").value) == pytest.approx(1.3132617, rel=1e-7)
    assert "no method can recover" not in text(r) and "broken" not in text(r)
    assert "below float16's lowest value, -65504," in text(r) and "−inf" in text(r)
    assert levels(r) == ["info"]
    assert rp.softmax_report([-100000, 0, 1], 1, "float64").loss("exact").value != 0


def test_table_flags_an_underflow_but_not_the_zero_of_a_minus_inf_logit():
    columns = per_class_columns(rp.softmax_report([-100000, 0, -20], 1, "float16"))
    assert columns["z"][0] == "-inf"
    assert columns["exp(z)"][0] == "0" and columns["stable p"][0] == "0"  # exactly right
    assert columns["exp(z)"][2] == "0" + BROKEN_MARK  # exp(-20) underflows in float16
    assert columns["naive p"][2] == "0" + BROKEN_MARK


def test_minus_inf_true_class_has_infinite_exact_loss():
    r = rp.softmax_report([-100000, 0, 1], 0, "float16")
    assert r.loss("exact").value == np.inf  # not nan
    for key in ("naive", "logits"):
        assert r.loss(key).value == np.inf
        assert r.loss(key).caption == "right: the exact loss is inf too"
    assert r.loss("keras").caption == "finite, but the exact loss is inf"
    assert "the exact loss is inf" in text(r)
    undefined = rp.softmax_report([-100000, -100000], 0, "float16")
    assert np.isnan(float(undefined.loss("exact").value))
    assert "0/0" in text(undefined)


def test_small_float16_loss_rounding_to_zero_is_explained():
    # Issue 10, finding 3: from logits in float16 is 0, the exact loss 6.1442e-6.
    r = rp.softmax_report([12, 0, -12], 0, "float16")
    assert r.loss("logits").value == 0
    assert "From logits is 0 (relative error 1 against the exact loss 6.1442e-6)" in text(r)
    assert "Σ exp(z − m) = 1.0000061 is stored as 1 in float16" in text(r)
    assert "so the loss is log(1) = 0" in text(r)
    assert "from_logits=True gives 6.2e-6" in text(r)  # TensorFlow computes it in float32
    # Keras on probabilities clips p_2 = 0 up to epsilon; the message says so, with float16's ε.
    assert r.loss("keras").value == np.float16(6.318092346191406e-06)
    assert "clips the probabilities to [ε, 1 − ε] (ε = 1.1921e-7 in float16)" in text(r)
    # Where nothing was clipped, the clip is not blamed.
    small = rp.softmax_report([0, -15], 0, "float32")
    assert "clips" not in text(small)
    assert "a sum just above 1 that float32 rounds" in text(small)


def test_shift_and_temperature():
    base = rp.softmax_report([2, 1, 0.1], 0, "float32")
    shifted = rp.softmax_report([2, 1, 0.1], 0, "float32", shift=100)
    assert np.isinf(shifted.exp_logits).any()
    assert np.isnan(shifted.p_naive).all()
    np.testing.assert_allclose(shifted.p_stable, base.p_stable, rtol=1e-5)
    hot = rp.softmax_report([2, 1, 0.1], 0, "float64", temperature=10)
    assert hot.p_stable.max() < base.p_stable.max()
    np.testing.assert_array_equal(hot.logits, np.array([0.2, 0.1, 0.01]))


def test_confident_wrong_answer():
    r = rp.softmax_report([30, 20, -80], 2, "float32")
    assert np.isinf(r.loss("naive").value)
    assert r.loss("logits").value == pytest.approx(110.0000454, rel=1e-7)
    assert "rounds to 0 even in the stable softmax" in text(r)


def test_binary_report_saturation():
    r = rp.binary_report(40, 0, "float64")
    assert r.a_naive == 1
    assert r.complement_exact == pytest.approx(4.248354255291589e-18, rel=1e-15)
    assert np.isinf(r.loss("naive").value)
    assert r.loss("logits").value == pytest.approx(40)
    assert "rounds to exactly 1 in float64" in text(r)
    towards = rp.binary_report(40, 1, "float64")
    assert np.isnan(towards.loss("naive").value)
    assert "0 · log(0)" in text(towards)
    half = rp.binary_report(8, 1, "float16")
    assert np.isnan(half.loss("keras").value)
    assert "1 − 1e-7 rounds to exactly 1" in text(half)
    calm = rp.binary_report(3, 1, "float32")
    assert calm.messages[0].level == "info"
    assert "16.6" in calm.messages[0].text


def test_binary_report_explains_keras_clip_in_both_directions():
    against = rp.binary_report(40, 0, "float64")  # the label's probability rounds to 0
    assert "clips and stops at 16.118" in text(against)
    towards = rp.binary_report(40, 1, "float64")  # it rounds to 1: the clip is a floor
    assert "its loss is 1.0000000494736474e-7, the exact loss 4.248e-18" in text(towards)
    half = rp.binary_report(-17, 0, "float16")
    assert "clips and stops" not in text(half)
    assert "the exact loss 4.14e-8" in text(half)


def test_exp_underflow_threshold():
    for dtype in ("float16", "float32", "float64"):
        t = exp_underflow_threshold(dtype)
        dt = np.dtype(dtype)
        assert np.exp(np.asarray(t + 0.01, dtype=dt)) > 0
        assert np.exp(np.asarray(t - 0.05, dtype=dt)) == 0


def test_breakdown_curve_breaks_at_the_threshold():
    naive, stable = rp.breakdown_curve("float32")
    scales = rp.BREAKDOWN_SCALES
    assert np.isnan(naive[scales > 89]).all()
    assert np.isfinite(naive[scales < 88]).all()
    assert np.isfinite(stable).all() and stable.max() < 1e-6


def test_binary_loss_curve():
    z, losses = rp.binary_loss_curve("float32", 0, 60.0)
    assert z.size == 401
    assert np.isinf(losses["naive"][z > 17]).all()
    assert np.isfinite(losses["logits"]).all()
    np.testing.assert_allclose(losses["logits"], losses["exact"], rtol=1e-6)
    assert losses["keras"].max() < 16.2


# Values measured with TensorFlow 2.21 / Keras 3.15 on this machine, one sample per case
# (tests/unit/softmax/test_keras_check.py compares the replicas with TensorFlow on a grid).
TF_FLOAT16_12_0_M12 = {
    "softmax_layer": 6.198883056640625e-06,
    "tf_softmax": 6.318092346191406e-06,
    "handwritten": float("nan"),
    "from_logits": 6.198883056640625e-06,
    "probabilities": [1.0, 6.139278411865234e-06, 0.0],
}
TF_FLOAT64_BINARY_M745 = {  # z = -745.13, y = 0: exp(-745.13) is subnormal, TensorFlow flushes it
    "sigmoid_layer": 0.0,
    "tf_sigmoid": 1.0000000494736474e-07,
    "handwritten": 1.0000000494736474e-07,
    "from_logits": 0.0,
    "probabilities": [0.0],
}
TF_FLOAT32_M104 = {  # z = [-103.97, -104.67], y = 0: TensorFlow's exp(z) are flushed to 0
    "softmax_layer": 0.4031870365142822,
    "tf_softmax": 0.4031870365142822,
    "handwritten": float("nan"),
    "from_logits": 0.4031870365142822,
    "probabilities": [0.6681870818138123, 0.33181291818618774],
}


def test_float16_comparison_is_judged_at_the_values_own_magnitude():
    # Issue 10, findings 3 and 9: TensorFlow's 6.2e-6 is not "0 up to rounding".
    rows = rp.compare_with_keras("multi", [12, 0, -12], 0, "float16", TF_FLOAT16_12_0_M12)
    assert [r.verdict for r in rows] == ["✓ same"] * 4  # the hand-written softmax: nan both
    float16_throughout = dataclasses.replace(rows[3], ours=np.float16(0))
    assert not float16_throughout.agrees
    assert float16_throughout.verdict.startswith("✗ differs by 104 ULP")
    assert "Softmax Lab's loss rounds to 0 while the exact loss is 6.1442e-6" in (
        float16_throughout.verdict
    )
    halfway = dataclasses.replace(rows[3], ours=np.float16(3e-6))
    assert halfway.verdict.endswith("the exact loss is 6.1442e-6 and TensorFlow is closer.")
    # One ULP of the sum near 1 is rounding, however many ULPs of a small loss it is.
    near = dataclasses.replace(rows[3], ours=np.nextafter(rows[3].keras, np.float16(1)))
    assert near.agrees and near.verdict == "✓ same up to rounding (1 ULP)"


def test_flush_to_zero_is_given_as_the_reason():
    # Issue 10, finding 10: TensorFlow's CPU kernels flush subnormals to zero.
    rows = rp.compare_with_keras("binary", [-745.13], 0, "float64", TF_FLOAT64_BINARY_M745)
    assert [r.agrees for r in rows] == [False, True, True, False]
    for row in (rows[0], rows[3]):
        assert row.ours == 5e-324 and row.flush_explains
        assert "flush subnormal numbers to zero" in row.verdict
        assert "5e-324 is subnormal in float64" in row.verdict
        assert "Softmax Lab's 5e-324 is the IEEE 754 value" in row.verdict
    rows = rp.compare_with_keras("multi", [-103.97, -104.67], 0, "float32", TF_FLOAT32_M104)
    assert [r.agrees for r in rows] == [True, True, False, True]
    assert rows[2].flush_explains and "is subnormal in float32" in rows[2].verdict
    assert "IEEE 754 value" in rows[2].verdict
