"""The softmax page's report: values, errors and the explanations in words."""

import numpy as np
import pytest

from core.numerics.limits import exp_underflow_threshold
from core.softmax import report as rp


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
