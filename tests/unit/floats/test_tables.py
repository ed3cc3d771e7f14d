"""Tests of core.floats.tables: the round-off page's tables as text, against the engine."""

from __future__ import annotations

import math

import pytest

from core.charts import BROKEN_MARK
from core.floats import bits as fl
from core.floats import lesson as roundoff
from core.floats import tables
from core.floats.cancellation import (
    GALLERY,
    SWEEP_NS,
    course_example,
    evaluate_gallery_entry,
    gallery_entry,
)
from core.numerics.exact import to_exact
from core.numerics.formats import FORMAT_NAMES
from core.numerics.limits import all_format_limits
from core.numerics.text import format_error, format_exact, format_float, format_value

GALLERY_DEFAULTS = {entry.key: entry.default_input for entry in GALLERY}


def plain(columns: dict[str, list[str]]) -> None:
    """Every column is as long as the first, and no cell is HTML."""
    lengths = {len(cells) for cells in columns.values()}
    assert len(lengths) == 1
    assert not any("<" in cell for cells in columns.values() for cell in cells)


def test_course_errors_are_the_engines():
    x1, x2 = course_example()
    columns = tables.course_errors(x2)
    plain(columns)
    assert columns == {
        "error against 2/10000": ["absolute", "relative", "in ULPs"],
        "x2": ["2.2e-17", "1.1e-13", "813"],
    }
    assert tables.course_errors(x1)["x1"] == [
        format_error(x1.absolute_error),
        format_error(x1.relative_error),
        format_error(x1.ulp_error),
    ]


@pytest.mark.parametrize("n", SWEEP_NS)
def test_cancellation_columns_are_the_sweep(n):
    index = SWEEP_NS.index(n)
    rows = [roundoff.sweep(name)[index] for name in FORMAT_NAMES]
    columns = tables.cancellation_columns(rows)
    plain(columns)
    assert columns["format"] == list(FORMAT_NAMES)
    for i, row in enumerate(rows):
        assert columns["1 + 1/n"][i] == format_value(row.plus, row.format_name)
        assert columns["true 2/n"][i] == format_exact(row.exact)
        assert columns["relative error"][i] == format_error(row.relative_error)
        assert columns["error in ULPs"][i] == format_error(row.ulp_error)
        text = format_value(row.computed, row.format_name)
        flagged = text + BROKEN_MARK
        assert columns["difference"][i] == (flagged if row.computed == 0 else text)


def test_cancellation_flags_only_a_zero_difference():
    index = SWEEP_NS.index(10**15)
    columns = tables.cancellation_columns([roundoff.sweep(name)[index] for name in FORMAT_NAMES])
    assert columns["difference"] == ["0 ⚠", "0 ⚠", "0 ⚠", "2.1094237467877974e-15"]
    columns = tables.cancellation_columns([roundoff.sweep(name)[0] for name in FORMAT_NAMES])
    assert not any(cell.endswith(BROKEN_MARK) for cell in columns["difference"])


def test_details_of_point_one():
    bits = fl.dissect(0.1, "float64")
    columns = tables.details_columns(bits)
    plain(columns)
    assert columns[""] == list(tables.DETAILS_ROWS)
    assert len(tables.DETAILS_STYLES) == len(tables.DETAILS_ROWS)
    assert columns["float64"] == [
        "normal",
        "0.1 (not the exact value: see below)",
        "0.1000000000000000055511151231257827021181583404541015625",
        "`0x3FB999999999999A`",
        "0.09999999999999999",
        "0.10000000000000002",
        "1.3877787807814457e-17 · 1.3877787807814457e-17",
        "1.3877787807814457e-17",
    ]


def test_details_of_the_largest_float16():
    bits = fl.dissect(65504, "float16")
    column = tables.details_columns(bits)["float16"]
    # Issue 10, item 5: the shortest text 65500 is not the value; the exact one is beside it.
    assert column[1] == "65500 (exactly 65504)"
    assert column[2] == bits.exact_value == "65504"
    assert column[3] == f"`{bits.hex}`" == "`0x7BFF`"
    assert column[4:] == ["65472", "inf", "32 · inf", "32"]


@pytest.mark.parametrize(
    ("value", "name", "shortest"),
    [
        (65504, "bfloat16", "65500 (exactly 65536)"),
        (0.5, "float16", "0.5"),
        (1e22, "float64", "1e+22"),
        (1 / 3, "float32", "0.33333334 (not the exact value: see below)"),
        (1e-320, "float64", "1e-320 (not the exact value: see below)"),
    ],
)
def test_the_shortest_text_says_when_it_is_not_the_value(value, name, shortest):
    assert tables.details_columns(fl.dissect(value, name))[name][1] == shortest


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_details_without_gaps_show_a_dash(value):
    bits = fl.dissect(value, "float32")
    column = tables.details_columns(bits)["float32"]
    if bits.ulp is None:
        assert column[-1] == "—"
    if bits.gap_above is None:
        assert column[-2].endswith("· —")


def test_limits_show_8_digits_and_hover_17():
    columns, titles = tables.limits_columns()
    plain(columns)
    plain(titles)
    assert tables.limits_columns() is tables.limits_columns()  # cached
    assert list(columns) == ["", *FORMAT_NAMES]
    assert list(titles) == list(FORMAT_NAMES)
    for row in all_format_limits():
        exact = [row.epsilon, row.smallest_subnormal, row.smallest_normal, row.largest]
        exact.append(row.log_largest)
        shown, full = columns[row.name], titles[row.name]
        assert shown[0] == f"1 + {row.exponent_bits} + {row.fraction_bits} = {row.total_bits}"
        assert shown[1:6] == [format_exact(to_exact(v), 8) for v in exact]
        assert full[1:6] == [format_exact(to_exact(v)) for v in exact]
        assert shown[6] == f"about {row.decimal_digits:.1f}"
        assert full[0] == full[6] == ""
    assert columns["float64"][4] == "1.7976931e308"
    assert titles["float64"][4] == "1.7976931348623157e308"
    assert columns["float16"][4] == titles["float16"][4] == "65504"
    assert columns["float32"][5] == "88.722839"


def test_gallery_flag_threshold():
    assert tables.gallery_flagged(1.0, 0.0) == "1"
    assert tables.gallery_flagged(1.0, tables.GALLERY_FLAG) == "1"
    assert tables.gallery_flagged(1.0, 2 * tables.GALLERY_FLAG) == "1" + BROKEN_MARK
    assert tables.gallery_flagged(math.inf, None) == "inf" + BROKEN_MARK


def test_gallery_overview_at_the_defaults():
    columns = tables.gallery_overview_columns(GALLERY_DEFAULTS)
    plain(columns)
    assert columns["naive formula"] == [f"`{e.naive_formula}`" for e in GALLERY]
    assert columns["at"][0] == "x = 1e-12"
    assert "big number x = 1e+16" in columns["at"]
    for i, entry in enumerate(GALLERY):
        result = evaluate_gallery_entry(entry.key, entry.default_input)
        naive = tables.gallery_flagged(result.naive, result.naive_relative_error)
        assert columns["naive result"][i] == naive
        assert columns["stable result"][i] == format_float(result.stable)  # never flagged
        assert columns["naive rel. error"][i] == format_error(result.naive_relative_error)
        assert columns["stable rel. error"][i] == format_error(result.stable_relative_error)
    assert columns["naive result"][0] == "1.000088900581841e-12 ⚠"
    assert columns["naive result"][-1] == "inf ⚠"


def test_gallery_overview_uses_each_input():
    inputs = {**GALLERY_DEFAULTS, "log1p": 0.5, "sum_of_tenths": 1_000_000.0}
    columns = tables.gallery_overview_columns(inputs)
    assert columns["at"][0] == "x = 0.5"
    assert "number of additions n = 1e+6" in columns["at"]
    assert columns["naive result"][0] == "0.4054651081081644"


@pytest.mark.parametrize("entry", GALLERY, ids=lambda e: e.key)
def test_gallery_entry_columns_are_the_engines(entry):
    x = entry.default_input
    columns = tables.gallery_entry_columns(entry, x)
    plain(columns)
    result = evaluate_gallery_entry(entry.key, x)
    assert columns[""] == [
        f"naive `{entry.naive_formula}`",
        f"stable `{entry.stable_formula}`",
        "exact (mpmath, 60 digits)",
    ]
    assert len(tables.GALLERY_ENTRY_STYLES) == 3
    assert columns["result"] == [
        tables.gallery_flagged(result.naive, result.naive_relative_error),
        tables.gallery_flagged(result.stable, result.stable_relative_error),
        format_exact(result.exact),
    ]
    assert columns["relative error"][2] == columns["ULP error"][2] == ""
    assert columns["ULP error"][:2] == [
        format_error(result.naive_ulp_error),
        format_error(result.stable_ulp_error),
    ]


def test_logsumexp_entry_overflows_naively():
    columns = tables.gallery_entry_columns(gallery_entry("logsumexp"), 1000.0)
    assert columns["result"] == ["inf ⚠", "1000.4076059644444", "1000.4076059644444"]
    columns = tables.gallery_entry_columns(gallery_entry("logsumexp"), 700.0)
    assert not any(cell.endswith(BROKEN_MARK) for cell in columns["result"])
