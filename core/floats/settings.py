"""The round-off page's shareable settings: the value to dissect and its format."""

from __future__ import annotations

from core.floats.bits import parse_value
from core.numerics.formats import FORMAT_NAMES, FormatName
from core.settings import Setting, SettingsTable, Values, choice

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
