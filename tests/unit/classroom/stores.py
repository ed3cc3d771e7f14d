"""A fake clock for the class tests, the two store backends, and what spawned processes run.

This module imports nothing from pytest or hypothesis: spawned processes import it.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from core.classroom.store import DB_NAME, SQLiteStore


class Clock:
    """A clock the test moves by hand: seconds since the epoch."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SQLiteBackend:
    """Stores on one SQLite file in a test's folder."""

    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.path = folder / DB_NAME

    def spec(self) -> tuple:
        """What a spawned process needs to open the same store (`open_spec`)."""
        return ("sqlite", str(self.path))

    def open(self, clock=None):
        """A store on the same data (a restarted server when called again)."""
        return open_spec(self.spec(), clock)

    def stored_bytes(self) -> bytes:
        """Everything the store wrote, as bytes."""
        folder = self.path.parent
        return b"".join(
            p.read_bytes() for p in folder.iterdir() if p.name.startswith(DB_NAME) and p.is_file()
        )

    def pieces(self, code: str) -> dict[str, int]:
        """How many rows each table holds for the class `code`."""
        sql = "SELECT COUNT(*) FROM {} WHERE code = ?"
        with sqlite3.connect(self.path) as db:
            tables = ("classes", "students", "polls", "answers")
            return {t: db.execute(sql.format(t), (code,)).fetchone()[0] for t in tables}


class RedisBackend:
    """Stores on the test run's redis-server, under a key prefix of this test's own."""

    name = "redis"

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"test-{uuid.uuid4().hex}:"

    def spec(self) -> tuple:
        return ("redis", self.url, self.prefix)

    def open(self, clock=None):
        return open_spec(self.spec(), clock)

    def _client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def stored_bytes(self) -> bytes:
        client = self._client()
        data = []
        for name in client.scan_iter(match=f"{self.prefix}*"):
            kind = client.type(name)
            if kind == b"hash":
                items = client.hgetall(name).items()
                data += [part for pair in items for part in pair]
            elif kind in (b"set",):
                data += list(client.smembers(name))
            elif kind == b"zset":
                data += [m for m, _ in client.zrange(name, 0, -1, withscores=True)]
            else:
                data.append(client.get(name))
            data.append(name)
        client.close()
        return b"\n".join(data)

    def pieces(self, code: str) -> dict[str, int]:
        """Which of the class's keys exist, and whether `touched` still names it."""
        client = self._client()
        found = {part: client.exists(f"{self.prefix}{part}:{code}") for part in "casnpm"} | {
            "touched": int(client.zscore(f"{self.prefix}touched", code) is not None)
        }
        client.close()
        return found


def open_spec(spec: tuple, clock=None):
    """Open the store `spec` names (see the backends' `spec`)."""
    kwargs = {"clock": clock} if clock is not None else {}
    if spec[0] == "sqlite":
        return SQLiteStore(spec[1], **kwargs)
    from core.classroom.redis_store import RedisStore

    return RedisStore(spec[1], prefix=spec[2], **kwargs)


def join_and_answer(spec, code, prefix, count, barrier, results) -> None:
    """In a spawned process: open its own store, join and answer `count` sessions."""
    try:
        store = open_spec(spec)
        barrier.wait(60)
        for i in range(count):
            session = f"{prefix}-{i}"
            store.join(code, session)
            store.answer(code, session, float(i % 4))
        results.put((prefix, "ok", count))
    except BaseException as error:
        results.put((prefix, "error", repr(error)))
