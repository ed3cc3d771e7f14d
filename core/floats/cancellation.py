"""Cancellation: the course's example, (1 + 1/n) - (1 - 1/n) as n grows, and the gallery.

The gallery pits naive formulas against their stable rewrites, each measured against
exact values.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import mpmath
import numpy as np

from core.numerics.exact import (
    absolute_error,
    exact,
    format_ulp_error,
    relative_error,
    to_exact,
    ulp_error,
)
from core.numerics.formats import (
    get_format,
    round_to_format,
)
from core.numerics.text import (
    format_float,
)
from core.softmax.functions import logsumexp_stable

SWEEP_NS: tuple[int, ...] = tuple(10**k for k in range(1, 16))
"""The n of the cancellation chart: 10, 100, ..., 1e15."""


@dataclass(frozen=True)
class CourseValue:
    """One of the two numbers of the course's round-off example.

    Attributes
    ----------
    name : str
        ``"x1"`` or ``"x2"``.
    expression : str
        The Python expression, as in the course.
    value : float
        The float64 result.
    printed : str
        ``f"{value:.18f}"``, as the course prints it.
    exact_decimal : str
        Every digit of the stored double.
    absolute_error, relative_error, ulp_error : float
        Distance to the true 2/10000: absolute, relative, in float64 ULPs.
    """

    name: str
    expression: str
    value: float
    printed: str
    exact_decimal: str
    absolute_error: float
    relative_error: float
    ulp_error: float


COURSE_TRUE_VALUE = "2/10000"
"""The value both course expressions should give."""


def course_example() -> tuple[CourseValue, CourseValue]:
    """Return the course's two ways of computing 2/10000 in float64.

    Returns
    -------
    tuple of CourseValue
        ``x1 = 2/10000`` (prints ``0.000200000000000000``) and
        ``x2 = (1 + 1/10000) - (1 - 1/10000)`` (prints ``0.000199999999999978``).

    Notes
    -----
    Both sides of the subtraction carry a rounding error of up to half an ULP of
    1 (``2**-53 ≈ 1.1e-16``); the difference is 2e-4, so the relative error
    grows to about ``1.1e-16 / 2e-4 ≈ 5e-13`` — the cancellation magnifies it.
    """
    reference = exact.mpf(2) / 10000
    x1 = 2 / 10000
    x2 = (1 + 1 / 10000) - (1 - 1 / 10000)
    float64 = np.dtype(np.float64)
    rows = [
        CourseValue(
            name=name,
            expression=expression,
            value=value,
            printed=f"{value:.18f}",
            exact_decimal=str(Decimal(value)),
            absolute_error=float(abs(to_exact(value) - reference)),
            relative_error=float(relative_error(value, reference)),
            ulp_error=float(ulp_error(value, reference, float64)),
        )
        for name, expression, value in (
            ("x1", "2/10000", x1),
            ("x2", "(1 + 1/10000) - (1 - 1/10000)", x2),
        )
    ]
    return rows[0], rows[1]


@dataclass(frozen=True)
class CancellationResult:
    """``(1 + 1/n) - (1 - 1/n)`` evaluated in one float format.

    Attributes
    ----------
    n : float or int
        The requested n, as given.
    format_name : str
        The format every operation ran in.
    n_stored, reciprocal, plus, minus, computed : numpy scalar
        n rounded to the format, ``1/n``, ``1 + 1/n``, ``1 - 1/n`` and the
        difference, each rounded to the format.
    exact : mpmath.mpf
        The true ``2/n``.
    absolute_error, relative_error, ulp_error : float or None
        Errors of `computed` (relative error 1 when it is 0; None when inf or nan).
    """

    n: float | int
    format_name: str
    n_stored: np.generic
    reciprocal: np.generic
    plus: np.generic
    minus: np.generic
    computed: np.generic
    exact: mpmath.mpf
    absolute_error: float | None
    relative_error: float | None
    ulp_error: float | None


def cancellation_error(n: float | int, format_name: str) -> CancellationResult:
    """Evaluate ``(1 + 1/n) - (1 - 1/n)`` in a format and compare with ``2/n``.

    Parameters
    ----------
    n : float or int
        Any finite nonzero number; it is rounded to the format first (float16
        overflows above 65504, bfloat16 keeps only 8 significant bits).
    format_name : str
        One of `FORMAT_NAMES`; every operation rounds to it.

    Returns
    -------
    CancellationResult
        The intermediate values, the result and its errors.

    Raises
    ------
    ValueError
        If `n` is zero, inf, nan or not a number.

    Notes
    -----
    ``1 ± 1/n`` is rounded to a spacing of ``eps = 2**(1-p)`` around 1, an error of
    up to ``eps/2`` in each; the difference is only ``2/n``, so its relative error
    is about ``eps * n / 2`` and reaches 100% (result 0) once ``1/n < eps/2``.
    """
    fmt = get_format(format_name)
    if isinstance(n, bool) or not isinstance(n, (int, float, np.integer, np.floating)):
        raise ValueError(f"n must be a number, not {n!r}.")
    if isinstance(n, (float, np.floating)) and not math.isfinite(n):
        raise ValueError("n must be finite.")
    if n == 0:
        raise ValueError("n must not be 0: 1/0 has no value.")
    # Python ints stay exact however big (10**400 simply overflows every format).
    exact_n = int(n) if isinstance(n, (int, np.integer)) else float(n)
    reference = exact.mpf(2) / exact.mpf(exact_n)
    one = fmt.dtype.type(1)
    n_stored = round_to_format(exact_n, fmt.name)
    # inf and 0 are legitimate teaching outcomes here, not errors to warn about.
    with np.errstate(all="ignore"):
        reciprocal = one / n_stored
        plus = one + reciprocal
        minus = one - reciprocal
        computed = plus - minus
    return CancellationResult(
        n=exact_n,
        format_name=fmt.name,
        n_stored=n_stored,
        reciprocal=reciprocal,
        plus=plus,
        minus=minus,
        computed=computed,
        exact=reference,
        absolute_error=absolute_error(computed, reference),
        relative_error=relative_error(computed, reference),
        ulp_error=format_ulp_error(computed, reference, fmt.name),
    )


def cancellation_sweep(
    ns: tuple[float | int, ...] | list[float | int] = SWEEP_NS, format_name: str = "float64"
) -> list[CancellationResult]:
    """Evaluate `cancellation_error` over many n, for the log-log chart.

    Parameters
    ----------
    ns : sequence of float or int, optional
        The n values; default 10, 100, ..., 1e15.
    format_name : str, optional
        One of `FORMAT_NAMES`; default float64.

    Returns
    -------
    list of CancellationResult
        One per n, in order.
    """
    return [cancellation_error(n, format_name) for n in ns]


@dataclass(frozen=True)
class GalleryEntry:
    """A classic cancellation: a naive formula and its stable rewrite.

    Attributes
    ----------
    key : str
        Identifier for `evaluate_gallery_entry`.
    title : str
        Short heading.
    naive_formula, stable_formula : str
        The two formulas, in plain text.
    explanation : str
        One or two plain sentences on what goes wrong and why the rewrite helps.
    input_label : str
        What the slider sets.
    default_input : float
        Input that shows the failure.
    input_min, input_max : float
        Slider range; `evaluate_gallery_entry` accepts inputs inside it.
    log_scale : bool
        Whether the slider should move on a log scale.
    integer_input : bool
        Whether the input is a whole count.
    naive, stable : callable
        ``float -> float``, evaluated in float64 (inf/nan instead of exceptions).
    exact : callable
        ``float -> mpmath.mpf``, the true value (60 digits) at the exact float input.
    """

    key: str
    title: str
    naive_formula: str
    stable_formula: str
    explanation: str
    input_label: str
    default_input: float
    input_min: float
    input_max: float
    log_scale: bool
    integer_input: bool
    naive: Callable[[float], float] = field(repr=False, compare=False)
    stable: Callable[[float], float] = field(repr=False, compare=False)
    exact: Callable[[float], mpmath.mpf] = field(repr=False, compare=False)


def _quietly(function: Callable[[float], float]) -> Callable[[float], float]:
    # Overflow to inf and log(0) = -inf are what the gallery shows, not errors.
    def wrapped(x: float) -> float:
        with np.errstate(all="ignore"):
            return float(function(x))

    wrapped.__doc__ = function.__doc__
    return wrapped


def _naive_sum_of_tenths(count: float) -> float:
    total = 0.0
    for _ in range(int(count)):
        total += 0.1
    return total


def _logsumexp_inputs(x: float) -> np.ndarray:
    return np.array([x, x - 1.0, x - 2.0])


def _stable_logsumexp(x: float) -> float:
    # The softmax lesson's own logsumexp: the gallery shows the function the app uses.
    return logsumexp_stable(_logsumexp_inputs(x))


GALLERY: tuple[GalleryEntry, ...] = (
    GalleryEntry(
        key="log1p",
        title="log(1 + x) for tiny x",
        naive_formula="log(1 + x)",
        stable_formula="log1p(x)",
        explanation=(
            "1 + x keeps only about 16 significant digits around 1, so most digits of a "
            "tiny x are rounded away before the log sees them. log1p works on x itself."
        ),
        input_label="x",
        default_input=1e-12,
        input_min=1e-20,
        input_max=1e3,
        log_scale=True,
        integer_input=False,
        naive=_quietly(lambda x: np.log(1.0 + x)),
        stable=_quietly(np.log1p),
        exact=lambda x: exact.log1p(to_exact(x)),
    ),
    GalleryEntry(
        key="expm1",
        title="exp(x) - 1 for tiny x",
        naive_formula="exp(x) - 1",
        stable_formula="expm1(x)",
        explanation=(
            "exp(x) is close to 1 and is rounded to 16 significant digits; subtracting 1 "
            "leaves only the rounding noise of the digits that survived. expm1 never forms 1 + x."
        ),
        input_label="x",
        default_input=1e-12,
        input_min=1e-20,
        input_max=1e2,
        log_scale=True,
        integer_input=False,
        naive=_quietly(lambda x: np.exp(x) - 1.0),
        stable=_quietly(np.expm1),
        exact=lambda x: exact.expm1(to_exact(x)),
    ),
    GalleryEntry(
        key="one_minus_cos",
        title="1 - cos(x) for small x",
        naive_formula="1 - cos(x)",
        stable_formula="2 sin²(x/2)",
        explanation=(
            "cos(x) is 1 - x²/2 + …, so for small x it rounds to a number next to 1 and the "
            "subtraction keeps only its rounding error. 2 sin²(x/2) has no subtraction."
        ),
        input_label="x",
        default_input=1e-7,
        input_min=1e-12,
        input_max=3.0,
        log_scale=True,
        integer_input=False,
        naive=_quietly(lambda x: 1.0 - np.cos(x)),
        stable=_quietly(lambda x: 2.0 * np.sin(x / 2.0) ** 2),
        exact=lambda x: 2 * exact.sin(to_exact(x) / 2) ** 2,
    ),
    GalleryEntry(
        key="sqrt_difference",
        title="sqrt(x² + 1) - x for large x",
        naive_formula="sqrt(x² + 1) - x",
        stable_formula="1 / (sqrt(x² + 1) + x)",
        explanation=(
            "For large x, sqrt(x² + 1) is x plus a tiny 1/(2x) that rounding mostly erases, so "
            "the difference is noise (0 beyond x = 1e8). The conjugate form is a sum instead."
        ),
        input_label="x",
        default_input=1e7,
        input_min=1.0,
        input_max=1e15,
        log_scale=True,
        integer_input=False,
        naive=_quietly(lambda x: np.sqrt(np.float64(x) * x + 1.0) - x),
        stable=_quietly(lambda x: 1.0 / (np.sqrt(np.float64(x) * x + 1.0) + x)),
        exact=lambda x: 1 / (exact.sqrt(to_exact(x) ** 2 + 1) + to_exact(x)),
    ),
    GalleryEntry(
        key="sum_of_tenths",
        title="Adding 0.1 again and again",
        naive_formula="0.1 + 0.1 + … + 0.1 (one at a time)",
        stable_formula="math.fsum([0.1] * n)",
        explanation=(
            "Each addition rounds the running total, and the errors pile up: ten additions give "
            "0.9999999999999999. fsum tracks the lost low-order bits and rounds only once."
        ),
        input_label="number of additions n",
        default_input=10.0,
        input_min=1.0,
        input_max=1e6,
        log_scale=True,
        integer_input=True,
        naive=_naive_sum_of_tenths,
        stable=lambda count: math.fsum(itertools.repeat(0.1, int(count))),
        # The sum of the stored 0.1s, so the error shown is that of the additions.
        exact=lambda count: exact.mpf(int(count)) * to_exact(0.1),
    ),
    GalleryEntry(
        key="absorption",
        title="(x + 1) - x for big x",
        naive_formula="(x + 1) - x",
        stable_formula="(x - x) + 1",
        explanation=(
            "Near 1e16 neighbouring doubles are 2 apart, so x + 1 rounds back to x and the 1 is "
            "lost before the subtraction. Subtracting the big numbers first keeps it."
        ),
        input_label="big number x",
        default_input=1e16,
        input_min=1.0,
        input_max=1e20,
        log_scale=True,
        integer_input=False,
        naive=_quietly(lambda x: (np.float64(x) + 1.0) - x),
        stable=_quietly(lambda x: (np.float64(x) - x) + 1.0),
        exact=lambda x: exact.mpf(1),
    ),
    GalleryEntry(
        key="logsumexp",
        title="log(sum(exp(z))) for z = [x, x-1, x-2]",
        naive_formula="log(exp(x) + exp(x - 1) + exp(x - 2))",
        stable_formula="m + log(sum(exp(z - m))), m = max(z)",
        explanation=(
            "exp(1000) overflows to inf (and exp(-1000) underflows to 0), so the naive log sees "
            "inf or 0. Shifting by the max keeps every exponent at most 0 and adds it back outside."
        ),
        input_label="x",
        default_input=1000.0,
        input_min=-1000.0,
        input_max=1000.0,
        log_scale=False,
        integer_input=False,
        naive=_quietly(lambda x: np.log(np.sum(np.exp(_logsumexp_inputs(x))))),
        stable=_quietly(_stable_logsumexp),
        exact=lambda x: to_exact(x) + exact.log(1 + exact.exp(-1) + exact.exp(-2)),
    ),
)


_GALLERY_BY_KEY = {entry.key: entry for entry in GALLERY}


def gallery_entry(key: str) -> GalleryEntry:
    """Return one gallery entry by key.

    Parameters
    ----------
    key : str
        An entry's `GalleryEntry.key`.

    Returns
    -------
    GalleryEntry
        The entry.

    Raises
    ------
    ValueError
        If no entry has that key.
    """
    if key not in _GALLERY_BY_KEY:
        raise ValueError(f"No gallery entry {key!r}; choose one of {', '.join(_GALLERY_BY_KEY)}.")
    return _GALLERY_BY_KEY[key]


@dataclass(frozen=True)
class GalleryResult:
    """A gallery entry evaluated at one input.

    Attributes
    ----------
    key : str
        The entry.
    x : float
        The input.
    naive, stable : float
        The two float64 results.
    exact : mpmath.mpf
        The true value.
    naive_relative_error, stable_relative_error : float or None
        ``|result - exact| / |exact|``; None for inf or nan results.
    naive_ulp_error, stable_ulp_error : float or None
        The same distance in float64 ULPs of the exact value.
    """

    key: str
    x: float
    naive: float
    stable: float
    exact: mpmath.mpf
    naive_relative_error: float | None
    stable_relative_error: float | None
    naive_ulp_error: float | None
    stable_ulp_error: float | None


def evaluate_gallery_entry(key: str, x: float | None = None) -> GalleryResult:
    """Evaluate a gallery entry's naive and stable formulas against the exact value.

    Parameters
    ----------
    key : str
        An entry's `GalleryEntry.key`.
    x : float, optional
        The input, inside the entry's ``input_min .. input_max`` (a whole number
        for counts); default the entry's `default_input`.

    Returns
    -------
    GalleryResult
        Both results, the exact value and their errors.

    Raises
    ------
    ValueError
        For an unknown key or an input outside the entry's range.

    Notes
    -----
    Relative error ``|r - v| / |v|`` and ULP error ``|r - v| / ulp(v)`` in float64,
    with ``v`` computed by mpmath at 60 digits from the exact float input.
    """
    entry = gallery_entry(key)
    value = entry.default_input if x is None else x
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{entry.input_label} must be a number, not {value!r}.")
    value = float(value)
    if not entry.input_min <= value <= entry.input_max:
        raise ValueError(
            f"{entry.input_label} must be between {format_float(entry.input_min)} and "
            f"{format_float(entry.input_max)} for {entry.naive_formula}; got {format_float(value)}."
        )
    if entry.integer_input and not value.is_integer():
        raise ValueError(f"{entry.input_label} must be a whole number; got {format_float(value)}.")
    reference = entry.exact(value)
    naive = entry.naive(value)
    stable = entry.stable(value)
    dtype = np.dtype(np.float64)
    return GalleryResult(
        key=entry.key,
        x=value,
        naive=naive,
        stable=stable,
        exact=reference,
        naive_relative_error=relative_error(naive, reference),
        stable_relative_error=relative_error(stable, reference),
        naive_ulp_error=ulp_error(naive, reference, dtype),
        stable_ulp_error=ulp_error(stable, reference, dtype),
    )
