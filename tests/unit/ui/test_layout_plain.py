"""`ui.layout.plain`: text someone typed shows as it is in Streamlit's Markdown."""

import re

from hypothesis import given
from hypothesis import strategies as st

from ui.layout import plain

_ESCAPE = re.compile(r"\\(.)")


@given(st.text(max_size=200))
def test_unescaping_gives_the_text_back_and_no_special_sign_is_left_bare(text):
    shown = plain(text)
    assert _ESCAPE.sub(r"\1", shown) == text
    bare = _ESCAPE.sub("", shown)
    assert not set(bare) & set("\\`*_[](){}<>#+!|~:$-")


def test_a_link_an_icon_a_colour_and_latex_stay_text():
    assert plain("[Log in](//evil.co)") == r"\[Log in\]\(//evil.co\)"
    assert plain(":material/home: :red[x] $x$ <b>") == (r"\:material/home\: \:red\[x\] \$x\$ \<b\>")
