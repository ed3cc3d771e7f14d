"""Tests of core.settings: one declarative table per page, URL text in, valid values out."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.draw.settings import SETTINGS as DRAW
from core.floats.settings import SETTINGS as FLOATS
from core.settings import (
    NOTICE_TEXT_LENGTH,
    Replaced,
    Setting,
    SettingsTable,
    apply_to_state,
    choice,
    integer,
    nearest_choice,
    real,
    shortest,
)
from core.settings import notice as settings_notice
from core.softmax.settings import SETTINGS as SOFTMAX
from core.training.settings import SETTINGS as TRAINING

# --- a small table of our own ----------------------------------------------------------


def _parse_size(text: str, values) -> int:
    # Depends on a setting read before it and on the context.
    size = integer(1, values["limit"])(text, values)
    if size % 2:
        raise Replaced(size + 1, "sizes are even")
    return size


TABLE = SettingsTable(
    (
        Setting("kind", "k", "cat", choice(("cat", "dog"))),
        Setting("count", "n", lambda values: 3 if values["kind"] == "cat" else 4, integer(0, 9)),
        Setting("size", "s", 2, _parse_size, describe=lambda v: f"size {v}"),
        Setting("rate", "r", 0.5, real(0.0, 1.0), shortest),
    )
)
CONTEXT = {"limit": 10}


def test_keys_and_by_name():
    assert TABLE.keys == ("k", "n", "s", "r")
    assert list(TABLE.by_name) == ["kind", "count", "size", "rate"]
    assert TABLE.by_name["rate"].key == "r"


def test_defaults_follow_earlier_values():
    assert TABLE.defaults(CONTEXT) == {"kind": "cat", "count": 3, "size": 2, "rate": 0.5}
    values, notices = TABLE.from_query({"k": "dog"}, CONTEXT)
    assert values == {"kind": "dog", "count": 4, "size": 2, "rate": 0.5}
    assert notices == []


def test_from_query_reads_every_value_and_ignores_unknown_keys():
    values, notices = TABLE.from_query(
        {"k": "dog", "n": "7", "s": "6", "r": "0.25", "zzz": "1"}, CONTEXT
    )
    assert values == {"kind": "dog", "count": 7, "size": 6, "rate": 0.25}
    assert notices == []


def test_context_is_seen_by_parsers_but_not_returned():
    values, notices = TABLE.from_query({"s": "8"}, {"limit": 10})
    assert values["size"] == 8 and "limit" not in values and notices == []
    values, notices = TABLE.from_query({"s": "8"}, {"limit": 4})
    assert values["size"] == 2
    assert notices == ["s='8': choose a whole number from 1 to 4; using size 2."]


def test_repeated_parameter_counts_by_its_last_value_and_empty_list_is_absent():
    values, notices = TABLE.from_query({"n": ["1", "x", "5"]}, CONTEXT)
    assert values["count"] == 5 and notices == []
    values, notices = TABLE.from_query({"n": []}, CONTEXT)
    assert values["count"] == 3 and notices == []


def test_replaced_uses_its_value_with_a_notice():
    values, notices = TABLE.from_query({"s": "5"}, CONTEXT)
    assert values["size"] == 6
    assert notices == ["s='5': sizes are even; using size 6."]


def test_replaced_is_a_value_error_with_a_value():
    replaced = Replaced(3, "close enough.")
    assert isinstance(replaced, ValueError)
    assert replaced.value == 3 and str(replaced) == "close enough."


def test_bad_value_falls_back_to_the_default_given_earlier_values():
    values, notices = TABLE.from_query({"k": "dog", "n": "12"}, CONTEXT)
    assert values["count"] == 4
    assert notices == ["n='12': choose a whole number from 0 to 9; using 4."]


def test_notice_names_key_value_reason_and_fallback_in_the_settings_text():
    _, notices = TABLE.from_query({"r": "2"}, CONTEXT)
    # The fallback is written with the setting's text (shortest): "0.5".
    assert notices == ["r='2': choose a number from 0 to 1; using 0.5."]


def test_notice_strips_the_reason_s_full_stop():
    table = SettingsTable((Setting("a", "a", "x", choice(("x",), "x, please.")),))
    assert table.from_query({"a": "y"})[1] == ["a='y': choose x, please; using x."]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a" * NOTICE_TEXT_LENGTH, "a" * NOTICE_TEXT_LENGTH),
        ("a" * (NOTICE_TEXT_LENGTH + 1), "a" * NOTICE_TEXT_LENGTH + "…"),
        ("9" * 5000, "9" * NOTICE_TEXT_LENGTH + "…"),
        ("x", "x"),
    ],
)
def test_notice_quotes_at_most_twenty_characters(raw, shown):
    _, notices = TABLE.from_query({"k": raw}, CONTEXT)
    assert notices == [f"k={shown!r}: choose cat or dog; using cat."]


def test_every_notice_is_counted_in_order():
    _, notices = TABLE.from_query({"k": "cow", "n": "x", "s": "3", "r": "nan"}, CONTEXT)
    assert [n.split("=")[0] for n in notices] == ["k", "n", "s", "r"]


def test_to_query_leaves_out_defaults_including_dependent_ones():
    assert TABLE.to_query(TABLE.defaults(CONTEXT)) == {}
    # 4 is the default count of a dog: left out.
    assert TABLE.to_query({"kind": "dog", "count": 4, "size": 2, "rate": 0.5}) == {"k": "dog"}
    # ... but not of a cat.
    assert TABLE.to_query({"kind": "cat", "count": 4, "size": 2, "rate": 0.5}) == {"n": "4"}
    assert TABLE.to_query({"kind": "cat", "count": 3, "size": 2, "rate": 0.1}) == {"r": "0.1"}


def test_to_query_reads_back():
    values = {"kind": "dog", "count": 0, "size": 10, "rate": 1e-5}
    query = TABLE.to_query(values)
    assert query == {"k": "dog", "n": "0", "s": "10", "r": "1e-05"}
    assert TABLE.from_query(query, CONTEXT) == (values, [])


def test_default_for_calls_a_callable_default():
    setting = TABLE.by_name["count"]
    assert setting.default_for({"kind": "dog"}) == 4
    assert TABLE.by_name["size"].default_for({}) == 2


def test_apply_to_state_prefixes_names_and_copies_notices():
    state = {"other": 1}
    notices = ["n='x': nope; using 3."]
    apply_to_state(state, "ab", {"kind": "cat", "count": 3}, notices)
    assert state == {"other": 1, "ab.kind": "cat", "ab.count": 3, "ab.notices": notices}
    notices.append("later")
    assert state["ab.notices"] == ["n='x': nope; using 3."]
    apply_to_state(state, "ab", {}, [])
    assert state["ab.notices"] == []


# --- parsers ----------------------------------------------------------------------------


def test_choice_accepts_exactly_the_options():
    parse = choice(("float16", "float32", "float64"))
    assert parse("float32", {}) == "float32"
    for bad in ("Float32", " float32", "float", ""):
        with pytest.raises(ValueError, match=r"^choose one of float16, float32, float64$"):
            parse(bad, {})
    with pytest.raises(ValueError, match=r"^choose on or off$"):
        choice(("on", "off"))("maybe", {})
    with pytest.raises(ValueError, match=r"^choose a colour$"):
        choice(("red", "blue"), "a colour")("green", {})


@pytest.mark.parametrize(
    ("text", "expected"), [("0", 0), ("7", 7), (" 7 ", 7), ("+3", 3), ("-0", 0), ("10", 10)]
)
def test_integer_reads_whole_numbers(text, expected):
    value = integer(0, 10)(text, {})
    assert value == expected and type(value) is int


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "+",
        "-",
        "11",
        "-1",
        "1.0",
        "1e1",
        "0x1",
        "1_0",
        "²",
        "①",
        "٣",  # ARABIC-INDIC DIGIT THREE: isdigit and int() accept it
        "３",  # FULLWIDTH DIGIT THREE
        "9" * 4301,
        "0" * 5000,
        "- 1",
    ],
)
def test_integer_refuses_everything_else_with_the_range(text):
    with pytest.raises(ValueError, match=r"^choose a whole number from 0 to 10$"):
        integer(0, 10)(text, {})


def test_integer_writes_large_bounds_with_separators_and_negative_ranges():
    with pytest.raises(ValueError, match=r"^choose a whole number from 1 to 4,096$"):
        integer(1, 4096)("0", {})
    assert integer(-5, 5)("-5", {}) == -5
    with pytest.raises(ValueError, match="from -5 to 5"):
        integer(-5, 5)("-6", {})
    assert integer(0, 2**31 - 1)(str(2**31 - 1), {}) == 2**31 - 1


@given(st.integers(-1000, 1000))
def test_integer_reads_its_own_text(n):
    parse = integer(-500, 500)
    if -500 <= n <= 500:
        assert parse(str(n), {}) == n
    else:
        with pytest.raises(ValueError):
            parse(str(n), {})


@given(st.text())
def test_integer_only_raises_value_error(text):
    try:
        value = integer(0, 100)(text, {})
    except ValueError as error:
        assert str(error) == "choose a whole number from 0 to 100"
    else:
        assert 0 <= value <= 100 and value == int(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("0.5", 0.5), ("1", 1.0), ("0", 0.0), ("1e-1", 0.1)]
)
def test_real_reads_numbers_in_range(text, expected):
    assert real(0.0, 1.0)(text, {}) == expected


@pytest.mark.parametrize(
    "text", ["nan", "inf", "-inf", "1.5", "-0.1", "abc", "", "1e999", "0." + "0" * 70 + "1", "²"]
)
def test_real_refuses_non_finite_out_of_range_and_long_text(text):
    with pytest.raises(ValueError, match=r"^choose a number from 0 to 1$"):
        real(0.0, 1.0)(text, {})


@given(st.text())
def test_real_only_raises_value_error(text):
    try:
        value = real(1e-5, 10.0)(text, {})
    except ValueError as error:
        assert str(error) == "choose a number from 1e-05 to 10"
    else:
        assert math.isfinite(value) and 1e-5 <= value <= 10.0


def test_nearest_choice_by_difference():
    parse = nearest_choice(integer(1, 100), (8, 16, 32))
    assert parse("16", {}) == 16
    with pytest.raises(Replaced) as replaced:
        parse("30", {})
    assert replaced.value.value == 32 and str(replaced.value) == "not one of the page's choices"
    with pytest.raises(Replaced) as replaced:
        parse("1", {})
    assert replaced.value.value == 8
    with pytest.raises(ValueError, match="whole number") as refused:
        parse("x", {})
    assert not isinstance(refused.value, Replaced)


def test_nearest_choice_by_ratio():
    options = (1e-3, 1e-2, 1e-1)
    by_ratio = nearest_choice(real(1e-6, 1.0), options, log=True)
    by_difference = nearest_choice(real(1e-6, 1.0), options)
    # 4e-3 is 4x from 1e-3 and 2.5x from 1e-2 (ratio); 3e-3 from 1e-3 by difference.
    with pytest.raises(Replaced) as replaced:
        by_ratio("4e-3", {})
    assert replaced.value.value == 1e-2
    with pytest.raises(Replaced) as replaced:
        by_ratio("2e-3", {})
    assert replaced.value.value == 1e-3
    with pytest.raises(Replaced) as replaced:
        by_difference("0.04", {})
    assert replaced.value.value == 1e-2
    assert by_ratio("0.1", {}) == 0.1


@given(st.floats(1e-5, 10.0))
def test_nearest_choice_gives_an_option(value):
    options = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    parse = nearest_choice(real(1e-5, 10.0), options, log=True)
    try:
        result = parse(repr(value), {})
    except Replaced as replaced:
        result = replaced.value
        best = min(abs(math.log(o / value)) for o in options)
        assert math.isclose(abs(math.log(result / value)), best)
    assert result in options


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (2, "2"),
        (0.1, "0.1"),
        (1e-05, "1e-05"),
        (1e16, "1e+16"),
        (-3.0, "-3"),
        (-0.0, "-0"),
        (1000.0, "1000"),
        (float("inf"), "inf"),
    ],
)
def test_shortest(value, text):
    assert shortest(value) == text


@given(st.floats(allow_nan=False))
def test_shortest_reads_back(value):
    text = shortest(value)
    assert float(text) == value
    assert not text.endswith(".0")


# --- every page's table, from any link ------------------------------------------------

AVAILABLE = ["default", "C · from logits · uci-digits · job-1", "uploaded ①"]

PAGES = {
    "softmax": (SOFTMAX, None),
    "floats": (FLOATS, None),
    "training": (TRAINING, None),
    "draw": (DRAW, {"available": AVAILABLE}),
}

long_text = st.builds(
    lambda head, digit, n: head + digit * n,
    st.sampled_from(["", "-", "+", "0.", "1e", "1,", " "]),
    st.sampled_from(["9", "1", "0", "²", "①", ","]),
    st.integers(4000, 6000),
)
tricky = st.sampled_from(
    [
        "²",
        "①",
        "٣",
        "３",
        "\u202e1",  # RIGHT-TO-LEFT OVERRIDE
        "שלום",
        "🙂",
        "1e999",
        "nan",
        "-inf",
        "0x10",
        "1_000",
        "\x00",
        "9" * 4301,
        *AVAILABLE,
    ]
)
raw_value = st.one_of(st.text(), tricky, long_text)
param_value = st.one_of(raw_value, st.lists(raw_value, max_size=3))


def any_query(table: SettingsTable):
    keys = st.sampled_from([*table.keys, "unknown", ""])
    return st.dictionaries(keys, param_value, max_size=len(table.keys) + 2)


def check_query(table, context, params):
    values, notices = table.from_query(params, context)
    assert set(values) == set(table.by_name)
    for notice in notices:
        key = notice.partition("=")[0]
        raw = params[key][-1] if isinstance(params[key], list) else params[key]
        shown = raw if len(raw) <= NOTICE_TEXT_LENGTH else raw[:NOTICE_TEXT_LENGTH] + "…"
        assert notice.startswith(f"{key}={shown!r}: ")
        reason = notice.removeprefix(f"{key}={shown!r}: ")
        assert "; using " in reason and reason.endswith(".")
    # What was read writes back to a link that reads to the same values, silently.
    query = table.to_query(values)
    assert set(query) <= set(table.keys)
    assert table.from_query(query, context) == (values, [])
    return values


@pytest.mark.parametrize("page", PAGES)
@given(data=st.data())
def test_any_link_gives_valid_values_that_round_trip(page, data):
    table, context = PAGES[page]
    check_query(table, context, data.draw(any_query(table)))


@pytest.mark.parametrize("page", PAGES)
@given(st.data())
def test_long_values_never_raise(page, data):
    table, context = PAGES[page]
    params = {key: data.draw(long_text) for key in table.keys}
    _, notices = table.from_query(params, context)
    assert len(notices) == len(table.keys)
    assert all("…': " in notice for notice in notices)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_defaults_read_back_with_no_link(page):
    table, context = PAGES[page]
    assert table.to_query(table.defaults(context)) == {}
    assert table.from_query({}, context) == (table.defaults(context), [])


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"y": "²"}, "y='²': choose a true class from 0 to 2; using 0."),
        ({"y": "①"}, "y='①': choose a true class from 0 to 2; using 0."),
        ({"y": "9" * 4301}, f"y='{'9' * 20}…': choose a true class from 0 to 2; using 0."),
        ({"mode": "binary", "y": "²"}, "y='²': choose a label from 0 to 1; using 0."),
    ],
)
def test_softmax_unicode_digits_and_huge_classes_fall_back_to_zero(params, notice):
    # These crashed the page: str.isdigit accepts '²' and '①' that int() refuses, and
    # int() refuses more than 4,300 digits.
    values, notices = SOFTMAX.from_query(params)
    assert values["y"] == 0
    assert notices == [notice]


def test_softmax_page_settings_read_back():
    values = {"mode": "multi", "z": (1000.0, 999.0, 1e-5), "y": 2, "dtype": "float16"}
    values.update(temperature=0.5, labels=(), names=())
    query = SOFTMAX.to_query(values)
    assert query == {"z": "1000,999,1e-05", "y": "2", "dtype": "float16", "T": "0.5"}
    assert SOFTMAX.from_query(query) == (values, [])
    binary = {"mode": "binary", "z": (3.0,), "y": 1, "dtype": "float32", "temperature": 1.0}
    assert SOFTMAX.to_query({**binary, "labels": (), "names": ()}) == {"mode": "binary", "y": "1"}
    multilabel = {**binary, "mode": "multilabel", "z": (2.0, -1.0, 0.5), "y": 0}
    multilabel.update(labels=(1, 0, 1), names=("car", "bus", "pedestrian"))
    query = {"mode": "multilabel", "z": "2,-1,0.5", "labels": "1,0,1"}
    assert SOFTMAX.to_query(multilabel) == query
    assert SOFTMAX.from_query(query) == (multilabel, [])


def test_training_settings_snap_to_the_page_s_choices():
    values, notices = TRAINING.from_query({"lr": "0.002", "batch": "40", "variant": "c, a, c"})
    assert values["learning_rate"] == 3e-3 and values["batch_size"] == 32
    assert values["variants"] == ("C", "A")
    assert notices == [
        "lr='0.002': not one of the page's choices; using 0.003.",
        "batch='40': not one of the page's choices; using 32.",
    ]
    query = TRAINING.to_query(values)
    assert query == {"variant": "C,A", "lr": "0.003"}


def test_floats_settings_keep_canonical_text_and_check_the_format():
    values, notices = FLOATS.from_query({"x": " 1e400 ", "dtype": "float16"})
    assert values == {"dtype": "float16", "x": "1e400"} and notices == []
    values, notices = FLOATS.from_query({"x": "abc", "dtype": "float8"})
    assert values == {"dtype": "float64", "x": "0.1"}
    assert notices[0].startswith("dtype='float8': choose one of float16, bfloat16")
    assert notices[1].startswith("x='abc': ") and notices[1].endswith("; using 0.1.")


def test_complete_fills_what_is_missing_with_defaults_that_follow_the_given_values():
    assert TABLE.complete({"kind": "dog"}, CONTEXT) == {
        "kind": "dog",
        "count": 4,
        "size": 2,
        "rate": 0.5,
    }
    assert TABLE.complete({"count": 7, "rate": 0.25}) == {
        "kind": "cat",
        "count": 7,
        "size": 2,
        "rate": 0.25,
    }
    assert TABLE.complete({}, CONTEXT) == TABLE.defaults(CONTEXT)


def test_complete_multilabel_names_follow_the_number_of_logits():
    values = SOFTMAX.complete({"mode": "multilabel", "z": (1.0, 2.0, 3.0, 4.0)})
    assert len(values["names"]) == len(values["labels"]) == 4
    assert SOFTMAX.to_query(values) == {"mode": "multilabel", "z": "1,2,3,4"}


@given(st.text(max_size=60), st.text(max_size=60))
def test_notice_quotes_at_most_the_limit_and_names_the_fallback(raw, reason):
    text = settings_notice("q", raw, reason + ".", "question 'x'")
    shown = raw if len(raw) <= NOTICE_TEXT_LENGTH else raw[:NOTICE_TEXT_LENGTH] + "…"
    assert text.startswith(f"q={shown!r}: ")
    assert text.endswith("; using question 'x'.")
