"""Floating-point formats, exact high-precision arithmetic and error measures.

Every other module of the engine measures its float results against exact values
through these helpers, so "relative error" and "units in the last place" mean the
same thing on every page.
"""

from __future__ import annotations

from typing import Literal

import mpmath
import numpy as np

DTypeName = Literal["float16", "float32", "float64"]
DTYPE_NAMES: tuple[DTypeName, ...] = ("float16", "float32", "float64")
DEFAULT_DTYPE: DTypeName = "float32"

EXACT_DIGITS = 60
"""Decimal digits carried by the exact references (far beyond float64's 17)."""

# A private context: mpmath's global ``mp`` is shared by every thread of the
# server, so changing its precision there would race with other sessions.
exact = mpmath.MPContext()
exact.dps = EXACT_DIGITS


def as_dtype(name: str) -> np.dtype:
    """Return the numpy dtype for one of the float format names.

    Parameters
    ----------
    name : str
        ``"float16"``, ``"float32"`` or ``"float64"``.

    Returns
    -------
    numpy.dtype
        The matching dtype.

    Raises
    ------
    ValueError
        If `name` is not one of the supported formats.
    """
    if name not in DTYPE_NAMES:
        raise ValueError(f"unknown float format {name!r}; expected one of {', '.join(DTYPE_NAMES)}")
    return np.dtype(name)


def to_exact(x: float | np.floating) -> mpmath.mpf:
    """Convert a finite float of any width to an exact multiprecision number.

    Parameters
    ----------
    x : float or numpy floating
        The stored value. float16 and float32 values are exactly representable
        as Python floats, so no rounding happens.

    Returns
    -------
    mpmath.mpf
        The same value, exactly.
    """
    return exact.mpf(float(x))


def ulp_of(value: mpmath.mpf, dtype: np.dtype) -> mpmath.mpf:
    """Return the unit in the last place of `dtype` at the magnitude of `value`.

    Parameters
    ----------
    value : mpmath.mpf
        An exact value; its magnitude selects the binade.
    dtype : numpy.dtype
        The float format.

    Returns
    -------
    mpmath.mpf
        The gap between consecutive representable numbers of `dtype` in the binade
        that contains ``|value|``, or the smallest subnormal for values below the
        normal range.

    Notes
    -----
    For ``2**e <= |v| < 2**(e+1)`` the gap is ``2**(e - p + 1)`` with ``p`` the
    significand precision (11, 24, 53), never less than the smallest subnormal
    ``2**(emin - p + 1)``.
    """
    info = np.finfo(dtype)
    precision = info.nmant + 1
    smallest_gap = exact.ldexp(1, int(info.minexp) - precision + 1)
    if value == 0:
        return smallest_gap
    _, exponent = exact.frexp(abs(value))
    return max(exact.ldexp(1, int(exponent) - precision), smallest_gap)


def relative_error(computed: float | np.floating, reference: mpmath.mpf) -> float | None:
    """Return ``|computed - reference| / |reference|``, evaluated exactly.

    Parameters
    ----------
    computed : float or numpy floating
        The float result under test.
    reference : mpmath.mpf
        The exact value.

    Returns
    -------
    float or None
        The relative error, ``0.0`` when both are zero, ``inf`` when only the
        reference is zero, and None when `computed` is not finite (there is no
        meaningful distance to ``inf`` or ``nan``).
    """
    if not np.isfinite(computed) or not exact.isfinite(reference):
        return None
    difference = abs(to_exact(computed) - reference)
    if reference == 0:
        return 0.0 if difference == 0 else float("inf")
    return float(difference / abs(reference))


def ulp_error(
    computed: float | np.floating, reference: mpmath.mpf, dtype: np.dtype
) -> float | None:
    """Return the error of `computed` in units in the last place of `dtype`.

    Parameters
    ----------
    computed : float or numpy floating
        The float result under test.
    reference : mpmath.mpf
        The exact value.
    dtype : numpy.dtype
        The format whose ULP is the unit.

    Returns
    -------
    float or None
        ``|computed - reference| / ulp(reference)``; a correctly rounded result
        scores at most 0.5. None when `computed` or `reference` is not finite.
    """
    if not np.isfinite(computed) or not exact.isfinite(reference):
        return None
    return float(abs(to_exact(computed) - reference) / ulp_of(reference, dtype))


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


def ulp_distance(a: float | np.floating, b: float | np.floating, dtype: np.dtype) -> int | None:
    """Return how many representable `dtype` values lie from `a` to `b`.

    Parameters
    ----------
    a, b : float or numpy floating
        Two values, rounded to `dtype` first.
    dtype : numpy.dtype
        The float format.

    Returns
    -------
    int or None
        0 for equal values (``+0`` and ``-0`` are equal), 1 for neighbours; None
        if either is ``nan`` or infinite and they differ.

    Notes
    -----
    Maps each value's bit pattern to a signed integer that is monotonic in the
    value (negative values mirrored), then subtracts.
    """
    x, y = np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)
    if np.isnan(x) or np.isnan(y) or np.isinf(x) or np.isinf(y):
        return 0 if (x == y or (np.isnan(x) and np.isnan(y))) else None
    bits = dtype.itemsize * 8
    uint_type = np.dtype(f"uint{bits}")

    def ordinal(v: np.ndarray) -> int:
        pattern = int(v.view(uint_type))
        magnitude = pattern & ((1 << (bits - 1)) - 1)
        return -magnitude if pattern >> (bits - 1) else magnitude

    return abs(ordinal(x) - ordinal(y))
