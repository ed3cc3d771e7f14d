"""The class store in Redis, for several server processes on one or several machines.

`RedisStore` behaves exactly as `SQLiteStore` does (same methods, same errors, same
messages); the server picks it when ``SOFTMAX_LAB_REDIS`` names a Redis URL such as
``redis://127.0.0.1:6379/0`` (`core.classroom.store.open_class_store`).

Layout, for a class ``CODE`` under the prefix ``softmax-lab:``:

- ``c:CODE`` hash: ``key_hash``, ``created``, ``ended``, ``version``, ``seq``, ``question``,
  ``round``, ``status``, ``page`` (what teacher actions change);
- ``a:CODE`` the activity counter (joins and answers: kept apart from ``c:CODE`` so that
  answers never disturb a teacher action's optimistic transaction);
- ``s:CODE`` set of student sessions; ``p:CODE`` hash poll seq -> revealed flag + question;
- ``n:CODE`` hash ``seq:round:session`` -> ``at|response`` (one counted answer per session
  per poll and round); ``m:CODE`` hash ``seq:session`` -> that session's answers by round;
- ``touched`` sorted set, class code by last activity (what `expire` reads);
- ``g:GUESSER`` sorted set of a session's wrong join codes, by time.

Teacher actions run as ``WATCH``/``MULTI``/``EXEC`` transactions on ``c:CODE``, with the key
hash compared by `hmac.compare_digest` in this process; joins, answers and expiry run as
Lua scripts (atomic in Redis), where `SQLiteStore` uses ``BEGIN IMMEDIATE``. Every write
also sets a Redis TTL of `IDLE_SECONDS` plus an hour on the class's keys, a backstop for
a store nobody calls `expire` on. Responses travel as ``repr`` of their float, so every
value comes back bit for bit. One Redis server (or a primary), not Redis Cluster.
"""

from __future__ import annotations

import functools
import hmac
import json
import secrets
import time

import redis
from redis.exceptions import RedisError, WatchError

from core.classroom import store as base
from core.classroom.store import (
    ANSWER_LIMIT,
    IDLE_SECONDS,
    JOIN_ATTEMPTS,
    JOIN_WINDOW,
    KEY_BYTES,
    REDIS_ENV,
    ClassNotFoundError,
    ClassState,
    NotTeacherError,
    Poll,
    PollClosedError,
    PollRecord,
    StoreUnavailableError,
    TooManyGuessesError,
)

PREFIX = "softmax-lab:"
TTL_SECONDS = IDLE_SECONDS + 3600
"""Redis TTL of a class's keys, renewed on every write: `expire` normally comes first."""
_CLASS_PARTS = ("c", "a", "s", "p", "n", "m")

# KEYS: guesses, class, students, activity, touched, polls, answers, mine
# ARGV: now, cutoff, limit, guess member, guess ttl, session, code, class ttl
_JOIN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'too-many' end
local ended = redis.call('HGET', KEYS[2], 'ended')
if (not ended) or ended == '1' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  if not ended then return 'missing' end
  return 'ended'
end
if redis.call('SADD', KEYS[3], ARGV[6]) == 1 then
  redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[5], ARGV[1], ARGV[7])
  for i = 2, 8 do
    if i ~= 5 then redis.call('EXPIRE', KEYS[i], ARGV[8]) end
  end
end
return 'ok'
"""

# KEYS: class, students, activity, touched, polls, answers, mine
# ARGV: session, response, now, seq shown or '', round shown or '', code, class ttl, any shown
_ANSWER = """
local c = redis.call('HMGET', KEYS[1], 'ended', 'seq', 'round', 'status')
if not c[1] then return 'missing' end
if c[1] == '1' then return 'ended' end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 'not-joined' end
if c[4] ~= 'open' then return 'closed' end
if ARGV[8] == '1' and (ARGV[4] ~= c[2] or ARGV[5] ~= c[3]) then return 'moved' end
redis.call('HSET', KEYS[6], c[2] .. ':' .. c[3] .. ':' .. ARGV[1], ARGV[3] .. '|' .. ARGV[2])
local field = c[2] .. ':' .. ARGV[1]
local mine = redis.call('HGET', KEYS[7], field)
local rounds = {}
if mine then rounds = cjson.decode(mine) end
rounds[c[3]] = ARGV[2]
redis.call('HSET', KEYS[7], field, cjson.encode(rounds))
redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[6])
for i = 1, 7 do
  if i ~= 4 then redis.call('EXPIRE', KEYS[i], ARGV[7]) end
end
return 'ok'
"""

# KEYS: touched; ARGV: cutoff, prefix. The class keys are built here from the prefix
# (one Redis server: no cluster slots to declare).
_EXPIRE = """
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
for _, code in ipairs(old) do
  for _, part in ipairs({'c', 'a', 's', 'p', 'n', 'm'}) do
    redis.call('DEL', ARGV[2] .. part .. ':' .. code)
  end
  redis.call('ZREM', KEYS[1], code)
end
return #old
"""

_ANSWER_ERRORS = {
    "ended": lambda code: ClassNotFoundError("this class has ended"),
    "not-joined": lambda code: ClassNotFoundError("join the class first"),
    "closed": lambda code: PollClosedError("the poll is closed"),
    "moved": lambda code: PollClosedError(
        "your teacher moved on before your answer arrived: answer the new question"
    ),
}


def _shown(value: int | None) -> str:
    # The poll or round a page showed, as the store writes it ("" for None, "x" for
    # anything that is not a whole number, which matches nothing).
    if value is None:
        return ""
    try:
        return str(int(value)) if value == int(value) else "x"
    except (TypeError, ValueError, OverflowError):
        return "x"


class RedisStore:
    """`ClassStore` in Redis, shared by every server process that can reach it.

    Parameters
    ----------
    url : str
        A Redis URL, such as ``"redis://127.0.0.1:6379/0"``.
    clock : callable, optional
        Seconds since the epoch (tests pass their own to age classes).
    prefix : str, optional
        Prepended to every key (tests give each store its own).
    timeout : float, optional
        Seconds to wait for Redis to connect or answer before `StoreUnavailableError`.

    Notes
    -----
    One client with a connection pool, safe across threads. A Redis that cannot be
    reached raises `StoreUnavailableError` (a `ClassError`) from any method.
    """

    def __init__(
        self, url: str, clock=time.time, prefix: str = PREFIX, timeout: float = 5.0
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            health_check_interval=30,
        )
        self._join = self._redis.register_script(_JOIN)
        self._answer = self._redis.register_script(_ANSWER)
        self._expire = self._redis.register_script(_EXPIRE)

    def _key(self, part: str, code: str) -> str:
        return f"{self.prefix}{part}:{code}"

    def _class_keys(self, code: str) -> list[str]:
        return [self._key(part, code) for part in _CLASS_PARTS]

    def ping(self) -> None:
        """Check that Redis answers (`StoreUnavailableError` if not)."""
        self._redis.ping()

    def close(self) -> None:
        """Close the client's connections."""
        self._redis.close()

    # ----- teacher actions: WATCH / MULTI / EXEC on the class's hash -----

    def _teacher_change(self, code: str, key: str, change, ended_too: bool = False) -> None:
        # `change(pipe, row)` reads the checked row and queues its writes (returning False
        # for nothing to write); the transaction retries when another teacher action (or
        # the expiry) changed the class in between.
        name = self._key("c", code)
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(name)
                    row = self._check_teacher(pipe.hgetall(name), code, key, ended_too)
                    pipe.multi()
                    if change(pipe, row) is False:
                        pipe.reset()
                        return
                    now = self._clock()
                    pipe.hincrby(name, "version", 1)
                    pipe.zadd(self._touched, {code: now})
                    for part in self._class_keys(code):
                        pipe.expire(part, TTL_SECONDS)
                    pipe.execute()
                    return
                except WatchError:
                    continue

    def _check_teacher(self, row: dict, code: str, key: str, ended_too: bool = False) -> dict:
        if not row:
            raise ClassNotFoundError(f"there is no class with the code {code[:12]!r}")
        if not hmac.compare_digest(row["key_hash"], base._key_hash(key)):
            raise NotTeacherError("only the teacher of this class can do that")
        if row["ended"] == "1" and not ended_too:
            raise ClassNotFoundError("this class has ended")
        return row

    @property
    def _touched(self) -> str:
        return f"{self.prefix}touched"

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
        with self._redis.pipeline() as pipe:
            while True:
                code = base.new_code()
                name = self._key("c", code)
                try:
                    pipe.watch(name)
                    if pipe.exists(name):
                        pipe.unwatch()
                        continue
                    pipe.multi()
                    pipe.delete(*self._class_keys(code))
                    pipe.hset(
                        name,
                        mapping={
                            "key_hash": base._key_hash(key),
                            "created": repr(now),
                            "ended": "0",
                            "version": "0",
                            "seq": "0",
                            "round": "0",
                        },
                    )
                    pipe.set(self._key("a", code), 0)
                    pipe.zadd(self._touched, {code: now})
                    for part in self._class_keys(code):
                        pipe.expire(part, TTL_SECONDS)
                    pipe.execute()
                    return code, key
                except WatchError:
                    continue

    def is_teacher(self, code: str, key: str) -> bool:
        """Whether `key` is the teacher key of the class `code` (ended or not)."""
        stored = self._redis.hget(self._key("c", code), "key_hash")
        return stored is not None and hmac.compare_digest(stored, base._key_hash(key))

    def join(self, code: str, session: str, guesser: str | None = None) -> ClassState:
        """Add a student session to a live class (as `SQLiteStore.join`).

        Raises
        ------
        TooManyGuessesError
            After `JOIN_ATTEMPTS` wrong codes within `JOIN_WINDOW` seconds.
        ClassNotFoundError
            For a wrong, ended or expired code (the attempt counts).
        """
        now = self._clock()
        guesser = guesser or session
        keys = [self._key("g", guesser)]
        keys += [self._key(part, code) for part in ("c", "s", "a")]
        keys += [self._touched] + [self._key(part, code) for part in ("p", "n", "m")]
        outcome = self._join(
            keys=keys,
            args=[
                repr(now),
                repr(now - JOIN_WINDOW),
                JOIN_ATTEMPTS,
                f"{now!r}:{secrets.token_hex(8)}",
                int(JOIN_WINDOW) + 1,
                session,
                code,
                TTL_SECONDS,
            ],
        )
        if outcome == "too-many":
            raise TooManyGuessesError(
                f"too many wrong codes; wait {JOIN_WINDOW:.0f} seconds and try again"
            )
        if outcome == "missing":
            raise ClassNotFoundError(
                f"no class has the code {code[:12]!r}: check it with your teacher"
            )
        if outcome == "ended":
            raise ClassNotFoundError("that class has ended")
        return self.state(code)

    def versions(self, code: str) -> tuple[int, int]:
        """Return ``(version, activity)`` of a class, or ``(-1, -1)`` when it is gone."""
        with self._redis.pipeline() as pipe:
            pipe.hget(self._key("c", code), "version")
            pipe.get(self._key("a", code))
            version, activity = pipe.execute()
        return (int(version), int(activity or 0)) if version is not None else (-1, -1)

    def state(self, code: str) -> ClassState:
        """Return the class as every page shows it.

        Raises
        ------
        ClassNotFoundError
            When the class does not exist (or expired).
        """
        with self._redis.pipeline() as pipe:
            pipe.hgetall(self._key("c", code))
            pipe.get(self._key("a", code))
            pipe.scard(self._key("s", code))
            row, activity, students = pipe.execute()
        if not row:
            raise ClassNotFoundError(f"there is no class with the code {code[:12]!r}")
        seq = int(row["seq"])
        poll = Poll(seq, row.get("question"), int(row["round"]), row.get("status")) if seq else None
        return ClassState(
            code,
            int(row["version"]),
            int(activity or 0),
            students,
            poll,
            row.get("page"),
            row["ended"] == "1",
        )

    def open_poll(self, code: str, key: str, question: str) -> None:
        """Teacher: open a new poll of `question`, round 1 (closing any other)."""

        def change(pipe, row) -> None:
            seq = int(row["seq"]) + 1
            pipe.hset(self._key("p", code), str(seq), "0" + question)
            pipe.hset(
                self._key("c", code),
                mapping={"seq": seq, "question": question, "round": 1, "status": "open"},
            )

        self._teacher_change(code, key, change)

    @staticmethod
    def _need_poll(row: dict) -> None:
        if row["seq"] == "0":
            raise PollClosedError("open a question first")

    def close_poll(self, code: str, key: str) -> None:
        """Teacher: stop counting answers to the current round."""

        def change(pipe, row) -> bool:
            self._need_poll(row)
            if row.get("status") != "open":
                return False
            pipe.hset(self._key("c", code), "status", "closed")
            return True

        self._teacher_change(code, key, change)

    def next_round(self, code: str, key: str) -> None:
        """Teacher: count answers to the current question again, as a new round."""

        def change(pipe, row) -> None:
            self._need_poll(row)
            if row.get("status") == "revealed":
                raise PollClosedError("the answer is revealed; open the next question instead")
            pipe.hset(
                self._key("c", code), mapping={"round": int(row["round"]) + 1, "status": "open"}
            )

        self._teacher_change(code, key, change)

    def reveal(self, code: str, key: str) -> None:
        """Teacher: close the poll and show its answer to everyone."""

        def change(pipe, row) -> None:
            self._need_poll(row)
            pipe.hset(self._key("p", code), row["seq"], "1" + row["question"])
            pipe.hset(self._key("c", code), "status", "revealed")

        self._teacher_change(code, key, change)

    def push_page(self, code: str, key: str, page: str) -> None:
        """Teacher: send a page state (a path and query of this app) to the class."""
        self._teacher_change(
            code, key, lambda pipe, row: pipe.hset(self._key("c", code), "page", page)
        )

    def end_class(self, code: str, key: str) -> None:
        """Teacher: end the class; its summary stays until the class expires."""
        self._teacher_change(
            code,
            key,
            lambda pipe, row: pipe.hset(
                self._key("c", code), mapping={"ended": "1", "status": "closed"}
            ),
        )

    # ----- students -----

    def answer(
        self,
        code: str,
        session: str,
        response: float,
        seq: int | None = None,
        round_: int | None = None,
    ) -> None:
        """Student: answer the open poll; answering again replaces the earlier answer.

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
        if not (-ANSWER_LIMIT <= response <= ANSWER_LIMIT):
            raise ValueError("that number is too large to count, or not a number")
        keys = [self._key(part, code) for part in ("c", "s", "a")]
        keys += [self._touched] + [self._key(part, code) for part in ("p", "n", "m")]
        outcome = self._answer(
            keys=keys,
            args=[
                session,
                repr(float(response)),
                repr(self._clock()),
                _shown(seq),
                _shown(round_),
                code,
                TTL_SECONDS,
                "0" if (seq, round_) == (None, None) else "1",
            ],
        )
        if outcome == "missing":
            raise ClassNotFoundError(f"there is no class with the code {code[:12]!r}")
        if outcome != "ok":
            raise _ANSWER_ERRORS[outcome](code)

    def my_answers(self, code: str, session: str, seq: int) -> dict[int, float]:
        """Return this session's own answers to poll `seq`, by round."""
        mine = self._redis.hget(self._key("m", code), f"{_shown(seq)}:{session}")
        return {int(r): float(v) for r, v in json.loads(mine).items()} if mine else {}

    def polls(self, code: str, key: str) -> list[PollRecord]:
        """Teacher: every poll of the class, its counted responses per round, in order."""
        with self._redis.pipeline() as pipe:  # MULTI: one consistent read
            pipe.hgetall(self._key("c", code))
            pipe.hgetall(self._key("p", code))
            pipe.hgetall(self._key("n", code))
            row, polls, answers = pipe.execute()
        self._check_teacher(row, code, key, ended_too=True)
        records = {
            seq: PollRecord(seq, value[1:], {}, value[0] == "1")
            for seq, value in sorted((int(s), v) for s, v in polls.items())
        }
        counted = []
        for field, value in answers.items():
            seq, round_, session = field.split(":", 2)
            at, response = value.split("|", 1)
            counted.append((int(seq), int(round_), float(at), session, float(response)))
        for seq, round_, _, _, response in sorted(counted):
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
        return int(self._expire(keys=[self._touched], args=[repr(cutoff), self.prefix]))


def _reachable(method):
    # A Redis that does not answer is a `ClassError` with a sentence for the page.
    @functools.wraps(method)
    def call(self: RedisStore, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            raise StoreUnavailableError(
                f"the class store (Redis at {_safe_url(self.url)}) cannot be reached ({error})"
            ) from error

    return call


for _name in (
    "ping",
    "create_class",
    "is_teacher",
    "join",
    "versions",
    "state",
    "open_poll",
    "close_poll",
    "next_round",
    "reveal",
    "push_page",
    "end_class",
    "answer",
    "my_answers",
    "polls",
    "expire",
):
    setattr(RedisStore, _name, _reachable(getattr(RedisStore, _name)))


def _safe_url(url: str) -> str:
    # A URL as the page may show it: without a password.
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"***@{netloc}").geturl()


def open_redis_store(url: str) -> RedisStore:
    """Connect to the Redis class store at `url` and check that it answers.

    Raises
    ------
    StoreUnavailableError
        With a sentence for the page, when the URL is not usable or Redis does not answer.
    """
    try:
        store = RedisStore(url)
    except ValueError as error:
        raise StoreUnavailableError(
            f"{REDIS_ENV} is not a usable Redis URL ({error}): set it to an address such as "
            "redis://127.0.0.1:6379/0"
        ) from error
    store.ping()
    return store
