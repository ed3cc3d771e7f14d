"""A real `streamlit run` server and a headless Chromium driven by Playwright.

Screenshots go to test-artifacts/screenshots (git-ignored): look at them. axe-core, for the
accessibility checks, comes from its npm package, which `scripts/lab test` installs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# axe-core's browser bundle: `scripts/lab test` installs the pinned npm package here.
AXE_JS = Path(os.environ.get("AXE_CORE_JS") or ROOT / ".tools/axe/node_modules/axe-core/axe.min.js")
# Assertions poll until this deadline (Playwright's default is 5 s): CI machines are busy.
expect.set_options(timeout=20_000)


def _chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    # In CI the browser tests must run, never skip: fail loudly instead.
    raise RuntimeError("Chromium not found: scripts/lab test installs Debian's chromium package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    """Return the child processes of `pid`, whichever of its threads started them."""
    pids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        # Script threads come and go: one may end between the listing and the read.
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


class Server:
    """A streamlit server process on a free local port, or on `port` (a restarted server).

    A server started on the port of an earlier one appends to the same log.
    """

    def __init__(self, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        SHOTS.mkdir(parents=True, exist_ok=True)  # a test may start its own server first
        self.log = (ROOT / "test-artifacts" / f"server-{self.port}.log").open("a" if port else "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.server",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit server did not start; see test-artifacts/server-*.log")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The Class page's store in a folder of the test run's own, never the user's.
    srv = Server(env={"SOFTMAX_LAB_DATA": str(tmp_path_factory.mktemp("data"))})
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def open_page(page: Page, server: Server, path: str = "") -> None:
    """Open a page of the app and wait until its script has finished."""
    page.goto(f"{server.url}/{path}")
    wait_idle(page)


def wait_idle(page: Page) -> None:
    """Wait until Streamlit reports no script running."""
    page.wait_for_selector('[data-testid="stMain"] h1')
    # Running: the status widget shows; drawing: widgets are still skeletons.
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && !document.querySelector('[data-testid="stSkeleton"]')""",
        timeout=30_000,
    )
    page.wait_for_timeout(200)


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/screenshots and return its path."""
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    if full_page and size:
        # Streamlit scrolls inside its own container, so grow the window to fit the page.
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
        )
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    if size:
        page.set_viewport_size(size)
    return path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core over the whole page and return its violations of the given impacts.

    The window first grows to the page's full height: axe judges the contrast of text
    only where it is on screen, and Streamlit scrolls inside its own container.

    Returns
    -------
    list of str
        One line per violation: rule, impact, count, help and the first elements.
    """
    if not AXE_JS.is_file():
        # Like Chromium: in CI these checks must run, never skip.
        raise RuntimeError(f"{AXE_JS} not found: scripts/lab test installs axe-core from npm")
    size = page.viewport_size
    if size:
        # Grown to the page's height, polled with a deadline: at a new height the page lays
        # out again, and its charts may grow it once more (more so on a busy machine).
        deadline = time.monotonic() + 30
        while True:
            main_height = page.evaluate(
                """() => { const m = document.querySelector('[data-testid="stMain"]');
                           return [m.scrollHeight, m.clientHeight]; }"""
            )
            if main_height[0] <= main_height[1] + 1:
                break
            assert time.monotonic() < deadline, f"the page kept growing: {main_height}"
            page.set_viewport_size({"width": size["width"], "height": main_height[0]})
            page.wait_for_timeout(250)
    try:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(path=str(AXE_JS))
        found = page.evaluate(
            """async () => {
                 const result = await axe.run(document, {resultTypes: ["violations"]});
                 return result.violations.map(v => ({
                   id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map(n => n.target.join(" ")),
                 }));
               }"""
        )
    finally:
        if size:
            page.set_viewport_size(size)
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']}: {v['nodes'][:3]}"
        for v in found
        if v["impact"] in impacts
    ]
