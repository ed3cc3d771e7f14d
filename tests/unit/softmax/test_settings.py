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


def test_multilabel_link_opens_with_its_values_and_no_notice():
    params = {"mode": "multilabel", "z": "2,-1,0.5", "labels": "1,0,1"}
    settings, notices = read(params)
    assert notices == []
    assert settings.z == (2.0, -1.0, 0.5) and settings.labels == (1, 0, 1)
    assert settings.names == ("car", "bus", "pedestrian")
    assert query(settings) == params  # default names are left out
    named = {**params, "names": "cat,dog,traffic light"}
    assert query(read(named)[0]) == named and read(named)[1] == []


def test_multilabel_defaults():
    settings, notices = read({"mode": "multilabel"})
    assert notices == [] and settings.z == inputs.DEFAULT_MULTILABEL_LOGITS
    assert settings.labels == (1, 0, 0) and settings.names == ("car", "bus", "pedestrian")
    assert query(settings) == {"mode": "multilabel"}


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"labels": "2,x,1"}, "labels", "one 0 or 1 per logit"),
        ({"labels": "1,0"}, "labels", "give 3 labels"),
        ({"labels": "1,0,1,1"}, "labels", "give 3 labels"),
        ({"labels": ",".join(["1"] * 5_000)}, "labels", "characters"),
        ({"labels": "١,0,1"}, "labels", "one 0 or 1"),  # an Arabic-Indic one
        ({"labels": "¹,0,1"}, "labels", "one 0 or 1"),
        ({"labels": "01,0,1"}, "labels", "one 0 or 1"),
        ({"names": "a,b"}, "names", "give 3 names"),
        ({"names": "a,,c"}, "names", "empty"),
        ({"names": "a,a,c"}, "names", "each name once"),
        ({"names": "a,b," + "c" * 30}, "names", "printable"),
        ({"names": "a,b,c\x07"}, "names", "printable"),
        ({"names": "x" * 10_000}, "names", "characters"),
        ({"z": "1e6,0,1"}, "z", "±100,000"),
    ],
)
def test_bad_multilabel_values_fall_back_with_a_notice(params, field, fragment):
    settings, notices = read({"mode": "multilabel", **params})
    assert len(notices) == 1 and fragment in notices[0], notices
    fallback, _ = read({"mode": "multilabel"})
    assert getattr(settings, field) == getattr(fallback, field)


@pytest.mark.parametrize("mode", ["multi", "binary"])
def test_labels_and_names_belong_to_multilabel_mode(mode):
    settings, notices = read({"mode": mode, "labels": "1,0,1", "names": "a,b,c"})
    assert settings.labels == () and settings.names == ()
    assert len(notices) == 2 and "belong to mode=multilabel" in notices[0]


@given(
    st.lists(st.integers(0, 1), min_size=2, max_size=10),
    st.data(),
)
def test_multilabel_settings_round_trip(labels, data):
    n = len(labels)
    z = data.draw(st.lists(st.floats(-1e5, 1e5, allow_nan=False), min_size=n, max_size=n))
    names = data.draw(
        st.lists(
            st.text(
                st.characters(blacklist_characters=",", blacklist_categories=("C", "Z")),
                min_size=1,
                max_size=24,
            ),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    settings = inputs.SoftmaxSettings(
        z=tuple(z), mode="multilabel", labels=tuple(labels), names=tuple(names)
    )
    assert read(query(settings)) == (settings, [])


@given(st.dictionaries(st.sampled_from(["z", "labels", "names", "mode", "dtype"]), st.text()))
def test_any_multilabel_query_gives_valid_settings(params):
    settings, _ = read({"mode": "multilabel", **{k: v for k, v in params.items() if k != "mode"}})
    n = len(settings.z)
    assert len(settings.labels) == len(settings.names) == n
    assert set(settings.labels) <= {0, 1}
