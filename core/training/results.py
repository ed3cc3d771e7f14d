"""What a finished training run leaves: its models, named and tested."""

from __future__ import annotations

import dataclasses
from typing import Any

from numpy.typing import NDArray

from core.training.data import Dataset
from core.training.models import Evaluation, TrainedModel, evaluate
from core.training.network import NetworkSpec
from core.training.run import VARIANTS, TrainConfig


def variant_label(key: str) -> str:
    """Return a variant as the page names it, ``"C · <title>"``."""
    return f"{key} · {VARIANTS[key].title}"


def run_model_names(job_id: str, result: dict[str, Any], config: TrainConfig) -> dict[str, str]:
    """Return ``{variant: model name}`` for the variants of a run that did not diverge.

    Parameters
    ----------
    job_id : str
        The run's job, so that two runs' models have different names.
    result : dict
        The job's result (``"variants"`` with each one's weights and divergence).
    config : TrainConfig
        The run's settings.

    Returns
    -------
    dict
        Names such as ``"C · <title> · uci-digits · job-3"``.
    """
    return {
        key: f"{variant_label(key)} · {config.data} · {job_id}"
        for key, outcome in result["variants"].items()
        if not outcome["diverged"]
    }


def models_from_run(
    job_id: str, result: dict[str, Any], config: TrainConfig, test_set: Dataset
) -> dict[str, TrainedModel]:
    """Return a run's models by name, each with its accuracy on the test set.

    Parameters
    ----------
    job_id : str
        The run's job.
    result : dict
        The job's result.
    config : TrainConfig
        The run's settings.
    test_set : Dataset
        The data set it trained on, for its test images.

    Returns
    -------
    dict
        One model per variant that did not diverge.
    """
    spec = NetworkSpec(**result["spec"])
    models = {}
    for key, name in run_model_names(job_id, result, config).items():
        model = TrainedModel(
            name,
            key,
            spec,
            result["variants"][key]["weights"],
            config.data,
            config.scale,
            test_set.pixel_max,
        )
        accuracy = evaluate(model, test_set.x_test, test_set.y_test).accuracy
        models[name] = dataclasses.replace(model, test_accuracy=accuracy)
    return models


def misclassified_captions(evaluation: Evaluation, labels: NDArray, indices: NDArray) -> list[str]:
    """Return "true 4, said 9 (63%)" for each misclassified test image shown.

    Parameters
    ----------
    evaluation : Evaluation
        The model's results on the test set.
    labels : numpy.ndarray
        The test set's true classes.
    indices : numpy.ndarray
        The images shown.

    Returns
    -------
    list of str
        One caption per image, with the probability the model gave its answer.
    """
    said = evaluation.predictions
    return [
        f"true {labels[i]}, said {said[i]} ({evaluation.probabilities[i, said[i]]:.0%})"
        for i in indices
    ]
