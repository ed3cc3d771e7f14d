"""Parsing and validation of what students type and what URLs carry.

Everything here turns untrusted text into clean values or raises ``ValueError``
with a sentence a student can act on. Pages show the sentence and keep the
previous (or default) value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from core.numerics.formats import DEFAULT_DTYPE, DTYPE_NAMES, DTypeName

MIN_CLASSES = 2
MAX_CLASSES = 10
MAX_TEXT_LENGTH = 400
"""Longest logit text we parse; ten logits with 17 digits each fit easily."""

TEMPERATURE_MIN = 0.01
TEMPERATURE_MAX = 100.0

_SEPARATORS = re.compile(r"[\s,;]+")

Mode = Literal["multi", "binary"]


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
        raise ValueError(f"{text!r} is not a number a {what} can take (nan)")
    if math.isinf(value):
        if text.lstrip("+-").lower() in ("inf", "infinity"):
            raise ValueError(f"a {what} must be finite; {text!r} is infinite")
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
    return ", ".join(_shortest(v) for v in values)


def _shortest(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


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
        ``"multi"`` (softmax) or ``"binary"`` (sigmoid).
    """

    z: tuple[float, ...] = (2.0, 1.0, 0.1)
    y: int = 0
    dtype: DTypeName = DEFAULT_DTYPE
    temperature: float = 1.0
    mode: Mode = "multi"
    notices: tuple[str, ...] = field(default=(), compare=False)


DEFAULT_BINARY_LOGIT = 3.0


def _first(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def parse_softmax_query(params: Mapping[str, str | list[str]]) -> SoftmaxSettings:
    """Read the softmax page's settings from URL query parameters.

    Parameters
    ----------
    params : mapping
        Query parameters (``z``, ``y``, ``dtype``, ``T``, ``mode``); other keys
        are ignored.

    Returns
    -------
    SoftmaxSettings
        Valid settings. Each unusable value is replaced by its default and
        explained in ``notices``; nothing raises.
    """
    notices: list[str] = []
    defaults = SoftmaxSettings()

    mode = _first(params.get("mode"))
    if mode is None:
        mode = defaults.mode
    elif mode not in ("multi", "binary"):
        notices.append(f"mode={mode[:20]!r} is not multi or binary; showing multi-class.")
        mode = defaults.mode

    dtype = _first(params.get("dtype"))
    if dtype is None:
        dtype = defaults.dtype
    elif dtype not in DTYPE_NAMES:
        notices.append(
            f"dtype={dtype[:20]!r} is not one of {', '.join(DTYPE_NAMES)}; using float32."
        )
        dtype = defaults.dtype

    z_default = (DEFAULT_BINARY_LOGIT,) if mode == "binary" else defaults.z
    z_text = _first(params.get("z"))
    z = z_default
    if z_text is not None:
        try:
            if mode == "binary":
                z = (parse_number(z_text, "logit"),)
            else:
                z = tuple(parse_logit_list(z_text))
        except ValueError as error:
            notices.append(f"z: {error}; using the default logits.")

    n_classes = 2 if mode == "binary" else len(z)
    y = defaults.y
    y_text = _first(params.get("y"))
    if y_text is not None:
        if y_text.strip().isdigit() and int(y_text) < n_classes:
            y = int(y_text)
        else:
            what = "label" if mode == "binary" else "true class"
            notices.append(f"y={y_text[:20]!r} is not a {what} from 0 to {n_classes - 1}; using 0.")

    temperature = defaults.temperature
    t_text = _first(params.get("T"))
    if t_text is not None:
        try:
            temperature = parse_temperature(t_text)
        except ValueError as error:
            notices.append(f"T: {error}; using 1.")

    return SoftmaxSettings(
        z=z, y=y, dtype=dtype, temperature=temperature, mode=mode, notices=tuple(notices)
    )


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


def softmax_query(settings: SoftmaxSettings) -> dict[str, str]:
    """Return the URL query parameters for `settings`, omitting defaults.

    Parameters
    ----------
    settings : SoftmaxSettings
        Current page settings.

    Returns
    -------
    dict
        Parameters that `parse_softmax_query` reads back to equal settings.
    """
    defaults = SoftmaxSettings()
    query: dict[str, str] = {}
    if settings.mode != defaults.mode:
        query["mode"] = settings.mode
    z_default = (DEFAULT_BINARY_LOGIT,) if settings.mode == "binary" else defaults.z
    if settings.z != z_default:
        query["z"] = ",".join(_shortest(v) for v in settings.z)
    if settings.y != defaults.y:
        query["y"] = str(settings.y)
    if settings.dtype != defaults.dtype:
        query["dtype"] = settings.dtype
    if settings.temperature != defaults.temperature:
        query["T"] = _shortest(settings.temperature)
    return query


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


def with_notices(settings: SoftmaxSettings, *notices: str) -> SoftmaxSettings:
    """Return `settings` with extra notices appended.

    Parameters
    ----------
    settings : SoftmaxSettings
        The settings.
    *notices : str
        Messages to add.

    Returns
    -------
    SoftmaxSettings
        A copy with the notices.
    """
    return replace(settings, notices=settings.notices + notices)
