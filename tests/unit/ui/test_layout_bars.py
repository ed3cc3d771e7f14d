"""The draw page's light HTML bars: widths in proportion to the values."""

import re

from ui.layout import html_bars


def widths(markup: str) -> list[float]:
    return [float(w) for w in re.findall(r"width:([\d.]+)%", markup)]


def test_probability_bars_are_scaled_to_one_not_to_the_largest():
    # An unsure model (13% at most) must not look sure: its top bar is 13% wide.
    markup = html_bars("p", [0.13, 0.12, 0.0], ["13%", "12%", "0%"], 0, full=1.0)
    assert widths(markup) == [13.0, 12.0, 0.0]


def test_logit_bars_span_the_values_around_zero():
    markup = html_bars("z", [2.0, -1.0, 1.0], ["2", "-1", "1"], 0)
    assert widths(markup) == [66.67, 33.33, 33.33]
    assert "0 ▲" in markup
