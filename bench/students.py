"""A class of simulated students: N `StreamlitClient` sessions at once, in one process.

Each student is one `bench.streamlit_client.StreamlitClient` (its own websocket
and server session) running a scenario coroutine; all run concurrently on one
asyncio loop, so 60 students cost one Python process, not 60 browsers. Every
interaction's latency (request sent to ``script_finished`` received) is kept,
and summarised as p50/p95/p99 per action; the server's CPU time over the run
is read from ``/proc/<pid>/stat`` (the process's ``utime + stime``, which sums
all its threads) and, separately, its child processes' (worker pools).

From the command line (it starts its own server unless given a URL)::

    .venv/bin/python -m bench.students --students 30 --scenario softmax --rounds 10
    .venv/bin/python -m bench.students --students 60 --scenario floats --think 0.5
    .venv/bin/python -m bench.students http://127.0.0.1:8501 --server-pid 1234

From Python::

    import asyncio
    from bench.students import run_students, softmax_typing

    result = asyncio.run(
        run_students(url, 30, softmax_typing(rounds=10, think=1.0), server_pid=pid)
    )
    print(result.report())

Notes
-----
The load generator shares the machine: on 2 cores its own CPU time (reported
as ``client cpu``) competes with the server's, and a busy client loop adds to
the measured latencies. Compare its CPU with the server's before trusting a
high percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.streamlit_client import RunResult, StreamlitClient  # noqa: E402

Scenario = Callable[[StreamlitClient, int], Awaitable[None]]
"""A student's behaviour: ``await scenario(client, student_index)`` on a connected client."""

_CLK_TCK = os.sysconf("SC_CLK_TCK")


# ----- CPU time from /proc -----


def process_cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system, all threads) a process has used so far.

    Parameters
    ----------
    pid : int
        The process id.

    Returns
    -------
    float
        Seconds, from fields 14 and 15 (``utime``, ``stime``) of ``/proc/<pid>/stat``.
    """
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLK_TCK


def descendants(pid: int) -> list[int]:
    """Return the live descendant processes of `pid` (children of any of its threads)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                with contextlib.suppress(OSError):
                    kids = [int(p) for p in (task / "children").read_text().split()]
                    found += kids
                    todo += kids
    return found


@dataclass
class CpuSnapshot:
    """CPU seconds used so far by a server process and, separately, its descendants."""

    process: float
    children: dict[int, float]


def cpu_snapshot(pid: int) -> CpuSnapshot:
    """Read the CPU time of `pid` and of each of its live descendants."""
    children = {}
    for child in descendants(pid):
        with contextlib.suppress(OSError, ValueError):
            children[child] = process_cpu_seconds(child)
    return CpuSnapshot(process_cpu_seconds(pid), children)


@dataclass
class CpuWindow:
    """CPU used by a server over a window of wall time.

    Attributes
    ----------
    wall : float
        Seconds of the window.
    process : float
        CPU seconds of the server process (every thread) in the window.
    children : float
        CPU seconds of its child processes in the window (those alive at its end;
        a child started during the window counts from zero).
    """

    wall: float
    process: float
    children: float

    @property
    def cores(self) -> float:
        """Average number of cores the server process kept busy."""
        return self.process / self.wall if self.wall else 0.0

    @classmethod
    def between(cls, start: CpuSnapshot, end: CpuSnapshot, wall: float) -> CpuWindow:
        """Build the window from two snapshots `wall` seconds apart."""
        children = sum(t - start.children.get(pid, 0.0) for pid, t in end.children.items())
        return cls(wall, end.process - start.process, children)


# ----- latency statistics -----


def percentile(values: list[float], q: float) -> float:
    """Return the `q`-th percentile (0-100) of `values`, interpolating linearly."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LatencySummary:
    """Latency percentiles of a set of interactions, in seconds."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, latencies: list[float]) -> LatencySummary:
        """Summarise `latencies` (seconds)."""
        if not latencies:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            len(latencies),
            percentile(latencies, 50),
            percentile(latencies, 95),
            percentile(latencies, 99),
            sum(latencies) / len(latencies),
            max(latencies),
        )

    def line(self) -> str:
        """One line in milliseconds."""
        return (
            f"n={self.count:4d}  p50 {self.p50 * 1e3:7.1f}  p95 {self.p95 * 1e3:7.1f}  "
            f"p99 {self.p99 * 1e3:7.1f}  mean {self.mean * 1e3:7.1f}  max {self.max * 1e3:7.1f} ms"
        )


@dataclass
class Sample:
    """One interaction of one student."""

    student: int
    result: RunResult

    @property
    def kind(self) -> str:
        """The action without its argument: ``"open"``, ``"set"``, ``"fragment"``..."""
        return self.result.action.split(" ")[0]


@dataclass
class BenchResult:
    """What `run_students` measured."""

    students: int
    wall: float
    samples: list[Sample]
    errors: dict[int, BaseException] = field(default_factory=dict)
    server_cpu: CpuWindow | None = None
    client_cpu: float = 0.0

    def latencies(self, kind: str | None = None) -> list[float]:
        """Return the latencies (s), optionally of one action kind (``"set"``, ``"open"``)."""
        return [s.result.latency for s in self.samples if kind is None or s.kind == kind]

    def summary(self, kind: str | None = None) -> LatencySummary:
        """Return the latency percentiles, optionally of one action kind."""
        return LatencySummary.of(self.latencies(kind))

    def report(self) -> str:
        """Return a few lines for a terminal."""
        lines = [f"{self.students} students, {self.wall:.1f} s, {len(self.samples)} interactions"]
        for kind in sorted({s.kind for s in self.samples}):
            lines.append(f"  {kind:9s} {self.summary(kind).line()}")
        lines.append(f"  {'all':9s} {self.summary().line()}")
        if self.server_cpu is not None:
            cpu = self.server_cpu
            lines.append(
                f"  server cpu {cpu.process:.1f} s ({cpu.cores:.2f} cores), "
                f"its child processes {cpu.children:.1f} s"
            )
        lines.append(f"  client cpu {self.client_cpu:.1f} s (this process)")
        for student, error in sorted(self.errors.items()):
            lines.append(f"  student {student} failed: {type(error).__name__}: {error}")
        return "\n".join(lines)


# ----- running a class -----


async def run_students(
    url: str,
    students: int,
    scenario: Scenario,
    *,
    server_pid: int | None = None,
    ramp_up: float = 0.0,
    timeout: float = 120.0,
    quickack: bool = False,
) -> BenchResult:
    """Run `students` clients at once, each with its own session, and measure them.

    Parameters
    ----------
    url : str
        The app's address, such as ``"http://127.0.0.1:8501"``.
    students : int
        How many clients (tested up to 60).
    scenario : Scenario
        ``await scenario(client, index)`` for each, on a connected client.
    server_pid : int, optional
        The server's process id, to measure its CPU over the run.
    ramp_up : float, optional
        Seconds over which the students' starts are spread (0: all at once).
    timeout : float, optional
        Seconds any single interaction may take.
    quickack : bool, optional
        Clients acknowledge TCP segments at once (see `StreamlitClient`): the
        latencies then leave out a delayed-ACK wait of about 40 ms.

    Returns
    -------
    BenchResult
        Every interaction's latency, failures by student, and CPU times. A
        student that fails stops; the others go on.
    """
    clients = [StreamlitClient(url, timeout=timeout, quickack=quickack) for _ in range(students)]
    errors: dict[int, BaseException] = {}

    async def student(index: int) -> None:
        client = clients[index]
        try:
            if ramp_up:
                await asyncio.sleep(ramp_up * index / students)
            await client.connect()
            await scenario(client, index)
        except Exception as exc:
            errors[index] = exc
        finally:
            await client.close()

    cpu_start = cpu_snapshot(server_pid) if server_pid else None
    client_start = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(student(i) for i in range(students)))
    wall = time.perf_counter() - start
    server_cpu = None
    if server_pid and cpu_start is not None:
        server_cpu = CpuWindow.between(cpu_start, cpu_snapshot(server_pid), wall)
    samples = [Sample(i, r) for i, c in enumerate(clients) for r in c.history]
    return BenchResult(
        students, wall, samples, errors, server_cpu, time.process_time() - client_start
    )


def _think(rng: random.Random, think: float) -> float:
    # Students do not move in lockstep: a pause of `think` seconds on average.
    return rng.expovariate(1 / think) if think > 0 else 0.0


def softmax_typing(rounds: int = 10, think: float = 1.0) -> Scenario:
    """Open the softmax page, then type new logits `rounds` times, pausing `think` s on average."""

    async def scenario(client: StreamlitClient, index: int) -> None:
        rng = random.Random(index)
        await client.open_page("softmax")
        for _ in range(rounds):
            await asyncio.sleep(_think(rng, think))
            logits = ", ".join(f"{rng.uniform(-20, 20):.1f}" for _ in range(rng.randint(2, 6)))
            await client.set_widget("sm.text", logits)

    return scenario


def floats_fragment(rounds: int = 10, think: float = 1.0) -> Scenario:
    """Open the floats page, then move the fragment's n slider `rounds` times."""

    async def scenario(client: StreamlitClient, index: int) -> None:
        rng = random.Random(index)
        await client.open_page("floats")
        options = len(client.widget("fl.n").value.options)
        for _ in range(rounds):
            await asyncio.sleep(_think(rng, think))
            await client.set_widget("fl.n", rng.randrange(options))

    return scenario


SCENARIOS: dict[str, Callable[[int, float], Scenario]] = {
    "softmax": softmax_typing,
    "floats": floats_fragment,
}


# ----- command line -----


@contextlib.contextmanager
def local_server(
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    script: str | None = None,
    launcher: list[str] | None = None,
) -> Iterator[tuple[str, int]]:
    """Start ``streamlit run app.py`` on a free local port; yield its URL and pid.

    Parameters
    ----------
    env : dict, optional
        Environment variables for the server beyond this process's own.
    cwd : pathlib.Path, optional
        The app's folder (another commit's work tree, say); this one by default.
    script : str, optional
        Another script to serve instead of the app, relative to `cwd` (such as
        ``bench/trivial_page.py``), with the app's Streamlit configuration.
    launcher : list of str, optional
        A module and its arguments run with ``python -m`` in place of `ui.server`
        (`bench.element_floor`'s server without some elements), taking the same
        Streamlit options.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # A commit from before ui.server existed starts the way it did then.
    if script is not None:
        app = ["streamlit", "run", script]
    elif launcher is not None:
        app = launcher
    elif (cwd / "ui" / "server.py").exists():
        app = ["ui.server"]
    else:
        app = ["streamlit", "run", "app.py"]
    command = [sys.executable, "-m", *app, "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the streamlit server did not start") from None
                time.sleep(0.3)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", help="a running app; by default start one")
    parser.add_argument("--server-pid", type=int, help="its pid, for its CPU time")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="softmax")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause, seconds")
    parser.add_argument("--ramp-up", type=float, default=0.0, help="seconds to spread starts")
    parser.add_argument("--quickack", action="store_true", help="no delayed-ACK wait (Linux)")
    args = parser.parse_args(argv)
    scenario = SCENARIOS[args.scenario](args.rounds, args.think)

    def bench(url: str, pid: int | None) -> BenchResult:
        return asyncio.run(
            run_students(
                url,
                args.students,
                scenario,
                server_pid=pid,
                ramp_up=args.ramp_up,
                quickack=args.quickack,
            )
        )

    if args.url:
        result = bench(args.url, args.server_pid)
    else:
        with local_server() as (url, pid):
            result = bench(url, pid)
    print(result.report())
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
