"""Floating-point round-off: the course's 2/10000, numbers bit by bit, and cancellations."""

import math

import streamlit as st

from core.floats import bits as fl
from core.floats import figures
from core.floats import lesson as roundoff
from core.floats import state as st_fl
from core.floats.settings import SETTINGS
from core.numerics.exact import to_exact
from core.numerics.formats import FORMAT_NAMES, FloatFormat, get_format
from core.numerics.limits import all_format_limits
from core.numerics.text import format_error, format_exact, format_float, format_value, value_text
from ui.binding import read_link, session, write_link
from ui.layout import chart_style, html_table, require_navigation, url_notices

PAGE = "floats"
GALLERY_FLAG = 1e-8
ss = session()
require_navigation()


def power_of_two(exponent: int) -> str:
    # ASCII on purpose: Streamlit scans non-ASCII button labels for a leading
    # emoji, about 0.1 ms a label, and a float64 has 64 of them.
    return f"2^{exponent}"


read_link(PAGE, SETTINGS, st_fl.PREFIX, st_fl.apply_settings)
st_fl.ensure_defaults(ss)
style = chart_style()

# ----- page -----

st.title("Floating-point round-off")
st.markdown(
    "Computers store numbers with a fixed number of binary digits, so most decimals are "
    "rounded the moment they are stored, and subtracting two nearly equal numbers can wipe "
    "out most of the digits that were right. This page shows where, down to the bits."
)
url_notices(ss.get("fl.notices", []))


def course_example() -> None:
    st.header("The course example: 2/10000 two ways", divider="gray")
    st.markdown(
        "Both lines compute 2/10000 = 0.0002 in float64, Python's `float`. The first divides "
        "once; the second subtracts two numbers close to 1, and the rounding errors of "
        "`1 + 1/10000` and `1 − 1/10000` survive the subtraction while the digits they "
        "share cancel."
    )
    columns = st.columns(2)
    for column, value in zip(columns, fl.course_example(), strict=True):
        with column.container(border=True):
            st.code(
                f">>> {value.name} = {value.expression}\n"
                f'>>> print(f"{{{value.name}:.18f}}")\n{value.printed}',
                language="python",
            )
            stored = (
                f'<p>{value.name} is stored exactly as <span class="fl-digits">'
                f"{value.exact_decimal}</span></p>"
            )
            errors = html_table(
                {
                    f"error against {fl.COURSE_TRUE_VALUE}": ["absolute", "relative", "in ULPs"],
                    value.name: [
                        format_error(value.absolute_error),
                        format_error(value.relative_error),
                        format_error(value.ulp_error),
                    ],
                }
            )
            st.markdown(stored + errors, unsafe_allow_html=True)
    st.caption(
        "ULP: unit in the last place, the gap between neighbouring doubles there. A correctly "
        "rounded result is at most 0.5 ULP from the truth: x1 is, x2 is hundreds of ULPs away."
    )


# Its controls change nothing else on the page, so a server reruns only this part.
@st.fragment
def cancellation_growth() -> None:
    st.subheader("Make n bigger: (1 + 1/n) − (1 − 1/n)")
    n = st.select_slider(
        "n",
        options=fl.SWEEP_NS,
        key="fl.n",
        format_func=lambda v: f"{v:,}" if v < 10**7 else f"1e{len(str(v)) - 1}",
        help="The true value is 2/n. Every operation rounds to the format of its row.",
        persist_state="session",
    )
    index = fl.SWEEP_NS.index(n)
    sweeps = {name: roundoff.sweep(name) for name in FORMAT_NAMES}
    rows = [sweeps[name][index] for name in FORMAT_NAMES]

    def difference(result: fl.CancellationResult) -> str:
        text = format_value(result.computed, result.format_name)
        return f'<span class="broken">{text} ⚠</span>' if result.computed == 0 else text

    st.markdown(
        html_table(
            {
                "format": list(FORMAT_NAMES),
                "1 + 1/n": [format_value(r.plus, r.format_name) for r in rows],
                "1 − 1/n": [format_value(r.minus, r.format_name) for r in rows],
                "difference": [difference(r) for r in rows],
                "true 2/n": [format_exact(r.exact) for r in rows],
                "relative error": [format_error(r.relative_error) for r in rows],
                "error in ULPs": [format_error(r.ulp_error) for r in rows],
            }
        ),
        unsafe_allow_html=True,
    )
    st.caption(
        "⚠ marks a difference of 0: every digit lost. Values are the shortest decimals that read "
        "back as the same number of that format. float16 cannot even store n above 65504."
    )
    st.plotly_chart(
        figures.cancellation_chart(
            fl.SWEEP_NS,
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


def bit_strip(bits: fl.FloatBits) -> str:
    fields = (
        ("sign", str(bits.sign), "sign"),
        ("exponent", bits.exponent_bits, f"exponent · {len(bits.exponent_bits)} bits"),
        ("fraction", bits.fraction_bits, f"fraction · {len(bits.fraction_bits)} bits"),
    )
    cells = "".join(
        f'<div class="fl-field fl-{name}"><code>{text}</code><small>{label}</small></div>'
        for name, text, label in fields
    )
    return f'<div class="fl-strip">{cells}</div>'


def bit_buttons(bits: fl.FloatBits, fmt: FloatFormat) -> None:
    dtype = fmt.name
    exponent_field = int(bits.exponent_bits, 2)
    positions = st_fl.bit_positions(fmt)
    groups = {
        "sign": (["- (negative)"], f"Sign bit s = {bits.sign}"),
        "exponent": (
            [power_of_two(k) for k in range(fmt.exponent_bits - 1, -1, -1)],
            f"Exponent bits {bits.exponent_bits} = {exponent_field}"
            + (
                f"; minus the bias {fmt.bias}: e = {bits.exponent}"
                if bits.exponent is not None
                else " (all ones: inf or nan)"
            ),
        ),
        "fraction": (
            [power_of_two(-k) for k in range(1, fmt.fraction_bits + 1)],
            "Fraction bits"
            + (f": significand = {bits.significand}" if bits.significand is not None else ""),
        ),
    }
    st_fl.sync_bit_pills(ss, bits, fmt)
    for name, (labels, title) in groups.items():
        names = dict(zip(positions[name], labels, strict=True))
        st.pills(
            title,
            list(positions[name]),
            selection_mode="multi",
            format_func=names.get,
            key=f"fl.{name}.{dtype}",
            on_change=st_fl.on_bit_click,
            args=(ss,),
            help="A filled button is a 1 bit; click to flip it. Each is labelled with its "
            "place value.",
        )


def details(bits: fl.FloatBits, dtype: str) -> None:
    def gap(g: float | None) -> str:
        return "—" if g is None else format_float(g)

    st.markdown(
        html_table(
            {
                "": [
                    "kind",
                    "stored value (shortest text)",
                    "exact stored value",
                    "hex pattern",
                    "next value below",
                    "next value above",
                    "gap below · gap above",
                    "ULP here (numpy.spacing)",
                ],
                dtype: [
                    f"<b>{bits.kind}</b>",
                    format_value(bits.value, dtype),
                    f'<span class="fl-digits">{bits.exact_value}</span>',
                    f"<code>{bits.hex}</code>",
                    value_text(bits.next_below, dtype),
                    value_text(bits.next_above, dtype),
                    f"{gap(bits.gap_below)} · {gap(bits.gap_above)}",
                    gap(bits.ulp),
                ],
            }
        ),
        unsafe_allow_html=True,
    )


def bit_view() -> None:
    st.header("A number, bit by bit", divider="gray")
    top = st.columns([2, 3])
    top[0].text_input(
        "Value x",
        key="fl.x",
        on_change=st_fl.on_x,
        args=(ss,),
        help="A decimal such as 0.1, -2.5e-3 or 65504, a fraction such as 1/3, inf, -0 or nan.",
        persist_state="session",
    )
    top[1].radio(
        "Float format",
        FORMAT_NAMES,
        key="fl.dtype",
        horizontal=True,
        on_change=st_fl.on_dtype,
        args=(ss,),
        help="float16 and bfloat16 are the 16-bit formats of GPUs and TPUs; float32 is the "
        "usual training format; float64 is Python's float.",
        persist_state="session",
    )
    dtype = ss["fl.dtype"]
    fmt = get_format(dtype)
    left, right = st.columns([1, 2])
    left.text_input(
        f"Hex pattern ({fmt.hex_digits} hex digits)",
        key="fl.hex",
        on_change=st_fl.on_pattern,
        args=(ss, "hex", fl.from_hex),
        help="Type a bit pattern in hex, with or without 0x.",
        persist_state="session",
    )
    right.text_input(
        f"Bits ({fmt.total_bits}: sign, exponent, fraction)",
        key="fl.bits",
        on_change=st_fl.on_pattern,
        args=(ss, "bits", fl.from_bits),
        help="Type 0s and 1s; spaces are ignored.",
        persist_state="session",
    )
    if ss.get("fl.error"):
        st.error(ss["fl.error"], icon=":material/error:")
    note = ss.get("fl.note")
    if note:
        level, text = note
        (st.warning if level == "warning" else st.info)(text)
    bits = fl.dissect(ss["fl.value"], dtype)
    st.markdown(bit_strip(bits), unsafe_allow_html=True)
    name, explanation = roundoff.KIND_EXPLANATIONS[bits.kind]
    formula = (
        f" Value = (−1)^{bits.sign} × {bits.significand} × 2^{bits.exponent} = {bits.exact_value}."
        if bits.significand is not None
        else ""
    )
    st.markdown(f"**{name}.** {explanation}{formula}")
    with st.container(border=True):
        st.caption("Click the bits: a filled button is a 1.")
        bit_buttons(bits, fmt)
    details(bits, dtype)


def gaps() -> None:
    st.header("The gaps between numbers", divider="gray")
    dtype = ss["fl.dtype"]
    value = ss["fl.value"]
    options = st_fl.centre_options(ss)
    centre = st.select_slider(
        f"Centre of the number line ({dtype})",
        options=options,
        key="fl.centre",
        format_func=lambda c: f"x = {value_text(value, dtype)}" if c == "x" else format_float(c),
        help="Move it right: the neighbours stay the same in number but spread further apart.",
        persist_state="session",
    )
    point = value if centre == "x" else centre
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
    if st.toggle(
        "Show the gap against the magnitude, for every format",
        key="fl.staircase",
        persist_state="session",
    ):
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


@st.cache_resource(show_spinner=False)
def limits_table() -> str:
    # The same for everyone, and its 40 exact decimals take mpmath a few ms.
    rows = all_format_limits()

    def exact_text(v: float) -> str:
        # Eight digits fit a projector; hovering shows seventeen.
        return f'<span title="{format_exact(to_exact(v))}">{format_exact(to_exact(v), 8)}</span>'

    return html_table(
        {
            "": [
                "bits: sign + exponent + fraction",
                "machine epsilon (gap after 1)",
                "smallest subnormal",
                "smallest normal",
                "largest finite",
                "log(largest): exp overflows above",
                "significant decimal digits",
            ],
            **{
                r.name: [
                    f"1 + {r.exponent_bits} + {r.fraction_bits} = {r.total_bits}",
                    exact_text(r.epsilon),
                    exact_text(r.smallest_subnormal),
                    exact_text(r.smallest_normal),
                    exact_text(r.largest),
                    exact_text(r.log_largest),
                    f"about {r.decimal_digits:.1f}",
                ]
                for r in rows
            },
        }
    )


def limits() -> None:
    st.header("The limits of each format", divider="gray")
    st.markdown(limits_table(), unsafe_allow_html=True)
    st.caption(
        "Exact values, rounded to 8 significant digits where they have more: hover over a "
        "number to see 17."
    )
    st.markdown(
        "A logit above log(largest) makes `exp` overflow to inf, and the naive softmax returns "
        "nan. See it happen on the softmax page:"
    )
    for row in all_format_limits():
        preset = roundoff.OVERFLOW_PRESETS[row.name]
        logits = ", ".join(format_float(z) for z in preset.logits)
        same = (
            ""
            if preset.softmax_dtype == row.name
            else f" (in {preset.softmax_dtype}: same exponent range)"
        )
        st.page_link(
            "pages/softmax.py",
            label=f"{row.name}: logits {logits} cross {row.log_largest:.2f}{same}",
            query_params=preset.query,
            icon=":material/arrow_forward:",
        )


def gallery_input(entry: fl.GalleryEntry) -> float:
    key = f"fl.g.{entry.key}"
    if entry.log_scale:
        labels = roundoff.ladder_labels(entry.input_min, entry.input_max, entry.integer_input)
        return st.select_slider(
            entry.input_label,
            options=tuple(labels),
            key=key,
            format_func=labels.__getitem__,
            persist_state="session",
        )
    return st.slider(
        entry.input_label,
        min_value=entry.input_min,
        max_value=entry.input_max,
        step=1.0,
        format="%.0f",
        key=key,
        persist_state="session",
    )


def flagged(value: float, error: float | None) -> str:
    text = format_float(value)
    lost = error is None or error > GALLERY_FLAG
    return f'<span class="broken">{text} ⚠</span>' if lost else text


def gallery_overview() -> None:
    entries = fl.GALLERY
    inputs = [ss.get(f"fl.g.{e.key}", e.default_input) for e in entries]
    results = [roundoff.gallery_result(e.key, x) for e, x in zip(entries, inputs, strict=True)]
    st.markdown(
        html_table(
            {
                "naive formula": [f"<code>{e.naive_formula}</code>" for e in entries],
                "at": [
                    f"{e.input_label} = {format_float(x)}"
                    for e, x in zip(entries, inputs, strict=True)
                ],
                "naive result": [flagged(r.naive, r.naive_relative_error) for r in results],
                "naive rel. error": [format_error(r.naive_relative_error) for r in results],
                "stable result": [flagged(r.stable, r.stable_relative_error) for r in results],
                "stable rel. error": [format_error(r.stable_relative_error) for r in results],
            }
        ),
        unsafe_allow_html=True,
    )


def gallery_entry(entry: fl.GalleryEntry) -> None:
    st.markdown(f"**{entry.title}.** {entry.explanation}")
    x = gallery_input(entry)
    result = roundoff.gallery_result(entry.key, x)
    st.markdown(
        html_table(
            {
                "": [
                    f'<span class="fl-wrap">naive <code>{entry.naive_formula}</code></span>',
                    f'<span class="fl-wrap">stable <code>{entry.stable_formula}</code></span>',
                    "exact (mpmath, 60 digits)",
                ],
                "result": [
                    flagged(result.naive, result.naive_relative_error),
                    flagged(result.stable, result.stable_relative_error),
                    format_exact(result.exact),
                ],
                "relative error": [
                    format_error(result.naive_relative_error),
                    format_error(result.stable_relative_error),
                    "",
                ],
                "ULP error": [
                    format_error(result.naive_ulp_error),
                    format_error(result.stable_ulp_error),
                    "",
                ],
            }
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
    gallery_overview()
    titles = {entry.key: entry.title for entry in fl.GALLERY}
    key = st.pills(
        "Move the input of one",
        list(titles),
        format_func=titles.get,
        required=True,
        key="fl.gallery",
        persist_state="session",
    )
    with st.container(border=True):
        gallery_entry(fl.gallery_entry(key))


course_example()
cancellation_growth()
bit_view()
gaps()
limits()
gallery()

write_link(PAGE, SETTINGS, st_fl.current_values(ss))
