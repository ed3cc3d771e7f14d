"""The limits of each float format: epsilon, extremes, and where exp overflows or underflows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.numerics.exact import (
    exact,
    to_exact,
)
from core.numerics.formats import FORMAT_NAMES, get_format


@dataclass(frozen=True)
class FormatLimits:
    """The landmark numbers of a float format, for the limits table.

    Attributes
    ----------
    name : str
        The format.
    total_bits, exponent_bits, fraction_bits, precision : int
        Widths; `precision` counts the implicit leading bit.
    min_exponent, max_exponent : int
        Exponents of the smallest normal and largest finite values.
    epsilon : float
        Machine epsilon, the gap between 1 and the next value.
    smallest_subnormal, smallest_normal, largest : float
        The extreme positive values.
    log_largest : float
        ``ln(largest)``: the largest ``x`` with finite ``exp(x)``, roughly.
    decimal_digits : float
        ``precision * log10(2)``, significant decimal digits carried.
    """

    name: str
    total_bits: int
    exponent_bits: int
    fraction_bits: int
    precision: int
    min_exponent: int
    max_exponent: int
    epsilon: float
    smallest_subnormal: float
    smallest_normal: float
    largest: float
    log_largest: float
    decimal_digits: float


def format_limits(format_name: str) -> FormatLimits:
    """Return a format's machine epsilon, extreme values and ``log(largest)``.

    Parameters
    ----------
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    FormatLimits
        The landmarks, as Python floats (exact: every value of these formats is a
        float64).

    Notes
    -----
    With ``p`` significant bits and exponents ``emin = 1 - bias`` to ``emax = bias``:
    ``eps = 2**(1 - p)``, smallest subnormal ``2**(emin - p + 1)``, smallest normal
    ``2**emin``, largest ``(2 - 2**(1 - p)) * 2**emax``. ``log(largest)`` is
    evaluated with mpmath, then rounded to float64: about 11.09 (float16), 88.72
    (float32, bfloat16) and 709.78 (float64), so ``exp`` overflows just above it.
    """
    fmt = get_format(format_name)
    largest = math.ldexp((1 << fmt.precision) - 1, fmt.max_exponent - fmt.fraction_bits)
    return FormatLimits(
        name=fmt.name,
        total_bits=fmt.total_bits,
        exponent_bits=fmt.exponent_bits,
        fraction_bits=fmt.fraction_bits,
        precision=fmt.precision,
        min_exponent=fmt.min_exponent,
        max_exponent=fmt.max_exponent,
        epsilon=math.ldexp(1.0, -fmt.fraction_bits),
        smallest_subnormal=math.ldexp(1.0, fmt.min_exponent - fmt.fraction_bits),
        smallest_normal=math.ldexp(1.0, fmt.min_exponent),
        largest=largest,
        log_largest=float(exact.log(to_exact(largest))),
        decimal_digits=fmt.precision * math.log10(2),
    )


def all_format_limits() -> tuple[FormatLimits, ...]:
    """Return `format_limits` for every format, in `FORMAT_NAMES` order.

    Returns
    -------
    tuple of FormatLimits
        One row per format, for the comparison table.
    """
    return tuple(format_limits(name) for name in FORMAT_NAMES)


def _format_name(dtype: np.dtype | type | str) -> str:
    # A format name passes through (numpy cannot parse "bfloat16"); any other dtype
    # spelling ("f4", np.float32, a dtype object, ml_dtypes.bfloat16) gives its name.
    if isinstance(dtype, str) and dtype in FORMAT_NAMES:
        return dtype
    return np.dtype(dtype).name


def exp_underflow_threshold(dtype: np.dtype | type | str) -> float:
    r"""Return the logit below which ``exp`` rounds to 0 in `dtype`.

    Parameters
    ----------
    dtype : numpy dtype, scalar type or str
        The float format: a dtype, ``np.float32``, or a name of `FORMAT_NAMES`.

    Returns
    -------
    float
        ``log`` of half the smallest subnormal: about -17.33 for float16,
        -103.97 for float32 and -745.13 for float64.

    Notes
    -----
    .. math:: e^{z} = 0 \text{ for } z < \ln(\mathrm{tiny}_{sub} / 2)

    The smallest subnormal is `format_limits`' value; the log is taken with mpmath.
    """
    smallest = format_limits(_format_name(dtype)).smallest_subnormal
    return float(exact.log(exact.mpf(smallest) / 2))


def exp_overflow_threshold(dtype: np.dtype | type | str) -> float:
    r"""Return ``log(max)``, the largest logit whose ``exp`` is finite in `dtype`.

    Parameters
    ----------
    dtype : numpy dtype, scalar type or str
        The float format: a dtype, ``np.float32``, or a name of `FORMAT_NAMES`.

    Returns
    -------
    float
        About 11.09 for float16, 88.72 for float32 and bfloat16, and 709.78
        for float64.

    Notes
    -----
    .. math:: z^* = \ln(\mathrm{max}), \quad e^{z} = \infty \text{ for } z > z^*

    This is `FormatLimits.log_largest`, computed once in `format_limits`; every
    page, chart and message that names the overflow threshold takes it from here.
    """
    return format_limits(_format_name(dtype)).log_largest
