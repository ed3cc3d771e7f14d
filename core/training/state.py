"""The train page's session state: settings, presets and a run's bookkeeping, as functions.

The page's widgets call these with the session's state mapping; no Streamlit
here, so every transition is tested on a plain dict. Keys are ``"tr.<name>"``
for the settings (``variants``, ``data``, ``lr``, ``batch``, ``epochs``,
``seed``, ``scale``, ``optimizer``, ``init_scale``, ``hidden``, ``activation``,
``naive``, ``n_train``), ``notices`` and ``lesson`` for messages,
``mnist_upload``/``mnist_attempt`` for where MNIST comes from, ``history`` and
``saved`` for the current run; ``models`` holds the session's trained models
for the draw page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, MutableMapping
from typing import Any

from core.training import settings as ts
from core.training.data import Dataset
from core.training.history import TrainingHistory
from core.training.models import TrainedModel
from core.training.results import models_from_run, run_model_names
from core.training.run import TrainConfig, check_batch_fits

State = MutableMapping[str, Any]

PREFIX = "tr"
MODELS = "models"
"""Session key of the trained models, shared with the draw page."""

_SESSION_KEYS = {
    "variants": "variants",
    "data": "data",
    "learning_rate": "lr",
    "batch_size": "batch",
    "epochs": "epochs",
    "seed": "seed",
    "scale": "scale",
    "optimizer": "optimizer",
    "init_scale": "init_scale",
    "activation": "activation",
    "naive_softmax": "naive",
}
"""TrainConfig field to the name of its control."""


def key(name: str) -> str:
    """Return the session key of one of the page's values."""
    return f"{PREFIX}.{name}"


def apply_config(state: State, config: TrainConfig) -> None:
    """Set every control to `config`."""
    for name, control in _SESSION_KEYS.items():
        value = getattr(config, name)
        state[key(control)] = list(value) if name == "variants" else value
    state[key("hidden")] = ", ".join(str(n) for n in config.hidden)
    state.setdefault(key("n_train"), 0)


def apply_settings(state: State, values: Mapping[str, Any], notices: list[str]) -> None:
    """Put settings read from a link into the page's state (the rest at their defaults)."""
    apply_config(state, TrainConfig(**values))
    state[key("notices")] = list(notices)


def on_preset(state: State, preset_key: str, mnist_available: bool) -> None:
    """Load a preset and show what it teaches; without MNIST, say it uses the digits."""
    preset = next(p for p in ts.PRESETS if p.key == preset_key)
    config = preset.config
    state[key("notices")] = []
    if config.data == "mnist" and not mnist_available:
        config = dataclasses.replace(config, data="uci-digits")
        state[key("notices")] = [
            "MNIST is not available here, so the preset uses the embedded digits."
        ]
    apply_config(state, config)
    state[key("lesson")] = preset.lesson


def current_config(
    state: Mapping[str, Any], mnist: tuple[Dataset, str] | None, digits: Dataset
) -> TrainConfig:
    """Return the run the controls describe.

    Parameters
    ----------
    state : mapping
        The session's state.
    mnist : (Dataset, str) or None
        MNIST and the file the worker reads it from, when the server has it.
    digits : Dataset
        The embedded digits, used when MNIST is chosen but not available.

    Returns
    -------
    TrainConfig
        The settings.

    Raises
    ------
    ValueError
        With a sentence for the student, when the settings cannot train (hidden
        sizes, a subset smaller than one batch).
    """
    use_mnist = state[key("data")] == "mnist" and mnist is not None
    chosen = mnist[0] if use_mnist else digits
    subset = state[key("n_train")] or None
    check_batch_fits(min(subset or chosen.n_train, chosen.n_train), state[key("batch")])
    fields = {name: state[key(control)] for name, control in _SESSION_KEYS.items()}
    fields["variants"] = tuple(fields["variants"]) or ("C",)
    fields["data"] = "mnist" if use_mnist else "uci-digits"
    return TrainConfig(
        **fields,
        n_train=subset,
        hidden=ts.parse_hidden(state[key("hidden")]),
        mnist_path=mnist[1] if use_mnist else None,
    )


def current_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """Return the page's shareable settings as they stand, for its URL."""
    special = {
        "variants": lambda: tuple(state[key("variants")]) or ("C",),
        "hidden": lambda: ts.parse_hidden(state[key("hidden")]),
    }
    return {
        setting.name: special[setting.name]()
        if setting.name in special
        else state[key(_SESSION_KEYS[setting.name])]
        for setting in ts.SETTINGS.settings
    }


def on_started(state: State) -> None:
    """Start the charts of a new run from nothing."""
    state[key("history")] = TrainingHistory()
    state[key("saved")] = None


def keep_models(state: State, job_id: str, models: dict[str, TrainedModel]) -> None:
    """Keep a finished run's models in the session, for the draw page, once per run."""
    state.setdefault(MODELS, {}).update(models)
    state[key("saved")] = job_id


def keep_uploaded_model(state: State, name: str, model: TrainedModel) -> bool:
    """Add an uploaded model to the session's models; return whether it is new."""
    models = state.setdefault(MODELS, {})
    if name in models:
        return False
    models[name] = model
    return True


def ask_for_mnist_again(state: State) -> None:
    """Make the next lookup of MNIST try again (and download, if it can)."""
    state[key("mnist_attempt")] = state.get(key("mnist_attempt"), 0) + 1


def keep_mnist_upload(state: State, upload: tuple[Dataset, str]) -> None:
    """Use an uploaded MNIST (checked and stored) for the rest of the session."""
    state[key("mnist_upload")] = upload


def run_models(
    state: State, job_id: str, result: dict[str, Any], config: TrainConfig, test_set: Dataset
) -> dict[str, TrainedModel]:
    """Return a finished run's models by name, kept in the session the first time.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    job_id : str
        The run's job.
    result : dict
        The job's result.
    config : TrainConfig
        The run's settings.
    test_set : Dataset
        Its data set, to test the models once.

    Returns
    -------
    dict
        This run's models (by name, as kept: an upload of the same weights may carry
        the same job id in its name, and is not one of them).
    """
    if state.get(key("saved")) != job_id:
        keep_models(state, job_id, models_from_run(job_id, result, config, test_set))
    saved = state.get(MODELS, {})
    names = run_model_names(job_id, result, config).values()
    return {name: saved[name] for name in names if name in saved}
