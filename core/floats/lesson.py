"""What the floating-point round-off page needs beyond :mod:`core.floats.bits`.

The input ladders of its sliders, the data of its number line and gap staircase,
the plain sentences that name special values, the course example's code, and the
softmax presets (and their links) that cross each format's ``log(max)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from core.floats.bits import Kind, representable_values_around
from core.floats.cancellation import (
    SWEEP_NS,
    CancellationResult,
    CourseValue,
    GalleryResult,
    cancellation_sweep,
    evaluate_gallery_entry,
)
from core.numerics.formats import FORMAT_NAMES, FormatName, get_format, round_to_format
from core.numerics.limits import all_format_limits, format_limits
from core.numerics.text import format_float, value_text
from core.softmax.settings import SETTINGS as SOFTMAX_SETTINGS

NUMBER_LINE_RANGE = (1e-8, 1e16)
"""Powers of ten offered as number line centres, where the format reaches them."""


def log_ladder(low: float, high: float, integer: bool = False) -> tuple[float, ...]:
    """Return the 1-2-5 values from `low` to `high`, for a slider on a log scale.

    Parameters
    ----------
    low, high : float
        Positive ends, both included when they are on the ladder.
    integer : bool, optional
        Keep whole numbers only.

    Returns
    -------
    tuple of float
        Ascending values such as 1e-12, 2e-12, 5e-12, 1e-11; each is the float
        nearest its short decimal, so it prints as that decimal.

    Raises
    ------
    ValueError
        If the ends are not positive or out of order.
    """
    if not 0 < low <= high:
        raise ValueError(f"A log ladder needs 0 < low <= high; got {low!r} and {high!r}.")
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    values = (float(f"{m}e{k}") for k in range(first, last + 1) for m in (1, 2, 5))
    return tuple(v for v in values if low <= v <= high and (not integer or v >= 1))


@lru_cache(maxsize=64)
def ladder_labels(low: float, high: float, integer: bool = False) -> dict[float, str]:
    """Return `log_ladder` with each value's shortest text, for a slider's labels.

    Parameters
    ----------
    low, high : float
        Positive ends, as for `log_ladder`.
    integer : bool, optional
        Keep whole numbers only.

    Returns
    -------
    dict
        Value to text, in ascending order; the same (cached) dict on every call,
        so do not change it.
    """
    return {v: format_float(v) for v in log_ladder(low, high, integer)}


@lru_cache(maxsize=len(FORMAT_NAMES))
def sweep(format_name: str) -> tuple[CancellationResult, ...]:
    """Return `core.floats.cancellation.cancellation_sweep` over its `SWEEP_NS`, cached.

    Parameters
    ----------
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.

    Returns
    -------
    tuple of CancellationResult
        One per n; immutable and shared by every caller.
    """
    return tuple(cancellation_sweep(SWEEP_NS, format_name))


@lru_cache(maxsize=1024)
def gallery_result(key: str, x: float) -> GalleryResult:
    """Return `core.floats.cancellation.evaluate_gallery_entry`, cached.

    Adding 0.1 a million times takes about 50 ms, too slow to repeat on every
    rerun of a page.

    Parameters
    ----------
    key : str
        A gallery entry's key.
    x : float
        Its input.

    Returns
    -------
    GalleryResult
        Immutable and shared by every caller.

    Raises
    ------
    ValueError
        As `core.floats.cancellation.evaluate_gallery_entry` (errors are not cached).
    """
    return evaluate_gallery_entry(key, x)


def number_line_centres(format_name: str) -> tuple[float, ...]:
    """Return the centres offered for the number line of a format.

    Parameters
    ----------
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.

    Returns
    -------
    tuple of float
        0 (where the subnormals sit, evenly spaced), then the powers of ten of
        `NUMBER_LINE_RANGE` that are normal numbers of the format.
    """
    limits = format_limits(format_name)
    low, high = NUMBER_LINE_RANGE
    powers = (float(f"1e{k}") for k in range(round(math.log10(low)), round(math.log10(high)) + 1))
    return (0.0, *(p for p in powers if limits.smallest_normal <= p <= limits.largest))


@dataclass(frozen=True)
class NumberLine:
    """The representable values around a point, ready to draw.

    Attributes
    ----------
    format_name : str
        The format.
    centre : float
        The point rounded to the format.
    values : numpy.ndarray
        Ascending representable values (float64 holds them exactly).
    offsets : numpy.ndarray
        ``values - centre``, exact.
    labels : list of str
        Each value as `value_text` writes it.
    gaps : numpy.ndarray
        ``values[i + 1] - values[i]``, exact.
    gap_labels : list of str
        Each gap as the shortest text that reads back as the same float64.
    """

    format_name: str
    centre: float
    values: NDArray[np.float64]
    offsets: NDArray[np.float64]
    labels: list[str]
    gaps: NDArray[np.float64]
    gap_labels: list[str]


def number_line(centre: float | np.generic, format_name: str, count: int = 4) -> NumberLine:
    """Return `count` representable values each side of a point, with their gaps.

    Parameters
    ----------
    centre : float or numpy scalar
        A finite point; it is rounded to the format.
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.
    count : int, optional
        Values on each side.

    Returns
    -------
    NumberLine
        Values, offsets from the centre, gaps and their labels.

    Raises
    ------
    ValueError
        If `centre` is inf or nan, or `count` is out of range.

    Notes
    -----
    Neighbouring values of a format differ by a power of two that float64 holds,
    and values near the centre are within a factor of two of it (or are
    subnormals), so every offset and gap below is an exact float64 subtraction.
    """
    values = representable_values_around(centre, format_name, count)
    rounded = float(round_to_format(centre, format_name))
    gaps = np.diff(values)
    return NumberLine(
        format_name=get_format(format_name).name,
        centre=rounded,
        values=values,
        offsets=values - rounded,
        labels=[value_text(v, format_name) for v in values],
        gaps=gaps,
        gap_labels=[format_float(g) for g in gaps],
    )


def gap_staircase(
    format_name: str, low: float = NUMBER_LINE_RANGE[0], high: float = NUMBER_LINE_RANGE[1]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the gap between neighbours at every power of two from `low` to `high`.

    Parameters
    ----------
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.
    low, high : float, optional
        Positive magnitudes; powers of two beyond the format's largest value are
        left out.

    Returns
    -------
    magnitudes : numpy.ndarray
        Powers of two ``2**k``, then the end of the range (`high` or the
        format's largest value).
    gaps : numpy.ndarray
        The gap from ``2**k`` up to the next value (``numpy.spacing``): constant
        across each binade ``[2**k, 2**(k+1))``, so it draws as a staircase; the
        end repeats the last gap.

    Notes
    -----
    The gap is ``2**(k - f)`` with ``f`` fraction bits, and never less than the
    smallest subnormal: it doubles at each power of two while the relative gap
    stays between ``eps/2`` and ``eps``.
    """
    fmt = get_format(format_name)
    limits = format_limits(format_name)
    exponents = np.arange(math.ceil(math.log2(low)), math.floor(math.log2(high)) + 1)
    exponents = exponents[exponents <= fmt.max_exponent]
    gaps = np.maximum(np.ldexp(1.0, exponents - fmt.fraction_bits), limits.smallest_subnormal)
    # The last binade runs on to `high` (or the largest value): repeat its gap there
    # so the final step is drawn to its end.
    end = min(high, limits.largest)
    magnitudes = np.append(np.ldexp(1.0, exponents), end)
    return magnitudes, np.append(gaps, gaps[-1])


KIND_EXPLANATIONS: dict[Kind, tuple[str, str]] = {
    "normal": (
        "Normal number",
        "The exponent field is neither all zeros nor all ones, and the significand has a "
        "hidden leading 1.",
    ),
    "subnormal": (
        "Subnormal number",
        "The exponent field is all zeros, so there is no hidden leading 1. Precision fades "
        "gradually down to the smallest subnormal instead of jumping to 0.",
    ),
    "zero": ("Zero", "Every exponent and fraction bit is 0."),
    "negative zero": (
        "Negative zero",
        "Only the sign bit is set. It equals 0 (-0 == 0 is True), but 1/-0 is -inf.",
    ),
    "infinity": (
        "Infinity",
        "The exponent field is all ones and the fraction is 0. It is what exp(1000) gives in "
        "float64.",
    ),
    "negative infinity": (
        "Negative infinity",
        "Sign bit set, exponent field all ones, fraction 0. It is what log(0) gives.",
    ),
    "nan": (
        "NaN, not a number",
        "The exponent field is all ones and the fraction is not 0. It is what inf/inf and "
        "inf - inf give, and nan == nan is False.",
    ),
}
"""Each kind of value: its name, and one or two plain sentences on what it is."""


@dataclass(frozen=True)
class OverflowPreset:
    """A softmax page link whose logits cross a format's ``log(max)``.

    Attributes
    ----------
    format_name : str
        The format whose limit it shows.
    softmax_dtype : str
        The softmax page's ``dtype`` (it has no bfloat16; float32 has the same
        exponent range and so the same ``log(max)``).
    logits : tuple of float
        The ``z`` of the link; the largest is above ``log(max)``.
    """

    format_name: FormatName
    softmax_dtype: str
    logits: tuple[float, ...]

    @property
    def query(self) -> dict[str, str]:
        """The softmax page's URL parameters, ``z`` and ``dtype``."""
        values = {**SOFTMAX_SETTINGS.defaults(), "z": self.logits, "dtype": self.softmax_dtype}
        # The format is named even at its default: the link says what it shows.
        return {**SOFTMAX_SETTINGS.to_query(values), "dtype": self.softmax_dtype}


OVERFLOW_PRESETS: dict[str, OverflowPreset] = {
    "float16": OverflowPreset("float16", "float16", (12.0, 0.0, -12.0)),
    "bfloat16": OverflowPreset("bfloat16", "float32", (1000.0, 999.0, 998.0)),
    "float32": OverflowPreset("float32", "float32", (1000.0, 999.0, 998.0)),
    "float64": OverflowPreset("float64", "float64", (1000.0, 999.0, 998.0)),
}
"""For each format, logits that make the naive softmax's exp overflow."""


def course_code(value: CourseValue) -> str:
    """Return one line of the course example as a Python session prints it.

    Parameters
    ----------
    value : CourseValue
        ``x1`` or ``x2`` of `core.floats.cancellation.course_example`.

    Returns
    -------
    str
        The assignment, the print with 18 decimals, and what it prints.
    """
    return (
        f">>> {value.name} = {value.expression}\n"
        f'>>> print(f"{{{value.name}:.18f}}")\n{value.printed}'
    )


def overflow_links() -> tuple[tuple[str, dict[str, str]], ...]:
    """Return, for each format, a softmax page link whose logits cross its ``log(max)``.

    Returns
    -------
    tuple of tuple
        ``(label, query)``: the label names the format, the logits and the limit
        they cross (and the softmax page's format when it differs); the query
        is `OverflowPreset.query`.
    """
    links = []
    for row in all_format_limits():
        preset = OVERFLOW_PRESETS[row.name]
        logits = ", ".join(format_float(z) for z in preset.logits)
        same = (
            ""
            if preset.softmax_dtype == row.name
            else f" (in {preset.softmax_dtype}: same exponent range)"
        )
        label = f"{row.name}: logits {logits} cross {row.log_largest:.2f}{same}"
        links.append((label, preset.query))
    return tuple(links)
