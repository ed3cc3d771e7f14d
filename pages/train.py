"""Train live: the course's network, softmax output against linear output + from_logits."""

import streamlit as st

from core.draw.images import enlarge
from core.jobs.pool import JobStatus, waiting_text
from core.training import data, figures
from core.training import settings as ts
from core.training import state as tr
from core.training.history import (
    coincidence_note,
    coinciding_curves,
    downsample,
    first_batch_note,
)
from core.training.models import evaluate, weights_to_npz
from core.training.network import NetworkSpec
from core.training.readable import readable_source
from core.training.results import (
    misclassified_captions,
    variant_label,
)
from core.training.run import TRAIN_TASK, VARIANTS, TrainConfig
from ui.binding import control, read_link, session, write_link
from ui.layout import (
    big_number,
    chart_style,
    in_slot,
    intro,
    key_result_slot,
    preset_buttons,
    require_navigation,
    url_notices,
    weights_upload,
)
from ui.predict import predict_first
from ui.workers import (
    classmates,
    current_job,
    follow_address_run,
    job_buttons,
    show_run_in_address,
    start_job,
    watch_job,
    worker_pool,
)

PAGE = "train"
JOB = "tr.job"
ss = session()
require_navigation()
read_link(PAGE, ts.SETTINGS, tr.PREFIX, tr.apply_settings)
style = chart_style()


@st.cache_resource(show_spinner=False)
def mnist_status(attempt: int) -> tuple[data.Dataset | None, tuple[str, ...]]:
    # `attempt` changes when a student asks to download, so the lookup runs again.
    dataset, status = data.find_mnist(download=attempt > 0)
    return dataset, tuple(status)


@st.cache_resource(show_spinner=False, max_entries=4)
def uploaded_mnist(content: bytes) -> tuple[data.Dataset, str]:
    return data.store_uploaded_mnist(content)


@st.cache_resource(show_spinner=False, max_entries=2)
def mnist_file(path: str) -> data.Dataset:
    return data.load_mnist_npz(path)


def mnist_source() -> tuple[tuple[data.Dataset, str] | None, tuple[str, ...]]:
    if ss.get("tr.mnist_upload"):
        return ss["tr.mnist_upload"], ("Using the uploaded mnist.npz.",)
    dataset, status = mnist_status(ss.get("tr.mnist_attempt", 0))
    return (None if dataset is None else (dataset, dataset.source)), status


def test_dataset(config) -> data.Dataset:
    return mnist_file(config.mnist_path) if config.data == "mnist" else data.load_uci_digits()


def start_training() -> None:
    try:
        config = tr.current_config(ss, mnist_source()[0], data.load_uci_digits())
    except ValueError:
        return  # a setting changed in the same click; the rerun shows why above the button
    start_job(JOB, TRAIN_TASK, config.to_params(), config, share=True)
    tr.on_started(ss)
    ss.pop("tr.lost", None)


st.title("Train the network live")
intro(
    "The course's network, `Dense(25, relu) → Dense(15, relu) → Dense(10)`, trained in a "
    "worker process while you watch. Pick one variant or several: compared variants start "
    "from the same weights and see the same batches in the same order."
)
url_notices(ss.get("tr.notices", []))
lost = follow_address_run(JOB, TrainConfig.from_params)
if lost:
    ss["tr.lost"] = lost
if ss.get("tr.lost"):
    st.warning(ss["tr.lost"], icon=":material/cloud_off:")
predict_first("pages/train.py", tr.apply_settings)
key_result = key_result_slot()
mnist, mnist_notes = mnist_source()
preset_buttons(ts.PRESETS, "tr", lambda key: tr.on_preset(ss, key, mnist is not None))

left, right = st.columns(2)
with left:
    st.subheader("Data")
    control(tr.PREFIX, "data", ts.CONTROLS["data"])
    if ss["tr.data"] == "mnist" and mnist is None:
        st.warning("MNIST is not available, so training uses the embedded digits.")
        for line in mnist_notes:
            st.caption(line)
        c1, c2 = st.columns([1, 2])
        c1.button(
            "Try to download MNIST", key="tr.download", on_click=tr.ask_for_mnist_again, args=(ss,)
        )
        upload = c2.file_uploader("…or upload mnist.npz", type=["npz"], key="tr.mnist_file")
        if upload is not None:
            try:
                tr.keep_mnist_upload(ss, uploaded_mnist(upload.getvalue()))
                st.rerun()
            except ValueError as error:
                st.error(f"That file cannot be used: {error}.")
    shown = mnist[0] if ss["tr.data"] == "mnist" and mnist is not None else data.load_uci_digits()
    st.caption(shown.describe())
    control(tr.PREFIX, "n_train", ts.CONTROLS["n_train"], max_value=shown.n_train)
with right:
    st.subheader("Variants")
    control(tr.PREFIX, "variants", ts.CONTROLS["variants"])
    control(tr.PREFIX, "naive", ts.CONTROLS["naive"])
    with st.expander("What each variant is"):
        for variant in VARIANTS.values():
            st.markdown(
                f"**{variant.key} · {variant.title}**: `{variant.code}`  \n{variant.explanation}"
            )
    with st.expander("Read D's network: forward, backward and Adam in NumPy"):
        st.code(readable_source(), language="python")


# The knobs rerun only this part, which keeps the URL up to date itself.
@st.fragment
def knobs(mnist: tuple[data.Dataset, str] | None, shown: data.Dataset) -> None:
    for row in (
        ("optimizer", "lr", "batch", "epochs"),
        ("scale", "init_scale", "hidden", "activation"),
    ):
        for column, name in zip(st.columns(4), row, strict=True):
            control(tr.PREFIX, name, ts.CONTROLS[name], column)
    control(tr.PREFIX, "seed", ts.CONTROLS["seed"])
    try:
        settings = tr.current_config(ss, mnist, data.load_uci_digits())
    except ValueError as error:
        settings = None
        st.error(f"{str(error)[:1].upper()}{str(error)[1:]}. Fix this to start training.")
    else:
        inputs = int(shown.x_train[0].size)
        st.caption(
            f"The network: {NetworkSpec(inputs, settings.hidden, settings.activation).summary}"
        )
    if settings is not None:
        write_link(PAGE, ts.SETTINGS, tr.current_values(ss))
    # The Start button lives outside this fragment (a button a fragment draws outside
    # itself cannot rerun the page in a browser): when the settings become usable or
    # unusable, the whole page reruns so the button follows.
    usable, ss["tr.usable"] = ss.get("tr.usable"), settings is not None
    if usable is not None and usable != ss["tr.usable"]:
        st.rerun(scope="app")


st.subheader("Knobs")
knobs(mnist, shown)
job, run_config = current_job(JOB)
# Under the knobs on a laptop: drawn right there, not in a container of its own.
(st if key_result is None else key_result).button(
    "Start training",
    key="tr.start",
    on_click=start_training,
    type="primary",
    icon=":material/play_arrow:",
    disabled=(job is not None and not job.status.finished) or not ss["tr.usable"],
)
if job is not None and ss.get("tr.history") is None:
    tr.on_started(ss)  # a run followed from the address: its history is replayed from the start
left = ss.pop(f"{JOB}.left", 0)
if left:
    st.info(
        f"You stopped watching the run. It goes on for the {left} "
        f"classmate{'s' if left > 1 else ''} who also watch it.",
        icon=":material/group:",
    )


def live(current) -> None:
    history = ss["tr.history"].update(current.events)
    others = classmates(current) if not current.status.finished else 0
    if others:
        st.caption(
            f":material/group: Same run as {others} classmate{'s' if others > 1 else ''}: "
            "the same data, variants, settings and seed train the same way, so the class "
            "shares one training and each page replays it from the start."
        )
    job_buttons("tr", current, JOB)
    # The progress line and the charts come together, with the first steps.
    if not history.progress and not current.status.finished:
        st.info(
            waiting_text(
                worker_pool().tensorflow_loaded(current) if run_config.needs_tensorflow else True,
                current.seconds_running(),
                "Loading the data and building the models",
                worker_pool().keeps_tensorflow,
            ),
            icon=":material/hourglass_top:",
        )
        return
    st.progress(
        history.fraction_done,
        text=history.status_line(current.status.value, run_config.epochs),
    )
    if current.status is JobStatus.FAILED:
        st.error(f"Training failed: {current.error}. Start again to retry.")
    elif current.status is JobStatus.STOPPED:
        st.warning("Training was stopped. The curves show how far it got.")
    for key, variant in history.variants.items():
        if variant.diverged:
            st.error(f"{variant_label(key)}: {variant.diverged}")
        elif variant.stuck:
            st.warning(f"{variant_label(key)}: {variant.stuck}")
    names = {v: variant_label(v) for v in run_config.variants}
    losses = {k: downsample(v.losses) for k, v in history.variants.items()}
    peaks = {k: downsample(v.peaks, reduce="max") for k, v in history.variants.items()}
    broke = {k: len(v.losses) if v.diverged else None for k, v in history.variants.items()}
    same = coinciding_curves(history)
    # Three or four variants' legends sit beside the plot: in half a page that left the
    # plot a sliver, so the two charts then take the page's width, one under the other.
    a, b = st.columns(2) if len(names) <= 2 else (st.container(), st.container())
    a.plotly_chart(
        figures.training_loss_chart(
            losses, broke, names, style, {p.under: p.over for p in same["loss"]}
        ),
        width="stretch",
        key="tr.chart.loss",
    )
    a.caption(first_batch_note({k: v.losses for k, v in history.variants.items()}, names))
    for pair in same["loss"]:
        a.caption(coincidence_note(pair, names))
    b.plotly_chart(
        figures.logit_peak_chart(peaks, names, style, {p.under: p.over for p in same["peaks"]}),
        width="stretch",
        key="tr.chart.peaks",
    )
    epochs = {k: v.epochs for k, v in history.variants.items() if v.epochs}
    if epochs:
        st.plotly_chart(
            figures.accuracy_chart(
                epochs, names, style, {p.under: p.over for p in same["accuracy"]}
            ),
            width="stretch",
            key="tr.chart.accuracy",
        )


def results(current) -> None:
    if current.status is not JobStatus.DONE:
        return
    dataset = test_dataset(run_config)
    models = tr.run_models(ss, current.id, current.result, run_config, dataset)
    if not models:
        return
    st.subheader("After training")
    columns = st.columns(len(models))
    for i, (column, model) in enumerate(zip(columns, models.values(), strict=True)):
        with column:
            big_number(
                f"{model.variant} · test accuracy", f"{model.test_accuracy:.1%}", f"tr-accuracy-{i}"
            )
    broken = [k for k, v in current.result["variants"].items() if v["diverged"]]
    if broken:
        st.caption(
            f"{' and '.join(broken)} left out: {'its' if len(broken) == 1 else 'their'} "
            "training stopped when the loss broke, so there are no weights to test."
        )
    model = models[st.selectbox("Look closer at", list(models), key="tr.inspect")]
    result = evaluate(model, dataset.x_test, dataset.y_test)
    a, b = st.columns(2)
    a.plotly_chart(
        figures.confusion_chart(result.confusion, style), width="stretch", key="tr.chart.confusion"
    )
    with b:
        st.markdown("**Misclassified test images**, most confident first")
        wrong = result.misclassified[:12]
        if wrong.size == 0:
            st.success("No test image is misclassified.")
        else:
            st.image(
                [enlarge(dataset.x_test[i], dataset.pixel_max, 84, dark_ink=True) for i in wrong],
                caption=misclassified_captions(result, dataset.y_test, wrong),
                width=84,
            )
    st.markdown("**Per-class probabilities for a few test images**")
    for column, i in zip(st.columns(4), range(4), strict=True):
        column.image(enlarge(dataset.x_test[i], dataset.pixel_max, 84, dark_ink=True), width=84)
        column.plotly_chart(
            figures.class_probability_chart(
                result.probabilities[i],
                int(dataset.y_test[i]),
                f"true digit {dataset.y_test[i]}",
                style,
            ),
            width="stretch",
            key=f"tr.chart.sample{i}",
        )
    st.download_button(
        "Download these weights (.npz)",
        weights_to_npz(model),
        file_name=f"softmax-lab-{model.variant}-{run_config.data}.npz",
        mime="application/octet-stream",
        key="tr.download_weights",
        icon=":material/download:",
    )
    st.caption("Trained models stay in this session for the draw page.")


if job is not None:
    with in_slot(key_result):
        ended = watch_job(job, live, "training workers", JOB)
    if ended:
        results(job)

weights_upload("Upload weights saved earlier (.npz)", "tr.weights_file")
show_run_in_address(job)
