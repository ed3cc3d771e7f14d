"""The HTML tables of computed values: code spans, broken values, styles and hover texts."""

from core.charts import BROKEN_MARK
from core.numerics.text import exact_decimal
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


def test_a_long_exact_value_is_folded_and_opens_to_every_digit():
    # Issue 10, item 19: a float64 subnormal's 751 digits were a wall, shown twice.
    full = exact_decimal(1e-320)
    html = styled(full, "digits")
    assert html.startswith('<details class="lab-fold"><summary>')
    summary = html.split("</summary>")[0]
    assert full not in summary
    assert "9.9998886718268300541…(721 digits left out)…9697265625E-321" in summary
    assert "show all 751 digits" in summary
    assert html.endswith(f'<span class="fl-digits">{full}</span></details>')
    assert styled("0.5", "digits") == '<span class="fl-digits">0.5</span>'
