"""Tests of core.training.results: a finished run's models, named and tested."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from core.training import results as rs
from core.training.data import flatten_images, load_uci_digits
from core.training.models import evaluate
from core.training.network import NetworkSpec, init_weights, logits
from core.training.run import VARIANTS, NumpyEngine, TrainConfig

DIGITS = load_uci_digits()
SPEC = NetworkSpec(64, (25, 15))


def accuracy(weights, x, y) -> float:
    # Independent of evaluate(): the share of images whose largest logit is the label.
    return float(np.mean(np.argmax(logits(weights, x), axis=1) == y))


def trained(seed: int, scale: str = "max"):
    """Weights trained for two epochs in NumPy: far better than chance (0.1)."""
    engine = NumpyEngine(SPEC, init_weights(SPEC, seed), TrainConfig(learning_rate=1e-2))
    x = flatten_images(DIGITS.x_train, scale, DIGITS.pixel_max)
    n = len(DIGITS.y_train) // 32 * 32
    for _ in range(2):
        engine.run(x[:n].reshape(-1, 32, 64), DIGITS.y_train[:n].reshape(-1, 32))
    return engine.weights()


def run_result(config: TrainConfig, diverged: dict[str, str | None]) -> dict:
    """A result shaped as `core.training.run._train` returns it."""
    return {
        "spec": asdict(SPEC),
        "config": config.to_params(),
        "dataset": config.data,
        "seconds": 1.0,
        "samples": 1000,
        "variants": {
            key: {"weights": trained(i, config.scale), "diverged": message}
            for i, (key, message) in enumerate(diverged.items())
        },
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_label(variant):
    assert rs.variant_label(variant) == f"{variant} · {VARIANTS[variant].title}"
    assert rs.variant_label("C") == "C · from logits"


def test_run_model_names_skip_diverged_variants():
    config = TrainConfig(variants=("A", "B", "C"))
    result = {
        "variants": {
            "A": {"weights": [], "diverged": None},
            "B": {"weights": [], "diverged": "step 3: loss is nan: ..."},
            "C": {"weights": [], "diverged": None},
        }
    }
    assert rs.run_model_names("job-3", result, config) == {
        "A": "A · softmax layer · uci-digits · job-3",
        "C": "C · from logits · uci-digits · job-3",
    }
    mnist = TrainConfig(variants=("A", "B", "C"), data="mnist", mnist_path="/m.npz")
    assert rs.run_model_names("job-4", result, mnist)["A"] == "A · softmax layer · mnist · job-4"


def test_run_model_names_of_a_run_that_all_diverged():
    result = {"variants": {"B": {"weights": [], "diverged": "step 1: loss is inf"}}}
    assert rs.run_model_names("job-1", result, TrainConfig(variants=("B",))) == {}


def test_two_runs_name_their_models_apart():
    result = {"variants": {"C": {"weights": [], "diverged": None}}}
    config = TrainConfig()
    assert rs.run_model_names("job-1", result, config) != rs.run_model_names(
        "job-2", result, config
    )


@pytest.mark.parametrize("scale", ["max", "raw"])
def test_models_from_run_are_tested_on_the_test_set(scale):
    config = TrainConfig(variants=("A", "B", "C", "D"), scale=scale)
    result = run_result(config, {"A": None, "B": "step 5: loss is nan", "C": None, "D": None})
    models = rs.models_from_run("job-7", result, config, DIGITS)
    assert list(models) == [
        "A · softmax layer · uci-digits · job-7",
        "C · from logits · uci-digits · job-7",
        "D · from scratch (NumPy) · uci-digits · job-7",
    ]
    for name, model in models.items():
        weights = result["variants"][model.variant]["weights"]
        assert model.name == name and model.spec == SPEC and model.weights is weights
        assert (model.dataset, model.scale, model.pixel_max) == ("uci-digits", scale, 16)
        without = evaluate(
            type(model)(name, model.variant, SPEC, weights, "uci-digits", scale, 16),
            DIGITS.x_test,
            DIGITS.y_test,
        )
        assert model.test_accuracy == without.accuracy
        # The same number as the run's own measure on the flattened test images.
        x_test = flatten_images(DIGITS.x_test, scale, DIGITS.pixel_max)
        assert model.test_accuracy == pytest.approx(accuracy(weights, x_test, DIGITS.y_test))
        assert model.test_accuracy > 0.3  # chance is 0.1
    accuracies = [m.test_accuracy for m in models.values()]
    assert len(set(accuracies)) > 1  # each variant's own weights


def test_models_from_run_use_the_run_s_scaling():
    # Weights trained on raw pixels, tested as raw pixels: a model that forgot its
    # scaling would see inputs 16 times smaller.
    config = TrainConfig(variants=("C",), scale="raw")
    result = run_result(config, {"C": None})
    (model,) = rs.models_from_run("job-1", result, config, DIGITS).values()
    shrunk = flatten_images(DIGITS.x_test, "max", DIGITS.pixel_max)
    assert model.test_accuracy != accuracy(model.weights, shrunk, DIGITS.y_test)
    np.testing.assert_array_equal(
        model.prepare(DIGITS.x_test[:3]), flatten_images(DIGITS.x_test[:3], "raw", 16)
    )


def test_models_from_run_read_the_spec_from_the_result():
    spec = NetworkSpec(64, (8,), "tanh")
    config = TrainConfig(hidden=(8,), activation="tanh")
    weights = init_weights(spec, 1)
    result = {"spec": asdict(spec), "variants": {"C": {"weights": weights, "diverged": None}}}
    (model,) = rs.models_from_run("job-9", result, config, DIGITS).values()
    assert model.spec == spec
    assert model.test_accuracy == evaluate(model, DIGITS.x_test, DIGITS.y_test).accuracy


def test_models_from_a_run_that_all_diverged():
    config = TrainConfig(variants=("B",))
    result = run_result(config, {"B": "step 1: loss is nan"})
    assert rs.models_from_run("job-1", result, config, DIGITS) == {}


def test_misclassified_captions_name_the_truth_the_answer_and_its_probability():
    config = TrainConfig(variants=("C",))
    result = run_result(config, {"C": None})
    model = next(iter(rs.models_from_run("job-1", result, config, DIGITS).values()))
    evaluation = evaluate(model, DIGITS.x_test, DIGITS.y_test)
    wrong = evaluation.misclassified[:3]
    captions = rs.misclassified_captions(evaluation, DIGITS.y_test, wrong)
    for caption, i in zip(captions, wrong, strict=True):
        said = evaluation.predictions[i]
        assert caption == (
            f"true {DIGITS.y_test[i]}, said {said} ({evaluation.probabilities[i, said]:.0%})"
        )
        assert DIGITS.y_test[i] != said
