"""The round-off page's session state: what each control changes, as plain functions.

The page's widgets call these as callbacks with the session's state mapping; no
Streamlit here, so each transition is tested on a plain dict. Keys are
``"fl.<name>"``: ``value`` (the current number, in its format), ``source`` (its
text), ``x``, ``hex`` and ``bits`` (the three inputs, kept in step), ``dtype``,
``note`` and ``error`` (messages), ``notices``, the bit pills
``<field>.<dtype>``, ``centre`` (the number line), ``n`` and ``g.<entry>``
(the sweep and gallery inputs) and ``gallery``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import numpy as np

from core.floats import bits as fl
from core.floats.bits import FloatBits
from core.floats.cancellation import GALLERY
from core.floats.lesson import number_line_centres
from core.floats.settings import DEFAULT_X
from core.numerics.formats import FloatFormat, get_format
from core.numerics.text import value_text

State = MutableMapping[str, Any]

PREFIX = "fl"
BIT_FIELDS = ("sign", "exponent", "fraction")
DEFAULT_N = 10_000
"""The course's n in (1 + 1/n) - (1 - 1/n)."""


def key(name: str) -> str:
    """Return the session key of one of the page's values."""
    return f"{PREFIX}.{name}"


def show_value(state: State, value: np.generic, source: str, note: tuple[str, str] | None) -> None:
    """Make `value` (in the page's format) current and set every input to it."""
    bits = fl.dissect(value, state[key("dtype")])
    state[key("value")] = bits.value
    state[key("source")] = source
    state[key("x")] = source
    state[key("hex")] = bits.hex
    state[key("bits")] = f"{bits.sign} {bits.exponent_bits} {bits.fraction_bits}"
    state[key("note")] = note
    state[key("error")] = None


def load_text(state: State, text: str) -> None:
    """Store typed text in the page's format, with what happened to it."""
    parsed = fl.parse_value(text, state[key("dtype")])
    level = "warning" if parsed.outcome in ("overflow", "underflow") else "info"
    show_value(state, parsed.value, parsed.text, (level, parsed.message))


def apply_settings(state: State, values: Mapping[str, Any], notices: list[str]) -> None:
    """Put settings read from a link into the page's state."""
    state[key("dtype")] = values["dtype"]
    load_text(state, values["x"])
    state[key("notices")] = list(notices)


def ensure_defaults(state: State) -> None:
    """Give the sweep, gallery and number line their first values."""
    state.setdefault(key("n"), DEFAULT_N)
    state.setdefault(key("gallery"), GALLERY[0].key)
    for entry in GALLERY:
        state.setdefault(key(f"g.{entry.key}"), entry.default_input)
    if state.get(key("centre")) not in centre_options(state):
        state[key("centre")] = "x"


def centre_options(state: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return the number line's centres: x itself, then the format's powers of ten."""
    return ("x", *number_line_centres(state[key("dtype")]))


def on_x(state: State) -> None:
    """Read the typed x; on a mistake keep the previous value and say why."""
    try:
        load_text(state, state[key("x")])
    except ValueError as error:
        state[key("error")] = f"{error} Keeping x = {state[key('source')]}."


def on_dtype(state: State) -> None:
    """Store the same text in the new format."""
    load_text(state, state[key("source")])
    state[key("notices")] = []


def on_pattern(state: State, field: str, builder: Callable[[str, str], np.generic]) -> None:
    """Read a typed hex or bit pattern (`builder` is `from_hex` or `from_bits`)."""
    dtype = state[key("dtype")]
    try:
        value = builder(state[key(field)], dtype)
    except ValueError as error:
        state[key("error")] = f"{error} Keeping x = {state[key('source')]}."
    else:
        show_value(state, value, value_text(value, dtype), None)


def on_bit_click(state: State) -> None:
    """Flip the bit a student clicked: rebuild the number from the pills."""
    dtype = state[key("dtype")]
    fmt = get_format(dtype)
    ones = {i for field in BIT_FIELDS for i in state[key(f"{field}.{dtype}")]}
    pattern = "".join("1" if i in ones else "0" for i in range(fmt.total_bits))
    value = fl.from_bits(pattern, dtype)
    show_value(state, value, value_text(value, dtype), None)


def bit_positions(fmt: FloatFormat) -> dict[str, range]:
    """Return the bit positions of the sign, exponent and fraction fields."""
    return {
        "sign": range(1),
        "exponent": range(1, 1 + fmt.exponent_bits),
        "fraction": range(1 + fmt.exponent_bits, fmt.total_bits),
    }


def sync_bit_pills(state: State, bits: FloatBits, fmt: FloatFormat) -> None:
    """Set each field's pills to the 1 bits of the current value."""
    for field, positions in bit_positions(fmt).items():
        state[key(f"{field}.{fmt.name}")] = [i for i in positions if bits.bits[i] == "1"]


def gallery_inputs(state: Mapping[str, Any]) -> dict[str, float]:
    """Return each gallery entry's input by key (its default until it is moved)."""
    return {e.key: state.get(key(f"g.{e.key}"), e.default_input) for e in GALLERY}


def number_line_point(state: Mapping[str, Any]) -> float | np.generic:
    """Return the number line's centre: the value x, or the power of ten chosen."""
    centre = state[key("centre")]
    return state[key("value")] if centre == "x" else centre


def current_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """Return the page's settings as they stand, for its URL."""
    return {"dtype": state[key("dtype")], "x": state.get(key("source"), DEFAULT_X)}
