"""Tests of core.floats.bits: bits, rounding, limits, cancellation and the gallery."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import ml_dtypes
import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.floats import bits as floats
from core.floats.bits import dissect, from_bits, from_hex, parse_value, representable_values_around
from core.numerics.exact import format_ulp_error, ulp_error
from core.numerics.formats import FORMAT_NAMES, get_format, round_to_format
from core.numerics.limits import all_format_limits, format_limits
from core.numerics.text import format_value

NATIVE = ("float16", "float32", "float64")
DTYPES = {
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
}
UINTS = {"float16": np.uint16, "bfloat16": np.uint16, "float32": np.uint32, "float64": np.uint64}
WIDTHS = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}

# An independent high-precision context (never the global mpmath.mp, never core's).
HIGH = mpmath.MPContext()
HIGH.dps = 80

FAST = settings(max_examples=150, deadline=None)


def bits_of(value: np.generic) -> int:
    return int(np.array(value).view(UINTS[str(np.array(value).dtype)])[()])


def finfo(name: str):
    return ml_dtypes.finfo(ml_dtypes.bfloat16) if name == "bfloat16" else np.finfo(DTYPES[name])


def patterns(name: str) -> st.SearchStrategy[int]:
    return st.integers(0, 2 ** WIDTHS[name] - 1)


def finite_patterns(name: str) -> st.SearchStrategy[int]:
    fmt = get_format(name)
    magnitudes = st.integers(0, fmt.largest_pattern)
    return st.tuples(st.booleans(), magnitudes).map(lambda t: (fmt.sign_mask if t[0] else 0) | t[1])


def value_from_pattern(pattern: int, name: str) -> np.generic:
    return from_hex(f"{pattern:0{WIDTHS[name] // 4}X}", name)


# ---------------------------------------------------------------- course example


def test_exact_decimal_of_point_one() -> None:
    assert (
        dissect(0.1, "float64").exact_value
        == "0.1000000000000000055511151231257827021181583404541015625"
    )
    assert dissect(0.1, "float32").exact_value == "0.100000001490116119384765625"
    assert dissect(0.1, "float16").exact_value == "0.0999755859375"


# ------------------------------------------------------------------------ limits


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_limits_match_finfo(name: str) -> None:
    limits = format_limits(name)
    info = finfo(name)
    assert limits.epsilon == float(info.eps)
    assert limits.smallest_subnormal == float(info.smallest_subnormal)
    assert limits.smallest_normal == float(info.smallest_normal)
    assert limits.largest == float(info.max)
    assert limits.precision == info.nmant + 1
    assert limits.min_exponent == info.minexp
    assert limits.max_exponent == info.maxexp - 1
    assert limits.total_bits == info.bits


@pytest.mark.parametrize(
    ("name", "rounded"),
    [("float16", 11.09), ("bfloat16", 88.72), ("float32", 88.72), ("float64", 709.78)],
)
def test_log_of_largest(name: str, rounded: float) -> None:
    limits = format_limits(name)
    reference = HIGH.log(HIGH.mpf(Fraction(limits.largest).numerator))
    assert limits.log_largest == pytest.approx(float(reference), rel=1e-12)
    assert round(limits.log_largest, 2) == rounded


def test_all_format_limits_in_order() -> None:
    assert [row.name for row in all_format_limits()] == list(FORMAT_NAMES)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="float16, bfloat16, float32, float64"):
        format_limits("float8")


# -------------------------------------------------------------------------- bits

KNOWN_PATTERNS = [
    (0.1, "float16", "0x2E66"),
    (0.1, "bfloat16", "0x3DCD"),
    (0.1, "float32", "0x3DCCCCCD"),
    (0.1, "float64", "0x3FB999999999999A"),
    (1.0, "float16", "0x3C00"),
    (1.0, "bfloat16", "0x3F80"),
    (1.0, "float32", "0x3F800000"),
    (1.0, "float64", "0x3FF0000000000000"),
    (65504.0, "float16", "0x7BFF"),
    (1.7976931348623157e308, "float64", "0x7FEFFFFFFFFFFFFF"),
    (2.0**-24, "float16", "0x0001"),
    (2.0**-133, "bfloat16", "0x0001"),
    (2.0**-149, "float32", "0x00000001"),
    (5e-324, "float64", "0x0000000000000001"),
    (-2.0, "float32", "0xC0000000"),
]


@pytest.mark.parametrize(("value", "name", "hex_pattern"), KNOWN_PATTERNS)
def test_known_bit_patterns(value: float, name: str, hex_pattern: str) -> None:
    bits = dissect(value, name)
    assert bits.hex == hex_pattern
    assert bits.bits == format(int(hex_pattern, 16), f"0{WIDTHS[name]}b")
    assert bits.bits == str(bits.sign) + bits.exponent_bits + bits.fraction_bits
    assert len(bits.exponent_bits) == get_format(name).exponent_bits
    assert bits_of(from_hex(hex_pattern, name)) == int(hex_pattern, 16)


def test_point_one_float32_fields() -> None:
    bits = dissect(0.1, "float32")
    assert bits.sign == 0
    assert bits.exponent_bits == "01111011"
    assert bits.fraction_bits == "10011001100110011001101"
    assert bits.exponent == -4
    assert bits.significand == "1.60000002384185791015625"
    assert Fraction(Decimal(bits.significand)) * Fraction(1, 16) == Fraction(float(bits.value))
    assert bits.kind == "normal"


def test_largest_float16() -> None:
    bits = dissect(65504, "float16")
    assert (bits.exponent, bits.significand, bits.exact_value) == (15, "1.9990234375", "65504")
    assert np.isinf(bits.next_above) and bits.gap_above == math.inf
    assert bits.gap_below == 32.0 and bits.ulp == 32.0


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_one_and_zeros(name: str) -> None:
    one = dissect(1.0, name)
    assert (one.exponent, one.significand, one.kind, one.exact_value) == (0, "1", "normal", "1")
    assert one.gap_above == finfo(name).eps
    assert one.gap_below == finfo(name).eps / 2
    zero = dissect(0.0, name)
    negative_zero = dissect(-0.0, name)
    assert zero.kind == "zero" and zero.bits == "0" * WIDTHS[name]
    assert negative_zero.kind == "negative zero"
    assert negative_zero.sign == 1 and negative_zero.bits == "1" + "0" * (WIDTHS[name] - 1)
    assert negative_zero.exact_value == "-0"
    assert negative_zero.exponent == get_format(name).min_exponent
    tiny = float(finfo(name).smallest_subnormal)
    assert float(negative_zero.next_above) == tiny and float(zero.next_below) == -tiny


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_specials(name: str) -> None:
    fmt = get_format(name)
    inf = dissect(math.inf, name)
    assert inf.kind == "infinity" and inf.exponent is None and inf.significand is None
    assert inf.exponent_bits == "1" * fmt.exponent_bits and set(inf.fraction_bits) == {"0"}
    assert dissect(-math.inf, name).kind == "negative infinity"
    assert float(inf.next_below) == format_limits(name).largest and inf.gap_above is None
    assert bits_of(inf.next_above) == bits_of(inf.value)
    negative_inf = dissect(-math.inf, name)
    assert bits_of(negative_inf.next_below) == bits_of(negative_inf.value)
    assert float(negative_inf.next_above) == -format_limits(name).largest
    nan = dissect(math.nan, name)
    assert nan.kind == "nan" and nan.exact_value == "nan" and nan.ulp is None
    assert np.isnan(nan.next_above) and np.isnan(nan.next_below)
    assert bits_of(nan.value) == bits_of(np.array(np.nan).astype(DTYPES[name])[()])
    assert dissect(from_hex(dissect(-math.nan, name).hex, name), name).kind == "nan"
    assert dissect(from_hex("0x7C01", "float16"), "float16").kind == "nan"


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_smallest_subnormal(name: str) -> None:
    bits = dissect(float(finfo(name).smallest_subnormal), name)
    assert bits.kind == "subnormal"
    assert bits.pattern == 1
    assert bits.exponent == get_format(name).min_exponent
    assert bits.significand == format(Decimal(2.0 ** -get_format(name).fraction_bits), "f")
    assert bits.significand.startswith("0.0")
    assert float(bits.next_below) == 0.0


def test_hex_and_bits_input_forms() -> None:
    for text in ("0x3c00", "3C00", "  0X3C00 ", "3c_00", "3C 00"):
        assert from_hex(text, "float16") == 1.0
    for text in ("0011110000000000", "0 01111 0000000000", "0b0011_1100_0000_0000"):
        assert from_bits(text, "float16") == 1.0
    assert isinstance(from_bits("0" * 16, "bfloat16"), ml_dtypes.bfloat16)


@FAST
@given(st.data())
def test_hex_round_trip_keeps_every_bit(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FORMAT_NAMES))
    pattern = data.draw(patterns(name))
    value = value_from_pattern(pattern, name)
    bits = dissect(value, name)
    assert bits.pattern == pattern == bits_of(value)
    assert bits_of(from_hex(bits.hex, name)) == pattern
    assert bits_of(from_bits(bits.bits, name)) == pattern


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float64_value_bits_value(x: float) -> None:
    back = from_bits(dissect(x, "float64").bits, "float64")
    if math.isnan(x):
        assert math.isnan(back)
    else:
        assert back == x and math.copysign(1, back) == math.copysign(1, x)


@FAST
@given(st.sampled_from(("float16", "float32")), st.floats(allow_nan=False))
def test_rounding_matches_numpy_casts(name: str, x: float) -> None:
    with np.errstate(over="ignore"):
        expected = np.array(x).astype(DTYPES[name])[()]
    assert dissect(x, name).pattern == bits_of(expected)


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-3e38, max_value=3e38))
def test_bfloat16_rounding_is_nearest_ties_to_even(x: float) -> None:
    bits = dissect(x, "bfloat16")
    stored = Fraction(float(bits.value))
    target = Fraction(x)
    for neighbour in (bits.next_below, bits.next_above):
        if np.isfinite(neighbour):
            other = abs(Fraction(float(neighbour)) - target)
            mine = abs(stored - target)
            assert mine < other or (mine == other and bits.pattern % 2 == 0)


def test_bfloat16_rounds_once_unlike_ml_dtypes() -> None:
    # Just above the tie 1 + 2**-8: the nearest bfloat16 is 1 + 2**-7; going through
    # float32 first lands exactly on the tie, which then goes to even (1.0).
    x = 1 + 2**-8 + 2**-40
    assert float(round_to_format(x, "bfloat16")) == 1 + 2**-7
    assert float(parse_value(str(Decimal(x)), "bfloat16").value) == 1 + 2**-7


@pytest.mark.parametrize(
    ("value", "name", "expected"),
    [
        (1 + 2**-11, "float16", 1.0),  # halfway: ties go to the even neighbour
        (1 + 3 * 2**-11, "float16", 1 + 2**-9),
        (-(1 + 2**-11), "float16", -1.0),
        (2049, "float16", 2048.0),
        (2051, "float16", 2052.0),
        (1 + 2**-8, "bfloat16", 1.0),
        (1 + 3 * 2**-8, "bfloat16", 1 + 2**-6),
        (1 + 2**-24, "float32", 1.0),
        (Fraction(2**53 + 1), "float64", 2.0**53),
        (Fraction(1, 2**26), "float16", 0.0),  # a quarter of the smallest subnormal
        (Fraction(1, 2**25), "float16", 0.0),  # exactly half of it: ties to even 0
        (Fraction(3, 2**26), "float16", 2.0**-24),  # three quarters
        (Fraction(3, 2**25), "float16", 2.0**-23),  # 1.5 subnormal steps: even is 2
    ],
)
def test_ties_go_to_even(value: float | Fraction, name: str, expected: float) -> None:
    stored = round_to_format(value, name)
    assert float(stored) == expected
    assert isinstance(stored, DTYPES[name].type)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_round_to_format_overflow_threshold(name: str) -> None:
    fmt = get_format(name)
    largest = Fraction(format_limits(name).largest)
    half_gap = Fraction(2) ** (fmt.max_exponent - fmt.fraction_bits - 1)
    assert float(round_to_format(largest + half_gap - Fraction(1, 10**9), name)) == largest
    assert np.isinf(round_to_format(largest + half_gap, name))  # tie goes to even: inf


@FAST
@given(st.data())
def test_neighbours_and_gaps(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FORMAT_NAMES))
    bits = dissect(value_from_pattern(data.draw(finite_patterns(name)), name), name)
    value = float(bits.value)
    below, above = float(bits.next_below), float(bits.next_above)
    assert below < value < above
    assert bits.gap_below == value - below and bits.gap_above == above - value
    if abs(value) < format_limits(name).largest:
        if name == "bfloat16":
            spacing = abs(float(np.nextafter(abs(bits.value), bits.value.dtype.type(np.inf))))
            assert bits.ulp == spacing - abs(value)
        else:
            assert bits.ulp == abs(float(np.spacing(bits.value)))
            if value > 0:
                assert bits.gap_above == float(np.spacing(bits.value))
    if name == "bfloat16":
        inf = ml_dtypes.bfloat16(np.inf)
        assert bits_of(bits.next_above) == bits_of(np.nextafter(bits.value, inf))
        assert bits_of(bits.next_below) == bits_of(np.nextafter(bits.value, -inf))


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_ulp_at_largest_value_is_finite(name: str) -> None:
    bits = dissect(format_limits(name).largest, name)
    assert bits.ulp == bits.gap_below
    assert np.isinf(bits.next_above)


# ---------------------------------------------------------------- typed numbers


@pytest.mark.parametrize(
    ("text", "name", "outcome", "value"),
    [
        ("0.1", "float64", "rounded", 0.1),
        ("0.5", "float16", "exact", 0.5),
        ("1e-3", "float32", "rounded", np.float32(1e-3)),
        ("-0", "float32", "exact", -0.0),
        ("1/3", "float64", "rounded", 1 / 3),
        (" −2.5e-3 ", "float64", "rounded", -2.5e-3),
        ("65519", "float16", "rounded", 65504.0),
        ("65520", "float16", "overflow", math.inf),
        ("1e-6", "float16", "subnormal", float(np.float16(1e-6))),
        ("1e-10", "float16", "underflow", 0.0),
        ("-1e-999", "float64", "underflow", -0.0),
        ("inf", "float16", "special", math.inf),
        ("-Infinity", "float32", "special", -math.inf),
        ("1e999999999", "float64", "overflow", math.inf),
    ],
)
def test_parse_value_outcomes(text: str, name: str, outcome: str, value: float) -> None:
    parsed = parse_value(text, name)
    assert parsed.outcome == outcome
    assert float(parsed.value) == float(value)
    assert math.copysign(1, float(parsed.value)) == math.copysign(1, float(value))
    assert isinstance(parsed.value, DTYPES[name].type)


def test_parse_value_messages() -> None:
    assert parse_value("70000", "float16").message == (
        "70000 is above float16's largest finite value 65504: it rounds to inf."
    )
    assert parse_value("1e999", "float64").message == (
        "1e999 is above float64's largest finite value 1.7976931348623157e+308: it rounds to inf."
    )
    assert "-inf" in parse_value("-1e999", "float64").message
    assert "rounds to 0" in parse_value("1e-10", "float16").message
    assert "subnormal" in parse_value("1e-6", "float16").message
    assert "0.1000000000000000055511151231257827021181583404541015625" in (
        parse_value("0.1", "float64").message
    )
    nan = parse_value("nan", "float32")
    assert np.isnan(nan.value) and nan.outcome == "special" and nan.relative_error is None


def test_a_shortest_text_that_is_not_the_value_comes_with_the_exact_value() -> None:
    # Issue 10, item 5: "stored exactly" beside a shortest text of 65500 read as a contradiction.
    assert parse_value("65504", "float16").message == (
        "65504 is stored exactly in float16. Its shortest text is 65500 (exactly 65504): "
        "the shortest decimal that reads back as the same float16, not its value."
    )
    assert "the nearest one, 65500 (exactly 65536), a relative error" in (
        parse_value("65504", "bfloat16").message
    )
    # Where the shortest text is the value, nothing is added.
    assert parse_value("0.5", "float16").message == "0.5 is stored exactly in float16."
    assert "the nearest one, 0.5, a relative error" in parse_value("0.50001", "float16").message
    tiny = parse_value("5.9604644775390625e-8", "float16")
    assert tiny.outcome == "subnormal"
    assert "Its shortest text is 6e-8 (exactly 5.9604644775390625E-8)" in tiny.message


def test_a_long_exact_value_is_folded_in_the_message() -> None:
    # Issue 10, item 19: about 750 digits once printed whole.
    message = parse_value("1e-300", "float64").message
    assert "(exactly 1.0000000000000000250…(720 digits left out)…2548828125E-300)" in message
    assert len(message) < 200


def test_parse_value_errors_of_rounding() -> None:
    parsed = parse_value("0.1", "float16")
    truth = Fraction(1, 10)
    error = abs(Fraction(float(parsed.value)) - truth)
    assert parsed.absolute_error == pytest.approx(float(error), rel=1e-12)
    assert parsed.relative_error == pytest.approx(float(error / truth), rel=1e-12)
    assert parse_value("1e-10", "float16").relative_error == 1.0


@FAST
@given(st.sampled_from(FORMAT_NAMES), st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_parse_exact_decimal_matches_dissect(name: str, x: float) -> None:
    text = str(Decimal(x))
    assume(len(text) <= 100)
    assert parse_value(text, name).value.tobytes() == dissect(x, name).value.tobytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a number"),
        ("   ", "Type a number"),
        ("abc", "'abc' is not a number"),
        ("0.1.2", "is not a number"),
        ("sNaN", "is not a number"),
        ("nan12", "is not a number"),
        ("1/0", "divides by zero"),
        ("1/2/3", "more than one '/'"),
        ("inf/2", "on their own"),
        ("1e5000/3", "exponents in a fraction"),
        ("1" * 101, "101 characters"),
    ],
)
def test_parse_value_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_value(text, "float64")


@FAST
@given(st.text(max_size=120), st.sampled_from(FORMAT_NAMES))
def test_string_inputs_only_ever_raise_value_error(text: str, name: str) -> None:
    for function in (parse_value, from_bits, from_hex):
        try:
            function(text, name)
        except ValueError as error:
            assert str(error)


@pytest.mark.parametrize(
    ("function", "text", "name", "message"),
    [
        (from_bits, "0" * 15, "float16", "float16 has 16 bits; you typed 15"),
        (from_bits, "1" * 33, "float32", "float32 has 32 bits; you typed 33"),
        (from_bits, "0012", "float16", "Bits can only be 0 or 1; '2' is neither"),
        (from_bits, "", "bfloat16", "Type the 16 bits of a bfloat16"),
        (from_bits, " _ ", "float64", "Type the 64 bits"),
        (from_hex, "0x3C0", "float16", "float16 has 4 hex digits \\(16 bits\\); you typed 3"),
        (from_hex, "0x3FB999999999999A0", "float64", "you typed 17"),
        (from_hex, "0xG000", "float16", "'G' is not one of them"),
        (from_hex, "0x", "float32", "Type the 8 hex digits of a float32, for example 0x3F800000"),
    ],
)
def test_bad_bits_and_hex(function, text: str, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        function(text, name)


@pytest.mark.parametrize(
    ("value", "name", "text"),
    [
        (0.1, "float16", "0.1"),
        (0.1, "bfloat16", "0.1"),
        (1 / 3, "bfloat16", "0.334"),
        (3.3895313892515355e38, "bfloat16", "3.39e+38"),
        (math.inf, "bfloat16", "inf"),
        (-0.0, "bfloat16", "-0"),
    ],
)
def test_format_value(value: float, name: str, text: str) -> None:
    assert format_value(value, name) == text


@FAST
@given(finite_patterns("bfloat16"))
def test_format_value_reads_back_in_bfloat16(pattern: int) -> None:
    value = value_from_pattern(pattern, "bfloat16")
    assume(value != 0)
    assert parse_value(format_value(value, "bfloat16"), "bfloat16").value.tobytes() == (
        value.tobytes()
    )


# ------------------------------------------------------------------- number line


def test_representable_values_around_one() -> None:
    values = representable_values_around(1.0, "float16", 3)
    eps = 2.0**-10
    assert list(values) == [
        1 - 3 * eps / 2,
        1 - eps,
        1 - eps / 2,
        1,
        1 + eps,
        1 + 2 * eps,
        1 + 3 * eps,
    ]
    assert values.dtype == np.float64


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_gaps_widen_with_magnitude(name: str) -> None:
    near_one = np.diff(representable_values_around(1.0, name, 4))
    near_thousand = np.diff(representable_values_around(1000.0, name, 4))
    assert near_thousand.min() > near_one.max()


def test_representable_values_around_edges() -> None:
    top = representable_values_around(65504, "float16", 5)
    assert len(top) == 6 and top[-1] == 65504 and np.all(np.isfinite(top))
    zero = representable_values_around(-0.0, "bfloat16", 2)
    assert list(zero) == [-(2.0**-132), -(2.0**-133), 0.0, 2.0**-133, 2.0**-132]
    assert np.all(np.diff(representable_values_around(-1e-40, "float32", 50)) > 0)
    for center in (math.inf, math.nan):
        with pytest.raises(ValueError, match="finite center"):
            representable_values_around(center, "float32", 3)
    for count in (0, 10**6):
        with pytest.raises(ValueError, match="count"):
            representable_values_around(1.0, "float32", count)


# ------------------------------------------------------------------ cancellation


def test_format_ulp_error_for_bfloat16() -> None:
    computed = ml_dtypes.bfloat16(1.0)
    reference = mpmath.mpf(1) + mpmath.mpf(2) ** -7 * 3  # 3 bfloat16 ULPs above 1
    assert format_ulp_error(computed, reference, "bfloat16") == pytest.approx(3.0)
    tiny = mpmath.mpf(2) ** -140  # subnormal range: the ULP is 2**-133
    assert format_ulp_error(ml_dtypes.bfloat16(0), tiny, "bfloat16") == pytest.approx(2.0**-7)
    assert format_ulp_error(1.0, mpmath.mpf(1), "float32") == ulp_error(
        1.0, mpmath.mpf(1), np.dtype(np.float32)
    )


# ----------------------------------------------------------------------- gallery


def test_no_print_and_no_forbidden_imports() -> None:
    source = Path(floats.__file__).read_text(encoding="utf-8")
    assert "print(" not in source
    assert "import streamlit" not in source and "tensorflow" not in source
