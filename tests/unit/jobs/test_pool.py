"""The worker pool: lifecycle, queue, pause/resume/stop, dead workers, sessions that leave."""

import os
import signal
import time

import pytest

from core.jobs.pool import (
    FINISHED_RUNS_KEPT,
    JobStatus,
    WorkerPool,
    resolve_task,
    share_key,
    waiting_text,
)
from core.jobs.tf_runtime import TENSORFLOW_WARM_UP
from core.softmax.keras_check import KERAS_LOSS_CHECK
from tests.unit.helpers import wait_for

T = "tests.job_tasks:"


@pytest.fixture(scope="module")
def pool():
    p = WorkerPool(max_workers=1, stop_grace=1.0)
    yield p
    p.shutdown()


def test_runs_a_job_in_another_process(pool):
    job = pool.submit(T + "echo", {"x": 1}, owner="a")
    assert pool.wait(job, 30)
    assert job.status is JobStatus.DONE
    assert job.result["echo"] == {"x": 1}
    assert job.result["pid"] != os.getpid()
    assert job.result["pid"] in pool.worker_pids()


def test_workers_are_reused(pool):
    first = pool.submit(T + "echo", {}, owner="a")
    pool.wait(first, 30)
    second = pool.submit(T + "echo", {}, owner="a")
    pool.wait(second, 30)
    assert first.result["pid"] == second.result["pid"]


def test_events_stream_in_order(pool):
    job = pool.submit(T + "count", {"n": 5}, owner="a")
    assert pool.wait(job, 30)
    assert job.events == [{"i": i} for i in range(5)]
    assert job.events_since(3) == [{"i": 3}, {"i": 4}]
    assert job.result == 5


def test_queue_positions_when_all_workers_are_busy(pool):
    running = pool.submit(T + "count", {"n": 40, "delay": 0.02}, owner="a")
    assert wait_for(lambda: running.status is JobStatus.RUNNING)
    second = pool.submit(T + "echo", {}, owner="b")
    third = pool.submit(T + "echo", {}, owner="c")
    assert pool.queue_position(second) == 1
    assert pool.queue_position(third) == 2
    assert pool.queue_position(running) is None
    assert pool.busy_workers() == 1
    pool.stop(second.id)
    assert second.status is JobStatus.STOPPED
    assert pool.queue_position(third) == 1
    for job in (running, third):
        assert pool.wait(job, 30)
    assert third.status is JobStatus.DONE


def test_pause_resume_stop(pool):
    job = pool.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="a")
    assert wait_for(lambda: len(job.events) > 2)
    pool.pause(job.id)
    assert wait_for(lambda: job.status is JobStatus.PAUSED)
    # The worker acknowledges the pause after its last event, on the same pipe: nothing
    # more may arrive. Time must pass to show that, so this one sleep stays.
    frozen = len(job.events)
    time.sleep(0.3)
    assert len(job.events) == frozen
    pool.resume(job.id)
    assert wait_for(lambda: len(job.events) > frozen + 2)
    assert job.status is JobStatus.RUNNING
    pool.stop(job.id)
    assert pool.wait(job, 30)
    assert job.status is JobStatus.STOPPED
    assert len(job.events) < 1000


def test_task_error_is_reported(pool):
    job = pool.submit(T + "fail", {}, owner="a")
    assert pool.wait(job, 30)
    assert job.status is JobStatus.FAILED
    assert job.error == "ValueError: bad parameters"


def test_dead_worker_is_reported_and_replaced(pool):
    job = pool.submit(T + "crash", {}, owner="a")
    assert pool.wait(job, 30)
    assert job.status is JobStatus.FAILED
    assert "stopped unexpectedly (exit code 3)" in job.error
    after = pool.submit(T + "echo", {}, owner="a")
    assert pool.wait(after, 30)
    assert after.status is JobStatus.DONE


def test_stop_ends_a_job_that_ignores_it(pool):
    job = pool.submit(T + "ignore_stop", {}, owner="a")
    # Polled, not slept on: the task is inside its long sleep once it has said so.
    assert wait_for(lambda: job.events == [{"ignoring": "stop"}])
    pid = pool.worker_pids()[0]
    pool.stop(job.id)
    assert pool.wait(job, 30)
    assert job.status is JobStatus.STOPPED
    assert wait_for(lambda: not os.path.exists(f"/proc/{pid}") or _is_zombie(pid), 30)


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"
    except OSError:
        return True


def test_released_session_jobs_stop_after_the_grace(pool):
    job = pool.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="gone")
    assert wait_for(lambda: job.status is JobStatus.RUNNING)
    pool.release_owner("gone", grace=0.3)
    assert pool.wait(job, 30)
    assert job.status is JobStatus.STOPPED


def test_a_session_that_comes_back_keeps_its_jobs(pool):
    job = pool.submit(T + "count", {"n": 60, "delay": 0.01}, owner="flaky")
    assert wait_for(lambda: job.status is JobStatus.RUNNING)
    pool.release_owner("flaky", grace=0.3)
    pool.claim_owner("flaky")
    assert pool.wait(job, 30)
    assert job.status is JobStatus.DONE


def test_bad_task_names():
    with pytest.raises(ValueError, match="module:function"):
        resolve_task("no_colon")
    with pytest.raises(ValueError, match="not a function"):
        resolve_task("core.jobs.pool:DEFAULT_STOP_GRACE")


def test_shutdown_stops_everything():
    p = WorkerPool(max_workers=1)
    job = p.submit(T + "count", {"n": 1000, "delay": 0.01})
    queued = p.submit(T + "echo", {})
    assert wait_for(lambda: job.status is JobStatus.RUNNING)
    p.shutdown()
    assert job.status is JobStatus.STOPPED and queued.status is JobStatus.STOPPED
    assert p.worker_pids() == []
    with pytest.raises(RuntimeError):
        p.submit(T + "echo", {})


# --- keeping a worker with TensorFlow ----------------------------------------------------


def test_the_warm_up_runs_in_the_background_on_every_worker():
    p = WorkerPool(max_workers=2, warm_task=T + "slow_fake_tensorflow")
    try:
        # The constructor returns at once: the pool's thread starts and warms the workers.
        assert p.warm_workers() == [] and p.busy_workers() == 0
        assert wait_for(lambda: len(p.warm_workers()) == 2, 60)
        assert sorted(p.worker_pids()) == sorted(p.warm_workers())
        first = p.submit(T + "count", {"n": 30, "delay": 0.02})
        second = p.submit(T + "echo", {})
        third = p.submit(T + "echo", {})
        for job in (first, second, third):
            assert p.wait(job, 30)
            # Every job, the queued one included, found TensorFlow already imported.
            assert job.started_warm is True
    finally:
        p.shutdown()


def test_a_job_goes_to_the_worker_still_warming_up_rather_than_a_new_one():
    p = WorkerPool(max_workers=2, warm_task=T + "slow_fake_tensorflow")
    try:
        assert wait_for(lambda: p.worker_pids(), 30)
        job = p.submit(T + "echo", {})
        assert p.wait(job, 30)
        # It waited for an import under way: its worker reported no TensorFlow yet.
        assert job.started_warm is False
        assert len(p.worker_pids()) == 2  # no third worker was started for it
        assert wait_for(lambda: job.result["pid"] in p.warm_workers(), 30)
    finally:
        p.shutdown()


def test_a_worker_reports_tensorflow_as_soon_as_its_task_imports_it(pool):
    job = pool.submit(T + "fake_tensorflow_then_count", {"n": 1000, "delay": 0.01}, owner="a")
    assert wait_for(lambda: job.events)
    assert job.started_warm is False
    # Reported before the task's first event, not when the job ends.
    assert pool.tensorflow_loaded(job) is True
    pool.stop(job.id)
    assert pool.wait(job, 30)
    assert pool.tensorflow_loaded(job) is None  # no worker runs it any more
    assert pool.warm_workers() == pool.worker_pids()


def test_the_pool_warms_another_worker_when_its_warm_one_dies():
    p = WorkerPool(max_workers=1, warm_task=T + "fake_tensorflow")
    try:
        assert wait_for(lambda: p.warm_workers(), 60)
        first = p.warm_workers()[0]
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: p.warm_workers() and p.warm_workers()[0] != first, 60)
    finally:
        p.shutdown()


def test_the_waiting_text_says_what_the_worker_does():
    assert waiting_text(False, 3.2, "TensorFlow is computing").startswith(
        "A worker is starting TensorFlow: 3 s so far."
    )
    for loaded in (True, None):
        assert waiting_text(loaded, 0.4, "TensorFlow is computing") == (
            "TensorFlow is computing: 0 s so far."
        )


@pytest.mark.tensorflow
def test_a_check_on_a_warm_pool_finds_tensorflow_imported():
    p = WorkerPool(max_workers=1, warm_task=TENSORFLOW_WARM_UP)
    try:
        assert p.warm_workers() == []  # the import runs after the constructor returned
        assert wait_for(lambda: p.warm_workers(), 180)
        case = {"mode": "multi", "z": [1000.0, 0.0, -1000.0], "y": 2, "dtype": "float32"}
        job = p.submit(KERAS_LOSS_CHECK, {"cases": [case]})
        assert p.wait(job, 60)
        assert job.status is JobStatus.DONE, job.error
        # Its worker had TensorFlow when the check began: nothing left to import.
        assert job.started_warm is True
        assert job.result[0]["from_logits"] == pytest.approx(2000)
    finally:
        p.shutdown()


def test_a_local_context_keeps_every_event_and_never_stops():
    from core.jobs.pool import LocalContext

    ctx = LocalContext()
    ctx.emit({"type": "start"})
    ctx.checkpoint()
    ctx.emit({"type": "steps"})
    assert ctx.events == [{"type": "start"}, {"type": "steps"}]


# --- priority, shared runs, releasing finished jobs ---------------------------------------


def _niceness(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])


def test_workers_run_at_a_lower_priority_than_the_server():
    p = WorkerPool(max_workers=1, niceness=7)
    try:
        job = p.submit(T + "echo", {})
        assert p.wait(job, 30)
        assert _niceness(job.result["pid"]) == _niceness(os.getpid()) + 7
    finally:
        p.shutdown()


def test_equal_shared_requests_subscribe_to_one_run(pool):
    params = {"n": 80, "delay": 0.01}
    first = pool.submit(T + "count", params, owner="s1", share=True)
    assert wait_for(lambda: first.events)
    # Keys in another order are the same request; the second session replays from event 0.
    second = pool.submit(T + "count", {"delay": 0.01, "n": 80}, owner="s2", share=True)
    assert second is first and pool.subscribers(first) == 2
    other = pool.submit(T + "count", {"n": 81, "delay": 0.01}, owner="s3", share=True)
    private = pool.submit(T + "count", params, owner="s4")
    assert other is not first and private is not first
    pool.stop(other.id)
    pool.stop(private.id)
    # One session leaving does not stop the run its classmate still watches.
    pool.leave(first.id, "s1")
    assert first.status is not JobStatus.STOPPED and pool.subscribers(first) == 1
    assert pool.wait(first, 30) and first.status is JobStatus.DONE
    assert first.events == [{"i": i} for i in range(80)]
    # A finished run is shared too: a later equal request gets it at once.
    late = pool.submit(T + "count", params, owner="s5", share=True)
    assert late is first and late.status is JobStatus.DONE


def test_a_shared_run_stops_when_its_last_watcher_leaves(pool):
    job = pool.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="x1", share=True)
    pool.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="x2", share=True)
    assert wait_for(lambda: job.status is JobStatus.RUNNING)
    pool.leave(job.id, "x1")
    pool.leave(job.id, "x2")
    assert pool.wait(job, 30) and job.status is JobStatus.STOPPED
    # A run that broke off is not handed to the next request: that one starts anew.
    again = pool.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="x3", share=True)
    assert again is not job
    pool.stop(again.id)
    assert pool.wait(again, 30)


def test_leaving_twice_keeps_the_stopped_run_for_its_page(pool):
    # A Stop callback can run twice for one click (seen under load in a browser): the
    # second leave must not release the run before the page has read how it ended.
    job = pool.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="twice")
    assert wait_for(lambda: job.status is JobStatus.RUNNING)
    pool.leave(job.id, "twice")
    assert pool.wait(job, 30) and job.status is JobStatus.STOPPED
    pool.leave(job.id, "twice")
    assert pool.get(job.id) is job
    pool.forget(job.id, "twice")
    assert pool.get(job.id) is None


def test_a_gone_session_leaves_a_shared_run_to_its_classmates(pool):
    job = pool.submit(T + "count", {"n": 120, "delay": 0.01}, owner="g1", share=True)
    pool.submit(T + "count", {"n": 120, "delay": 0.01}, owner="g2", share=True)
    assert wait_for(lambda: job.status is JobStatus.RUNNING)
    pool.release_owner("g1", grace=0.1)
    assert wait_for(lambda: pool.subscribers(job) == 1)
    assert pool.wait(job, 30) and job.status is JobStatus.DONE


def test_finished_jobs_are_released_once_forgotten_and_few_shared_runs_are_kept():
    p = WorkerPool(max_workers=1)
    try:
        private = p.submit(T + "echo", {"i": -1}, owner="a")
        assert p.wait(private, 30)
        assert p.get(private.id) is private
        p.forget(private.id, "a")
        assert p.get(private.id) is None
        shared = [p.submit(T + "echo", {"i": i}, owner="a", share=True) for i in range(12)]
        for job in shared:
            assert p.wait(job, 30)
            p.forget(job.id, "a")
        # The latest shared runs stay for later requests; the pool holds no more than that.
        assert p.job_count() == FINISHED_RUNS_KEPT
        assert [p.get(j.id) is not None for j in shared] == [False] * 4 + [True] * 8
        assert p.submit(T + "echo", {"i": 11}, owner="b", share=True) is shared[-1]
        assert p.submit(T + "echo", {"i": 0}, owner="b", share=True) is not shared[0]
    finally:
        p.shutdown()


def test_run_tokens_tell_a_restarted_server_from_a_released_run(pool):
    job = pool.submit(T + "echo", {}, owner="t")
    assert pool.wait(job, 30)
    token = pool.run_token(job)
    assert pool.from_token(token) == (True, job)
    pool.forget(job.id, "t")
    assert pool.from_token(token) == (True, None)
    other = WorkerPool(max_workers=1)
    try:
        assert other.from_token(token) == (False, None)
        assert other.from_token("garbage") == (False, None)
    finally:
        other.shutdown()


def test_share_keys_depend_on_the_task_and_every_parameter():
    key = share_key("m:f", {"a": 1, "b": [1, 2]})
    assert key == share_key("m:f", {"b": [1, 2], "a": 1})
    assert key != share_key("m:g", {"a": 1, "b": [1, 2]})
    assert key != share_key("m:f", {"a": 1, "b": [2, 1]})
    assert key != share_key("m:f", {"a": 1.5, "b": [1, 2]})
