"""Reading a typed answer (`parse_response`) and writing one back (`number_text`)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.questions.bank import number_text, parse_response, question_by_id

QUESTION = question_by_id("count-1-2")
finite_floats = st.floats(allow_nan=False, allow_infinity=False)


def parsed(text: str) -> float:
    return parse_response(QUESTION, text)


def assert_sentence(message: str, text: str) -> None:
    # The panel shows f"{message}. Type a number such as 2.5 or 1e-7.": words, no full
    # stop of its own, short whatever was typed.
    assert len(message.split()) >= 3, message
    assert not message.endswith("."), message
    assert len(message) <= 300, message  # a typed text is quoted up to 64 characters
    assert "\n" not in message and "Traceback" not in message


def rejected(text: str) -> str:
    with pytest.raises(ValueError) as error:
        parsed(text)
    assert_sentence(str(error.value), text)
    return str(error.value)


@given(finite_floats)
@example(8388608.0)
@example(2.0**53)
@example(-0.0)
@example(5e-324)
@example(1.7976931348623157e308)
def test_every_finite_float_written_back_reads_back(x):
    text = number_text(x)
    assert parsed(text) == x
    assert number_text(parsed(text)) == text


@given(st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1))
def test_whole_numbers_are_written_with_thousands_separators(n):
    text = number_text(float(n))
    assert text == f"{n:,}"
    assert parsed(text) == n


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8,388,608", 8388608.0),
        ("8388608", 8388608.0),
        ("8_388_608", 8388608.0),
        (" 8 388 608 ", 8388608.0),
        ("2^23", 8388608.0),
        ("2**23", 8388608.0),
        (" 2 ^ 23 ", 8388608.0),
        ("2^-1", 0.5),
        ("1e-7", 1e-7),
        ("1E-7", 1e-7),
        ("-0.34", -0.34),
        ("+88.72", 88.72),
        ("65504.0", 65504.0),
        (".5", 0.5),
    ],
)
def test_what_students_type_reads_as_the_number(text, value):
    assert parsed(text) == value


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=-60, max_value=60))
def test_powers_read_as_their_value(base, exponent):
    if base == 0 and exponent < 0:
        return  # not a number; see test_a_power_that_is_not_a_real_number_is_refused
    for power in ("^", "**"):
        assert parsed(f"{base}{power}{exponent}") == float(base) ** exponent


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("abc", "'abc' is not a number"),
        ("", "the answer is empty"),
        ("   ", "the answer is empty"),
        ("1e999", "'1e999' is too large"),
        ("-1e999", "'-1e999' is too large"),
        ("2^", "the exponent is empty"),
        ("^3", "the answer is empty"),
        ("2^x", "'x' is not a number"),
        ("2^^3", "is not a number"),
        ("0x10", "'0x10' is not a number"),
        ("2²³", "with the digits 0 to 9"),
        ("1/10", "is not a number"),
    ],
)
def test_text_that_is_not_a_number_is_refused_with_a_sentence(text, says):
    assert says in rejected(text)


@pytest.mark.parametrize("text", ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "2^nan"])
def test_nan_and_infinity_are_refused(text):
    message = rejected(text)
    assert "nan" in message or "infinite" in message


@pytest.mark.parametrize("text", ["nan", "inf", "2^nan"])
def test_the_messages_are_good_english(text):
    assert not re.search(r"\ba (answer|exponent)\b", rejected(text))


@pytest.mark.parametrize("text", ["1" * 10_000, "x" * 10_000, "2^" + "3" * 10_000, "9," * 5_000])
def test_ten_thousand_characters_are_refused_briefly(text):
    assert "too long to be a number" in rejected(text)


@pytest.mark.parametrize("text", ["٣", "３", "१२", "8,388,６08"])
def test_unicode_digits_are_refused(text):
    rejected(text)


@pytest.mark.parametrize("text", ["10^400", "1e308**2", "2^1024"])
def test_a_power_too_large_is_refused(text):
    assert "too large" in rejected(text)


@pytest.mark.parametrize("text", ["0^-1", "0**-0.5", "-8^0.5", "-1**0.5"])
def test_a_power_that_is_not_a_real_number_is_refused(text):
    rejected(text)


@given(st.text(max_size=80))
@example("10^400")
@example("0^-1")
@example("-8^0.5")
def test_any_text_gives_a_finite_number_or_a_value_error(text):
    try:
        value = parsed(text)
    except ValueError as error:
        assert_sentence(str(error), text)
    else:
        assert isinstance(value, float) and math.isfinite(value)


@given(
    st.text(alphabet="0123456789.,_ e-+^*xna", max_size=30),
)
def test_number_like_text_never_raises_anything_unexpected(text):
    try:
        value = parsed(text)
    except ValueError as error:
        assert_sentence(str(error), text)
    else:
        assert math.isfinite(value)


@given(st.text(alphabet="0123456789.-^*e", max_size=12))
@example("10^400")
@example("0^-1")
@example("-8^0.5")
def test_only_value_errors_ever(text):
    try:
        parsed(text)
    except ValueError as error:
        assert_sentence(str(error), text)
