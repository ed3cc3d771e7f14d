"""Numbers as text a student can trust: shortest round-trip decimals, exact values, errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np

from core.numerics.exact import exact
from core.numerics.formats import (
    FloatFormat,
    get_format,
    pattern_of,
    pattern_to_scalar,
    round_fraction,
    round_to_format,
)


def format_float(x: float | np.floating) -> str:
    """Return the shortest decimal string that reads back as the same float.

    Parameters
    ----------
    x : float or numpy floating
        The value; its own width decides how many digits are needed, so a
        float16 shows at most 5 significant digits and a float64 at most 17.

    Returns
    -------
    str
        ``"inf"``, ``"-inf"``, ``"nan"``, ``"0"``, ``"-0"``, or a positional or
        scientific string, whichever is more readable for the magnitude.
    """
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0" if np.signbit(x) else "0"
    magnitude = abs(float(x))
    if 1e-4 <= magnitude < 1e6:
        return np.format_float_positional(x, unique=True, trim="-")
    return np.format_float_scientific(x, unique=True, trim="-", exp_digits=1)


def format_exact(value: mpmath.mpf, digits: int = 17) -> str:
    """Return `value` correctly rounded to `digits` significant digits.

    Parameters
    ----------
    value : mpmath.mpf
        An exact value (or ``inf``/``nan``).
    digits : int, optional
        Significant digits to show; every one of them is correct because the
        value carries ``EXACT_DIGITS`` digits.

    Returns
    -------
    str
        The rounded decimal string, scientific outside ``[1e-4, 1e6)``.
    """
    if exact.isnan(value):
        return "nan"
    if exact.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    text = mpmath.nstr(value, digits, min_fixed=-4, max_fixed=6, strip_zeros=True)
    mantissa, sep, exponent = text.partition("e")
    if mantissa.endswith(".0"):
        mantissa = mantissa[:-2]
    return mantissa + sep + exponent.lstrip("+")


def format_error(error: float | None) -> str:
    """Return a short display string for a relative or ULP error.

    Parameters
    ----------
    error : float or None
        An error from `relative_error` or `ulp_error`.

    Returns
    -------
    str
        ``"—"`` for None (no meaningful error), ``"0"`` for exact results, else
        three significant digits.
    """
    if error is None:
        return "—"
    if error == 0:
        return "0"
    if np.isinf(error):
        return "inf"
    return f"{error:.3g}"


def format_value(value: float | int | Fraction | np.generic, format_name: str) -> str:
    """Return the shortest decimal text that reads back as the same value of a format.

    Parameters
    ----------
    value : float, int, Fraction or numpy scalar
        The value; rounded to the format first unless already in it.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    str
        As `format_float` gives it for float16/32/64 (so float16
        0.1 shows as ``"0.1"``, not its float64 digits); bfloat16, which numpy
        would print with float64 digits, gets the same shortest treatment here.
    """
    fmt = get_format(format_name)
    pattern = pattern_of(value, fmt)
    scalar = pattern_to_scalar(pattern, fmt)
    as_float = float(scalar)
    if not math.isfinite(as_float) or as_float == 0:
        # These read the same in every width. The float64 copy also keeps a
        # bfloat16 signalling NaN away from numpy's isnan, which warns on it.
        return format_float(as_float)
    if fmt.name != "bfloat16":
        return format_float(scalar)
    negative = as_float < 0
    # 8 significant bits never need more than 4 decimal digits; 9 is a safe stop.
    for digits in range(1, 10):
        candidate = f"{as_float:.{digits - 1}e}"
        if round_fraction(Fraction(Decimal(candidate)), negative, fmt) == pattern:
            return format_float(float(candidate))
    return format_float(as_float)


def landmark_text(value: float, fmt: FloatFormat) -> str:
    """Return a finite value of `fmt` exactly when that is short, else its shortest text.

    Short exact values read best as they are (``"65504"``, not float16's shortest
    round-trip ``"65500"``); long ones (float32's 39-digit maximum) get shortened.
    """
    digits = exact_decimal(value)
    return digits if len(digits) <= 8 else format_value(value, fmt.name)


def value_text(value: float | np.generic, format_name: str) -> str:
    """Return a value of a format as text a student can trust.

    Parameters
    ----------
    value : float or numpy scalar
        A value of the format (rounded to it otherwise).
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.

    Returns
    -------
    str
        The exact decimal when it is short (``"65504"``, not float16's shortest
        round-trip text ``"65500"``), else the shortest text that reads back as
        the value (``"0.1"``); ``"inf"``, ``"-inf"``, ``"nan"`` as such, and a nan
        with its sign bit set as ``"-nan"``, so the sign survives the page's URL.
    """
    stored = float(round_to_format(value, format_name))
    if math.isnan(stored):
        return "-nan" if math.copysign(1.0, stored) < 0 else "nan"
    return landmark_text(stored, get_format(format_name))


def exact_decimal(value: float) -> str:
    """Return every decimal digit of a float's exact value (``inf``, ``nan`` as such)."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(Decimal(value))


def shortest_is_exact(value: float | np.generic, format_name: str) -> bool:
    """Return whether a value's shortest text, read as a decimal, is its exact value.

    Parameters
    ----------
    value : float or numpy scalar
        A value of the format (rounded to it otherwise).
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.

    Returns
    -------
    bool
        True for ``0.5`` and for inf and nan; False for float16's ``65504``,
        whose shortest text is ``"65500"``, and for float64's ``0.1``.
    """
    stored = float(round_to_format(value, format_name))
    if not math.isfinite(stored):
        return True
    return Fraction(Decimal(format_value(stored, format_name))) == Fraction(stored)


def stored_text(value: float | np.generic, format_name: str) -> str:
    """Return a value's shortest text, with its exact value beside it when they differ.

    Parameters
    ----------
    value : float or numpy scalar
        A value of the format (rounded to it otherwise).
    format_name : str
        One of `core.numerics.formats.FORMAT_NAMES`.

    Returns
    -------
    str
        ``"0.5"``; ``"65500 (exactly 65504)"`` for float16's largest value, whose
        shortest text reads back as it without being it; a long exact value is
        folded as `fold_digits` says.
    """
    stored = float(round_to_format(value, format_name))
    shortest = format_value(stored, format_name)
    if shortest_is_exact(stored, format_name):
        return shortest
    return f"{shortest} (exactly {folded_text(exact_decimal(stored))})"


FOLD_ABOVE = 80
"""An exact decimal with more digits than this is folded: a float64 subnormal has about 750."""

FOLD_HEAD = 20
"""Digits kept at the start of a folded decimal."""

FOLD_TAIL = 10
"""Digits kept at the end of a folded decimal (before its exponent)."""


@dataclass(frozen=True)
class FoldedDigits:
    """A long decimal shown by its first and last digits.

    Attributes
    ----------
    head : str
        The sign, the first `FOLD_HEAD` digits and the point among them.
    tail : str
        The last `FOLD_TAIL` digits, and the exponent (``"E-321"``) if any.
    left_out : int
        How many digits lie between them.
    digits : int
        How many digits the whole decimal has.
    full : str
        The whole decimal.
    """

    head: str
    tail: str
    left_out: int
    digits: int
    full: str

    @property
    def text(self) -> str:
        """The folded decimal as one line, such as ``"9.99…(727 digits left out)…25E-321"``."""
        return f"{self.head}…({self.left_out:,} digits left out)…{self.tail}"


def fold_digits(text: str) -> FoldedDigits | None:
    """Fold a long decimal to its first and last digits.

    Parameters
    ----------
    text : str
        A decimal such as `exact_decimal` gives: sign, digits with at most one
        point, and an optional exponent ``E-321``.

    Returns
    -------
    FoldedDigits or None
        None when `text` has at most `FOLD_ABOVE` digits (it is shown whole).
    """
    mantissa, mark, exponent = text.partition("E")
    digit_places = [i for i, character in enumerate(mantissa) if character.isdigit()]
    if len(digit_places) <= FOLD_ABOVE:
        return None
    head_end = digit_places[FOLD_HEAD - 1] + 1
    tail_start = digit_places[-FOLD_TAIL]
    # The point is never left out: a float with a fractional part is below 2**53, so
    # at most 16 digits come before its point, and a larger one is a whole number.
    return FoldedDigits(
        head=mantissa[:head_end],
        tail=mantissa[tail_start:] + mark + exponent,
        left_out=len(digit_places) - FOLD_HEAD - FOLD_TAIL,
        digits=len(digit_places),
        full=text,
    )


def folded_text(text: str) -> str:
    """Return a decimal whole when short, else folded (`FoldedDigits.text`).

    Parameters
    ----------
    text : str
        A decimal such as `exact_decimal` gives.

    Returns
    -------
    str
        One line of at most about 60 characters for any long decimal.
    """
    folded = fold_digits(text)
    return text if folded is None else folded.text
