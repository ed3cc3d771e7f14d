"""Every question's answer against an independent reference, and the bank's own invariants.

The bank computes its answers with the app's functions; each test here computes the
same number another way (mpmath at 50 digits, fractions, struct bit patterns,
decimal, Python's own float formatting, or real TensorFlow/Keras in a worker
process) and never calls the function the bank used. Every question id has at
least one ``test_answer_<id>`` function (`test_every_question_has_an_independent_reference`).
"""

from __future__ import annotations

import itertools
import math
import re
import struct
import sys
import urllib.parse
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from core.draw.pen import CANVAS_SIZE, canvas, polylines
from core.draw.preprocess import preprocess_for
from core.jobs.pool import JobStatus, WorkerPool
from core.lesson import LESSONS, PAGE_SETTINGS
from core.questions.bank import (
    KINDS,
    SEVEN,
    number_text,
    parse_response,
    question_bank,
    question_by_id,
    questions_for,
    thin_small_seven,
)
from core.training.models import default_model
from core.training.network import NetworkSpec, init_weights
from core.training.run import TrainConfig, load_training_data
from core.training.settings import PRESETS as TRAIN_PRESETS
from tests.unit.questions.tf_references import TASK

BANK = question_bank()
DRAW_CONTEXT = {"available": ["default"]}
CONFIDENT_WRONG = ([100.0, 0.0, -100.0], 2)
FLOAT32_MAX_BITS = 0x7F7FFFFF


def q(question_id):
    question = question_by_id(question_id)
    assert question is not None, question_id
    return question


def option(question_id):
    question = q(question_id)
    return question.options[question.answer]


def float32_from_bits(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def float32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def mp_softmax(z):
    e = [mpmath.exp(mpmath.mpf(v)) for v in z]
    total = mpmath.fsum(e)
    return [v / total for v in e]


def mp_cross_entropy(z, y):
    # -log p_y written as log Σ exp(z) - z_y, at the working precision.
    return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in z)) - mpmath.mpf(z[y])


def forward64(weights, x, activation="relu"):
    # A float64 forward pass written here, not the app's `core.training.network.logits`.
    assert activation == "relu"
    a = np.asarray(x, np.float64)
    for i, (w, b) in enumerate(weights):
        a = a @ np.asarray(w, np.float64) + np.asarray(b, np.float64)
        if i < len(weights) - 1:
            a = np.maximum(a, 0.0)
    return a


def untrained_setup():
    # The question's network and its first batch: the train page's defaults (D alone), the
    # batches in the order a run draws them (a permutation from the run's seed).
    config = TrainConfig(variants=("D",), epochs=1)
    x, y, *_ = load_training_data(config)
    spec = NetworkSpec(x.shape[1], config.hidden, config.activation)
    first = np.random.default_rng(config.seed).permutation(len(y))[: config.batch_size]
    return config, x[first], y[first], init_weights(spec, config.seed, config.init_scale)


def push_params():
    return next(p for p in TRAIN_PRESETS if p.key == "push").config.to_params()


# ----- TensorFlow, in a worker process (the test process never imports it) -----


@pytest.fixture(scope="module")
def tf_pool():
    pool = WorkerPool(max_workers=1)
    yield pool
    pool.shutdown()


def run_job(pool, task, params, timeout=300):
    job = pool.submit(TASK + task, params)
    assert pool.wait(job, timeout), f"{task} did not finish in {timeout} s"
    assert job.status is JobStatus.DONE, job.error
    return job.result


@pytest.fixture(scope="module")
def keras(tf_pool):
    config, x, y, weights = untrained_setup()
    return run_job(
        tf_pool,
        "keras_references",
        {
            "naive_far": [1000.0, 0.0, -1000.0],
            "stable": [[1000.0, 0.0, -1000.0], [1002.0, 1001.0, 1000.5]],
            "confident_wrong": CONFIDENT_WRONG,
            "sigmoid": 40.0,
            "parameters": {"sizes": [28 * 28, 25, 15, 10]},
            "first_loss": {"weights": weights, "activation": config.activation, "x": x, "y": y},
        },
    )


@pytest.fixture(scope="module")
def push_run(tf_pool):
    # The push preset's real Keras engines, B and C side by side, from the same start.
    return run_job(tf_pool, "train_locally", {**push_params(), "variants": ["B", "C"]})


def test_the_test_process_never_imports_tensorflow():
    assert "tensorflow" not in sys.modules
    assert "keras" not in sys.modules


# ----- lesson 1: softmax and cross-entropy -----


def test_answer_naive_far():
    z = np.array([1000.0, 0.0, -1000.0], np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        p = e / e.sum()
    assert np.isnan(p[0]) and p[1] == 0 and p[2] == 0
    # exp(1000) overflows because 1000 > ln(float32 max), computed by mpmath.
    with mpmath.workdps(50):
        assert mpmath.mpf(1000) > mpmath.log(float32_from_bits(FLOAT32_MAX_BITS))
    assert option("naive-far") == "nan, 0, 0"
    assert q("naive-far").shown == "nan"


@pytest.mark.tensorflow
def test_answer_naive_far_tensorflow(keras):
    p = keras["naive_far"]
    text = ", ".join("nan" if math.isnan(v) else f"{v:g}" for v in p)
    assert text == option("naive-far")
    # The stable softmax the explanation quotes is TensorFlow's tf.nn.softmax.
    assert [f"{v:g}" for v in keras["stable"][0]] == ["1", "0", "0"]
    assert "gives 1, 0, 0." in q("naive-far").explanation


def test_answer_shift():
    z, c = (2.0, 1.0, 0.5), 1000.0
    with mpmath.workdps(50):
        before, after = mp_softmax(z), mp_softmax([v + c for v in z])
        assert all(
            mpmath.almosteq(a, b, rel_eps=mpmath.mpf(10) ** -40)
            for a, b in zip(before, after, strict=True)
        )
        shown_p = [mpmath.nstr(p, 3) for p in before]
    assert option("shift") == "The same probabilities"
    assert f"p = {', '.join(shown_p)}" in q("shift").prompt
    # The textbook formula in float32 on the shifted logits: every exp overflows.
    moved = np.array([v + c for v in z], np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(moved) / np.exp(moved).sum()
    assert np.isnan(naive).all()
    assert "(nan, nan, nan)" in q("shift").explanation
    # What the page shows, the stable float32 top probability, is the exact one in float32.
    assert abs(float(q("shift").shown) - float(after[0])) < 1e-7


@pytest.mark.tensorflow
def test_answer_shift_tensorflow(keras):
    # TensorFlow's float32 softmax and the page's agree to the last bit or one ULP.
    top = np.float32(keras["stable"][1][0])
    assert abs(np.float32(q("shift").shown) - top) <= np.spacing(top)


def test_answer_exp_limit():
    question = q("exp-limit")
    largest = float32_from_bits(FLOAT32_MAX_BITS)
    assert largest == float(np.finfo(np.float32).max)
    with mpmath.workdps(50):
        limit = mpmath.log(mpmath.mpf(largest))
        assert float(mpmath.nint(limit * 100) / 100) == question.answer
        # The float32 just below ln(max) has a finite exp, the next float32 does not.
        below = np.float32(float(limit))
        if mpmath.mpf(float(below)) > limit:
            below = np.nextafter(below, np.float32(0))
        above = np.nextafter(below, np.float32(np.inf))
        assert mpmath.mpf(float(below)) <= limit < mpmath.mpf(float(above))
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(below))
        assert np.isinf(np.exp(above))
        assert np.isinf(np.exp(np.float32(89.0)))
    assert question.is_right(float(below)) and question.is_right(float(above))
    assert not question.is_right(88.73) and not question.is_right(88.71)
    assert question.shown == "inf"
    quoted = re.search(r"`exp\(88\.7\)` = (\S+) is finite", question.explanation)
    with mpmath.workdps(50):
        exp_887 = mpmath.exp(mpmath.mpf(float(np.float32(88.7))))
        assert abs(mpmath.mpf(quoted.group(1)) / exp_887 - 1) < 1e-6


def test_answer_keras_cap():
    # Keras' documented rule: probabilities clipped to [1e-7, 1 - 1e-7] before the log.
    question = q("keras-cap")
    z, y = CONFIDENT_WRONG
    with mpmath.workdps(50):
        p_y = mp_softmax(z)[y]
        assert float(np.float32(float(p_y))) == 0.0  # underflows float32
        clipped = -mpmath.log(mpmath.mpf(float(np.float32(1e-7))))
        assert round(float(clipped), 3) == question.answer
        assert mpmath.nstr(mp_cross_entropy(z, y), 6) == "200.0"
    assert abs(float(question.shown) - float(clipped)) < 1e-5
    assert "the exact loss is 200." in question.explanation


@pytest.mark.tensorflow
def test_answer_keras_cap_tensorflow(keras):
    question = q("keras-cap")
    assert abs(keras["keras_cap"] - question.answer) <= question.tolerance
    assert question.shown == str(np.float32(keras["keras_cap"]))


def test_answer_from_logits():
    question = q("from-logits")
    z, y = CONFIDENT_WRONG
    with mpmath.workdps(50):
        exact = mp_cross_entropy(z, y)
        assert abs(exact - 200) < mpmath.mpf(10) ** -40
    assert abs(float(exact) - question.answer) <= question.tolerance
    assert question.answer == 200.0


@pytest.mark.tensorflow
def test_answer_from_logits_tensorflow(keras):
    question = q("from-logits")
    assert keras["from_logits"] == pytest.approx(question.answer, abs=1e-4)
    assert question.is_right(keras["from_logits"])


def test_answer_gradient():
    question = q("gradient")
    z, y = [2.0, 1.0, 0.1], 0
    with mpmath.workdps(50):
        grad = mpmath.diff(lambda z0: mp_cross_entropy([z0, *z[1:]], y), mpmath.mpf(z[0]))
        assert float(mpmath.nint(grad * 100) / 100) == question.answer
    assert abs(float(question.shown) - float(grad)) < 1e-6
    assert question.is_right(float(grad))


def test_answer_sigmoid_40():
    question = q("sigmoid-40")
    with np.errstate(all="raise"):
        s = np.float32(1) / (np.float32(1) + np.exp(np.float32(-40)))
    assert s == np.float32(1)
    assert option("sigmoid-40") == "They are equal"
    with mpmath.workdps(50):
        complement = 1 - 1 / (1 + mpmath.exp(-40))
        assert mpmath.nstr(complement, 3) == "4.25e-18"
        half_gap = (1 - mpmath.mpf(float(np.nextafter(np.float32(1), np.float32(0))))) / 2
        assert complement < half_gap
    assert "1 − σ(40) = 4.25e-18" in question.explanation
    assert f"({float(half_gap):.3g})" in question.explanation


@pytest.mark.tensorflow
def test_answer_sigmoid_40_tensorflow(keras):
    assert keras["sigmoid"] == 1.0 and keras["sigmoid_formula"] == 1.0
    assert q("sigmoid-40").shown == f"{keras['sigmoid']:g}"


def test_answer_temperature():
    question = q("temperature")
    z, t = [2.0, 1.0, 0.1], 5
    with mpmath.workdps(50):
        cold = mp_softmax(z)[0]
        warm = mp_softmax([v / t for v in z])[0]
    assert cold > warm
    assert option("temperature") == "At T = 1"
    assert abs(float(question.shown) - float(warm)) < 1e-6
    assert f"from {float(cold):.7f}" in question.explanation


def test_answer_sigmoid_sum():
    question = q("sigmoid-sum")
    z = [2.0, 1.0, 0.5]
    with mpmath.workdps(50):
        sigmoids = [1 / (1 + mpmath.exp(-v)) for v in z]
        total = mpmath.fsum(sigmoids)
        softmax_total = mpmath.fsum(mp_softmax(z))
    assert total > 1
    assert option("sigmoid-sum") == "The sum of the sigmoids"
    assert question.shown == f"sum to {float(total):.3g}, not 1"
    assert f"{float(total):.4g} in all" in question.explanation
    assert abs(softmax_total - 1) < mpmath.mpf(10) ** -40
    assert "sums to 1." in question.explanation


# ----- lesson 2: floating-point round-off -----


def test_answer_course_18():
    question = q("course-18")
    value = (1 + 1 / 10000) - (1 - 1 / 10000)
    printed = f"{value:.18f}"
    assert option("course-18") == printed == "0.000199999999999978"
    assert str(Decimal(value).quantize(Decimal(10) ** -18)) == printed
    assert question.shown == printed
    assert question.options[0] == f"{2 / 10000:.18f}"
    # The explanation's ULP count and exact value.
    ulp = Fraction(2) ** (math.floor(math.log2(value)) - 52)
    ulps = (Fraction(2, 10000) - Fraction(value)) / ulp
    assert f"{round(ulps)} ULPs from 2/10000" in question.explanation
    assert str(Decimal(value))[:24] in question.explanation


def test_answer_count_1_2():
    question = q("count-1-2")
    count = float32_bits(2.0) - float32_bits(1.0)
    assert count == 2**23
    assert question.answer == count
    assert question.shown == f"{count:,}" == question.answer_text


def test_answer_tenth():
    question = q("tenth")
    stored = Decimal(float("0.1"))  # the double's exact value
    assert stored > Decimal(1) / 10
    assert option("tenth") == "The float64 0.1"
    assert question.shown == str(stored)
    assert f"by {float(stored - Decimal(1) / 10):.2g}" in question.explanation


def test_answer_gap_2_24():
    question = q("gap-2-24")
    x = np.float32(2**24)
    gap = float(np.nextafter(x, np.float32(np.inf)) - x)
    # 24 significant bits: from 2^24 on, the last bit is worth 2^(24 - 23).
    fraction_gap = Fraction(2**24) * Fraction(1, 2**23)
    assert gap == fraction_gap == question.answer == 2
    assert np.float32(2**24 + 1) == x


def test_answer_largest_half():
    question = q("largest-half")
    largest = (2 - Fraction(1, 2**10)) * 2**15
    assert largest == 65504 == float(np.finfo(np.float16).max) == question.answer
    with np.errstate(over="ignore"):
        assert np.isinf(np.float16(65520)) and np.isfinite(np.float16(65519))
        assert np.isinf(np.exp(np.float16(12)))


# ----- lesson 3: training -----


def test_answer_first_loss():
    question = q("first-loss")
    _, x, y, weights = untrained_setup()
    z = forward64(weights, x)
    m = z.max(axis=1, keepdims=True)
    loss = float(np.mean(np.log(np.exp(z - m).sum(axis=1)) - (z - m)[np.arange(len(y)), y]))
    assert abs(loss - math.log(10)) <= question.tolerance
    assert abs(question.answer - math.log(10)) <= question.tolerance
    assert round(loss, 2) == question.answer
    assert question.shown == f"{loss:.2f}"


@pytest.mark.tensorflow
def test_answer_first_loss_tensorflow(keras):
    question = q("first-loss")
    _, x, y, weights = untrained_setup()
    z = forward64(weights, x)
    m = z.max(axis=1, keepdims=True)
    loss = float(np.mean(np.log(np.exp(z - m).sum(axis=1)) - (z - m)[np.arange(len(y)), y]))
    assert keras["first_loss"] == pytest.approx(loss, abs=1e-4)
    assert round(keras["first_loss"], 2) == question.answer


@pytest.mark.tensorflow
def test_answer_dies_first_tensorflow(push_run):
    diverged = {e["variant"]: e for e in push_run["diverged"]}
    assert "B" in diverged, "the hand-written softmax kept a finite loss"
    assert "C" not in diverged or diverged["C"]["step"] > diverged["B"]["step"]
    # The bank's explanation says C keeps a finite loss through the whole run.
    assert "C" not in diverged and push_run["last_step"] == push_run["total_steps"]
    assert f"finite through all {push_run['total_steps']} steps" in q("dies-first").explanation
    assert option("dies-first") == "B: the hand-written softmax"
    assert q("dies-first").shown in diverged["B"]["message"]


def test_dies_first_explanation_says_what_it_computed():
    # The answer comes from D's NumPy network and its switch; the explanation says so, quotes
    # D's own divergence, and claims nothing about the Keras numbers the page will show.
    explanation = q("dies-first").explanation
    assert explanation.startswith("Computed with the NumPy network D")
    assert "step 2: loss is inf: exp of a logit of" in explanation
    assert "its numbers differ from D's" in explanation


def test_answer_parameters():
    question = q("parameters")
    sizes = [28 * 28, 25, 15, 10]
    count = sum(a * b + b for a, b in itertools.pairwise(sizes))
    assert count == 784 * 25 + 25 + 25 * 15 + 15 + 15 * 10 + 10 == question.answer
    assert question.shown == "20,175"


@pytest.mark.tensorflow
def test_answer_parameters_tensorflow(keras):
    assert keras["parameters"] == q("parameters").answer


# ----- lesson 4: draw a digit -----


def seven_at(dx: float, dy: float, pen: int = 8) -> np.ndarray:
    box, corner = CANVAS_SIZE / 4, CANVAS_SIZE / 16
    return canvas(
        polylines([[(corner + dx + u * box, corner + dy + v * box) for u, v in SEVEN]]), pen=pen
    )


def read(ink):
    model = default_model()
    seen = preprocess_for(model.dataset, ink)
    x = seen.image.reshape(1, -1) / (model.pixel_max if model.scale == "max" else 1)
    z = forward64(model.weights, x, model.spec.activation)[0]
    p = np.exp(z - z.max())
    return seen.image.shape, p / p.sum()


def test_answer_thin_small():
    question = q("thin-small")
    assert np.array_equal(seven_at(0, 0), thin_small_seven())
    _, p = read(thin_small_seven())
    top = int(np.argmax(p))
    assert (question.answer == 0) == (top == 7)
    assert f"is read as {top} with p = {p[top]:.1%}." in question.explanation
    # Place is gone: the same 7 elsewhere on the canvas, even off the pixel grid, reads alike.
    for dx, dy in [(7.5, 3.25), (150, 150), (170.5, 12), (4, 160.75)]:
        _, shifted = read(seven_at(dx, dy))
        assert int(np.argmax(shifted)) == top, (dx, dy)


def test_answer_inputs():
    from sklearn.datasets import load_digits

    question = q("inputs")
    model = default_model()
    assert model.dataset == "uci-digits"
    h, w = load_digits().images.shape[1:]
    assert (h, w) == (8, 8)
    assert model.weights[0][0].shape[0] == h * w == question.answer
    shape, _ = read(thin_small_seven())
    assert shape == (h, w)
    assert question.shown == q("thin-small").shown == f"{h}×{w}"


def test_every_question_has_an_independent_reference():
    tested = {
        name.removeprefix("test_answer_").removesuffix("_tensorflow").replace("_", "-")
        for name in globals()
        if name.startswith("test_answer_")
    }
    assert tested == {question.id for question in BANK}


# ----- the bank's invariants -----


@pytest.mark.parametrize("question", BANK, ids=lambda question: question.id)
def test_each_question_is_well_formed(question):
    assert question.kind in KINDS
    assert question.prompt.strip() and question.explanation.strip()
    assert question.misconception.strip()
    assert question.shown.strip() and question.answer_text.strip()
    assert question.case.page == question.page
    if question.kind == "number":
        assert question.options == ()
        assert math.isfinite(question.answer) and question.tolerance >= 0
    else:
        assert isinstance(question.answer, int) and not isinstance(question.answer, bool)
        assert 0 <= question.answer < len(question.options)
        assert len(set(question.options)) == len(question.options)
        assert question.answer_text == question.options[question.answer]
        if question.kind == "larger":
            assert len(question.options) == 3 and question.options[2] == "They are equal"


def test_ids_are_unique_and_url_safe():
    ids = [question.id for question in BANK]
    assert len(ids) == len(set(ids)) == 19
    for question_id in ids:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", question_id)
        assert urllib.parse.quote(question_id, safe="") == question_id


def test_questions_follow_the_lesson_order_and_every_lesson_has_some():
    pages = [lesson.page for lesson in LESSONS]
    positions = [pages.index(question.page) for question in BANK]
    assert positions == sorted(positions)
    assert set(positions) == set(range(len(pages)))
    for page in pages:
        assert questions_for(page) == tuple(x for x in BANK if x.page == page)
        assert len(questions_for(page)) >= 2
    assert questions_for("pages/nowhere.py") == ()
    assert question_by_id("no-such-id") is None


@pytest.mark.parametrize("question", BANK, ids=lambda question: question.id)
def test_each_case_opens_its_own_page_without_a_notice(question):
    table = PAGE_SETTINGS[question.page]
    context = DRAW_CONTEXT if question.page == "pages/draw.py" else None
    assert question.case.page == question.page
    values, notices = table.from_query(question.case.query, context)
    assert notices == []
    assert values == table.complete(question.case.values, context)


@pytest.mark.parametrize(
    "question", [x for x in BANK if x.kind == "number"], ids=lambda question: question.id
)
def test_number_answers_count_within_their_tolerance_only(question):
    answer, tol = float(question.answer), question.tolerance
    assert question.is_right(answer)
    assert parse_response(question, question.answer_text) == answer
    assert question.is_right(parse_response(question, number_text(answer)))
    if tol:
        assert question.is_right(answer + 0.99 * tol) and question.is_right(answer - 0.99 * tol)
        outside = tol * 1.01
    else:
        outside = float(np.spacing(answer))
    assert not question.is_right(answer + outside)
    assert not question.is_right(answer - outside)


@pytest.mark.parametrize(
    "question", [x for x in BANK if x.kind != "number"], ids=lambda question: question.id
)
def test_choice_answers_are_right_and_every_other_option_wrong(question):
    for index in range(len(question.options)):
        assert question.is_right(index) == (index == question.answer)
        assert question.response_text(index) == question.options[index]


def test_the_bank_is_built_once():
    assert question_bank() is BANK
