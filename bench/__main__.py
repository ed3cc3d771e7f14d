"""Page rerun benchmarks: `scripts/lab bench` (or `.venv/bin/python -m bench`).

Each scenario moves one control repeatedly and times, on every rerun:
- page: the server-side run of the page (``StreamlitPage.run`` inside app.py:
  the page script with Streamlit's widget and element work);
- rerun: the whole AppTest rerun (app.py, the page, and AppTest turning the
  result into its element tree: an upper bound that includes test-client work),
next to a trivial page measured the same way in the same run, so noisy machines
compare by ratio.
Results are printed and written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit.testing.v1.app_test as app_test
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import record_section  # noqa: E402

TARGET_MS = 30.0


@dataclass
class Scenario:
    """One page, opened with a URL, and how to move one of its controls."""

    name: str
    page: str
    query: dict[str, str]
    move: Callable[[AppTest, int], None] | None


def slider(key: str, values: list[float]) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.slider(key=key).set_value(values[i % len(values)]).run()


def number(key: str, values: list[float]) -> Callable[[AppTest, int], None]:
    return lambda at, i: at.number_input(key=key).set_value(values[i % len(values)]).run()


SCENARIOS = [
    Scenario("trivial page (baseline)", "bench/trivial_page.py", {}, slider("x", [1.0, 2.0, 3.0])),
    Scenario(
        "softmax, 3 logits",
        "pages/softmax.py",
        {"z": "2,1,0.1"},
        slider("sm.z0", [2.0, 5.0, 8.0]),
    ),
    Scenario(
        "softmax, 10 logits, overflowing",
        "pages/softmax.py",
        {"z": "1000,999,998,997,996,995,994,993,992,991"},
        slider("sm.z0", [1000.0, 900.0, 800.0]),
    ),
    Scenario(
        "softmax, binary mode",
        "pages/softmax.py",
        {"mode": "binary", "z": "3"},
        number("sm.bz", [3.0, 20.0, 40.0]),
    ),
]
SCENARIOS += [
    Scenario(
        "floats, moving n",
        "pages/floats.py",
        {},
        lambda at, i: at.select_slider(key="fl.n").set_value([10.0, 1e4, 1e8][i % 3]).run(),
    ),
    Scenario(
        "floats, typing a value",
        "pages/floats.py",
        {},
        lambda at, i: at.text_input(key="fl.x").input(["0.1", "65504", "1e-40"][i % 3]).run(),
    ),
]


def serve_like_a_running_server() -> None:
    """Start every AppTest run in the state a running server reaches after its first run.

    AppTest makes two things new on every run that a server keeps for its lifetime:
    - its script cache, so every rerun would compile the page again (with
      Streamlit's magic pass, about 25 ms for the softmax page); a server compiles
      each page once;
    - Streamlit's legacy ``pages/`` flag, so every rerun would first run the page
      alone and then, through ``ui.layout.require_navigation``, once more through
      app.py; a server clears the flag once.
    Measuring either would be measuring AppTest.
    """
    shared_cache = ScriptCache()
    app_test.ScriptCache = lambda: shared_cache
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


PAGE_TIMES: list[float] = []


def time_page_runs() -> None:
    """Record the duration of every page run (the server-side work of a rerun)."""
    original = StreamlitPage.run

    def run(self):
        start = time.perf_counter()
        try:
            return original(self)
        finally:
            PAGE_TIMES.append((time.perf_counter() - start) * 1e3)

    StreamlitPage.run = run


def measure_rerun(scenario: Scenario, reruns: int) -> tuple[list[float], list[float]]:
    if scenario.page.startswith("bench/"):
        at = AppTest.from_file(str(ROOT / scenario.page), default_timeout=60)
        at.run()
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        for key, value in scenario.query.items():
            at.query_params[key] = value
        at.run()
        at.switch_page(scenario.page)
        at.run()
    times = []
    PAGE_TIMES.clear()
    for i in range(reruns):
        start = time.perf_counter()
        if scenario.move:
            scenario.move(at, i)
        else:
            at.run()
        times.append((time.perf_counter() - start) * 1e3)
    assert not at.exception, at.exception
    return list(PAGE_TIMES), times


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reruns", type=int, default=40)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    serve_like_a_running_server()
    time_page_runs()
    rows = []
    baseline = None
    for scenario in SCENARIOS:
        page, rerun = measure_rerun(scenario, args.reruns)
        median = statistics.median(page)
        baseline = baseline or median
        rows.append(
            f"| {scenario.name} | {median:.1f} | {statistics.quantiles(page, n=10)[-1]:.1f} | "
            f"{median / baseline:.1f}x | {statistics.median(rerun):.1f} | "
            f"{'yes' if median < TARGET_MS else 'NO'} |"
        )
        print(rows[-1], flush=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    report = "\n".join(
        [
            "## Page rerun time (server side), moving one control",
            "",
            f"Machine: {machine()}. Commit {commit or 'unknown'}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            f"Command: `scripts/lab bench` ({args.reruns} reruns per scenario).",
            "",
            "page: server-side run of the page inside app.py (`StreamlitPage.run`: the page "
            "script with Streamlit's widget and element work), compared with a trivial page in "
            "the same run. rerun: the whole AppTest rerun, AppTest's own client-side work "
            f"included (an upper bound). Target: page median under {TARGET_MS:.0f} ms.",
            "",
            "| scenario | page median ms | page p90 ms | vs trivial page | "
            "AppTest rerun median ms | under target |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    if not args.no_write:
        record_section(report)
    print(report)


if __name__ == "__main__":
    main()
