"""The softmax page's session state: what each control changes, as plain functions.

The page's widgets call these as callbacks with the session's state mapping;
they never import Streamlit, so every transition is tested on a plain dict.
Keys are ``"sm.<name>"``: ``logits`` (the current list), one ``z<i>`` per
slider, ``text`` (the typed list) and ``text_seen`` (the last one read), ``n``,
``range``, ``c`` (the shift), ``y``, ``dtype``, ``T`` (the temperature),
``mode``, ``bz``/``by`` (binary mode), and ``notices``, ``text_error`` and
``lesson`` for the messages shown.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from core.softmax import settings as sf

State = MutableMapping[str, Any]

PREFIX = "sm"
SLIDER_RANGES = (10, 100, 1000, 100_000)
SLIDER_STEPS = {10: 0.01, 100: 0.1, 1000: 1.0, 100_000: 10.0}
BINARY_LIMIT = 1000.0
"""Largest binary logit the page takes: the loss curve around it stays readable."""


def key(name: str) -> str:
    """Return the session key of one of the page's values."""
    return f"{PREFIX}.{name}"


def fitting_range(values: list[float]) -> int | None:
    """Return the smallest slider range that holds every logit, or None if none does."""
    largest = max((abs(v) for v in values), default=0)
    return next((r for r in SLIDER_RANGES if largest <= r), None)


def set_logits(state: State, values: list[float]) -> None:
    """Make `values` the logits: sliders, count, text and true class follow."""
    state[key("logits")] = list(values)
    state[key("n")] = len(values)
    r = fitting_range(values)
    if r is not None and state.get(key("range"), 0) < r:
        state[key("range")] = r
        # The shift slider's bounds change with the range; restart it at 0 rather than
        # let the browser clamp its old position to the new bounds.
        state[key("c")] = 0.0
    for i, v in enumerate(values):
        state[key(f"z{i}")] = float(v)
    state[key("text")] = state[key("text_seen")] = sf.format_logit_list(values)
    state[key("text_error")] = None
    if state.get(key("y"), 0) >= len(values):
        state[key("y")] = 0


def apply_settings(state: State, values: Mapping[str, Any], notices: list[str]) -> None:
    """Put settings read from a link or a preset into the page's state."""
    settings = sf.SoftmaxSettings(**values)
    state[key("mode")] = settings.mode
    state[key("dtype")] = settings.dtype
    state[key("T")] = settings.temperature
    state[key("c")] = 0.0
    if settings.mode == "binary":
        state[key("bz")] = settings.z[0]
        state[key("by")] = settings.y
        if key("logits") not in state:
            state[key("range")] = SLIDER_RANGES[0]
            set_logits(state, list(sf.SoftmaxSettings().z))
            state.setdefault(key("y"), sf.SoftmaxSettings().y)
    else:
        state[key("range")] = fitting_range(list(settings.z)) or SLIDER_RANGES[-1]
        set_logits(state, list(settings.z))
        state[key("y")] = settings.y
    state[key("notices")] = list(notices)


def ensure_binary_defaults(state: State) -> None:
    """Give binary mode its values on a first visit, and bring back a logit out of range."""
    state.setdefault(key("by"), 0)
    state.setdefault(key("bz"), sf.DEFAULT_BINARY_LOGIT)
    if abs(state[key("bz")]) > BINARY_LIMIT:
        state[key("notices")] = [
            f"A binary logit is between ±{BINARY_LIMIT:g} here; using {sf.DEFAULT_BINARY_LOGIT:g}."
        ]
        state[key("bz")] = sf.DEFAULT_BINARY_LOGIT


def on_text(state: State) -> None:
    """Read the typed logits; on a mistake keep the previous ones and say why."""
    state[key("text_seen")] = state[key("text")]
    try:
        set_logits(state, sf.parse_logit_list(state[key("text")]))
    except ValueError as error:
        state[key("text_error")] = f"{error}. Keeping the previous logits."


def on_slider(state: State, i: int) -> None:
    """Take slider `i`'s new value into the logits.

    A slider change can reach the server with, or after, a typed list that removes
    that slider (the browser sent it before it saw the shorter list). The typed
    list wins: a change for a slider beyond the logits is ignored, and so is one
    that arrives in the same rerun as a typed list not yet read (``text`` differs
    from the last text read, ``text_seen``).
    """
    logits = list(state[key("logits")])
    typed_pending = state.get(key("text")) != state.get(key("text_seen"))
    if i >= len(logits) or key(f"z{i}") not in state or typed_pending:
        return
    logits[i] = state[key(f"z{i}")]
    state[key("logits")] = logits
    state[key("text")] = state[key("text_seen")] = sf.format_logit_list(logits)
    state[key("text_error")] = None


def on_count(state: State) -> None:
    """Drop logits from the end or add zeros, to the chosen number of classes."""
    logits = list(state[key("logits")])
    n = state[key("n")]
    set_logits(state, logits[:n] + [0.0] * (n - len(logits)))


def on_range(state: State) -> None:
    """Clamp the logits to the new slider range, saying so when one moved."""
    r = state[key("range")]
    clamped = [min(max(v, -r), r) for v in state[key("logits")]]
    if clamped != state[key("logits")]:
        state[key("notices")] = [f"Logits outside ±{r:,} were clamped to the slider range."]
    set_logits(state, clamped)
    state[key("c")] = 0.0


def on_preset(state: State, preset_key: str) -> None:
    """Load a preset and show what it teaches."""
    preset = sf.preset_by_key(preset_key)
    values = {name: getattr(preset.settings, name) for name in sf.SETTINGS.by_name}
    apply_settings(state, values, [])
    state[key("lesson")] = preset.lesson


def on_mode(state: State) -> None:
    """Clear the old mode's notices: a new mode starts without them."""
    state[key("notices")] = []


def current_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """Return the page's settings as they stand, for its URL."""
    binary = state[key("mode")] == "binary"
    return {
        "mode": state[key("mode")],
        "dtype": state[key("dtype")],
        "z": (float(state[key("bz")]),) if binary else tuple(state[key("logits")]),
        "y": state[key("by")] if binary else state[key("y")],
        "temperature": state[key("T")],
    }
