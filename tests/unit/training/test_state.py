"""Tests of core.training.state: the train page's transitions, driven on a plain dict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.training import settings as ts
from core.training import state as tr
from core.training.data import Dataset, load_uci_digits
from core.training.history import TrainingHistory
from core.training.models import TrainedModel
from core.training.network import NetworkSpec, init_weights
from core.training.run import TrainConfig
from core.training.state import MODELS, key
from tests.unit.training.test_results import run_result

DIGITS = load_uci_digits()
N_MNIST = 50


def small_mnist(n_train: int = N_MNIST) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset(
        "mnist",
        "MNIST",
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        np.arange(n_train, dtype=np.int64) % 10,
        rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        np.arange(10, dtype=np.int64) % 10,
        255,
        "test",
    )


MNIST = (small_mnist(), "/data/mnist.npz")


def visit(params=None):
    """A first visit with a link, as the page does it."""
    state = {}
    values, notices = ts.SETTINGS.from_query(params or {})
    tr.apply_settings(state, values, notices)
    return state


def model(name: str) -> TrainedModel:
    spec = NetworkSpec(64, (4,))
    return TrainedModel(name, "C", spec, init_weights(spec, 0), "uci-digits", "max", 16)


def test_key():
    assert key("lr") == "tr.lr"


def test_apply_config_sets_every_control():
    state = {}
    config = TrainConfig(
        variants=("A", "D"),
        data="mnist",
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=64,
        epochs=9,
        seed=4,
        scale="raw",
        hidden=(30, 20, 10),
        activation="tanh",
        init_scale=2.5,
        naive_softmax=True,
    )
    tr.apply_config(state, config)
    assert state == {
        "tr.variants": ["A", "D"],
        "tr.data": "mnist",
        "tr.lr": 0.1,
        "tr.batch": 64,
        "tr.epochs": 9,
        "tr.seed": 4,
        "tr.scale": "raw",
        "tr.optimizer": "sgd",
        "tr.init_scale": 2.5,
        "tr.activation": "tanh",
        "tr.naive": True,
        "tr.hidden": "30, 20, 10",
        "tr.n_train": 0,
    }


def test_apply_config_keeps_the_chosen_subset():
    state = {key("n_train"): 500}
    tr.apply_config(state, TrainConfig())
    assert state[key("n_train")] == 500


def test_first_visit_without_a_link_is_the_default_run():
    state = visit()
    assert state[key("notices")] == []
    assert tr.current_config(state, None, DIGITS) == TrainConfig()
    assert tr.current_values(state) == ts.SETTINGS.defaults()


def test_link_settings_and_notices():
    params = {"variant": "A,B", "lr": "0.01", "batch": "128", "epochs": "3", "seed": "9"}
    state = visit({**params, "scale": "huge"})
    assert state[key("variants")] == ["A", "B"] and state[key("lr")] == 0.01
    assert state[key("batch")] == 128 and state[key("epochs")] == 3 and state[key("seed")] == 9
    assert state[key("scale")] == "max"
    assert state[key("notices")] == ["scale='huge': choose max or raw; using max."]
    assert ts.SETTINGS.to_query(tr.current_values(state)) == {**params, "variant": "A,B"}


@given(st.dictionaries(st.sampled_from(ts.SETTINGS.keys), st.text(max_size=30)))
def test_any_link_gives_a_run_that_reads_back(params):
    state = visit(params)
    config = tr.current_config(state, None, DIGITS)
    values = tr.current_values(state)
    # The network's shape comes from the link too (issue 11), else the default.
    assert config.data == "uci-digits" and config.hidden == values["hidden"]
    assert ts.SETTINGS.from_query(ts.SETTINGS.to_query(values)) == (values, [])


@pytest.mark.parametrize("preset", ts.PRESETS, ids=lambda p: p.key)
def test_on_preset_with_mnist_available(preset):
    state = visit({"seed": "x"})
    assert state[key("notices")]
    tr.on_preset(state, preset.key, mnist_available=True)
    assert state[key("lesson")] == preset.lesson
    assert state[key("notices")] == []
    assert tr.current_config(state, MNIST, DIGITS) == (
        TrainConfig(**{**preset.config.to_params(), "mnist_path": "/data/mnist.npz"})
        if preset.config.data == "mnist"
        else preset.config
    )


def test_on_preset_without_mnist_falls_back_to_the_digits_with_a_notice():
    state = visit()
    tr.on_preset(state, "course", mnist_available=False)
    assert state[key("data")] == "uci-digits" and state[key("variants")] == ["A", "C"]
    assert state[key("notices")] == [
        "MNIST is not available here, so the preset uses the embedded digits."
    ]
    assert state[key("lesson")] == ts.PRESETS[0].lesson
    # The next preset does not use MNIST: the notice about the last one goes.
    tr.on_preset(state, "quick", mnist_available=False)
    assert state[key("notices")] == []
    assert state[key("variants")] == ["A", "B", "C", "D"] and state[key("lr")] == 1e-2


def test_on_preset_unknown():
    with pytest.raises(StopIteration):
        tr.on_preset({}, "nope", mnist_available=True)


def test_current_config_reads_every_control():
    state = visit()
    state.update(
        {
            key("variants"): ["D", "B"],
            key("optimizer"): "sgd",
            key("init_scale"): 0.5,
            key("hidden"): "12; 8 4",
            key("activation"): "sigmoid",
            key("naive"): True,
            key("n_train"): 300,
        }
    )
    config = tr.current_config(state, None, DIGITS)
    assert config == TrainConfig(
        variants=("D", "B"),
        optimizer="sgd",
        init_scale=0.5,
        hidden=(12, 8, 4),
        activation="sigmoid",
        naive_softmax=True,
        n_train=300,
    )


def test_current_config_without_variants_trains_c():
    state = visit()
    state[key("variants")] = []
    assert tr.current_config(state, None, DIGITS).variants == ("C",)
    assert tr.current_values(state)["variants"] == ("C",)


def test_current_config_uses_mnist_and_its_path_when_available():
    state = visit({"data": "mnist"})
    config = tr.current_config(state, MNIST, DIGITS)
    assert config.data == "mnist" and config.mnist_path == "/data/mnist.npz"
    fallback = tr.current_config(state, None, DIGITS)
    assert fallback.data == "uci-digits" and fallback.mnist_path is None
    # The digits, when chosen, even if MNIST is there.
    state[key("data")] = "uci-digits"
    assert tr.current_config(state, MNIST, DIGITS).mnist_path is None


@pytest.mark.parametrize(
    ("hidden", "message"),
    [
        ("25, lots", r"hidden sizes are whole numbers such as 25, 15; got '25, lots'"),
        ("1.5", r"whole numbers"),
        ("25, 15, 10, 5", r"at most 3 hidden layers; got 4"),
        ("0", r"hidden and output layers have 1 to 512 units"),
        ("600", r"1 to 512 units"),
    ],
)
def test_current_config_explains_bad_hidden_sizes(hidden, message):
    state = visit()
    state[key("hidden")] = hidden
    with pytest.raises(ValueError, match=message):
        tr.current_config(state, None, DIGITS)


def test_current_config_refuses_a_subset_smaller_than_a_batch():
    state = visit({"batch": "64"})
    state[key("n_train")] = 40
    with pytest.raises(
        ValueError,
        match=r"^the training set has 40 images, fewer than one batch of 64: choose a larger "
        r"subset or a smaller batch$",
    ):
        tr.current_config(state, None, DIGITS)
    state[key("n_train")] = 64
    assert tr.current_config(state, None, DIGITS).n_train == 64


def test_current_config_measures_the_chosen_data_set():
    # 50 MNIST images: a batch of 64 does not fit, whatever the subset asks for.
    state = visit({"data": "mnist", "batch": "64"})
    state[key("n_train")] = 1000
    with pytest.raises(ValueError, match="has 50 images, fewer than one batch of 64"):
        tr.current_config(state, MNIST, DIGITS)
    # The digits have 1,438: the same subset fits them.
    assert tr.current_config(state, None, DIGITS).n_train == 1000
    state[key("n_train")] = 0
    with pytest.raises(ValueError, match="has 50 images"):
        tr.current_config(state, MNIST, DIGITS)
    state[key("batch")] = 32
    assert tr.current_config(state, MNIST, DIGITS).n_train is None


def test_current_values_are_the_shareable_settings():
    state = visit()
    tr.on_preset(state, "push", mnist_available=True)
    assert tr.current_values(state) == {
        "variants": ("B", "C"),
        "data": "uci-digits",
        "learning_rate": 3e-3,
        "batch_size": 32,
        "epochs": 20,
        "seed": 0,
        "scale": "raw",
        "optimizer": "adam",
        "hidden": (25, 15),
        "activation": "relu",
        "init_scale": 2.0,
    }
    # The preset's large initial weights travel too: they are what break B.
    assert ts.SETTINGS.to_query(tr.current_values(state)) == {
        "variant": "B,C",
        "lr": "0.003",
        "epochs": "20",
        "scale": "raw",
        "init": "2",
    }


def test_on_started_starts_a_new_history():
    state = {key("history"): "old", key("saved"): "job-1"}
    tr.on_started(state)
    assert isinstance(state[key("history")], TrainingHistory)
    assert state[key("history")].variants == {} and state[key("history")].consumed == 0
    assert state[key("saved")] is None


def test_keep_models_adds_a_run_s_models_and_remembers_the_run():
    state = {}
    first = {"a": model("a"), "b": model("b")}
    tr.keep_models(state, "job-1", first)
    assert state[MODELS] == first and state[key("saved")] == "job-1"
    tr.keep_models(state, "job-2", {"c": model("c")})
    assert list(state[MODELS]) == ["a", "b", "c"] and state[key("saved")] == "job-2"
    tr.keep_models(state, "job-3", {})
    assert len(state[MODELS]) == 3 and state[key("saved")] == "job-3"


def test_keep_uploaded_model_once_per_name():
    state = {}
    first, second = model("up"), model("up")
    assert tr.keep_uploaded_model(state, "up", first) is True
    assert tr.keep_uploaded_model(state, "up", second) is False
    assert state[MODELS]["up"] is first
    assert tr.keep_uploaded_model(state, "other", second) is True
    assert list(state[MODELS]) == ["up", "other"]


def test_ask_for_mnist_again_counts_attempts():
    state = {}
    tr.ask_for_mnist_again(state)
    assert state[key("mnist_attempt")] == 1
    tr.ask_for_mnist_again(state)
    assert state[key("mnist_attempt")] == 2


def test_keep_mnist_upload_is_used_by_current_config():
    state = visit({"data": "mnist"})
    tr.keep_mnist_upload(state, MNIST)
    assert state[key("mnist_upload")] is MNIST
    config = tr.current_config(state, state[key("mnist_upload")], DIGITS)
    assert config.mnist_path == "/data/mnist.npz"


def test_run_models_keeps_a_run_once_and_returns_only_its_own_models():
    config = TrainConfig(variants=("C", "D"))
    result = run_result(config, {"C": None, "D": None})
    state: dict = {}
    models = tr.run_models(state, "job-1", result, config, load_uci_digits())
    assert sorted(m.variant for m in models.values()) == ["C", "D"]
    assert state["tr.saved"] == "job-1" and set(state["models"]) == set(models)
    # An upload kept under another name is not this run's, and a second call reuses.
    tr.keep_uploaded_model(state, "uploaded · C", next(iter(models.values())))
    again = tr.run_models(state, "job-1", result, config, load_uci_digits())
    assert again.keys() == models.keys()
    assert all(again[name] is models[name] for name in models)
