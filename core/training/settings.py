"""The train page's settings: the shareable ones in its URL, presets, and typed layer sizes."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import (
    Control,
    Setting,
    SettingsTable,
    Values,
    choice,
    integer,
    nearest_choice,
    real,
    shortest,
)
from core.training.network import ACTIVATIONS, NetworkSpec
from core.training.run import FLOAT32_EXP_LIMIT, VARIANTS, TrainConfig

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)


BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512)

INIT_SCALE_RANGE = (0.1, 10.0)
"""The initial weight scales the page's control and its URL accept."""


@dataclass(frozen=True)
class Preset:
    """A ready-made training setup.

    Attributes
    ----------
    key, label : str
        Identifier and button text.
    lesson : str
        What to watch for.
    config : TrainConfig
        The setup.
    """

    key: str
    label: str
    lesson: str
    config: TrainConfig


PRESETS: tuple[Preset, ...] = (
    Preset(
        "course",
        "The course",
        "The course's setup: 25-15-10 with ReLU, Adam at 1e-3, batch 32, softmax layer (A) "
        "against linear output with from_logits=True (C). On MNIST they learn alike.",
        TrainConfig(variants=("A", "C"), data="mnist", learning_rate=1e-3, epochs=5),
    ),
    Preset(
        "push",
        "Push the logits",
        f"Raw pixel values and large initial weights: logits pass {FLOAT32_EXP_LIMIT:.2f} at "
        "once and the hand-written softmax (B) returns nan, while from logits (C) keeps a "
        "finite loss and goes on training, slowly: raw pixels are a poor scale for the inputs.",
        TrainConfig(
            variants=("B", "C"), scale="raw", init_scale=2.0, learning_rate=3e-3, epochs=20
        ),
    ),
    Preset(
        "quick",
        "Quick",
        "A few seconds on the embedded digits: all four variants from the same start.",
        TrainConfig(variants=("A", "B", "C", "D"), learning_rate=1e-2, epochs=10),
    ),
)


HIDDEN_LINK_CHARS = 64
"""The longest ``hidden`` a link may carry: a few layers of at most 512 units."""


def _hidden_text(sizes: tuple[int, ...]) -> str:
    # No hidden layer is a network too (softmax regression); an empty value would read
    # back as no value at all.
    return ",".join(str(n) for n in sizes) or "none"


def _parse_hidden_link(text: str, values: Values) -> tuple[int, ...]:
    if text.strip().lower() == "none":
        return ()
    sizes = parse_hidden(text) if len(text) <= HIDDEN_LINK_CHARS else ()
    if not sizes:
        raise ValueError("choose hidden sizes such as 25,15 (or none)")
    return sizes


def _parse_variants(text: str, values: Values) -> tuple[str, ...]:
    keys = tuple(dict.fromkeys(k.strip().upper() for k in text.split(",") if k.strip()))
    if not keys or any(k not in VARIANTS for k in keys):
        raise ValueError(f"choose a list of {', '.join(VARIANTS)}")
    return keys


SETTINGS = SettingsTable(
    (
        Setting("variants", "variant", TrainConfig.variants, _parse_variants, ",".join, ",".join),
        Setting("data", "data", TrainConfig.data, choice(("uci-digits", "mnist"))),
        Setting(
            "learning_rate",
            "lr",
            TrainConfig.learning_rate,
            nearest_choice(real(1e-5, 10.0), LEARNING_RATES, log=True),
            shortest,
        ),
        Setting(
            "batch_size",
            "batch",
            TrainConfig.batch_size,
            nearest_choice(integer(1, 4096), BATCH_SIZES),
        ),
        Setting("epochs", "epochs", TrainConfig.epochs, integer(1, 100)),
        Setting("seed", "seed", TrainConfig.seed, integer(0, 2**31 - 1)),
        Setting("scale", "scale", TrainConfig.scale, choice(("max", "raw"))),
        Setting("optimizer", "optimizer", TrainConfig.optimizer, choice(("adam", "sgd"))),
        # The network's shape too: a reload, or a run lost in a server restart, must start
        # the run the student had set up, not the course's default network.
        Setting(
            "hidden",
            "hidden",
            TrainConfig.hidden,
            _parse_hidden_link,
            _hidden_text,
            _hidden_text,
        ),
        Setting("activation", "activation", TrainConfig.activation, choice(ACTIVATIONS)),
        # The "push the logits" preset's large initial weights: without them a link
        # to the preset's setup would not break B.
        Setting(
            "init_scale",
            "init",
            TrainConfig.init_scale,
            real(INIT_SCALE_RANGE[0], INIT_SCALE_RANGE[1]),
            shortest,
        ),
    )
)
"""The train page's URL: ``variant``, ``data``, ``lr``, ``batch``, ``epochs``, ``seed``,
``scale``, ``optimizer``, ``hidden``, ``activation``, ``init``."""


def parse_hidden(text: str) -> tuple[int, ...]:
    """Read typed hidden layer sizes such as ``"25, 15"``.

    Parameters
    ----------
    text : str
        Whole numbers separated by commas, semicolons or spaces.

    Returns
    -------
    tuple of int
        The sizes.

    Raises
    ------
    ValueError
        For text that is not whole numbers, or sizes the network does not take.
    """
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"hidden sizes are whole numbers such as 25, 15; got {text[:30]!r}"
        ) from None
    NetworkSpec(64, sizes)
    return sizes


CONTROLS: dict[str, Control] = {
    "data": Control(
        "radio",
        "Data set",
        ("uci-digits", "mnist"),
        {"uci-digits": "Embedded UCI digits (8×8)", "mnist": "MNIST (28×28)"},
        horizontal=True,
    ),
    "n_train": Control("number_input", "Training subset size (0: all)", low=0, step=100),
    "variants": Control(
        "multiselect",
        "Output and loss (several: compare side by side)",
        tuple(VARIANTS),
        lambda key: f"{key} · {VARIANTS[key].title}",
    ),
    "naive": Control("toggle", "D uses the naive softmax (no max shift)"),
    "optimizer": Control(
        "radio", "Optimizer", ("adam", "sgd"), {"adam": "Adam", "sgd": "SGD"}, horizontal=True
    ),
    "lr": Control("select_slider", "Learning rate", LEARNING_RATES, lambda rate: f"{rate:g}"),
    "batch": Control("select_slider", "Batch size", BATCH_SIZES),
    "epochs": Control("number_input", "Epochs", low=1, high=100),
    "scale": Control(
        "radio",
        "Input scaling",
        ("max", "raw"),
        {"max": "÷ max pixel", "raw": "raw pixels"},
        help="Raw pixel values (0-255 on MNIST) make the logits explode.",
        horizontal=True,
    ),
    "init_scale": Control(
        "number_input",
        "Initial weight scale",
        low=INIT_SCALE_RANGE[0],
        high=INIT_SCALE_RANGE[1],
        step=0.1,
    ),
    "hidden": Control("text_input", "Hidden layers", help="Up to three sizes, such as 25, 15."),
    "activation": Control("selectbox", "Hidden activation", ACTIVATIONS),
    "seed": Control("number_input", "Seed", low=0, high=2**31 - 1),
}
"""The train page's controls, by session name (``"tr.<name>"``)."""
