"""Tests of core.floats.lesson: the round-off page's URL state, ladders, number line and presets."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.floats import bits as fl
from core.floats import lesson as roundoff
from core.floats.cancellation import (
    GALLERY,
    cancellation_sweep,
    course_example,
    evaluate_gallery_entry,
)
from core.floats.settings import SETTINGS
from core.numerics.formats import FORMAT_NAMES, round_to_format
from core.numerics.limits import format_limits
from core.numerics.text import format_value, value_text
from core.softmax.settings import SETTINGS as SOFTMAX_SETTINGS

DTYPES = {
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
}


def test_query_defaults():
    assert SETTINGS.from_query({}) == ({"dtype": "float64", "x": "0.1"}, [])
    assert SETTINGS.to_query(SETTINGS.defaults()) == {}


@pytest.mark.parametrize(
    ("params", "x", "dtype"),
    [
        ({"x": "65504", "dtype": "float16"}, "65504", "float16"),
        ({"x": " 1/3 "}, "1/3", "float64"),
        ({"x": "1e999"}, "1e999", "float64"),  # usable: it rounds to inf
        ({"x": "-0", "dtype": "bfloat16"}, "-0", "bfloat16"),
        ({"x": ["7", "8"], "dtype": ["float16", "float32"]}, "8", "float32"),
    ],
)
def test_query_values(params, x, dtype):
    assert SETTINGS.from_query(params) == ({"dtype": dtype, "x": x}, [])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"x": "abc"}, "x='abc': 'abc' is not a number"),
        ({"x": ""}, "x='': Type a number"),
        ({"x": "9" * 1000}, "1000 characters long"),
        ({"x": "1/0"}, "divides by zero"),
        ({"x": []}, None),
        ({"dtype": "float8"}, "dtype='float8': choose one of float16, bfloat16, float32, float64"),
        ({"dtype": "f" * 50}, "dtype='ffffffffffffffffffff…': choose one of"),
    ],
)
def test_bad_query_values_fall_back_with_a_notice(params, fragment):
    values, notices = SETTINGS.from_query(params)
    assert values == {"dtype": "float64", "x": "0.1"}
    if fragment is None:
        assert notices == []
    else:
        (notice,) = notices
        assert fragment in notice
        assert notice.endswith(("using 0.1.", "using float64."))


@given(
    st.sampled_from(FORMAT_NAMES),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_query_round_trip(dtype, x):
    values = {"dtype": dtype, "x": format_value(x, dtype)}
    assert SETTINGS.from_query(SETTINGS.to_query(values)) == (values, [])


@given(st.text(max_size=200), st.text(max_size=30))
def test_query_never_raises(x, dtype):
    values, _ = SETTINGS.from_query({"x": x, "dtype": dtype})
    assert values["dtype"] in FORMAT_NAMES
    fl.parse_value(values["x"], values["dtype"])


def test_log_ladder():
    assert roundoff.log_ladder(1e-12, 1e-10) == (1e-12, 2e-12, 5e-12, 1e-11, 2e-11, 5e-11, 1e-10)
    assert roundoff.log_ladder(3, 40) == (5.0, 10.0, 20.0)
    assert roundoff.log_ladder(0.5, 10, integer=True) == (1.0, 2.0, 5.0, 10.0)
    ladder = roundoff.log_ladder(1e-20, 1e3)
    assert ladder[0] == 1e-20 and ladder[-1] == 1e3
    assert list(ladder) == sorted(set(ladder))
    assert all(float(repr(v)) == v and len(repr(v)) <= 6 for v in ladder)


@pytest.mark.parametrize(("low", "high"), [(0, 1), (-1, 1), (2, 1)])
def test_log_ladder_rejects_bad_ends(low, high):
    with pytest.raises(ValueError, match="0 < low <= high"):
        roundoff.log_ladder(low, high)


def test_ladder_labels_are_cached_and_short():
    labels = roundoff.ladder_labels(1.0, 1e6, True)
    assert labels is roundoff.ladder_labels(1.0, 1e6, True)
    assert labels[10.0] == "10" and labels[1e6] == "1e+6" and labels[2e-0] == "2"
    assert list(labels) == list(roundoff.log_ladder(1.0, 1e6, True))


def test_every_gallery_default_is_on_its_ladder():
    for entry in GALLERY:
        if entry.log_scale:
            ladder = roundoff.log_ladder(entry.input_min, entry.input_max, entry.integer_input)
            assert entry.default_input in ladder
            assert entry.input_min <= ladder[0] and ladder[-1] <= entry.input_max


@pytest.mark.parametrize(
    ("value", "name", "text"),
    [
        (65504, "float16", "65504"),  # not float16's shortest "65500"
        (65472, "float16", "65472"),
        (0.1, "float64", "0.1"),
        (0.1, "float16", "0.1"),
        (1e16, "float64", "1e+16"),
        (float("inf"), "float32", "inf"),
        (float("-inf"), "bfloat16", "-inf"),
        (float("nan"), "float64", "nan"),
        (-0.0, "float16", "-0"),
        (3.0, "bfloat16", "3"),
    ],
)
def test_value_text(value, name, text):
    assert value_text(value, name) == text


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_a_negative_nan_keeps_its_sign_through_its_text(name):
    negative = fl.parse_value("-nan", name).value
    assert np.isnan(negative) and np.signbit(negative)
    assert value_text(negative, name) == "-nan"
    again = fl.parse_value(value_text(negative, name), name).value
    assert np.signbit(again)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_number_line_centres(name):
    centres = roundoff.number_line_centres(name)
    limits = format_limits(name)
    assert centres[0] == 0.0
    assert all(limits.smallest_normal <= c <= limits.largest for c in centres[1:])
    assert all(math.log10(c).is_integer() for c in centres[1:])
    assert 1.0 in centres


def test_number_line_centres_per_format():
    assert roundoff.number_line_centres("float16") == (
        0.0,
        1e-4,
        1e-3,
        1e-2,
        0.1,
        1.0,
        10.0,
        100.0,
        1000.0,
        10000.0,
    )
    assert roundoff.number_line_centres("float64")[-1] == 1e16


@pytest.mark.parametrize("name", FORMAT_NAMES)
@pytest.mark.parametrize("centre", [0.0, 1.0, 0.1, 1000.0, 65504.0, -3.0, 6e-8])
def test_number_line_matches_nextafter(name, centre):
    line = roundoff.number_line(centre, name, count=3)
    dtype = DTYPES[name]
    stored = dtype.type(centre)
    assert line.centre == float(round_to_format(centre, name))
    assert line.centre in line.values
    assert np.all(np.diff(line.values) > 0)
    assert np.array_equal(line.offsets, line.values - line.centre)
    assert np.array_equal(line.gaps, np.diff(line.values))
    if name != "bfloat16":  # numpy's nextafter has no bfloat16 loop
        with np.errstate(over="ignore"):  # above 65504 comes float16's inf
            up = np.nextafter(stored, dtype.type(np.inf))
        index = int(np.flatnonzero(line.values == line.centre)[0])
        if index + 1 < line.values.size:
            assert line.values[index + 1] == float(up)
    assert line.labels == [value_text(v, name) for v in line.values]
    assert line.gap_labels == [format_value(g, "float64") for g in line.gaps]


def test_number_line_gaps_double_at_a_power_of_two():
    line = roundoff.number_line(1.0, "float32")
    assert list(line.gaps) == [2.0**-24] * 4 + [2.0**-23] * 4
    assert line.labels[4] == "1"


@pytest.mark.parametrize("centre", [float("inf"), float("nan"), 1e9])
def test_number_line_needs_a_finite_centre(centre):
    with pytest.raises(ValueError, match="finite center"):
        roundoff.number_line(centre, "float16")  # 1e9 overflows float16


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_gap_staircase_is_numpy_spacing(name):
    magnitudes, gaps = roundoff.gap_staircase(name)
    dtype = DTYPES[name]
    for magnitude, gap in zip(magnitudes[:-1], gaps[:-1], strict=True):
        assert gap == float(np.spacing(dtype.type(magnitude)))
    assert magnitudes[-1] == min(1e16, format_limits(name).largest)
    assert gaps[-1] == gaps[-2]
    assert np.all(np.diff(magnitudes) > 0)


def test_gap_staircase_bfloat16_is_float32_spacing_times_2_to_16():
    magnitudes, gaps = roundoff.gap_staircase("bfloat16")
    spacing = np.spacing(magnitudes[:-1].astype(np.float32)).astype(np.float64)
    assert np.array_equal(gaps[:-1], spacing * 2**16)


def test_gap_staircase_is_flat_among_the_float16_subnormals():
    magnitudes, gaps = roundoff.gap_staircase("float16", 1e-8, 1e-4)
    subnormal = magnitudes < format_limits("float16").smallest_normal
    assert np.all(gaps[subnormal] == 2.0**-24)


def test_every_kind_is_explained():
    kinds = {fl.dissect(v, "float32").kind for v in (1.0, 1e-40, 0.0, -0.0, np.inf, -np.inf)}
    kinds.add(fl.dissect(float("nan"), "float32").kind)
    assert kinds == set(roundoff.KIND_EXPLANATIONS)
    assert all(name and text.endswith(".") for name, text in roundoff.KIND_EXPLANATIONS.values())


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_overflow_presets_cross_log_max(name):
    preset = roundoff.OVERFLOW_PRESETS[name]
    assert preset.format_name == name
    assert max(preset.logits) > format_limits(name).log_largest
    assert max(preset.logits) > format_limits(preset.softmax_dtype).log_largest
    # The link must open the softmax page as it is, with no notice.
    values, notices = SOFTMAX_SETTINGS.from_query(preset.query)
    assert notices == []
    assert values["z"] == preset.logits and values["dtype"] == preset.softmax_dtype


def test_overflow_preset_queries():
    assert roundoff.OVERFLOW_PRESETS["float16"].query == {"z": "12,0,-12", "dtype": "float16"}
    assert roundoff.OVERFLOW_PRESETS["float64"].query == {
        "z": "1000,999,998",
        "dtype": "float64",
    }


def test_cached_sweep_and_gallery_equal_the_engine():
    for name in FORMAT_NAMES:
        cached = roundoff.sweep(name)
        assert cached is roundoff.sweep(name)
        fresh = cancellation_sweep(format_name=name)
        assert [r.relative_error for r in cached] == [r.relative_error for r in fresh]
    result = roundoff.gallery_result("log1p", 1e-12)
    assert result is roundoff.gallery_result("log1p", 1e-12)
    assert result == evaluate_gallery_entry("log1p", 1e-12)
    with pytest.raises(ValueError, match="between"):
        roundoff.gallery_result("log1p", 1e9)


def test_course_code_prints_18_decimals():
    x1, x2 = course_example()
    assert roundoff.course_code(x2) == (
        f'>>> x2 = {x2.expression}\n>>> print(f"{{x2:.18f}}")\n{x2.printed}'
    )
    assert "(1 + 1/10000) - (1 - 1/10000)" in roundoff.course_code(x2)
    assert roundoff.course_code(x1).endswith("0.000200000000000000")


def test_overflow_links():
    links = dict(roundoff.overflow_links())
    assert list(links) == [
        "float16: logits 12, 0, -12 cross 11.09",
        "bfloat16: logits 1000, 999, 998 cross 88.72 (in float32: same exponent range)",
        "float32: logits 1000, 999, 998 cross 88.72",
        "float64: logits 1000, 999, 998 cross 709.78",
    ]
    for (label, query), name in zip(roundoff.overflow_links(), FORMAT_NAMES, strict=True):
        assert label.startswith(f"{name}: ")
        assert query == roundoff.OVERFLOW_PRESETS[name].query
