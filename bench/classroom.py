"""Class mode under a class: 30 simulated students polled live, and 30 sitting idle.

A real ``streamlit run app.py`` server on a fresh data folder; one teacher and N
students, each a `bench.streamlit_client.StreamlitClient` speaking Streamlit's own
websocket protocol with its own session, each rerunning its page's polling
fragment on the interval the server asks for (as a browser's ``run_every`` timer
does). Per round the teacher opens the next question of the bank; every student
answers as soon as their page shows it (no think time: the figure is the app's,
not the students'); the round's time runs from the teacher's click to the
teacher's page showing all N answers. Then the teacher reveals, and the room reads
the answer for a few seconds before the next question. Afterwards every
page sits idle, polling, and the server's CPU is measured over a window.

    .venv/bin/python -m bench.classroom --students 30 --rounds 10

Bars (issue 13): the projector shows all 30 answers within 3 s (median and p95
over 10 rounds), and 30 idle students cost the server under 20% of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.__main__ import machine  # noqa: E402
from bench.results import record_section  # noqa: E402
from bench.streamlit_client import StreamlitClient  # noqa: E402
from bench.students import cpu_snapshot, local_server, percentile  # noqa: E402
from core.classroom.session import PROJECTOR_POLL_SECONDS, STUDENT_POLL_SECONDS  # noqa: E402
from core.questions.bank import question_bank  # noqa: E402

CODE = re.compile(r'<div class="cl-code">([A-Z0-9]+)</div>')


@dataclass
class ClassroomResult:
    """What one run measured."""

    students: int
    round_seconds: list[float]
    shown_seconds: list[float]
    stored_seconds: list[float]
    idle_seconds: float
    idle_cpu_seconds: float
    polls_per_second: float

    @property
    def idle_core_share(self) -> float:
        """Server CPU while idle, as a share of one core."""
        return self.idle_cpu_seconds / self.idle_seconds

    def report(self) -> str:
        """Return the figures as lines of text."""
        rounds = self.round_seconds
        return "\n".join(
            [
                f"{self.students} students, {len(rounds)} rounds: all answers on the projector "
                f"after median {statistics.median(rounds):.2f} s, p95 "
                f"{percentile(rounds, 95):.2f} s, max {max(rounds):.2f} s (bar: under 3 s)",
                f"  the last student's page showed the question after median "
                f"{statistics.median(self.shown_seconds):.2f} s (max {max(self.shown_seconds):.2f}"
                f" s); the last answer was stored after median "
                f"{statistics.median(self.stored_seconds):.2f} s (max "
                f"{max(self.stored_seconds):.2f} s)",
                f"idle for {self.idle_seconds:.0f} s ({self.polls_per_second:.1f} fragment "
                f"polls/s): server CPU {self.idle_cpu_seconds:.2f} s = "
                f"{self.idle_core_share:.1%} of one core (bar: under 20%)",
            ]
        )


class Page:
    """A client and its polling loop: one interaction at a time, as a browser's page."""

    def __init__(self, client: StreamlitClient) -> None:
        self.client = client
        self.lock = asyncio.Lock()
        self.polls = 0

    async def poll_forever(self) -> None:
        """Rerun the page's timed fragments on their interval, as a browser does."""
        while True:
            interval = min(self.client.auto_reruns.values(), default=1.5)
            await asyncio.sleep(interval)
            async with self.lock:
                for fragment in list(self.client.auto_reruns):
                    await self.client.rerun_fragment(fragment, auto=True)
                    self.polls += 1

    async def act(self, key: str, value=None) -> None:
        """Use a widget, between two polls."""
        async with self.lock:
            await self.client.set_widget(key, value)


async def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.02)


async def _student(page: Page, seen: dict[str, tuple[float, float]], stop: asyncio.Event):
    # Answers each new question once, as soon as the page shows it; notes when it saw the
    # question and when its answer was stored, by question id.
    bank = question_bank()
    while not stop.is_set():
        await asyncio.sleep(0.02)
        texts = " ".join(page.client.texts())
        question = next((q for q in bank if q.prompt in texts), None)
        if question is None or question.id in seen or not page.client.has_text("Send my answer"):
            continue
        shown = time.perf_counter()
        # The answer widget is keyed per poll ("cl.answer.<poll>", "cl.answer_text.<poll>").
        widget = next(
            node.user_key
            for node in list(page.client.nodes.values())
            if node.kind == "element" and (node.user_key or "").startswith("cl.answer")
        )
        answer = question.answer_text if question.kind == "number" else question.answer
        await page.act(widget, answer)
        await page.act("cl.send")
        seen[question.id] = (shown, time.perf_counter())


async def run_classroom(
    url: str, pid: int, students: int, rounds: int, idle: float, between: float = 3.0
):
    """Run one class on the server at `url` (process `pid`); return a `ClassroomResult`."""
    teacher = Page(StreamlitClient(url, timeout=120))
    await teacher.client.connect()
    await teacher.client.open_page("class")
    await teacher.act("cl.start")
    code = next(m.group(1) for t in teacher.client.texts() if (m := CODE.search(t)))
    pages = [Page(StreamlitClient(url, timeout=120)) for _ in range(students)]
    for page in pages:
        await page.client.connect()
    await asyncio.gather(*(p.client.open_page(f"class?join={code}") for p in pages))
    stop = asyncio.Event()
    pollers = [asyncio.create_task(p.poll_forever()) for p in [teacher, *pages]]
    seen: list[dict[str, tuple[float, float]]] = [{} for _ in pages]
    answerers = [
        asyncio.create_task(_student(p, mine, stop)) for p, mine in zip(pages, seen, strict=True)
    ]
    times, shown, stored = [], [], []
    ids = [q.id for q in question_bank()]
    try:
        await _wait_for(
            lambda: teacher.client.has_text(f"**{students}** students joined"), 30, "joins"
        )
        for number in range(rounds):
            start = time.perf_counter()
            await teacher.act("cl.open")
            done = f"**{students}** of {students} answered"
            await _wait_for(lambda d=done: teacher.client.has_text(d), 60, "every answer")
            times.append(time.perf_counter() - start)
            # A client notes its answer once the server's reply arrives, which can be after
            # the projector already counted it.
            await _wait_for(
                lambda q=ids[number]: all(q in mine for mine in seen), 30, "every reply"
            )
            shown.append(max(mine[ids[number]][0] for mine in seen) - start)
            stored.append(max(mine[ids[number]][1] for mine in seen) - start)
            await teacher.act("cl.reveal")
            # The room reads the answer before the next question, as in class.
            await asyncio.sleep(between)
        stop.set()
        await asyncio.sleep(3)  # every page back to polling an unchanged class
        polls = sum(p.polls for p in [teacher, *pages])
        before = cpu_snapshot(pid)
        started = time.perf_counter()
        await asyncio.sleep(idle)
        after = cpu_snapshot(pid)
        seconds = time.perf_counter() - started
        polled = sum(p.polls for p in [teacher, *pages]) - polls
    finally:
        for task in pollers + answerers:
            task.cancel()
        for page in [teacher, *pages]:
            with contextlib.suppress(Exception):
                await page.client.close()
    return ClassroomResult(
        students,
        times,
        shown,
        stored,
        seconds,
        after.process - before.process,
        polled / seconds,
    )


def measure(
    students: int = 30, rounds: int = 10, idle: float = 30.0, between: float = 3.0
) -> ClassroomResult:
    """Start a server on a fresh data folder and run one class on it."""
    with (
        tempfile.TemporaryDirectory() as data,
        local_server({"SOFTMAX_LAB_DATA": data}) as (
            url,
            pid,
        ),
    ):
        return asyncio.run(run_classroom(url, pid, students, rounds, idle, between))


def report_section(result: ClassroomResult, rounds: int, idle: float, between: float) -> str:
    """Return the run as a section of bench/RESULTS.md, with its machine and command."""
    bound = STUDENT_POLL_SECONDS + PROJECTOR_POLL_SECONDS
    median = statistics.median(result.round_seconds)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return "\n".join(
        [
            "## Class polls (issue 13)",
            "",
            f"Machine: {machine()}. Commit {commit or 'unknown'}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            f"Command: `scripts/lab bench` (`python -m bench.classroom --students "
            f"{result.students} --rounds {rounds} --idle {idle:g} --between {between:g}`).",
            "",
            f"One real server, a fresh SQLite store; a teacher and {result.students} students, "
            "each its own session over Streamlit's websocket protocol (bench/streamlit_client.py)"
            ", rerunning the page's timed fragments as a browser does. Students answer as soon "
            "as the question shows. Baseline in the same run: the two polling intervals "
            f"(student {STUDENT_POLL_SECONDS:g} s + projector {PROJECTOR_POLL_SECONDS:g} s = "
            f"{bound:g} s), the longest a change can wait for the pages to ask.",
            "",
            "```",
            result.report(),
            f"median round / polling intervals: {median / bound:.2f}x",
            "```",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle polling")
    parser.add_argument("--between", type=float, default=3.0, help="seconds after a reveal")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md as it is")
    args = parser.parse_args(argv)
    result = measure(args.students, args.rounds, args.idle, args.between)
    section = report_section(result, args.rounds, args.idle, args.between)
    if not args.no_write:
        record_section(section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
