"""Access from pages to the process-wide worker pool (see core.jobs.pool)."""

from __future__ import annotations

import os
import uuid

import streamlit as st

from core.jobs.pool import WorkerPool


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
    """Return the server's one worker pool, created on first use."""
    return WorkerPool()


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
