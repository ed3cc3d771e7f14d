"""The HTML tables of computed values: code spans, broken values, styles and hover texts."""

from core.charts import BROKEN_MARK
from ui.layout import html_table, styled


def test_plain_cells_are_unchanged():
    assert styled("1.5") == "1.5"
    assert "<td>a</td><td>1</td>" in html_table({"": ["a"], "x": ["1"]})


def test_code_spans_and_broken_values():
    assert styled("naive `log(1 + x)`") == "naive <code>log(1 + x)</code>"
    assert styled("inf" + BROKEN_MARK) == '<span class="broken">inf ⚠</span>'


def test_styles_per_column_and_per_cell():
    assert styled("0.1", "digits") == '<span class="fl-digits">0.1</span>'
    table = html_table(
        {"": ["naive `f`", "exact"], "v": ["normal", "`0x1`"]},
        styles={"": ("wrap", ""), "v": "bold"},
    )
    first = '<td><span class="fl-wrap">naive <code>f</code></span></td><td><b>normal</b></td>'
    assert first in table
    assert "<td>exact</td><td><b><code>0x1</code></b></td>" in table


def test_hover_titles():
    table = html_table({"x": ["1.7976931e308", "16"]}, titles={"x": ["1.7976931348623157e308", ""]})
    assert '<td><span title="1.7976931348623157e308">1.7976931e308</span></td>' in table
    assert "<td>16</td>" in table
