"""The round-off page's tables, as plain text columns for `ui.layout.html_table`.

Each function returns column title to one text per row. A value that broke ends
with `core.charts.BROKEN_MARK`; a part between backticks is code. How a cell is
shown beyond that (bold, long digits that wrap) is named by the ``*_STYLES``
constants, one style per row, and drawn by the page's layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from core.charts import BROKEN_MARK
from core.floats.bits import FloatBits
from core.floats.cancellation import (
    COURSE_TRUE_VALUE,
    GALLERY,
    CancellationResult,
    CourseValue,
    GalleryEntry,
)
from core.floats.lesson import gallery_result
from core.numerics.exact import to_exact
from core.numerics.formats import FORMAT_NAMES
from core.numerics.limits import all_format_limits
from core.numerics.text import (
    format_error,
    format_exact,
    format_float,
    format_value,
    shortest_is_exact,
    stored_text,
    value_text,
)

Columns = dict[str, list[str]]

GALLERY_FLAG = 1e-8
"""A gallery result is flagged above this relative error: half of float64's digits lost."""

LIMIT_DIGITS = 8
"""Significant digits the limits table shows: eight fit a projector; hovering shows 17."""

DETAILS_ROWS = (
    "kind",
    "stored value (shortest text)",
    "exact stored value",
    "hex pattern",
    "next value below",
    "next value above",
    "gap below · gap above",
    "ULP here (numpy.spacing)",
)
"""The rows of the bit view's details table."""

DETAILS_STYLES = ("bold", "", "digits", "", "", "", "", "")
"""How each value of `details_columns` is shown: the kind in bold, the exact value wrapping
(and folded when long: `core.numerics.text.fold_digits`)."""

SHORT_EXACT = 24
"""Longest exact value `shortest_cell` repeats beside the shortest text, in characters."""

GALLERY_ENTRY_STYLES = ("wrap", "wrap", "")
"""How each row name of `gallery_entry_columns` is shown: the formulas may wrap."""


def _gap(gap: float | None) -> str:
    return "—" if gap is None else format_float(gap)


def shortest_cell(bits: FloatBits) -> str:
    """Return the shortest text of a number, saying so when it is not its exact value.

    Parameters
    ----------
    bits : FloatBits
        The number, dissected.

    Returns
    -------
    str
        ``"0.5"``; ``"65500 (exactly 65504)"`` for float16's largest value, whose
        shortest text reads back as it without being it; when the exact value is
        longer than `SHORT_EXACT` characters, a pointer to the next row, which
        holds it, instead of the value again: ``"0.1 (not the exact value: see below)"``.
    """
    dtype = bits.format_name
    if shortest_is_exact(bits.value, dtype) or len(bits.exact_value) <= SHORT_EXACT:
        return stored_text(bits.value, dtype)
    return f"{format_value(bits.value, dtype)} (not the exact value: see below)"


def gallery_flagged(value: float, error: float | None) -> str:
    """Return a gallery result's text, marked when it lost more than half its digits.

    Parameters
    ----------
    value : float
        A naive or stable result.
    error : float or None
        Its relative error (None for inf and nan).

    Returns
    -------
    str
        The shortest text, ending with `BROKEN_MARK` when `error` is None or
        above `GALLERY_FLAG`.
    """
    text = format_float(value)
    lost = error is None or error > GALLERY_FLAG
    return text + BROKEN_MARK if lost else text


def course_errors(value: CourseValue) -> Columns:
    """Return the errors of one line of the course example.

    Parameters
    ----------
    value : CourseValue
        ``x1`` or ``x2`` of `core.floats.cancellation.course_example`.

    Returns
    -------
    dict
        The absolute, relative and ULP errors against 2/10000.
    """
    return {
        f"error against {COURSE_TRUE_VALUE}": ["absolute", "relative", "in ULPs"],
        value.name: [
            format_error(value.absolute_error),
            format_error(value.relative_error),
            format_error(value.ulp_error),
        ],
    }


def cancellation_columns(rows: Sequence[CancellationResult]) -> Columns:
    """Return ``(1 + 1/n) − (1 − 1/n)`` at one n, one row per format.

    Parameters
    ----------
    rows : sequence of CancellationResult
        One per format of `FORMAT_NAMES`, in that order, all at the same n.

    Returns
    -------
    dict
        Both sides, their difference (marked when it is 0: every digit lost),
        the true 2/n and the errors.
    """

    def difference(result: CancellationResult) -> str:
        text = format_value(result.computed, result.format_name)
        return text + BROKEN_MARK if result.computed == 0 else text

    return {
        "format": list(FORMAT_NAMES),
        "1 + 1/n": [format_value(r.plus, r.format_name) for r in rows],
        "1 − 1/n": [format_value(r.minus, r.format_name) for r in rows],
        "difference": [difference(r) for r in rows],
        "true 2/n": [format_exact(r.exact) for r in rows],
        "relative error": [format_error(r.relative_error) for r in rows],
        "error in ULPs": [format_error(r.ulp_error) for r in rows],
    }


def details_columns(bits: FloatBits) -> Columns:
    """Return what the bit view knows about a number: kind, exact value, neighbours, gaps.

    Parameters
    ----------
    bits : FloatBits
        The number, dissected.

    Returns
    -------
    dict
        `DETAILS_ROWS`, and a column named after the format with one value
        each (shown as `DETAILS_STYLES` says); the hex pattern is code.
    """
    dtype = bits.format_name
    return {
        "": list(DETAILS_ROWS),
        dtype: [
            bits.kind,
            shortest_cell(bits),
            bits.exact_value,
            f"`{bits.hex}`",
            value_text(bits.next_below, dtype),
            value_text(bits.next_above, dtype),
            f"{_gap(bits.gap_below)} · {_gap(bits.gap_above)}",
            _gap(bits.ulp),
        ],
    }


@cache
def limits_columns() -> tuple[Columns, Columns]:
    """Return the limits of every format, and the exact values to show on hover.

    Cached: the table is the same for everyone, and its 40 exact decimals take
    mpmath a few milliseconds.

    Returns
    -------
    columns : dict
        Bits, machine epsilon, smallest subnormal and normal, largest finite
        value, ``log(largest)`` (exact, to `LIMIT_DIGITS` significant digits)
        and decimal digits, one column per format.
    titles : dict
        The same columns with each exact value to 17 digits, ``""`` for the
        other rows. Shared by every caller: do not change either dict.
    """
    rows = all_format_limits()
    columns: Columns = {
        "": [
            "bits: sign + exponent + fraction",
            "machine epsilon (gap after 1)",
            "smallest subnormal",
            "smallest normal",
            "largest finite",
            "log(largest): exp overflows above",
            "significant decimal digits",
        ]
    }
    titles: Columns = {}
    for r in rows:
        exact = [r.epsilon, r.smallest_subnormal, r.smallest_normal, r.largest, r.log_largest]
        columns[r.name] = [
            f"1 + {r.exponent_bits} + {r.fraction_bits} = {r.total_bits}",
            *(format_exact(to_exact(v), LIMIT_DIGITS) for v in exact),
            f"about {r.decimal_digits:.1f}",
        ]
        titles[r.name] = ["", *(format_exact(to_exact(v)) for v in exact), ""]
    return columns, titles


def gallery_overview_columns(inputs: Mapping[str, float]) -> Columns:
    """Return every gallery entry, naive against stable, at its current input.

    Parameters
    ----------
    inputs : mapping
        Each entry's key to its input x.

    Returns
    -------
    dict
        One row per entry of `GALLERY`: its naive formula (code), its input,
        and both results (marked as `gallery_flagged` says) with their errors.
    """
    results = [gallery_result(e.key, inputs[e.key]) for e in GALLERY]
    return {
        "naive formula": [f"`{e.naive_formula}`" for e in GALLERY],
        "at": [f"{e.input_label} = {format_float(inputs[e.key])}" for e in GALLERY],
        "naive result": [gallery_flagged(r.naive, r.naive_relative_error) for r in results],
        "naive rel. error": [format_error(r.naive_relative_error) for r in results],
        "stable result": [gallery_flagged(r.stable, r.stable_relative_error) for r in results],
        "stable rel. error": [format_error(r.stable_relative_error) for r in results],
    }


def gallery_entry_columns(entry: GalleryEntry, x: float) -> Columns:
    """Return one gallery entry at `x`: naive, stable and exact, with their errors.

    Parameters
    ----------
    entry : GalleryEntry
        The entry.
    x : float
        Its input.

    Returns
    -------
    dict
        Rows naive, stable (with their formulas as code, shown as
        `GALLERY_ENTRY_STYLES` says) and exact; results, relative and ULP errors.
    """
    result = gallery_result(entry.key, x)
    return {
        "": [
            f"naive `{entry.naive_formula}`",
            f"stable `{entry.stable_formula}`",
            "exact (mpmath, 60 digits)",
        ],
        "result": [
            gallery_flagged(result.naive, result.naive_relative_error),
            gallery_flagged(result.stable, result.stable_relative_error),
            format_exact(result.exact),
        ],
        "relative error": [
            format_error(result.naive_relative_error),
            format_error(result.stable_relative_error),
            "",
        ],
        "ULP error": [
            format_error(result.naive_ulp_error),
            format_error(result.stable_ulp_error),
            "",
        ],
    }
