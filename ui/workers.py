"""Pages and the process-wide worker pool (see core.jobs.pool): access, and watching a job."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import streamlit as st

from core.jobs.pool import Job, JobStatus, WorkerPool
from core.jobs.rq_queue import REDIS_ENV, JobStoreUnavailableError, RedisJobQueue
from core.jobs.tf_runtime import TENSORFLOW_WARM_UP


def session_gone_grace() -> float:
    """Seconds a disconnected session's jobs survive, for a brief network drop.

    ``SOFTMAX_LAB_SESSION_GRACE`` overrides the default of 60 (tests use a few seconds).
    """
    configured = os.environ.get("SOFTMAX_LAB_SESSION_GRACE", "")
    try:
        return max(0.0, float(configured)) if configured else 60.0
    except ValueError:
        return 60.0


def worker_pool() -> WorkerPool | RedisJobQueue:
    """Return the server's one job backend, created on first use.

    With ``SOFTMAX_LAB_REDIS`` set, a `core.jobs.rq_queue.RedisJobQueue`: jobs live in
    Redis and RQ workers (`core.jobs.rq_worker`, on any machine) run them, so every
    server shares them. Otherwise the server's own `core.jobs.pool.WorkerPool`, which
    the app creates as the server's first page starts; its thread then imports
    TensorFlow in its workers in the background. Both have the same methods.
    ``worker_pool.clear()`` forgets the backends (tests).
    """
    return _backend(os.environ.get(REDIS_ENV) or "")


@st.cache_resource
def _backend(redis_url: str) -> WorkerPool | RedisJobQueue:
    # One per value of SOFTMAX_LAB_REDIS: a test that sets it does not replace the pool.
    if redis_url:
        return RedisJobQueue(redis_url)
    return WorkerPool(warm_task=TENSORFLOW_WARM_UP)


worker_pool.clear = _backend.clear


def show_unavailable(error: JobStoreUnavailableError) -> None:
    """Say on the page that the job store cannot be reached (no traceback)."""
    st.error(str(error), icon=":material/cloud_off:")


def _safely(action: Callable) -> Callable:
    # A button's callback: Redis away is a sentence on the page, not a traceback.
    def call(*args) -> None:
        try:
            action(*args)
        except JobStoreUnavailableError as error:
            show_unavailable(error)

    return call


class _SessionLease:
    def __init__(self, owner: str) -> None:
        self.owner = owner


def _release(lease: _SessionLease) -> None:
    worker_pool().release_owner(lease.owner, session_gone_grace())


@st.cache_resource(scope="session", on_release=_release)
def _session_lease(owner: str) -> _SessionLease:
    worker_pool().claim_owner(owner)
    return _SessionLease(owner)


def session_owner() -> str:
    """Return this browser session's owner id for jobs, keeping its lease alive.

    When the session disconnects its lease is released and, unless the session
    comes back within `session_gone_grace` seconds, its jobs are stopped and
    their worker processes freed for others.
    """
    owner = st.session_state.setdefault("_job_owner", uuid.uuid4().hex)
    return _session_lease(owner).owner


def watch_job(job: Job, body: Callable[[Job], None], waiting: str, key: str) -> bool:
    """Show a job's progress, live while it runs, then rerun the page once it ends.

    The one waiting area of every page that hands work to a worker: while the job
    runs, a fragment reruns twice a second (only it, not the page); a queued job
    shows its place in the queue; once the job ends, the whole page reruns so
    that what depends on the result appears. A finished job is drawn once, from
    the session's own copy (the pool may have released it).

    The pool's thread may end the job at any moment of a run. A job that
    `current_job` returned running but that has ended since reruns the page at
    once, like the fragment's next tick would: what the page drew before (a
    disabled Start button) must not stay, and the results must not appear
    under a progress line drawn while it ran.

    Parameters
    ----------
    job : Job
        The job, as `current_job` returned it.
    body : callable
        Draws the job's own progress (called with the current job when it is
        not queued).
    waiting : str
        What the student waits for, for the queue message ("TensorFlow
        workers", "training workers").
    key : str
        The session key under which the page remembers the job, as given to
        `current_job`: a queued student may leave the queue.

    Returns
    -------
    bool
        Whether the job had ended when `current_job` returned it, so that the
        page drew it finished: only then may the page draw what its result shows.
    """
    if "finished" in st.session_state.get(key, {}):
        body(job)
        return True
    pool = worker_pool()

    @st.fragment(run_every=0.5)
    def progress() -> None:
        try:
            current = pool.get(job.id) or job
            if current.status.finished:
                st.rerun(scope="app")
            position = pool.queue_position(current)
            if position is not None:
                st.info(f"All {waiting} are busy: you are number {position} in the queue.")
                st.button(
                    "Leave the queue",
                    key=f"{key}.leave_queue",
                    icon=":material/logout:",
                    on_click=_safely(_stop_watching),
                    args=(key, job.id),
                )
                return
            body(current)
        except JobStoreUnavailableError as error:
            show_unavailable(error)

    progress()
    return False


def start_job(key: str, task: str, params: dict, context: object = None, share: bool = False):
    """Submit a job for this session (or join an equal shared run) and remember it under `key`.

    A job this session watched before under `key` is left (stopped if nobody
    else watches it).

    Parameters
    ----------
    key : str
        The session key that names the page's current job (``"sm.tf"``).
    task : str
        The task, as ``"module:function"``.
    params : dict
        Its plain parameters.
    context : object, optional
        What the page needs beside the result (the settings the job ran with).
    share : bool, optional
        The task is deterministic: an equal request's run is shared (see
        `core.jobs.pool.WorkerPool.submit`).
    """
    pool, owner = worker_pool(), session_owner()
    previous = st.session_state.get(key)
    try:
        if previous:
            pool.leave(previous["id"], owner)
        job = pool.submit(task, params, owner=owner, share=share)
    except JobStoreUnavailableError as error:
        # A callback's own elements may not survive the rerun: the page shows it.
        st.session_state[f"{key}.unavailable"] = str(error)
        return
    st.session_state[key] = {"id": job.id, "context": context}


def current_job(key: str) -> tuple[Job | None, object]:
    """Return the job remembered under `key` and its context (None, None if none).

    The first time the job is seen finished the session keeps it and tells the
    pool, which may then release its own copy.
    """
    unavailable = st.session_state.pop(f"{key}.unavailable", None)
    if unavailable:
        st.error(unavailable, icon=":material/cloud_off:")
    remembered = st.session_state.get(key)
    if not remembered:
        return None, None
    if "finished" in remembered:
        return remembered["finished"], remembered["context"]
    pool = worker_pool()
    job = pool.get(remembered["id"])
    if job is not None and job.status.finished:
        remembered["finished"] = job
        pool.forget(job.id, session_owner())
    return job, remembered["context"]


def classmates(job: Job) -> int:
    """Return how many other sessions watch `job` (a shared run's subscribers)."""
    return max(0, worker_pool().subscribers(job) - 1)


def job_buttons(prefix: str, job: Job, key: str) -> None:
    """Draw Pause, Resume and Stop for a running job (keys ``"<prefix>.pause"`` ...).

    A run that classmates also watch cannot be paused from one page, and Stop
    leaves it: it goes on for them, and stops once nobody watches it.

    Parameters
    ----------
    prefix : str
        The page's key prefix.
    job : Job
        The job, as the page sees it now.
    key : str
        The session key under which the page remembers the job.
    """
    if job.status.finished:
        return
    pool = worker_pool()
    shared = classmates(job) > 0
    buttons = (
        ("Pause", pool.pause, ":material/pause:", shared or job.status is not JobStatus.RUNNING),
        ("Resume", pool.resume, ":material/resume:", job.status is not JobStatus.PAUSED),
        ("Stop", _stop_watching, ":material/stop:", False),
    )
    arguments = {"Stop": (key, job.id)}
    for column, (label, action, icon, disabled) in zip(st.columns(4), buttons, strict=False):
        column.button(
            label,
            key=f"{prefix}.{label.lower()}",
            on_click=_safely(action),
            args=arguments.get(label, (job.id,)),
            disabled=disabled,
            icon=icon,
            help="Classmates watch this run too: it cannot be paused for them."
            if shared and label == "Pause"
            else None,
        )


def _stop_watching(key: str, job_id: str) -> None:
    pool = worker_pool()
    job = pool.get(job_id)
    others = 0 if job is None else classmates(job)
    pool.leave(job_id, session_owner())
    if others:
        # The run goes on for the classmates; this page lets it go, address included.
        # (pop: the callback can run twice for one click, see WorkerPool.leave.)
        st.session_state.pop(key, None)
        st.session_state[f"{key}.left"] = others
        st.query_params.pop("run", None)


def follow_address_run(key: str, context: Callable[[dict], object]) -> str | None:
    """Follow the run the page's address names (``?run=``), or say why it is gone.

    A reload keeps the address, not the session: the new session watches the
    run again. After a server restart the run is gone with the server's worker
    processes (a run held in Redis is not: the reload follows it), and the page
    must say so rather than show an empty status; the backend gives the sentence.

    Parameters
    ----------
    key : str
        The session key under which the page remembers its job.
    context : callable
        Builds the job's context (its settings) from the job's parameters.

    Returns
    -------
    str or None
        Why the named run is not here (the ``run`` parameter is then removed),
        or None: no run named, the session has a job already, or it follows it now.
    """
    token = st.query_params.get("run")
    if not token or st.session_state.get(key):
        return None
    pool = worker_pool()
    ours, job = pool.from_token(token)
    if job is not None and pool.subscribe(job.id, session_owner()) is not None:
        st.session_state[key] = {"id": job.id, "context": context(job.params)}
        return None
    del st.query_params["run"]
    return pool.lost_run_text(ours)


def show_run_in_address(job: Job | None) -> None:
    """Name an unfinished job in the page's address (``?run=``), so a reload finds it."""
    token = worker_pool().run_token(job) if job is not None else None
    if token is not None and not job.status.finished:
        if st.query_params.get("run") != token:
            st.query_params["run"] = token
    elif "run" in st.query_params:
        del st.query_params["run"]
