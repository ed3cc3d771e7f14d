"""A page's shareable settings, declared once: URL text in, valid values out, and back.

Each page lists its settings in one `SettingsTable` (name, URL key, default,
parser, serialiser), the way TensorFlow Playground's ``state.ts`` lists its
``PROPS``. One generic reader turns any URL into valid values, with a notice for
each value that falls back; one generic writer turns values back into the
shortest URL (defaults left out). Pages never parse their URL by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Values = Mapping[str, Any]
"""Settings read so far, by name: later settings may depend on earlier ones."""

NOTICE_TEXT_LENGTH = 20
"""How much of an unusable URL value a notice quotes."""


class Replaced(ValueError):  # noqa: N818 - a fallback with a value, not only an error
    """A URL value that is close to a usable one: use `value` instead, and say why.

    Parameters
    ----------
    value : object
        The value to use.
    reason : str
        Why the URL's value was not used as it was.
    """

    def __init__(self, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.value = value


@dataclass(frozen=True)
class Control:
    """How a page shows one of its values: the widget, its label and its choices.

    Plain data: `ui.binding.control` draws it with Streamlit, bound to the
    session key ``"<prefix>.<name>"``.

    Attributes
    ----------
    widget : str
        ``"radio"``, ``"selectbox"``, ``"select_slider"``, ``"multiselect"``,
        ``"pills"``, ``"segmented_control"``, ``"slider"``, ``"number_input"``, ``"text_input"`` or
        ``"toggle"``.
    label : str
        What the control is called on screen.
    options : sequence, optional
        The choices of a choosing widget.
    labels : mapping or callable, optional
        How each choice is written (a mapping of choice to text, or a function).
    help : str, optional
        The tooltip.
    low, high, step : float, optional
        Range and step of a number or a slider.
    horizontal : bool, optional
        Radio buttons side by side.
    """

    widget: str
    label: str
    options: Sequence[Any] = ()
    labels: Mapping[Any, str] | Callable[[Any], str] | None = None
    help: str | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    horizontal: bool = False


@dataclass(frozen=True)
class Setting:
    """One setting of a page.

    Attributes
    ----------
    name : str
        Its name in the page's values (and, prefixed, in the session).
    key : str
        Its URL parameter.
    default : object or callable
        The value when the URL has none or an unusable one; a callable takes the
        values read before it (a true class depends on how many logits there are).
    parse : callable
        ``parse(text, values) -> value``; raises ``ValueError`` with a sentence a
        student can act on, or `Replaced` to use a nearby value.
    text : callable
        ``text(value) -> str``, the URL form; `parse` reads it back to the value.
    describe : callable
        ``describe(value) -> str``, how a notice names the fallback value.
    """

    name: str
    key: str
    default: Any
    parse: Callable[[str, Values], Any]
    text: Callable[[Any], str] = str
    describe: Callable[[Any], str] | None = None

    def default_for(self, values: Values) -> Any:
        """Return the default, given the settings read before this one."""
        return self.default(values) if callable(self.default) else self.default


@dataclass(frozen=True)
class SettingsTable:
    """The settings of one page, in reading order.

    Parameters
    ----------
    settings : sequence of Setting
        Each setting; one that depends on others comes after them.
    """

    settings: Sequence[Setting]
    by_name: dict[str, Setting] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {s.name: s for s in self.settings})

    @property
    def keys(self) -> tuple[str, ...]:
        """The URL parameters the page owns."""
        return tuple(s.key for s in self.settings)

    def defaults(self, context: Values | None = None) -> dict[str, Any]:
        """Return every setting at its default (given `context`, as `from_query`)."""
        return self.from_query({}, context)[0]

    def complete(self, values: Values, context: Values | None = None) -> dict[str, Any]:
        """Return every setting: those in `values`, the others at their defaults given them.

        Parameters
        ----------
        values : mapping
            Some settings by name (valid values).
        context : mapping, optional
            As for `from_query`.

        Returns
        -------
        dict
            Every setting by name; a default that depends on earlier settings
            (the multi-label names on the number of logits) follows `values`.
        """
        seen: dict[str, Any] = dict(context or {})
        for setting in self.settings:
            seen[setting.name] = (
                values[setting.name] if setting.name in values else setting.default_for(seen)
            )
        return {s.name: seen[s.name] for s in self.settings}

    def from_query(
        self, params: Mapping[str, str | list[str]], context: Values | None = None
    ) -> tuple[dict[str, Any], list[str]]:
        """Read valid values from URL parameters; never raises.

        Parameters
        ----------
        params : mapping
            URL parameters; a repeated parameter (a list) counts by its last
            value, and unknown parameters are ignored.
        context : mapping, optional
            What the parsers may need beyond the URL (the models this session
            has), seen by them as values read before the first setting.

        Returns
        -------
        values : dict
            Every setting by name.
        notices : list of str
            One sentence per URL value that could not be used as it was, naming
            the value, the reason and what is used instead.
        """
        values: dict[str, Any] = dict(context or {})
        notices: list[str] = []
        for setting in self.settings:
            raw = params.get(setting.key)
            if isinstance(raw, list):
                raw = raw[-1] if raw else None
            if raw is None:
                values[setting.name] = setting.default_for(values)
                continue
            try:
                values[setting.name] = setting.parse(raw, values)
            except Replaced as replaced:
                values[setting.name] = replaced.value
                notices.append(self._notice(setting, raw, str(replaced), replaced.value))
            except ValueError as error:
                fallback = setting.default_for(values)
                values[setting.name] = fallback
                notices.append(self._notice(setting, raw, str(error), fallback))
        return {s.name: values[s.name] for s in self.settings}, notices

    def to_query(self, values: Values) -> dict[str, str]:
        """Return the URL parameters for `values`, leaving out those at their default.

        Parameters
        ----------
        values : mapping
            Every setting by name.

        Returns
        -------
        dict
            Parameters that `from_query` reads back to the same values.
        """
        query: dict[str, str] = {}
        seen: dict[str, Any] = {}
        for setting in self.settings:
            value = values[setting.name]
            if value != setting.default_for(seen):
                query[setting.key] = setting.text(value)
            seen[setting.name] = value
        return query

    @staticmethod
    def _notice(setting: Setting, raw: str, reason: str, used: Any) -> str:
        return notice(setting.key, raw, reason, (setting.describe or setting.text)(used))


def notice(key: str, raw: str, reason: str, used: str) -> str:
    """Say why a URL value was not used, and what was used instead.

    Parameters
    ----------
    key : str
        The URL key.
    raw : str
        Its value, quoted up to `NOTICE_TEXT_LENGTH` characters.
    reason : str
        Why it was not used.
    used : str
        What the page uses instead.

    Returns
    -------
    str
        ``"key='value': reason; using fallback."``
    """
    shown = raw if len(raw) <= NOTICE_TEXT_LENGTH else raw[:NOTICE_TEXT_LENGTH] + "…"
    return f"{key}={shown!r}: {reason.rstrip('.')}; using {used}."


def apply_to_state(
    state: MutableMapping[str, Any], prefix: str, values: Values, notices: list[str]
) -> None:
    """Put settings into a session's state as ``"<prefix>.<name>"``, with their notices.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    prefix : str
        The page's key prefix (``"fl"``).
    values : mapping
        Every setting by name.
    notices : list of str
        Why values from the link were replaced, kept as ``"<prefix>.notices"``.
    """
    for name, value in values.items():
        state[f"{prefix}.{name}"] = value
    state[f"{prefix}.notices"] = list(notices)


def choice(options: Sequence[str], what: str = "") -> Callable[[str, Values], str]:
    """Return a parser that accepts one of `options`, exactly as written.

    Parameters
    ----------
    options : sequence of str
        The accepted values.
    what : str, optional
        How the reason names them (default: the options themselves).

    Returns
    -------
    callable
        A `Setting.parse`.
    """

    def parse(text: str, values: Values) -> str:
        if text not in options:
            listed = " or ".join(options) if len(options) == 2 else f"one of {', '.join(options)}"
            raise ValueError(f"choose {what or listed}")
        return text

    return parse


def integer(low: int, high: int) -> Callable[[str, Values], int]:
    """Return a parser of a whole number from `low` to `high` (ASCII digits only).

    Parameters
    ----------
    low, high : int
        The accepted range, both included.

    Returns
    -------
    callable
        A `Setting.parse`.

    Notes
    -----
    ``str.isdigit`` accepts characters such as ``²`` and ``①`` that ``int``
    refuses, and ``int`` refuses more than 4,300 digits: the text is checked
    against ASCII digits and its length first.
    """
    most = len(str(max(abs(low), abs(high)))) + 1

    def parse(text: str, values: Values) -> int:
        body = text.strip()
        digits = body[1:] if body[:1] in "+-" else body
        if not digits or len(body) > most or not (digits.isascii() and digits.isdigit()):
            raise ValueError(f"choose a whole number from {low:,} to {high:,}")
        value = int(body)
        if not low <= value <= high:
            raise ValueError(f"choose a whole number from {low:,} to {high:,}")
        return value

    return parse


def real(low: float, high: float) -> Callable[[str, Values], float]:
    """Return a parser of a finite number from `low` to `high`.

    Parameters
    ----------
    low, high : float
        The accepted range, both included.

    Returns
    -------
    callable
        A `Setting.parse`.
    """

    def parse(text: str, values: Values) -> float:
        try:
            value = float(text) if len(text) <= 64 else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"choose a number from {low:g} to {high:g}")
        return value

    return parse


def nearest_choice(
    parse: Callable[[str, Values], float], options: Sequence[float], log: bool = False
) -> Callable[[str, Values], float]:
    """Return a parser that snaps what `parse` reads to the nearest of `options`.

    Parameters
    ----------
    parse : callable
        Reads the number.
    options : sequence of float
        The values a page's control offers.
    log : bool, optional
        Measure nearness by ratio (learning rates) instead of difference.

    Returns
    -------
    callable
        A `Setting.parse` that raises `Replaced` for a value between options.
    """

    def distance(a: float, b: float) -> float:
        return abs(math.log(a / b)) if log else abs(a - b)

    def snapped(text: str, values: Values) -> float:
        value = parse(text, values)
        if value in options:
            return value
        nearest = min(options, key=lambda option: distance(option, value))
        raise Replaced(nearest, "not one of the page's choices")

    return snapped


def shortest(value: float) -> str:
    """Return a float's shortest text (``"2"``, ``"0.1"``, ``"1e-05"``).

    Parameters
    ----------
    value : float
        The value.

    Returns
    -------
    str
        ``repr`` without a trailing ``.0``: reads back to the same float.
    """
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
