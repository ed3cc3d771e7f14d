"""The Class page on the Redis store (SOFTMAX_LAB_REDIS): a class runs on it, and a Redis
that is not there (at the start, or in the middle of a class) is a message, never a
traceback. The flows themselves are tested on SQLite in test_class_page.py."""

import pytest

from core.classroom.store import DATA_ENV, REDIS_ENV
from core.questions.bank import question_bank
from scripts.serve import RedisServer, free_port
from tests.app.helpers import open_app_page, texts

PAGE = "pages/class.py"
FIRST = question_bank()[0]


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    # Were the page ever to fall back to SQLite, it would be here, never the user's.
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    return tmp_path / "data"


def markdown(at) -> str:
    return texts(at.markdown)


def test_a_class_runs_on_redis(monkeypatch, redis_url, data_folder):
    monkeypatch.setenv(REDIS_ENV, redis_url)
    t = open_app_page(PAGE, timeout=60)
    t.button(key="cl.start").click().run()
    assert not t.exception, t.exception
    code = t.session_state["cl.code"]
    s = open_app_page(PAGE, timeout=60, join=code)
    t.button(key="cl.open").click().run()
    s.run()
    s.radio(key="cl.answer.1").set_value(FIRST.answer).run()
    s.button(key="cl.send").click().run()
    t.run()
    assert "**1** of 1 answered in round 1." in markdown(t)
    assert not (data_folder.exists() and any(data_folder.iterdir()))  # nothing in SQLite


def test_an_unreachable_redis_is_a_message_on_the_page(monkeypatch):
    monkeypatch.setenv(REDIS_ENV, f"redis://127.0.0.1:{free_port()}/0")
    at = open_app_page(PAGE, timeout=60)
    assert not at.exception
    message = texts(at.error)
    assert "cannot be reached" in message and "Classes are not available" in message
    assert not [b for b in at.button if b.key == "cl.start"]


def test_a_class_survives_redis_going_away_and_coming_back(monkeypatch, tmp_path):
    redis = RedisServer(tmp_path / "redis").start()
    try:
        monkeypatch.setenv(REDIS_ENV, redis.url)
        t = open_app_page(PAGE, timeout=60)
        t.button(key="cl.start").click().run()
        code, key = t.session_state["cl.code"], t.session_state["cl.key"]
        redis.stop()
        t.run()
        assert not t.exception, t.exception
        assert "cannot be reached" in texts(t.error)
        # The teacher stays in the class, with the key.
        assert (t.session_state["cl.code"], t.session_state["cl.key"]) == (code, key)
        redis.start()  # the same port, empty (no persistence): the class is gone
        t.run()
        assert not t.exception, t.exception
        assert "cannot be reached" not in texts(t.error)
        assert "Start or join another class" in texts(t.warning)
        t.button(key="cl.start").click().run()
        assert not t.exception, t.exception
        assert t.session_state["cl.code"] != code
    finally:
        redis.stop()
