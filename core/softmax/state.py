"""The softmax page's session state: what each control changes, as plain functions.

The page's widgets call these as callbacks with the session's state mapping;
they never import Streamlit, so every transition is tested on a plain dict.
Keys are ``"sm.<name>"``: ``logits`` (the current list), one ``z<i>`` per
slider, ``text`` (the typed list), ``text_seen`` (the last one read or written) and
``text_replaced`` (what the page wrote over in the box, latest last),
``controls_seen`` (the other controls as the last run drew them), ``n``,
``range``, ``c`` (the shift), ``y``, ``dtype``, ``T`` (the temperature),
``mode``, ``bz``/``by`` (binary mode), ``ml_logits``, ``ml_labels`` and
``ml_names`` (multi-label mode) with their widgets ``ml_z<i>``, ``ml_y<i>`` and
``names_text``, and ``notices``, ``text_error``, ``names_error`` and ``lesson``
for the messages shown.
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
TEXT_REPLACED_KEPT = 32
"""Earlier contents of the logits box kept to recognise the browser's copy of them.

Far more than the answers a browser can be behind (each is a whole run of the page),
and few enough to keep a long session's state small."""
OTHER_CONTROLS = ("n", "range", "y", "dtype", "T", "c")
"""The multi-class controls besides the logits box and sliders (see `remember_controls`)."""


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
    _write_text(state, sf.format_logit_list(values))
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
    if settings.mode == "multilabel":
        set_multilabel(state, list(settings.z), list(settings.labels), list(settings.names))
    elif settings.mode == "binary":
        state[key("bz")] = settings.z[0]
        state[key("by")] = settings.y
    if settings.mode != "multi" and key("logits") not in state:
        state[key("range")] = SLIDER_RANGES[0]
        set_logits(state, list(sf.SoftmaxSettings().z))
        state.setdefault(key("y"), sf.SoftmaxSettings().y)
    elif settings.mode == "multi":
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


def set_multilabel(state: State, logits: list[float], labels: list[int], names: list[str]) -> None:
    """Make these the multi-label outputs: number inputs, checkboxes and names box follow."""
    state[key("ml_logits")] = [float(v) for v in logits]
    state[key("ml_labels")] = [int(v) for v in labels]
    state[key("ml_names")] = list(names)
    for i, (z, y) in enumerate(zip(logits, labels, strict=True)):
        state[key(f"ml_z{i}")] = float(z)
        state[key(f"ml_y{i}")] = bool(y)
    state[key("names_text")] = sf.format_names(tuple(names))
    state[key("names_error")] = None


def ensure_multilabel_defaults(state: State) -> None:
    """Give multi-label mode its outputs on a first visit."""
    if key("ml_logits") not in state:
        n = len(sf.DEFAULT_MULTILABEL_LOGITS)
        labels, names = sf.default_labels(n), sf.default_names(n)
        set_multilabel(state, list(sf.DEFAULT_MULTILABEL_LOGITS), list(labels), list(names))


def on_names(state: State) -> None:
    """Read the typed names: their number sets the number of outputs.

    New outputs get logit 0, label 0 and, unless it is taken, their default name;
    removed ones go from the end. On a mistake the outputs stay and the page says why.
    """
    try:
        names = list(sf.parse_names(state[key("names_text")]))
    except ValueError as error:
        state[key("names_error")] = f"{error}. Keeping the previous names."
        return
    n = len(names)
    logits, labels = state[key("ml_logits")][:n], state[key("ml_labels")][:n]
    set_multilabel(
        state,
        logits + [0.0] * (n - len(logits)),
        labels + [0] * (n - len(labels)),
        names,
    )


def on_ml_logit(state: State, i: int) -> None:
    """Take output `i`'s number input into the logits (ignored once the output is gone)."""
    logits = list(state[key("ml_logits")])
    if i < len(logits) and key(f"ml_z{i}") in state:
        logits[i] = float(state[key(f"ml_z{i}")])
        state[key("ml_logits")] = logits


def on_ml_label(state: State, i: int) -> None:
    """Take output `i`'s checkbox into the labels (ignored once the output is gone)."""
    labels = list(state[key("ml_labels")])
    if i < len(labels) and key(f"ml_y{i}") in state:
        labels[i] = int(bool(state[key(f"ml_y{i}")]))
        state[key("ml_labels")] = labels


def _write_text(state: State, text: str) -> None:
    # What the box showed may still come back from the browser: see `_browser_copy`.
    before = state.get(key("text_seen"))
    if before is not None and before != text:
        replaced = [*state.get(key("text_replaced"), []), before]
        state[key("text_replaced")] = replaced[-TEXT_REPLACED_KEPT:]
    state[key("text")] = state[key("text_seen")] = text


def _browser_copy(state: State) -> bool:
    # The browser sends the box's value with every change, and until the page's answer
    # reaches it, that value is what the box showed before the page wrote over it.
    return state.get(key("text")) in state.get(key("text_replaced"), ())


def _slider_moved(state: State) -> bool:
    # A slider whose value the logits do not have yet: its change is in this rerun.
    return any(state.get(key(f"z{i}"), v) != v for i, v in enumerate(state[key("logits")]))


def _control_changed(state: State) -> bool:
    # A control whose value differs from the one the last run drew: its change is in
    # this rerun.
    seen = state.get(key("controls_seen")) or {}
    return any(state.get(key(name)) != value for name, value in seen.items())


def remember_controls(state: State) -> None:
    """Note the values of `OTHER_CONTROLS` as this run draws them, for `on_text`."""
    state[key("controls_seen")] = {name: state.get(key(name)) for name in OTHER_CONTROLS}


def on_text(state: State) -> None:
    """Read the typed logits; on a mistake keep the previous ones and say why.

    Two values of the box are not a typed list. The box as the page last wrote it:
    a slider's change in the same rerun was taken first. And, with a change of a
    slider or of another control (`OTHER_CONTROLS`, against `remember_controls`),
    one of the box's earlier contents: the student moved a slider and changed a
    control before the page's answer reached the browser, which sent the box as it
    still showed it (the page then shows its current list again, and the change is
    taken). On its own, a list typed again is read, even one the box showed before.
    """
    text = state[key("text")]
    if text == state.get(key("text_seen")):
        return
    if _browser_copy(state) and (_slider_moved(state) or _control_changed(state)):
        state[key("text")] = state[key("text_seen")]
        return
    state[key("text_seen")] = text
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
    from the last text read, ``text_seen``). The box's earlier contents, which
    the browser sends with a change it made before the page's answer reached it,
    are not a typed list (see `on_text`).
    """
    logits = list(state[key("logits")])
    typed = state.get(key("text")) != state.get(key("text_seen")) and not _browser_copy(state)
    if i >= len(logits) or key(f"z{i}") not in state or typed:
        return
    logits[i] = state[key(f"z{i}")]
    state[key("logits")] = logits
    _write_text(state, sf.format_logit_list(logits))
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
    mode = state[key("mode")]
    values = {
        "mode": mode,
        "dtype": state[key("dtype")],
        "z": tuple(state[key("logits")]),
        "y": state[key("y")],
        "temperature": state[key("T")],
        "labels": (),
        "names": (),
    }
    if mode == "binary":
        values.update(z=(float(state[key("bz")]),), y=state[key("by")])
    elif mode == "multilabel":
        values.update(
            z=tuple(state[key("ml_logits")]),
            y=0,
            labels=tuple(state[key("ml_labels")]),
            names=tuple(state[key("ml_names")]),
        )
    return values
