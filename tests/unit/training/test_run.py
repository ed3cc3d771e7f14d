"""Training: settings, URL state, presets, divergence messages, and real jobs in a worker.

TensorFlow is imported only in the pool's worker process (the Keras variants), never
here: the same pytest process runs the Streamlit AppTests.
"""

import dataclasses
import itertools
import math
import pickle
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.jobs.pool import JobStatus, WorkerPool
from core.lesson import LESSONS
from core.numerics.limits import exp_overflow_threshold
from core.training import data as data
from core.training import network as nets
from core.training import run as training
from core.training.diagnosis import chance_threshold, relus_on
from core.training.run import TrainConfig, divergence_message
from core.training.settings import BATCH_SIZES, LEARNING_RATES, PRESETS, SETTINGS
from tests.unit.helpers import wait_for

TRAIN_PARAMS = SETTINGS.keys


def parse_train_query(params):
    values, notices = SETTINGS.from_query(params)
    return TrainConfig(**values), notices


def train_query(config: TrainConfig) -> dict[str, str]:
    return SETTINGS.to_query({name: getattr(config, name) for name in SETTINGS.by_name})


# --- TrainConfig --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"variants": ()}, "choose variants"),
        ({"variants": ("C", "E")}, "choose variants"),
        ({"variants": ("c",)}, "choose variants"),
        ({"optimizer": "rmsprop"}, "optimizer 'rmsprop'"),
        ({"learning_rate": 0.0}, "learning rate"),
        ({"learning_rate": -1e-3}, "learning rate"),
        ({"learning_rate": 10.5}, "learning rate"),
        ({"learning_rate": float("nan")}, "learning rate"),
        ({"batch_size": 0}, "batch size 0"),
        ({"batch_size": 4097}, "batch size 4097"),
        ({"epochs": 0}, "epochs 0"),
        ({"epochs": 101}, "epochs 101"),
        ({"scale": "log"}, "input scaling 'log'"),
        ({"init_scale": 0.0}, "initial weight scale"),
        ({"init_scale": 101.0}, "initial weight scale"),
    ],
)
def test_train_config_rejects_bad_settings(changes, fragment):
    with pytest.raises(ValueError, match=fragment):
        TrainConfig(**changes)


def test_train_config_accepts_the_limits():
    TrainConfig(learning_rate=10.0, batch_size=1, epochs=100, init_scale=100.0)
    TrainConfig(variants=("A", "B", "C", "D"), batch_size=4096, epochs=1, optimizer="sgd")


def test_to_params_round_trips_including_through_lists():
    config = TrainConfig(
        variants=("B", "D"),
        data="mnist",
        n_train=500,
        optimizer="sgd",
        learning_rate=0.03,
        batch_size=64,
        epochs=3,
        seed=11,
        scale="raw",
        hidden=(32, 16, 8),
        activation="tanh",
        init_scale=2.5,
        naive_softmax=True,
        mnist_path="/tmp/mnist.npz",
    )
    params = config.to_params()
    assert isinstance(params, dict) and set(params) == {
        f.name for f in dataclasses.fields(TrainConfig)
    }
    assert TrainConfig(**params) == config
    assert pickle.loads(pickle.dumps(params)) == params
    # A transport that turns tuples into lists (JSON, say): the worker's conversion.
    listed = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    assert TrainConfig(**listed) != config
    rebuilt = {**listed, "variants": tuple(listed["variants"]), "hidden": tuple(listed["hidden"])}
    assert TrainConfig(**rebuilt) == config


# --- URL state ------------------------------------------------------------------------


def test_defaults_make_an_empty_query():
    assert parse_train_query({}) == (TrainConfig(), [])
    assert train_query(TrainConfig()) == {}
    # The network's shape travels too (issue 11): a reload, or a run lost in a server
    # restart, starts the network the student set up.
    wide = dataclasses.replace(TrainConfig(), hidden=(512, 512, 512), activation="tanh")
    assert train_query(wide) == {"hidden": "512,512,512", "activation": "tanh"}
    assert parse_train_query(train_query(wide)) == (wide, [])
    sgd = dataclasses.replace(TrainConfig(), optimizer="sgd")
    assert parse_train_query(train_query(sgd)) == (sgd, [])
    values, notices = parse_train_query({"hidden": "0,abc", "activation": "<b>"})
    assert values.hidden == TrainConfig().hidden and values.activation == "relu"
    assert len(notices) == 2
    # The initial weight scale travels (issue 10, item 20): the "push the logits" preset's
    # large weights are what break B, and the home page links to that setup.
    assert train_query(dataclasses.replace(TrainConfig(), init_scale=3.0)) == {"init": "3"}
    assert parse_train_query({"init": "2.5"}) == (TrainConfig(init_scale=2.5), [])
    assert parse_train_query({"init": "50"})[1] == [
        "init='50': choose a number from 0.1 to 10; using 1."
    ]


def test_a_custom_config_round_trips_through_the_url():
    config = TrainConfig(
        variants=("A", "C"),
        data="mnist",
        learning_rate=0.03,
        batch_size=64,
        epochs=3,
        seed=7,
        scale="raw",
    )
    query = train_query(config)
    assert query == {
        "variant": "A,C",
        "data": "mnist",
        "lr": "0.03",
        "batch": "64",
        "epochs": "3",
        "seed": "7",
        "scale": "raw",
    }
    assert parse_train_query(query) == (config, [])


def test_variant_lists_are_normalised():
    config, notices = parse_train_query({"variant": " c, a ,C,"})
    assert config.variants == ("C", "A") and notices == []


BAD_VALUES = [
    ("variant", "Z"),
    ("variant", ""),
    ("variant", "A,Z"),
    ("variant", ","),
    ("data", "foo"),
    ("data", ""),
    ("lr", "abc"),
    ("lr", "0"),
    ("lr", "1e9"),
    ("lr", "nan"),
    ("lr", ""),
    ("batch", "0"),
    ("batch", "x"),
    ("batch", "1.5"),
    ("epochs", "1000"),
    ("seed", "-1"),
    ("scale", "big"),
    ("scale", ""),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_falls_back_to_the_default_with_one_notice(name, value):
    config, notices = parse_train_query({name: value})
    assert config == TrainConfig()
    assert len(notices) == 1
    assert notices[0].startswith(f"{name}=")


@pytest.mark.parametrize(
    ("query", "field", "nearest"),
    [
        ({"batch": "1"}, "batch_size", 8),
        ({"batch": "100"}, "batch_size", 128),
        ({"batch": "4096"}, "batch_size", 512),
        ({"lr": "0.0015"}, "learning_rate", 1e-3),
        ({"lr": "10"}, "learning_rate", 1.0),
    ],
)
def test_values_off_the_pages_choices_snap_to_the_nearest_with_a_notice(query, field, nearest):
    config, notices = parse_train_query(query)
    assert getattr(config, field) == nearest
    assert len(notices) == 1 and "not one of the page's choices" in notices[0]


def test_several_bad_values_give_one_notice_each_and_keep_the_good_ones():
    config, notices = parse_train_query(
        {"variant": "Z", "lr": "fast", "batch": "64", "scale": "raw", "seed": "-3"}
    )
    assert config == TrainConfig(batch_size=64, scale="raw")
    assert [n.split("=")[0] for n in notices] == ["variant", "lr", "seed"]


def test_unknown_parameters_are_ignored():
    assert parse_train_query({"present": "1", "width": "999"}) == (TrainConfig(), [])
    assert parse_train_query({"hidden": "99"}) == (TrainConfig(hidden=(99,)), [])
    assert parse_train_query({"hidden": "none"}) == (TrainConfig(hidden=()), [])


def test_repeated_values_use_the_last():
    config, notices = parse_train_query(
        {"lr": ["0.1", "0.01"], "variant": ["Z", "B"], "epochs": ["7", "x", "2"]}
    )
    assert (config.learning_rate, config.variants, config.epochs) == (0.01, ("B",), 2)
    assert notices == []
    config, notices = parse_train_query({"batch": ["64", "zero"]})
    assert config.batch_size == 32 and len(notices) == 1


@given(
    st.dictionaries(
        st.sampled_from([*TRAIN_PARAMS, "other"]),
        st.one_of(st.text(max_size=30), st.lists(st.text(max_size=12), max_size=3)),
    )
)
def test_any_query_gives_a_valid_config(params):
    config, notices = parse_train_query(params)
    assert isinstance(config, TrainConfig)
    assert len(notices) <= len([p for p in params if p in TRAIN_PARAMS])
    # Whatever came in, the URL written back reads again without a notice.
    again, notices_again = parse_train_query(train_query(config))
    assert notices_again == []
    assert dataclasses.replace(again, learning_rate=config.learning_rate) == config
    assert again.learning_rate == pytest.approx(config.learning_rate, rel=1e-5)


@given(
    st.lists(st.sampled_from("ABCD"), min_size=1, max_size=4, unique=True),
    st.sampled_from(["uci-digits", "mnist"]),
    st.sampled_from(LEARNING_RATES),
    st.sampled_from(BATCH_SIZES),
    st.integers(1, 100),
    st.integers(0, 2**31 - 1),
    st.sampled_from(["max", "raw"]),
)
def test_url_round_trip_property(variants, data, lr, batch, epochs, seed, scale):
    config = TrainConfig(
        variants=tuple(variants),
        data=data,
        learning_rate=lr,
        batch_size=batch,
        epochs=epochs,
        seed=seed,
        scale=scale,
    )
    assert parse_train_query(train_query(config)) == (config, [])


# --- presets --------------------------------------------------------------------------


def test_presets():
    presets = {p.key: p for p in PRESETS}
    assert list(presets) == ["course", "push", "quick"]
    course, push, quick = presets["course"].config, presets["push"].config, presets["quick"].config
    assert course.hidden == (25, 15) and course.optimizer == "adam"
    assert course.learning_rate == 1e-3 and course.batch_size == 32
    assert set(course.variants) == {"A", "C"}
    assert push.scale == "raw" and set(push.variants) == {"B", "C"}
    assert push.learning_rate > TrainConfig().learning_rate
    assert quick.data == "uci-digits" and set(quick.variants) == {"A", "B", "C", "D"}
    for preset in PRESETS:
        assert preset.label and preset.lesson
        assert TrainConfig(**preset.config.to_params()) == preset.config


# --- divergence messages ----------------------------------------------------------------


def test_divergence_message_for_an_overflowing_logit():
    assert divergence_message(812, float("nan"), 731.2) == (
        "step 812: loss is nan: exp of a logit of 731 overflowed float32 (limit 88.72)"
    )
    message = divergence_message(3, float("inf"), 88.9)
    assert message.startswith("step 3: loss is inf: exp of a logit of 89 overflowed float32")


@pytest.mark.parametrize("top", [float("inf"), float("nan"), float("-inf")])
def test_divergence_message_for_non_finite_logits(top):
    message = divergence_message(40, float("nan"), top)
    assert message == "step 40: loss is nan: the logits themselves overflowed: the weights blew up"


@pytest.mark.parametrize("top", [12.0, 88.72, -5.0])
def test_divergence_message_for_small_logits(top):
    message = divergence_message(7, float("inf"), top)
    assert message == (
        "step 7: loss is inf: a probability rounded to exactly 0 and its log is -inf"
    )
    assert "overflowed" not in message


def test_the_overflow_limit_is_float32s_log_max_everywhere():
    limit = exp_overflow_threshold("float32")
    assert limit == training.FLOAT32_EXP_LIMIT
    assert "overflowed" in divergence_message(1, float("nan"), np.nextafter(limit, 100))
    assert "overflowed" not in divergence_message(1, float("nan"), limit)
    assert "passes 88.72," in training.VARIANTS["B"].explanation
    push = next(preset for preset in PRESETS if preset.key == "push")
    assert "logits pass 88.72 at once" in push.lesson
    assert "past 88.72 and" in LESSONS[0].teaches


def test_divergence_message_says_inf_for_negative_infinity_too():
    assert "loss is inf" in divergence_message(1, float("-inf"), 1.0)


# --- chunks: how many steps an engine runs between checkpoints ------------------------


def test_chunks_start_at_one_step_and_double_until_they_fill_the_budget():
    sizer = training.ChunkSizer(budget=0.1, most=200)
    sizes = []
    for _ in range(9):
        sizes.append(sizer.next())
        # A Keras engine at 4 ms a step and a NumPy one at 1 ms: the slower one sets the size.
        sizer.record("A", sizes[-1], sizes[-1] * 0.004)
        sizer.record("D", sizes[-1], sizes[-1] * 0.001)
    assert sizes == [1, 2, 4, 8, 16, 25, 25, 25, 25]


def test_chunks_shrink_at_once_when_steps_get_slower_and_never_reach_zero():
    sizer = training.ChunkSizer(budget=0.1, most=200)
    for _ in range(12):
        sizer.record("C", sizer.next(), 0.0)  # too fast to measure: capped by `most`
    assert sizer.steps == 200
    sizer.record("C", 200, 200 * 0.01)
    assert sizer.next() == 10
    sizer.record("C", 1, 0.5)  # one step longer than the whole budget
    assert sizer.next() == 1


def test_an_engine_that_diverged_no_longer_sets_the_size():
    sizer = training.ChunkSizer(budget=0.1, most=200)
    sizer.record("B", 1, 0.05)
    sizer.record("C", 1, 0.001)
    assert sizer.next() == 2
    sizer.forget("B")
    assert sizer.next() == 4  # doubling, on the way to C's 100


class FakeClock:
    """Stands in for the `time` module in core.training.run: engines advance it."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


class FakeEngine:
    """An engine whose every step takes a fixed time on `clock`."""

    def __init__(self, clock, seconds_per_step, weights):
        self.clock, self.seconds_per_step, self._weights = clock, seconds_per_step, weights

    def run(self, xs, ys):
        self.clock.now += len(xs) * self.seconds_per_step
        return [2.3] * len(xs), [1.0] * len(xs), [1.0] * len(xs)

    def weights(self):
        return self._weights


class RecordingContext:
    def __init__(self):
        self.log = []

    def emit(self, event):
        self.log.append(event)

    def checkpoint(self):
        self.log.append("checkpoint")


def test_engines_run_budget_sized_chunks_with_a_checkpoint_before_every_call(monkeypatch):
    clock = FakeClock()
    # A Keras engine and a NumPy one, in seconds a step that floats hold exactly.
    per_step = {"A": 1 / 256, "D": 1 / 1024}
    monkeypatch.setattr(training, "time", clock)
    monkeypatch.setattr(
        training,
        "make_engine",
        lambda key, spec, weights, config: FakeEngine(clock, per_step[key], weights),
    )
    ctx = RecordingContext()
    training.train_task(TrainConfig(variants=("A", "D"), epochs=2).to_params(), ctx)
    calls = [e for e in ctx.log if e != "checkpoint" and e["type"] == "steps"]
    # 44 steps an epoch: chunks double from one step to the 25 that fit 0.1 s at A's 3.9 ms,
    # and an epoch's last chunk is what is left of it.
    sizes = [len(e["losses"]) for e in calls if e["variant"] == "A"]
    assert sizes == [1, 2, 4, 8, 16, 13, 25, 19]
    assert sizes == [len(e["losses"]) for e in calls if e["variant"] == "D"]
    assert all(n * per_step["A"] <= training.CHUNK_SECONDS for n in sizes)
    # Pause and stop are looked at before every engine's call, not once a round.
    for before, event in itertools.pairwise(ctx.log):
        if event in calls:
            assert before == "checkpoint", event


# --- real training jobs -----------------------------------------------------------------

QUICK = {"n_train": 320, "epochs": 2, "learning_rate": 1e-2}


@pytest.fixture(scope="module")
def pool():
    p = WorkerPool(max_workers=1, stop_grace=3.0)
    yield p
    p.shutdown()


def run(pool, config, timeout=120):
    job = pool.submit(training.TRAIN_TASK, config.to_params(), owner="test")
    assert pool.wait(job, timeout), "the training job did not finish in time"
    return job


def of_type(job, kind, variant=None):
    return [
        e
        for e in job.events
        if e.get("type") == kind and (variant is None or e.get("variant") == variant)
    ]


@pytest.fixture(scope="module")
def all_four(pool):
    config = TrainConfig(variants=("A", "B", "C", "D"), **QUICK)
    # The first Keras job imports TensorFlow in the worker: allow for it.
    return config, run(pool, config, timeout=180)


def _learned(job):
    """Every loss, logit peak, accuracy and final weight a run produced, per variant.

    Steps come in chunks sized by the clock, so the values are compared step by step,
    not chunk by chunk.
    """
    return {
        key: (
            [v for e in of_type(job, "steps", key) for v in e["losses"]],
            [v for e in of_type(job, "steps", key) for v in e["peaks"]],
            [(e["train_accuracy"], e["test_accuracy"]) for e in of_type(job, "epoch", key)],
            [(w.tobytes(), b.tobytes()) for w, b in outcome["weights"]],
        )
        for key, outcome in job.result["variants"].items()
    }


def test_equal_settings_train_bit_for_bit_the_same_in_any_worker(pool, all_four):
    # What sharing a run rests on: a request equal to a run gets exactly that run's
    # numbers, whichever worker process (warm, or new) would have trained it.
    config, first = all_four
    again = run(pool, config)
    other = WorkerPool(max_workers=1)
    try:
        fresh = run(other, config, timeout=180)
    finally:
        other.shutdown()
    for job in (again, fresh):
        assert job.status is JobStatus.DONE, job.error
        assert _learned(job) == _learned(first)


def test_all_four_variants_train_side_by_side(all_four):
    config, job = all_four
    assert job.status is JobStatus.DONE, job.error
    start = job.events[0]
    assert start["type"] == "start"
    assert start["variants"] == ["A", "B", "C", "D"]
    assert start["n_train"] == 320 and start["n_test"] == data.load_uci_digits().n_test
    assert start["steps_per_epoch"] == 320 // 32
    total = start["total_steps"]
    assert total == 10 * config.epochs
    assert "UCI" in start["dataset"]
    for key in config.variants:
        chunks = of_type(job, "steps", key)
        assert chunks, f"no steps from {key}"
        losses = [v for c in chunks for v in c["losses"]]
        peaks = [v for c in chunks for v in c["peaks"]]
        assert len(losses) == len(peaks) == total
        assert all(math.isfinite(v) for v in losses + peaks)
        assert all(p >= 0 for p in peaks)
        # Chunks follow each other without gaps.
        firsts = [c["first_step"] for c in chunks]
        assert firsts[0] == 1
        assert firsts == [1 + sum(len(c["losses"]) for c in chunks[:i]) for i in range(len(chunks))]
        assert all(c["samples_per_s"] > 0 for c in chunks)
        # It learned something: the last batches are better than the first.
        assert np.mean(losses[-5:]) < losses[0]
        epochs = of_type(job, "epoch", key)
        assert [e["epoch"] for e in epochs] == list(range(1, config.epochs + 1))
        for e in epochs:
            assert 0 <= e["train_accuracy"] <= 1 and 0 <= e["test_accuracy"] <= 1
        assert epochs[-1]["test_accuracy"] > 0.2  # chance is 0.1
        assert all(e["stuck"] is None for e in epochs)
    assert not of_type(job, "diverged")


def test_same_start_same_first_loss(all_four):
    _, job = all_four
    first = {e["variant"]: e["losses"][0] for e in of_type(job, "steps") if e["first_step"] == 1}
    assert set(first) == {"A", "B", "C", "D"}
    # Same initial weights, same first batch: while logits are small, the softmax
    # layer (A), the naive-but-finite one (B), from logits (C) and NumPy (D) agree.
    assert max(first.values()) - min(first.values()) < 1e-5
    assert 1.5 < first["C"] < 3.5  # about ln(10) for an untrained network


def test_softmax_layer_trains_like_from_logits(all_four):
    # Keras on TensorFlow hands variant A's logits to the loss: A follows C step by step.
    _, job = all_four
    curves = {k: [v for e in of_type(job, "steps", k) for v in e["losses"]] for k in ("A", "C")}
    np.testing.assert_allclose(curves["A"], curves["C"], atol=1e-3)


def test_result_holds_trained_weights_for_each_variant(all_four):
    config, job = all_four
    result = job.result
    spec = nets.NetworkSpec(**result["spec"])
    assert spec == nets.NetworkSpec(64, (25, 15), "relu", 10)
    assert result["dataset"] == "uci-digits"
    assert TrainConfig(**result["config"]) == config
    initial = nets.init_weights(spec, config.seed, config.init_scale)
    assert set(result["variants"]) == {"A", "B", "C", "D"}
    for key, outcome in result["variants"].items():
        assert outcome["diverged"] is None
        nets.check_weights(outcome["weights"], spec)
        assert all(w.dtype == np.float32 for pair in outcome["weights"] for w in pair)
        assert not np.allclose(outcome["weights"][0][0], initial[0][0]), key


@pytest.mark.parametrize("variant", ["A", "B", "C"])
def test_a_keras_engine_is_traced_once_before_its_first_step(pool, variant):
    # Its optimizer's slots are built first: a trace that creates them is traced again,
    # which doubled the wait for the first point on the page.
    job = pool.submit("tests.job_tasks:keras_engine_traces", {"variant": variant})
    assert pool.wait(job, 120)
    assert job.status is JobStatus.DONE, job.error
    assert job.result == 1


def test_progress_events_count_up_to_the_total(all_four):
    _, job = all_four
    progress = of_type(job, "progress")
    total = job.events[0]["total_steps"]
    steps = [p["step"] for p in progress]
    assert steps == sorted(steps) and steps[-1] == total
    assert all(p["total_steps"] == total for p in progress)
    assert progress[-1]["epoch"] == 2
    elapsed = [p["elapsed"] for p in progress]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 0


def test_pushing_the_logits_breaks_b_but_not_c(pool):
    preset = next(p for p in PRESETS if p.key == "push")
    config = dataclasses.replace(preset.config, epochs=2)
    job = run(pool, config)
    assert job.status is JobStatus.DONE, job.error
    diverged = of_type(job, "diverged")
    assert [e["variant"] for e in diverged] == ["B"]
    event = diverged[0]
    assert "overflowed float32" in event["message"]
    assert event["message"].startswith(f"step {event['step']}: loss is nan")
    b_losses = [v for e in of_type(job, "steps", "B") for v in e["losses"]]
    # The message names the first step whose loss is not finite, and B stops after the
    # chunk it broke in (a compiled Keras chunk runs to its end; NumPy stops at once).
    step = event["step"]
    assert not math.isfinite(b_losses[step - 1]) and all(map(math.isfinite, b_losses[: step - 1]))
    assert len(b_losses) < job.events[0]["total_steps"]
    assert of_type(job, "epoch", "B") == []
    outcome = job.result["variants"]
    assert outcome["B"]["diverged"] == event["message"]
    assert outcome["C"]["diverged"] is None
    c_losses = [v for e in of_type(job, "steps", "C") for v in e["losses"]]
    assert len(c_losses) == job.events[0]["total_steps"]
    assert all(math.isfinite(v) for v in c_losses)
    # The logits did pass the float32 limit for C as well: it survives them.
    assert max(v for e in of_type(job, "steps", "C") for v in e["peaks"]) > 88.72
    assert len(of_type(job, "epoch", "C")) == 2


def test_a_learning_rate_that_leaves_c_at_chance_is_explained_by_what_its_relus_do(pool):
    # The reported run, /train?variant=B,C&lr=1: B diverges, C ends at chance with a finite loss.
    config = TrainConfig(variants=("B", "C"), learning_rate=1.0, epochs=2)
    job = run(pool, config)
    assert job.status is JobStatus.DONE, job.error
    assert [e["variant"] for e in of_type(job, "diverged")] == ["B"]
    last = of_type(job, "epoch", "C")[-1]
    _, _, x_test, y_test, _ = training.load_training_data(config)
    assert last["test_accuracy"] <= chance_threshold(y_test)
    message = last["stuck"]
    assert message.startswith(f"test accuracy {last['test_accuracy']:.1%} is ")
    assert "better than chance" in message
    # What it says of the ReLUs is what the final weights do on the test set.
    weights = job.result["variants"]["C"]["weights"]
    spec = nets.NetworkSpec(**job.result["spec"])
    start = relus_on(nets.layer_outputs(nets.init_weights(spec, config.seed), x_test)[:-1])
    now = relus_on(nets.layer_outputs(weights, x_test)[:-1])
    dead = [i for i, on in enumerate(now) if not on.any()]
    if dead:
        assert f"Every ReLU of hidden layer {dead[0] + 1} outputs 0" in message
        assert "learning rate of 1 pushed them" in message
    else:
        assert "Every ReLU" not in message
        for i, (before, after) in enumerate(zip(start, now, strict=True)):
            off = (before & ~after).sum()
            if off:
                assert f"{off} of the {after.size} ReLUs of hidden layer {i + 1}" in message


PUSH_D = {"variants": ("D",), "scale": "raw", "init_scale": 2.0, "learning_rate": 3e-3}


def test_naive_numpy_softmax_diverges_and_the_stable_one_does_not(pool):
    naive = run(pool, TrainConfig(**PUSH_D, epochs=2, naive_softmax=True))
    assert naive.status is JobStatus.DONE, naive.error
    diverged = of_type(naive, "diverged", "D")
    assert len(diverged) == 1
    assert naive.result["variants"]["D"]["diverged"] == diverged[0]["message"]
    assert "loss is" in diverged[0]["message"]
    # Every variant diverged: the job ends early.
    assert of_type(naive, "progress")[-1]["step"] < naive.events[0]["total_steps"]

    stable = run(pool, TrainConfig(**PUSH_D, epochs=2))
    assert stable.status is JobStatus.DONE, stable.error
    assert of_type(stable, "diverged") == []
    assert stable.result["variants"]["D"]["diverged"] is None
    losses = [v for e in of_type(stable, "steps", "D") for v in e["losses"]]
    assert len(losses) == stable.events[0]["total_steps"]
    assert all(math.isfinite(v) for v in losses)


# Variant D one sample at a time: about 0.2 s per epoch, long enough to act on.
SLOW = {"variants": ("D",), "batch_size": 1}


def test_stop_a_running_job(pool):
    job = pool.submit(training.TRAIN_TASK, TrainConfig(**SLOW, epochs=50).to_params())
    assert wait_for(lambda: len(of_type(job, "steps")) >= 3, 60)
    workers = pool.worker_pids()
    pool.stop(job.id)
    assert pool.wait(job, 60)
    assert job.status is JobStatus.STOPPED
    # Stopped at a checkpoint, not killed when the grace ran out (a wall-clock bound on the
    # stop fails on a busy machine): a killed worker would be gone from the pool.
    assert pool.worker_pids() == workers
    assert job.result is None
    total = job.events[0]["total_steps"]
    assert of_type(job, "progress")[-1]["step"] < total


def steps_done(events) -> int:
    return sum(len(e["losses"]) for e in events if e.get("type") == "steps")


def longest_call(events, batch_size: int) -> float:
    """Return the most steps one engine call can have run, by the worker's own measurements.

    A chunk is planned to fit `CHUNK_SECONDS` at the slowest engine's latest time per step,
    so no call runs more steps than the budget holds at the fastest step ever measured, or
    one step when a step alone is longer than the budget.
    """
    fastest = min(batch_size / e["samples_per_s"] for e in events if e.get("type") == "steps")
    return max(1.0, training.CHUNK_SECONDS / fastest)


# All four variants and the widest network: small batches of the digits (the reported
# run: 179 steps an engine call, a stop waiting for a round of four calls), and large
# batches of 28×28 images (five steps of 0.1 s or more each a call).
HEAVY = {"variants": ("A", "B", "C", "D"), "hidden": (512, 512, 512), "epochs": 100}


@pytest.mark.parametrize("action", ["stop", "pause"])
@pytest.mark.parametrize("batch_size", [8, 512])
def test_stop_and_pause_wait_for_one_engine_call_at_most(pool, tmp_path, action, batch_size):
    config = TrainConfig(**HEAVY, batch_size=batch_size)
    if batch_size == 512:
        path = write_mnist(tmp_path / "mnist.npz", n_train=4 * 512, n_test=64)
        config = dataclasses.replace(config, data="mnist", mnist_path=str(path))
    job = pool.submit(training.TRAIN_TASK, config.to_params())
    try:
        # Asked as the first variant of the third round reports: three calls of the round
        # are still ahead, which a check once a round would all run.
        assert wait_for(lambda: len(of_type(job, "steps")) >= 9, 120)
        asked = list(job.events)
        getattr(pool, action)(job.id)
        expected = JobStatus.STOPPED if action == "stop" else JobStatus.PAUSED
        # The worker acknowledges after its last event, on the same pipe: all steps count.
        assert wait_for(lambda: job.status is expected, 60)
        events = list(job.events)
        # The call in progress when the request came, and one whose event was on its way:
        # not the rest of a round of every variant's call.
        further = [e for e in events[len(asked) :] if e.get("type") == "steps"]
        assert len(further) <= 2, [e["variant"] for e in further]
        assert steps_done(further) <= 2 * longest_call(events, batch_size)
        assert of_type(job, "progress")[-1]["step"] < job.events[0]["total_steps"]
    finally:
        pool.stop(job.id)  # a failed check must not leave the run in the way of the next
        assert pool.wait(job, 60)


def test_pause_and_resume(pool):
    job = pool.submit(training.TRAIN_TASK, TrainConfig(**SLOW, epochs=8).to_params())
    assert wait_for(lambda: len(of_type(job, "steps")) >= 1, 60)
    pool.pause(job.id)
    assert wait_for(lambda: job.status is JobStatus.PAUSED, 60)
    # The pause is acknowledged after the last event: time must pass to show none follows.
    frozen = len(job.events)
    time.sleep(0.3)
    assert len(job.events) == frozen
    assert of_type(job, "progress")[-1]["step"] < job.events[0]["total_steps"]
    pool.resume(job.id)
    assert pool.wait(job, 60)
    assert job.status is JobStatus.DONE, job.error
    assert len(job.events) > frozen
    assert of_type(job, "progress")[-1]["step"] == job.events[0]["total_steps"]


def write_mnist(path, n_train=96, n_test=32, seed=0):
    rng = np.random.default_rng(seed)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        y_train=np.arange(n_train, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        y_test=np.arange(n_test, dtype=np.uint8) % 10,
    )
    return path


def test_training_on_an_mnist_file(pool, tmp_path):
    path = write_mnist(tmp_path / "mnist.npz")
    config = TrainConfig(variants=("C", "D"), data="mnist", mnist_path=str(path), epochs=1)
    job = run(pool, config)
    assert job.status is JobStatus.DONE, job.error
    start = job.events[0]
    assert start["n_train"] == 96 and start["n_test"] == 32
    assert start["total_steps"] == 96 // 32
    assert "MNIST" in start["dataset"] and "28×28" in start["dataset"]
    spec = nets.NetworkSpec(**job.result["spec"])
    assert spec.inputs == 784
    assert job.result["dataset"] == "mnist"
    for key in ("C", "D"):
        nets.check_weights(job.result["variants"][key]["weights"], spec)
        assert len(of_type(job, "epoch", key)) == 1
        losses = [v for e in of_type(job, "steps", key) for v in e["losses"]]
        assert len(losses) == 3 and all(map(math.isfinite, losses))


def test_a_bad_config_fails_the_job_with_a_readable_error(pool):
    params = TrainConfig(variants=("D",), data="mnist").to_params()
    job = pool.submit(training.TRAIN_TASK, params)
    assert pool.wait(job, 30)
    assert job.status is JobStatus.FAILED
    assert job.error == "ValueError: MNIST was chosen but no MNIST file was given"


def test_invalid_params_fail_the_job(pool):
    params = {**TrainConfig(variants=("D",)).to_params(), "epochs": 0}
    job = pool.submit(training.TRAIN_TASK, params)
    assert pool.wait(job, 30)
    assert job.status is JobStatus.FAILED
    assert job.error == "ValueError: epochs 0 is outside 1 to 100"


def test_a_training_set_smaller_than_one_batch_is_refused_with_a_reason():
    training.check_batch_fits(128, 128)
    config = training.TrainConfig(n_train=100, batch_size=128)
    with pytest.raises(ValueError, match="100 images, fewer than one batch of 128"):
        training.load_training_data(config)
