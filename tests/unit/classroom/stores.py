"""A fake clock for the class tests, and the worker spawned processes run.

This module imports nothing from pytest or hypothesis: spawned processes import it.
"""

from __future__ import annotations

from core.classroom.store import SQLiteStore


class Clock:
    """A clock the test moves by hand: seconds since the epoch."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def join_and_answer(path, code, prefix, count, barrier, results) -> None:
    """In a spawned process: open its own store, join and answer `count` sessions."""
    try:
        store = SQLiteStore(path)
        barrier.wait(60)
        for i in range(count):
            session = f"{prefix}-{i}"
            store.join(code, session)
            store.answer(code, session, float(i % 4))
        results.put((prefix, "ok", count))
    except BaseException as error:
        results.put((prefix, "error", repr(error)))
