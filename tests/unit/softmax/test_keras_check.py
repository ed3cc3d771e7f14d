"""Our replicas of the Keras losses against real TensorFlow/Keras on a grid.

TensorFlow runs in a worker process through the same pool the app uses, so this
test process (which also runs the AppTest tests) never imports it.
"""

import itertools

import numpy as np
import pytest

from core.jobs.pool import JobStatus, WorkerPool
from core.softmax import functions as sm
from core.softmax.keras_check import KERAS_LOSS_CHECK
from core.softmax.report import compare_with_keras

pytestmark = pytest.mark.tensorflow

LOGITS = [
    [2.0, 1.0, 0.1],
    [1000.0, 999.0, 998.0],
    [-1000.0, -1001.0, -1002.0],
    [12.0, 0.0, -12.0],
    [30.0, 20.0, -80.0],
    [1000.0, 0.0, -1000.0],
    [0.5, -0.25, 3.0, 7.0, -9.0, 0.0, 1.0, 2.0, -3.0, 4.0],
]
BINARY = [-100.0, -20.0, -3.0, 0.0, 0.5, 3.0, 8.0, 17.0, 40.0, 100.0]
DTYPES = ["float16", "float32", "float64"]


@pytest.fixture(scope="module")
def keras_results():
    cases = [
        {"mode": "multi", "z": z, "y": y, "dtype": d}
        for z, d in itertools.product(LOGITS, DTYPES)
        for y in (0, len(z) - 1)
    ] + [
        {"mode": "binary", "z": [z], "y": y, "dtype": d}
        for z, d, y in itertools.product(BINARY, DTYPES, (0, 1))
    ]
    pool = WorkerPool(max_workers=1)
    try:
        job = pool.submit(KERAS_LOSS_CHECK, {"cases": cases})
        assert pool.wait(job, 180), "TensorFlow worker did not finish"
        assert job.status is JobStatus.DONE, job.error
        return list(zip(cases, job.result, strict=True))
    finally:
        pool.shutdown()


def test_every_replica_matches_keras(keras_results):
    mismatches = []
    for case, result in keras_results:
        for row in compare_with_keras(case["mode"], case["z"], case["y"], case["dtype"], result):
            if not row.agrees:
                mismatches.append((case, row))
    assert not mismatches, mismatches[:5]


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
        np.testing.assert_allclose(ours, theirs, rtol=4 * np.finfo(dtype).eps, atol=0)
