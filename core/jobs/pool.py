"""A bounded pool of spawned worker processes for work that needs TensorFlow.

The Streamlit server must never import TensorFlow (once ``keras`` is imported,
Streamlit clears the Keras session after every rerun of every session), so
everything that needs it runs here: a job names a task function by
``"module:function"``, a worker process imports and runs it, and the task
streams small events back through ``JobContext.emit``. Workers are started with
``spawn`` (never ``fork``: the server has threads), kept warm between jobs (the
TensorFlow import costs seconds), and limited in number; extra jobs wait in a
visible queue.

A task is ``def task(params: dict, ctx: JobContext) -> object``. It should call
``ctx.checkpoint()`` between steps so pause and stop take effect; a job that
ignores a stop is ended with its process after a grace period.

Importing TensorFlow takes a worker 5 to 15 seconds. Given a ``warm_task``, the
pool keeps every one of its workers started with TensorFlow imported (or
importing), in the background: a queued job whose turn comes finds a warm
worker, and a worker that dies is replaced at once, not when the next job
arrives. Every worker reports whether it has TensorFlow, so a page can say
"starting TensorFlow" rather than "computing".

Workers run at a lower OS priority than the server (`worker_niceness`): on a
machine with as many trainings as cores, the class's page reruns still get a
core at once, and training takes what the class leaves.

Deterministic tasks (training: the same data, variants, settings and seed give
the same run) can be *shared*: ``submit(..., share=True)`` with a request equal
to a queued, running or finished run subscribes to that run instead of starting
another. A finished job is released once every session that watched it has
called `forget` or is gone; a few finished shared runs are kept for late
subscribers (`FINISHED_RUNS_KEPT`), so memory stays flat however many jobs run.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib
import itertools
import json
import multiprocessing as mp
import os
import secrets
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from multiprocessing.connection import Connection, wait
from typing import Any

DEFAULT_STOP_GRACE = 5.0
"""Seconds a running job gets to honour a stop before its process is ended."""
DEFAULT_WORKER_NICENESS = 10
"""How much lower than the server's the workers' OS priority is (``nice``, 0 to 19).

At 10 the Linux scheduler gives a busy server about nine tenths of a core that a
worker also wants (weights 1024 against 110)."""
FINISHED_RUNS_KEPT = 8
"""Finished shared runs kept for sessions that ask for the same run later."""


class JobStatus(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def finished(self) -> bool:
        """Whether the job will not change any more."""
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.STOPPED)


class JobStopped(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a task by `JobContext.checkpoint` when the job is stopped."""


class LocalContext:
    """A task's context for running it in this process, start to end: events kept in a list.

    For results that a page or the question bank computes with a task's own code,
    where nothing pauses or stops the run.

    Attributes
    ----------
    events : list
        Every event the task emitted, in order.
    """

    def __init__(self) -> None:
        self.events: list[Any] = []

    def emit(self, event: Any) -> None:
        """Keep one event."""
        self.events.append(event)

    def checkpoint(self) -> None:
        """Nothing to honour: a local run is never paused or stopped."""


class JobContext:
    """The task's side of a job: send events, honour pause and stop.

    Parameters
    ----------
    conn : multiprocessing.connection.Connection
        The worker's end of its pipe to the pool.
    job_id : str
        The job being run.
    """

    def __init__(self, conn: Connection, job_id: str) -> None:
        self._conn = conn
        self.job_id = job_id
        self._tensorflow = tensorflow_loaded()

    def emit(self, event: Any) -> None:
        """Send one small, picklable event (a dict of numbers, say) to the pool."""
        self._report_tensorflow()
        self._conn.send(("event", self.job_id, event))

    def _report_tensorflow(self) -> None:
        # A task imports TensorFlow mid-job: say so at once, not when the job ends, so a
        # page stops saying "starting TensorFlow" while the task already computes.
        if not self._tensorflow and tensorflow_loaded():
            self._tensorflow = True
            _report_state(self._conn)

    def checkpoint(self) -> None:
        """Apply pending control messages: block while paused, raise on stop.

        Raises
        ------
        JobStopped
            When the pool asked this job to stop.
        """
        self._report_tensorflow()
        paused = False
        while paused or self._conn.poll():
            message = self._conn.recv()
            kind = message[0]
            if kind in ("stop", "shutdown") and message[1:2] in ((self.job_id,), ()):
                raise JobStopped
            if message[1] != self.job_id:
                continue
            if kind == "pause" and not paused:
                paused = True
                self._conn.send(("paused", self.job_id, None))
            elif kind == "resume" and paused:
                paused = False
                self._conn.send(("resumed", self.job_id, None))


def resolve_task(target: str) -> Callable[[dict, JobContext], Any]:
    """Import the task function named ``"package.module:function"``.

    Parameters
    ----------
    target : str
        Module and function name separated by a colon.

    Returns
    -------
    callable
        The task function.

    Raises
    ------
    ValueError
        If `target` is not of that form or names no function.
    """
    module_name, sep, function_name = target.partition(":")
    if not sep or not module_name or not function_name.isidentifier():
        raise ValueError(f"a task is named 'module:function'; got {target!r}")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        raise ValueError(f"{target!r} is not a function")
    return function


def tensorflow_loaded() -> bool:
    """Return whether this process has imported TensorFlow."""
    return "tensorflow" in sys.modules


def _report_state(conn: Connection) -> None:
    conn.send(("state", None, {"tensorflow": tensorflow_loaded()}))


def _warm_up(conn: Connection, target: str) -> None:
    try:
        resolve_task(target)()
    except Exception as error:
        # Nothing waits on a warm-up: the pool stops warming, and a job that needs
        # TensorFlow reports the same error itself.
        conn.send(("state", None, {"tensorflow": False, "error": f"{error}"}))
        return
    _report_state(conn)


def _worker_main(conn: Connection, niceness: int = 0) -> None:
    # Runs in the spawned process: one job at a time, until told to shut down.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if niceness:
        os.nice(niceness)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "shutdown":
            return
        if kind == "warm":
            _warm_up(conn, message[1])
            continue
        if kind != "run":
            continue  # a control message for a job that already ended
        _, job_id, target, params = message
        context = JobContext(conn, job_id)
        try:
            result = resolve_task(target)(params, context)
        except JobStopped:
            conn.send(("stopped", job_id, None))
        except Exception as error:
            conn.send(("failed", job_id, f"{type(error).__name__}: {error}"))
        else:
            conn.send(("done", job_id, result))
        _report_state(conn)


@dataclass
class Job:
    """One unit of work and everything it reported.

    Attributes
    ----------
    id : str
        Unique within the pool.
    target : str
        ``"module:function"`` of the task.
    params : dict
        Passed to the task.
    owner : str or None
        The session that submitted it.
    share_key : str or None
        `share_key` of a shared run (None: the job is its owner's alone).
    subscribers : set of str
        The sessions watching the job: its owner and, for a shared run, every
        session that asked for the same run. It is stopped when all of them
        left, and released when all of them have forgotten it or are gone.
    status : JobStatus
        Current state.
    events : list
        Events emitted so far, in order.
    result : object
        The task's return value once done.
    error : str or None
        Why it failed.
    submitted_at, started_at, finished_at : float or None
        ``time.monotonic()`` when it was queued, given to a worker, and ended.
    started_warm : bool or None
        Whether its worker had TensorFlow imported when the job started.
    """

    id: str
    target: str
    params: dict
    owner: str | None
    share_key: str | None = None
    subscribers: set[str] = field(default_factory=set)
    status: JobStatus = JobStatus.QUEUED
    events: list = field(default_factory=list)
    result: Any = None
    error: str | None = None
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    finished_at: float | None = None
    started_warm: bool | None = None
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def events_since(self, index: int) -> list:
        """Return the events after the first `index` ones."""
        return self.events[index:]

    def seconds_running(self) -> float:
        """Return the seconds since a worker took the job (0 while it is queued)."""
        if self.started_at is None:
            return 0.0
        return (self.finished_at or time.monotonic()) - self.started_at


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    job: Job | None = None
    stop_deadline: float | None = None
    tensorflow: bool = False
    warming: bool = False
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: tuple) -> None:
        with self.send_lock:
            self.conn.send(message)


class WorkerPool:
    """Run jobs in at most `max_workers` spawned processes, the rest queued.

    Parameters
    ----------
    max_workers : int, optional
        Upper bound on worker processes. Defaults to the environment variable
        ``SOFTMAX_LAB_WORKERS``, else the number of CPU cores (at most 4).
    stop_grace : float, optional
        Seconds a running job gets to honour a stop before its process is ended.
    warm_task : str, optional
        ``"module:function"`` of a function without arguments that imports
        TensorFlow. When given, the pool's thread starts all `max_workers`
        workers and has each run it in the background, and starts a
        replacement at once when one dies: a job that needs TensorFlow then
        does not wait for the import, however many jobs ran before it.
    niceness : int, optional
        Added to the workers' OS niceness (lower priority). Defaults to
        ``SOFTMAX_LAB_WORKER_NICE``, else `DEFAULT_WORKER_NICENESS`.

    Attributes
    ----------
    boot_id : str
        Random, different for every pool: part of its `run_token` for a job, so
        a token from before a server restart is known as such.
    started_at : float
        ``time.time()`` when the pool was created.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        stop_grace: float = DEFAULT_STOP_GRACE,
        warm_task: str | None = None,
        niceness: int | None = None,
    ):
        self.max_workers = max_workers or default_worker_count()
        self.stop_grace = stop_grace
        self.warm_task = warm_task
        self.niceness = default_worker_niceness() if niceness is None else niceness
        self.boot_id = secrets.token_hex(4)
        self.keeps_tensorflow = True  # see `waiting_text`
        self.started_at = time.time()
        self._context = mp.get_context("spawn")
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._shared: dict[str, Job] = {}
        self._finished_shared: OrderedDict[str, Job] = OrderedDict()
        self._queue: list[Job] = []
        self._workers: list[_Worker] = []
        self._owner_deadlines: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._wake_reader, self._wake_writer = mp.Pipe(duplex=False)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="worker-pool", daemon=True)
        self._thread.start()
        # Before multiprocessing ends the workers at exit (atexit runs the latest first):
        # a pool that saw its warm worker die then would start another, mid-shutdown.
        atexit.register(_shut_down_at_exit, weakref.ref(self))

    # ----- public API, called from any thread -----

    def submit(
        self, target: str, params: dict, owner: str | None = None, share: bool = False
    ) -> Job:
        """Queue a job, or subscribe to an equal shared run; it starts when a worker is free.

        Parameters
        ----------
        target : str
            ``"module:function"`` of the task.
        params : dict
            Picklable parameters for the task (JSON-like when `share` is set).
        owner : str, optional
            Session that asks for the job.
        share : bool, optional
            The task is deterministic: a queued, running, paused or successfully
            finished job with the same `share_key` is returned (with `owner`
            subscribed) instead of a new one.

        Returns
        -------
        Job
            The queued job, or the shared run `owner` now watches.
        """
        key = share_key(target, params) if share else None
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            existing = self._shared.get(key) if key else None
            if existing is not None and existing.status not in (
                JobStatus.FAILED,
                JobStatus.STOPPED,
            ):
                if owner is not None:
                    existing.subscribers.add(owner)
                if existing.status.finished:
                    self._finished_shared.move_to_end(key)
                return existing
            job = Job(
                id=f"job-{next(self._ids)}",
                target=target,
                params=params,
                owner=owner,
                share_key=key,
                subscribers={owner} if owner is not None else set(),
            )
            self._jobs[job.id] = job
            if key:
                self._shared[key] = job
            self._queue.append(job)
        self._wake()
        return job

    def subscribe(self, job_id: str, owner: str) -> Job | None:
        """Watch a job another session started (a reload of its page); None if not held."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.subscribers.add(owner)
            return job

    def subscribers(self, job: Job) -> int:
        """Return how many sessions watch `job` (its owner included)."""
        with self._lock:
            return len(job.subscribers)

    def leave(self, job_id: str, owner: str) -> None:
        """Stop watching a job: it is stopped once no session watches it any more.

        A session that does not watch the job (it left already) changes nothing:
        a Stop callback run twice for one click (seen in a browser test under
        load: two leaves 0.34 s apart, both from Streamlit's callback dispatch)
        must not release the stopped run before its page has shown it.

        Parameters
        ----------
        job_id : str
            The job.
        owner : str
            The session that leaves it.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or owner not in job.subscribers:
                return
            job.subscribers.discard(owner)
            if job.subscribers:
                return
        if job.status.finished:
            self._release_if_unwatched(job)
        else:
            self.stop(job_id)

    def forget(self, job_id: str, owner: str) -> None:
        """Say that `owner` keeps what it needs of a finished job: the pool may release it.

        A finished job is released once every subscriber forgot it (or is gone),
        except the latest `FINISHED_RUNS_KEPT` shared runs, kept for later
        requests of the same run. Unfinished jobs are left alone.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.status.finished:
                return
            job.subscribers.discard(owner)
        self._release_if_unwatched(job)

    def run_token(self, job: Job) -> str:
        """Return a name for `job` that outlives the session, for the page's address."""
        return f"{self.boot_id}.{job.id}"

    def from_token(self, token: str) -> tuple[bool, Job | None]:
        """Look a `run_token` up: whether this pool gave it, and the job if still held.

        A token of another pool (the server restarted since) gives ``(False, None)``.
        """
        boot, _, job_id = token.partition(".")
        if boot != self.boot_id:
            return False, None
        return True, self.get(job_id)

    def lost_run_text(self, ours: bool) -> str:
        """Say why the run a page's address names is not here any more.

        Parameters
        ----------
        ours : bool
            `from_token` said the token is this pool's (the run ended and was released);
            otherwise the server restarted since, and its runs ended with its workers.
        """
        if ours:
            return (
                "The training run this page showed has ended and is no longer kept. Start it again."
            )
        ago = round((time.time() - self.started_at) / 60)
        when = "less than a minute ago" if ago < 1 else f"{ago} min ago"
        return (
            f"The training run this page showed was lost: the server restarted {when}, "
            "and runs live in its worker processes, which ended with it. "
            "Press Start training to run it again."
        )

    def job_count(self) -> int:
        """Return how many jobs the pool holds (queued, running, and finished not released)."""
        with self._lock:
            return len(self._jobs)

    def get(self, job_id: str) -> Job | None:
        """Return the job with this id, if the pool knows it."""
        with self._lock:
            return self._jobs.get(job_id)

    def queue_position(self, job: Job) -> int | None:
        """Return the 1-based place of a queued job in the queue, else None."""
        with self._lock:
            for position, queued in enumerate(self._queue, start=1):
                if queued is job:
                    return position
        return None

    def busy_workers(self) -> int:
        """Return how many workers are running a job."""
        with self._lock:
            return sum(1 for w in self._workers if w.job is not None)

    def worker_pids(self) -> list[int]:
        """Return the process ids of the live workers."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    def warm_workers(self) -> list[int]:
        """Return the process ids of the workers that have TensorFlow imported."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.tensorflow]

    def tensorflow_loaded(self, job: Job) -> bool | None:
        """Return whether the worker running `job` has TensorFlow imported (None: no worker)."""
        with self._lock:
            worker = self._worker_of(job)
            return None if worker is None else worker.tensorflow

    def pause(self, job_id: str) -> None:
        """Ask a running job to pause at its next checkpoint."""
        self._control(job_id, "pause")

    def resume(self, job_id: str) -> None:
        """Let a paused job go on."""
        self._control(job_id, "resume")

    def stop(self, job_id: str) -> None:
        """Stop a job: a queued one at once, a running one at its next checkpoint.

        A running job that does not stop within ``stop_grace`` seconds has its
        worker process ended (a new one is started for the next job).
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status.finished:
                return
            if job in self._queue:
                self._queue.remove(job)
                self._finish(job, JobStatus.STOPPED)
                return
            worker = self._worker_of(job)
            if worker is not None and worker.stop_deadline is None:
                worker.stop_deadline = time.monotonic() + self.stop_grace
                self._send(worker, ("stop", job.id))
        self._wake()

    def release_owner(self, owner: str, grace: float) -> None:
        """Stop the owner's unfinished jobs unless it comes back within `grace` seconds."""
        with self._lock:
            self._owner_deadlines[owner] = time.monotonic() + grace
        self._wake()

    def claim_owner(self, owner: str) -> None:
        """Cancel a pending release: the owner's session is back."""
        with self._lock:
            self._owner_deadlines.pop(owner, None)

    def wait(self, job: Job, timeout: float | None = None) -> bool:
        """Block until `job` is finished; return whether it is."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with job._changed:
            while not job.status.finished:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                job._changed.wait(remaining)
        return True

    def shutdown(self) -> None:
        """Stop every job and end every worker process."""
        with self._lock:
            self._closed = True
            for job in list(self._queue):
                self._finish(job, JobStatus.STOPPED)
            self._queue.clear()
            workers, self._workers = self._workers, []
        self._wake()
        for worker in workers:
            if worker.job is not None:
                self._finish(worker.job, JobStatus.STOPPED)
            with contextlib.suppress(OSError):
                worker.send(("shutdown",))
        for worker in workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=2)
            worker.conn.close()
        self._thread.join(timeout=2)

    # ----- internals, on the pool's thread unless noted -----

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_writer.send_bytes(b"!")

    def _control(self, job_id: str, kind: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status.finished:
                return
            worker = self._worker_of(job)
            if worker is not None:
                self._send(worker, (kind, job.id))

    def _send(self, worker: _Worker, message: tuple) -> None:
        # A dead worker cannot be told anything; its sentinel reports the death.
        with contextlib.suppress(OSError):
            worker.send(message)

    def _worker_of(self, job: Job) -> _Worker | None:
        return next((w for w in self._workers if w.job is job), None)

    def _finish(self, job: Job, status: JobStatus, result: Any = None, error: str | None = None):
        with job._changed:
            # The status last: pages read a job without its lock, and a finished status
            # tells them its result and error are there (as RedisJobQueue.get does).
            job.result = result
            job.error = error
            job.finished_at = time.monotonic()
            job.status = status
            job._changed.notify_all()
        with self._lock:
            if job.share_key is None or self._shared.get(job.share_key) is not job:
                return
            if status is not JobStatus.DONE:
                # Nobody may subscribe to a run that broke off; the next request starts anew.
                del self._shared[job.share_key]
                return
            self._finished_shared[job.share_key] = job
            while len(self._finished_shared) > FINISHED_RUNS_KEPT:
                _, oldest = self._finished_shared.popitem(last=False)
                self._shared.pop(oldest.share_key, None)
                self._release_if_unwatched(oldest)

    def _release_if_unwatched(self, job: Job) -> None:
        with self._lock:
            kept = job.share_key is not None and job.share_key in self._finished_shared
            if job.status.finished and not job.subscribers and not kept:
                self._jobs.pop(job.id, None)

    def _start_worker(self) -> _Worker:
        parent_conn, child_conn = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child_conn, self.niceness),
            name="softmax-lab-worker",
            daemon=True,
        )
        process.start()
        child_conn.close()
        worker = _Worker(process=process, conn=parent_conn)
        self._workers.append(worker)
        return worker

    def _dispatch(self) -> None:
        with self._lock:
            while self._queue and not self._closed:
                # A worker with TensorFlow first: the job may need it. One still warming
                # up counts as idle: its import ends sooner than a new worker's would.
                free = [w for w in self._workers if w.job is None]
                idle = next((w for w in free if w.tensorflow), free[0] if free else None)
                if idle is None:
                    if len(self._workers) >= self.max_workers:
                        return
                    idle = self._start_worker()
                job = self._queue.pop(0)
                idle.job = job
                idle.stop_deadline = None
                job.status = JobStatus.RUNNING
                job.started_at = time.monotonic()
                job.started_warm = idle.tensorflow
                self._send(idle, ("run", job.id, job.target, job.params))

    def _keep_warm(self) -> None:
        # After dispatching, so a queued job never waits for a warm-up to be started.
        with self._lock:
            if not self.warm_task or self._closed:
                return
            while len(self._workers) < self.max_workers:
                self._start_worker()
            for cold in self._workers:
                if cold.job is None and not (cold.tensorflow or cold.warming):
                    cold.warming = True
                    self._send(cold, ("warm", self.warm_task))

    def _handle(self, worker: _Worker, message: tuple) -> None:
        kind, job_id, payload = message
        if kind == "state":
            with self._lock:
                worker.tensorflow = payload["tensorflow"]
                worker.warming = False
                if "error" in payload:
                    self.warm_task = None  # TensorFlow cannot load here: stop trying
            return
        job = self._jobs.get(job_id)
        if job is None or job.status.finished:
            return
        if kind == "event":
            with job._changed:
                job.events.append(payload)
                job._changed.notify_all()
            return
        if kind in ("paused", "resumed"):
            with job._changed:
                job.status = JobStatus.PAUSED if kind == "paused" else JobStatus.RUNNING
                job._changed.notify_all()
            return
        status = {
            "done": JobStatus.DONE,
            "failed": JobStatus.FAILED,
            "stopped": JobStatus.STOPPED,
        }[kind]
        with self._lock:
            worker.job = None
            worker.stop_deadline = None
        self._finish(
            job,
            status,
            result=payload if kind == "done" else None,
            error=payload if kind == "failed" else None,
        )

    def _bury(self, worker: _Worker, reason: str) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            job, worker.job = worker.job, None
            if worker.warming and job is None and reason != "stopped":
                self.warm_task = None  # importing TensorFlow killed it: do not start another
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=2)
        worker.conn.close()
        if job is not None and not job.status.finished:
            if reason == "stopped":
                self._finish(job, JobStatus.STOPPED)
            else:
                self._finish(job, JobStatus.FAILED, error=reason)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired_owners = [o for o, t in self._owner_deadlines.items() if t <= now]
            for owner in expired_owners:
                del self._owner_deadlines[owner]
            overdue = [w for w in self._workers if w.stop_deadline and w.stop_deadline <= now]
        for owner in expired_owners:
            with self._lock:
                watched = [j for j in self._jobs.values() if owner in j.subscribers]
            for job in watched:
                self.leave(job.id, owner)
        for worker in overdue:
            self._bury(worker, "stopped")

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                workers = list(self._workers)
            self._dispatch()
            self._keep_warm()
            sources: list = [self._wake_reader]
            for worker in workers:
                sources += [worker.conn, worker.process.sentinel]
            try:
                ready = wait(sources, timeout=0.25)
            except OSError:
                continue
            if self._wake_reader in ready:
                while self._wake_reader.poll():
                    self._wake_reader.recv_bytes()
            for worker in workers:
                if worker.conn in ready:
                    try:
                        while worker.conn.poll():
                            self._handle(worker, worker.conn.recv())
                    except (EOFError, OSError):
                        pass
                if worker.process.sentinel in ready:
                    # The sentinel closes as the process exits, a moment before it can be
                    # reaped; join so the exit code is known.
                    worker.process.join(timeout=1.0)
                    code = worker.process.exitcode
                    self._bury(
                        worker, f"the worker process stopped unexpectedly (exit code {code})"
                    )
            self._enforce_deadlines()


def _shut_down_at_exit(pool: weakref.ref[WorkerPool]) -> None:
    if (alive := pool()) is not None:
        alive.shutdown()


def waiting_text(
    tensorflow_loaded: bool | None, seconds: float, working: str, stays_loaded: bool = True
) -> str:
    """Say what a running job's worker is doing: starting TensorFlow, or `working`.

    Parameters
    ----------
    tensorflow_loaded : bool or None
        `WorkerPool.tensorflow_loaded` for the job, or True when the job does not
        need TensorFlow.
    seconds : float
        How long the job has been running.
    working : str
        What the job does once TensorFlow is there (``"TensorFlow is computing"``).
    stays_loaded : bool, optional
        The backend's `keeps_tensorflow`: whether the worker keeps TensorFlow for the
        next jobs (the local pool) or each job imports it anew (RQ workers).

    Returns
    -------
    str
        A sentence for the page.
    """
    if tensorflow_loaded is False and not stays_loaded:
        return (
            f"A worker is starting TensorFlow: {seconds:.0f} s so far. Every job on "
            "these shared workers starts it anew (5 to 15 s)."
        )
    if tensorflow_loaded is False:
        return (
            f"A worker is starting TensorFlow: {seconds:.0f} s so far. It stays loaded, "
            "so the jobs after this one start at once."
        )
    return f"{working}: {seconds:.0f} s so far."


def share_key(target: str, params: dict) -> str:
    """Return the key under which equal requests of a deterministic task share one run.

    Parameters
    ----------
    target : str
        ``"module:function"`` of the task.
    params : dict
        Its parameters, JSON-like (dicts, lists, strings, numbers, None).

    Returns
    -------
    str
        A SHA-256 hex digest of the target and the parameters in canonical JSON
        (sorted keys), so the order in which settings were given does not matter.
    """
    canonical = json.dumps([target, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def default_worker_niceness() -> int:
    """Return ``SOFTMAX_LAB_WORKER_NICE`` (0 to 19) or `DEFAULT_WORKER_NICENESS`."""
    configured = os.environ.get("SOFTMAX_LAB_WORKER_NICE", "")
    if configured.isdigit():
        return min(19, int(configured))
    return DEFAULT_WORKER_NICENESS


def default_worker_count() -> int:
    """Return the worker bound: ``SOFTMAX_LAB_WORKERS`` or the core count, 1 to 4."""
    configured = os.environ.get("SOFTMAX_LAB_WORKERS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(4, os.cpu_count() or 1))
