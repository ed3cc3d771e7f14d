"""The class store: classes, students, polls and answers, kept in a real database.

`ClassStore` is the small interface the Class page uses; `SQLiteStore` implements it
with Python's `sqlite3` in WAL mode, one file in the data folder, so a server restart
loses no vote and several server processes on one machine share one class.
`core.classroom.redis_store.RedisStore` implements the same methods in Redis, for
servers on several machines; `open_class_store` picks one.

Only the holder of a class's teacher key can change the class: every teacher action
takes the key and checks it against the stored hash. Students are identified by an
opaque session id; a student's answers are never returned to anyone but that student,
and nicknames are never stored at all.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

CODE_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
"""Join-code characters: no 0/O, 1/I/L, 2/Z, 5/S, 6/G or 8/B, which read alike aloud or on
a projector."""
CODE_LENGTH = 6
"""23**6, about 148 million codes: a guess at random hits a live class almost never."""
KEY_BYTES = 24
"""A teacher key's random bytes: 192 bits."""
IDLE_SECONDS = 12 * 3600
"""A class with no activity for this long ends and its data is deleted."""
JOIN_ATTEMPTS = 10
"""Failed join attempts a session may make within `JOIN_WINDOW` seconds."""
JOIN_WINDOW = 60.0
ANSWER_LIMIT = 1e300
"""Largest typed number an answer may carry (a float the summary can still print)."""

PollStatus = Literal["open", "closed", "revealed"]


class ClassError(Exception):
    """Why a class action cannot be done, in a sentence for the page."""


class ClassNotFoundError(ClassError):
    """No live class has this code (never existed, ended, or expired)."""


class NotTeacherError(ClassError):
    """The key given is not this class's teacher key."""


class TooManyGuessesError(ClassError):
    """A session tried too many wrong join codes; it must wait."""


class PollClosedError(ClassError):
    """No poll is open to answer."""


class StoreUnavailableError(ClassError):
    """The class store cannot be reached (a Redis server that does not answer)."""


def new_code() -> str:
    """Return a random join code of `CODE_LENGTH` characters from `CODE_ALPHABET`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Return a typed join code as stored: upper case, without spaces or dashes.

    Parameters
    ----------
    text : str
        What a student typed, such as ``"ack 7m9"``.

    Returns
    -------
    str
        ``"ACK7M9"``; at most ``2 * CODE_LENGTH`` characters are looked at.
    """
    return "".join(c for c in text[: 2 * CODE_LENGTH].upper() if c.isalnum())


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Poll:
    """The class's current poll.

    Attributes
    ----------
    seq : int
        Which poll of the class this is (1, 2, ...): each question opened is a poll.
    question : str
        The question's id in the bank.
    round : int
        1 for the first vote; 2 after discussion.
    status : str
        ``"open"`` (answers count), ``"closed"`` or ``"revealed"``.
    """

    seq: int
    question: str
    round: int
    status: PollStatus


@dataclass(frozen=True)
class ClassState:
    """What every page of a class shows (never a student's identity or answer).

    Attributes
    ----------
    code : str
        Join code.
    version : int
        Grows whenever what students see changes (poll, round, reveal, page, end).
    activity : int
        Grows whenever students join or answer (what the projector counts).
    students : int
        Sessions that joined.
    poll : Poll or None
        The current poll, None before the first.
    page : str or None
        The page state the teacher sent (a path and query of this app), if any.
    ended : bool
        Whether the teacher ended the class.
    """

    code: str
    version: int
    activity: int
    students: int
    poll: Poll | None
    page: str | None
    ended: bool


@dataclass(frozen=True)
class PollRecord:
    """One poll of a class, for the projector and the summary.

    Attributes
    ----------
    seq : int
        Its number in the class.
    question : str
        The question's id.
    rounds : dict
        Round number to the responses counted in it (one per student session).
    revealed : bool
        Whether the answer was revealed.
    """

    seq: int
    question: str
    rounds: dict[int, list[float]] = field(default_factory=dict)
    revealed: bool = False


class ClassStore(Protocol):
    """Everything the Class page asks of the store; SQLite by default."""

    def create_class(self) -> tuple[str, str]:
        """Start a class; return its join code and its teacher key."""

    def is_teacher(self, code: str, key: str) -> bool:
        """Whether `key` is the teacher key of the live class `code`."""

    def join(self, code: str, session: str, guesser: str | None = None) -> ClassState:
        """Add a student session to the class; wrong codes rate limited per `guesser`."""

    def versions(self, code: str) -> tuple[int, int]:
        """Return the class's ``(version, activity)``: cheap, for pages that poll."""

    def state(self, code: str) -> ClassState:
        """Return the class as every page shows it."""

    def open_poll(self, code: str, key: str, question: str) -> None:
        """Teacher: open a new poll of `question` (round 1)."""

    def close_poll(self, code: str, key: str) -> None:
        """Teacher: stop counting answers."""

    def next_round(self, code: str, key: str) -> None:
        """Teacher: open the current question again, as a new round."""

    def reveal(self, code: str, key: str) -> None:
        """Teacher: close the poll and show the answer."""

    def push_page(self, code: str, key: str, page: str) -> None:
        """Teacher: send a page state to the class."""

    def end_class(self, code: str, key: str) -> None:
        """Teacher: end the class (its summary stays until it expires)."""

    def answer(
        self,
        code: str,
        session: str,
        response: float,
        seq: int | None = None,
        round_: int | None = None,
    ) -> None:
        """Student: answer the open poll (again, to change the answer)."""

    def my_answers(self, code: str, session: str, seq: int) -> dict[int, float]:
        """Student: this session's answers to poll `seq`, by round."""

    def polls(self, code: str, key: str) -> list[PollRecord]:
        """Teacher: every poll of the class with its counted responses."""

    def expire(self) -> int:
        """Delete classes idle for `IDLE_SECONDS`; return how many."""


SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    created REAL NOT NULL,
    touched REAL NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    activity INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL DEFAULT 0,
    question TEXT,
    round INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    page TEXT
);
CREATE INDEX IF NOT EXISTS classes_touched ON classes (touched);
CREATE TABLE IF NOT EXISTS students (
    code TEXT NOT NULL,
    session TEXT NOT NULL,
    joined REAL NOT NULL,
    PRIMARY KEY (code, session)
);
CREATE TABLE IF NOT EXISTS polls (
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    question TEXT NOT NULL,
    revealed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, seq)
);
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    round INTEGER NOT NULL,
    session TEXT NOT NULL,
    response REAL NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (code, seq, round, session)
);
CREATE TABLE IF NOT EXISTS join_attempts (
    session TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS join_attempts_session ON join_attempts (session, at);
"""


class SQLiteStore:
    """`ClassStore` in one SQLite file (WAL mode), safe across threads and processes.

    Parameters
    ----------
    path : str or Path
        The database file; created with its tables if missing.
    clock : callable, optional
        Seconds since the epoch (tests pass their own to age classes).

    Notes
    -----
    Each thread keeps its own connection. Writes run in ``BEGIN IMMEDIATE``
    transactions with a busy timeout, so concurrent writers from several threads
    and processes wait their turn instead of failing.
    """

    def __init__(self, path: str | Path, clock=time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._local = threading.local()
        # executescript commits on its own: the tables are created outside `_write`.
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _live(self, db: sqlite3.Connection, code: str) -> sqlite3.Row | tuple:
        row = db.execute(
            "SELECT key_hash, ended, seq, question, round, status FROM classes WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None:
            raise ClassNotFoundError(f"there is no class with the code {code[:12]!r}")
        return row

    def _teacher(
        self, db: sqlite3.Connection, code: str, key: str, ended_too: bool = False
    ) -> tuple:
        # The one key check of every teacher action; reading an ended class's answers
        # (its summary) is allowed, changing it is not.
        row = self._live(db, code)
        if not hmac.compare_digest(row[0], _key_hash(key)):
            raise NotTeacherError("only the teacher of this class can do that")
        if row[1] and not ended_too:
            raise ClassNotFoundError("this class has ended")
        return row

    def _changed(self, db: sqlite3.Connection, code: str, **columns: object) -> None:
        sets = "".join(f", {name} = ?" for name in columns)
        db.execute(
            f"UPDATE classes SET version = version + 1, touched = ?{sets} WHERE code = ?",
            (self._clock(), *columns.values(), code),
        )

    def create_class(self) -> tuple[str, str]:
        """Start a class.

        Returns
        -------
        code : str
            A join code no class in the store has.
        key : str
            The teacher key (URL-safe text); only its hash is stored.
        """
        key = secrets.token_urlsafe(KEY_BYTES)
        self.expire()
        now = self._clock()
        with self._write() as db:
            while True:
                code = new_code()
                if db.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone():
                    continue
                db.execute(
                    "INSERT INTO classes (code, key_hash, created, touched) VALUES (?, ?, ?, ?)",
                    (code, _key_hash(key), now, now),
                )
                return code, key

    def is_teacher(self, code: str, key: str) -> bool:
        """Whether `key` is the teacher key of the class `code` (ended or not)."""
        row = (
            self._connection()
            .execute("SELECT key_hash FROM classes WHERE code = ?", (code,))
            .fetchone()
        )
        return row is not None and hmac.compare_digest(row[0], _key_hash(key))

    def join(self, code: str, session: str, guesser: str | None = None) -> ClassState:
        """Add a student session to a live class.

        Parameters
        ----------
        code : str
            The join code, as `normalise_code` gives it.
        session : str
            The student's session id.
        guesser : str, optional
            Who the wrong codes are counted against: the server's own id of the
            browser session, which a student cannot choose (``session`` by default).

        Returns
        -------
        ClassState
            The class.

        Raises
        ------
        TooManyGuessesError
            After `JOIN_ATTEMPTS` wrong codes within `JOIN_WINDOW` seconds.
        ClassNotFoundError
            For a wrong, ended or expired code (the attempt counts).
        """
        now = self._clock()
        with self._write() as db:
            db.execute("DELETE FROM join_attempts WHERE at < ?", (now - JOIN_WINDOW,))
            guesser = guesser or session
            (failed,) = db.execute(
                "SELECT COUNT(*) FROM join_attempts WHERE session = ?", (guesser,)
            ).fetchone()
            if failed >= JOIN_ATTEMPTS:
                raise TooManyGuessesError(
                    f"too many wrong codes; wait {JOIN_WINDOW:.0f} seconds and try again"
                )
            row = db.execute("SELECT ended FROM classes WHERE code = ?", (code,)).fetchone()
            if row is None or row[0]:
                db.execute("INSERT INTO join_attempts VALUES (?, ?)", (guesser, now))
        if row is None:
            raise ClassNotFoundError(
                f"no class has the code {code[:12]!r}: check it with your teacher"
            )
        if row[0]:
            raise ClassNotFoundError("that class has ended")
        with self._write() as db:
            added = db.execute(
                "INSERT OR IGNORE INTO students VALUES (?, ?, ?)", (code, session, now)
            ).rowcount
            if added:
                db.execute(
                    "UPDATE classes SET activity = activity + 1, touched = ? WHERE code = ?",
                    (now, code),
                )
        return self.state(code)

    def versions(self, code: str) -> tuple[int, int]:
        """Return ``(version, activity)`` of a class, or ``(-1, -1)`` when it is gone."""
        row = (
            self._connection()
            .execute("SELECT version, activity FROM classes WHERE code = ?", (code,))
            .fetchone()
        )
        return (row[0], row[1]) if row else (-1, -1)

    def state(self, code: str) -> ClassState:
        """Return the class as every page shows it.

        Raises
        ------
        ClassNotFoundError
            When the class does not exist (or expired).
        """
        db = self._connection()
        row = db.execute(
            "SELECT version, activity, ended, seq, question, round, status, page "
            "FROM classes WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None:
            raise ClassNotFoundError(f"there is no class with the code {code[:12]!r}")
        version, activity, ended, seq, question, round_, status, page = row
        (students,) = db.execute("SELECT COUNT(*) FROM students WHERE code = ?", (code,)).fetchone()
        poll = Poll(seq, question, round_, status) if seq else None
        return ClassState(code, version, activity, students, poll, page, bool(ended))

    def open_poll(self, code: str, key: str, question: str) -> None:
        """Teacher: open a new poll of `question`, round 1 (closing any other)."""
        with self._write() as db:
            row = self._teacher(db, code, key)
            seq = row[2] + 1
            db.execute(
                "INSERT INTO polls (code, seq, question) VALUES (?, ?, ?)", (code, seq, question)
            )
            self._changed(db, code, seq=seq, question=question, round=1, status="open")

    def _poll(self, db: sqlite3.Connection, code: str, key: str) -> tuple:
        row = self._teacher(db, code, key)
        if not row[2]:
            raise PollClosedError("open a question first")
        return row

    def close_poll(self, code: str, key: str) -> None:
        """Teacher: stop counting answers to the current round."""
        with self._write() as db:
            row = self._poll(db, code, key)
            if row[5] == "open":
                self._changed(db, code, status="closed")

    def next_round(self, code: str, key: str) -> None:
        """Teacher: count answers to the current question again, as a new round."""
        with self._write() as db:
            row = self._poll(db, code, key)
            if row[5] == "revealed":
                raise PollClosedError("the answer is revealed; open the next question instead")
            self._changed(db, code, round=row[4] + 1, status="open")

    def reveal(self, code: str, key: str) -> None:
        """Teacher: close the poll and show its answer to everyone."""
        with self._write() as db:
            row = self._poll(db, code, key)
            db.execute("UPDATE polls SET revealed = 1 WHERE code = ? AND seq = ?", (code, row[2]))
            self._changed(db, code, status="revealed")

    def push_page(self, code: str, key: str, page: str) -> None:
        """Teacher: send a page state (a path and query of this app) to the class."""
        with self._write() as db:
            self._teacher(db, code, key)
            self._changed(db, code, page=page)

    def end_class(self, code: str, key: str) -> None:
        """Teacher: end the class; its summary stays until the class expires."""
        with self._write() as db:
            self._teacher(db, code, key)
            self._changed(db, code, ended=1, status="closed")

    def answer(
        self,
        code: str,
        session: str,
        response: float,
        seq: int | None = None,
        round_: int | None = None,
    ) -> None:
        """Student: answer the open poll; answering again replaces the earlier answer.

        Parameters
        ----------
        code, session : str
            The class and the student's session.
        response : float
            An option index, or a typed number.
        seq, round_ : int, optional
            The poll and round the student's page shows: an answer sent just as the
            teacher moved on is refused rather than counted in another question.

        Raises
        ------
        ClassNotFoundError
            For a class that ended or expired, or a session that never joined it.
        PollClosedError
            When no poll is open, or not the one given.
        ValueError
            For a response that is not a finite number within `ANSWER_LIMIT`.
        """
        if isinstance(response, bool) or not isinstance(response, int | float):
            raise ValueError("an answer is a number")
        # Compared before any float conversion: an int beyond float's range is too large too.
        if not (-ANSWER_LIMIT <= response <= ANSWER_LIMIT):
            raise ValueError("that number is too large to count, or not a number")
        now = self._clock()
        with self._write() as db:
            row = self._live(db, code)
            if row[1]:
                raise ClassNotFoundError("this class has ended")
            joined = db.execute(
                "SELECT 1 FROM students WHERE code = ? AND session = ?", (code, session)
            ).fetchone()
            if not joined:
                raise ClassNotFoundError("join the class first")
            if row[5] != "open":
                raise PollClosedError("the poll is closed")
            if (seq, round_) != (None, None) and (seq, round_) != (row[2], row[4]):
                raise PollClosedError(
                    "your teacher moved on before your answer arrived: answer the new question"
                )
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (code, row[2], row[4], session, float(response), now),
            )
            db.execute(
                "UPDATE classes SET activity = activity + 1, touched = ? WHERE code = ?",
                (now, code),
            )

    def my_answers(self, code: str, session: str, seq: int) -> dict[int, float]:
        """Return this session's own answers to poll `seq`, by round."""
        rows = self._connection().execute(
            "SELECT round, response FROM answers WHERE code = ? AND seq = ? AND session = ?",
            (code, seq, session),
        )
        return dict(rows.fetchall())

    def polls(self, code: str, key: str) -> list[PollRecord]:
        """Teacher: every poll of the class, its counted responses per round, in order."""
        db = self._connection()
        self._teacher(db, code, key, ended_too=True)
        records = {
            seq: PollRecord(seq, question, {}, bool(revealed))
            for seq, question, revealed in db.execute(
                "SELECT seq, question, revealed FROM polls WHERE code = ? ORDER BY seq", (code,)
            )
        }
        for seq, round_, response in db.execute(
            "SELECT seq, round, response FROM answers WHERE code = ? ORDER BY seq, round, at",
            (code,),
        ):
            records[seq].rounds.setdefault(round_, []).append(response)
        return list(records.values())

    def expire(self) -> int:
        """Delete every class idle for `IDLE_SECONDS`, with its students, polls and answers.

        Returns
        -------
        int
            How many classes were deleted.
        """
        cutoff = self._clock() - IDLE_SECONDS
        with self._write() as db:
            old = [
                c for (c,) in db.execute("SELECT code FROM classes WHERE touched < ?", (cutoff,))
            ]
            for table in ("answers", "polls", "students", "classes"):
                db.executemany(f"DELETE FROM {table} WHERE code = ?", [(c,) for c in old])
        return len(old)


DATA_ENV = "SOFTMAX_LAB_DATA"
"""The environment variable naming the data folder."""
DEFAULT_DATA = Path.home() / ".local" / "share" / "softmax-lab"
DB_NAME = "classes.db"


def open_store(folder: str | Path | None = None) -> tuple[SQLiteStore, str | None]:
    """Open the class store in the data folder, repairing what can be repaired.

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; by default `DATA_ENV`, else `DEFAULT_DATA`.

    Returns
    -------
    store : SQLiteStore
        A working store.
    message : str or None
        What went wrong and what was done instead, for the page; None when the
        store opened as it was.

    Notes
    -----
    A folder that cannot be created or written falls back to a new temporary
    folder (classes then last only as long as the server). A database file that
    is not a readable SQLite database is moved aside, named with the time, and a
    fresh store is created in its place.
    """
    folder = Path(folder or os.environ.get(DATA_ENV) or DEFAULT_DATA)
    message = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        import tempfile

        fallback = Path(tempfile.mkdtemp(prefix="softmax-lab-data-"))
        message = (
            f"The data folder {folder} cannot be used ({error.strerror or error}); classes are "
            f"kept in {fallback} until the server stops. Set {DATA_ENV} to a writable folder."
        )
        folder = fallback
    path = folder / DB_NAME
    try:
        store = SQLiteStore(path)
        (result,) = store._connection().execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise sqlite3.DatabaseError(result)
    except sqlite3.DatabaseError as error:
        aside = path.with_name(f"{DB_NAME}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        while aside.exists():
            aside = aside.with_name(aside.name + "-1")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{path}{suffix}")
            if part.exists():
                part.rename(Path(f"{aside}{suffix}"))
        store = SQLiteStore(path)
        message = (
            f"The class store {path} was damaged ({error}); it was moved to {aside.name} and a "
            "fresh store was started. Classes in the damaged file are not available."
        )
    return store, message


REDIS_ENV = "SOFTMAX_LAB_REDIS"
"""The environment variable naming a Redis URL; when set, the class store is Redis."""


def open_class_store(
    folder: str | Path | None = None, redis_url: str | None = None
) -> tuple[ClassStore, str | None]:
    """Open the class store the server is configured for: Redis, else SQLite.

    Parameters
    ----------
    folder : str or Path, optional
        The SQLite data folder (as `open_store`).
    redis_url : str, optional
        A Redis URL; by default `REDIS_ENV`. When given, the store is Redis.

    Returns
    -------
    store : ClassStore
        A working store.
    message : str or None
        What went wrong and what was done instead (SQLite only), for the page.

    Raises
    ------
    StoreUnavailableError
        When Redis is named but cannot be used. There is no fallback: servers that
        share a class through Redis must never each keep classes of their own.
    """
    redis_url = redis_url if redis_url is not None else os.environ.get(REDIS_ENV, "")
    if redis_url:
        # Imported only when used: a server on SQLite never loads the Redis client.
        from core.classroom.redis_store import open_redis_store

        return open_redis_store(redis_url), None
    return open_store(folder)
