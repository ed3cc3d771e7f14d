"""Jobs through RQ on a real Redis with real RQ workers: the worker pool's semantics, shared.

Two `RedisJobQueue` objects on one prefix stand for two server processes.
"""

import json
import math
import os
import secrets
import signal
import time

import numpy as np
import pytest

from core.jobs.pool import FINISHED_RUNS_KEPT, JobStatus
from core.jobs.rq_queue import (
    LOST_WORKER,
    JobStoreUnavailableError,
    RedisJobQueue,
    decode,
    encode,
    job_key,
)
from scripts.serve import free_port
from tests.rq_workers import RQWorkers
from tests.unit.helpers import wait_for

T = "tests.job_tasks:"
NICE = 7


@pytest.fixture(scope="module")
def name():
    return f"rqtest-{secrets.token_hex(3)}"


@pytest.fixture(scope="module")
def workers(redis_url, name, tmp_path_factory):
    # One worker: a second job waits in the queue while the first runs.
    log = tmp_path_factory.mktemp("rq") / "workers.log"
    w = RQWorkers(redis_url, name, 1, log=log, SOFTMAX_LAB_WORKER_NICE=str(NICE))
    yield w
    w.stop()


@pytest.fixture(scope="module")
def q(redis_url, name, workers):
    queue = RedisJobQueue(redis_url, prefix=f"{name}:", queue_name=name, stop_grace=1.0)
    yield queue
    queue.shutdown()


@pytest.fixture
def server2(redis_url, name, q):
    other = RedisJobQueue(redis_url, prefix=f"{name}:", queue_name=name, stop_grace=1.0)
    yield other
    other.shutdown()


def status(q, job):
    return q.get(job.id).status


def test_values_travel_as_json_with_arrays_and_never_pickle():
    value = {
        "weights": [(np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros(3))],
        "loss": np.float32(0.5),
        "nan": math.nan,
        "by_digit": {3: "three"},
        "__odd": [1, None, True],
    }
    back = decode(encode(value))
    w, b = back["weights"][0]
    assert w.dtype == np.float32 and w.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert b.tolist() == [0, 0, 0] and isinstance(back["weights"][0], tuple)
    assert back["loss"] == np.float32(0.5) and back["loss"].dtype == np.float32
    assert math.isnan(back["nan"]) and back["by_digit"] == {3: "three"}
    assert back["__odd"] == [1, None, True]
    with pytest.raises(ValueError):
        encode({"objects": np.array([{}, []], dtype=object)})
    # A pickled object array planted in the store is refused, not loaded.
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{}], dtype=object), allow_pickle=True)
    planted = json.dumps({"__ndarray__": base64.b64encode(buffer.getvalue()).decode()})
    with pytest.raises(ValueError):
        decode(planted)


def test_runs_a_job_in_a_spawned_process_at_a_lower_priority(q, workers):
    job = q.submit(T + "echo", {"x": 1}, owner="a")
    assert q.wait(job, 60)
    assert job.status is JobStatus.DONE and job.result["echo"] == {"x": 1}
    pid = job.result["pid"]
    assert pid != os.getpid() and pid not in [p.pid for p in workers.processes]
    assert q.worker_pids() == [p.pid for p in workers.processes]
    assert job.started_warm is False and job.seconds_running() > 0


def test_events_stream_in_order(q, server2):
    job = q.submit(T + "count", {"n": 5}, owner="a")
    assert q.wait(job, 60)
    assert job.events == [{"i": i} for i in range(5)]
    assert job.events_since(3) == [{"i": 3}, {"i": 4}]
    assert job.result == 5
    # Another server reads the same job from Redis.
    assert server2.get(job.id).events == job.events and server2.get(job.id).result == 5


def test_queue_positions_when_the_worker_is_busy(q):
    running = q.submit(T + "count", {"n": 100, "delay": 0.02}, owner="a")
    assert wait_for(lambda: status(q, running) is JobStatus.RUNNING)
    second = q.submit(T + "echo", {}, owner="b")
    third = q.submit(T + "echo", {}, owner="c")
    assert q.queue_position(second) == 1
    assert q.queue_position(third) == 2
    assert q.queue_position(running) is None
    assert q.busy_workers() == 1
    q.stop(second.id)
    assert status(q, second) is JobStatus.STOPPED
    assert q.queue_position(third) == 1
    for job in (running, third):
        assert q.wait(job, 60)
    assert third.status is JobStatus.DONE and second.status is JobStatus.STOPPED


def test_pause_resume_stop(q):
    job = q.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="a")
    assert wait_for(lambda: len(q.get(job.id).events) > 2)
    q.pause(job.id)
    assert wait_for(lambda: status(q, job) is JobStatus.PAUSED)
    # Acknowledged after the last event: nothing more may arrive. Time must pass to
    # show that, so this one sleep stays.
    frozen = len(job.events)
    time.sleep(0.4)
    assert len(q.get(job.id).events) == frozen
    q.resume(job.id)
    assert wait_for(lambda: len(q.get(job.id).events) > frozen + 2)
    assert job.status is JobStatus.RUNNING
    q.stop(job.id)
    assert q.wait(job, 30)
    assert job.status is JobStatus.STOPPED and len(job.events) < 1000


def test_task_error_is_reported(q):
    job = q.submit(T + "fail", {}, owner="a")
    assert q.wait(job, 60)
    assert job.status is JobStatus.FAILED and job.error == "ValueError: bad parameters"


def test_a_job_process_that_dies_is_failed_and_the_next_job_runs(q):
    job = q.submit(T + "crash", {}, owner="a")
    assert q.wait(job, 60)
    assert job.status is JobStatus.FAILED and job.error == LOST_WORKER
    assert job.events == [{"about": "to die"}]
    after = q.submit(T + "echo", {}, owner="a")
    assert q.wait(after, 60) and after.status is JobStatus.DONE


def test_a_killed_job_process_fails_its_shared_run_which_starts_again(q):
    params = {"n": 1000, "delay": 0.01}
    job = q.submit(T + "count", params, owner="k1", share=True)
    assert wait_for(lambda: q.get(job.id).events)
    pid = int(q.redis.hget(job_key(q.prefix, job.id), "pid"))
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    assert q.wait(job, 10) and job.status is JobStatus.FAILED
    assert time.monotonic() - killed < 5
    assert "stopped unexpectedly" in job.error
    again = q.submit(T + "count", params, owner="k1", share=True)
    assert again.id != job.id
    assert wait_for(lambda: q.get(again.id).events)
    q.stop(again.id)
    assert q.wait(again, 30) and again.status is JobStatus.STOPPED


def test_a_killed_worker_takes_its_job_process_along_and_the_job_fails(redis_url, name):
    # Its own worker and queue: this test kills the worker.
    queue_name = f"{name}-kill"
    killer = RQWorkers(redis_url, queue_name, 1)
    q = RedisJobQueue(redis_url, prefix=f"{queue_name}:", queue_name=queue_name)
    try:
        job = q.submit(T + "count", {"n": 10000, "delay": 0.01}, owner="a", share=True)
        assert wait_for(lambda: q.get(job.id).events)
        pid = int(q.redis.hget(job_key(q.prefix, job.id), "pid"))
        os.kill(killer.processes[0].pid, signal.SIGKILL)
        killed = time.monotonic()
        # The job process dies with its worker; its heartbeat expires; a server sees it.
        assert wait_for(lambda: not _alive(pid), 10)
        assert q.wait(job, 10) and job.status is JobStatus.FAILED
        assert time.monotonic() - killed < 6
        assert job.error == LOST_WORKER
        killer.start()  # a restarted worker runs the run again
        again = q.submit(T + "count", {"n": 10000, "delay": 0.01}, owner="a", share=True)
        assert again.id != job.id
        assert wait_for(lambda: q.get(again.id).events, 60)
        q.stop(again.id)
        assert q.wait(again, 30)
    finally:
        killer.stop()
        q.shutdown()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_stop_ends_a_job_that_ignores_it(q):
    job = q.submit(T + "ignore_stop", {}, owner="a")
    assert wait_for(lambda: q.get(job.id).events == [{"ignoring": "stop"}])
    pid = int(q.redis.hget(job_key(q.prefix, job.id), "pid"))
    q.stop(job.id)
    assert q.wait(job, 30) and job.status is JobStatus.STOPPED
    assert wait_for(lambda: not _alive(pid), 30)


def test_released_session_jobs_stop_after_the_grace_unless_it_comes_back(q):
    gone = q.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="gone")
    assert wait_for(lambda: status(q, gone) is JobStatus.RUNNING)
    q.release_owner("gone", grace=0.3)
    assert q.wait(gone, 30) and gone.status is JobStatus.STOPPED
    flaky = q.submit(T + "count", {"n": 60, "delay": 0.01}, owner="flaky")
    assert wait_for(lambda: status(q, flaky) is JobStatus.RUNNING)
    q.release_owner("flaky", grace=0.3)
    q.claim_owner("flaky")
    assert q.wait(flaky, 60) and flaky.status is JobStatus.DONE


def test_a_job_reports_tensorflow_as_soon_as_its_task_imports_it(q):
    job = q.submit(T + "fake_tensorflow_then_count", {"n": 1000, "delay": 0.01}, owner="a")
    assert wait_for(lambda: q.get(job.id).events)
    assert job.started_warm is False
    assert q.tensorflow_loaded(job) is True
    pid = int(q.redis.hget(job_key(q.prefix, job.id), "pid"))
    assert q.warm_workers() == [pid]
    q.stop(job.id)
    assert q.wait(job, 30)
    assert q.tensorflow_loaded(job) is None


def test_the_job_process_runs_at_a_lower_priority(q):
    # Read inside the job: its process ends with the job.
    job = q.submit(T + "niceness", {}, owner="a")
    assert q.wait(job, 60)
    assert job.result["nice"] == os.nice(0) + NICE


def test_equal_shared_requests_on_two_servers_subscribe_to_one_run(q, server2):
    params = {"n": 80, "delay": 0.01}
    first = q.submit(T + "count", params, owner="s1", share=True)
    assert wait_for(lambda: q.get(first.id).events)
    second = server2.submit(T + "count", {"delay": 0.01, "n": 80}, owner="s2", share=True)
    assert second.id == first.id and q.subscribers(first) == 2
    assert second.events[:1] == [{"i": 0}]  # replayed from the start
    other = server2.submit(T + "count", {"n": 81, "delay": 0.01}, owner="s3", share=True)
    private = q.submit(T + "count", params, owner="s4")
    assert other.id != first.id and private.id != first.id
    q.stop(other.id)
    q.stop(private.id)
    q.leave(first.id, "s1")
    assert status(q, first) is not JobStatus.STOPPED and q.subscribers(first) == 1
    assert server2.wait(second, 60) and second.status is JobStatus.DONE
    assert second.events == [{"i": i} for i in range(80)]
    late = q.submit(T + "count", params, owner="s5", share=True)
    assert late.id == first.id and late.status is JobStatus.DONE


def test_a_shared_run_stops_when_its_last_watcher_leaves(q, server2):
    params = {"n": 1000, "delay": 0.01}
    job = q.submit(T + "count", params, owner="x1", share=True)
    server2.submit(T + "count", params, owner="x2", share=True)
    assert wait_for(lambda: status(q, job) is JobStatus.RUNNING)
    q.leave(job.id, "x1")
    server2.leave(job.id, "x2")
    assert q.wait(job, 30) and job.status is JobStatus.STOPPED
    again = q.submit(T + "count", params, owner="x3", share=True)
    assert again.id != job.id
    q.stop(again.id)
    assert q.wait(again, 30)


def test_leaving_twice_keeps_the_stopped_run_for_its_page(q):
    job = q.submit(T + "count", {"n": 1000, "delay": 0.01}, owner="twice")
    assert wait_for(lambda: status(q, job) is JobStatus.RUNNING)
    q.leave(job.id, "twice")
    assert q.wait(job, 30) and job.status is JobStatus.STOPPED
    q.leave(job.id, "twice")
    assert q.get(job.id) is not None
    q.forget(job.id, "twice")
    assert q.get(job.id) is None


def test_finished_jobs_are_released_once_forgotten_and_few_shared_runs_are_kept(redis_url, name, q):
    fresh = RedisJobQueue(redis_url, prefix=f"{name}-kept:", queue_name=name)
    try:
        private = fresh.submit(T + "echo", {"i": -1}, owner="a")
        assert fresh.wait(private, 60)
        fresh.forget(private.id, "a")
        assert fresh.get(private.id) is None
        shared = [fresh.submit(T + "echo", {"i": i}, owner="a", share=True) for i in range(12)]
        for job in shared:
            assert fresh.wait(job, 60)
            fresh.forget(job.id, "a")
        assert fresh.job_count() == FINISHED_RUNS_KEPT
        kept = [fresh.get(j.id) is not None for j in shared]
        assert kept == [False] * 4 + [True] * 8
        assert fresh.submit(T + "echo", {"i": 11}, owner="b", share=True).id == shared[-1].id
        assert fresh.submit(T + "echo", {"i": 0}, owner="b", share=True).id != shared[0].id
    finally:
        fresh.shutdown()


def test_run_tokens_outlive_a_server_but_not_the_store(q, server2, redis_url, name):
    job = q.submit(T + "echo", {}, owner="t")
    assert q.wait(job, 60)
    token = q.run_token(job)
    ours, found = server2.from_token(token)  # another server, or this one restarted
    assert ours and found.id == job.id
    q.forget(job.id, "t")
    assert server2.from_token(token) == (True, None)
    assert "has ended and is no longer kept" in server2.lost_run_text(True)
    emptied = RedisJobQueue(redis_url, prefix=f"{name}-emptied:", queue_name=name)
    try:
        assert emptied.from_token(token) == (False, None)
        assert emptied.from_token("garbage") == (False, None)
        assert "job store (Redis) was emptied or restarted" in emptied.lost_run_text(False)
    finally:
        emptied.shutdown()


def test_an_unreachable_redis_is_a_sentence():
    q = RedisJobQueue(f"redis://:secret@127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(JobStoreUnavailableError) as caught:
            q.submit(T + "echo", {})
        assert "cannot be reached" in str(caught.value) and "secret" not in str(caught.value)
        with pytest.raises(JobStoreUnavailableError):
            q.get("job-1")
    finally:
        q.shutdown()
