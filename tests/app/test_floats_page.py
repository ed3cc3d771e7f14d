"""The floating-point round-off page in AppTest: course numbers, bits, URL state, bad input."""

import pytest

from core.floats.cancellation import GALLERY, gallery_entry
from core.numerics.text import exact_decimal
from tests.app.helpers import open_app_page, texts

PAGE = "pages/floats.py"


def open_floats(**query):
    return open_app_page(PAGE, **query)


def value(at) -> str:
    return at.text_input(key="fl.x").value


def hex_pattern(at) -> str:
    return at.text_input(key="fl.hex").value


def ones(at, field: str, dtype: str) -> list[int]:
    return at.pills(key=f"fl.{field}.{dtype}").value


def tables(at) -> str:
    return texts(at.markdown)


def test_default_shows_the_course_example():
    at = open_floats()
    code = texts(at.code)
    assert "0.000200000000000000" in code
    assert "0.000199999999999978" in code
    assert "(1 + 1/10000) - (1 - 1/10000)" in code
    page = tables(at)
    assert "0.00020000000000000000958434720477185919662588275969028472900390625" in page
    assert "0.000199999999999977973175191436894237995147705078125" in page
    assert "1.1e-13" in page  # relative error of x2
    assert "813" in page  # its ULP error
    assert "0.354" in page  # x1 is correctly rounded: under half an ULP


def test_default_bit_view_is_point_one_in_float64():
    at = open_floats()
    assert value(at) == "0.1"
    assert at.radio(key="fl.dtype").value == "float64"
    assert hex_pattern(at) == "0x3FB999999999999A"
    assert at.text_input(key="fl.bits").value.startswith("0 01111111011 1001100110011001")
    assert ones(at, "sign", "float64") == []
    assert "e = -4" in at.pills(key="fl.exponent.float64").label
    assert "0.1000000000000000055511151231257827021181583404541015625" in tables(at)
    assert "is not a float64 value" in texts(at.info)
    assert "x" not in at.query_params and "dtype" not in at.query_params


def test_url_opens_the_largest_float16():
    at = open_floats(x="65504", dtype="float16")
    assert at.radio(key="fl.dtype").value == "float16"
    assert hex_pattern(at) == "0x7BFF"
    assert ones(at, "exponent", "float16") == [1, 2, 3, 4]
    assert ones(at, "fraction", "float16") == list(range(6, 16))
    assert "65504 is stored exactly in float16" in texts(at.info)
    # Issue 10, item 5: the shortest text 65500 comes with the exact value, in both places.
    assert "Its shortest text is 65500 (exactly 65504)" in texts(at.info)
    page = tables(at)
    assert "<td>65500 (exactly 65504)</td>" in page
    assert "65472" in page  # the neighbour below, exactly
    assert "32 · inf" in page  # gaps below and above
    assert at.query_params["x"] == "65504"


def test_a_subnormal_s_751_digits_are_folded_once_and_open_on_demand():
    # Issue 10, item 19: the exact value of 1e-320 was a wall of digits, printed twice.
    at = open_floats(x="1e-320")
    full = exact_decimal(1e-320)
    folded = "9.9998886718268300541…(721 digits left out)…9697265625E-321"
    page = tables(at)
    assert page.count(full) == 1
    assert f'<details class="lab-fold"><summary><span class="fl-digits">{folded}' in page
    assert f"{full}</span></details>" in page
    assert f"= {folded}." in page  # the kind sentence
    assert "1e-320 (not the exact value: see below)" in page


def test_cancellation_grows_with_n():
    at = open_floats()
    at.select_slider(key="fl.n").set_value(10**8).run()
    page = tables(at)
    assert "2e-8" in page
    assert "1.00000001" in page  # 1 + 1/n in float64
    assert "1.9999999989472883e-8" in page
    at.select_slider(key="fl.n").set_value(10**15).run()
    assert "2.1094237467877974e-15" in tables(at)  # float64 kept one digit
    assert not at.exception


@pytest.mark.parametrize(
    ("query", "fragment", "x", "dtype"),
    [
        ({"x": "abc"}, "'abc' is not a number", "0.1", "float64"),
        ({"x": ""}, "Type a number", "0.1", "float64"),
        ({"x": "  "}, "Type a number", "0.1", "float64"),
        ({"x": "1" * 500}, "500 characters long", "0.1", "float64"),
        ({"x": "1/0"}, "divides by zero", "0.1", "float64"),
        ({"x": "0x3C00", "dtype": "float16"}, "is not a number", "0.1", "float16"),
        ({"dtype": "float8"}, "dtype='float8': choose one of", "0.1", "float64"),
        ({"dtype": "int32", "x": "2"}, "using float64", "2", "float64"),
    ],
)
def test_bad_url_values_fall_back_with_a_notice(query, fragment, x, dtype):
    at = open_floats(**query)
    assert not at.exception
    assert fragment in texts(at.warning)
    assert value(at) == x
    assert at.radio(key="fl.dtype").value == dtype


@pytest.mark.parametrize(
    ("query", "fragment", "hex_value"),
    [
        ({"x": "1e999"}, "above float64's largest finite value", "0x7FF0000000000000"),
        ({"x": "-1e999"}, "rounds to -inf", "0xFFF0000000000000"),
        (
            {"x": "70000", "dtype": "float16"},
            "above float16's largest finite value 65504",
            "0x7C00",
        ),
        ({"x": "1e-9", "dtype": "float16"}, "too small for float16", "0x0000"),
        ({"x": "1e-99999", "dtype": "float32"}, "too small for float32", "0x00000000"),
    ],
)
def test_out_of_range_values_round_with_a_message(query, fragment, hex_value):
    at = open_floats(**query)
    assert not at.exception
    assert fragment in texts(at.warning)
    assert hex_pattern(at) == hex_value


@pytest.mark.parametrize(
    ("x", "dtype", "kind", "hex_value"),
    [
        ("nan", "float32", "NaN, not a number", "0x7FC00000"),
        ("-0", "float64", "Negative zero", "0x8000000000000000"),
        ("-inf", "bfloat16", "Negative infinity", "0xFF80"),
        ("1e-40", "float32", "Subnormal number", "0x000116C2"),
        ("0", "float16", "Zero", "0x0000"),
    ],
)
def test_special_values_are_named(x, dtype, kind, hex_value):
    at = open_floats(x=x, dtype=dtype)
    assert not at.exception
    assert f"**{kind}.**" in tables(at)
    assert hex_pattern(at) == hex_value


def test_infinite_value_has_no_number_line():
    at = open_floats(x="inf")
    assert "needs a finite center" in texts(at.info)
    at.select_slider(key="fl.centre").set_value(1e10).run()
    assert "needs a finite center" not in texts(at.info)
    assert not at.exception


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("abc", "'abc' is not a number"),
        ("", "Type a number"),
        ("1" * 101, "101 characters long"),
        ("1/0", "divides by zero"),
        ("1/2/3", "more than one '/'"),
        ("0x3C00", "is not a number"),
        ("sNaN", "is not a number"),
    ],
)
def test_bad_typed_values_keep_the_previous_one(typed, fragment):
    at = open_floats(x="2.5")
    at.text_input(key="fl.x").input(typed).run()
    assert not at.exception
    assert fragment in texts(at.error)
    assert "Keeping x = 2.5" in texts(at.error)
    assert hex_pattern(at) == "0x4004000000000000"
    assert at.query_params["x"] == "2.5"


@pytest.mark.parametrize(
    ("key", "typed", "fragment"),
    [
        ("fl.hex", "0x3C00", "float64 has 16 hex digits (64 bits); you typed 4"),
        ("fl.hex", "0xZZ", "'Z' is not one of them"),
        ("fl.hex", "", "Type the 16 hex digits"),
        ("fl.bits", "0101", "float64 has 64 bits; you typed 4"),
        ("fl.bits", "0 1 2", "'2' is neither"),
        ("fl.bits", "", "Type the 64 bits"),
    ],
)
def test_bad_hex_and_bits_keep_the_previous_value(key, typed, fragment):
    at = open_floats()
    at.text_input(key=key).input(typed).run()
    assert not at.exception
    assert fragment in texts(at.error)
    assert value(at) == "0.1"


def test_typing_a_value_updates_bits_and_url():
    at = open_floats()
    at.text_input(key="fl.x").input("-2").run()
    assert hex_pattern(at) == "0xC000000000000000"
    assert ones(at, "sign", "float64") == [0]
    assert at.query_params["x"] == "-2"
    assert "-2 is stored exactly in float64" in texts(at.info)


def test_clicking_bits_changes_the_value():
    at = open_floats(x="1", dtype="float16")
    assert hex_pattern(at) == "0x3C00"
    at.pills(key="fl.sign.float16").select(0).run()
    assert value(at) == "-1"
    at.pills(key="fl.fraction.float16").select(6).run()  # the 2^-1 place
    assert value(at) == "-1.5"
    assert hex_pattern(at) == "0xBE00"
    at.pills(key="fl.exponent.float16").unselect(2).run()  # exponent 01111 -> 00111
    assert value(at) == "-0.00586"  # the shortest text that reads back in float16
    assert hex_pattern(at) == "0x9E00"
    assert at.query_params["x"] == "-0.00586"
    assert not at.exception


def test_all_ones_exponent_is_infinity_or_nan():
    at = open_floats(x="1", dtype="bfloat16")
    at.pills(key="fl.exponent.bfloat16").set_value(list(range(1, 9))).run()
    assert value(at) == "inf"
    at.pills(key="fl.fraction.bfloat16").select(15).run()
    assert value(at) == "nan"
    assert "**NaN, not a number.**" in tables(at)
    assert not at.exception


def test_clicking_a_float64_fraction_bit_moves_one_ulp():
    at = open_floats()
    at.pills(key="fl.fraction.float64").select(63).run()  # the last place, 2^-52
    assert hex_pattern(at) == "0x3FB999999999999B"
    assert value(at) == "0.10000000000000002"


def test_editing_hex_and_bits_changes_the_value():
    at = open_floats(dtype="float16")
    at.text_input(key="fl.hex").input("3c00").run()
    assert value(at) == "1"
    assert at.text_input(key="fl.bits").value == "0 01111 0000000000"
    at.text_input(key="fl.bits").input("0 10000 1000000000").run()
    assert value(at) == "3"
    assert hex_pattern(at) == "0x4200"
    at.text_input(key="fl.hex").input("0x7E01").run()  # a NaN with a payload keeps its bits
    assert value(at) == "nan"
    assert hex_pattern(at) == "0x7E01"
    assert not at.exception


def test_switching_format_rounds_the_typed_value_again():
    at = open_floats()
    at.radio(key="fl.dtype").set_value("float16").run()
    assert value(at) == "0.1"
    assert hex_pattern(at) == "0x2E66"
    assert at.query_params["dtype"] == "float16"
    at.radio(key="fl.dtype").set_value("bfloat16").run()
    assert hex_pattern(at) == "0x3DCD"
    at.text_input(key="fl.x").input("1e6").run()
    at.radio(key="fl.dtype").set_value("float16").run()
    assert "rounds to inf" in texts(at.warning)
    assert not at.exception


def test_number_line_centres():
    at = open_floats(dtype="float16")
    slider = at.select_slider(key="fl.centre")
    assert slider.value == "x"
    for centre in (0.0, 1e-4, 1e4):
        at.select_slider(key="fl.centre").set_value(centre).run()
        assert not at.exception
    at.radio(key="fl.dtype").set_value("float64").run()
    at.select_slider(key="fl.centre").set_value(1e16).run()
    assert not at.exception


def test_gap_staircase_is_built_on_demand():
    at = open_floats()
    charts = len(at.get("plotly_chart"))
    at.toggle(key="fl.staircase").set_value(True).run()
    assert len(at.get("plotly_chart")) == charts + 1
    at.select_slider(key="fl.centre").set_value(1e10).run()
    assert not at.exception


def test_limits_table_and_softmax_links():
    at = open_floats()
    page = tables(at)
    for landmark in (
        "65504",
        ">1.7976931e308<",
        ">11.089866<",
        ">88.722839<",
        ">709.78271<",
        "1.7976931348623157e308",
        "4.9406564584124654e-324",
        "2.2204460492503131e-16",
        "11.089866488461016",
        "88.722839052068352",
        "709.78271289338397",
    ):
        assert landmark in page
    links = {link.proto.label: link.proto.query_string for link in at.page_link}
    assert links["float16: logits 12, 0, -12 cross 11.09"] == "z=12%2C0%2C-12&dtype=float16"
    assert links["float32: logits 1000, 999, 998 cross 88.72"] == (
        "z=1000%2C999%2C998&dtype=float32"
    )
    assert links["float64: logits 1000, 999, 998 cross 709.78"] == (
        "z=1000%2C999%2C998&dtype=float64"
    )
    assert all(link.proto.page == "softmax" for link in at.page_link)


def test_gallery_overview_shows_every_failure():
    at = open_floats()
    page = tables(at)
    for entry in GALLERY:
        assert f"<code>{entry.naive_formula}</code>" in page
    assert "1.000088900581841e-12 ⚠" in page  # log(1 + 1e-12)
    assert "9.999999999995e-13" in page  # log1p(1e-12)
    assert "inf ⚠" in page  # logsumexp at x = 1000
    assert "1000.4076059644444" in page
    assert "0.9999999999999999" in page  # ten tenths added one by one
    assert "big number x = 1e+16" in page


def test_gallery_explores_one_entry_at_a_time():
    at = open_floats()
    assert at.pills(key="fl.gallery").value == "log1p"
    assert len(at.select_slider) == 3  # n, the number line centre, log1p's x
    at.select_slider(key="fl.g.log1p").set_value(0.5).run()
    assert "0.4054651081081644" in tables(at)
    at.pills(key="fl.gallery").set_value("logsumexp").run()
    assert "exp(1000) overflows to inf" in tables(at)
    at.slider(key="fl.g.logsumexp").set_value(700.0).run()
    assert "inf ⚠" not in tables(at)
    at.pills(key="fl.gallery").set_value("sum_of_tenths").run()
    at.select_slider(key="fl.g.sum_of_tenths").set_value(1_000_000.0).run()
    assert "100000.00000133288" in tables(at)
    at.pills(key="fl.gallery").set_value("log1p").run()
    assert at.select_slider(key="fl.g.log1p").value == 0.5  # kept while hidden
    assert "x = 0.5" in tables(at)
    assert "number of additions n = 1e+6" in tables(at)  # the overview keeps every input
    assert not at.exception


@pytest.mark.parametrize("key", [entry.key for entry in GALLERY])
def test_every_gallery_entry_opens(key):
    at = open_floats()
    at.pills(key="fl.gallery").set_value(key).run()
    assert not at.exception
    assert gallery_entry(key).explanation in tables(at)


def test_state_survives_leaving_and_returning():
    at = open_floats(x="3.75", dtype="float32")
    at.switch_page("pages/home.py")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert value(at) == "3.75"
    assert at.radio(key="fl.dtype").value == "float32"
    assert hex_pattern(at) == "0x40700000"
    assert at.query_params["x"] == "3.75"


def test_bits_give_the_exact_value_when_it_is_short():
    at = open_floats(x="32768", dtype="float16")
    at.pills(key="fl.fraction.float16").set_value(list(range(6, 16))).run()
    assert value(at) == "65504"  # not float16's shortest text, 65500
    at.radio(key="fl.dtype").set_value("float32").run()
    assert hex_pattern(at) == "0x477FE000"  # still 65504
