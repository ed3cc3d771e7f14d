"""The shared frame of every page: presentation mode and its styles."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import streamlit as st

from core.charts import BROKEN_MARK, LAPTOP, PROJECTOR, ChartStyle
from core.numerics.text import FoldedDigits, fold_digits
from core.training.models import weights_from_npz
from core.training.state import keep_uploaded_model

PRESENT_KEY = "present"
ASSETS = Path(__file__).resolve().parent.parent / "assets"


@functools.cache
def stylesheet(name: str) -> str:
    """Return a stylesheet of ``assets/`` as a ``<style>`` element (read once per process).

    Parameters
    ----------
    name : str
        The file name, such as ``"lab.css"``.

    Returns
    -------
    str
        Markup for `st.html`.
    """
    return f"<style>{(ASSETS / name).read_text(encoding='utf-8')}</style>"


def require_navigation() -> None:
    """Send a page that Streamlit ran on its own back through ``app.py``.

    Streamlit decides once per server process, from the existence of a
    ``pages/`` folder, to serve the legacy multipage mode; it leaves that mode
    only when some run calls ``st.navigation``. Until then a deep link (a
    teacher's ``/softmax?z=...`` as the first request after a restart) runs the
    page file alone, without the sidebar or the URL handling of ``app.py``.
    Every page calls this first: it ends the legacy mode and reruns.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def presentation_toggle() -> bool:
    """Draw the sidebar's presentation-mode toggle, kept in the URL as ``present=1``.

    Returns
    -------
    bool
        Whether presentation mode is on.
    """
    if PRESENT_KEY not in st.session_state:
        st.session_state[PRESENT_KEY] = st.query_params.get(PRESENT_KEY) in ("1", "true")
    on = st.sidebar.toggle(
        "Presentation mode",
        key=PRESENT_KEY,
        help="Larger text, charts, lines and markers for a projector. "
        "Kept in the link as present=1.",
    )
    st.html(stylesheet("lab.css"))
    if on:
        st.query_params[PRESENT_KEY] = "1"
        st.html(stylesheet("projector.css"))
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]
    return on


def presenting() -> bool:
    """Whether presentation mode is on."""
    return bool(st.session_state.get(PRESENT_KEY))


def intro(text: str) -> None:
    """Draw a page's introduction, except in presentation mode, where the teacher says it.

    Parameters
    ----------
    text : str
        Markdown of ours.
    """
    if not presenting():
        st.markdown(text)


def key_result_slot() -> Any:
    """Return where a page draws its key result: right here in presentation mode, else later.

    In presentation mode the key result sits under the question, above the
    controls, so both fit one projector screen; on a laptop it stays after the
    controls that change it.

    Returns
    -------
    object
        A container to draw into with `in_slot`, or None.
    """
    return st.container() if presenting() else None


def in_slot(slot: Any) -> Any:
    """Return the container to draw a key result in: `slot`, or a new one here when None."""
    return st.container() if slot is None else slot


def chart_style() -> ChartStyle:
    """Return the chart sizes for the current mode."""
    return PROJECTOR if presenting() else LAPTOP


CELL_STYLES = {
    "bold": "<b>{}</b>",
    "digits": '<span class="fl-digits">{}</span>',
    "wrap": '<span class="fl-wrap">{}</span>',
}
"""How `html_table` marks a cell, by the style name `core` gives it."""

_CODE = re.compile(r"`([^`]*)`")


def styled(text: str, style: str = "") -> str:
    """Return a cell's markup: code spans, a broken value's highlight, then its style.

    Parameters
    ----------
    text : str
        Plain text from `core` (our own text only, never input): a part between
        backticks is code, and a text ending with `core.charts.BROKEN_MARK` is a
        value that broke (inf, nan, 0 where it should not be), which stands out
        beyond its mark.
    style : str, optional
        One of `CELL_STYLES`, or ``""`` for none; ``"digits"`` folds a decimal
        too long to read whole (`folded_digits`).

    Returns
    -------
    str
        Markup.
    """
    if style == "digits" and (folded := fold_digits(text)) is not None:
        return folded_digits(folded)
    html = _CODE.sub(r"<code>\1</code>", text)
    if html.endswith(BROKEN_MARK):
        html = f'<span class="broken">{html}</span>'
    return CELL_STYLES[style].format(html) if style else html


def folded_digits(folded: FoldedDigits) -> str:
    """Return a long decimal folded to its first and last digits, every digit one click away.

    Parameters
    ----------
    folded : FoldedDigits
        The decimal, as `core.numerics.text.fold_digits` folds it.

    Returns
    -------
    str
        A ``<details>`` element: its summary (a button for the keyboard and
        screen readers) shows the folded decimal and how to see the rest; opened,
        it shows every digit.
    """
    digits = CELL_STYLES["digits"]
    return (
        f'<details class="lab-fold"><summary>{digits.format(folded.text)} '
        f'<span class="lab-fold-hint">show all {folded.digits:,} digits</span></summary>'
        f"{digits.format(folded.full)}</details>"
    )


def html_table(
    columns: Mapping[str, Sequence[str]],
    *,
    label: str,
    styles: Mapping[str, str | Sequence[str]] | None = None,
    titles: Mapping[str, Sequence[str]] | None = None,
    text: Sequence[str] = (),
) -> str:
    """Return a compact HTML table of pre-formatted cells (our own text, save `text` columns).

    The first column holds the row labels (row headers); an empty title leaves its
    corner cell blank. The table scrolls sideways in a box that the keyboard can reach.

    Parameters
    ----------
    columns : mapping
        Column title to the column's cells, all the same length; each cell is
        marked up by `styled`.
    label : str
        What the table shows, such as ``"Per class"``: the accessible name of its
        scroll box, unique on its page (plain text).
    styles : mapping, optional
        Column title to one of `CELL_STYLES` for every cell of the column, or to
        one per cell (``""`` for none).
    titles : mapping, optional
        Column title to one hover text per cell (``""`` for none), such as every
        digit of a value shown shorter.
    text : sequence of str, optional
        Titles of columns whose cells are a student's text (names): escaped and
        shown as they are, never marked up as code or as a broken value.

    Returns
    -------
    str
        ``<table class="lab">`` markup, styled by the page frame.
    """
    styles = styles or {}
    titles = titles or {}

    def cells(title: str, texts: Sequence[str]) -> list[str]:
        if title in text:
            return [escape(cell) for cell in texts]
        style = styles.get(title, "")
        kinds = [style] * len(texts) if isinstance(style, str) else list(style)
        hover = titles.get(title) or [""] * len(texts)
        return [
            f'<span title="{tip}">{styled(text, kind)}</span>' if tip else styled(text, kind)
            for text, kind, tip in zip(texts, kinds, hover, strict=True)
        ]

    head = "".join(f'<th scope="col">{title}</th>' if title else "<td></td>" for title in columns)
    rows = zip(*(cells(title, texts) for title, texts in columns.items()), strict=True)
    body = "".join(
        f'<tr><th scope="row">{first}</th>' + "".join(f"<td>{cell}</td>" for cell in rest) + "</tr>"
        for first, *rest in rows
    )
    name = escape(label)
    return (
        f'<div class="lab-scroll" tabindex="0" role="region" aria-label="{name}">'
        f'<table class="lab"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def bit_strip(fields: Sequence[tuple[str, str, str]]) -> str:
    """Return a number's bit fields side by side, each coloured and captioned.

    Parameters
    ----------
    fields : sequence of tuple
        ``(field, bits, caption)`` for the sign, exponent and fraction, as
        `core.floats.bit_view.strip_fields` gives them.

    Returns
    -------
    str
        Markup, styled by the page frame (``.fl-strip``).
    """
    cells = "".join(
        f'<div class="fl-field fl-{name}"><code>{text}</code><small>{label}</small></div>'
        for name, text, label in fields
    )
    return f'<div class="fl-strip">{cells}</div>'


def html_bars(
    title: str, values: list[float], texts: list[str], marked: int, full: float | None = None
) -> str:
    """Return light HTML bars, one row per class, each value written out, one row marked.

    Parameters
    ----------
    title : str
        Heading above the bars.
    values : list of float
        One value per class; negative values extend left of a zero line.
    texts : list of str
        The value to print on each row (already formatted by tested code).
    marked : int
        The row to mark (the top class): bold, dark bar and a ▲.
    full : float, optional
        The value of a full-width bar (1 for probabilities, so 13% looks like 13%);
        by default the largest magnitude among the values.

    Returns
    -------
    str
        Markup; cheap for the browser to redraw after every stroke, unlike a chart.
    """
    finite = [v for v in values if v == v and abs(v) != float("inf")] or [0.0]
    low, high = min(0.0, *finite), max(0.0, full or 0.0, *finite)
    span = (high - low) or 1.0
    zero = (0 - low) / span * 100
    rows = []
    for i, (value, text) in enumerate(zip(values, texts, strict=True)):
        v = value if value in finite else 0.0
        left, right = sorted((zero, (v - low) / span * 100))
        top = " top" if i == marked else ""
        rows.append(
            f'<div class="label{top}">{i}{" ▲" if i == marked else ""}</div>'
            f'<div class="track{top}"><div class="fill" style="left:{left:.2f}%;'
            f'width:{right - left:.2f}%"></div><div class="zero" style="left:{zero:.2f}%">'
            f'</div></div><div class="value{top}">{text}</div>'
        )
    return f'<p><strong>{title}</strong></p><div class="lab-bars">{"".join(rows)}</div>'


FIT_MAX_CHARS = 40
"""Longest value `big_number` sizes to its box (``lab-fit-<chars>-`` rules in lab.css)."""


def big_number(label: str, value: str, name: str, help: str | None = None) -> None:
    """Draw a metric whose value keeps its digits on one line, as large as its box allows.

    The value's length goes into its container's key, ``lab-fit-<chars>-<name>``;
    ``assets/lab.css`` sets the type to the mode's metric size or, for a value
    too long for its column at that size, to the size at which it fits: a
    17-digit exact value never breaks in the middle.

    Parameters
    ----------
    label : str
        The metric's label.
    value : str
        The value, as tested code formatted it.
    name : str
        Unique on the page, for the container's key (such as ``"sm-loss-exact"``).
    help : str, optional
        The metric's tooltip.
    """
    chars = min(max(len(value), 1), FIT_MAX_CHARS)
    with st.container(key=f"lab-fit-{chars}-{name}"):
        st.metric(label, value, help=help)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\](){}<>#+!|~:$-])")


def plain(text: str) -> str:
    """Return text that Streamlit's Markdown shows as it is, character for character.

    Parameters
    ----------
    text : str
        Text that may hold what someone typed (a URL value, a pasted address).

    Returns
    -------
    str
        Every Markdown, HTML, icon (``:material/...:``), colour (``:red[...]``) and
        LaTeX (``$``) sign escaped with a backslash.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def url_notices(notices: list[str]) -> None:
    """Show why values from the link were replaced by defaults (they quote the link)."""
    for notice in notices:
        st.warning(plain(notice), icon=":material/link_off:")


def preset_buttons(presets, prefix: str, on_preset) -> None:
    """Draw a row of preset buttons and, once one is chosen, what it teaches.

    Parameters
    ----------
    presets : sequence
        Objects with ``key``, ``label`` and ``lesson``.
    prefix : str
        The page's widget-key prefix (``"sm"``, ``"tr"``).
    on_preset : callable
        Called with the preset's key when its button is pressed.
    """
    # A wrapping row, not columns: on a projector's larger type the buttons move to a
    # second line instead of cutting their labels short.
    with st.container(horizontal=True, gap="small"):
        for preset in presets:
            st.button(
                preset.label,
                key=f"{prefix}.preset.{preset.key}",
                on_click=on_preset,
                args=(preset.key,),
                help=preset.lesson,
                width="stretch",
            )
    if st.session_state.get(f"{prefix}.lesson"):
        st.info(st.session_state[f"{prefix}.lesson"], icon=":material/lightbulb:")


def weights_upload(title: str, key: str) -> None:
    """Draw an expander that loads saved weights (.npz) into the session's models.

    Parameters
    ----------
    title : str
        The expander's title.
    key : str
        The file uploader's key.
    """
    with st.expander(title):
        upload = st.file_uploader("Weights file", type=["npz"], key=key)
        if upload is None:
            return
        try:
            model = weights_from_npz(upload.getvalue())
        except ValueError as error:
            st.error(f"Those weights cannot be used: {error}.")
            return
        if keep_uploaded_model(st.session_state, f"uploaded · {model.name}", model):
            st.rerun()  # so that every model list on the page offers it
        st.success(
            f"Loaded {model.name}: {model.spec.sizes} on {model.dataset}. "
            "It is in the draw page's model list for the rest of your session."
        )
