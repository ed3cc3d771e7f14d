"""Train live: the course's network, softmax output against linear output + from_logits."""

import dataclasses
import hashlib

import numpy as np
import streamlit as st

from core.jobs.pool import JobStatus
from core.training import data as data
from core.training import figures
from core.training import run as training
from core.training.history import TrainingHistory, downsample
from core.training.models import TrainedModel, evaluate, weights_from_npz, weights_to_npz
from core.training.network import ACTIVATIONS, NetworkSpec
from ui.layout import chart_style, preset_buttons, require_navigation, url_notices
from ui.urlstate import incoming_params, write_params
from ui.workers import session_owner, worker_pool

PAGE = "train"
ss = st.session_state
require_navigation()
style = chart_style()


# ----- data sets the server can see (shared by every session) -----


@st.cache_resource(show_spinner=False)
def mnist_status(attempt: int) -> tuple[data.Dataset | None, tuple[str, ...]]:
    # `attempt` changes when a student asks to download, so the lookup runs again.
    dataset, status = data.find_mnist(download=attempt > 0)
    return dataset, tuple(status)


@st.cache_resource(show_spinner=False, max_entries=4)
def uploaded_mnist(content: bytes) -> tuple[data.Dataset, str]:
    dataset = data.load_mnist_npz(content, label="uploaded mnist.npz")
    directory = data.keras_cache_dir() / "softmax-lab-uploads"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"mnist-{hashlib.sha256(content).hexdigest()[:16]}.npz"
    path.write_bytes(content)
    return dataset, str(path)


def mnist_source() -> tuple[data.Dataset | None, str | None, tuple[str, ...]]:
    if ss.get("tr.mnist_upload"):
        dataset, path = ss["tr.mnist_upload"]
        return dataset, path, ("Using the uploaded mnist.npz.",)
    dataset, status = mnist_status(ss.get("tr.mnist_attempt", 0))
    if dataset is None:
        return None, None, status
    return dataset, dataset.source, status


# ----- settings -----


def apply_config(config: training.TrainConfig) -> None:
    ss["tr.variants"] = list(config.variants)
    ss["tr.data"] = config.data
    ss["tr.lr"] = config.learning_rate
    ss["tr.batch"] = config.batch_size
    ss["tr.epochs"] = config.epochs
    ss["tr.seed"] = config.seed
    ss["tr.scale"] = config.scale
    ss["tr.optimizer"] = config.optimizer
    ss["tr.init_scale"] = config.init_scale
    ss["tr.hidden"] = ", ".join(str(n) for n in config.hidden)
    ss["tr.activation"] = config.activation
    ss["tr.naive"] = config.naive_softmax


def on_preset(key: str) -> None:
    preset = next(p for p in training.PRESETS if p.key == key)
    config = preset.config
    if config.data == "mnist" and mnist_source()[0] is None:
        config = dataclasses.replace(config, data="uci-digits")
        ss["tr.notices"] = ["MNIST is not available here, so the preset uses the embedded digits."]
    apply_config(config)
    ss["tr.lesson"] = preset.lesson


def parse_hidden(text: str) -> tuple[int, ...]:
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"hidden sizes are whole numbers such as 25, 15; got {text[:30]!r}"
        ) from None
    NetworkSpec(64, sizes)
    return sizes


def current_config() -> training.TrainConfig:
    dataset, path, _ = mnist_source()
    use_mnist = ss["tr.data"] == "mnist" and dataset is not None
    chosen = dataset if use_mnist else data.load_uci_digits()
    training.check_batch_fits(
        min(ss["tr.n_train"] or chosen.n_train, chosen.n_train), ss["tr.batch"]
    )
    return training.TrainConfig(
        variants=tuple(ss["tr.variants"]) or ("C",),
        data="mnist" if use_mnist else "uci-digits",
        n_train=ss["tr.n_train"] or None,
        optimizer=ss["tr.optimizer"],
        learning_rate=ss["tr.lr"],
        batch_size=ss["tr.batch"],
        epochs=ss["tr.epochs"],
        seed=ss["tr.seed"],
        scale=ss["tr.scale"],
        hidden=parse_hidden(ss["tr.hidden"]),
        activation=ss["tr.activation"],
        init_scale=ss["tr.init_scale"],
        naive_softmax=ss["tr.naive"],
        mnist_path=path if use_mnist else None,
    )


params = incoming_params(PAGE, training.TRAIN_PARAMS)
if params is not None:
    config, notices = training.parse_train_query(params)
    apply_config(config)
    ss["tr.notices"] = notices
ss.setdefault("tr.n_train", 0)

# ----- jobs -----


def start_training() -> None:
    try:
        config = current_config()
    except ValueError:
        # A setting changed in the same click; the rerun shows why above the button.
        return
    job = worker_pool().submit(training.TRAIN_TASK, config.to_params(), owner=session_owner())
    ss["tr.job"] = job.id
    ss["tr.job_config"] = config
    ss["tr.history"] = TrainingHistory()
    ss["tr.saved"] = None


def control(action: str) -> None:
    job_id = ss.get("tr.job")
    if job_id:
        getattr(worker_pool(), action)(job_id)


def names_for(config: training.TrainConfig) -> dict[str, str]:
    return {v: f"{v} · {training.VARIANTS[v].title}" for v in config.variants}


def trained_names(job, config: training.TrainConfig) -> dict[str, str]:
    """Return ``{variant: model name}`` for the variants of `job` that did not diverge."""
    return {
        key: f"{key} · {training.VARIANTS[key].title} · {config.data} · {job.id}"
        for key, outcome in job.result["variants"].items()
        if not outcome["diverged"]
    }


def save_models(job, config: training.TrainConfig) -> None:
    dataset = test_dataset(config)
    spec = NetworkSpec(**job.result["spec"])
    models = ss.setdefault("models", {})
    for key, name in trained_names(job, config).items():
        outcome = job.result["variants"][key]
        model = TrainedModel(
            name, key, spec, outcome["weights"], config.data, config.scale, dataset.pixel_max
        )
        accuracy = evaluate(model, dataset.x_test, dataset.y_test).accuracy
        models[name] = dataclasses.replace(model, test_accuracy=accuracy)
    ss["tr.saved"] = job.id


@st.cache_resource(show_spinner=False, max_entries=2)
def mnist_file(path: str) -> data.Dataset:
    return data.load_mnist_npz(path)


def test_dataset(config: training.TrainConfig) -> data.Dataset:
    return mnist_file(config.mnist_path) if config.data == "mnist" else data.load_uci_digits()


# ----- page -----

st.title("Train the network live")
st.markdown(
    "The course's network, `Dense(25, relu) → Dense(15, relu) → Dense(10)`, trained in a "
    "worker process while you watch. Pick one variant or several: compared variants start "
    "from the same weights and see the same batches in the same order."
)
url_notices(ss.get("tr.notices", []))

preset_buttons(training.PRESETS, "tr", on_preset)

left, right = st.columns(2)
with left:
    st.subheader("Data")
    mnist, _, mnist_notes = mnist_source()
    st.radio(
        "Data set",
        ["uci-digits", "mnist"],
        format_func={"uci-digits": "Embedded UCI digits (8×8)", "mnist": "MNIST (28×28)"}.get,
        key="tr.data",
        horizontal=True,
        persist_state="session",
    )
    if ss["tr.data"] == "mnist" and mnist is None:
        st.warning("MNIST is not available, so training uses the embedded digits.")
        for line in mnist_notes:
            st.caption(line)
        c1, c2 = st.columns([1, 2])
        if c1.button("Try to download MNIST", key="tr.download"):
            ss["tr.mnist_attempt"] = ss.get("tr.mnist_attempt", 0) + 1
            st.rerun()
        upload = c2.file_uploader("…or upload mnist.npz", type=["npz"], key="tr.mnist_file")
        if upload is not None:
            try:
                ss["tr.mnist_upload"] = uploaded_mnist(upload.getvalue())
                st.rerun()
            except ValueError as error:
                st.error(f"That file cannot be used: {error}.")
    shown = mnist if ss["tr.data"] == "mnist" and mnist is not None else data.load_uci_digits()
    st.caption(shown.describe())
    st.number_input(
        "Training subset size (0: all)",
        min_value=0,
        max_value=shown.n_train,
        step=100,
        key="tr.n_train",
        persist_state="session",
    )
with right:
    st.subheader("Variants")
    st.multiselect(
        "Output and loss (several: compare side by side)",
        list(training.VARIANTS),
        format_func=lambda k: f"{k} · {training.VARIANTS[k].title}",
        key="tr.variants",
        persist_state="session",
    )
    st.toggle(
        "D uses the naive softmax (no max shift)",
        key="tr.naive",
        persist_state="session",
    )
    with st.expander("What each variant is"):
        for variant in training.VARIANTS.values():
            st.markdown(
                f"**{variant.key} · {variant.title}**: `{variant.code}`  \n{variant.explanation}"
            )

st.subheader("Knobs")
k = st.columns(4)
k[0].radio(
    "Optimizer",
    ["adam", "sgd"],
    format_func={"adam": "Adam", "sgd": "SGD"}.get,
    key="tr.optimizer",
    horizontal=True,
    persist_state="session",
)
k[1].select_slider(
    "Learning rate",
    training.LEARNING_RATES,
    format_func=lambda r: f"{r:g}",
    key="tr.lr",
    persist_state="session",
)
k[2].select_slider("Batch size", training.BATCH_SIZES, key="tr.batch", persist_state="session")
k[3].number_input("Epochs", min_value=1, max_value=100, key="tr.epochs", persist_state="session")
k = st.columns(4)
k[0].radio(
    "Input scaling",
    ["max", "raw"],
    format_func={"max": "÷ max pixel", "raw": "raw pixels"}.get,
    key="tr.scale",
    horizontal=True,
    persist_state="session",
    help="Raw pixel values (0-255 on MNIST) make the logits explode.",
)
k[1].number_input(
    "Initial weight scale",
    min_value=0.1,
    max_value=10.0,
    step=0.1,
    key="tr.init_scale",
    persist_state="session",
)
k[2].text_input(
    "Hidden layers",
    key="tr.hidden",
    persist_state="session",
    help="Up to three sizes, such as 25, 15.",
)
k[3].selectbox("Hidden activation", ACTIVATIONS, key="tr.activation", persist_state="session")
st.number_input("Seed", min_value=0, max_value=2**31 - 1, key="tr.seed", persist_state="session")
try:
    settings = current_config()
except ValueError as error:
    settings = None
    reason = str(error)
    st.error(f"{reason[:1].upper()}{reason[1:]}. Fix this to start training.")

pool = worker_pool()
job = pool.get(ss.get("tr.job", ""))
running = job is not None and not job.status.finished
st.button(
    "Start training",
    key="tr.start",
    on_click=start_training,
    type="primary",
    icon=":material/play_arrow:",
    disabled=running or settings is None,
)


@st.fragment(run_every=0.5 if running else None)
def live() -> None:
    current = pool.get(ss.get("tr.job", ""))
    if current is None:
        return
    config = ss["tr.job_config"]
    history = ss["tr.history"].update(current.events)
    if current.status.finished and running:
        st.rerun(scope="app")
    c = st.columns(4)
    if not current.status.finished:
        c[0].button(
            "Pause",
            key="tr.pause",
            on_click=control,
            args=("pause",),
            disabled=current.status is not JobStatus.RUNNING,
            icon=":material/pause:",
        )
        c[1].button(
            "Resume",
            key="tr.resume",
            on_click=control,
            args=("resume",),
            disabled=current.status is not JobStatus.PAUSED,
            icon=":material/resume:",
        )
        c[2].button("Stop", key="tr.stop", on_click=control, args=("stop",), icon=":material/stop:")
    position = pool.queue_position(current)
    if position is not None:
        st.info(f"All training workers are busy: you are number {position} in the queue.")
        return
    if not history.start and not current.status.finished:
        st.info(
            "Starting a worker process: the first run loads TensorFlow, which takes a few seconds.",
            icon=":material/hourglass_top:",
        )
        return
    progress = history.progress
    left_s = history.seconds_left
    text = (
        f"{current.status.value} · epoch {progress.get('epoch', 0)}/{config.epochs} · "
        f"step {progress.get('step', 0):,}/{history.start.get('total_steps', 0):,} · "
        f"{history.samples_per_s:,.0f} samples/s"
        + (f" · about {left_s:.0f} s left" if left_s is not None and running else "")
    )
    st.progress(history.fraction_done, text=text)
    if current.status is JobStatus.FAILED:
        st.error(f"Training failed: {current.error}. Start again to retry.")
    elif current.status is JobStatus.STOPPED:
        st.warning("Training was stopped. The curves show how far it got.")
    for key, variant in history.variants.items():
        if variant.diverged:
            st.error(f"{key} · {training.VARIANTS[key].title}: {variant.diverged}")
    names = names_for(config)
    losses = {k: downsample(v.losses) for k, v in history.variants.items()}
    peaks = {k: downsample(v.peaks, reduce="max") for k, v in history.variants.items()}
    broke = {k: len(v.losses) if v.diverged else None for k, v in history.variants.items()}
    a, b = st.columns(2)
    a.plotly_chart(
        figures.training_loss_chart(losses, broke, names, style),
        width="stretch",
        key="tr.chart.loss",
    )
    b.plotly_chart(
        figures.logit_peak_chart(peaks, names, style), width="stretch", key="tr.chart.peaks"
    )
    epochs = {k: v.epochs for k, v in history.variants.items() if v.epochs}
    if epochs:
        st.plotly_chart(
            figures.accuracy_chart(epochs, names, style), width="stretch", key="tr.chart.accuracy"
        )


live()


def results() -> None:
    current = pool.get(ss.get("tr.job", ""))
    if current is None or current.status is not JobStatus.DONE:
        return
    config = ss["tr.job_config"]
    if ss.get("tr.saved") != current.id:
        save_models(current, config)
    # By name, as saved: an upload of these weights may carry the same job id in its name.
    saved = ss.get("models", {})
    models = {n: saved[n] for n in trained_names(current, config).values() if n in saved}
    if not models:
        return
    st.subheader("After training")
    columns = st.columns(len(models))
    for column, model in zip(columns, models.values(), strict=True):
        column.metric(f"{model.variant} · test accuracy", f"{model.test_accuracy:.1%}")
    broken = [k for k, v in current.result["variants"].items() if v["diverged"]]
    if broken:
        st.caption(
            f"{' and '.join(broken)} left out: {'its' if len(broken) == 1 else 'their'} "
            "training stopped when the loss broke, so there are no weights to test."
        )
    name = st.selectbox("Look closer at", list(models), key="tr.inspect")
    model = models[name]
    dataset = test_dataset(config)
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
                [enlarge(dataset.x_test[i], dataset.pixel_max) for i in wrong],
                caption=[
                    f"true {dataset.y_test[i]}, said {result.predictions[i]} "
                    f"({result.probabilities[i, result.predictions[i]]:.0%})"
                    for i in wrong
                ],
                width=84,
            )
    st.markdown("**Per-class probabilities for a few test images**")
    picks = st.columns(4)
    for column, i in zip(picks, range(4), strict=True):
        column.image(enlarge(dataset.x_test[i], dataset.pixel_max), width=84)
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
        file_name=f"softmax-lab-{model.variant}-{config.data}.npz",
        mime="application/octet-stream",
        key="tr.download_weights",
        icon=":material/download:",
    )
    st.caption("Trained models stay in this session for the draw page.")


def enlarge(image: np.ndarray, pixel_max: int) -> np.ndarray:
    scale = 84 // image.shape[0]
    big = np.kron(image.astype(np.float32) / pixel_max, np.ones((scale, scale)))
    return (255 - big * 255).astype(np.uint8)


results()

with st.expander("Upload weights saved earlier (.npz)"):
    upload = st.file_uploader("Weights file", type=["npz"], key="tr.weights_file")
    if upload is not None:
        try:
            model = weights_from_npz(upload.getvalue())
        except ValueError as error:
            st.error(f"Those weights cannot be used: {error}.")
        else:
            ss.setdefault("models", {})[f"uploaded · {model.name}"] = model
            st.success(f"Loaded {model.name}: {model.spec.sizes} on {model.dataset}.")

if settings is not None:
    write_params(PAGE, training.TRAIN_PARAMS, training.train_query(settings))
