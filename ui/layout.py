"""The shared frame of every page: presentation mode and its styles."""

from __future__ import annotations

import streamlit as st

from core.figures import LAPTOP, PROJECTOR, ChartStyle

PRESENT_KEY = "present"

_TABLE_CSS = """
<style>
div.lab-scroll { overflow-x: auto; }
table.lab {
  font-size: 0.9rem; border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums;
}
table.lab th, table.lab td {
  border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap;
}
table.lab th { background: #f3f4f6; white-space: nowrap; }
table.lab td:first-child, table.lab th:first-child { text-align: left; }
table.lab .broken { background: #F9D9A6; font-weight: 600; padding: 0 0.2rem; }
</style>
"""

_PROJECTOR_CSS = """
<style>
html { font-size: 24px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.1rem; }
</style>
"""


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
    st.html(_TABLE_CSS)
    if on:
        st.query_params[PRESENT_KEY] = "1"
        st.html(_PROJECTOR_CSS)
    elif PRESENT_KEY in st.query_params:
        del st.query_params[PRESENT_KEY]
    return on


def chart_style() -> ChartStyle:
    """Return the chart sizes for the current mode."""
    return PROJECTOR if st.session_state.get(PRESENT_KEY) else LAPTOP


def html_table(columns: dict[str, list[str]]) -> str:
    """Return a compact HTML table of pre-formatted cells (our own text only, never input).

    Parameters
    ----------
    columns : dict
        Column title to the column's cells, all the same length.

    Returns
    -------
    str
        ``<table class="lab">`` markup, styled by the page frame.
    """
    head = "".join(f"<th>{title}</th>" for title in columns)
    rows = zip(*columns.values(), strict=True)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f'<div class="lab-scroll"><table class="lab"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
