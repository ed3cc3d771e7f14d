"""The class store: codes, teacher keys, joins, answers, expiry, restarts, concurrency, repair.

Every test of the interface runs twice: on the real `SQLiteStore` on a real SQLite file in
``tmp_path``, and on the real `RedisStore` on the test run's own redis-server (the
``redis_url`` fixture), under a key prefix of the test's own. The tests of `open_store`
are SQLite's.
"""

from __future__ import annotations

import base64
import multiprocessing
import queue
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from core.classroom import store as store_module
from core.classroom.store import (
    CODE_ALPHABET,
    CODE_LENGTH,
    DATA_ENV,
    DB_NAME,
    IDLE_SECONDS,
    JOIN_ATTEMPTS,
    JOIN_WINDOW,
    KEY_BYTES,
    ClassNotFoundError,
    NotTeacherError,
    Poll,
    PollClosedError,
    SQLiteStore,
    TooManyGuessesError,
    open_store,
)
from tests.unit.classroom.stores import Clock, RedisBackend, SQLiteBackend, join_and_answer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteBackend(tmp_path)
    return RedisBackend(request.getfixturevalue("redis_url"))


@pytest.fixture
def store(backend, clock):
    return backend.open(clock)


def rows(path: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


# --- the constructor itself ---------------------------------------------------------------


def test_sqlite_store_constructs(tmp_path):
    store = SQLiteStore(tmp_path / DB_NAME)
    code, key = store.create_class()
    assert store.is_teacher(code, key)


def test_open_store_keeps_a_healthy_store_real_class(tmp_path):
    # A healthy store is opened as it is, never moved aside as damaged.
    folder = tmp_path / "data"
    first, message = open_store(folder)
    assert message is None
    code, key = first.create_class()
    again, message = open_store(folder)
    assert message is None
    assert again.is_teacher(code, key)
    assert not list(folder.glob(f"{DB_NAME}.damaged-*"))


# --- creating a class -----------------------------------------------------------------------


def test_code_and_key_shape(store):
    code, key = store.create_class()
    assert len(code) == CODE_LENGTH
    assert set(code) <= set(CODE_ALPHABET)
    assert KEY_BYTES * 8 >= 128
    assert len(key) == 32  # len(secrets.token_urlsafe(24))
    assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) == KEY_BYTES
    assert store.is_teacher(code, key)


def test_keys_and_codes_differ_between_classes(store):
    made = [store.create_class() for _ in range(20)]
    assert len({code for code, _ in made}) == 20
    assert len({key for _, key in made}) == 20


def test_database_never_holds_the_key(backend, store):
    code, key = store.create_class()
    store.open_poll(code, key, "shift")
    store.push_page(code, key, "/softmax?q=shift")
    store.join(code, "s1")
    store.answer(code, "s1", 0)
    data = backend.stored_bytes()
    assert store_module._key_hash(key).encode() in data  # the files read hold the class
    assert key.encode() not in data


def test_a_taken_code_is_never_reused(store, monkeypatch):
    taken, taken_key = store.create_class()
    fresh = next(
        a + taken[1:] for a in CODE_ALPHABET if a + taken[1:] != taken
    )  # a valid code nobody has
    offered = iter([taken, taken, fresh])
    monkeypatch.setattr(store_module, "new_code", lambda: next(offered))
    code, key = store.create_class()
    assert code == fresh
    assert store.is_teacher(taken, taken_key)
    assert not store.is_teacher(taken, key)
    assert store.is_teacher(fresh, key)


# --- teacher actions ------------------------------------------------------------------------

ACTIONS = {
    "open_poll": lambda s, code, key: s.open_poll(code, key, "exp-limit"),
    "close_poll": lambda s, code, key: s.close_poll(code, key),
    "next_round": lambda s, code, key: s.next_round(code, key),
    "reveal": lambda s, code, key: s.reveal(code, key),
    "push_page": lambda s, code, key: s.push_page(code, key, "/floats?q=tenth"),
    "end_class": lambda s, code, key: s.end_class(code, key),
    "polls": lambda s, code, key: s.polls(code, key),
}


@pytest.fixture
def live(store):
    """A class with an open poll, a student and an answer, and another class."""
    code, key = store.create_class()
    store.open_poll(code, key, "shift")
    store.join(code, "student")
    store.answer(code, "student", 1)
    other_code, other_key = store.create_class()
    return code, key, other_code, other_key


def snapshot(store, code, key):
    return store.state(code), store.polls(code, key), store.my_answers(code, "student", 1)


@pytest.mark.parametrize("which", ["wrong", "empty", "other class's"])
@pytest.mark.parametrize("action", ACTIONS)
def test_teacher_actions_need_the_key(store, live, action, which):
    code, key, _, other_key = live
    bad = {"wrong": "x" * 32, "empty": "", "other class's": other_key}[which]
    before = snapshot(store, code, key)
    with pytest.raises(NotTeacherError):
        ACTIONS[action](store, code, bad)
    assert snapshot(store, code, key) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_key_only_opens_its_own_class(store, live, action):
    code, key, other_code, _ = live
    before = snapshot(store, code, key)
    with pytest.raises(NotTeacherError):
        ACTIONS[action](store, other_code, key)
    assert store.versions(other_code) == (0, 0)
    assert snapshot(store, code, key) == before


EXPECTED = {
    "open_poll": lambda s: s.poll == Poll(2, "exp-limit", 1, "open"),
    "close_poll": lambda s: s.poll == Poll(1, "shift", 1, "closed"),
    "next_round": lambda s: s.poll == Poll(1, "shift", 2, "open"),
    "reveal": lambda s: s.poll == Poll(1, "shift", 1, "revealed"),
    "push_page": lambda s: s.page == "/floats?q=tenth",
    "end_class": lambda s: s.ended,
}


@pytest.mark.parametrize("action", EXPECTED)
def test_teacher_actions_with_the_key_change_state_and_version(store, live, action):
    code, key, _, _ = live
    before = store.state(code)
    ACTIONS[action](store, code, key)
    after = store.state(code)
    assert after.version == before.version + 1
    assert after.activity == before.activity
    assert EXPECTED[action](after)
    assert not EXPECTED[action](before)
    assert store.versions(code) == (after.version, after.activity)


def test_reveal_marks_the_poll_record(store, live):
    code, key, _, _ = live
    assert [r.revealed for r in store.polls(code, key)] == [False]
    store.reveal(code, key)
    assert [r.revealed for r in store.polls(code, key)] == [True]


def test_polls_with_the_key_reads_without_changing(store, live):
    code, key, _, _ = live
    before = store.versions(code)
    (record,) = store.polls(code, key)
    assert (record.seq, record.question, record.rounds) == (1, "shift", {1: [1.0]})
    assert store.versions(code) == before


def test_an_ended_class_takes_no_more_teacher_changes(store, live):
    code, key, _, _ = live
    store.end_class(code, key)
    version = store.versions(code)
    for action in set(ACTIONS) - {"polls"}:
        with pytest.raises(ClassNotFoundError):
            ACTIONS[action](store, code, key)
        with pytest.raises(NotTeacherError):
            ACTIONS[action](store, code, "wrong")
    assert store.versions(code) == version
    assert store.polls(code, key)[0].rounds == {1: [1.0]}  # the summary stays


def test_round_actions_need_a_poll(store):
    code, key = store.create_class()
    for action in ("close_poll", "next_round", "reveal"):
        with pytest.raises(PollClosedError):
            ACTIONS[action](store, code, key)
    assert store.versions(code) == (0, 0)


def test_versions_and_state_of_a_missing_class(store):
    assert store.versions("ACDEFH") == (-1, -1)
    with pytest.raises(ClassNotFoundError):
        store.state("ACDEFH")
    code, _ = store.create_class()
    assert store.versions(code) == (0, 0)
    assert isinstance(store.versions(code), tuple)


# --- joining --------------------------------------------------------------------------------


def test_wrong_codes_are_rate_limited_per_session(store, clock):
    code, _ = store.create_class()
    for i in range(JOIN_ATTEMPTS):
        with pytest.raises(ClassNotFoundError):
            store.join(f"WRONG{i}", "guesser")
        clock.advance(1)
    with pytest.raises(TooManyGuessesError):
        store.join(code, "guesser")  # even the right code
    assert store.state(code).students == 0
    assert store.join(code, "someone else").students == 1
    clock.advance(JOIN_WINDOW)
    assert store.join(code, "guesser").students == 2


def test_one_guess_under_the_limit_still_joins(store):
    code, _ = store.create_class()
    for _ in range(JOIN_ATTEMPTS - 1):
        with pytest.raises(ClassNotFoundError):
            store.join("NOPE", "guesser")
    assert store.join(code, "guesser").students == 1


def test_guesses_older_than_the_window_are_forgotten(store, clock):
    code, _ = store.create_class()
    for _ in range(JOIN_ATTEMPTS - 1):
        with pytest.raises(ClassNotFoundError):
            store.join("NOPE", "guesser")
    clock.advance(JOIN_WINDOW + 1)
    for _ in range(JOIN_ATTEMPTS - 1):
        with pytest.raises(ClassNotFoundError):
            store.join("NOPE", "guesser")
    assert store.join(code, "guesser").students == 1


def test_joining_twice_counts_one_student(store):
    code, _ = store.create_class()
    first = store.join(code, "s")
    second = store.join(code, "s")
    assert first.students == second.students == 1
    assert second.activity == first.activity == 1
    assert second.version == first.version == 0


def test_an_ended_class_refuses_to_join(store):
    code, key = store.create_class()
    store.end_class(code, key)
    with pytest.raises(ClassNotFoundError):
        store.join(code, "late")
    assert store.state(code).students == 0


# --- answers --------------------------------------------------------------------------------


def test_one_counted_answer_per_session_per_round(store, clock):
    code, key = store.create_class()
    store.open_poll(code, key, "naive-far")
    store.join(code, "a")
    store.join(code, "b")
    store.answer(code, "a", 0)
    clock.advance(1)
    store.answer(code, "b", 1)
    clock.advance(1)
    store.answer(code, "a", 2)  # replaces a's 0
    assert store.polls(code, key)[0].rounds == {1: [1.0, 2.0]}
    store.close_poll(code, key)
    store.next_round(code, key)
    assert store.state(code).poll == Poll(1, "naive-far", 2, "open")
    store.answer(code, "a", 3)
    assert store.polls(code, key)[0].rounds == {1: [1.0, 2.0], 2: [3.0]}
    assert store.my_answers(code, "a", 1) == {1: 2.0, 2: 3.0}
    assert store.my_answers(code, "b", 1) == {1: 1.0}
    assert store.my_answers(code, "c", 1) == {}
    assert store.my_answers(code, "a", 2) == {}


def test_a_session_that_never_joined_cannot_answer(store):
    code, key = store.create_class()
    store.open_poll(code, key, "shift")
    with pytest.raises(ClassNotFoundError):
        store.answer(code, "stranger", 0)
    other, _ = store.create_class()
    store.join(other, "elsewhere")
    with pytest.raises(ClassNotFoundError):
        store.answer(code, "elsewhere", 0)
    assert store.polls(code, key)[0].rounds == {}


def test_no_answer_unless_the_poll_is_open(store):
    code, key = store.create_class()
    store.join(code, "a")
    with pytest.raises(PollClosedError):
        store.answer(code, "a", 0)  # no poll yet
    store.open_poll(code, key, "shift")
    store.close_poll(code, key)
    with pytest.raises(PollClosedError):
        store.answer(code, "a", 0)
    store.next_round(code, key)
    store.reveal(code, key)
    with pytest.raises(PollClosedError):
        store.answer(code, "a", 0)
    store.end_class(code, key)
    with pytest.raises(ClassNotFoundError):
        store.answer(code, "a", 0)
    assert store.polls(code, key)[0].rounds == {}


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), -float("inf"), 1e301, -1e301, "1", None]
)
def test_bad_values_raise_value_error(store, value):
    code, key = store.create_class()
    store.open_poll(code, key, "exp-limit")
    store.join(code, "a")
    before = store.versions(code)
    with pytest.raises(ValueError):
        store.answer(code, "a", value)
    assert store.versions(code) == before
    assert store.polls(code, key)[0].rounds == {}


def test_a_huge_int_raises_value_error(store):
    code, key = store.create_class()
    store.open_poll(code, key, "exp-limit")
    store.join(code, "a")
    with pytest.raises(ValueError):
        store.answer(code, "a", 10**400)


def test_the_largest_allowed_values_count(store, clock):
    code, key = store.create_class()
    store.open_poll(code, key, "exp-limit")
    for i, value in enumerate([1e300, -1e300, 0, -0.0, 5e-324, 7]):
        clock.advance(1)
        store.join(code, f"s{i}")
        store.answer(code, f"s{i}", value)
    assert store.polls(code, key)[0].rounds == {1: [1e300, -1e300, 0.0, -0.0, 5e-324, 7.0]}


def test_activity_grows_but_version_does_not(store):
    code, key = store.create_class()
    store.open_poll(code, key, "shift")
    version, activity = store.versions(code)
    store.join(code, "a")
    assert store.versions(code) == (version, activity + 1)
    store.answer(code, "a", 0)
    assert store.versions(code) == (version, activity + 2)
    store.answer(code, "a", 1)
    assert store.versions(code) == (version, activity + 3)
    state = store.state(code)
    assert (state.version, state.activity, state.students) == (version, activity + 3, 1)


# --- expiry and restarts --------------------------------------------------------------------


def test_idle_classes_expire_with_everything_in_them(backend, store, clock):
    old, old_key = store.create_class()
    kept, kept_key = store.create_class()
    for code, key in ((old, old_key), (kept, kept_key)):
        store.open_poll(code, key, "shift")
        store.join(code, f"{code}-s")
        store.answer(code, f"{code}-s", 0)
    clock.advance(3600 + 1)
    store.join(kept, "late")  # touches `kept`
    clock.advance(IDLE_SECONDS - 3600)
    # `old` is idle 12 h + 1 s, `kept` 11 h
    assert store.expire() == 1
    assert store.versions(old) == (-1, -1)
    with pytest.raises(ClassNotFoundError):
        store.state(old)
    assert store.state(kept).students == 2
    assert store.polls(kept, kept_key)[0].rounds == {1: [0.0]}
    assert set(backend.pieces(old).values()) == {0}
    assert 0 not in backend.pieces(kept).values()
    assert store.expire() == 0


def test_expire_counts_every_idle_class(store, clock):
    codes = [store.create_class()[0] for _ in range(3)]
    clock.advance(IDLE_SECONDS + 1)
    assert store.expire() == 3
    assert all(store.versions(c) == (-1, -1) for c in codes)


def test_creating_a_class_expires_idle_ones(store, clock):
    old, _ = store.create_class()
    clock.advance(IDLE_SECONDS + 1)
    store.create_class()
    assert store.versions(old) == (-1, -1)


def test_a_restarted_server_sees_the_same_class(backend, store):
    code, key = store.create_class()
    store.open_poll(code, key, "first-loss")
    store.join(code, "a")
    store.answer(code, "a", 2.5)
    restarted = backend.open()
    assert restarted.state(code) == store.state(code)
    assert restarted.is_teacher(code, key)
    assert restarted.polls(code, key) == store.polls(code, key)
    assert restarted.my_answers(code, "a", 1) == {1: 2.5}
    restarted.close_poll(code, key)
    assert store.state(code).poll.status == "closed"


# --- concurrency ----------------------------------------------------------------------------


def test_threads_sharing_one_store_lose_no_answer(store):
    code, key = store.create_class()
    store.open_poll(code, key, "naive-far")
    threads_n, each = 8, 50
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def work(t: int) -> None:
        try:
            barrier.wait(30)
            for i in range(each):
                store.join(code, f"t{t}-{i}")
                store.answer(code, f"t{t}-{i}", i % 4)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(threads_n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "threads did not finish in 120 s"
    assert errors == []
    responses = store.polls(code, key)[0].rounds[1]
    assert len(responses) == threads_n * each
    assert sorted(responses) == sorted(float(i % 4) for _ in range(threads_n) for i in range(each))
    state = store.state(code)
    assert (state.students, state.activity) == (threads_n * each, 2 * threads_n * each)


def test_processes_sharing_one_store_lose_no_answer(backend, store):
    code, key = store.create_class()
    store.open_poll(code, key, "naive-far")
    processes_n, each = 4, 25
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    barrier = context.Barrier(processes_n)
    processes = [
        context.Process(
            target=join_and_answer,
            args=(backend.spec(), code, f"p{p}", each, barrier, results),
            daemon=True,
        )
        for p in range(processes_n)
    ]
    for p in processes:
        p.start()
    try:
        deadline = time.monotonic() + 120
        reports = []
        for _ in processes:
            try:
                reports.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"only {len(reports)} of {processes_n} processes reported in 120 s")
        for p in processes:
            p.join(max(0.1, deadline - time.monotonic()))
    finally:
        for p in processes:
            if p.is_alive():
                p.kill()
    assert sorted(reports) == [(f"p{p}", "ok", each) for p in range(processes_n)]
    assert [p.exitcode for p in processes] == [0] * processes_n
    responses = store.polls(code, key)[0].rounds[1]
    assert len(responses) == processes_n * each
    state = store.state(code)
    assert (state.students, state.activity) == (processes_n * each, 2 * processes_n * each)


# --- open_store -----------------------------------------------------------------------------


def test_open_store_creates_a_missing_nested_folder(tmp_path):
    folder = tmp_path / "a" / "b" / "c"
    store, message = open_store(folder)
    assert message is None
    assert store.path == folder / DB_NAME
    code, key = store.create_class()
    assert store.is_teacher(code, key)
    assert (folder / DB_NAME).is_file()


def test_open_store_moves_a_damaged_file_aside(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    garbage = b"this is not an SQLite database\n" * 200
    (folder / DB_NAME).write_bytes(garbage)
    store, message = open_store(folder)
    assert message is not None
    assert str(folder / DB_NAME) in message
    (aside,) = [
        p for p in folder.glob(f"{DB_NAME}.damaged-*") if not p.name.endswith(("-wal", "-shm"))
    ]
    assert aside.name in message
    assert aside.read_bytes() == garbage
    code, key = store.create_class()
    assert store.is_teacher(code, key)
    assert rows(folder / DB_NAME, "PRAGMA quick_check") == [("ok",)]


def test_open_store_keeps_a_healthy_store(tmp_path):
    folder = tmp_path / "data"
    first, message = open_store(folder)
    assert message is None
    code, key = first.create_class()
    first.open_poll(code, key, "shift")
    again, message = open_store(folder)
    assert message is None
    assert again.is_teacher(code, key)
    assert again.state(code) == first.state(code)
    assert not list(folder.glob(f"{DB_NAME}.damaged-*"))


def test_open_store_falls_back_when_the_folder_cannot_be_written(tmp_path, monkeypatch):
    import tempfile

    fallback_root = tmp_path / "tmp"
    fallback_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(fallback_root))
    (tmp_path / "file.txt").write_text("a file, not a folder")
    folder = tmp_path / "file.txt" / "sub"
    store, message = open_store(folder)
    assert message is not None
    assert DATA_ENV in message
    assert str(folder) in message
    assert store.path.name == DB_NAME
    assert fallback_root in store.path.parents
    code, key = store.create_class()
    assert store.is_teacher(code, key)


def test_open_store_honours_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "from-env"))
    store, message = open_store()
    assert message is None
    assert store.path == tmp_path / "from-env" / DB_NAME
    assert store.path.is_file()


# --- hostile text ---------------------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE classes; --",
    "ACDEFH' OR '1'='1",
    "x" * 10_000,
    "\x00",
    "AC\x00DEF",
    "\u202eHFEDCA\u202c",
    "שלום עולם🎓📊💥",
    "%",
    "_",
    "",
]


@pytest.fixture
def bystander(store):
    """Another class with a poll, a student and an answer, which nothing below may change."""
    code, key = store.create_class()
    store.open_poll(code, key, "shift")
    store.join(code, "bystander")
    store.answer(code, "bystander", 0)
    return code, key


def test_hostile_codes_raise_only_class_errors(store, bystander):
    code, key = bystander
    before = (store.state(code), store.polls(code, key))
    for i, text in enumerate(HOSTILE):
        with pytest.raises(ClassNotFoundError):
            store.join(text, f"session-{i}")
        with pytest.raises(ClassNotFoundError):
            store.state(text)
        assert store.versions(text) == (-1, -1)
        assert not store.is_teacher(text, key)
        for action in ACTIONS.values():
            with pytest.raises(ClassNotFoundError):
                action(store, text, key)
        with pytest.raises(ClassNotFoundError):
            store.answer(text, "bystander", 0)
        assert store.my_answers(text, "bystander", 1) == {}
    assert (store.state(code), store.polls(code, key)) == before


def test_hostile_sessions_and_pages_are_kept_as_text(store, bystander):
    other, other_key = bystander
    before = (store.state(other), store.polls(other, other_key))
    code, key = store.create_class()
    store.open_poll(code, key, "naive-far")
    for i, text in enumerate(HOSTILE):
        store.join(code, text)
        store.answer(code, text, i % 4)
        assert store.my_answers(code, text, 1) == {1: float(i % 4)}
        store.push_page(code, key, text)
        assert store.state(code).page == text
        with pytest.raises(NotTeacherError):
            store.push_page(code, text, "/softmax")
    assert store.state(code).students == len(HOSTILE)
    assert len(store.polls(code, key)[0].rounds[1]) == len(HOSTILE)
    assert (store.state(other), store.polls(other, other_key)) == before


def test_hostile_guesses_still_count_against_the_session(store, bystander):
    code, _ = bystander
    for text in HOSTILE[:JOIN_ATTEMPTS]:
        with pytest.raises(ClassNotFoundError):
            store.join(text, "'; DROP TABLE join_attempts; --")
    with pytest.raises(TooManyGuessesError):
        store.join(code, "'; DROP TABLE join_attempts; --")


def test_an_answer_for_the_poll_the_page_showed_is_refused_once_the_teacher_moved_on(store):
    code, key = store.create_class()
    store.join(code, "s")
    store.open_poll(code, key, "naive-far")
    store.answer(code, "s", 1.0, 1, 1)
    store.next_round(code, key)
    with pytest.raises(PollClosedError, match="moved on"):
        store.answer(code, "s", 2.0, 1, 1)  # the page still showed round 1
    store.open_poll(code, key, "shift")
    with pytest.raises(PollClosedError, match="moved on"):
        store.answer(code, "s", 3.0, 1, 2)  # an option index of the old question
    store.answer(code, "s", 0.0, 2, 1)
    records = store.polls(code, key)
    assert [r.rounds for r in records] == [{1: [1.0]}, {1: [0.0]}]


def test_wrong_codes_count_against_the_guesser_whatever_student_id_it_sends(store):
    code, _ = store.create_class()
    for i in range(JOIN_ATTEMPTS):
        with pytest.raises(ClassNotFoundError):
            store.join("QQQQQQ", f"fresh-id-{i}", guesser="browser-1")
    with pytest.raises(TooManyGuessesError):
        store.join(code, "yet-another-id", guesser="browser-1")
    store.join(code, "someone", guesser="browser-2")
