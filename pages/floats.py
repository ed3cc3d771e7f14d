"""Floating-point round-off: the course's 2/10000, numbers bit by bit, and cancellations."""

import math

import streamlit as st

from core.floats import bit_view, figures, tables
from core.floats import bits as fl
from core.floats import cancellation as cx
from core.floats import lesson as roundoff
from core.floats import state as st_fl
from core.floats.settings import (
    CONTROLS,
    SETTINGS,
    centre_control,
    gallery_control,
    pattern_controls,
)
from core.numerics.formats import FORMAT_NAMES, get_format
from core.numerics.text import value_text
from ui.binding import control, read_link, session, write_link
from ui.layout import (
    bit_strip,
    chart_style,
    html_table,
    in_slot,
    intro,
    key_result_slot,
    require_navigation,
    styled,
    url_notices,
)
from ui.predict import predict_first

PAGE = "floats"
P = st_fl.PREFIX
ss = session()
require_navigation()
read_link(PAGE, SETTINGS, P, st_fl.apply_settings)
st_fl.ensure_defaults(ss)
style = chart_style()

# ----- page -----

st.title("Floating-point round-off")
intro(
    "Computers store numbers with a fixed number of binary digits, so most decimals are "
    "rounded the moment they are stored, and subtracting two nearly equal numbers can wipe "
    "out most of the digits that were right. This page shows where, down to the bits."
)
url_notices(ss.get("fl.notices", []))
predict_first("pages/floats.py", st_fl.apply_settings)
key_result = key_result_slot()


def course_example() -> None:
    st.header("The course example: 2/10000 two ways", divider="gray")
    st.markdown(
        "Both lines compute 2/10000 = 0.0002 in float64, Python's `float`. The first divides "
        "once; the second subtracts two numbers close to 1, and the rounding errors of "
        "`1 + 1/10000` and `1 − 1/10000` survive the subtraction while the digits they "
        "share cancel."
    )
    columns = st.columns(2)
    for column, value in zip(columns, cx.course_example(), strict=True):
        with column.container(border=True):
            # Wrapped: on a projector a long line would need a scroll box the keyboard cannot reach.
            st.code(roundoff.course_code(value), language="python", wrap_lines=True)
            stored = f"{value.name} is stored exactly as {styled(value.exact_decimal, 'digits')}"
            errors = html_table(tables.course_errors(value), label=f"Errors of {value.name}")
            st.markdown(f"<p>{stored}</p>{errors}", unsafe_allow_html=True)
    st.caption(
        "ULP: unit in the last place, the gap between neighbouring doubles there. A correctly "
        "rounded result is at most 0.5 ULP from the truth: x1 is, x2 is hundreds of ULPs away."
    )


# Its controls change nothing else on the page, so a server reruns only this part.
@st.fragment
def cancellation_growth() -> None:
    st.subheader("Make n bigger: (1 + 1/n) − (1 − 1/n)")
    n = control(P, "n", CONTROLS["n"])
    index = cx.SWEEP_NS.index(n)
    sweeps = {name: roundoff.sweep(name) for name in FORMAT_NAMES}
    rows = [sweeps[name][index] for name in FORMAT_NAMES]
    st.markdown(
        html_table(tables.cancellation_columns(rows), label="Cancellation in each format"),
        unsafe_allow_html=True,
    )
    st.caption(
        "⚠ marks a difference of 0: every digit lost. Values are the shortest decimals that read "
        "back as the same number of that format. float16 cannot even store n above 65504."
    )
    st.plotly_chart(
        figures.cancellation_chart(
            cx.SWEEP_NS,
            {name: [r.relative_error for r in sweeps[name]] for name in FORMAT_NAMES},
            current_n=n,
            current_label="your n",
            style=style,
        ),
        width="stretch",
        key="fl.chart.cancellation",
    )
    st.markdown(
        "Each of `1 + 1/n` and `1 − 1/n` is off by up to half the gap between numbers near 1 "
        "(machine epsilon / 2), while their difference 2/n shrinks as n grows: the relative "
        "error grows like n × epsilon / 2, until 1/n falls below half a gap and both sides "
        "round to 1, leaving 0."
    )


def bit_view_section() -> None:
    top = st.columns([2, 3])
    control(P, "x", CONTROLS["x"], top[0], on_change=st_fl.on_x, args=(ss,))
    control(P, "dtype", CONTROLS["dtype"], top[1], on_change=st_fl.on_dtype, args=(ss,))
    dtype = ss["fl.dtype"]
    fmt = get_format(dtype)
    patterns = pattern_controls(fmt)
    left, right = st.columns([1, 2])
    for where, name, read in ((left, "hex", fl.from_hex), (right, "bits", fl.from_bits)):
        control(P, name, patterns[name], where, on_change=st_fl.on_pattern, args=(ss, name, read))
    if ss.get("fl.error"):
        st.error(ss["fl.error"], icon=":material/error:")
    note = ss.get("fl.note")
    if note:
        level, text = note
        (st.warning if level == "warning" else st.info)(text)
    bits = fl.dissect(ss["fl.value"], dtype)
    with in_slot(key_result):
        if key_result is not None:
            st.markdown(f"**x = {value_text(bits.value, dtype)} in {dtype}, bit by bit**")
        st.markdown(bit_strip(bit_view.strip_fields(bits)), unsafe_allow_html=True)
        st.markdown(bit_view.kind_text(bits))
        if binade := bit_view.binade_text(bits, fmt):
            st.caption(binade)
    with st.container(border=True):
        st.caption("Click the bits: a filled button is a 1.")
        st_fl.sync_bit_pills(ss, bits, fmt)
        for group in bit_view.bit_groups(bits, fmt):
            st.pills(
                group.title,
                list(group.labels),
                selection_mode="multi",
                format_func=group.labels.get,
                key=f"fl.{group.field}.{dtype}",
                on_change=st_fl.on_bit_click,
                args=(ss,),
                help=bit_view.BIT_HELP,
            )
    columns = tables.details_columns(bits)
    (st if key_result is None else key_result).markdown(
        html_table(columns, label=f"The number in {dtype}", styles={dtype: tables.DETAILS_STYLES}),
        unsafe_allow_html=True,
    )


# The centre changes only this part: it reruns alone, and keeps the URL up to date itself.
@st.fragment
def gaps() -> None:
    st.header("The gaps between numbers", divider="gray")
    dtype = ss["fl.dtype"]
    spec = centre_control(dtype, ss["fl.value"], st_fl.centre_options(ss))
    control(P, "centre", spec)
    point = st_fl.number_line_point(ss)
    try:
        line = roundoff.number_line(point, dtype)
    except ValueError as error:
        st.info(f"{error} Pick a power of ten on the slider.")
    else:
        st.plotly_chart(
            figures.number_line_chart(
                line.offsets,
                line.labels,
                line.gap_labels,
                value_text(line.centre, dtype),
                dtype,
                style,
            ),
            width="stretch",
            key="fl.chart.numberline",
        )
    st.caption(
        "Between two powers of two the values are evenly spaced; at each power of two the gap "
        "doubles. So the gap grows with the magnitude while the relative gap stays about "
        "machine epsilon."
    )
    # Built only when asked for: a collapsed expander would still build and send it.
    if control(P, "staircase", CONTROLS["staircase"]):
        st.plotly_chart(
            figures.gap_staircase_chart(
                {name: roundoff.gap_staircase(name) for name in FORMAT_NAMES},
                current=abs(float(point)) if math.isfinite(point) else None,
                current_label="centre",
                style=style,
            ),
            width="stretch",
            key="fl.chart.staircase",
        )
    write_link(PAGE, SETTINGS, st_fl.current_values(ss))


def limits() -> None:
    st.header("The limits of each format", divider="gray")
    columns, titles = tables.limits_columns()
    st.markdown(
        html_table(columns, label="Limits of each format", titles=titles),
        unsafe_allow_html=True,
    )
    st.caption(
        "Exact values, rounded to 8 significant digits where they have more: hover over a "
        "number to see 17."
    )
    st.markdown(
        "A logit above log(largest) makes `exp` overflow to inf, and the naive softmax returns "
        "nan. See it happen on the softmax page:"
    )
    for label, query in roundoff.overflow_links():
        st.page_link(
            "pages/softmax.py", label=label, query_params=query, icon=":material/arrow_forward:"
        )


def gallery_entry(entry: cx.GalleryEntry) -> None:
    st.markdown(f"**{entry.title}.** {entry.explanation}")
    extra = {} if entry.log_scale else {"format": "%.0f"}
    x = control(P, f"g.{entry.key}", gallery_control(entry), **extra)
    st.markdown(
        html_table(
            tables.gallery_entry_columns(entry, x),
            label=f"{entry.title}: naive and stable",
            styles={"": tables.GALLERY_ENTRY_STYLES},
        ),
        unsafe_allow_html=True,
    )


# Like the cancellation section: only this part reruns when its controls move.
@st.fragment
def gallery() -> None:
    st.header("Classic cancellations and their cures", divider="gray")
    st.markdown(
        "Each pair computes the same number in float64: the naive formula the way it is "
        "written, the stable one rearranged so that nothing large cancels. "
        "⚠ marks a result that lost more than half of float64's 16 significant digits "
        "(a relative error above 1e-8), and inf and nan."
    )
    overview = tables.gallery_overview_columns(st_fl.gallery_inputs(ss))
    st.markdown(html_table(overview, label="Classic cancellations"), unsafe_allow_html=True)
    key = control(P, "gallery", CONTROLS["gallery"], required=True)
    with st.container(border=True):
        gallery_entry(cx.gallery_entry(key))


# The number, its bits and the gaps around it: their controls rerun only this part (the
# centre only the gaps, which keep the URL). A new format clears the link's notices at the top:
# then the whole page reruns.
@st.fragment
def number_and_gaps(notices: tuple) -> None:
    if tuple(ss.get("fl.notices", [])) != notices:
        st.rerun(scope="app")
    bit_view_section()
    gaps()


course_example()
cancellation_growth()
st.header("A number, bit by bit", divider="gray")
number_and_gaps(tuple(ss.get("fl.notices", [])))
limits()
gallery()
