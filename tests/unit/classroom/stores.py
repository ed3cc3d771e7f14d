"""A store the class tests can construct, a fake clock, and the worker spawned processes run.

`SQLiteStore.__init__` runs ``executescript(SCHEMA)`` inside its own ``BEGIN IMMEDIATE``
transaction. On Python 3.11 `sqlite3.Cursor.executescript` always COMMITs a pending
transaction first, so the store's closing ``COMMIT`` fails with "cannot commit - no
transaction is active" and no `SQLiteStore` can be constructed (the strict xfails
`test_sqlite_store_constructs` and `test_open_store_keeps_a_healthy_store_real_class`
in test_store.py show it). `ShimStore` differs from `SQLiteStore` only in creating the
schema outside a transaction, so every other method under test is the real one. Once
core is fixed, those xfails pass strictly and `ShimStore` can be replaced by
`SQLiteStore`.

This module imports nothing from pytest or hypothesis: spawned processes import it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from core.classroom import store as store_module
from core.classroom.store import SQLiteStore


class ShimStore(SQLiteStore):
    """`SQLiteStore` with its schema created outside a transaction (see the module doc)."""

    def __init__(self, path: str | Path, clock=time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._local = threading.local()
        self._connection().executescript(store_module.SCHEMA)


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
        store = ShimStore(path)
        barrier.wait(60)
        for i in range(count):
            session = f"{prefix}-{i}"
            store.join(code, session)
            store.answer(code, session, float(i % 4))
        results.put((prefix, "ok", count))
    except BaseException as error:
        results.put((prefix, "error", repr(error)))
