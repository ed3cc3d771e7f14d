"""Our replicas of the Keras losses against real TensorFlow/Keras on a grid.

TensorFlow runs in a worker process through the same pool the app uses, so this
test process (which also runs the AppTest tests) never imports it. The grid
covers every format, float16 included, around each threshold: exp overflowing,
the sum of the classes overflowing, every term underflowing, subnormal results.
"""

import itertools
import math

import numpy as np
import pytest

from core.jobs.pool import JobStatus, WorkerPool
from core.numerics.exact import ulp_error
from core.numerics.formats import DTYPE_NAMES
from core.numerics.limits import exp_overflow_threshold, exp_underflow_threshold
from core.softmax import functions as sm
from core.softmax.exact import softmax_exact
from core.softmax.keras_check import KERAS_LOSS_CHECK
from core.softmax.report import compare_multilabel_with_keras, compare_with_keras
from tests.unit.helpers import STABLE_ULP_BOUND

pytestmark = pytest.mark.tensorflow

LOGITS = [
    [2.0, 1.0, 0.1],
    [1000.0, 999.0, 998.0],
    [-1000.0, -1001.0, -1002.0],
    [12.0, 0.0, -12.0],
    [30.0, 20.0, -80.0],
    [1000.0, 0.0, -1000.0],
    [0.5, -0.25, 3.0, 7.0, -9.0, 0.0, 1.0, 2.0, -3.0, 4.0],
    [8.0, 0.0, -8.0],
    [0.0, -15.0],
]
BINARY = [-100.0, -20.0, -3.0, 0.0, 0.5, 3.0, 8.0, 17.0, 40.0, 100.0]
# Where a float64 or float32 result is subnormal, which TensorFlow's CPU kernels flush.
SUBNORMAL_BINARY = {"float64": [-720.0, -745.0], "float32": [-90.0, -100.0, -103.5]}
SUBNORMAL_MULTI = {"float64": [-745.13, -745.83], "float32": [-103.97, -104.67]}


def threshold_logits(name: str) -> list[list[float]]:
    over, under = exp_overflow_threshold(name), exp_underflow_threshold(name)
    near = [round(over - 0.05, 2), round(over + 0.05, 2)]
    cases = [[z, 0.0, -1.0] for z in near] + [[z, z - 0.7] for z in near]
    cases += [[round(over - math.log(n) + 0.05, 2)] * n for n in (2, 3, 10)]  # sum overflows
    cases += [[round(under + 0.5, 2), round(under - 0.5, 2)], [0.0, round(under + 0.3, 2)]]
    rng = np.random.default_rng(10)
    cases += [[round(float(v), 2) for v in rng.uniform(-6, 6, n)] for n in (2, 3, 5, 10) * 3]
    return cases


def multi_cases():
    for name in DTYPE_NAMES:
        for z in LOGITS + threshold_logits(name) + [SUBNORMAL_MULTI.get(name, [])]:
            if z:
                yield from ({"mode": "multi", "z": z, "y": y, "dtype": name} for y in range(len(z)))


@pytest.fixture(scope="module")
def keras_results():
    cases = list(multi_cases()) + [
        {"mode": "binary", "z": [z], "y": y, "dtype": d}
        for d in DTYPE_NAMES
        for z, y in itertools.product(BINARY + SUBNORMAL_BINARY.get(d, []), (0, 1))
    ]
    pool = WorkerPool(max_workers=1)
    try:
        job = pool.submit(KERAS_LOSS_CHECK, {"cases": cases})
        assert pool.wait(job, 300), "TensorFlow worker did not finish"
        assert job.status is JobStatus.DONE, job.error
        return list(zip(cases, job.result, strict=True))
    finally:
        pool.shutdown()


def compared(case, result):
    return compare_with_keras(case["mode"], case["z"], case["y"], case["dtype"], result)


def test_every_replica_matches_keras(keras_results):
    # Up to rounding, judged at the values' own magnitude, or by TensorFlow's flush to zero.
    mismatches = []
    for case, result in keras_results:
        for row in compared(case, result):
            if not (row.agrees or row.flush_explains):
                mismatches.append((case, row.setup, row.verdict))
    assert not mismatches, mismatches[:5]


def test_float16_replicas_match_tensorflow_bit_for_bit(keras_results):
    # TensorFlow computes float16 softmax cross-entropy in float32 and rounds once at the
    # end; the binary losses stay in float16. Both replicas give its very bits.
    exact_rows = {"softmax_layer", "tf_softmax", "from_logits"}
    checked = 0
    for case, result in keras_results:
        if case["dtype"] != "float16":
            continue
        for key, row in zip(
            ("softmax_layer", "tf_softmax", "handwritten", "from_logits"),
            compared(case, result),
            strict=True,
        ):
            if case["mode"] == "binary" or key in exact_rows:
                assert row.ulps == 0, (case, row.setup, row.ours, row.keras)
                checked += 1
            else:  # the hand-written float16 sum: TensorFlow adds in another order
                assert row.agrees, (case, row.verdict)
    assert checked > 300


def test_tensorflow_flushes_subnormals_and_the_page_says_so(keras_results):
    flushed = {name: 0 for name in ("float32", "float64")}
    for case, result in keras_results:
        for row in compared(case, result):
            if row.flush_explains:
                flushed[case["dtype"]] += 1
                assert "flush subnormal numbers to zero" in row.verdict
                assert "is the IEEE 754 value" in row.verdict
                assert row.subnormal is not None and row.subnormal != 0
    assert all(flushed.values()), flushed


def test_keras_rescues_the_softmax_layer_but_not_a_plain_softmax(keras_results):
    for case, result in keras_results:
        seed = case["mode"] == "multi" and case["z"] == [1000.0, 0.0, -1000.0]
        if seed and case["y"] == 2 and case["dtype"] in ("float32", "float64"):
            assert result["softmax_layer"] == 2000
            assert result["from_logits"] == 2000
            assert result["tf_softmax"] == pytest.approx(16.118, abs=1e-3)
            assert np.isnan(result["handwritten"])


def test_tensorflow_softmax_equals_our_stable_softmax(keras_results):
    for case, result in keras_results:
        if case["mode"] != "multi":
            continue
        dtype = np.dtype(case["dtype"])
        with np.errstate(over="ignore"):
            ours = sm.softmax_stable(np.asarray(case["z"], dtype=dtype))
        theirs = np.asarray(result["probabilities"], dtype=dtype)
        if dtype == np.float16:
            # TensorFlow's float16 softmax differs by CPU. On a Sapphire Rapids (AVX512-FP16)
            # it is the correctly rounded softmax of the logits, computed wider; ours rounds
            # z - m to float16 first, which put the two 6 ULPs apart at z - m = -8.59 (over
            # 4 ε). So each is judged against the exact softmax, within the stable bound.
            logits = np.asarray(case["z"], dtype=dtype)
            m = float(logits.max())
            for p, q, v, ref in zip(ours, theirs, logits, softmax_exact(logits), strict=True):
                bound = STABLE_ULP_BOUND + abs(float(v) - m)
                assert ulp_error(p, ref, dtype) <= bound, (case, "ours", p, q)
                assert ulp_error(q, ref, dtype) <= bound, (case, "TensorFlow", p, q)
            continue
        # TensorFlow's kernel flushes a subnormal probability (exp(-88) in float32) to 0.
        ours = sm.flush_subnormals(ours)
        np.testing.assert_allclose(ours, theirs, rtol=4 * np.finfo(dtype).eps, atol=0)


MULTILABEL = [
    ([2.0, -1.0, 0.5], [1, 0, 1]),
    ([40.0, -100.0, 0.5, 3.0], [1, 1, 0, 0]),
    ([8.0, -8.0], [0, 1]),
    ([17.0, 0.0, -17.0], [1, 0, 1]),
    ([0.5, -0.25, 3.0, 7.0, -9.0, 0.0, 1.0, 2.0, -3.0, 4.0], [1, 0, 1, 1, 0, 0, 1, 0, 1, 0]),
]
SUBNORMAL_MULTILABEL = {"float64": [-720.0, -745.0, 1.0], "float32": [-90.0, -103.5, 1.0]}


@pytest.fixture(scope="module")
def multilabel_results():
    cases = [
        {"mode": "multilabel", "z": z, "labels": labels, "dtype": d}
        for d in DTYPE_NAMES
        for z, labels in MULTILABEL
    ]
    cases += [
        {"mode": "multilabel", "z": z, "labels": [1, 1, 0], "dtype": d}
        for d, z in SUBNORMAL_MULTILABEL.items()
    ]
    pool = WorkerPool(max_workers=1)
    try:
        job = pool.submit(KERAS_LOSS_CHECK, {"cases": cases})
        assert pool.wait(job, 300), "TensorFlow worker did not finish"
        assert job.status is JobStatus.DONE, job.error
        return list(zip(cases, job.result, strict=True))
    finally:
        pool.shutdown()


def test_keras_binary_crossentropy_returns_the_mean_over_the_labels(multilabel_results):
    for case, result in multilabel_results:
        count = len(case["labels"])
        per_label = np.asarray(result["per_label"]["from_logits"], dtype=np.float64)
        mean, total = float(result["from_logits"]), float(per_label.sum())
        eps = float(np.finfo(case["dtype"]).eps)
        # The mean of the K per-label losses, sum / K, never their sum (K > 1 here).
        assert mean == pytest.approx(total / count, rel=4 * eps, abs=1e-300), case
        if total > 0:
            assert mean != pytest.approx(total, rel=0.1), case


def test_every_multilabel_replica_matches_keras(multilabel_results):
    mismatches = []
    for case, result in multilabel_results:
        check = compare_multilabel_with_keras(case["z"], case["labels"], case["dtype"], result)
        rows = check.means + [row for label in check.per_label for row in label]
        for row in rows:
            if not (row.agrees or row.flush_explains):
                mismatches.append((case["dtype"], case["z"], row.setup, row.verdict))
    assert not mismatches, "\n".join(map(str, mismatches))
    assert len(check.rows) == 4 + len(case["labels"])


def test_float16_multilabel_mean_from_logits_is_bit_for_bit(multilabel_results):
    checked = 0
    for case, result in multilabel_results:
        if case["dtype"] == "float16":
            check = compare_multilabel_with_keras(case["z"], case["labels"], "float16", result)
            for row in (check.means[0], check.means[-1], *(label[-1] for label in check.per_label)):
                assert row.ulps == 0, (case, row.setup, row.ours, row.keras)
                checked += 1
    assert checked > 20


def test_keras_rescues_the_sigmoid_layer_but_not_a_plain_sigmoid(multilabel_results):
    for case, result in multilabel_results:
        if case["z"] == [40.0, -100.0, 0.5, 3.0] and case["dtype"] == "float32":
            assert result["sigmoid_layer"] == pytest.approx(result["from_logits"], rel=1e-6)
            assert result["per_label"]["tf_sigmoid"][1] == pytest.approx(16.118, abs=1e-3)
            assert result["tf_sigmoid"] < result["from_logits"]
