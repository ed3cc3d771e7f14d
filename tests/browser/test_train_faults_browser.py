"""The train page when things go wrong: a worker killed, a tab closed, a full queue, a restart.

Every student has a browser context of their own (a background tab's timers are throttled),
and every test a server of its own, with the environment it needs. Each session trains with
a seed of its own: equal settings would share one run across sessions.
"""

import contextlib
import os
import re
import signal
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Server, child_pids, screenshot, wait_idle
from tests.unit.helpers import wait_for

pytestmark = pytest.mark.browser

RUNNING = re.compile(r"^running · epoch")
LOST_AFTER_RESTART = (
    "The training run this page showed was lost: the server restarted less than a minute "
    "ago, and runs live in its worker processes, which ended with it. "
    "Press Start training to run it again."
)


def queue_text(position: int) -> str:
    return f"All training workers are busy: you are number {position} in the queue."


def main(page: Page):
    return page.locator('[data-testid="stMain"]')


def new_session(browser: Browser) -> Page:
    """A student of their own: a new browser context and its one page."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(20_000)
    return page


def worker_pids(server: Server) -> list[int]:
    """Return the server's worker processes (not multiprocessing's resource tracker)."""
    pids = []
    for pid in child_pids(server.process.pid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
    return pids


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, ended but not reaped, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_run(page: Page, server: Server, seed: int, epochs: int = 100) -> None:
    """Open a run of a minute or more (four variants, 512-512-512, batches of 8); start it."""
    page.goto(f"{server.url}/train?variant=A,B,C,D&epochs={epochs}&batch=8&seed={seed}")
    wait_idle(page)
    hidden = main(page).get_by_role("textbox", name="Hidden layers")
    hidden.fill("512, 512, 512")
    hidden.press("Enter")
    wait_idle(page)
    main(page).get_by_role("button", name="Start training").click()


def progress_line(page: Page):
    return main(page).get_by_text(RUNNING)


def no_traceback(page: Page) -> None:
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_a_killed_worker_is_reported_and_replaced(browser):
    srv = Server(env={"SOFTMAX_LAB_WORKERS": "1"})
    page = new_session(browser)
    try:
        start_run(page, srv, seed=1101)
        expect(progress_line(page)).to_be_visible(timeout=90_000)
        workers = worker_pids(srv)
        assert len(workers) == 1, workers
        os.kill(workers[0], signal.SIGKILL)

        failed = main(page).get_by_text(
            "Training failed: the worker process stopped unexpectedly (exit code -9). "
            "Start again to retry."
        )
        expect(failed).to_be_visible(timeout=30_000)
        expect(main(page).get_by_text(re.compile(r"^failed · epoch"))).to_be_visible()
        no_traceback(page)
        screenshot(page, "faults-worker-killed")
        # Capacity back at once: a replacement, started before any new job asks for it.
        replaced = wait_for(lambda: len(w := worker_pids(srv)) == 1 and w[0] != workers[0], 30)
        assert replaced, f"no replacement worker: {worker_pids(srv)} (killed {workers[0]})"
        replacement = worker_pids(srv)

        start = main(page).get_by_role("button", name="Start training")
        expect(start).to_be_enabled()
        start.click()
        expect(progress_line(page)).to_be_visible(timeout=90_000)
        expect(failed).to_have_count(0)
        assert worker_pids(srv) == replacement
        screenshot(page, "faults-worker-killed-restarted")
    finally:
        page.context.close()
        srv.stop()


def test_a_closed_tab_frees_its_worker_within_the_grace(browser):
    # test_train_browser.py checks that the job stops; this one times it, and checks that
    # the worker goes to the next student in the queue: neither before the grace nor long after.
    grace = 3.0
    srv = Server(env={"SOFTMAX_LAB_WORKERS": "1", "SOFTMAX_LAB_SESSION_GRACE": str(grace)})
    leaving, waiting = new_session(browser), new_session(browser)
    try:
        start_run(leaving, srv, seed=2101)
        expect(progress_line(leaving)).to_be_visible(timeout=90_000)
        start_run(waiting, srv, seed=2102)
        queued = main(waiting).get_by_text(queue_text(1))
        expect(queued).to_be_visible()

        closed = time.monotonic()
        leaving.context.close()
        expect(queued).to_be_hidden(timeout=(grace + 30) * 1000)
        elapsed = time.monotonic() - closed
        expect(progress_line(waiting)).to_be_visible(timeout=60_000)
        screenshot(waiting, "faults-closed-tab-next-student-runs")
        print(f"the closed tab's worker went to the next student {elapsed:.1f} s after")
        assert grace <= elapsed <= grace + 8, f"the worker was freed {elapsed:.1f} s after"
    finally:
        waiting.context.close()
        srv.stop()


def test_six_sessions_queue_for_two_workers_in_order(browser):
    srv = Server(env={"SOFTMAX_LAB_WORKERS": "2"})
    pages = []
    try:
        for n in range(1, 7):
            page = new_session(browser)
            pages.append(page)
            start_run(page, srv, seed=3100 + n)
            if n <= 2:
                expect(main(page).get_by_role("button", name="Stop")).to_be_visible(timeout=30_000)
            else:
                expect(main(page).get_by_text(queue_text(n - 2))).to_be_visible()
        screenshot(pages[2], "faults-queue-session-3")
        screenshot(pages[5], "faults-queue-session-6")
        # Every position is still right once all six are in.
        for n, page in enumerate(pages[2:], start=3):
            expect(main(page).get_by_text(queue_text(n - 2))).to_be_visible()

        for stopped in (0, 1):
            main(pages[stopped]).get_by_role("button", name="Stop").click()
            expect(main(pages[stopped]).get_by_text("Training was stopped")).to_be_visible()
            expect(progress_line(pages[stopped + 2])).to_be_visible(timeout=90_000)
            for n, page in enumerate(pages[stopped + 3 :], start=1):
                expect(main(page).get_by_text(queue_text(n))).to_be_visible()
        expect(progress_line(pages[2])).to_be_visible()  # 3 still trains as 4 starts
        screenshot(pages[3], "faults-queue-session-4-runs")
        screenshot(pages[5], "faults-queue-session-6-second")
        for page in pages:
            no_traceback(page)
    finally:
        for page in pages:
            page.context.close()
        srv.stop()


def test_a_run_lost_in_a_server_restart_is_said_so(browser):
    srv = Server(env={"SOFTMAX_LAB_WORKERS": "1"})
    page = new_session(browser)
    restarted = None
    try:
        start_run(page, srv, seed=4101)
        expect(progress_line(page)).to_be_visible(timeout=90_000)
        expect(page).to_have_url(re.compile(r"[?&]run=[0-9a-f]+\.job-\d+"))
        address = page.url
        workers = worker_pids(srv)
        srv.stop()

        # The server's workers end with it: no orphan keeps training.
        assert wait_for(lambda: not any(alive(p) for p in workers), 20), workers
        # Streamlit's own notice while the server is away.
        down = page.get_by_text(re.compile("Connecting|Connection error"))
        expect(down.first).to_be_visible(timeout=30_000)
        screenshot(page, "faults-restart-server-down", full_page=False)

        restarted = Server(env={"SOFTMAX_LAB_WORKERS": "1"}, port=srv.port)
        page.goto(address)
        wait_idle(page)
        warning = main(page).get_by_text(LOST_AFTER_RESTART)
        expect(warning).to_be_visible()
        expect(main(page).get_by_role("button", name="Start training")).to_be_enabled()
        expect(page).not_to_have_url(re.compile(r"[?&]run="))
        no_traceback(page)
        screenshot(page, "faults-restart-run-lost")

        main(page).get_by_role("button", name="Start training").click()
        expect(progress_line(page)).to_be_visible(timeout=90_000)
        expect(warning).to_have_count(0)
    finally:
        page.context.close()
        if restarted is not None:
            restarted.stop()
        elif srv.process.poll() is None:
            srv.stop()
