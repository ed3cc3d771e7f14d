"""Parsing and validation of what students type and what URLs carry.

Everything here turns untrusted text into clean values or raises ``ValueError``
with a sentence a student can act on. Pages show the sentence and keep the
previous (or default) value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from core.numerics.formats import DEFAULT_DTYPE, DTYPE_NAMES, DTypeName
from core.settings import Control, Setting, SettingsTable, Values, choice, integer, shortest
from core.softmax.table import (
    COLUMN_VIEWS,
    MULTILABEL_VIEW_LABELS,
    MULTILABEL_VIEWS,
    VIEW_LABELS,
)

MIN_CLASSES = 2
MAX_CLASSES = 10
MAX_TEXT_LENGTH = 400
"""Longest logit text we parse; ten logits with 17 digits each fit easily."""

TEMPERATURE_MIN = 0.01
TEMPERATURE_MAX = 100.0

_SEPARATORS = re.compile(r"[\s,;]+")

Mode = Literal["multi", "binary", "multilabel"]
MODES: tuple[Mode, ...] = ("multi", "binary", "multilabel")

MULTILABEL_LIMIT = 100_000.0
"""Largest multi-label logit the page takes, the bound of its number inputs."""
MAX_NAME_LENGTH = 24
"""Longest output name: names are the student's text, shown as text only."""
DEFAULT_NAMES = (
    "car",
    "bus",
    "pedestrian",
    "bicycle",
    "truck",
    "traffic light",
    "stop sign",
    "dog",
    "motorcycle",
    "train",
)
"""What a street scene's outputs are called until the student names them."""
DEFAULT_MULTILABEL_LOGITS = (3.0, -2.0, 0.5)


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def parse_number(token: str, what: str = "value") -> float:
    """Parse one finite number typed by a student.

    Parameters
    ----------
    token : str
        The text, such as ``"1e3"`` or ``"-2.5"``.
    what : str, optional
        What the number is, for the message (``"logit"``).

    Returns
    -------
    float
        The value, rounded to float64.

    Raises
    ------
    ValueError
        For text that is not a number, for ``nan`` and ``inf``, and for
        numbers too large for float64 (such as ``1e999``).
    """
    text = token.strip()
    if not text:
        raise ValueError(f"the {what} is empty")
    if len(text) > 64:
        raise ValueError(f"the {what} {text[:20]}… is too long to be a number")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if math.isnan(value):
        raise ValueError(f"{text!r} is not a number {_article(what)} {what} can take (nan)")
    if math.isinf(value):
        if text.lstrip("+-").lower() in ("inf", "infinity"):
            raise ValueError(f"{_article(what)} {what} must be finite; {text!r} is infinite")
        raise ValueError(
            f"{text!r} is too large: it overflows float64 (largest about 1.8e308) to inf"
        )
    return value


def parse_logit_list(
    text: str, min_count: int = MIN_CLASSES, max_count: int = MAX_CLASSES
) -> list[float]:
    """Parse a typed or pasted list of logits such as ``"1000, 999, 998"``.

    Parameters
    ----------
    text : str
        Numbers separated by commas, semicolons or white space; surrounding
        brackets (a pasted Python or NumPy list) are allowed.
    min_count, max_count : int, optional
        How many logits are accepted.

    Returns
    -------
    list of float
        The logits.

    Raises
    ------
    ValueError
        With a message naming the first problem: empty input, too long, a
        token that is not a finite number, or a count out of range.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(
            f"that is {len(text):,} characters; type at most {max_count} logits "
            f"({MAX_TEXT_LENGTH} characters)"
        )
    body = text.strip().strip("[]()").strip()
    tokens = [t for t in _SEPARATORS.split(body) if t]
    if not tokens:
        raise ValueError(f"type {min_count} to {max_count} numbers, such as 2, 1, 0.1")
    if len(tokens) > max_count:
        raise ValueError(
            f"that is {len(tokens):,} logits; this page takes {min_count} to {max_count}"
        )
    values = [parse_number(t, "logit") for t in tokens]
    if len(values) < min_count:
        raise ValueError(
            f"that is {len(values)} logit; softmax needs at least {min_count} "
            "(use binary mode for a single logit)"
        )
    return values


def format_logit_list(values: list[float]) -> str:
    """Return the logits as the text box shows them, each in its shortest form.

    Parameters
    ----------
    values : list of float
        Logits.

    Returns
    -------
    str
        ``"2, 1, 0.1"``: reads back to the same floats with `parse_logit_list`.
    """
    return ", ".join(shortest(v) for v in values)


@dataclass(frozen=True)
class SoftmaxSettings:
    """The softmax page's state that travels in the URL.

    Attributes
    ----------
    z : tuple of float
        Logits (one in binary mode).
    y : int
        True class (a label 0/1 in binary mode).
    dtype : str
        Float format the page computes in.
    temperature : float
        Logits are divided by it before the softmax.
    mode : str
        ``"multi"`` (softmax), ``"binary"`` (sigmoid) or ``"multilabel"`` (one
        sigmoid per output).
    labels : tuple of int
        One label 0/1 per logit in multi-label mode; empty in the others.
    names : tuple of str
        One name per logit in multi-label mode; empty in the others.
    """

    z: tuple[float, ...] = (2.0, 1.0, 0.1)
    y: int = 0
    dtype: DTypeName = DEFAULT_DTYPE
    temperature: float = 1.0
    mode: Mode = "multi"
    labels: tuple[int, ...] = ()
    names: tuple[str, ...] = ()


DEFAULT_BINARY_LOGIT = 3.0


def parse_temperature(text: str) -> float:
    """Parse a softmax temperature.

    Parameters
    ----------
    text : str
        The typed value.

    Returns
    -------
    float
        A temperature in ``[TEMPERATURE_MIN, TEMPERATURE_MAX]``.

    Raises
    ------
    ValueError
        If the text is not a number or the temperature is zero, negative or out
        of range.
    """
    value = parse_number(text, "temperature")
    if value <= 0:
        raise ValueError(f"a temperature must be positive; {value:g} is not")
    if not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        raise ValueError(
            f"temperature {value:g} is outside {TEMPERATURE_MIN:g} to {TEMPERATURE_MAX:g}"
        )
    return value


@dataclass(frozen=True)
class Preset:
    """A ready-made case that teaches one thing.

    Attributes
    ----------
    key : str
        Short identifier, also used in links.
    label : str
        Button text.
    lesson : str
        One sentence on what to look at.
    settings : SoftmaxSettings
        The case.
    """

    key: str
    label: str
    lesson: str
    settings: SoftmaxSettings


PRESETS: tuple[Preset, ...] = (
    Preset(
        "textbook",
        "Textbook",
        "Small logits: naive and stable agree to the last digit.",
        SoftmaxSettings(z=(2.0, 1.0, 0.1), y=0, dtype="float32"),
    ),
    Preset(
        "overflow",
        "Overflow",
        "exp(1000) is inf in float32, so the naive softmax is inf/inf = nan.",
        SoftmaxSettings(z=(1000.0, 999.0, 998.0), y=0, dtype="float32"),
    ),
    Preset(
        "underflow",
        "Underflow",
        "exp(-1000) is 0, so the naive softmax is 0/0 = nan.",
        SoftmaxSettings(z=(-1000.0, -1001.0, -1002.0), y=0, dtype="float32"),
    ),
    Preset(
        "float16",
        "float16 breaks early",
        "float16 overflows above 11.09: a logit of 12 is already too much.",
        SoftmaxSettings(z=(12.0, 0.0, -12.0), y=0, dtype="float16"),
    ),
    Preset(
        "confident-wrong",
        "Confident and wrong",
        "The true class is 110 below the top: p_y underflows to 0, the naive loss is inf "
        "and Keras on probabilities stops at 16.118.",
        SoftmaxSettings(z=(30.0, 20.0, -80.0), y=2, dtype="float32"),
    ),
)


def preset_by_key(key: str) -> Preset:
    """Return the preset called `key`.

    Parameters
    ----------
    key : str
        A `Preset.key`.

    Returns
    -------
    Preset
        The preset.

    Raises
    ------
    KeyError
        If there is no such preset.
    """
    for preset in PRESETS:
        if preset.key == key:
            return preset
    raise KeyError(key)


def _default_logits(values: Values) -> tuple[float, ...]:
    if values["mode"] == "multilabel":
        return DEFAULT_MULTILABEL_LOGITS
    return (DEFAULT_BINARY_LOGIT,) if values["mode"] == "binary" else SoftmaxSettings().z


def _parse_logits(text: str, values: Values) -> tuple[float, ...]:
    if values["mode"] == "binary":
        return (parse_number(text, "logit"),)
    logits = tuple(parse_logit_list(text))
    if values["mode"] == "multilabel" and max(abs(v) for v in logits) > MULTILABEL_LIMIT:
        raise ValueError(f"a multi-label logit is between ±{MULTILABEL_LIMIT:,.0f} here")
    return logits


def default_labels(count: int) -> tuple[int, ...]:
    """Return the labels of `count` outputs before the student sets them: only the first is 1."""
    return (1,) + (0,) * (count - 1)


def default_names(count: int) -> tuple[str, ...]:
    """Return the names of `count` outputs before the student names them."""
    return DEFAULT_NAMES[:count]


def parse_labels(text: str, count: int) -> tuple[int, ...]:
    """Parse one label per output, such as ``"1,0,1"``.

    Parameters
    ----------
    text : str
        ``0`` or ``1`` per output (ASCII digits only), separated by commas or
        white space.
    count : int
        How many outputs there are.

    Returns
    -------
    tuple of int
        The labels.

    Raises
    ------
    ValueError
        For text too long, a token that is not exactly ``0`` or ``1`` (``²``,
        ``１`` and ``01`` included), or the wrong number of labels.
    """
    example = _labels_text(default_labels(count))
    wanted = f"give {count} labels, one 0 or 1 per logit, such as {example}"
    if len(text) > 4 * MAX_CLASSES:
        raise ValueError(f"that is {len(text):,} characters; {wanted}")
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if any(t not in ("0", "1") for t in tokens) or len(tokens) != count:
        raise ValueError(wanted)
    return tuple(int(t) for t in tokens)


def parse_names(text: str, count: int | None = None) -> tuple[str, ...]:
    """Parse the outputs' names, typed as a comma-separated list such as ``"car, bus"``.

    Parameters
    ----------
    text : str
        Names separated by commas; spaces around each are dropped.
    count : int, optional
        How many names there must be (one per logit); by default 2 to 10.

    Returns
    -------
    tuple of str
        The names, each 1 to `MAX_NAME_LENGTH` printable characters, all different.

    Raises
    ------
    ValueError
        With a sentence naming the first problem.
    """
    limit = MAX_CLASSES * (MAX_NAME_LENGTH + 2)
    if len(text) > limit:
        raise ValueError(f"that is {len(text):,} characters; type at most {limit}")
    names = tuple(name.strip() for name in text.split(","))
    if count is not None and len(names) != count:
        raise ValueError(f"give {count} names, one per logit, separated by commas")
    if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
        raise ValueError(f"give {MIN_CLASSES} to {MAX_CLASSES} names, separated by commas")
    if not all(names):
        raise ValueError("a name is empty")
    if any(len(name) > MAX_NAME_LENGTH or not name.isprintable() for name in names):
        raise ValueError(f"a name is 1 to {MAX_NAME_LENGTH} printable characters")
    if len(set(names)) != len(names):
        raise ValueError("give each name once")
    return names


def format_names(names: tuple[str, ...]) -> str:
    """Return the names as the names box shows them (``"car, bus"``); `parse_names` reads them."""
    return ", ".join(names)


def _only_multilabel(what: str) -> Callable[[str, Values], tuple]:
    def parse(text: str, values: Values) -> tuple:
        if values["mode"] != "multilabel":
            raise ValueError(f"{what} belong to mode=multilabel")
        count = len(values["z"])
        return parse_labels(text, count) if what == "labels" else parse_names(text, count)

    return parse


def _default_for(values: Values, default: Callable[[int], tuple]) -> tuple:
    return default(len(values["z"])) if values["mode"] == "multilabel" else ()


def _labels_text(labels: tuple[int, ...]) -> str:
    return ",".join(str(label) for label in labels)


def _parse_class(text: str, values: Values) -> int:
    n_classes = 2 if values["mode"] == "binary" else len(values["z"])
    what = "label" if values["mode"] == "binary" else "true class"
    try:
        return integer(0, n_classes - 1)(text, values)
    except ValueError:
        raise ValueError(f"choose a {what} from 0 to {n_classes - 1}") from None


def _logits_text(z: tuple[float, ...]) -> str:
    return ",".join(shortest(v) for v in z)


SETTINGS = SettingsTable(
    (
        Setting("mode", "mode", SoftmaxSettings.mode, choice(MODES, "multi, binary or multilabel")),
        Setting("z", "z", _default_logits, _parse_logits, _logits_text, format_logit_list),
        Setting("y", "y", SoftmaxSettings.y, _parse_class),
        Setting("dtype", "dtype", SoftmaxSettings.dtype, choice(DTYPE_NAMES)),
        Setting(
            "temperature",
            "T",
            SoftmaxSettings.temperature,
            lambda text, values: parse_temperature(text),
            shortest,
        ),
        Setting(
            "labels",
            "labels",
            lambda values: _default_for(values, default_labels),
            _only_multilabel("labels"),
            _labels_text,
            lambda labels: _labels_text(labels) or "none",
        ),
        Setting(
            "names",
            "names",
            lambda values: _default_for(values, default_names),
            _only_multilabel("names"),
            ",".join,
            lambda names: format_names(names) or "none",
        ),
    )
)
"""The softmax page's URL: ``z``, ``y``, ``dtype``, ``T``, ``mode``, ``labels`` and ``names``."""


LOSS_HELP = {
    "multi": {
        "naive": "−log of the naive softmax probability of the true class.",
        "keras": "What Keras computes from probabilities: clipped to [1e-7, 1 − 1e-7], then log "
        "(the cross-entropy itself in float32 for float16, as TensorFlow does).",
        "logits": "log Σ exp(z − m) − (z_y − m), m = max(z), every step in the chosen format: "
        "what from_logits=True computes (TensorFlow does float16 in float32).",
        "exact": "Exact value of the loss for the stored logits (mpmath, 60 digits).",
    },
    "binary": {
        "naive": "−y log σ(z) − (1 − y) log(1 − σ(z)) with the naive sigmoid.",
        "keras": "What Keras computes from probabilities: clipped to [1e-7, 1 − 1e-7], then log.",
        "logits": "max(z, 0) − z·y + log1p(exp(−|z|)): what from_logits=True computes.",
        "exact": "Exact value of the loss for the stored logits (mpmath, 60 digits).",
    },
    "multilabel": {
        "naive": "Sum over the outputs of −y log σ(z) − (1 − y) log(1 − σ(z)), naive sigmoid.",
        "keras": "Sum over the outputs of Keras' loss on σ(z), clipped to [1e-7, 1 − 1e-7].",
        "logits": "Sum over the outputs of max(z, 0) − z·y + log1p(exp(−|z|)).",
        "exact": "Exact sum of the per-output losses for the stored logits (mpmath, 60 digits).",
        "mean_logits": "What keras.losses.BinaryCrossentropy(from_logits=True) returns for "
        "this sample: the mean over the last axis, the outputs (float16 averaged in float32).",
        "mean_exact": "Exact mean of the per-output losses: the exact sum divided by the count.",
    },
}
"""What each loss is, per mode, for its tooltip."""

CONTROLS: dict[str, Control] = {
    "mode": Control(
        "radio",
        "Mode",
        MODES,
        {
            "multi": "Multi-class (softmax)",
            "binary": "Binary (sigmoid)",
            "multilabel": "Multi-label (one sigmoid each)",
        },
        horizontal=True,
    ),
    "dtype": Control(
        "radio",
        "Float format",
        DTYPE_NAMES,
        help="Every step is computed in this format, as a framework would on that hardware.",
        horizontal=True,
    ),
    "text": Control(
        "text_input",
        "Type or paste logits",
        help="2 to 10 numbers separated by commas or spaces, such as 1000, 999, 998.",
    ),
    "T": Control(
        "number_input",
        "Temperature T",
        low=TEMPERATURE_MIN,
        high=TEMPERATURE_MAX,
        step=0.1,
        help="Softmax of z / T: small T sharpens, large T flattens.",
    ),
    "n": Control("number_input", "Number of classes", low=MIN_CLASSES, high=MAX_CLASSES, step=1),
    "c": Control(
        "slider",
        "Shift all logits by c",
        help="Softmax is unchanged by adding the same c to every logit. The stable result "
        "does not move; the naive one breaks once exp overflows or underflows.",
    ),
    "by": Control("radio", "Label y", (0, 1), horizontal=True),
    "names_text": Control(
        "text_input",
        "Output names",
        help=f"{MIN_CLASSES} to {MAX_CLASSES} names separated by commas, one per output, each at "
        f"most {MAX_NAME_LENGTH} characters: the number of names sets the number of outputs.",
    ),
    "ml_columns": Control(
        "segmented_control",
        "Columns",
        tuple(MULTILABEL_VIEWS),
        MULTILABEL_VIEW_LABELS,
        help="All columns are wider than a projector's screen and scroll sideways.",
    ),
    "breakdown": Control("toggle", "Where does naive break? Show the error as the logits grow"),
    "columns": Control(
        "segmented_control",
        "Columns",
        tuple(COLUMN_VIEWS),
        VIEW_LABELS,
        help="All columns are wider than a projector's screen and scroll sideways.",
    ),
}
"""The softmax page's controls, by session name (``"sm.<name>"``)."""


KERAS_TRUTH = (
    '- `Dense(10, activation="softmax")` + `SparseCategoricalCrossentropy()`: on the '
    "TensorFlow backend Keras **quietly rescues** you. The softmax output carries its logits, "
    "and the loss uses them, so it equals the from-logits loss (2000 for logits "
    "`1000, 0, -1000` and true class 2).\n"
    "- A plain `tf.nn.softmax` output (no Keras tag) is taken at face value: probabilities "
    "are clipped to `[1e-7, 1 − 1e-7]`, so the loss **stops at about 16.118** however wrong "
    "the prediction.\n"
    "- A hand-written `exp(z)/sum(exp(z))` is **truly naive**: `nan` once exp overflows.\n"
    '- `Dense(10, activation="linear")` + `SparseCategoricalCrossentropy(from_logits=True)` '
    "is the explicit, portable way: it does not depend on a backend's rescue."
)
"""What Keras really does with each model ending, as the page says it (Markdown)."""
