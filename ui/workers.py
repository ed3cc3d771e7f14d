"""Pages and the process-wide worker pool (see core.jobs.pool): access, and watching a job."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import streamlit as st

from core.jobs.pool import Job, JobStatus, WorkerPool
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


@st.cache_resource
def worker_pool() -> WorkerPool:
    """Return the server's one worker pool, created on first use.

    The app creates it as the server's first page starts; its thread then imports
    TensorFlow in one worker in the background (see `core.jobs.pool.WorkerPool`).
    """
    return WorkerPool(warm_task=TENSORFLOW_WARM_UP)


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


def watch_job(job_id: str, body: Callable[[Job], None], waiting: str) -> Job | None:
    """Show a job's progress, live while it runs, then rerun the page once it ends.

    The one waiting area of every page that hands work to a worker: while the job
    runs, a fragment reruns twice a second (only it, not the page); a queued job
    shows its place in the queue; once the job ends, the whole page reruns so
    that what depends on the result appears.

    Parameters
    ----------
    job_id : str
        The job (an unknown id shows nothing).
    body : callable
        Draws the job's own progress (called with the current job when it is
        not queued).
    waiting : str
        What the student waits for, for the queue message ("TensorFlow
        workers", "training workers").

    Returns
    -------
    Job or None
        The job as the page started, or None if there is no such job.
    """
    pool = worker_pool()
    job = pool.get(job_id)
    if job is None:
        return None
    running = not job.status.finished

    @st.fragment(run_every=0.5 if running else None)
    def progress() -> None:
        current = pool.get(job_id)
        if current is None:
            return
        if current.status.finished and running:
            st.rerun(scope="app")
        position = pool.queue_position(current)
        if position is not None:
            st.info(f"All {waiting} are busy: you are number {position} in the queue.")
            return
        body(current)

    progress()
    return job


def start_job(key: str, task: str, params: dict, context: object = None) -> Job:
    """Submit a job for this session and remember it under `key`, with `context`.

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

    Returns
    -------
    Job
        The submitted job.
    """
    job = worker_pool().submit(task, params, owner=session_owner())
    st.session_state[key] = {"id": job.id, "context": context}
    return job


def current_job(key: str) -> tuple[Job | None, object]:
    """Return the job remembered under `key` and its context (None, None if none)."""
    remembered = st.session_state.get(key)
    if not remembered:
        return None, None
    return worker_pool().get(remembered["id"]), remembered["context"]


def job_buttons(prefix: str, job: Job) -> None:
    """Draw Pause, Resume and Stop for a running job (keys ``"<prefix>.pause"`` ...).

    Parameters
    ----------
    prefix : str
        The page's key prefix.
    job : Job
        The job, as the page sees it now.
    """
    if job.status.finished:
        return
    pool = worker_pool()
    buttons = (
        ("Pause", "pause", ":material/pause:", job.status is not JobStatus.RUNNING),
        ("Resume", "resume", ":material/resume:", job.status is not JobStatus.PAUSED),
        ("Stop", "stop", ":material/stop:", False),
    )
    for column, (label, action, icon, disabled) in zip(st.columns(4), buttons, strict=False):
        column.button(
            label,
            key=f"{prefix}.{action}",
            on_click=getattr(pool, action),
            args=(job.id,),
            disabled=disabled,
            icon=icon,
        )
