"""Tests of core.floats.state: the round-off page's transitions, driven on a plain dict."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.floats import bits as fl
from core.floats import state as fs
from core.floats.cancellation import GALLERY
from core.floats.lesson import number_line_centres
from core.floats.settings import DEFAULT_FORMAT, DEFAULT_X, SETTINGS
from core.floats.state import key
from core.numerics.formats import FORMAT_NAMES, get_format

ONE_BITS = {
    "float16": "0 01111 0000000000",
    "bfloat16": "0 01111111 0000000",
    "float32": "0 01111111 00000000000000000000000",
    "float64": "0 01111111111 " + "0" * 52,
}
ONE_HEX = {"float16": "0x3C00", "bfloat16": "0x3F80", "float32": "0x3F800000"}
ONE_HEX["float64"] = "0x3FF0000000000000"


def visit(params=None):
    """A first visit with a link, as the page does it."""
    state = {}
    values, notices = SETTINGS.from_query(params or {})
    fs.apply_settings(state, values, notices)
    fs.ensure_defaults(state)
    return state


def same(a, b) -> bool:
    """Equal values of a format, nan equal to nan of the same sign."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b) and math.copysign(1, a) == math.copysign(1, b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def test_key():
    assert key("value") == "fl.value"


def test_first_visit_shows_the_default_value():
    state = visit()
    assert state[key("dtype")] == DEFAULT_FORMAT == "float64"
    assert state[key("value")] == 0.1 and isinstance(state[key("value")], np.float64)
    assert state[key("source")] == state[key("x")] == DEFAULT_X
    assert state[key("hex")] == "0x3FB999999999999A"
    assert state[key("bits")] == "0 01111111011 " + "1001" * 12 + "1010"
    level, message = state[key("note")]
    assert level == "info" and message.startswith("0.1 is not a float64 value")
    assert state[key("error")] is None and state[key("notices")] == []
    assert fs.current_values(state) == {"dtype": "float64", "x": "0.1"}


def test_link_with_a_format_and_a_value():
    state = visit({"x": "1", "dtype": "float16"})
    assert state[key("value")] == 1.0 and isinstance(state[key("value")], np.float16)
    assert state[key("hex")] == "0x3C00" and state[key("bits")] == ONE_BITS["float16"]
    assert state[key("note")] == ("info", "1 is stored exactly in float16.")
    assert SETTINGS.to_query(fs.current_values(state)) == {"x": "1", "dtype": "float16"}


@pytest.mark.parametrize(
    ("text", "value", "fragment"),
    [("1e400", math.inf, "rounds to inf"), ("-1e-400", -0.0, "rounds to -0.")],
)
def test_overflow_and_underflow_are_warnings(text, value, fragment):
    state = visit({"x": text, "dtype": "float16"})
    assert same(state[key("value")], value)
    level, message = state[key("note")]
    assert level == "warning" and fragment in message
    assert state[key("source")] == text


def test_bad_link_keeps_the_default_with_notices():
    state = visit({"x": "abc", "dtype": "float8"})
    assert state[key("dtype")] == "float64" and state[key("source")] == "0.1"
    assert [n.split("=")[0] for n in state[key("notices")]] == ["dtype", "x"]


def test_show_value_sets_every_input():
    state = visit()
    state[key("error")] = "old"
    state[key("dtype")] = "float32"
    fs.show_value(state, np.float32(-2.0), "-2", ("info", "a note"))
    assert state[key("value")] == -2.0 and isinstance(state[key("value")], np.float32)
    assert state[key("source")] == state[key("x")] == "-2"
    assert state[key("hex")] == "0xC0000000"
    assert state[key("bits")] == "1 10000000 " + "0" * 23
    assert state[key("note")] == ("info", "a note") and state[key("error")] is None


def test_show_value_rounds_to_the_page_s_format():
    state = {key("dtype"): "bfloat16"}
    fs.show_value(state, np.float64(0.1), "0.1", None)
    assert state[key("hex")] == "0x3DCD" and float(state[key("value")]) == 0.10009765625


def test_load_text_stores_typed_text_in_the_format():
    state = {key("dtype"): "float16"}
    fs.load_text(state, " 1/3 ")
    assert state[key("source")] == "1/3" and float(state[key("value")]) == 0.333251953125
    assert state[key("note")][0] == "info" and "relative error" in state[key("note")][1]
    with pytest.raises(ValueError, match="not a number"):
        fs.load_text(state, "abc")


def test_on_x_reads_the_typed_value():
    state = visit()
    state[key("error")] = "old"
    state[key("x")] = "0.5"
    fs.on_x(state)
    assert state[key("value")] == 0.5 and state[key("source")] == "0.5"
    assert state[key("hex")] == "0x3FE0000000000000" and state[key("error")] is None
    assert state[key("note")] == ("info", "0.5 is stored exactly in float64.")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("abc", "'abc' is not a number"), ("", "Type a number"), ("1" * 101, "101 characters")],
)
def test_on_x_keeps_the_value_on_bad_text(text, fragment):
    state = visit({"x": "2.5"})
    before = dict(state)
    state[key("x")] = text
    fs.on_x(state)
    assert fragment in state[key("error")]
    assert state[key("error")].endswith(" Keeping x = 2.5.")
    assert state[key("value")] == 2.5 and state[key("source")] == "2.5"
    assert state[key("hex")] == before[key("hex")] and state[key("note")] == before[key("note")]
    assert state[key("x")] == text


def test_on_dtype_stores_the_same_text_in_the_new_format():
    state = visit({"x": "0.1", "dtype": "float8"})
    assert state[key("notices")]
    state[key("dtype")] = "float16"
    fs.on_dtype(state)
    assert isinstance(state[key("value")], np.float16) and state[key("hex")] == "0x2E66"
    assert state[key("source")] == "0.1" and state[key("notices")] == []
    state[key("x")] = "70000"
    fs.on_x(state)
    assert state[key("value")] == np.inf
    state[key("dtype")] = "float32"
    fs.on_dtype(state)
    assert state[key("value")] == 70000.0 and state[key("note")][0] == "info"


@pytest.mark.parametrize("dtype", FORMAT_NAMES)
def test_on_pattern_hex_and_bits_build_one(dtype):
    state = visit({"dtype": dtype})
    state[key("hex")] = ONE_HEX[dtype].lower().replace("0x", "")
    fs.on_pattern(state, "hex", fl.from_hex)
    assert state[key("value")] == 1.0 and state[key("source")] == "1"
    assert state[key("hex")] == ONE_HEX[dtype] and state[key("bits")] == ONE_BITS[dtype]
    assert state[key("note")] is None and state[key("error")] is None
    fs.on_x(state)  # x shows the value's text
    assert state[key("value")] == 1.0

    state = visit({"dtype": dtype, "x": "-3"})
    state[key("bits")] = ONE_BITS[dtype]
    fs.on_pattern(state, "bits", fl.from_bits)
    assert state[key("value")] == 1.0 and state[key("hex")] == ONE_HEX[dtype]


def test_on_pattern_special_values_read_back_through_the_link():
    state = visit({"dtype": "float32"})
    state[key("hex")] = "FFC00000"
    fs.on_pattern(state, "hex", fl.from_hex)
    assert state[key("source")] == "-nan" and np.isnan(state[key("value")])
    again = visit(SETTINGS.to_query(fs.current_values(state)))
    assert same(again[key("value")], state[key("value")])
    state[key("bits")] = "0 00000 0000000001"
    state[key("dtype")] = "float16"
    fs.on_pattern(state, "bits", fl.from_bits)
    assert state[key("source")] == "6e-8" and state[key("hex")] == "0x0001"


@pytest.mark.parametrize(
    ("field", "builder", "typed", "fragment"),
    [
        ("hex", fl.from_hex, "0x3C0", "float16 has 4 hex digits (16 bits); you typed 3."),
        ("hex", fl.from_hex, "xyz", "'x' is not one of them."),
        ("hex", fl.from_hex, "", "Type the 4 hex digits of a float16"),
        ("bits", fl.from_bits, "0102", "'2' is neither."),
        ("bits", fl.from_bits, "0101", "float16 has 16 bits; you typed 4."),
    ],
)
def test_on_pattern_keeps_the_value_on_a_bad_pattern(field, builder, typed, fragment):
    state = visit({"x": "2.5", "dtype": "float16"})
    state[key(field)] = typed
    fs.on_pattern(state, field, builder)
    assert fragment in state[key("error")] and state[key("error")].endswith(" Keeping x = 2.5.")
    assert state[key("value")] == 2.5 and state[key("source")] == "2.5"
    assert state[key(field)] == typed  # left as typed, to be corrected
    if field == "bits":
        assert state[key("hex")] == "0x4100"


def test_bit_positions():
    positions = fs.bit_positions(get_format("float16"))
    assert positions == {"sign": range(1), "exponent": range(1, 6), "fraction": range(6, 16)}
    for name in FORMAT_NAMES:
        fmt = get_format(name)
        spans = fs.bit_positions(fmt)
        assert [i for r in spans.values() for i in r] == list(range(fmt.total_bits))
        assert len(spans["exponent"]) == fmt.exponent_bits


def test_sync_bit_pills_marks_the_one_bits():
    state = visit({"x": "-1", "dtype": "float16"})
    fmt = get_format("float16")
    fs.sync_bit_pills(state, fl.dissect(state[key("value")], "float16"), fmt)
    assert state[key("sign.float16")] == [0]
    assert state[key("exponent.float16")] == [2, 3, 4, 5]
    assert state[key("fraction.float16")] == []
    # Other formats' pills are their own.
    assert key("sign.float32") not in state


def test_on_bit_click_flips_a_bit():
    state = visit({"x": "1", "dtype": "float16"})
    fmt = get_format("float16")
    fs.sync_bit_pills(state, fl.dissect(state[key("value")], "float16"), fmt)
    state[key("sign.float16")] = [0]  # the student clicks the sign
    fs.on_bit_click(state)
    assert state[key("value")] == -1.0 and state[key("hex")] == "0xBC00"
    assert state[key("source")] == "-1" and state[key("note")] is None
    state[key("fraction.float16")] = [6]  # the fraction's top bit: 1.5
    fs.on_bit_click(state)
    assert state[key("value")] == -1.5 and state[key("x")] == "-1.5"
    state[key("exponent.float16")] = [1, 2, 3, 4, 5]
    state[key("fraction.float16")] = []
    fs.on_bit_click(state)
    assert state[key("value")] == -np.inf and state[key("source")] == "-inf"


@given(st.sampled_from(FORMAT_NAMES), st.data())
def test_any_pattern_shows_in_every_input_and_reads_back_through_the_link(dtype, data):
    fmt = get_format(dtype)
    pattern = data.draw(st.integers(0, 2**fmt.total_bits - 1))
    state = visit({"dtype": dtype})
    state[key("hex")] = format(pattern, f"0{fmt.hex_digits}x")
    fs.on_pattern(state, "hex", fl.from_hex)
    assert state[key("error")] is None
    assert state[key("hex")] == "0x" + format(pattern, f"0{fmt.hex_digits}X")
    assert state[key("bits")].replace(" ", "") == format(pattern, f"0{fmt.total_bits}b")
    # The pills give the same value back.
    fs.sync_bit_pills(state, fl.dissect(state[key("value")], dtype), fmt)
    shown = state[key("value")]
    fs.on_bit_click(state)
    assert same(state[key("value")], shown)
    # The page's link shows the same value again.
    again = visit(SETTINGS.to_query(fs.current_values(state)))
    assert same(again[key("value")], shown)
    if not np.isnan(shown):
        assert again[key("hex")] == state[key("hex")]


def test_ensure_defaults_gives_first_values_and_keeps_later_ones():
    state = visit()
    assert state[key("n")] == fs.DEFAULT_N == 10_000
    assert state[key("gallery")] == GALLERY[0].key
    for entry in GALLERY:
        assert state[key(f"g.{entry.key}")] == entry.default_input
    assert state[key("centre")] == "x"
    state[key("n")] = 7
    state[key("g.log1p")] = 0.5
    state[key("centre")] = 1e8
    fs.ensure_defaults(state)
    assert state[key("n")] == 7 and state[key("g.log1p")] == 0.5 and state[key("centre")] == 1e8


def test_ensure_defaults_resets_a_centre_the_format_does_not_offer():
    state = visit({"dtype": "float32"})
    state[key("centre")] = 1e8
    state[key("dtype")] = "float16"
    fs.on_dtype(state)
    fs.ensure_defaults(state)
    assert state[key("centre")] == "x"


@pytest.mark.parametrize("dtype", FORMAT_NAMES)
def test_centre_options(dtype):
    options = fs.centre_options({key("dtype"): dtype})
    assert options == ("x", *number_line_centres(dtype))
    assert options[1] == 0.0 and 1.0 in options


def test_current_values_before_any_value():
    assert fs.current_values({key("dtype"): "float32"}) == {"dtype": "float32", "x": "0.1"}
