"""An RQ worker for Softmax Lab's jobs (training, TensorFlow checks), on any machine.

    SOFTMAX_LAB_REDIS=redis://host:6379/0 .venv/bin/python -m core.jobs.rq_worker
    .venv/bin/python -m core.jobs.rq_worker --redis redis://host:6379/0 --name gpu-box

It takes the jobs that `core.jobs.rq_queue.RedisJobQueue` queued and runs each in a
process of its own, *spawned* (rq's `SpawnWorker`: ``os.spawnv`` of a fresh Python,
never ``fork``: TensorFlow is not fork-safe), at a lower OS priority than the
servers (`core.jobs.pool.default_worker_niceness`, ``SOFTMAX_LAB_WORKER_NICE``).
Run one worker per core you give to training.

The cost of a process per job: nothing stays warm between jobs, so every job that
trains a Keras variant or checks with TensorFlow imports TensorFlow again (5 to 15
seconds, about 730 MB, before its first step). The job process sets the job's
``tensorflow`` flag in Redis once the import is done, so a page says "starting
TensorFlow" while it is not, and the NumPy variant (D) starts at once.

The job process refreshes a heartbeat key every second (see `core.jobs.rq_queue`); a
job whose process is killed is reported FAILED by the servers within seconds. The job
process dies with its worker (``PR_SET_PDEATHSIG``), so killing a worker never
leaves an orphan training on.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import redis
from rq.worker import SpawnWorker

from core.jobs.pool import JobStopped, default_worker_niceness, resolve_task, tensorflow_loaded
from core.jobs.rq_queue import (
    DEFAULT_QUEUE,
    FINISHED_RUNS_KEPT,
    HEARTBEAT_EVERY,
    HEARTBEAT_TTL,
    KEY_TTL,
    LOST_WORKER,
    REDIS_ENV,
    Scripts,
    encode,
    job_key,
)

ROOT = Path(__file__).resolve().parent.parent.parent
PARENT_ENV = "SOFTMAX_LAB_RQ_WORKER_PID"
URL_ENV = "SOFTMAX_LAB_RQ_WORKER_REDIS"
CONTROL_EVERY = 0.1
"""Seconds between a checkpoint's reads of the job's control flag."""


class RedisContext:
    """A job's side in Redis: events out, pause and stop in, a heartbeat.

    Parameters
    ----------
    client : redis.Redis
        A client with text replies.
    prefix : str
        The job state's key prefix.
    job_id : str
        The job being run.
    """

    def __init__(self, client: redis.Redis, prefix: str, job_id: str) -> None:
        self.redis = client
        self.prefix = prefix
        self.job_id = job_id
        self.key = job_key(prefix, job_id)
        self.scripts = Scripts(client)
        self._tensorflow = tensorflow_loaded()
        self._last_read = 0.0
        self._gone = threading.Event()  # set by the heartbeat: the servers wrote the job off
        self._done = threading.Event()
        self._heart = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def emit(self, event: Any) -> None:
        """Append one small event (plain data, NumPy arrays allowed) to the job's list."""
        self._report_tensorflow()
        self.redis.rpush(f"{self.key}:events", encode(event))

    def checkpoint(self) -> None:
        """Honour pause and stop: block while paused, raise on stop.

        Raises
        ------
        JobStopped
            When the job was stopped (or written off by the servers).
        """
        self._report_tensorflow()
        now = time.monotonic()
        if now - self._last_read < CONTROL_EVERY and not self._gone.is_set():
            return
        self._last_read = now
        control = self._control()
        if control != "pause":
            return
        self.scripts.transition(args=[self.prefix, self.job_id, "running", "paused"])
        while control == "pause":
            time.sleep(CONTROL_EVERY)
            control = self._control()
        self.scripts.transition(args=[self.prefix, self.job_id, "paused", "running"])

    def _control(self) -> str:
        if self._gone.is_set():
            raise JobStopped
        status, control = self.redis.hmget(self.key, "status", "control")
        if control == "stop" or status not in ("running", "paused"):
            raise JobStopped
        return control or ""

    def _report_tensorflow(self) -> None:
        # Called from the task's thread: a module in sys.modules may still be importing
        # on that thread only before the call, so the flag is true once the import is done.
        if not self._tensorflow and tensorflow_loaded():
            self._tensorflow = True
            self.redis.hset(self.key, "tensorflow", "1")

    def start_heartbeat(self) -> None:
        """Refresh the heartbeat every second from a thread, until `stop_heartbeat`."""
        self._heart.start()

    def stop_heartbeat(self) -> None:
        """End the heartbeat thread."""
        self._done.set()
        self._heart.join(timeout=2)

    def _beat(self) -> None:
        while not self._done.wait(HEARTBEAT_EVERY):
            try:
                self.redis.set(f"{self.key}:alive", os.getpid(), px=int(HEARTBEAT_TTL * 1000))
                status, control, stop_by = self.redis.hmget(
                    self.key, "status", "control", "stop_by"
                )
            except redis.RedisError:
                continue  # the job goes on; the servers decide when the heartbeat is late
            if status not in ("running", "paused"):
                self._gone.set()  # written off (its heartbeat was late): stop computing
            if control == "stop" and stop_by and time.time() > float(stop_by):
                # The task ignored the stop for the whole grace: end this process.
                with contextlib.suppress(redis.RedisError):
                    self._finish("stopped")
                os._exit(1)

    def _finish(self, status: str, result: str = "", error: str = "") -> None:
        self.scripts.finish(
            args=[
                self.prefix,
                self.job_id,
                status,
                result,
                error,
                time.time(),
                KEY_TTL,
                FINISHED_RUNS_KEPT,
            ]
        )


def _die_with_parent() -> None:
    # SpawnWorker puts the job process in a process group of its own: without this, a
    # worker killed with SIGKILL would leave its job training on, unseen.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    parent = os.environ.get(PARENT_ENV)
    if parent and os.getppid() != int(parent):
        os._exit(1)  # the worker died before the line above took effect


def run_job(prefix: str, job_id: str) -> None:
    """Run one queued job: RQ calls this in the job's spawned process.

    The result goes into the job's hash (JSON, see `core.jobs.rq_queue.encode`); RQ's
    own result is None.
    """
    _die_with_parent()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    client = redis.Redis.from_url(os.environ[URL_ENV], decode_responses=True)
    context = RedisContext(client, prefix, job_id)
    claimed = context.scripts.claim(
        args=[
            prefix,
            job_id,
            time.time(),
            os.getpid(),
            os.environ.get("RQ_WORKER_ID", socket.gethostname()),
            "1" if tensorflow_loaded() else "0",
            int(HEARTBEAT_TTL * 1000),
            KEY_TTL,
        ]
    )
    if not claimed:
        return  # stopped while it waited in the queue
    context.start_heartbeat()
    try:
        target, params = client.hmget(context.key, "target", "params")
        result = resolve_task(target)(json.loads(params), context)
        text = encode(result)
    except JobStopped:
        context._finish("stopped")
    except Exception as error:
        context._finish("failed", error=f"{type(error).__name__}: {error}")
    else:
        context._finish("done", result=text)
    finally:
        context.stop_heartbeat()


class LabSpawnWorker(SpawnWorker):
    """rq's `SpawnWorker`, with a job process that works with redis-py 8, and a death notice.

    rq 2.6.0's own spawn command line writes the connection's keyword arguments as
    Python source, which fails with redis-py 8 (objects among them have no literal
    form): here the job process connects with the worker's URL instead. When a job
    process ends without finishing its job (killed), the job is marked FAILED at once,
    without waiting for its heartbeat to expire.
    """

    def fork_work_horse(self, job, queue) -> None:
        """Spawn a fresh Python for `job` (see `horse_main`)."""
        os.environ["RQ_WORKER_ID"] = self.name
        os.environ["RQ_JOB_ID"] = job.id
        os.environ["RQ_EXECUTION_ID"] = self.execution.id
        code = f"from core.jobs.rq_worker import horse_main; horse_main({self.key!r}, {job.id!r}, "
        code += f"{queue.name!r})"
        self._horse_pid = os.spawnv(os.P_NOWAIT, sys.executable, [sys.executable, "-c", code])
        self.procline(f"Spawned {self._horse_pid} at {time.time()}")

    def monitor_work_horse(self, job, queue) -> None:
        """Wait for the job process; a job it left unfinished failed."""
        super().monitor_work_horse(job, queue)
        with contextlib.suppress(Exception):
            prefix, job_id = job.args
            client = redis.Redis.from_url(os.environ[URL_ENV], decode_responses=True)
            Scripts(client).finish(
                args=[
                    prefix,
                    job_id,
                    "failed",
                    "",
                    LOST_WORKER,
                    time.time(),
                    KEY_TTL,
                    FINISHED_RUNS_KEPT,
                ]
            )
            client.close()


def horse_main(worker_key: str, job_id: str, queue_name: str) -> None:
    """Run one job in its spawned process, as rq's `SpawnWorker` does, connecting by URL."""
    from rq import Queue, Worker
    from rq.executions import Execution
    from rq.job import Job as RQJob

    connection = redis.Redis.from_url(os.environ[URL_ENV])
    worker = Worker.find_by_key(worker_key, connection=connection)
    if not worker:
        sys.exit(1)
    job = RQJob.fetch(job_id, connection=worker.connection)
    queue = Queue(queue_name, connection=worker.connection)
    worker.execution = Execution.fetch(
        os.environ["RQ_EXECUTION_ID"], job.id, connection=worker.connection
    )
    os.setpgrp()  # as rq's: a Ctrl-C at the worker's terminal is for the worker only
    worker._is_horse = True
    worker.main_work_horse(job, queue)


def main(argv: list[str] | None = None) -> int:
    """Run a `SpawnWorker` on the jobs' queue until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default=os.environ.get(REDIS_ENV), help="Redis URL")
    parser.add_argument("--name", default=None, help="worker name (the process id is added)")
    parser.add_argument("--queue", default=DEFAULT_QUEUE, help=f"RQ queue ({DEFAULT_QUEUE})")
    parser.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    args = parser.parse_args(argv)
    if not args.redis:
        parser.error(f"give --redis URL or set {REDIS_ENV}")
    niceness = default_worker_niceness()
    if niceness:
        os.nice(niceness)  # the spawned job processes inherit it
    # The job processes start with `python -c`: they find the project through PYTHONPATH.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    os.environ[PARENT_ENV] = str(os.getpid())
    os.environ[URL_ENV] = args.redis
    connection = redis.Redis.from_url(args.redis)
    from rq import Queue

    # A name of its own per process: the registration of a worker killed earlier under
    # the same name lingers in Redis for minutes.
    name = f"{args.name or socket.gethostname()}.{os.getpid()}"
    worker = LabSpawnWorker(
        [Queue(args.queue, connection=connection)], connection=connection, name=name
    )
    worker.work(burst=args.burst, logging_level="WARNING", with_scheduler=False)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
