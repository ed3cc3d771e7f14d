"""The whole scale-out stack in a real browser: two servers, nginx, Redis, two RQ workers.

Two students, each in a browser context of its own and pinned by the sticky cookie to a
different server, start the same training preset: the second page shares the first's
run, which lives in Redis. Then the RQ worker running it is killed with SIGKILL: both
pages say so in words, the stack starts the worker again, and Start runs the training
anew on a live worker.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from core.jobs.rq_queue import DEFAULT_PREFIX
from scripts.serve import COOKIE, Stack, start_stack
from tests.browser.conftest import SHOTS, screenshot, wait_idle
from tests.unit.helpers import wait_for

pytestmark = pytest.mark.browser
# The Quick preset made long enough to be watched, shared and killed (it takes seconds).
EPOCHS, HIDDEN = "100", "512, 512, 512"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    running = start_stack(
        2, port=0, host="127.0.0.1", workers=2, run=tmp_path_factory.mktemp("serve")
    )
    yield running
    running.stop()


def student(browser: Browser, stack: Stack, server: str) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": COOKIE, "value": server, "url": stack.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    response = page.goto(f"{stack.url}/train")
    assert response.headers["x-softmax-lab-server"] == server
    wait_idle(page)
    return page


def main(page: Page):
    return page.locator('[data-testid="stMain"]')


def choose_quick_preset(page: Page) -> None:
    main(page).get_by_role("button", name="Quick").click()
    wait_idle(page)
    epochs = main(page).get_by_role("spinbutton", name="Epochs")
    epochs.fill(EPOCHS)
    epochs.press("Enter")
    wait_idle(page)
    hidden = main(page).get_by_role("textbox", name="Hidden layers")
    hidden.fill(HIDDEN)
    hidden.press("Enter")
    wait_idle(page)


def running_job(stack: Stack) -> dict:
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    try:
        (job_id,) = client.smembers(f"{DEFAULT_PREFIX}active")
        return {"id": job_id, **client.hgetall(f"{DEFAULT_PREFIX}job:{job_id}")}
    finally:
        client.close()


def test_two_servers_share_a_run_and_survive_a_killed_worker(browser, stack):
    first = student(browser, stack, "s1")
    choose_quick_preset(first)
    main(first).get_by_role("button", name="Start training").click()
    # The job process imports TensorFlow for A, B and C before its first step.
    try:
        expect(main(first).get_by_text(re.compile(r"running · epoch"))).to_be_visible(
            timeout=60_000
        )
    except AssertionError:
        screenshot(first, "scale-out-failure")
        raise
    screenshot(first, "scale-out-s1-running")

    second = student(browser, stack, "s2")
    choose_quick_preset(second)
    main(second).get_by_role("button", name="Start training").click()
    expect(main(second).get_by_text(re.compile(r"Same run as 1 classmate"))).to_be_visible()
    expect(main(second).get_by_text(re.compile(r"running · epoch"))).to_be_visible()
    screenshot(second, "scale-out-s2-shares-the-run")

    job = running_job(stack)
    worker = job["worker"].split(".")[0]  # "worker-1.<pid>": the stack's worker-1
    dead = stack.processes[worker]
    os.kill(dead.pid, signal.SIGKILL)
    for page in (first, second):
        expect(
            main(page).get_by_text(
                re.compile("Training failed: the worker process stopped unexpectedly")
            )
        ).to_be_visible(timeout=15_000)
    screenshot(second, "scale-out-s2-worker-killed")
    # The stack starts the killed worker again.
    assert wait_for(lambda: stack.processes[worker] is not dead and stack.restarts >= 1, 10)

    main(first).get_by_role("button", name="Start training").click()
    expect(main(first).get_by_text(re.compile(r"running · epoch"))).to_be_visible(timeout=60_000)
    assert running_job(stack)["id"] != job["id"]  # a new run, not the failed one
    screenshot(first, "scale-out-s1-started-again")
    main(first).get_by_role("button", name="Stop").click()
    expect(main(first).get_by_text("Training was stopped")).to_be_visible()
    for page in (first, second):
        page.context.close()
