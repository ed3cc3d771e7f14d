"""Tests of core.floats.bit_view: the bit strip, bit buttons and kind sentence of a number."""

from __future__ import annotations

import math

import pytest

from core.floats import bit_view
from core.floats import bits as fl
from core.floats.lesson import KIND_EXPLANATIONS
from core.numerics.formats import FORMAT_NAMES, get_format


def test_power_of_two_is_ascii():
    assert bit_view.power_of_two(3) == "2^3"
    assert bit_view.power_of_two(-52) == "2^-52"
    assert bit_view.power_of_two(0).isascii()


def test_strip_fields_of_point_one():
    bits = fl.dissect(0.1, "float64")
    assert bit_view.strip_fields(bits) == (
        ("sign", "0", "sign"),
        ("exponent", "01111111011", "exponent · 11 bits"),
        ("fraction", bits.fraction_bits, "fraction · 52 bits"),
    )


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_bit_groups_label_every_bit_with_its_place_value(name):
    fmt = get_format(name)
    groups = bit_view.bit_groups(fl.dissect(1.0, name), fmt)
    assert [g.field for g in groups] == ["sign", "exponent", "fraction"]
    positions = [p for g in groups for p in g.labels]
    assert positions == list(range(fmt.total_bits))
    assert groups[0].labels == {0: "- (negative)"}
    exponent = list(groups[1].labels.values())
    assert exponent[0] == f"2^{fmt.exponent_bits - 1}" and exponent[-1] == "2^0"
    fraction = list(groups[2].labels.values())
    assert fraction[0] == "2^-1" and fraction[-1] == f"2^-{fmt.fraction_bits}"


def test_bit_group_titles_give_bias_and_significand():
    bits = fl.dissect(0.1, "float64")
    sign, exponent, fraction = bit_view.bit_groups(bits, get_format("float64"))
    assert sign.title == "Sign bit s = 0"
    assert exponent.title == "Exponent bits 01111111011 = 1019; minus the bias 1023: e = -4"
    assert fraction.title == f"Fraction bits: significand = {bits.significand}"


def test_bit_group_titles_of_infinity():
    bits = fl.dissect(-math.inf, "bfloat16")
    sign, exponent, fraction = bit_view.bit_groups(bits, get_format("bfloat16"))
    assert sign.title == "Sign bit s = 1"
    assert exponent.title == "Exponent bits 11111111 = 255 (all ones: inf or nan)"
    assert fraction.title == "Fraction bits"


def test_kind_text_with_and_without_a_formula():
    one = fl.dissect(1.0, "float16")
    name, explanation = KIND_EXPLANATIONS["normal"]
    assert bit_view.kind_text(one) == (f"**{name}.** {explanation} Value = (−1)^0 × 1 × 2^0 = 1.")
    nan = fl.dissect(math.nan, "float32")
    name, explanation = KIND_EXPLANATIONS["nan"]
    assert bit_view.kind_text(nan) == f"**{name}.** {explanation}"


def test_kind_text_folds_a_long_exact_value():
    # Issue 10, item 19: 1e-320's 751 digits were printed whole.
    text = bit_view.kind_text(fl.dissect(1e-320, "float64"))
    assert text.endswith(" = 9.9998886718268300541…(721 digits left out)…9697265625E-321.")


@pytest.mark.parametrize(
    ("value", "name", "expected"),
    [
        (
            1.0,
            "float32",
            "From 2^0 up to 2^1, float32 has 2^23 = 8,388,608 numbers, each "
            "2^-23 ≈ 1.1920929e-7 apart.",
        ),
        (
            3.0,
            "float16",
            "From 2^1 up to 2^2, float16 has 2^10 = 1,024 numbers, each 2^-9 ≈ 0.001953 apart.",
        ),
        (
            1e-40,
            "float32",
            "Below 2^-126, float32 has 2^23 = 8,388,608 subnormal numbers "
            "(0 among them), each 2^-149 ≈ 1e-45 apart.",
        ),
    ],
)
def test_binade_text_counts_the_numbers_between_two_powers_of_two(value, name, expected):
    assert bit_view.binade_text(fl.dissect(value, name), get_format(name)) == expected


@pytest.mark.parametrize("value", [0.0, -0.0, math.inf, -math.inf, math.nan])
def test_binade_text_is_empty_for_zeros_infinities_and_nan(value):
    assert bit_view.binade_text(fl.dissect(value, "float64"), get_format("float64")) == ""


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_binade_count_matches_the_bit_patterns_between_two_powers_of_two(name):
    fmt = get_format(name)
    one, two = fl.dissect(1.0, name).pattern, fl.dissect(2.0, name).pattern
    assert f"= {two - one:,} numbers" in bit_view.binade_text(fl.dissect(1.5, name), fmt)
