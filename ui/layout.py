"""The shared frame of every page: presentation mode and its styles."""

from __future__ import annotations

import streamlit as st

from core.charts import LAPTOP, PROJECTOR, ChartStyle

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
/* A long exact value wraps rather than losing its last digits to an ellipsis. */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  white-space: normal !important; overflow-wrap: anywhere; text-overflow: clip !important;
}
/* So does a long label, such as "Keras on probabilities (float32)". */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
/* Every chosen variant or model stays in view: the chips wrap instead of scrolling sideways. */
[data-testid="stMultiSelect"] [role="group"]:has(> [data-testid="stMultiSelectTagsContainer"]) {
  height: auto !important; max-height: none !important;
}
[data-testid="stMultiSelectTagsContainer"] {
  flex-wrap: wrap !important; overflow: visible !important; height: auto !important;
  mask-image: none !important; row-gap: 0.25rem;
}
</style>
"""

_PROJECTOR_CSS = """
<style>
html { font-size: 24px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.1rem; }
/* The sidebar lays out at the larger type in 17rem, then zooms to 3/4: its toggle's
   label stays whole and the main column keeps the width of the laptop layout. */
[data-testid="stSidebar"][data-collapsed="false"] {
  width: 17rem !important; min-width: 17rem !important; max-width: 17rem !important;
  zoom: 0.75;
}
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


_BAR_CSS = """
<style>
.lab-bars { display: grid; grid-template-columns: 3.2em 1fr 5.2em; gap: 0.15rem 0.5rem;
  align-items: center; font-variant-numeric: tabular-nums; }
.lab-bars .track { position: relative; height: 1.05rem; background: #f3f4f6; }
.lab-bars .fill { position: absolute; top: 0; bottom: 0; background: #9ab7d3; }
.lab-bars .top .fill { background: #0072B2; }
.lab-bars .zero { position: absolute; top: -2px; bottom: -2px; border-left: 1px solid #555; }
.lab-bars .value { text-align: right; }
.lab-bars .top { font-weight: 700; }
</style>
"""


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
    return f'{_BAR_CSS}<p><strong>{title}</strong></p><div class="lab-bars">{"".join(rows)}</div>'


def url_notices(notices: list[str]) -> None:
    """Show why values from the link were replaced by defaults."""
    for notice in notices:
        st.warning(notice, icon=":material/link_off:")


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
