"""Tests of core.softmax.formulas and core.softmax.table: the lesson's numbers as text."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.charts import BROKEN_MARK
from core.numerics.text import format_float
from core.softmax.formulas import (
    LINE_EM,
    TERMS_SHOWN,
    exp_sum,
    softmax_formulas,
    terms_shown,
    tex_number,
    tex_width,
)
from core.softmax.report import KerasComparison, softmax_report
from core.softmax.table import (
    COLUMN_VIEWS,
    VIEW_LABELS,
    flagged,
    keras_columns,
    per_class_columns,
)
from ui.layout import styled

E_EXPONENT = re.compile(r"[0-9.]e[-+0-9]|e[-+][0-9]")


@pytest.mark.parametrize(
    ("value", "tex"),
    [
        (7.801342e-5, r"7.801342 \times 10^{-5}"),
        (1e-05, "10^{-5}"),
        (np.float32(1e-5), "10^{-5}"),
        (-2.5e-7, r"-2.5 \times 10^{-7}"),
        (1e6, "10^{6}"),
        (1e300, "10^{300}"),
        (np.float32(3.4e38), r"3.4 \times 10^{38}"),
        (np.float16(6e-8), r"6 \times 10^{-8}"),
        (5e-324, r"5 \times 10^{-324}"),
        (100000.0, "100000"),
        (0.0001, "0.0001"),
        (0.5, "0.5"),
        (-3.0, "-3"),
        (0.0, "0"),
        (-0.0, "-0"),
        (math.inf, r"\text{inf}"),
        (-math.inf, r"\text{-inf}"),
        (math.nan, r"\text{nan}"),
        (np.float32("nan"), r"\text{nan}"),
    ],
)
def test_tex_number(value, tex):
    assert tex_number(value) == tex


def read_tex(tex: str) -> Decimal:
    """The number a LaTeX text of tex_number stands for."""
    match = re.fullmatch(r"(?:(-?[0-9.]+) \\times )?10\^\{(-?[0-9]+)\}", tex)
    if match is None:
        return Decimal(tex)
    mantissa, exponent = match.groups()
    return Decimal(mantissa or 1) * Decimal(10) ** int(exponent)


@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(width=32, allow_nan=False, allow_infinity=False).map(np.float32),
        st.floats(width=16, allow_nan=False, allow_infinity=False).map(np.float16),
    )
)
def test_tex_number_never_leaves_an_e_exponent_and_reads_back(value):
    tex = tex_number(value)
    assert E_EXPONENT.search(tex) is None
    assert "e" not in tex.replace(r"\times", "")
    number = read_tex(tex)
    assert type(value)(str(number)) == value
    assert number == Decimal(format_float(value))


def test_exp_sum_writes_the_first_terms():
    assert exp_sum([1.0, 2.0]) == "e^{1} + e^{2}"
    assert exp_sum(np.array([1e-5, 0.5, 3.0, 4.0])) == "e^{10^{-5}} + e^{0.5} + e^{3} + e^{4}"
    more = exp_sum(list(range(TERMS_SHOWN + 3)))
    assert more == r"e^{0} + e^{1} + e^{2} + e^{3} + \dots"


def test_softmax_formulas_of_ten_large_logits_in_float32():
    report = softmax_report([1000 - k for k in range(10)], 9, "float32")
    formulas = softmax_formulas(report)
    assert len(formulas) == 4
    for formula in formulas:
        assert "e-" not in formula and "e+" not in formula
        assert E_EXPONENT.search(formula) is None
    naive, stable, loss, from_logits = formulas
    assert naive == (
        r"p_9^{\text{naive}} = \frac{e^{991}}{e^{1000} + e^{999} + e^{998} + e^{997} + \dots}"
        r" = \text{nan}"
    )
    assert stable.startswith(r"p_9^{\text{stable}} = \frac{e^{991 - (1000)}}{e^{0} + e^{-1}")
    assert stable.endswith(r" = 7.801342 \times 10^{-5}")
    assert loss == r"L^{\text{naive}} = -\log p_9^{\text{naive}} = \text{nan}"
    # 31 ems on one line ran out of its box: the difference continues on a second line.
    assert from_logits == (
        r"\begin{aligned}L^{\text{from logits}} &= "
        r"\log\left(e^{0} + e^{-1} + e^{-2} + e^{-3} + \dots\right)"
        r" \\ &\quad - (991 - (1000)) = 9.45863\end{aligned}"
    )


def test_softmax_formulas_of_the_textbook_case():
    report = softmax_report([2.0, 1.0, 0.1], 0, "float64")
    naive, stable, loss, from_logits = softmax_formulas(report)
    p = format_float(report.p_stable[0])
    assert (
        naive
        == rf"p_0^{{\text{{naive}}}} = \frac{{e^{{2}}}}{{e^{{2}} + e^{{1}} + e^{{0.1}}}} = {p}"
    )
    assert stable.endswith(f"= {p}") and r"e^{2 - (2)}" in stable
    assert loss.endswith(f"= {format_float(report.loss('naive').value)}")
    assert from_logits.endswith(
        rf"\\ &= {format_float(report.loss('logits').value)}\end{{aligned}}"
    )


@pytest.mark.parametrize(
    "logits",
    [
        [1000.0 - k for k in range(10)],
        [0.1 * k + 0.3 for k in range(10)],  # 17-digit exponents such as -0.8999999999999999
        [1e-300 * k for k in range(10)],
        [-3.4e38, 3.4e38, 1.0, 2.0, 3.0],
    ],
)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_every_line_of_every_formula_fits_line_em(logits, dtype):
    report = softmax_report(logits, 1, dtype)
    for formula in softmax_formulas(report):
        body = formula.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
        for line in body.split(r" \\ "):
            assert visible_width(line) <= LINE_EM + 2, line


def visible_width(tex: str) -> float:
    """A generous width in ems: every visible character at half an em, scripts at 0.7."""
    tex = re.sub(r"\\(left|right|quad|text|begin|end)\b|\{aligned\}|&", "", tex)
    tex = tex.replace(r"\times", "×").replace(r"\dots", "...").replace(r"\log", "log")
    tex = re.sub(r"\\frac\{(.*)\}\{(.*)\}", lambda m: max(m[1], m[2], key=len), tex)
    width, depth = 0.0, 0
    for c in tex:
        if c == "^" or c == "_":
            depth += 1
            continue
        if c == "{":
            continue
        if c == "}":
            depth = max(0, depth - 1)
            continue
        if not c.isspace():
            width += (0.7 if depth else 1.0) * (0.78 if c in "+-=×" else 0.5)
    return width


def test_a_sum_of_long_exponents_writes_fewer_terms():
    long = [-0.8999999999999999, -0.7999999999999999, -0.6999999999999999, -0.5]
    assert terms_shown([*long, 0.0]) == 2
    assert exp_sum([*long, 0.0]).count("e^{") == 2
    assert terms_shown([0.0, -1.0, -2.0, -3.0, -4.0]) == TERMS_SHOWN
    assert tex_width(tex_number(-0.8999999999999999)) > tex_width(tex_number(-1.0))


# --- the per-class table ---------------------------------------------------------------

COLUMNS = [
    "class",
    "z",
    "exp(z)",
    "z − max(z)",
    "exp(z − max(z))",
    "naive p",
    "stable p",
    "exact p",
    "∂L/∂z",
    "naive rel. err",
    "naive ULP",
    "stable rel. err",
    "stable ULP",
]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.5, "0.5"),
        (1e-30, "1e-30"),
        (0.0, "0" + BROKEN_MARK),
        (-0.0, "-0" + BROKEN_MARK),
        (math.inf, "inf" + BROKEN_MARK),
        (-math.inf, "-inf" + BROKEN_MARK),
        (np.float32("nan"), "nan" + BROKEN_MARK),
        (np.float16(6e-8), "6e-8"),
    ],
)
def test_flagged(value, text):
    assert flagged(value) == text


@pytest.mark.parametrize("n", [2, 3, 10])
def test_per_class_columns_have_one_cell_per_class(n):
    report = softmax_report([float(k) for k in range(n)], n - 1, "float64")
    columns = per_class_columns(report)
    assert list(columns) == COLUMNS
    assert all(len(cells) == n for cells in columns.values())
    assert columns["class"] == [str(i) for i in range(n - 1)] + [f"{n - 1} (true)"]
    assert columns["z"] == [format_float(float(k)) for k in range(n)]
    assert columns["∂L/∂z"] == [format_float(g) for g in report.grad_stable]
    assert not any(BROKEN_MARK in cell for cells in columns.values() for cell in cells)


@pytest.mark.parametrize("view", [v for v in COLUMN_VIEWS if v != "all"])
def test_a_view_of_the_table_is_a_few_of_its_columns(view):
    report = softmax_report([1000.0 - k for k in range(10)], 9, "float32")
    every = per_class_columns(report)
    shown = per_class_columns(report, view)
    # Few enough for a projector, each starting with the class, cells as in the full table.
    assert next(iter(shown)) == "class" and 3 <= len(shown) <= 5
    assert all(shown[title] == every[title] for title in shown)
    assert set(VIEW_LABELS) == set(COLUMN_VIEWS)
    assert per_class_columns(report, "all") == every


def test_the_views_together_show_every_column():
    report = softmax_report([2.0, 1.0, 0.1], 0, "float64")
    seen = {
        title for view in COLUMN_VIEWS if view != "all" for title in per_class_columns(report, view)
    }
    assert seen == set(COLUMNS)


def test_per_class_columns_flag_overflow_and_nan():
    columns = per_class_columns(softmax_report([1000.0, 999.0, 998.0], 1, "float32"))
    assert columns["class"] == ["0", "1 (true)", "2"]
    assert columns["exp(z)"] == ["inf" + BROKEN_MARK] * 3
    assert columns["naive p"] == ["nan" + BROKEN_MARK] * 3
    assert columns["z − max(z)"] == ["0", "-1", "-2"]
    assert columns["exp(z − max(z))"][0] == "1"
    assert not any(BROKEN_MARK in cell for cell in columns["stable p"])
    assert columns["stable p"][0] == format_float(np.float32(0.66524094))


def test_per_class_columns_flag_underflow_to_zero_only_in_exp_and_p():
    columns = per_class_columns(softmax_report([0.0, -1000.0], 0, "float32"))
    assert columns["exp(z)"] == ["1", "0" + BROKEN_MARK]
    assert columns["stable p"] == ["1", "0" + BROKEN_MARK]
    assert columns["naive p"] == ["1", "0" + BROKEN_MARK]
    # The shifted exponential is shown as it is: 0 there is the same underflow, unmarked.
    assert columns["exp(z − max(z))"] == ["1", "0"]
    assert columns["z"] == ["0", "-1000"]


def make_row(setup, ours, keras, exact_loss, rounding=0.0):
    return KerasComparison(
        setup, np.float32(ours), np.float32(keras), mpmath.mpf(exact_loss), rounding
    )


def test_keras_columns():
    rows = [
        make_row("Dense(3) + from_logits=True", 0.40760595, 0.40760595, "0.40760596"),
        make_row("softmax + SCCE", 16.118095, np.nextafter(np.float32(16.118095), 0), "16.1", 1e-5),
        make_row("naive", math.inf, 2.0, "2"),
        make_row("both nan", math.nan, math.nan, "nan"),
    ]
    columns = keras_columns(rows)
    assert list(columns) == ["Keras model ending + loss", "Softmax Lab", "TensorFlow", "agree"]
    assert all(len(cells) == 4 for cells in columns.values())
    assert columns["Keras model ending + loss"][0] == "`Dense(3) + from_logits=True`"
    assert styled(columns["Keras model ending + loss"][0]) == (
        "<code>Dense(3) + from_logits=True</code>"
    )
    assert columns["Softmax Lab"] == ["0.40760595", "16.118095", "inf", "nan"]
    assert columns["TensorFlow"] == ["0.40760595", "16.118093", "2", "nan"]
    assert columns["agree"] == [row.verdict for row in rows]
    assert columns["agree"][:2] == ["✓ same", "✓ same up to rounding (1 ULP)"]
    assert columns["agree"][2].startswith("✗ differs")


def test_keras_columns_of_no_rows():
    assert keras_columns([]) == {
        "Keras model ending + loss": [],
        "Softmax Lab": [],
        "TensorFlow": [],
        "agree": [],
    }
