"""Softmax & cross-entropy: naive against stable, four losses against the exact value."""

import streamlit as st

from core.numerics.formats import DTYPE_NAMES
from core.numerics.limits import exp_overflow_threshold
from core.numerics.text import format_error, format_exact, format_float
from core.softmax import figures
from core.softmax import functions as sm
from core.softmax import report as rp
from core.softmax import settings as inputs
from core.softmax.keras_check import KERAS_LOSS_CHECK
from ui.layout import (
    chart_style,
    html_table,
    preset_buttons,
    require_navigation,
    url_notices,
)
from ui.urlstate import incoming_params, write_params
from ui.workers import session_owner, worker_pool

PAGE = "softmax"
PARAMS = ("z", "y", "dtype", "T", "mode")
RANGES = (10, 100, 1000, 100_000)
STEPS = {10: 0.01, 100: 0.1, 1000: 1.0, 100_000: 10.0}
BINARY_LIMIT = 1000.0
ss = st.session_state
require_navigation()


# ----- state -----


def fitting_range(values: list[float]) -> int | None:
    largest = max((abs(v) for v in values), default=0)
    return next((r for r in RANGES if largest <= r), None)


def set_logits(values: list[float]) -> None:
    ss["logits"] = list(values)
    ss["sm.n"] = len(values)
    r = fitting_range(values)
    if r is not None and ss.get("sm.range", 0) < r:
        ss["sm.range"] = r
        # The shift slider's bounds change with the range; restart it at 0 rather than
        # let the browser clamp its old position to the new bounds.
        ss["sm.c"] = 0.0
    for i, v in enumerate(values):
        ss[f"sm.z{i}"] = float(v)
    ss["sm.text"] = inputs.format_logit_list(values)
    ss["sm.text_error"] = None
    if ss.get("sm.y", 0) >= len(values):
        ss["sm.y"] = 0


def apply_settings(settings: inputs.SoftmaxSettings) -> None:
    ss["sm.mode"] = settings.mode
    ss["sm.dtype"] = settings.dtype
    ss["sm.T"] = settings.temperature
    ss["sm.c"] = 0.0
    if settings.mode == "binary":
        ss["sm.bz"] = settings.z[0]
        ss["sm.by"] = settings.y
        if "logits" not in ss:
            ss["sm.range"] = RANGES[0]
            set_logits(list(inputs.SoftmaxSettings().z))
    else:
        ss["sm.range"] = fitting_range(list(settings.z)) or RANGES[-1]
        set_logits(list(settings.z))
        ss["sm.y"] = settings.y
    ss["sm.notices"] = list(settings.notices)


def on_text() -> None:
    try:
        set_logits(inputs.parse_logit_list(ss["sm.text"]))
    except ValueError as error:
        ss["sm.text_error"] = f"{error}. Keeping the previous logits."


def on_slider(i: int) -> None:
    logits = list(ss["logits"])
    logits[i] = ss[f"sm.z{i}"]
    ss["logits"] = logits
    ss["sm.text"] = inputs.format_logit_list(logits)
    ss["sm.text_error"] = None


def on_count() -> None:
    logits = list(ss["logits"])
    n = ss["sm.n"]
    set_logits(logits[:n] + [0.0] * (n - len(logits)))


def on_range() -> None:
    r = ss["sm.range"]
    clamped = [min(max(v, -r), r) for v in ss["logits"]]
    if clamped != ss["logits"]:
        ss["sm.notices"] = [f"Logits outside ±{r:,} were clamped to the slider range."]
    set_logits(clamped)
    ss["sm.c"] = 0.0


def on_preset(key: str) -> None:
    preset = inputs.preset_by_key(key)
    apply_settings(preset.settings)
    ss["sm.lesson"] = preset.lesson


def on_mode() -> None:
    ss["sm.notices"] = []


params = incoming_params(PAGE, PARAMS)
if params is not None:
    apply_settings(inputs.parse_softmax_query(params))
ss.setdefault("sm.by", 0)
ss.setdefault("sm.bz", inputs.DEFAULT_BINARY_LOGIT)
if abs(ss["sm.bz"]) > BINARY_LIMIT:
    ss["sm.notices"] = [f"A binary logit is between ±{BINARY_LIMIT:g} here; using 3."]
    ss["sm.bz"] = inputs.DEFAULT_BINARY_LOGIT
style = chart_style()

# ----- page -----

st.title("Softmax & cross-entropy")
st.markdown(
    "Move the logits and compare the textbook softmax `exp(z)/Σexp(z)` with the stable one "
    "that first subtracts the largest logit, in the float format of your choice. Every "
    "number is checked against an exact reference computed with 60 significant digits."
)
url_notices(ss.get("sm.notices", []))

top = st.columns([2, 2, 3])
mode = top[0].radio(
    "Mode",
    ["multi", "binary"],
    format_func={"multi": "Multi-class (softmax)", "binary": "Binary (sigmoid)"}.get,
    key="sm.mode",
    horizontal=True,
    on_change=on_mode,
    persist_state="session",
)
dtype = top[1].radio(
    "Float format",
    DTYPE_NAMES,
    key="sm.dtype",
    horizontal=True,
    help="Every step is computed in this format, as a framework would on that hardware.",
    persist_state="session",
)


def multi_class_controls() -> tuple[list[float], int, float, float]:
    st.markdown("**Presets that teach**")
    preset_buttons(inputs.PRESETS, "sm", on_preset)

    left, right = st.columns(2)
    with right:
        st.text_input(
            "Type or paste logits",
            key="sm.text",
            on_change=on_text,
            help="2 to 10 numbers separated by commas or spaces, such as 1000, 999, 998.",
            persist_state="session",
        )
        if ss.get("sm.text_error"):
            st.error(ss["sm.text_error"], icon=":material/error:")
        n = len(ss["logits"])
        c1, c2 = st.columns(2)
        c1.selectbox(
            "True class y",
            range(n),
            key="sm.y",
            persist_state="session",
        )
        c2.number_input(
            "Temperature T",
            min_value=inputs.TEMPERATURE_MIN,
            max_value=inputs.TEMPERATURE_MAX,
            step=0.1,
            key="sm.T",
            help="Softmax of z / T: small T sharpens, large T flattens.",
            persist_state="session",
        )
    with left:
        c1, c2 = st.columns(2)
        c1.number_input(
            "Number of classes",
            min_value=inputs.MIN_CLASSES,
            max_value=inputs.MAX_CLASSES,
            step=1,
            key="sm.n",
            on_change=on_count,
            persist_state="session",
        )
        c2.selectbox(
            "Slider range",
            RANGES,
            format_func=lambda r: f"± {r:,}",
            key="sm.range",
            on_change=on_range,
            persist_state="session",
        )
        r = ss["sm.range"]
        logits = ss["logits"]
        if fitting_range(logits) is None:
            st.caption("These logits are beyond ±100,000: edit them in the text box.")
        else:
            for i in range(n):
                st.slider(
                    f"z{i}" + (" (true class)" if i == ss["sm.y"] else ""),
                    min_value=-float(r),
                    max_value=float(r),
                    step=STEPS[r],
                    key=f"sm.z{i}",
                    on_change=on_slider,
                    args=(i,),
                    persist_state="session",
                )
    shift = st.slider(
        "Shift all logits by c",
        min_value=-float(ss["sm.range"]),
        max_value=float(ss["sm.range"]),
        step=STEPS[ss["sm.range"]],
        key="sm.c",
        help="Softmax is unchanged by adding the same c to every logit. The stable result "
        "does not move; the naive one breaks once exp overflows or underflows.",
        persist_state="session",
    )
    return list(ss["logits"]), ss["sm.y"], ss["sm.T"], shift


def loss_metrics(losses, dtype_name: str, binary: bool = False) -> None:
    helps = {
        "naive": "−log of the naive softmax probability of the true class.",
        "keras": "What Keras computes from probabilities: clipped to [1e-7, 1 − 1e-7], then log.",
        "logits": "log Σ exp(z) − z_y with the max shift: what from_logits=True computes.",
        "exact": "Exact value of the loss for the stored logits (mpmath, 60 digits).",
    }
    if binary:
        helps["naive"] = "−y log σ(z) − (1 − y) log(1 − σ(z)) with the naive sigmoid."
        helps["logits"] = "max(z, 0) − z·y + log1p(exp(−|z|)): what from_logits=True computes."
    columns = st.columns(len(losses))
    for column, loss in zip(columns, losses, strict=True):
        with column:
            if loss.key == "exact":
                st.metric(f"{loss.label} reference", format_exact(loss.value), help=helps["exact"])
                st.caption("60-digit mpmath")
            else:
                st.metric(
                    f"{loss.label} ({dtype_name})",
                    format_float(loss.value),
                    help=helps[loss.key],
                )
                if loss.relative_error is None:
                    st.caption("broken: no finite value to compare")
                else:
                    st.caption(
                        f"rel. error {format_error(loss.relative_error)} · "
                        f"{format_error(loss.ulp_error)} ULP"
                    )


def show_messages(messages) -> None:
    show = {"error": st.error, "warning": st.warning, "info": st.info}
    for message in messages:
        show[message.level](message.text)


def flag(value) -> str:
    text = format_float(value)
    if text in ("inf", "-inf", "nan") or value == 0:
        return f'<span class="broken">{text} ⚠</span>'
    return text


def per_class_table(report: rp.SoftmaxReport) -> None:
    columns = {
        "class": [f"{i}" + (" (true)" if i == report.y else "") for i in range(report.logits.size)],
        "z": [format_float(v) for v in report.logits],
        "exp(z)": [flag(v) for v in report.exp_logits],
        "z − max(z)": [format_float(v) for v in report.shifted],
        "exp(z − max(z))": [format_float(v) for v in report.exp_shifted],
        "naive p": [flag(v) for v in report.p_naive],
        "stable p": [flag(v) for v in report.p_stable],
        "exact p": [format_exact(v) for v in report.p_exact],
        "naive rel. err": [format_error(e) for e in report.naive_rel],
        "naive ULP": [format_error(e) for e in report.naive_ulp],
        "stable rel. err": [format_error(e) for e in report.stable_rel],
        "stable ULP": [format_error(e) for e in report.stable_ulp],
    }
    st.markdown(html_table(columns), unsafe_allow_html=True)
    st.caption(
        "⚠ marks inf, nan and underflow to 0. Values are the shortest decimals that read back "
        "as the same float; exact values are rounded to 17 significant digits. "
        "ULP: error in units in the last place (a correctly rounded result is at most 0.5)."
    )


def tex(value) -> str:
    text = format_float(value)
    return rf"\text{{{text}}}" if text in ("inf", "-inf", "nan") else text


def exp_sum(values) -> str:
    more = r" + \dots" if len(values) > 4 else ""
    return " + ".join(f"e^{{{tex(v)}}}" for v in values[:4]) + more


def formulas(report: rp.SoftmaxReport) -> None:
    y = report.y
    z = report.logits
    zy, m = tex(z[y]), tex(z.max())
    shifted = exp_sum(report.shifted)
    p_naive = tex(report.p_naive[y])
    p_stable = tex(report.p_stable[y])
    st.latex(rf"p_{y}^{{\text{{naive}}}} = \frac{{e^{{{zy}}}}}{{{exp_sum(z)}}} = {p_naive}")
    st.latex(rf"p_{y}^{{\text{{stable}}}} = \frac{{e^{{{zy} - ({m})}}}}{{{shifted}}} = {p_stable}")
    naive = tex(report.loss("naive").value)
    st.latex(rf"L^{{\text{{naive}}}} = -\log p_{y}^{{\text{{naive}}}} = {naive}")
    st.latex(
        rf"L^{{\text{{from logits}}}} = \log\left({shifted}\right) - ({zy} - ({m}))"
        rf" = {tex(report.loss('logits').value)}"
    )


def keras_truth() -> None:
    st.subheader("What Keras really does")
    st.markdown(
        '- `Dense(10, activation="softmax")` + `SparseCategoricalCrossentropy()`: on the '
        "TensorFlow backend Keras **quietly rescues** you. The softmax output carries its logits, "
        "and the loss uses them, so it equals the from-logits loss (2000 for logits "
        "`1000, 0, -1000` and true class 2).\n"
        "- A plain `tf.nn.softmax` output (no Keras tag) is taken at face value: probabilities "
        "are clipped to `[1e-7, 1 − 1e-7]`, so the loss **stops at about 16.118** however wrong "
        "the prediction.\n"
        "- A hand-written `exp(z)/sum(exp(z))` is **truly naive**: `nan` once exp overflows.\n"
        '- `Dense(10, activation="linear")` + `SparseCategoricalCrossentropy(from_logits=True)` '
        "is the explicit, portable way: it does not depend on a backend's rescue."
    )


def submit_tf_check(case: dict) -> None:
    job = worker_pool().submit(KERAS_LOSS_CHECK, {"cases": [case]}, owner=session_owner())
    ss["sm.tf_job"] = job.id
    ss["sm.tf_case"] = case


def tf_check(case: dict) -> None:
    pool = worker_pool()
    st.button(
        "Check with TensorFlow",
        key="sm.tf_button",
        icon=":material/science:",
        on_click=submit_tf_check,
        args=(case,),
        help="Computes the same losses with real TensorFlow/Keras in a worker process. "
        "The first check takes a few seconds while TensorFlow loads.",
    )
    job = pool.get(ss.get("sm.tf_job", ""))
    if job is None:
        return

    @st.fragment(run_every=0.5 if not job.status.finished else None)
    def progress() -> None:
        current = pool.get(job.id)
        if current is None or current.status.finished:
            if not job.status.finished or ss.get("sm.tf_shown") != job.id:
                ss["sm.tf_shown"] = job.id
                st.rerun(scope="app")
            return
        position = pool.queue_position(current)
        if position is not None:
            st.info(f"All TensorFlow workers are busy: you are number {position} in the queue.")
        else:
            with st.spinner("TensorFlow is computing (the first check loads TensorFlow)…"):
                pool.wait(current, timeout=0.4)

    if not job.status.finished:
        progress()
        return
    if job.error:
        st.error(f"The TensorFlow check failed: {job.error}. Try again.")
        return
    if job.status.value != "done":
        st.warning("The TensorFlow check was stopped. Try again.")
        return
    asked = ss.get("sm.tf_case", {})
    if asked != case:
        st.caption("The logits changed since the last check; press the button to check again.")
        return
    rows = rp.compare_with_keras(
        asked["mode"], asked["z"], asked["y"], asked["dtype"], job.result[0]
    )
    st.markdown(
        html_table(
            {
                "Keras model ending + loss": [f"<code>{r.setup}</code>" for r in rows],
                "Softmax Lab": [format_float(r.ours) for r in rows],
                "TensorFlow": [format_float(r.keras) for r in rows],
                "agree": [r.verdict for r in rows],
            }
        ),
        unsafe_allow_html=True,
    )


def multi_class_page() -> dict:
    logits, y, temperature, shift = multi_class_controls()
    report = rp.softmax_report(logits, y, dtype, temperature, shift)
    st.subheader(f"Loss for the true class y = {y}")
    loss_metrics(report.losses, dtype)
    show_messages(report.messages)
    st.subheader("Per class")
    per_class_table(report)
    # Side by side on a laptop, one under the other on a projector.
    left, right = (st.container(), st.container()) if style.font_size > 16 else st.columns(2)
    left.plotly_chart(
        figures.probability_bars(
            report.p_naive, report.p_stable, [float(p) for p in report.p_exact], y, style
        ),
        width="stretch",
        key="sm.chart.p",
    )
    right.plotly_chart(
        figures.gradient_bars(report.grad_naive, report.grad_stable, y, style),
        width="stretch",
        key="sm.chart.grad",
    )
    with st.expander("The formulas with your numbers", icon=":material/function:"):
        formulas(report)
    # Built only when asked for: a collapsed expander would still build and send it.
    if st.toggle(
        "Where does naive break? Show the error as the logits grow",
        key="sm.breakdown",
        persist_state="session",
    ):
        st.plotly_chart(
            figures.breakdown_chart(
                rp.BREAKDOWN_SCALES,
                {d: rp.breakdown_curve(d) for d in DTYPE_NAMES},
                {d: exp_overflow_threshold(d) for d in DTYPE_NAMES},
                style,
            ),
            width="stretch",
            key="sm.chart.breakdown",
        )
        st.caption(
            "The naive softmax is exact enough until the largest logit passes log(max) of the "
            "format; then exp overflows and every probability is nan. The stable one never moves."
        )
    return {
        "mode": "multi",
        "z": [float(v) for v in report.logits],
        "y": y,
        "dtype": dtype,
    }


def binary_page() -> dict:
    left, right = st.columns(2)
    z = left.number_input(
        "Logit z",
        min_value=-BINARY_LIMIT,
        max_value=BINARY_LIMIT,
        step=0.5,
        key="sm.bz",
        persist_state="session",
    )
    y = right.radio("Label y", [0, 1], key="sm.by", horizontal=True, persist_state="session")
    report = rp.binary_report(z, y, dtype)
    if report.losses:
        st.metric(
            f"Naive sigmoid σ(z) in {dtype}",
            format_float(report.a_naive),
            help="1 / (1 + exp(−z))",
        )
        st.caption(
            f"exact σ(z) = {format_exact(report.a_exact)} = "
            f"1 − {format_exact(report.complement_exact)}"
        )
        loss_metrics(report.losses, dtype, binary=True)
    show_messages(report.messages)
    limit = max(60.0, min(BINARY_LIMIT, abs(float(z)) * 1.2))
    curve_z, curve_losses = rp.binary_loss_curve(dtype, y, limit)
    st.plotly_chart(
        figures.binary_loss_chart(
            curve_z, curve_losses, sm.sigmoid_saturation_point(dtype), float(z), style
        ),
        width="stretch",
        key="sm.chart.binary",
    )
    st.caption(
        "Naive: −y log σ(z) − (1 − y) log(1 − σ(z)). From logits: "
        "max(z, 0) − z·y + log1p(exp(−|z|)), which never forms σ(z)."
    )
    return {"mode": "binary", "z": [float(report.z)], "y": y, "dtype": dtype}


case = multi_class_page() if mode == "multi" else binary_page()
keras_truth()
tf_check(case)

settings = inputs.SoftmaxSettings(
    z=tuple(ss["logits"]) if mode == "multi" else (float(ss["sm.bz"]),),
    y=ss["sm.y"] if mode == "multi" else ss["sm.by"],
    dtype=dtype,
    temperature=ss["sm.T"],
    mode=mode,
)
write_params(PAGE, PARAMS, inputs.softmax_query(settings))
