"""Floating-point formats bit by bit, round-off, and the classic cancellations.

Engine of the "floating-point round-off" page: it takes numbers apart into sign,
exponent and fraction bits, rebuilds them from typed bits or hex, shows how typed
decimals round into each format, measures the course's cancellation example and
runs a gallery of naive formulas against their stable rewrites, each checked
against exact values from :data:`core.numerics.exact.exact`.

Every value of float16, bfloat16 and float32 is also a float64, so float64 (and
Python ``float``) carries them without any rounding; rounding *into* a format is
done here from exact fractions, because ml_dtypes rounds float64 to bfloat16 via
float32 and so rounds twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

import mpmath
import numpy as np

from core.numerics.exact import absolute_error, exact, relative_error, to_exact
from core.numerics.formats import (
    FloatFormat,
    get_format,
    nan_pattern,
    pattern_of,
    pattern_to_scalar,
    round_fraction,
)
from core.numerics.limits import format_limits
from core.numerics.text import (
    exact_decimal,
    format_exact,
    format_value,
    landmark_text,
    shortest_is_exact,
    stored_text,
)

Outcome = Literal["exact", "rounded", "subnormal", "underflow", "overflow", "special"]

Kind = Literal[
    "normal",
    "subnormal",
    "zero",
    "negative zero",
    "infinity",
    "negative infinity",
    "nan",
]

MAX_INPUT_LENGTH = 100
"""Longest number text `parse_value` accepts, in characters."""

MAX_NEIGHBOURS = 1000
"""Largest `count` accepted by `representable_values_around`."""


# Beyond these decimal exponents every format has overflowed (float64 stops near
# 1.8e308) or underflowed (float64's smallest subnormal is near 4.9e-324); the
# cut-off spares building a huge exact integer for input such as "1e999999999".
_OVERFLOW_DECIMAL_EXPONENT = 400
_UNDERFLOW_DECIMAL_EXPONENT = -400
# Exponent bound inside "a/b" input, where the shortcut above cannot apply.
_FRACTION_DECIMAL_EXPONENT = 1000


# --------------------------------------------------------------------------- bits


def _kind(pattern: int, fmt: FloatFormat) -> Kind:
    negative = bool(pattern & fmt.sign_mask)
    magnitude = pattern & ~fmt.sign_mask
    if magnitude > fmt.infinity_pattern:
        return "nan"
    if magnitude == fmt.infinity_pattern:
        return "negative infinity" if negative else "infinity"
    if magnitude == 0:
        return "negative zero" if negative else "zero"
    if magnitude >> fmt.fraction_bits == 0:
        return "subnormal"
    return "normal"


def _step_pattern(pattern: int, fmt: FloatFormat, upward: bool) -> int:
    """Return the pattern of the next representable value up or down.

    Follows numpy.nextafter: ``±0`` steps to ``±smallest subnormal``, the largest
    finite value steps to ``inf``, ``inf`` stays, nan stays nan.
    """
    magnitude = pattern & ~fmt.sign_mask
    if magnitude > fmt.infinity_pattern:
        return pattern
    if magnitude == 0:
        return 1 if upward else fmt.sign_mask | 1
    negative = bool(pattern & fmt.sign_mask)
    away_from_zero = upward != negative
    if away_from_zero:
        return pattern if magnitude == fmt.infinity_pattern else pattern + 1
    return pattern - 1


def _neighbour(scalar: np.generic, pattern: int, fmt: FloatFormat, upward: bool) -> np.generic:
    if fmt.name == "bfloat16":
        return pattern_to_scalar(_step_pattern(pattern, fmt, upward), fmt)
    target = fmt.dtype.type(np.inf if upward else -np.inf)
    with np.errstate(all="ignore"):
        return np.nextafter(scalar, target)


@dataclass(frozen=True)
class FloatBits:
    """A value of a float format taken apart bit by bit.

    Attributes
    ----------
    format_name : str
        The format.
    value : numpy scalar
        The value rounded to the format, typed in it.
    pattern : int
        The bits as an unsigned integer.
    bits : str
        All bits, sign first, as ``'0'``/``'1'`` characters.
    sign : int
        The sign bit, 0 or 1.
    exponent_bits : str
        The stored (biased) exponent field.
    fraction_bits : str
        The stored fraction field.
    hex : str
        The pattern as ``"0x"`` followed by upper-case hex digits, e.g. ``"0x3DCCCCCD"``.
    exponent : int or None
        The unbiased exponent ``E - bias``; the minimum exponent ``1 - bias`` for
        zeros and subnormals; None for inf and nan.
    significand : str or None
        The exact decimal value of ``1.F`` (normal) or ``0.F`` (subnormal, zero);
        None for inf and nan.
    exact_value : str
        Every decimal digit of the stored value (``str(decimal.Decimal(value))``),
        or ``"inf"``, ``"-inf"``, ``"nan"``.
    kind : str
        ``"normal"``, ``"subnormal"``, ``"zero"``, ``"negative zero"``,
        ``"infinity"``, ``"negative infinity"`` or ``"nan"``.
    next_below, next_above : numpy scalar
        The neighbouring representable values, as ``numpy.nextafter`` gives them.
    gap_below, gap_above : float or None
        ``value - next_below`` and ``next_above - value`` (exact; inf next to the
        largest finite value); None when `value` is inf or nan.
    ulp : float or None
        The spacing of the format at `value`, away from zero; finite even at the
        largest value, where numpy.spacing says inf. None for inf and nan.

    Notes
    -----
    ``value = (-1)**sign * significand * 2**exponent`` and, for finite values,
    ``ulp = 2**(exponent - fraction_bits)``.
    """

    format_name: str
    value: np.generic
    pattern: int
    bits: str
    sign: int
    exponent_bits: str
    fraction_bits: str
    hex: str
    exponent: int | None
    significand: str | None
    exact_value: str
    kind: Kind
    next_below: np.generic
    next_above: np.generic
    gap_below: float | None
    gap_above: float | None
    ulp: float | None


def _dissect_pattern(pattern: int, fmt: FloatFormat) -> FloatBits:
    scalar = pattern_to_scalar(pattern, fmt)
    bits = format(pattern, f"0{fmt.total_bits}b")
    exponent_field = (pattern >> fmt.fraction_bits) & ((1 << fmt.exponent_bits) - 1)
    fraction_field = pattern & ((1 << fmt.fraction_bits) - 1)
    kind = _kind(pattern, fmt)
    as_float = float(scalar)
    below = _neighbour(scalar, pattern, fmt, upward=False)
    above = _neighbour(scalar, pattern, fmt, upward=True)
    finite = math.isfinite(as_float)
    if finite:
        # float64 holds the fraction of every format exactly, so Decimal(float)
        # prints the significand exactly.
        normal = exponent_field != 0
        exponent = (exponent_field - fmt.bias) if normal else fmt.min_exponent
        significand = format(Decimal(int(normal) + fraction_field / 2**fmt.fraction_bits), "f")
        ulp = math.ldexp(1.0, exponent - fmt.fraction_bits)
        # Neighbours differ by a power of two, so these float64 differences are exact.
        gap_below = as_float - float(below)
        gap_above = float(above) - as_float
    else:
        exponent = significand = gap_below = gap_above = ulp = None
    return FloatBits(
        format_name=fmt.name,
        value=scalar,
        pattern=pattern,
        bits=bits,
        sign=pattern >> (fmt.total_bits - 1),
        exponent_bits=bits[1 : 1 + fmt.exponent_bits],
        fraction_bits=bits[1 + fmt.exponent_bits :],
        hex="0x" + format(pattern, f"0{fmt.hex_digits}X"),
        exponent=exponent,
        significand=significand,
        exact_value=exact_decimal(as_float),
        kind=kind,
        next_below=below,
        next_above=above,
        gap_below=gap_below,
        gap_above=gap_above,
        ulp=ulp,
    )


def dissect(value: float | int | Fraction | np.generic, format_name: str) -> FloatBits:
    """Round a value to a format and take it apart bit by bit.

    Parameters
    ----------
    value : float, int, Fraction or numpy scalar
        The number; a numpy scalar already in the format keeps its bits exactly
        (NaN payloads too), anything else is rounded to nearest, ties to even.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    FloatBits
        Sign, exponent and fraction fields, hex, exact value, kind, neighbours
        and gaps.

    Raises
    ------
    ValueError
        If the format is unknown or `value` is not a number.

    Notes
    -----
    A normal value is ``(-1)**s * (1 + F / 2**f) * 2**(E - bias)``; its
    neighbours are ``ulp = 2**(E - bias - f)`` away (half that below a power of two).
    """
    fmt = get_format(format_name)
    return _dissect_pattern(pattern_of(value, fmt), fmt)


def _clean_digits(text: str, prefix: str) -> str:
    cleaned = "".join(text.split()).replace("_", "")
    if cleaned[:2].lower() == prefix:
        cleaned = cleaned[2:]
    return cleaned


def from_bits(bits: str, format_name: str) -> np.generic:
    """Build a value of a format from its bits.

    Parameters
    ----------
    bits : str
        Exactly ``total_bits`` characters ``0``/``1``, sign bit first; spaces,
        underscores and a leading ``0b`` are ignored.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    numpy scalar
        The value with those bits, typed in the format.

    Raises
    ------
    ValueError
        For empty input, characters other than 0 and 1, or the wrong number of bits.
    """
    fmt = get_format(format_name)
    if not isinstance(bits, str):
        raise ValueError("Type the bits as text of 0s and 1s.")
    cleaned = _clean_digits(bits, "0b")
    example = format(round_fraction(Fraction(1), False, fmt), f"0{fmt.total_bits}b")
    if not cleaned:
        raise ValueError(
            f"Type the {fmt.total_bits} bits of a {fmt.name} (0s and 1s), "
            f"for example {example} for 1."
        )
    wrong = next((character for character in cleaned if character not in "01"), None)
    if wrong is not None:
        raise ValueError(f"Bits can only be 0 or 1; {wrong!r} is neither.")
    if len(cleaned) != fmt.total_bits:
        raise ValueError(f"{fmt.name} has {fmt.total_bits} bits; you typed {len(cleaned)}.")
    return pattern_to_scalar(int(cleaned, 2), fmt)


def from_hex(text: str, format_name: str) -> np.generic:
    """Build a value of a format from its hex pattern.

    Parameters
    ----------
    text : str
        Exactly ``total_bits / 4`` hex digits, any case, with or without ``0x``;
        spaces and underscores are ignored.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    numpy scalar
        The value with that pattern, typed in the format.

    Raises
    ------
    ValueError
        For empty input, non-hex characters or the wrong number of digits.
    """
    fmt = get_format(format_name)
    if not isinstance(text, str):
        raise ValueError("Type the hex pattern as text, for example 0x3C00.")
    cleaned = _clean_digits(text, "0x")
    one = "0x" + format(round_fraction(Fraction(1), False, fmt), f"0{fmt.hex_digits}X")
    if not cleaned:
        raise ValueError(
            f"Type the {fmt.hex_digits} hex digits of a {fmt.name}, for example {one} for 1."
        )
    wrong = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), None)
    if wrong is not None:
        raise ValueError(f"Hex digits are 0-9 and A-F; {wrong!r} is not one of them.")
    if len(cleaned) != fmt.hex_digits:
        raise ValueError(
            f"{fmt.name} has {fmt.hex_digits} hex digits ({fmt.total_bits} bits); "
            f"you typed {len(cleaned)}."
        )
    return pattern_to_scalar(int(cleaned, 16), fmt)


# ------------------------------------------------------------------ typed values


@dataclass(frozen=True)
class ParsedValue:
    """A student-typed number stored in a float format.

    Attributes
    ----------
    text : str
        The input, stripped.
    format_name : str
        The format.
    value : numpy scalar
        The stored value, typed in the format.
    outcome : str
        ``"exact"`` (stored without error), ``"rounded"`` (to the nearest value),
        ``"subnormal"`` (stored below the normal range), ``"underflow"`` (rounded
        to zero), ``"overflow"`` (rounded to infinity) or ``"special"`` (inf or nan
        typed).
    message : str
        One plain sentence saying what happened, for the page.
    exact_input : mpmath.mpf or None
        The typed number (60 significant digits); None for inf and nan.
    absolute_error, relative_error : float or None
        ``|stored - typed|`` and that over ``|typed|``; None when either is not finite.
    """

    text: str
    format_name: str
    value: np.generic
    outcome: Outcome
    message: str
    exact_input: mpmath.mpf | None
    absolute_error: float | None
    relative_error: float | None


_NUMBER_HINT = "for example 0.1, -2.5e-3, 1/3, inf or nan"


def _parse_decimal(part: str, text: str) -> Decimal:
    try:
        number = Decimal(part)
    except (InvalidOperation, ValueError):
        raise ValueError(f"{text!r} is not a number; type one {_NUMBER_HINT}.") from None
    # Decimal also reads "sNaN" and "NaN123" (a payload); students mean neither.
    if number.is_nan() and part.lower().lstrip("+-") != "nan":
        raise ValueError(f"{text!r} is not a number; type one {_NUMBER_HINT}.")
    return number


def _typed_number(text: str) -> tuple[Fraction | None, bool, mpmath.mpf | None, Decimal | None]:
    """Return (exact fraction or None, negative, 60-digit value, lone Decimal)."""
    parts = text.split("/")
    if len(parts) > 2:
        raise ValueError(f"{text!r} has more than one '/'; type a single fraction such as 1/3.")
    if len(parts) == 1:
        number = _parse_decimal(text, text)
        if not number.is_finite():
            return None, number.is_signed(), None, number
        reference = exact.mpf(str(number))
        adjusted = number.adjusted()
        if number != 0 and not (
            _UNDERFLOW_DECIMAL_EXPONENT < adjusted < _OVERFLOW_DECIMAL_EXPONENT
        ):
            return None, number.is_signed(), reference, number
        return Fraction(number), number.is_signed(), reference, number
    top, bottom = (_parse_decimal(part.strip(), text) for part in parts)
    if not (top.is_finite() and bottom.is_finite()):
        raise ValueError("Use inf and nan on their own, not inside a fraction.")
    if bottom == 0:
        raise ValueError(f"{text} divides by zero; the denominator must not be 0.")
    for part in (top, bottom):
        if part != 0 and abs(part.adjusted()) > _FRACTION_DECIMAL_EXPONENT:
            raise ValueError(
                f"Keep the exponents in a fraction between -{_FRACTION_DECIMAL_EXPONENT} "
                f"and {_FRACTION_DECIMAL_EXPONENT}."
            )
    negative = top.is_signed() != bottom.is_signed()
    reference = exact.mpf(str(top)) / exact.mpf(str(bottom))
    return Fraction(top) / Fraction(bottom), negative, reference, None


def _shortest_note(scalar: np.generic, fmt: FloatFormat) -> str:
    """Return, for a value stored exactly, what its shortest text is when that is not it."""
    if shortest_is_exact(scalar, fmt.name):
        return ""
    return (
        f" Its shortest text is {stored_text(scalar, fmt.name)}: the shortest decimal that "
        f"reads back as the same {fmt.name}, not its value."
    )


def parse_value(text: str, format_name: str) -> ParsedValue:
    """Parse a typed number, round it to a format, and say what the rounding did.

    Parameters
    ----------
    text : str
        A decimal number (``"0.1"``, ``"-2.5e-3"``, ``"-0"``), ``"inf"``,
        ``"-inf"``, ``"nan"``, or a fraction of two decimals (``"1/3"``); at most
        `MAX_INPUT_LENGTH` characters.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    ParsedValue
        The stored value, what happened (exact, rounded, subnormal, underflow,
        overflow, special), a sentence for the page and the rounding error.

    Raises
    ------
    ValueError
        For empty, over-long or non-numeric text, ``x/0``, or exponents beyond
        ±1000 inside a fraction.

    Notes
    -----
    The typed number ``x`` is rounded once, exactly, to the nearest value
    (ties to even); ``|x| >= (2 - 2**-p) * 2**emax`` overflows to inf, and
    ``|x| <= 2**(emin - p)`` (half the smallest subnormal) underflows to 0.
    """
    fmt = get_format(format_name)
    if not isinstance(text, str):
        raise ValueError(f"Type the number as text, {_NUMBER_HINT}.")
    cleaned = text.strip().replace("\N{MINUS SIGN}", "-")
    if not cleaned:
        raise ValueError(f"Type a number to store in {fmt.name}, {_NUMBER_HINT}.")
    if len(cleaned) > MAX_INPUT_LENGTH:
        raise ValueError(
            f"That is {len(cleaned)} characters long; type a number of at most "
            f"{MAX_INPUT_LENGTH} characters."
        )
    fraction, negative, reference, lone = _typed_number(cleaned)
    if reference is None:
        if lone is not None and lone.is_nan():
            pattern = nan_pattern(fmt, negative)
            message = (
                "nan (not a number) is stored with the exponent all ones and a nonzero fraction."
            )
        else:
            pattern = fmt.infinity_pattern | (fmt.sign_mask if negative else 0)
            message = f"{cleaned} is stored exactly: exponent all ones, fraction all zeros."
        scalar = pattern_to_scalar(pattern, fmt)
        return ParsedValue(cleaned, fmt.name, scalar, "special", message, None, None, None)
    if fraction is None:
        # Far beyond every format's range (see _OVERFLOW_DECIMAL_EXPONENT).
        huge = abs(reference) > 1
        pattern = (fmt.infinity_pattern if huge else 0) | (fmt.sign_mask if negative else 0)
    else:
        pattern = round_fraction(fraction, negative, fmt)
    scalar = pattern_to_scalar(pattern, fmt)
    kind = _kind(pattern, fmt)
    stored = format_value(scalar, fmt.name)
    limits = format_limits(fmt.name)
    outcome: Outcome
    if kind in ("infinity", "negative infinity"):
        outcome = "overflow"
        largest = landmark_text(limits.largest, fmt)
        if negative:
            message = (
                f"{cleaned} is below {fmt.name}'s most negative finite value -{largest}: "
                "it rounds to -inf."
            )
        else:
            message = (
                f"{cleaned} is above {fmt.name}'s largest finite value {largest}: it rounds to inf."
            )
    elif kind in ("zero", "negative zero") and reference != 0:
        outcome = "underflow"
        tiny = landmark_text(limits.smallest_subnormal, fmt)
        message = (
            f"{cleaned} is too small for {fmt.name}: it is nearer to 0 than to the smallest "
            f"subnormal {tiny}, so it rounds to {stored}."
        )
    elif kind == "subnormal":
        outcome = "subnormal"
        smallest_normal = landmark_text(limits.smallest_normal, fmt)
        if fraction is not None and Fraction(float(scalar)) == fraction:
            how = "exactly"
        else:
            error = relative_error(scalar, reference)
            how = f"as about {format_exact(to_exact(scalar))} (a relative error of {error:.3g})"
        message = (
            f"{cleaned} is below {fmt.name}'s smallest normal value {smallest_normal}: it is "
            f"stored {how} as a subnormal, with fewer significant bits than a normal number."
        )
        if how == "exactly":
            message += _shortest_note(scalar, fmt)
    elif fraction is not None and Fraction(float(scalar)) == fraction:
        outcome = "exact"
        message = f"{cleaned} is stored exactly in {fmt.name}." + _shortest_note(scalar, fmt)
    else:
        outcome = "rounded"
        error = relative_error(scalar, reference)
        message = (
            f"{cleaned} is not a {fmt.name} value: it is stored as the nearest one, "
            f"{stored_text(scalar, fmt.name)}, a relative error of {error:.3g}."
        )
    return ParsedValue(
        text=cleaned,
        format_name=fmt.name,
        value=scalar,
        outcome=outcome,
        message=message,
        exact_input=reference,
        absolute_error=absolute_error(scalar, reference),
        relative_error=relative_error(scalar, reference),
    )


# ------------------------------------------------------------------------ limits


def representable_values_around(
    center: float | int | Fraction | np.generic, format_name: str, count: int
) -> np.ndarray:
    """Return the representable values nearest a point, for a number line.

    Parameters
    ----------
    center : float, int, Fraction or numpy scalar
        The point; it is rounded to the format first and must be finite.
    format_name : str
        One of `FORMAT_NAMES`.
    count : int
        How many values to take on each side, 1 to `MAX_NEIGHBOURS`.

    Returns
    -------
    numpy.ndarray
        Ascending float64 array (float64 holds every value of these formats
        exactly): `count` values below the rounded center, the center, `count`
        above. Clamped at ``±largest`` (infinities are never included, so fewer
        values come back near the ends of the range); zero appears once.

    Raises
    ------
    ValueError
        If `center` is inf or nan (there is no spacing to show) or `count` is out
        of range.

    Notes
    -----
    Positive patterns are ordered like the values they encode, so the neighbours
    are consecutive integers ``k - count .. k + count`` in the signed ordering
    ``key = magnitude`` (positive) or ``-magnitude`` (negative).
    """
    fmt = get_format(format_name)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise ValueError(f"count must be a whole number, not {count!r}.")
    if not 1 <= count <= MAX_NEIGHBOURS:
        raise ValueError(f"count must be between 1 and {MAX_NEIGHBOURS}; got {count}.")
    pattern = pattern_of(center, fmt)
    magnitude = pattern & ~fmt.sign_mask
    if magnitude >= fmt.infinity_pattern:
        raise ValueError(
            "The number line needs a finite center: inf and nan have no neighbours to space out."
        )
    key = -magnitude if pattern & fmt.sign_mask else magnitude
    limit = fmt.largest_pattern
    keys = np.arange(max(key - count, -limit), min(key + count, limit) + 1, dtype=np.int64)
    magnitudes = np.abs(keys).astype(fmt.uint_dtype)
    signs = (keys < 0).astype(fmt.uint_dtype) << fmt.uint_dtype.type(fmt.total_bits - 1)
    return (magnitudes | signs).view(fmt.dtype).astype(np.float64)


# ------------------------------------------------------------------ cancellation


# ----------------------------------------------------------------------- gallery
