"""What only the Redis store has: key TTLs, optimistic teacher transactions, an unreachable
server, and the choice of store from the environment. The interface itself is tested on
both stores in test_store.py."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from core.classroom.redis_store import TTL_SECONDS, RedisStore, open_redis_store
from core.classroom.store import (
    DATA_ENV,
    DB_NAME,
    IDLE_SECONDS,
    REDIS_ENV,
    ClassError,
    SQLiteStore,
    StoreUnavailableError,
    open_class_store,
)
from scripts.serve import free_port
from tests.unit.classroom.stores import Clock, RedisBackend


@pytest.fixture
def backend(redis_url) -> RedisBackend:
    return RedisBackend(redis_url)


@pytest.fixture
def store(backend) -> RedisStore:
    return backend.open(Clock())


def test_every_key_of_a_class_carries_a_ttl_renewed_by_writes(backend, store):
    code, key = store.create_class()
    store.open_poll(code, key, "shift")
    store.join(code, "a")
    store.answer(code, "a", 1)
    client = redis.Redis.from_url(backend.url)
    names = [f"{backend.prefix}{part}:{code}" for part in "casnpm"]
    ttls = [client.ttl(name) for name in names]
    assert all(IDLE_SECONDS < ttl <= TTL_SECONDS for ttl in ttls), ttls
    for name in names:
        client.expire(name, 60)
    store.answer(code, "a", 2)  # an answer renews every key of the class
    assert all(client.ttl(name) > IDLE_SECONDS for name in names)
    client.close()


def test_concurrent_teacher_actions_lose_no_version(store):
    # Each teacher action is a WATCH/MULTI/EXEC transaction on the class: a conflict
    # retries it, so none is lost while students answer at the same time.
    code, key = store.create_class()
    store.open_poll(code, key, "naive-far")
    version = store.versions(code)[0]
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def teacher(t: int) -> None:
        try:
            barrier.wait(30)
            for i in range(40):
                store.push_page(code, key, f"/softmax?t={t}&i={i}")
        except BaseException as error:
            errors.append(error)

    def student(t: int) -> None:
        try:
            barrier.wait(30)
            for i in range(40):
                store.join(code, f"s{t}-{i}")
                store.answer(code, f"s{t}-{i}", i % 4)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=teacher, args=(t,), daemon=True) for t in range(3)]
    threads += [threading.Thread(target=student, args=(t,), daemon=True) for t in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    state = store.state(code)
    assert state.version == version + 3 * 40
    assert (state.students, state.activity) == (120, 240)
    assert len(store.polls(code, key)[0].rounds[1]) == 120


def test_an_unreachable_redis_is_a_class_error_with_a_sentence():
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    store = RedisStore(url, timeout=1)
    for call in (
        store.create_class,
        lambda: store.versions("ACDEFH"),
        lambda: store.join("ACDEFH", "s"),
        lambda: store.open_poll("ACDEFH", "k", "shift"),
        store.expire,
    ):
        with pytest.raises(StoreUnavailableError, match=r"cannot be reached") as caught:
            call()
        assert isinstance(caught.value, ClassError)
        assert url in str(caught.value)
    with pytest.raises(StoreUnavailableError, match="cannot be reached"):
        open_redis_store(url)


def test_the_message_never_shows_a_password():
    url = f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"
    with pytest.raises(StoreUnavailableError) as caught:
        RedisStore(url, timeout=1).versions("ACDEFH")
    assert "s3cret-pass" not in str(caught.value)
    assert "***@127.0.0.1" in str(caught.value)


def test_a_url_that_is_not_redis_is_refused_with_a_sentence():
    with pytest.raises(StoreUnavailableError, match=REDIS_ENV):
        open_redis_store("http://example.invalid/")


def test_the_environment_picks_the_store(tmp_path, monkeypatch, redis_url):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(REDIS_ENV, raising=False)
    store, message = open_class_store()
    assert isinstance(store, SQLiteStore) and message is None
    assert store.path == tmp_path / "data" / DB_NAME
    monkeypatch.setenv(REDIS_ENV, redis_url)
    store, message = open_class_store()
    assert isinstance(store, RedisStore) and message is None
    code, key = store.create_class()
    assert RedisStore(redis_url).is_teacher(code, key)  # another server on the same Redis
    monkeypatch.setenv(REDIS_ENV, f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreUnavailableError):
        open_class_store()
