"""The train page in AppTest: settings, URL state, a real (small) training run, uploads."""

import base64
import itertools
import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.workers
from core.training import network as nets
from core.training.models import TrainedModel, weights_to_npz
from tests.app.helpers import open_app_page, run_until, texts
from tests.unit.helpers import wait_for
from ui.workers import worker_pool

PAGE = "pages/train.py"


SEEDS = itertools.count(100)


@pytest.fixture(autouse=True)
def _stop_leftover_runs():
    # A test's session never ends in AppTest, so its paused or running job would hold a
    # worker for the tests after it.
    yield
    pool = worker_pool()
    for job in list(pool._jobs.values()):
        pool.stop(job.id)
    assert wait_for(lambda: pool.busy_workers() == 0, 30)


def start_long_run(seed: int | None = None) -> AppTest:
    # The widest network, small batches, 100 epochs: minutes on any machine, so the job is
    # still running when the test pauses, leaves, kills or stops it. A seed of its own, or
    # it would share the run of an earlier test that is still going.
    seed = next(SEEDS) if seed is None else seed
    at = open_train(variant="A,C,D", epochs="100", batch="8", seed=str(seed))
    at.text_input(key="tr.hidden").set_value("512, 512, 512").run()
    at.button(key="tr.start").click().run()
    return at


def open_train(**query):
    return open_app_page(PAGE, timeout=60, **query)


def progress_text(at) -> str:
    return " ".join(element.proto.text for element in at.get("progress"))


def latest_step(job) -> int:
    """Return the step of the job's latest progress event (0 before the first)."""
    steps = [e["step"] for e in list(job.events) if e.get("type") == "progress"]
    return steps[-1] if steps else 0


def finished(at):
    return any(h.value == "After training" for h in at.subheader)


def loss_points(at) -> int:
    """Return how many points the loss chart draws (0 when there is no chart)."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if "Loss of each batch" in json.dumps(spec["layout"]):
            return sum(len(_values(trace.get("x", []))) for trace in spec["data"])
    return 0


def _values(x):
    # Plotly sends long arrays packed: base64 bytes with their dtype.
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    return x


def test_default_settings():
    at = open_train()
    assert at.multiselect(key="tr.variants").value == ["C"]
    assert at.radio(key="tr.data").value == "uci-digits"
    assert at.select_slider(key="tr.lr").value == 1e-3
    assert "1,438 training + 359 test images" in texts(at.caption)
    assert dict(at.query_params) == {}


def test_url_settings_and_round_trip():
    at = open_train(variant="A,C", lr="0.01", batch="64", epochs="3", seed="7", scale="raw")
    assert at.multiselect(key="tr.variants").value == ["A", "C"]
    assert at.select_slider(key="tr.lr").value == 0.01
    assert at.select_slider(key="tr.batch").value == 64
    assert at.number_input(key="tr.epochs").value == 3
    assert at.radio(key="tr.scale").value == "raw"
    assert at.query_params["variant"] == "A,C" and at.query_params["seed"] == "7"


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"variant": "Z"}, "variant="),
        ({"data": "cifar"}, "data="),
        ({"lr": "fast"}, "lr="),
        ({"batch": "0"}, "batch="),
        ({"epochs": "9999"}, "epochs="),
        ({"seed": "-3"}, "seed="),
        ({"scale": "huge"}, "scale="),
    ],
)
def test_bad_url_values_fall_back_with_a_notice(query, fragment):
    at = open_train(**query)
    assert fragment in texts(at.warning)


def test_presets():
    at = open_train()
    at.button(key="tr.preset.push").click().run()
    assert at.multiselect(key="tr.variants").value == ["B", "C"]
    assert at.radio(key="tr.scale").value == "raw"
    assert "88.72" in texts(at.info)
    at.button(key="tr.preset.course").click().run()
    # No MNIST on a test machine: the preset falls back to the embedded digits and says so.
    assert at.multiselect(key="tr.variants").value == ["A", "C"]
    assert "MNIST is not available" in texts(at.warning)


def test_bad_hidden_layers_are_explained_and_start_waits_for_a_fix():
    at = open_train()
    at.text_input(key="tr.hidden").input("25, lots").run()
    assert "whole numbers" in texts(at.error)
    assert at.button(key="tr.start").disabled
    at.text_input(key="tr.hidden").input("25, 15, 10, 5").run()
    assert "at most 3 hidden layers" in texts(at.error).lower()
    at.text_input(key="tr.hidden").input("25, 15").run()
    assert not at.error
    assert not at.button(key="tr.start").disabled


def test_a_subset_smaller_than_a_batch_is_explained_before_any_job_starts():
    at = open_train(batch="128")
    at.number_input(key="tr.n_train").set_value(100).run()
    assert texts(at.error).count("fewer than one batch of 128") == 1
    assert "The training set has 100 images" in texts(at.error)
    assert at.button(key="tr.start").disabled
    at.number_input(key="tr.n_train").set_value(200).run()
    assert not at.error
    assert not at.button(key="tr.start").disabled


def test_training_run_compares_variants_and_keeps_models():
    at = open_train(variant="B,C", epochs="2")
    at.number_input(key="tr.n_train").set_value(300).run()
    at.button(key="tr.start").click().run()
    run_until(at, finished)
    labels = [m.label for m in at.metric]
    assert labels == ["B · test accuracy", "C · test accuracy"]
    models = at.session_state["models"]
    assert len(models) == 2
    assert all(isinstance(m, TrainedModel) and m.dataset == "uci-digits" for m in models.values())
    assert progress_text(at).startswith("done · epoch 2/2")
    # Uploading weights just downloaded (their name carries this job's id) adds a model
    # for the draw page, not a third result of this run.
    again = next(iter(models.values()))
    at.file_uploader(key="tr.weights_file").upload("w.npz", weights_to_npz(again)).run()
    assert f"uploaded · {again.name}" in at.session_state["models"]
    at.run()
    assert [m.label for m in at.metric] == labels


@pytest.mark.parametrize("ends", ["before", "after"])
def test_a_run_that_ends_while_the_page_draws_it_is_drawn_finished_as_a_whole(monkeypatch, ends):
    # The pool's thread ends a job at any moment of a page's run. Here it ends right before
    # the page draws its progress (the Start button above was drawn for a running job) or
    # right after (the progress line was drawn running): the reported page showed the
    # results under "running · epoch 1/2 · step 9/18". A seed of its own, or the page would
    # be given the finished run of an earlier test with the same settings.
    at = open_train(variant="B,C", epochs="2", seed=str(next(SEEDS)))
    at.number_input(key="tr.n_train").set_value(300).run()
    watch = ui.workers.watch_job

    def watch_while_it_ends(job, *args):
        if ends == "before":
            assert worker_pool().wait(job, 120)
        drawn = watch(job, *args)
        if ends == "after":
            assert worker_pool().wait(job, 120)
        return drawn

    monkeypatch.setattr(ui.workers, "watch_job", watch_while_it_ends)
    at.button(key="tr.start").click()
    # The run waits for the whole training, which takes long on a busy machine.
    at.run(timeout=300)
    if ends == "after":
        # This run drew the job running: its results wait for the rerun that the progress
        # fragment's next tick asks for.
        assert not finished(at)
        at.run()
    assert finished(at)
    assert progress_text(at).startswith("done · epoch 2/2")
    assert not at.button(key="tr.start").disabled


def test_push_preset_shows_why_b_broke():
    at = open_train()
    at.button(key="tr.preset.push").click().run()
    at.number_input(key="tr.epochs").set_value(1).run()
    at.button(key="tr.start").click().run()
    run_until(at, finished)
    assert "exp of a logit of" in texts(at.error)
    assert "overflowed float32" in texts(at.error)
    assert [m.label for m in at.metric] == ["C · test accuracy"]
    assert "B left out: its training stopped when the loss broke" in texts(at.caption)


def test_weights_upload_good_and_bad():
    at = open_train()
    spec = nets.NetworkSpec(64)
    model = TrainedModel("mine", "C", spec, nets.init_weights(spec, 0), "uci-digits", "max", 16)
    at.file_uploader(key="tr.weights_file").upload("w.npz", weights_to_npz(model)).run()
    assert "Loaded mine" in texts(at.success)
    assert "uploaded · mine" in at.session_state["models"]
    at.file_uploader(key="tr.weights_file").upload("bad.npz", b"not a zip at all").run()
    assert "not an .npz file" in texts(at.error)
    assert not at.exception


def test_stop_a_run():
    at = start_long_run()
    run_until(at, lambda a: progress_text(a).startswith("running"))
    at.button(key="tr.stop").click().run()
    run_until(at, lambda a: "stopped" in texts(a.warning))
    assert progress_text(at).startswith("stopped")


def tiny_mnist() -> bytes:
    import io

    import numpy as np

    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (96, 28, 28), dtype=np.uint8),
        "y_train": np.arange(96) % 10,
        "x_test": rng.integers(0, 256, (32, 28, 28), dtype=np.uint8),
        "y_test": np.arange(32) % 10,
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_mnist_upload_then_training(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("SOFTMAX_LAB_MNIST", raising=False)
    at = open_train(data="mnist", variant="D", epochs="1")
    assert "MNIST is not available" in texts(at.warning)
    at.file_uploader(key="tr.mnist_file").upload("broken.npz", b"PK\x03\x04 broken").run()
    assert "cannot be used" in texts(at.error)
    at.file_uploader(key="tr.mnist_file").upload("mnist.npz", tiny_mnist()).run()
    assert "96 training + 32 test images, 28×28" in texts(at.caption)
    at.button(key="tr.start").click().run()
    run_until(at, finished)
    model = next(iter(at.session_state["models"].values()))
    assert model.dataset == "mnist" and model.spec.inputs == 784


def test_a_dead_worker_is_reported_and_training_can_start_again():
    import os
    import signal

    at = start_long_run()
    run_until(at, lambda a: progress_text(a).startswith("running"))
    job = worker_pool().get(at.session_state["tr.job"]["id"])
    busy = [w.process.pid for w in worker_pool()._workers if w.job is job]
    os.kill(busy[0], signal.SIGKILL)
    run_until(at, lambda a: "Training failed" in texts(a.error))
    assert "stopped unexpectedly" in texts(at.error)
    assert not at.button(key="tr.start").disabled
    at.number_input(key="tr.epochs").set_value(1).run()
    at.button(key="tr.start").click().run()
    run_until(at, finished)


def test_pause_and_resume():
    at = start_long_run()
    run_until(at, lambda a: progress_text(a).startswith("running"))
    at.button(key="tr.pause").click().run()
    run_until(at, lambda a: progress_text(a).startswith("paused"))
    # One more run: the job acknowledges the pause after its last event, but the run that
    # showed "paused" may have read the events just before the last ones arrived.
    at.run()
    step = at.session_state["tr.history"].progress.get("step", 0)
    # Time must pass to show that nothing moves while paused: the one sleep that stays.
    time.sleep(0.6)
    at.run()
    assert at.session_state["tr.history"].progress.get("step", 0) == step
    at.button(key="tr.resume").click().run()
    run_until(at, lambda a: a.session_state["tr.history"].progress.get("step", 0) > step)
    at.button(key="tr.stop").click().run()
    run_until(at, lambda a: "stopped" in texts(a.warning))


def test_a_job_keeps_running_while_the_student_visits_another_page():
    at = start_long_run()
    run_until(at, lambda a: a.session_state["tr.history"].progress.get("step", 0) > 0)
    step = at.session_state["tr.history"].progress["step"]
    job = worker_pool().get(at.session_state["tr.job"]["id"])
    at.switch_page("pages/softmax.py")
    at.run()
    # Polled with a deadline, not a fixed sleep: while the student is away, nothing runs the
    # train page, so only the job itself can show that it goes on.
    assert wait_for(lambda: latest_step(job) > step, 60, interval=0.1), "no progress while away"
    at.switch_page(PAGE)
    at.run()
    assert at.session_state["tr.history"].progress["step"] > step
    assert progress_text(at).startswith("running")
    at.button(key="tr.stop").click().run()
    run_until(at, lambda a: "stopped" in texts(a.warning))


def test_the_charts_come_with_the_first_progress_line():
    at = start_long_run()
    # Before the first steps, the page says what the worker does.
    assert any(
        words in texts(at.info)
        for words in ("A worker is starting TensorFlow", "Loading the data and building")
    )
    points = []

    def progress_shown(a) -> bool:
        if progress_text(a):
            points.append(loss_points(a))
        return bool(points)

    run_until(at, progress_shown)
    # Before, the line came with the start event, over empty charts, a second or more before
    # the first points of the widest network.
    assert points[0] > 0
    at.button(key="tr.stop").click().run()
    run_until(at, lambda a: "stopped" in texts(a.warning))


def test_a_run_at_chance_says_why_beside_the_divergence():
    # The reported run: B diverges at once, C keeps a finite loss and answers one class.
    at = open_train(variant="B,C", lr="1")
    at.button(key="tr.start").click().run()
    run_until(at, finished)
    history = at.session_state["tr.history"]
    step = history.variants["B"].diverged_at
    assert f"B diverged at step {step}" in progress_text(at)
    assert f"B · hand-written softmax: step {step}: loss is nan" in texts(at.error)
    stuck = history.variants["C"].stuck
    assert stuck and "better than chance" in stuck
    assert f"C · from logits: {stuck}" in texts(at.warning)


def test_a_run_whose_every_variant_diverged_says_where_in_its_progress_line():
    at = open_train()
    at.button(key="tr.preset.push").click().run()
    at.multiselect(key="tr.variants").set_value(["B"]).run()
    at.button(key="tr.start").click().run()
    run_until(at, lambda a: "ended early" in progress_text(a))
    step = at.session_state["tr.history"].variants["B"].diverged_at
    # The reported line was "done · epoch 1/5 · step 44/220 · 0 samples/s".
    assert progress_text(at) == f"ended early · B diverged at step {step} · epoch 1/20"


def test_a_class_pressing_start_on_the_same_settings_shares_one_run():
    first = start_long_run(seed=7)
    run_until(first, lambda a: progress_text(a).startswith("running"))
    others = [start_long_run(seed=7) for _ in range(2)]
    ids = {at.session_state["tr.job"]["id"] for at in [first, *others]}
    assert len(ids) == 1
    job = worker_pool().get(ids.pop())
    # The late page replays the run from its first step and follows it live.
    run_until(others[-1], lambda a: loss_points(a) > 0)
    assert "Same run as 2 classmates" in texts(others[-1].caption)
    assert others[-1].button(key="tr.pause").disabled
    # Stop on one page leaves the run to the classmates who still watch it.
    others[-1].button(key="tr.stop").click().run()
    assert "It goes on for the 2 classmates who also watch it" in texts(others[-1].info)
    assert not job.status.finished
    assert not others[-1].button(key="tr.start").disabled
    first.run()
    assert "Same run as 1 classmate:" in texts(first.caption)
    for at in (first, others[0]):
        at.button(key="tr.stop").click().run()
    assert worker_pool().wait(job, 30) and job.status.value == "stopped"


def test_after_a_server_restart_the_page_says_the_run_was_lost():
    at = open_train(run="0badb00t.job-3")
    assert not at.exception
    warning = texts(at.warning)
    assert "The training run this page showed was lost: the server restarted" in warning
    assert "Press Start training to run it again" in warning
    assert "run" not in at.query_params
    at.button(key="tr.start").click().run()
    assert "was lost" not in texts(at.warning)


def test_a_reload_follows_the_run_the_address_names():
    at = start_long_run()
    run_until(at, lambda a: progress_text(a).startswith("running"))
    token = at.query_params["run"]
    again = open_train(run=token)
    run_until(again, lambda a: progress_text(a).startswith("running"))
    assert again.session_state["tr.job"]["id"] == at.session_state["tr.job"]["id"]
    assert "Same run as 1 classmate" in texts(again.caption)
    for page in (at, again):
        page.button(key="tr.stop").click().run()


def test_a_queued_student_can_leave_the_queue():
    busy = [start_long_run() for _ in range(worker_pool().max_workers)]
    for at in busy:
        run_until(at, lambda a: progress_text(a).startswith("running"))
    queued = start_long_run()
    run_until(queued, lambda a: "you are number 1 in the queue" in texts(a.info))
    job = worker_pool().get(queued.session_state["tr.job"]["id"])
    queued.button(key="tr.job.leave_queue").click().run()
    run_until(queued, lambda a: "Training was stopped" in texts(a.warning))
    assert job.status.value == "stopped"
    assert not queued.button(key="tr.start").disabled
