"""The float formats the lessons compute in: their names, widths and rounding into them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import ml_dtypes
import numpy as np

DTypeName = Literal["float16", "float32", "float64"]


DTYPE_NAMES: tuple[DTypeName, ...] = ("float16", "float32", "float64")


DEFAULT_DTYPE: DTypeName = "float32"


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


FormatName = Literal["float16", "bfloat16", "float32", "float64"]


FORMAT_NAMES: tuple[FormatName, ...] = ("float16", "bfloat16", "float32", "float64")


@dataclass(frozen=True)
class FloatFormat:
    """An IEEE 754 style binary format: sign bit, biased exponent, fraction.

    Attributes
    ----------
    name : str
        ``"float16"``, ``"bfloat16"``, ``"float32"`` or ``"float64"``.
    dtype : numpy.dtype
        The numpy dtype (``ml_dtypes.bfloat16`` for bfloat16).
    total_bits : int
        Width of the whole pattern.
    exponent_bits : int
        Width of the exponent field.
    fraction_bits : int
        Width of the stored fraction (the leading 1 of normal numbers is implicit).
    bias : int
        Added to the exponent before it is stored.

    Notes
    -----
    A pattern with sign ``s``, exponent field ``E`` and fraction field ``F`` means

    * ``(-1)**s * (1 + F / 2**f) * 2**(E - bias)`` for ``0 < E < 2**e - 1`` (normal),
    * ``(-1)**s * (F / 2**f) * 2**(1 - bias)`` for ``E = 0`` (subnormal or zero),
    * ``±inf`` for ``E = 2**e - 1, F = 0`` and nan for ``E = 2**e - 1, F != 0``,

    with ``e`` exponent bits and ``f`` fraction bits.
    """

    name: str
    dtype: np.dtype
    total_bits: int
    exponent_bits: int
    fraction_bits: int
    bias: int

    @property
    def precision(self) -> int:
        """Significant bits of a normal number, ``fraction_bits + 1``."""
        return self.fraction_bits + 1

    @property
    def min_exponent(self) -> int:
        """Exponent of the smallest normal number, ``1 - bias``."""
        return 1 - self.bias

    @property
    def max_exponent(self) -> int:
        """Exponent of the largest finite number, ``bias``."""
        return self.bias

    @property
    def hex_digits(self) -> int:
        """Hex digits of a whole pattern, ``total_bits / 4``."""
        return self.total_bits // 4

    @property
    def uint_dtype(self) -> np.dtype:
        """Unsigned integer dtype of the same width, for viewing the bits."""
        return np.dtype(f"uint{self.total_bits}")

    @property
    def sign_mask(self) -> int:
        """Pattern with only the sign bit set."""
        return 1 << (self.total_bits - 1)

    @property
    def infinity_pattern(self) -> int:
        """Pattern of ``+inf``: exponent all ones, fraction zero."""
        return ((1 << self.exponent_bits) - 1) << self.fraction_bits

    @property
    def largest_pattern(self) -> int:
        """Pattern of the largest finite value, one below ``+inf``."""
        return self.infinity_pattern - 1


_FORMATS: dict[str, FloatFormat] = {
    "float16": FloatFormat("float16", np.dtype(np.float16), 16, 5, 10, 15),
    "bfloat16": FloatFormat("bfloat16", np.dtype(ml_dtypes.bfloat16), 16, 8, 7, 127),
    "float32": FloatFormat("float32", np.dtype(np.float32), 32, 8, 23, 127),
    "float64": FloatFormat("float64", np.dtype(np.float64), 64, 11, 52, 1023),
}


_FLOAT_DTYPES = tuple(fmt.dtype for fmt in _FORMATS.values())


def get_format(format_name: str) -> FloatFormat:
    """Return the description of a float format.

    Parameters
    ----------
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    FloatFormat
        Its widths and bias.

    Raises
    ------
    ValueError
        If the name is not a supported format.
    """
    if format_name not in _FORMATS:
        raise ValueError(
            f"Unknown float format {format_name!r}; choose one of {', '.join(FORMAT_NAMES)}."
        )
    return _FORMATS[format_name]


def pattern_to_scalar(pattern: int, fmt: FloatFormat) -> np.generic:
    """Return the value of `fmt` whose bits are `pattern` (an unsigned integer)."""
    return np.array(pattern, dtype=fmt.uint_dtype).view(fmt.dtype)[()]


def nan_pattern(fmt: FloatFormat, negative: bool) -> int:
    """Return the pattern of the quiet nan numpy and ml_dtypes produce (top fraction bit set)."""
    quiet = fmt.infinity_pattern | (1 << (fmt.fraction_bits - 1))
    return quiet | (fmt.sign_mask if negative else 0)


def round_fraction(value: Fraction, negative: bool, fmt: FloatFormat) -> int:
    """Return the pattern of `value` rounded to nearest, ties to even.

    `negative` gives the sign, which matters only for a zero `value` (``-0``).
    """
    sign = fmt.sign_mask if negative or value < 0 else 0
    magnitude = abs(value)
    if magnitude == 0:
        return sign
    numerator, denominator = magnitude.numerator, magnitude.denominator
    exponent = numerator.bit_length() - denominator.bit_length()
    # bit lengths give the exponent or one more; compare with 2**exponent exactly
    if (numerator << max(-exponent, 0)) < (denominator << max(exponent, 0)):
        exponent -= 1
    exponent = max(exponent, fmt.min_exponent)
    # Scale so that the last stored fraction bit has weight 1, then round to an
    # integer; Fraction's round() breaks ties to even, as IEEE 754 does.
    significand = round(magnitude / Fraction(2) ** (exponent - fmt.fraction_bits))
    if significand >> fmt.precision:
        significand >>= 1
        exponent += 1
    if exponent > fmt.max_exponent:
        return sign | fmt.infinity_pattern
    if significand >> fmt.fraction_bits == 0:
        return sign | significand
    stored_exponent = exponent + fmt.bias
    return sign | (stored_exponent << fmt.fraction_bits) | (significand - (1 << fmt.fraction_bits))


def pattern_of(value: object, fmt: FloatFormat) -> int:
    """Return the bit pattern of `value` rounded (correctly) to `fmt`."""
    if isinstance(value, np.generic) and value.dtype == fmt.dtype:
        # Already in the format: keep every bit, NaN payloads included.
        return int(np.array(value).view(fmt.uint_dtype)[()])
    if fmt.name == "float64" and isinstance(value, float):
        return int(np.array(value, dtype=np.float64).view(np.uint64)[()])
    if isinstance(value, (int, np.integer, Fraction)) and not isinstance(value, bool):
        return round_fraction(
            Fraction(int(value) if isinstance(value, np.integer) else value), False, fmt
        )
    if isinstance(value, (float, np.floating)) or (
        isinstance(value, np.generic) and value.dtype in _FLOAT_DTYPES
    ):
        as_float = float(value)
        negative = math.copysign(1.0, as_float) < 0
        if math.isnan(as_float):
            return nan_pattern(fmt, negative)
        if math.isinf(as_float):
            return fmt.infinity_pattern | (fmt.sign_mask if negative else 0)
        return round_fraction(Fraction(as_float), negative, fmt)
    raise ValueError(f"{value!r} is not a number.")


def round_to_format(value: float | int | Fraction | np.generic, format_name: str) -> np.generic:
    """Round a number to the nearest value of a format (ties to even).

    Parameters
    ----------
    value : float, int, Fraction or numpy scalar
        Any real number; a value already in the format keeps its exact bits.
    format_name : str
        One of `FORMAT_NAMES`.

    Returns
    -------
    numpy scalar
        The rounded value, typed in the format (e.g. ``numpy.float16``).

    Notes
    -----
    The rounding is done once, from the exact value, so it is correct for
    bfloat16 too (ml_dtypes goes float64 -> float32 -> bfloat16 and can round
    twice: ``1 + 2**-8 + 2**-40`` becomes 1 there instead of ``1 + 2**-7``).
    Magnitudes at or above ``(2 - 2**-p) * 2**emax`` round to infinity.
    """
    fmt = get_format(format_name)
    return pattern_to_scalar(pattern_of(value, fmt), fmt)
