"""Softmax & cross-entropy: naive against stable, four losses against the exact value."""

from typing import Any

import streamlit as st

from core.jobs.pool import waiting_text
from core.numerics.formats import DTYPE_NAMES
from core.numerics.limits import exp_overflow_threshold
from core.numerics.text import format_exact, format_float
from core.softmax import figures
from core.softmax import multilabel as ml
from core.softmax import report as rp
from core.softmax import settings as sf
from core.softmax import state as sm
from core.softmax import table as tb
from core.softmax.formulas import softmax_formulas
from core.softmax.functions import sigmoid_saturation_point
from core.softmax.keras_check import KERAS_LOSS_CHECK
from ui.binding import control, read_link, session, write_link
from ui.layout import (
    big_number,
    chart_style,
    html_table,
    in_slot,
    intro,
    key_result_slot,
    presenting,
    preset_buttons,
    require_navigation,
    url_notices,
)
from ui.predict import predict_first
from ui.workers import current_job, start_job, watch_job, worker_pool

PAGE = "softmax"
TF_JOB = "sm.tf"
ss = session()
require_navigation()
read_link(PAGE, sf.SETTINGS, sm.PREFIX, sm.apply_settings)
sm.ensure_binary_defaults(ss)
sm.ensure_multilabel_defaults(ss)
style = chart_style()

st.title("Softmax & cross-entropy")
intro(
    "Move the logits and compare the textbook softmax `exp(z)/Σexp(z)` with the stable one "
    "that first subtracts the largest logit, in the float format of your choice. Every "
    "number is checked against an exact reference computed with 60 significant digits."
)
url_notices(ss.get("sm.notices", []))
predict_first("pages/softmax.py", sm.apply_settings)
key_result = key_result_slot()

top = st.columns([2, 2, 3])
control(sm.PREFIX, "mode", sf.CONTROLS["mode"], top[0], on_change=sm.on_mode, args=(ss,))
if ss["sm.mode"] == "multi":
    # Outside the lesson below: a preset reruns the whole page, and a typed logit or a
    # slider reruns the lesson without sending the presets again.
    st.markdown("**Presets that teach**")
    preset_buttons(sf.PRESETS, "sm", lambda key: sm.on_preset(ss, key))


def logit_sliders(n: int) -> None:
    r = ss["sm.range"]
    if sm.fitting_range(ss["sm.logits"]) is None:
        st.caption("These logits are beyond ±100,000: edit them in the text box.")
        return
    for i in range(n):
        st.slider(
            f"z{i}" + (" (true class)" if i == ss["sm.y"] else ""),
            min_value=-float(r),
            max_value=float(r),
            step=sm.SLIDER_STEPS[r],
            key=f"sm.z{i}",
            on_change=sm.on_slider,
            args=(ss, i),
            persist_state="session",
        )


def multi_class_controls() -> Any:
    left, right = st.columns(2)
    with right:
        control(sm.PREFIX, "text", sf.CONTROLS["text"], on_change=sm.on_text, args=(ss,))
        if ss.get("sm.text_error"):
            st.error(ss["sm.text_error"], icon=":material/error:")
        n = len(ss["sm.logits"])
        c1, c2 = st.columns(2)
        c1.selectbox("True class y", range(n), key="sm.y", persist_state="session")
    with left:
        c1, c2 = st.columns(2)
        control(sm.PREFIX, "n", sf.CONTROLS["n"], c1, on_change=sm.on_count, args=(ss,))
        c2.selectbox(
            "Slider range",
            sm.SLIDER_RANGES,
            format_func=lambda r: f"± {r:,}",
            key="sm.range",
            on_change=sm.on_range,
            args=(ss,),
            persist_state="session",
        )
        logit_sliders(n)
    return c2


def loss_metrics(losses, dtype_name: str, kind: str = "multi") -> None:
    helps = sf.LOSS_HELP[kind]
    # Two to a row: a 17-digit value keeps its digits on one line at a size that still
    # stands out, where four to a row would leave it a column too narrow.
    columns = [c for _ in range(0, len(losses), 2) for c in st.columns(2)]
    for column, loss in zip(columns, losses, strict=False):
        exact = loss.key.endswith("exact")
        with column:
            big_number(
                f"{loss.label} reference" if exact else f"{loss.label} ({dtype_name})",
                format_exact(loss.value) if exact else format_float(loss.value),
                f"sm-loss-{loss.key}",
                help=helps[loss.key],
            )
            st.caption(loss.caption)


def show_messages(messages) -> None:
    show = {"error": st.error, "warning": st.warning, "info": st.info}
    for message in messages:
        show[message.level](message.text)


def dtype_control() -> str:
    return control(sm.PREFIX, "dtype", sf.CONTROLS["dtype"], top[1])


def after_results(case: dict) -> None:
    """Draw what follows a mode's results, the TensorFlow check of `case`, and keep the URL."""
    keras_truth()
    tf_check(case)
    write_link(PAGE, sf.SETTINGS, sm.current_values(ss))


def keras_truth() -> None:
    st.subheader("What Keras really does")
    st.markdown(sf.KERAS_TRUTH)


def tf_check(case: dict) -> None:
    st.button(
        "Check with TensorFlow",
        key="sm.tf_button",
        icon=":material/science:",
        on_click=start_job,
        args=(TF_JOB, KERAS_LOSS_CHECK, {"cases": [case]}, case, True),
        help="Computes the same losses with real TensorFlow/Keras in a worker process, "
        "which imports TensorFlow in the background when the app starts.",
    )
    job, asked = current_job(TF_JOB)
    if job is None:
        return
    if not job.status.finished:
        watch_job(job, tf_progress, "TensorFlow workers", TF_JOB)
        return
    if job.error:
        st.error(f"The TensorFlow check failed: {job.error}. Try again.")
        return
    if job.status.value != "done":
        st.warning("The TensorFlow check was stopped. Try again.")
        return
    if asked != case:
        st.caption("The logits changed since the last check; press the button to check again.")
        return
    if asked["mode"] == "multilabel":
        rows = rp.compare_multilabel_with_keras(
            asked["z"], asked["labels"], asked["dtype"], job.result[0]
        ).rows
    else:
        rows = rp.compare_with_keras(
            asked["mode"], asked["z"], asked["y"], asked["dtype"], job.result[0]
        )
    st.markdown(
        html_table(tb.keras_columns(rows), label="Softmax Lab against TensorFlow"),
        unsafe_allow_html=True,
    )


def tf_progress(job) -> None:
    pool = worker_pool()
    # Shown at once (a spinner would appear only after half a second), then a short wait
    # lets a warm worker's answer, about 0.1 s, replace it within this same run.
    st.info(
        waiting_text(
            pool.tensorflow_loaded(job),
            job.seconds_running(),
            "TensorFlow is computing",
            pool.keeps_tensorflow,
        ),
        icon=":material/hourglass_top:",
    )
    if pool.wait(job, timeout=0.4):
        st.rerun(scope="app")


def multi_class_page() -> None:
    multi_class_results(multi_class_controls())


# The format, the temperature and the shift change only the results: they rerun this
# part alone, not the presets, the logits and their sliders above.
@st.fragment
def multi_class_results(t_column: Any) -> None:
    dtype = dtype_control()
    control(sm.PREFIX, "T", sf.CONTROLS["T"], t_column)
    r = ss["sm.range"]
    bounds = {"min_value": -float(r), "max_value": float(r), "step": sm.SLIDER_STEPS[r]}
    shift = control(sm.PREFIX, "c", sf.CONTROLS["c"], **bounds)
    y = ss["sm.y"]
    report = rp.softmax_report(ss["sm.logits"], y, dtype, ss["sm.T"], shift)
    with in_slot(key_result):
        if not presenting():
            # On a projector the question above says which class is true.
            st.subheader(f"Loss for the true class y = {y}")
        loss_metrics(report.losses, dtype)
        show_messages(report.messages)
        st.subheader("Per class")
        view = "all"
        if style.font_size > 16:
            # A projector's larger type fits four or five columns across, not twelve.
            view = control(
                sm.PREFIX,
                "columns",
                sf.CONTROLS["columns"],
                default="probabilities",
                required=True,
            )
        st.markdown(
            html_table(tb.per_class_columns(report, view), label="Per class"),
            unsafe_allow_html=True,
        )
    st.caption(
        "⚠ marks inf, nan and underflow to 0. Values are the shortest decimals that read back "
        "as the same float; exact values are rounded to 17 significant digits. "
        "∂L/∂z: the loss's gradient, p − onehot(y), from the stable p. ULP: error in units "
        "in the last place (a correctly rounded result is at most 0.5)."
    )
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
    # Built only when open: a collapsed expander would still build and send its formulas.
    formulas = st.expander(
        "The formulas with your numbers",
        icon=":material/function:",
        key="sm.formulas",
        on_change="rerun",
    )
    if formulas.open:
        with formulas:
            for formula in softmax_formulas(report):
                st.latex(formula)
    # Built only when asked for: a collapsed expander would still build and send it.
    if control(sm.PREFIX, "breakdown", sf.CONTROLS["breakdown"]):
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
    after_results({"mode": "multi", "z": [float(v) for v in report.logits], "y": y, "dtype": dtype})
    sm.remember_controls(ss)


def binary_page() -> None:
    dtype = dtype_control()
    left, right = st.columns(2)
    z = left.number_input(
        "Logit z",
        min_value=-sm.BINARY_LIMIT,
        max_value=sm.BINARY_LIMIT,
        step=0.5,
        key="sm.bz",
        persist_state="session",
    )
    y = control(sm.PREFIX, "by", sf.CONTROLS["by"], right)
    report = rp.binary_report(z, y, dtype)
    with in_slot(key_result):
        if report.losses:
            big_number(
                f"Naive sigmoid σ(z) in {dtype}",
                format_float(report.a_naive),
                "sm-sigmoid",
                help="1 / (1 + exp(−z))",
            )
            st.caption(
                f"exact σ(z) = {format_exact(report.a_exact)} = "
                f"1 − {format_exact(report.complement_exact)}"
            )
            loss_metrics(report.losses, dtype, "binary")
        show_messages(report.messages)
    limit = max(60.0, min(sm.BINARY_LIMIT, abs(float(z)) * 1.2))
    curve_z, curve_losses = rp.binary_loss_curve(dtype, y, limit)
    st.plotly_chart(
        figures.binary_loss_chart(
            curve_z, curve_losses, sigmoid_saturation_point(dtype), float(z), style
        ),
        width="stretch",
        key="sm.chart.binary",
    )
    st.caption(
        "Naive: −y log σ(z) − (1 − y) log(1 − σ(z)). From logits: "
        "max(z, 0) − z·y + log1p(exp(−|z|)), which never forms σ(z)."
    )
    after_results({"mode": "binary", "z": [float(report.z)], "y": y, "dtype": dtype})


def multilabel_page() -> None:
    dtype = dtype_control()
    control(sm.PREFIX, "names_text", sf.CONTROLS["names_text"], on_change=sm.on_names, args=(ss,))
    if ss.get("sm.names_error"):
        st.error(ss["sm.names_error"], icon=":material/error:")
    for i, name in enumerate(ss["sm.ml_names"]):
        # The name is the student's text: shown as plain text, never as Markdown.
        left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
        left.text(name)
        middle.number_input(
            f"Logit z{i}",
            min_value=-sf.MULTILABEL_LIMIT,
            max_value=sf.MULTILABEL_LIMIT,
            step=0.5,
            key=f"sm.ml_z{i}",
            on_change=sm.on_ml_logit,
            args=(ss, i),
            persist_state="session",
        )
        right.checkbox(
            f"Label y{i} = 1",
            key=f"sm.ml_y{i}",
            on_change=sm.on_ml_label,
            args=(ss, i),
            persist_state="session",
        )
    report = ml.multilabel_report(ss["sm.ml_logits"], ss["sm.ml_labels"], ss["sm.ml_names"], dtype)
    with in_slot(key_result):
        st.subheader(f"Loss of the sample, {len(report.labels)} outputs")
        loss_metrics(report.sums + report.means, dtype, "multilabel")
        st.markdown(report.mean_text)
        show_messages(report.messages)
        st.subheader("Per output")
        view = "all"
        if style.font_size > 16:
            view = control(
                sm.PREFIX, "ml_columns", sf.CONTROLS["ml_columns"], default="losses", required=True
            )
        columns = tb.multilabel_columns(report, view)
        st.markdown(
            html_table(columns, label="Per output", text=(tb.OUTPUT_COLUMN,)),
            unsafe_allow_html=True,
        )
    st.caption(
        "Σ: the sums over the outputs. ⚠ marks inf, nan, a sigmoid rounded to exactly 0 or 1 "
        "and a loss that underflowed to 0. ULP: error in units in the last place."
    )
    st.plotly_chart(
        figures.sigmoid_softmax_bars(report.names, report.sigmoid, report.softmax, style),
        width="stretch",
        key="sm.chart.multilabel",
    )
    st.caption(report.sum_text)
    z = [float(v) for v in report.logits]
    after_results({"mode": "multilabel", "z": z, "labels": list(report.labels), "dtype": dtype})


pages = {"multi": multi_class_page, "binary": binary_page, "multilabel": multilabel_page}


def above_lesson() -> tuple:
    """Return what is shown above `lesson` that its controls can change: mode and notices."""
    return ss["sm.mode"], tuple(ss.get("sm.notices", []))


# Every control but the mode reruns only this part: the title, the Predict first panel
# and the navigation above stay as they are, and the server builds and sends less. A
# preset or a new slider range can change the mode or the notices above: then the
# whole page reruns.
@st.fragment
def lesson(shown: tuple) -> None:
    if above_lesson() != shown:
        st.rerun(scope="app")
    pages[ss["sm.mode"]]()


lesson(above_lesson())
