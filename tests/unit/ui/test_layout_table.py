"""The HTML tables of computed values: code spans, broken values, styles and hover texts."""

from core.charts import BROKEN_MARK
from ui.layout import html_table, styled


def test_plain_cells_are_unchanged():
    assert styled("1.5") == "1.5"
    table = html_table({"": ["a"], "x": ["1"]}, label="T")
    assert '<tr><th scope="row">a</th><td>1</td></tr>' in table


def test_header_row_and_scroll_box():
    table = html_table({"": ["a"], "x <y>": ["1"]}, label='Errors of "x" & y')
    # An empty title is a blank corner cell, not an empty header.
    assert '<thead><tr><td></td><th scope="col">x <y></th></tr></thead>' in table
    # The scroll box is a named region that the keyboard can reach.
    assert table.startswith(
        '<div class="lab-scroll" tabindex="0" role="region" '
        'aria-label="Errors of &quot;x&quot; &amp; y">'
    )


def test_code_spans_and_broken_values():
    assert styled("naive `log(1 + x)`") == "naive <code>log(1 + x)</code>"
    assert styled("inf" + BROKEN_MARK) == '<span class="broken">inf ⚠</span>'


def test_styles_per_column_and_per_cell():
    assert styled("0.1", "digits") == '<span class="fl-digits">0.1</span>'
    table = html_table(
        {"": ["naive `f`", "exact"], "v": ["normal", "`0x1`"]},
        label="T",
        styles={"": ("wrap", ""), "v": "bold"},
    )
    first = '<th scope="row"><span class="fl-wrap">naive <code>f</code></span></th>'
    assert first + "<td><b>normal</b></td>" in table
    assert '<th scope="row">exact</th><td><b><code>0x1</code></b></td>' in table


def test_hover_titles():
    table = html_table(
        {"": ["max", "digits"], "x": ["1.7976931e308", "16"]},
        label="T",
        titles={"x": ["1.7976931348623157e308", ""]},
    )
    assert '<td><span title="1.7976931348623157e308">1.7976931e308</span></td>' in table
    assert "<td>16</td>" in table
