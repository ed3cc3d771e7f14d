"""Access from pages to the process-wide worker pool (see core.jobs)."""

from __future__ import annotations

import uuid

import streamlit as st

from core.jobs import WorkerPool

SESSION_GONE_GRACE = 60.0
"""Seconds a disconnected session's jobs survive, for a brief network drop."""


@st.cache_resource
def worker_pool() -> WorkerPool:
    """Return the server's one worker pool, created on first use."""
    return WorkerPool()


class _SessionLease:
    def __init__(self, owner: str) -> None:
        self.owner = owner


def _release(lease: _SessionLease) -> None:
    worker_pool().release_owner(lease.owner, SESSION_GONE_GRACE)


@st.cache_resource(scope="session", on_release=_release)
def _session_lease(owner: str) -> _SessionLease:
    worker_pool().claim_owner(owner)
    return _SessionLease(owner)


def session_owner() -> str:
    """Return this browser session's owner id for jobs, keeping its lease alive.

    When the session disconnects its lease is released and, unless the session
    comes back within `SESSION_GONE_GRACE` seconds, its jobs are stopped and
    their worker processes freed for others.
    """
    owner = st.session_state.setdefault("_job_owner", uuid.uuid4().hex)
    return _session_lease(owner).owner
