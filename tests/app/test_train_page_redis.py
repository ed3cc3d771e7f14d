"""The train page with SOFTMAX_LAB_REDIS set: a real run through Redis and a real RQ worker."""

import secrets

import pytest

from core.jobs import rq_queue
from tests.app.helpers import open_app_page, run_until, texts
from tests.rq_workers import RQWorkers
from ui.workers import worker_pool

PAGE = "pages/train.py"


@pytest.fixture
def redis_jobs(monkeypatch, redis_url, tmp_path):
    # The app's backend listens on the default queue and prefix: a queue of this test's
    # own keeps it apart from other tests on the same Redis.
    name = f"apptest-{secrets.token_hex(3)}"
    monkeypatch.setenv(rq_queue.REDIS_ENV, redis_url)
    monkeypatch.setattr(rq_queue, "DEFAULT_QUEUE", name)
    monkeypatch.setattr(rq_queue, "DEFAULT_PREFIX", f"{name}:")
    monkeypatch.setattr(rq_queue.RedisJobQueue.__init__, "__defaults__", (f"{name}:", name, 5.0))
    workers = RQWorkers(redis_url, name, 1, log=tmp_path / "worker.log")
    yield name
    workers.stop()


def test_a_training_run_through_redis_and_an_rq_worker(redis_jobs):
    at = open_app_page(PAGE, timeout=60, variant="D", epochs="1")
    at.number_input(key="tr.n_train").set_value(300).run()
    at.button(key="tr.start").click().run()
    assert not at.exception
    backend = worker_pool()
    assert isinstance(backend, rq_queue.RedisJobQueue) and backend.prefix == f"{redis_jobs}:"
    token = at.query_params["run"]
    run_until(at, lambda a: any(h.value == "After training" for h in a.subheader), 120)
    assert [m.label for m in at.metric] == ["D · test accuracy"]
    assert "D" in next(iter(at.session_state["models"].values())).variant
    # The run lives in Redis: a page that names it (another server, or this one
    # restarted) finds it there, or says honestly that it is gone.
    again = open_app_page(PAGE, timeout=60, run=token)
    assert "was lost" not in texts(again.warning)


def test_an_unreachable_redis_is_a_sentence_on_the_train_page(monkeypatch):
    from scripts.serve import free_port

    monkeypatch.setenv(rq_queue.REDIS_ENV, f"redis://127.0.0.1:{free_port()}/0")
    at = open_app_page(PAGE, timeout=60, variant="D", epochs="1")
    at.button(key="tr.start").click().run()
    assert not at.exception
    assert "job store (Redis at 127.0.0.1" in texts(at.error)
    assert "cannot be reached" in texts(at.error)
