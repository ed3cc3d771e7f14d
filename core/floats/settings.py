"""The round-off page's settings: the shareable ones in its URL, and its controls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.floats.bits import parse_value
from core.floats.cancellation import GALLERY, SWEEP_NS, GalleryEntry
from core.floats.lesson import ladder_labels
from core.numerics.formats import FORMAT_NAMES, FloatFormat, FormatName
from core.numerics.text import format_float, value_text
from core.settings import Control, Setting, SettingsTable, Values, choice

DEFAULT_X = "0.1"
"""The value the bit view opens with."""

DEFAULT_FORMAT: FormatName = "float64"
"""The format the page opens with: Python's float, the course's numbers."""


def _parse_x(text: str, values: Values) -> str:
    # A number beyond the format's range is usable: it rounds to inf or 0, as the
    # page shows. The canonical text keeps the link short and stable.
    return parse_value(text, values["dtype"]).text


SETTINGS = SettingsTable(
    (
        Setting("dtype", "dtype", DEFAULT_FORMAT, choice(FORMAT_NAMES)),
        Setting("x", "x", DEFAULT_X, _parse_x),
    )
)
"""The floats page's URL: ``x`` (a number as typed) and ``dtype``."""


def sweep_n_text(n: int) -> str:
    """Return an n of the cancellation sweep as its slider shows it.

    Parameters
    ----------
    n : int
        One of `core.floats.cancellation.SWEEP_NS`.

    Returns
    -------
    str
        ``"10,000"`` with thousands separators below ten million, then ``"1e8"``.
    """
    return f"{n:,}" if n < 10**7 else f"1e{len(str(n)) - 1}"


CONTROLS: dict[str, Control] = {
    "x": Control(
        "text_input",
        "Value x",
        help="A decimal such as 0.1, -2.5e-3 or 65504, a fraction such as 1/3, inf, -0 or nan.",
    ),
    "dtype": Control(
        "radio",
        "Float format",
        FORMAT_NAMES,
        help="float16 and bfloat16 are the 16-bit formats of GPUs and TPUs; float32 is the "
        "usual training format; float64 is Python's float.",
        horizontal=True,
    ),
    "n": Control(
        "select_slider",
        "n",
        SWEEP_NS,
        sweep_n_text,
        help="The true value is 2/n. Every operation rounds to the format of its row.",
    ),
    "staircase": Control("toggle", "Show the gap against the magnitude, for every format"),
    "gallery": Control(
        "pills",
        "Move the input of one",
        tuple(e.key for e in GALLERY),
        {e.key: e.title for e in GALLERY},
    ),
}
"""The round-off page's fixed controls, by session name (``"fl.<name>"``)."""


def pattern_controls(fmt: FloatFormat) -> dict[str, Control]:
    """Return the hex and bit pattern inputs, whose labels count the format's digits.

    Parameters
    ----------
    fmt : FloatFormat
        The page's format.

    Returns
    -------
    dict
        ``"hex"`` and ``"bits"`` (session names ``"fl.hex"`` and ``"fl.bits"``).
    """
    return {
        "hex": Control(
            "text_input",
            f"Hex pattern ({fmt.hex_digits} hex digits)",
            help="Type a bit pattern in hex, with or without 0x.",
        ),
        "bits": Control(
            "text_input",
            f"Bits ({fmt.total_bits}: sign, exponent, fraction)",
            help="Type 0s and 1s; spaces are ignored.",
        ),
    }


def centre_control(format_name: str, value: float | np.generic, options: Sequence[Any]) -> Control:
    """Return the number line's centre slider: x itself, then powers of ten.

    Parameters
    ----------
    format_name : str
        The page's format.
    value : float or numpy scalar
        The current x, in that format.
    options : sequence
        ``"x"`` and the centres (`core.floats.state.centre_options`).

    Returns
    -------
    Control
        Session name ``"fl.centre"``; ``"x"`` is labelled with the value.
    """
    # Once per rerun: Streamlit formats every option more than once.
    x_label = f"x = {value_text(value, format_name)}"

    def label(centre: Any) -> str:
        return x_label if centre == "x" else format_float(centre)

    return Control(
        "select_slider",
        f"Centre of the number line ({format_name})",
        tuple(options),
        label,
        help="Move it right: the neighbours stay the same in number but spread further apart.",
    )


def gallery_control(entry: GalleryEntry) -> Control:
    """Return the input slider of a gallery entry (session name ``"fl.g.<key>"``).

    Parameters
    ----------
    entry : GalleryEntry
        The entry.

    Returns
    -------
    Control
        A slider over the 1-2-5 ladder of its range on a log scale, each value
        written shortest; otherwise a slider in steps of 1 (drawn with
        ``format="%.0f"``).
    """
    if entry.log_scale:
        labels = ladder_labels(entry.input_min, entry.input_max, entry.integer_input)
        return Control("select_slider", entry.input_label, tuple(labels), labels)
    return Control("slider", entry.input_label, low=entry.input_min, high=entry.input_max, step=1.0)
