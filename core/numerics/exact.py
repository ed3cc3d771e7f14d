"""Floating-point formats, exact high-precision arithmetic and error measures.

Every other module of the engine measures its float results against exact values
through these helpers, so "relative error" and "units in the last place" mean the
same thing on every page.
"""

from __future__ import annotations

from functools import cache

import mpmath
import numpy as np

from core.numerics.formats import get_format

EXACT_DIGITS = 60
"""Decimal digits carried by the exact references (far beyond float64's 17)."""

# A private context: mpmath's global ``mp`` is shared by every thread of the
# server, so changing its precision there would race with other sessions.
exact = mpmath.MPContext()
exact.dps = EXACT_DIGITS


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
    return exact.ldexp(1, _ulp_exponent(value, dtype))


@cache
def _format_bits(dtype: np.dtype) -> tuple[int, int]:
    # np.finfo is looked up once per format: the error measures run on every rerun.
    info = np.finfo(dtype)
    return info.nmant + 1, int(info.minexp)


def _ulp_exponent(value: mpmath.mpf, dtype: np.dtype) -> int:
    """Return ``k`` with ``ulp_of(value, dtype) == 2**k`` (see `ulp_of`)."""
    precision, minexp = _format_bits(np.dtype(dtype))
    smallest = minexp - precision + 1
    if value == 0:
        return smallest
    _, exponent = exact.frexp(value)
    return max(int(exponent) - precision, smallest)


def _distance(computed: float | np.floating, reference: mpmath.mpf) -> mpmath.mpf | None:
    """Return ``|computed - reference|`` exactly, or None unless both are finite."""
    if not np.isfinite(computed) or not exact.isfinite(reference):
        return None
    return abs(to_exact(computed) - reference)


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
    difference = _distance(computed, reference)
    return None if difference is None else _relative(difference, reference)


def _relative(difference: mpmath.mpf, reference: mpmath.mpf) -> float:
    if reference == 0:
        return 0.0 if difference == 0 else float("inf")
    return float(difference / abs(reference))


def _in_ulps(difference: mpmath.mpf, reference: mpmath.mpf, dtype: np.dtype) -> float:
    # Dividing by a power of two only moves the exponent: no rounding, no division.
    return float(exact.ldexp(difference, -_ulp_exponent(reference, dtype)))


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
    difference = _distance(computed, reference)
    return None if difference is None else _in_ulps(difference, reference, dtype)


def relative_and_ulp_error(
    computed: float | np.floating, reference: mpmath.mpf, dtype: np.dtype
) -> tuple[float | None, float | None]:
    r"""Return `relative_error` and `ulp_error` of `computed` together.

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
    tuple of (float or None, float or None)
        ``(relative_error(...), ulp_error(...))``, from one exact difference: a
        page that shows both for every class takes the difference once.

    Notes
    -----
    .. math:: \delta = |c - r|, \quad
        \left(\frac{\delta}{|r|}, \frac{\delta}{\mathrm{ulp}(r)}\right)
    """
    difference = _distance(computed, reference)
    if difference is None:
        return None, None
    return _relative(difference, reference), _in_ulps(difference, reference, dtype)


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


def format_ulp_error(
    computed: float | np.generic, reference: mpmath.mpf, format_name: str
) -> float | None:
    """Return the error of `computed` in ULPs of a format, bfloat16 included.

    Parameters
    ----------
    computed : float or numpy scalar
        The float result.
    reference : mpmath.mpf
        The exact value.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    float or None
        As `ulp_error`; None when either value is not finite.

    Notes
    -----
    bfloat16 has float32's exponent range with 16 fewer fraction bits, so its ULP
    is float32's times ``2**16`` everywhere, subnormals included.
    """
    fmt = get_format(format_name)
    if fmt.name == "bfloat16":
        in_float32 = ulp_error(computed, reference, np.dtype(np.float32))
        return None if in_float32 is None else in_float32 / 2**16
    return ulp_error(computed, reference, fmt.dtype)


def absolute_error(computed: np.generic | float, reference: mpmath.mpf) -> float | None:
    """Return ``|computed - reference|`` as a float; None when either is not finite."""
    if not np.isfinite(computed) or not exact.isfinite(reference):
        return None
    return float(abs(to_exact(computed) - reference))
