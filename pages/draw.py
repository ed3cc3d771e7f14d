"""Draw a digit: what the network sees, its logits and per-class probabilities."""

from typing import Any

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from core.draw import state as dr
from core.draw.images import enlarge, load_uploaded_image
from core.draw.pen import CANVAS_SIZE, PAGE_PEN
from core.draw.preprocess import PreprocessResult, ink_from_rgba, preprocess_for
from core.draw.settings import DEFAULT_MODEL, SETTINGS
from core.numerics.formats import DTYPE_NAMES
from core.numerics.text import format_error, format_exact, format_float
from core.softmax import figures
from core.softmax import report as rp
from core.training import state as tr
from core.training.models import TrainedModel, default_model
from ui.binding import read_link, session, write_link
from ui.layout import (
    chart_style,
    html_bars,
    in_slot,
    intro,
    key_result_slot,
    require_navigation,
    url_notices,
    weights_upload,
)
from ui.predict import predict_first

PAGE = "draw"
ss = session()
require_navigation()
style = chart_style()


def available_models() -> dict[str, TrainedModel]:
    return {DEFAULT_MODEL: default_model(), **ss.get(tr.MODELS, {})}


models = available_models()
read_link(PAGE, SETTINGS, dr.PREFIX, dr.apply_settings, {"available": list(models)})
chosen = dr.keep_available(ss, list(models))

st.title("Draw a digit")
intro(
    "Draw a digit and see it the way the network does: shrunk to the format it was trained "
    "on, then ten logits, then probabilities from the stable softmax. Everything runs in "
    "NumPy on the model's weights."
)
url_notices(ss.get("dr.notices", []))
predict_first("pages/draw.py", dr.apply_settings, {"available": list(models)})
key_result = key_result_slot()
st.multiselect(
    "Models (several: side by side on the same drawing)",
    list(models),
    format_func=lambda n: (
        "Default: the course network on the embedded digits" if n == DEFAULT_MODEL else n
    ),
    key="dr.models",
    help="Models you train on the train page appear here for the rest of your session.",
    persist_state="session",
)

weights_upload("Use a weights file saved on the train page (.npz)", "dr.weights_file")


# The temperature, the format and the meant digit rerun only the answer, not the canvas
# and the preprocessing of the drawing.
@st.fragment
def answer(ink: np.ndarray, seen: PreprocessResult, quick: Any) -> None:
    first = models[chosen[0]]
    c = st.columns(3)
    temperature = c[0].slider("Temperature T", 0.1, 5.0, 1.0, 0.1, key="dr.T")
    dtype = c[1].radio("Float format", DTYPE_NAMES, index=1, horizontal=True, key="dr.dtype")
    meant = c[2].selectbox("Which digit did you mean?", range(10), key="dr.meant")
    # One preprocessing per data set a chosen model reads, per stroke.
    views = {first.dataset: seen}
    for name in chosen:
        model = models[name]
        if model.dataset not in views:
            views[model.dataset] = preprocess_for(model.dataset, ink)
        image = views[model.dataset].image
        logits = model.logits(image[None])[0]
        report = rp.softmax_report([float(v) for v in logits], meant, dtype, temperature)
        top = int(np.argmax(report.p_stable))
        title = dr.answer_title(name, top, float(report.p_stable[top]))
        if name == chosen[0]:
            quick.markdown(f"**{title}**")
        st.subheader(title)
        a, b = st.columns(2)
        a.html(
            html_bars(
                "Logits z",
                [float(v) for v in logits],
                [f"{v:.2f}" for v in logits],
                int(np.argmax(logits)),
            )
        )
        b.html(
            html_bars(
                # Short, like "Logits z": on a projector a wrapped title would push
                # these rows out of line with the logits beside them.
                "Probabilities p",
                [float(p) for p in report.p_stable],
                [f"{float(p):.2%}" for p in report.p_stable],
                top,
                full=1.0,
            )
        )
        percent = " · ".join(f"{i}: {float(p):.1%}" for i, p in enumerate(report.p_stable))
        st.caption(f"Stable softmax in {dtype}, T = {temperature:g}: {percent}")
        shown: list[str] = []
        if np.isnan(report.p_naive).any():
            shown = [m.text for m in report.messages if m.level == "error"]
            st.warning(f"The naive softmax breaks here in {dtype}: " + " ".join(shown))
        if st.toggle(
            f"Show the naive softmax, the loss and the gradient if you meant {meant}",
            key=f"dr.loss.{name}",
        ):
            for message in report.messages:
                if message.level != "info" and message.text not in shown:
                    st.warning(message.text)
            cols = st.columns(4)
            for col, loss in zip(cols, report.losses, strict=True):
                value = (
                    format_exact(loss.value) if loss.key == "exact" else format_float(loss.value)
                )
                col.metric(loss.label, value)
                if loss.key != "exact":
                    col.caption(f"rel. error {format_error(loss.relative_error)}")
            left_chart, right_chart = st.columns(2)
            left_chart.plotly_chart(
                figures.probability_bars(
                    report.p_naive,
                    report.p_stable,
                    [float(p) for p in report.p_exact],
                    meant,
                    style,
                ),
                width="stretch",
                key=f"dr.probs.{name}",
            )
            right_chart.plotly_chart(
                figures.gradient_bars(report.grad_naive, report.grad_stable, meant, style),
                width="stretch",
                key=f"dr.grad.{name}",
            )


@st.fragment
def drawing_and_answer() -> None:
    # A stroke reruns only this part of the page: less to send and redraw per stroke.
    # On a projector the canvas is larger: give it the wider column.
    left, right = st.columns([1, 1.4] if style.font_size <= 16 else [1.5, 1])
    upload_failed = False
    with left:
        source = st.segmented_control(
            "Input", ["Draw", "Upload a photo"], default="Draw", key="dr.source"
        )
        drawing = source != "Upload a photo"
        ink = None
        if not drawing:
            upload = st.file_uploader(
                "A PNG or JPEG of one handwritten digit",
                type=["png", "jpg", "jpeg"],
                key="dr.upload",
            )
            if upload is not None:
                try:
                    ink = load_uploaded_image(upload.getvalue())
                except ValueError as error:
                    st.error(str(error), icon=":material/image_not_supported:")
                    upload_failed = True
        else:
            # A bigger canvas on a projector, and a pen that scales with it.
            canvas_size = CANVAS_SIZE if style.font_size <= 16 else 420
            pen = st.slider("Pen width", 8, 60, PAGE_PEN * canvas_size // CANVAS_SIZE, key="dr.pen")
            canvas = st_canvas(
                stroke_width=pen,
                stroke_color="#000000",
                background_color="#FFFFFF",
                height=canvas_size,
                width=canvas_size,
                drawing_mode="freedraw",
                return_image_data=True,
                key=dr.canvas_key(ss),
            )
            # The canvas decodes its PNG on each read of image_data: read it once.
            image_data = canvas.image_data
            if image_data is not None:
                ink = ink_from_rgba(np.asarray(image_data))
        # Where the columns stack (a phone), the answer below them is a screen away:
        # the top answer is repeated here, right under the drawing (lab.css shows it
        # only there).
        quick = st.container(key="dr-quick")
        if drawing:
            # A touch screen shows the canvas toolbar only once it is tapped.
            st.button(
                "Clear the drawing",
                key="dr.clear",
                on_click=dr.on_clear,
                args=(ss,),
                icon=":material/delete:",
            )
            st.caption("Undo and redo are in the canvas toolbar.")

    first = models[chosen[0]]
    seen = preprocess_for(first.dataset, ink) if ink is not None else None
    with right:
        if seen is None or seen.empty or seen.dot:
            message = dr.waiting_message(drawing, seen, upload_failed)
            icon = ":material/draw:" if drawing else ":material/add_photo_alternate:"
            st.info(f"{message} The network's guess will appear here.", icon=icon)
        else:
            st.markdown(
                f"**What the network sees** ({first.dataset}: {seen.image.shape[0]}×"
                f"{seen.image.shape[1]})"
            )
            st.image(enlarge(seen.image, seen.pixel_max, 168), width=168)

    if seen is not None and not seen.empty and not seen.dot:
        answer(ink, seen, quick)


with in_slot(key_result):
    drawing_and_answer()
write_link(PAGE, SETTINGS, dr.current_values(ss))
