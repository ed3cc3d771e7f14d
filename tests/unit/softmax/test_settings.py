"""Parsing what students type and what URLs carry: clear messages, never a crash."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.softmax import settings as inputs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000, 999, 998", [1000.0, 999.0, 998.0]),
        ("2 1 0.1", [2.0, 1.0, 0.1]),
        ("[1.5; -2e3]", [1.5, -2000.0]),
        ("  -1, +1 ", [-1.0, 1.0]),
    ],
)
def test_parse_logit_list(text, expected):
    assert inputs.parse_logit_list(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not a number"),
        ("1, abc", "'abc' is not a number"),
        ("1e999, 1", "overflows float64"),
        ("nan, 1", "nan"),
        ("inf, 1", "finite"),
        (", ,", "type 2 to 10 numbers"),
        ("", "type 2 to 10 numbers"),
        ("5", "at least 2"),
        ("1," * 11, "11 logits"),
        (", ".join(["1"] * 10_000), "characters"),
    ],
)
def test_parse_logit_list_errors(text, message):
    with pytest.raises(ValueError, match=message):
        inputs.parse_logit_list(text)


@given(st.text(max_size=500))
def test_parse_logit_list_only_raises_value_error(text):
    try:
        values = inputs.parse_logit_list(text)
    except ValueError as error:
        assert str(error)
    else:
        assert 2 <= len(values) <= 10


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2, max_size=10))
def test_format_logit_list_reads_back(values):
    assert inputs.parse_logit_list(inputs.format_logit_list(values)) == values


def read(params):
    values, notices = inputs.SETTINGS.from_query(params)
    return inputs.SoftmaxSettings(**values), notices


def query(settings: inputs.SoftmaxSettings) -> dict[str, str]:
    return inputs.SETTINGS.to_query({n: getattr(settings, n) for n in inputs.SETTINGS.by_name})


def test_query_defaults_and_round_trip():
    settings, notices = read({})
    assert settings == inputs.SoftmaxSettings()
    assert notices == []
    assert query(settings) == {}
    custom = inputs.SoftmaxSettings(z=(1000.0, 999.0, 998.0), y=2, dtype="float16", temperature=2.5)
    assert query(custom) == {"z": "1000,999,998", "y": "2", "dtype": "float16", "T": "2.5"}
    assert read(query(custom)) == (custom, [])


def test_binary_query():
    settings, _ = read({"mode": "binary", "z": "40", "y": "1"})
    assert settings.z == (40.0,) and settings.y == 1 and settings.mode == "binary"
    assert read(query(settings)) == (settings, [])
    bad, notices = read({"mode": "binary", "y": "2"})
    assert bad.y == 0 and "label" in notices[0]


@pytest.mark.parametrize(
    ("params", "field", "default", "fragment"),
    [
        ({"z": "abc"}, "z", (2.0, 1.0, 0.1), "not a number"),
        ({"z": "1e999,1"}, "z", (2.0, 1.0, 0.1), "overflows"),
        ({"z": ",".join(["1"] * 10_000)}, "z", (2.0, 1.0, 0.1), "characters"),
        ({"y": "7"}, "y", 0, "true class"),
        ({"y": "-1"}, "y", 0, "true class"),
        ({"y": "x"}, "y", 0, "true class"),
        ({"dtype": "float128"}, "dtype", "float32", "float128"),
        ({"T": "0"}, "temperature", 1.0, "positive"),
        ({"T": "-3"}, "temperature", 1.0, "positive"),
        ({"T": "nan"}, "temperature", 1.0, "nan"),
        ({"T": "1e9"}, "temperature", 1.0, "outside"),
        ({"mode": "ternary"}, "mode", "multi", "multi, binary or multilabel"),
    ],
)
def test_bad_query_values_fall_back_with_a_notice(params, field, default, fragment):
    settings, notices = read(params)
    assert getattr(settings, field) == default
    assert len(notices) == 1
    assert fragment in notices[0]


def test_repeated_query_values_use_the_last():
    assert read({"dtype": ["float16", "float64"]})[0].dtype == "float64"


@given(st.dictionaries(st.sampled_from(["z", "y", "dtype", "T", "mode", "x"]), st.text()))
def test_any_query_gives_valid_settings(params):
    settings, _ = read(params)
    n = 2 if settings.mode == "binary" else len(settings.z)
    assert 0 <= settings.y < n
    assert inputs.TEMPERATURE_MIN <= settings.temperature <= inputs.TEMPERATURE_MAX


def test_presets():
    keys = [p.key for p in inputs.PRESETS]
    assert keys == ["textbook", "overflow", "underflow", "float16", "confident-wrong"]
    assert inputs.preset_by_key("float16").settings.dtype == "float16"
    assert inputs.preset_by_key("overflow").settings.z == (1000.0, 999.0, 998.0)
    with pytest.raises(KeyError):
        inputs.preset_by_key("nope")
