"""The classroom benchmark: N students clicking through the lesson pages at once.

Each student is its own session over Streamlit's real websocket protocol
(`bench.streamlit_client.StreamlitClient`), on the softmax, floats or draw page,
or (one in five) the train page, and changes one of that page's controls every
2 to 4 seconds: typed logits, a dtype, the temperature, a logit slider; a value,
a format, the number line's centre; a drawing, its temperature, format and meant
digit; the learning rate, batch, epochs and optimizer. Measured per setting:
latency from the change to the end of its rerun (p50/p95/p99), errors, the
server's CPU per interaction, and the training throughput when trainings run.

Run by ``scripts/lab bench`` (``python -m bench.class_load``). One run measures:

- N = 1, 10, 30, 60 students, with 0 and with 2 trainings (two students' runs of
  different settings, started through the train page);
- the app before this work (``--before``, a commit checked out into a temporary
  work tree and served the same way), for the CPU per interaction: the bar is a
  third of it, judged on three pairs of 30-student windows that alternate between
  that server and one of this commit, running side by side;
- N = 60 against two server processes behind nginx (``scripts/serve.py``) against
  one, both stacks running, in alternating windows;
- a few real Chromium pages typing logits beside the simulated students, whose
  latency confirms the simulated one;
- 30 students pressing Start on the same preset: how many trainings run.

Results go to ``bench/RESULTS.md`` (section "Classroom load (issue 11)").
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.results import Log, record_section  # noqa: E402
from bench.streamlit_client import StreamlitClient  # noqa: E402
from bench.students import (  # noqa: E402
    LatencySummary,
    local_server,
    process_cpu_seconds,
)

TRIVIAL_PAGE = "bench/trivial_page.py"
"""A page of one slider and one line of text: Streamlit's own cost of a rerun."""
BEFORE = "8900fad"
"""The commit before issue 11's work: its server is the baseline of the CPU bar."""
THINK = (2.0, 4.0)
"""Seconds a student pauses between two changes (uniform)."""
TRAINING = "train?variant=C,D&epochs=100&batch=8&seed={seed}"
"""A training a student starts: two variants, small batches, 100 epochs."""
TRAINING_HIDDEN = "512, 512, 512"
"""Its hidden layers, wide enough that the run outlasts a measurement."""
_SEEDS = iter(range(10_000, 20_000))
"""Every training its own seed: an equal request would share (or replay) an earlier run."""

Action = Callable[[StreamlitClient, random.Random], Awaitable[object]]


# ----- what a student does on each page -----


def _index(client: StreamlitClient, key: str, rng: random.Random) -> int:
    return rng.randrange(len(client.widget(key).value.options))


def _slider(client: StreamlitClient, key: str, rng: random.Random) -> float:
    inner = client.widget(key).value
    steps = round((inner.max - inner.min) / inner.step)
    return inner.min + inner.step * rng.randint(0, steps)


def drawing_json(rng: random.Random) -> str:
    """Return the drawing canvas's widget value for a stroke like a 1 or a 7, as a browser sends.

    Parameters
    ----------
    rng : random.Random
        Picks the stroke's slant.

    Returns
    -------
    str
        The component's JSON value: the drawing's objects and its PNG as a data URL.
    """
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (280, 280), (255, 255, 255, 255))
    slant = rng.uniform(-50, 50)
    ImageDraw.Draw(image).line(
        [(140 - slant, 40), (140 + slant, 240)], fill=(0, 0, 0, 255), width=22
    )
    png = io.BytesIO()
    image.save(png, "PNG")
    data = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    raw = {"objects": [{"type": "path"}], "background": "#FFFFFF"}
    return json.dumps({"drawing": {"raw": raw, "data": data}})


async def _draw(client: StreamlitClient, rng: random.Random) -> object:
    canvas = next(
        n.user_key for n in client.elements() if (n.user_key or "").startswith("dr.canvas")
    )
    return await client.set_widget(canvas, drawing_json(rng))


def _logits(rng: random.Random) -> str:
    return ", ".join(f"{rng.uniform(-20, 20):.1f}" for _ in range(rng.randint(2, 6)))


ACTIONS: dict[str, list[tuple[str, Action]]] = {
    "softmax": [
        ("sm.text", lambda c, r: c.set_widget("sm.text", _logits(r))),
        ("sm.dtype", lambda c, r: c.set_widget("sm.dtype", _index(c, "sm.dtype", r))),
        ("sm.T", lambda c, r: c.set_widget("sm.T", r.choice([0.5, 1.0, 2.0, 5.0]))),
        ("sm.z0", lambda c, r: c.set_widget("sm.z0", _slider(c, "sm.z0", r))),
    ],
    "floats": [
        ("fl.x", lambda c, r: c.set_widget("fl.x", f"{r.uniform(0, 100):.3f}")),
        ("fl.dtype", lambda c, r: c.set_widget("fl.dtype", _index(c, "fl.dtype", r))),
        ("fl.centre", lambda c, r: c.set_widget("fl.centre", _index(c, "fl.centre", r))),
        ("fl.n", lambda c, r: c.set_widget("fl.n", _index(c, "fl.n", r))),
    ],
    "draw": [
        ("dr.canvas", _draw),
        ("dr.T", lambda c, r: c.set_widget("dr.T", r.choice([0.5, 1.0, 2.0]))),
        ("dr.dtype", lambda c, r: c.set_widget("dr.dtype", _index(c, "dr.dtype", r))),
        ("dr.meant", lambda c, r: c.set_widget("dr.meant", _index(c, "dr.meant", r))),
    ],
    "train": [
        ("tr.lr", lambda c, r: c.set_widget("tr.lr", _index(c, "tr.lr", r))),
        ("tr.batch", lambda c, r: c.set_widget("tr.batch", _index(c, "tr.batch", r))),
        ("tr.epochs", lambda c, r: c.set_widget("tr.epochs", r.randint(1, 20))),
        ("tr.optimizer", lambda c, r: c.set_widget("tr.optimizer", _index(c, "tr.optimizer", r))),
    ],
}


def page_of(student: int) -> str:
    """Return the page student `student` works on: one in five trains, the rest share three."""
    if student % 5 == 4:
        return "train"
    return ("softmax", "floats", "draw")[student % 3]


# ----- one measured setting -----


@dataclass
class Interaction:
    """One change of one control and its rerun."""

    page: str
    control: str
    started: float
    latency: float


@dataclass
class LoadResult:
    """What one setting measured."""

    label: str
    students: int
    trainings: int
    window: float
    interactions: list[Interaction]
    errors: list[str]
    server_cpu: float
    samples_per_s: list[float] = field(default_factory=list)

    @property
    def summary(self) -> LatencySummary:
        """Latency percentiles of every interaction in the window."""
        return LatencySummary.of([i.latency for i in self.interactions])

    @property
    def cpu_ms_per_interaction(self) -> float:
        """The servers' CPU in the window over the interactions in it, in ms."""
        return 1e3 * self.server_cpu / max(1, len(self.interactions))

    def row(self) -> str:
        """Return a row of the results table."""
        s = self.summary
        rate = f"{sum(self.samples_per_s):,.0f}" if self.samples_per_s else "–"
        return (
            f"| {self.label} | {self.students} | {self.trainings} | {s.count} | "
            f"{s.p50 * 1e3:.0f} | {s.p95 * 1e3:.0f} | {s.p99 * 1e3:.0f} | {len(self.errors)} | "
            f"{self.cpu_ms_per_interaction:.1f} | {self.server_cpu / self.window:.0%} | {rate} |"
        )


HEADER = (
    "| server | students | trainings | interactions | p50 ms | p95 ms | p99 ms | errors | "
    "server CPU ms per interaction | server CPU (share of a core) | training samples/s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


async def _student(
    url: str,
    index: int,
    ready: asyncio.Barrier,
    window: list[float],
    done: asyncio.Event,
    out: list[Interaction],
    errors: list[str],
    headers: dict[str, str] | None,
    seed: int,
) -> None:
    rng = random.Random(seed + index)
    page = page_of(index)
    client = StreamlitClient(url, timeout=60, headers=headers)
    try:
        await client.connect()
        await client.open_page(page)
        if page == "draw":
            await _draw(client, rng)
    except Exception as error:
        errors.append(f"student {index} ({page}) could not start: {error}")
        await ready.wait()
        await client.close()
        return
    await ready.wait()
    await asyncio.sleep(rng.uniform(*THINK))
    while not done.is_set():
        name, action = rng.choice(ACTIONS[page])
        started = time.monotonic()
        try:
            result = await action(client, rng)
        except Exception as error:
            errors.append(f"student {index} {name}: {type(error).__name__}: {error}")
            break
        if client.exceptions():
            errors.append(f"student {index} {name}: the page showed an exception")
        if window[0] <= started < window[1]:
            out.append(Interaction(page, name, started, result.latency))
        await asyncio.sleep(rng.uniform(*THINK))
    await client.close()


async def _trainer(url: str, rates: list[float], done: asyncio.Event) -> None:
    async with StreamlitClient(url, timeout=60) as client:
        await client.open_page(TRAINING.format(seed=next(_SEEDS)))
        await client.set_widget("tr.hidden", TRAINING_HIDDEN)
        await client.click("tr.start")
        while not done.is_set():
            await asyncio.sleep(2.0)
            for fragment in list(client.auto_reruns):
                await client.rerun_fragment(fragment, auto=True)
            found = re.search(r"([\d,]+) samples/s", _progress(client))
            if found:
                rates.append(float(found.group(1).replace(",", "")))
        with contextlib.suppress(Exception):
            await client.click("tr.stop")


async def measure(
    url: str,
    students: int,
    *,
    label: str,
    server_pids: list[int],
    trainings: int = 0,
    seconds: float = 30.0,
    headers_of: Callable[[int], dict[str, str] | None] = lambda index: None,
    seed: int = 0,
) -> LoadResult:
    """Run `students` students (and `trainings` trainings) against `url`; measure a window.

    Parameters
    ----------
    url : str
        The app (one server, or nginx in front of several).
    students : int
        Simulated students.
    label : str
        Names the server set-up in the results.
    server_pids : list of int
        The Streamlit server processes, whose CPU is measured.
    trainings : int
        Trainings started first (0 to 2), each from its own session.
    seconds : float
        Length of the measured window, which starts once every student has its page.
    headers_of : callable
        Extra websocket handshake headers for student `index` (a cookie that picks
        its server behind nginx).
    seed : int
        Added to each student's index to seed its choices: windows with different
        seeds change other values, so none finds the previous window's results cached.

    Returns
    -------
    LoadResult
        The interactions started in the window, errors, server CPU and training pace.
    """
    done = asyncio.Event()
    rates: list[list[float]] = [[] for _ in range(trainings)]
    trainers = [asyncio.create_task(_trainer(url, rates[i], done)) for i in range(trainings)]
    if trainings:
        await asyncio.sleep(8.0)  # the runs get past loading their data and building models
    ready = asyncio.Barrier(students + 1)
    window = [float("inf"), float("inf")]
    interactions: list[Interaction] = []
    errors: list[str] = []
    tasks = [
        asyncio.create_task(
            _student(url, i, ready, window, done, interactions, errors, headers_of(i), seed)
        )
        for i in range(students)
    ]
    await ready.wait()
    for rate in rates:
        rate.clear()
    cpu_start = sum(process_cpu_seconds(pid) for pid in server_pids)
    window[:] = [time.monotonic(), time.monotonic() + seconds]
    await asyncio.sleep(seconds)
    cpu = sum(process_cpu_seconds(pid) for pid in server_pids) - cpu_start
    done.set()
    await asyncio.gather(*tasks, *trainers, return_exceptions=True)
    pace = [sorted(r)[len(r) // 2] for r in rates if r]
    return LoadResult(label, students, trainings, seconds, interactions, errors, cpu, pace)


async def warm_up(url: str) -> None:
    """Open each lesson page once, so no measured student pays a cold server's first run."""
    async with StreamlitClient(url, timeout=120) as client:
        for page in ACTIONS:
            await client.open_page(page)


async def _until(client: StreamlitClient, done: Callable[[], bool], timeout: float) -> float:
    """Rerun the client's timers (the job fragment) until `done()`; return when it held."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the page did not get there in time")
        await asyncio.sleep(0.1)
        for fragment in list(client.auto_reruns):
            await client.rerun_fragment(fragment, auto=True)
    return time.monotonic()


def _progress(client: StreamlitClient) -> str:
    return " ".join(node.value.text for node in client.elements("progress"))


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB (``VmRSS`` of ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def memory_over_jobs(url: str, pid: int, jobs: int = 50) -> list[float]:
    """Run `jobs` short trainings one after another from one session; return RSS every 10."""
    readings = [rss_mb(pid)]
    async with StreamlitClient(url, timeout=120) as client:
        for seed in range(jobs):
            await client.open_page(f"train?variant=D&epochs=1&seed={1000 + seed}")
            await client.click("tr.start")
            await _until(client, lambda: client.has_text("After training"), 120)
            if (seed + 1) % 10 == 0:
                readings.append(rss_mb(pid))
    return readings


async def queued_turn(url: str) -> float:
    """Return the seconds from a queued run's turn to its first progress line.

    Three trainings on the two workers: the third waits in the queue; its turn
    comes when the first page stops its run.
    """
    pages = [StreamlitClient(url, timeout=120) for _ in range(3)]
    for client in pages:
        await client.connect()
        await client.open_page(TRAINING.format(seed=next(_SEEDS)))
        await client.set_widget("tr.hidden", TRAINING_HIDDEN)
        await client.click("tr.start")
    first, _, queued = pages
    await _until(first, lambda: "step" in _progress(first), 120)
    await _until(queued, lambda: queued.has_text("in the queue"), 60)
    await first.click("tr.stop")
    turn = await _until(queued, lambda: not queued.has_text("in the queue"), 60)
    started = await _until(queued, lambda: "step" in _progress(queued), 60)
    for client in pages:
        with contextlib.suppress(Exception):
            await client.click("tr.stop")
        await client.close()
    return started - turn


async def cpu_per_control(url: str, pid: int, repeats: int = 40) -> dict[str, tuple[float, float]]:
    """Return each control's server CPU (ms) and messages per change, one session at a time.

    Parameters
    ----------
    url : str
        A server nobody else uses meanwhile.
    pid : int
        Its process.
    repeats : int
        Changes measured per control, after three unmeasured ones.

    Returns
    -------
    dict
        ``{control: (cpu_ms, messages)}``, per change.
    """
    found = {}
    for page, actions in ACTIONS.items():
        for name, action in actions:
            rng = random.Random(1)
            async with StreamlitClient(url, timeout=60) as client:
                await client.open_page(page)
                if page == "draw":
                    await _draw(client, rng)
                for _ in range(3):
                    await action(client, rng)
                start, messages = process_cpu_seconds(pid), 0
                for _ in range(repeats):
                    messages += (await action(client, rng)).messages
                cpu = process_cpu_seconds(pid) - start
                found[name] = (1e3 * cpu / repeats, messages / repeats)
    return found


async def floor_cpu(url: str, pid: int, repeats: int = 40) -> float:
    """Return the server CPU (ms) per change of the slider on `TRIVIAL_PAGE`'s server.

    Parameters
    ----------
    url : str
        A server of `TRIVIAL_PAGE` nobody else uses meanwhile.
    pid : int
        Its process.
    repeats : int
        Changes measured, after three unmeasured ones.

    Returns
    -------
    float
        Milliseconds per change: what Streamlit spends on any rerun, the floor under
        every control of the app.
    """
    async with StreamlitClient(url, timeout=60) as client:
        await client.open_page("")
        for i in range(3):
            await client.set_widget("x", float(i))
        start = process_cpu_seconds(pid)
        for i in range(repeats):
            await client.set_widget("x", 3.0 + (i % 7))
        return 1e3 * (process_cpu_seconds(pid) - start) / repeats


def control_table(now: dict, before: dict, before_label: str) -> list[str]:
    """Return a table of CPU per change by control, this commit against `before`."""
    lines = [
        "",
        f"Server CPU per change, one session at a time ({before_label} against this commit):",
        "",
        "| control | before ms | now ms | now / before | messages before | messages now |",
        "|---|---|---|---|---|---|",
    ]
    for name, (cpu, messages) in now.items():
        old_cpu, old_messages = before.get(name, (float("nan"), float("nan")))
        lines.append(
            f"| {name} | {old_cpu:.1f} | {cpu:.1f} | {cpu / old_cpu:.2f} | "
            f"{old_messages:.0f} | {messages:.0f} |"
        )
    return lines


# ----- the servers measured -----


@contextlib.contextmanager
def app_at(commit: str) -> Iterator[Path]:
    """Check `commit` out into a temporary work tree (sharing this venv); remove it after."""
    folder = Path(tempfile.mkdtemp(prefix="softmax-lab-before-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(folder), commit], cwd=ROOT, check=True
    )
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT)


def run_setting(coroutine: Awaitable[LoadResult], log: Callable[[str], None]) -> LoadResult:
    """Run one setting and print its row."""
    result = asyncio.run(coroutine)
    log(result.row())
    for error in result.errors[:5]:
        log(f"    {error}")
    return result


# ----- confirmation in real browsers -----


def browser_latencies(url: str, pages: int, seconds: float) -> list[float]:
    """Type logits on `pages` real Chromium pages for `seconds`; return each change's latency.

    A change is timed from pressing Enter in the logits box to the per-class table
    showing the new first logit, as a student would see it.
    """
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    rng = random.Random(99)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        tabs = []
        for _ in range(pages):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{url}/softmax", wait_until="networkidle")
            page.get_by_label("Type or paste logits", exact=True).wait_for(timeout=60_000)
            tabs.append(page)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for page in tabs:
                # As the table writes it: the shortest decimal, no trailing zeros.
                first = str(round(rng.uniform(-20, 20), 3))
                box = page.get_by_label("Type or paste logits", exact=True)
                box.fill(f"{first}, 1.25, -2.5")
                started = time.monotonic()
                box.press("Enter")
                page.locator("table.lab").filter(has_text=first).first.wait_for(timeout=30_000)
                latencies.append(time.monotonic() - started)
            time.sleep(rng.uniform(*THINK) / pages)
        browser.close()
    return latencies


# ----- the whole benchmark -----


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, nargs="*", default=[1, 10, 30, 60])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window")
    parser.add_argument("--before", default=BEFORE, help="commit measured as the baseline")
    parser.add_argument("--no-before", action="store_true")
    parser.add_argument("--no-replicas", action="store_true")
    parser.add_argument("--no-pool", action="store_true", help="skip the pool-of-1 setting")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    log = Log()
    results: dict = {}
    env = {"SOFTMAX_LAB_SESSION_GRACE": "5"}
    with local_server(env, script=TRIVIAL_PAGE) as (url, pid):
        results["floor"] = asyncio.run(floor_cpu(url, pid))
    log(
        f"Streamlit's own cost of a rerun: {results['floor']:.1f} ms of server CPU per change "
        f"of the slider of {TRIVIAL_PAGE} (one slider, one line of text)."
    )
    log("")
    log(HEADER)
    with local_server(env) as (url, pid):
        asyncio.run(warm_up(url))
        controls_now = asyncio.run(cpu_per_control(url, pid))
        for trainings in (0, 2):
            for n in args.students:
                results["one", n, trainings] = run_setting(
                    measure(
                        url,
                        n,
                        label="this commit",
                        server_pids=[pid],
                        trainings=trainings,
                        seconds=args.seconds,
                    ),
                    log,
                )
        shared = asyncio.run(same_preset(url, 30))
        turn = asyncio.run(queued_turn(url))
        log(f"A queued run's first progress line came {turn:.2f} s after its turn (bar: 2 s).")
        memory = asyncio.run(memory_over_jobs(url, pid))
        log(
            "Server memory over 50 trainings from one session, every 10 jobs: "
            + ", ".join(f"{mb:.0f}" for mb in memory)
            + " MB."
        )
        if not args.no_browser:
            confirm_in_browser(url, args.seconds, log, results)
    if not args.no_pool:
        # Should the pool shrink on 2 cores? The same class, asking for 2 trainings, on a
        # pool of one worker (the second run waits in the queue).
        with local_server({**env, "SOFTMAX_LAB_WORKERS": "1"}) as (url, pid):
            asyncio.run(warm_up(url))
            results["pool of 1", 30, 2] = run_setting(
                measure(
                    url,
                    30,
                    label="this commit, pool of 1 worker",
                    server_pids=[pid],
                    trainings=2,
                    seconds=args.seconds,
                ),
                log,
            )
    if not args.no_before:
        with (
            app_at(args.before) as folder,
            local_server(env, cwd=folder) as (url, pid),
            local_server(env) as now,
        ):
            asyncio.run(warm_up(url))
            asyncio.run(warm_up(now[0]))
            controls_before = asyncio.run(cpu_per_control(url, pid))
            for line in [*control_table(controls_now, controls_before, args.before), "", HEADER]:
                log(line)
            results["before", 10, 0] = run_setting(
                measure(
                    url,
                    10,
                    label=f"before ({args.before})",
                    server_pids=[pid],
                    seconds=args.seconds,
                ),
                log,
            )
            results["pairs"] = compare_with_before((url, pid), now, args.seconds, log)
            results["before", 30, 2] = run_setting(
                measure(
                    url,
                    30,
                    label=f"before ({args.before})",
                    server_pids=[pid],
                    trainings=2,
                    seconds=args.seconds,
                ),
                log,
            )
    if not args.no_replicas:
        results.update(compare_replicas(args.seconds, log))
    summary = conclusions(results, shared)
    for line in summary:
        log(line)
    if not args.no_record:
        record_section(
            "\n".join(
                [
                    "## Classroom load (issue 11)",
                    "",
                    f"`python -m bench.class_load` on {platform.node()} ({os.cpu_count()} cores), "
                    f"{time.strftime('%Y-%m-%d')}, commit {_commit()}. Each student changes a "
                    f"control every {THINK[0]:.0f}-{THINK[1]:.0f} s; the window is "
                    f"{args.seconds:.0f} s.",
                    "",
                    *log.lines,
                ]
            ),
        )
    return 0


async def same_preset(url: str, students: int) -> list[int]:
    """Have `students` sessions press Start on the same preset at once.

    Returns
    -------
    list of int
        Per page, how many classmates it says share its run (0 when it says none).
    """
    clients = [StreamlitClient(url, timeout=60) for _ in range(students)]
    for client in clients:
        await client.connect()
    preset = TRAINING.format(seed=next(_SEEDS))
    await asyncio.gather(*(c.open_page(preset) for c in clients))
    await asyncio.gather(*(c.click("tr.start") for c in clients))
    counts = []
    for client in clients:
        await client.rerun()
        said = re.search(r"Same run as (\d+) classmates?", " ".join(client.texts()))
        counts.append(int(said.group(1)) if said else 0)
    for client in clients:
        with contextlib.suppress(Exception):
            await client.click("tr.stop")
        await client.close()
    return counts


def runs_started(classmates: list[int]) -> float:
    """Return how many runs pages that report `classmates` each share: a group of k+1 is one."""
    return sum(1 / (count + 1) for count in classmates)


def confirm_in_browser(url: str, seconds: float, log: Callable[[str], None], results: dict) -> None:
    """Run 30 simulated students and 3 Chromium pages together; log both latencies."""

    async def students() -> LoadResult:
        return await measure(
            url, 30, label="this commit, beside 3 browsers", server_pids=[], seconds=seconds
        )

    loop_result: list[LoadResult] = []

    def simulated() -> None:
        loop_result.append(asyncio.run(students()))

    thread = threading.Thread(target=simulated)
    thread.start()
    time.sleep(6.0)
    latencies = browser_latencies(url, 3, seconds)
    thread.join()
    typed = [i.latency for i in loop_result[0].interactions if i.control == "sm.text"]
    log(
        f"Real Chromium pages typing logits beside 30 simulated students: "
        f"{LatencySummary.of(latencies).line()}; the simulated students' typed logits: "
        f"{LatencySummary.of(typed).line()}"
    )
    results["browser", 30, 0] = loop_result[0]


T = TypeVar("T")

PAIRS = 3
"""Windows per set-up in the comparisons judged on alternating windows."""


def rotated(setups: list[T], rounds: int = PAIRS) -> Iterator[tuple[int, int, T]]:
    """Yield ``(round, seed, set-up)``: each round measures every set-up once.

    Each round measures the set-ups back to back on the same students' choices (its
    own seed, new to the server), and the order rotates from round to round (for two
    set-ups, it alternates), so a drift in the machine's pace over the run falls on
    every set-up alike.
    """
    for turn in range(rounds):
        start = turn % len(setups)
        for setup in setups[start:] + setups[:start]:
            yield turn, 1000 * (turn + 1), setup


def measure_in_rounds(
    servers: dict[str, tuple[str, int]],
    seconds: float,
    log: Callable[[str], None],
    rounds: int = PAIRS,
    window: str = "round",
) -> dict[tuple[str, int], LoadResult]:
    """Measure 30 students on each running server, once per round, in `rotated` order.

    Parameters
    ----------
    servers : dict
        Label to the server's URL and pid, all running.
    seconds : float
        Each window's length.
    log : callable
        Takes each window's table row.
    rounds : int, optional
        Windows per server.
    window : str, optional
        What a row calls its round (``"pair"`` for two servers).

    Returns
    -------
    dict
        ``{(label, round): LoadResult}``.
    """
    found = {}
    for turn, seed, label in rotated(list(servers), rounds):
        url, pid = servers[label]
        found[label, turn] = run_setting(
            measure(
                url,
                30,
                label=f"{label}, {window} {turn + 1}",
                server_pids=[pid],
                seconds=seconds,
                seed=seed,
            ),
            log,
        )
    return found


def compare_with_before(
    before: tuple[str, int], now: tuple[str, int], seconds: float, log: Callable[[str], None]
) -> list[tuple[LoadResult, LoadResult]]:
    """Measure 30 students on the commit before and on this one, in alternating windows.

    The machine's pace drifts over a run (other tenants, heat), so a window on one
    server and a window on the other minutes later can differ by more than the
    change measured: the windows come in pairs, in `rotated` order.

    Parameters
    ----------
    before, now : tuple of (str, int)
        Each server's URL and pid, both running.
    seconds : float
        Each window's length.
    log : callable
        Takes each window's table row.

    Returns
    -------
    list of tuple of (LoadResult, LoadResult)
        ``(before, now)`` per pair.
    """
    servers = {"before": before, "this commit": now}
    found = measure_in_rounds(servers, seconds, log, window="pair")
    return [(found["before", pair], found["this commit", pair]) for pair in range(PAIRS)]


def pair_ratios(pairs: list[tuple[LoadResult, LoadResult]]) -> list[float]:
    """Return each pair's CPU per interaction now over before."""
    return [now.cpu_ms_per_interaction / before.cpu_ms_per_interaction for before, now in pairs]


def compare_replicas(seconds: float, log: Callable[[str], None]) -> dict:
    """N = 60 against one server and against two behind nginx, in alternating windows.

    Both stacks run side by side (each its own Redis, nginx and run folder), measured
    in pairs of windows, in `rotated` order. The bar is judged on every interaction of a stack's
    windows together: a single window's p95 at this load moves by more than the
    difference measured.

    Returns
    -------
    dict
        ``{("nginx + R", 60, 0, pair): LoadResult}`` for R = 1, 2 and each pair.
    """
    sys.path.insert(0, str(ROOT / "scripts"))
    from serve import COOKIE, start_stack

    found = {}
    stacks = {}
    try:
        for replicas in (1, 2):
            stacks[replicas] = start_stack(
                replicas, port=0, host="127.0.0.1", run=ROOT / ".run" / f"bench-{replicas}"
            )
            for server in stacks[replicas].server_urls:
                asyncio.run(warm_up(server))
        for pair, seed, replicas in rotated([1, 2]):
            stack, names = stacks[replicas], stacks[replicas].server_names
            label = f"nginx + {replicas} server{'s' if replicas > 1 else ''}"
            found[f"nginx + {replicas}", 60, 0, pair] = run_setting(
                measure(
                    stack.url,
                    60,
                    label=f"{label}, pair {pair + 1}",
                    server_pids=stack.server_pids,
                    seconds=seconds,
                    headers_of=lambda i, names=names: {
                        "Cookie": f"{COOKIE}={names[i % len(names)]}"
                    },
                    seed=seed,
                ),
                log,
            )
    finally:
        for stack in stacks.values():
            stack.stop()
    return found


def pooled(results: dict, label: str) -> LatencySummary | None:
    """Return the latencies of every window of set-up `label` (``"nginx + 1"``) together."""
    windows = [r for key, r in results.items() if isinstance(key, tuple) and key[0] == label]
    if not windows:
        return None
    return LatencySummary.of([i.latency for r in windows for i in r.interactions])


def conclusions(results: dict, shared: list[int]) -> list[str]:
    """Return the bars of issue 11, each with the figures it is judged on."""
    lines = [""]
    pairs = results.get("pairs")
    if pairs:
        ratios = pair_ratios(pairs)
        before = statistics.median(b.cpu_ms_per_interaction for b, _ in pairs)
        now = statistics.median(n.cpu_ms_per_interaction for _, n in pairs)
        lines.append(
            f"- Server CPU per interaction at 30 students, {len(pairs)} pairs of windows "
            "alternating the two servers: "
            + ", ".join(
                f"{n.cpu_ms_per_interaction:.1f} ms against {b.cpu_ms_per_interaction:.1f}"
                for b, n in pairs
            )
            + " before; ratios "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + f", median {statistics.median(ratios):.2f}x (bar: 0.33x)."
        )
        floor = results.get("floor")
        if floor is not None:
            bar = before / 3
            lines.append(
                f"- A rerun of a page of one slider costs {floor:.1f} ms: "
                f"{floor / before:.2f}x of the median figure before ({before:.1f} ms; now "
                f"{now:.1f} ms). The bar ({bar:.1f} ms) leaves {bar - floor:.1f} ms per change "
                "for everything a page of the app draws and computes beyond that."
            )
    loaded = results.get(("one", 30, 2))
    if loaded:
        s = loaded.summary
        lines.append(
            f"- 30 students with 2 trainings: p95 {s.p95 * 1e3:.0f} ms (bar 500), "
            f"p99 {s.p99 * 1e3:.0f} ms (bar 1000), {len(loaded.errors)} errors."
        )
    small = results.get(("pool of 1", 30, 2))
    if loaded and small:
        lines.append(
            f"- 30 students asking for 2 trainings on a pool of 1 worker: p95 "
            f"{small.summary.p95 * 1e3:.0f} ms and {sum(small.samples_per_s):,.0f} samples/s, "
            f"against {loaded.summary.p95 * 1e3:.0f} ms and "
            f"{sum(loaded.samples_per_s):,.0f} samples/s on 2 workers."
        )
    one, two = pooled(results, "nginx + 1"), pooled(results, "nginx + 2")
    if one and two:
        lines.append(
            f"- 60 students, every interaction of the alternating windows together: p95 "
            f"{two.p95 * 1e3:.0f} ms on two servers against {one.p95 * 1e3:.0f} ms on one "
            f"(bar: lower); p99 {two.p99 * 1e3:.0f} against {one.p99 * 1e3:.0f} ms."
        )
    lines.append(
        f"- 30 students pressing Start on the same preset: {runs_started(shared):.0f} "
        f"training(s) ran (each page said 'Same run as N classmates' with N in "
        f"{sorted(set(shared))})."
    )
    return lines


def _commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
