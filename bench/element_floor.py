"""How low the classroom's server CPU can go on Streamlit's rerun model (issue 11's bar).

Issue 11 asks for server CPU per interaction at most a third of the commit before
its work (`bench.class_load.BEFORE`), with 30 students. This benchmark measures
what is left when the pages draw less: the app served with whole kinds of
Streamlit elements made to draw nothing (`DROPPED`), while every widget, every
computation and Streamlit's rerun machinery stay. What it reads for the
widgets-only server is a floor for any change to what the pages draw: they cannot
draw less than nothing.

Run ``python -m bench.element_floor`` (a few minutes). Served side by side:

- the commit before (a temporary work tree);
- this commit;
- this commit without text (markdown, captions, headers, metrics, alerts, tables,
  LaTeX, HTML);
- this commit without text and charts (Plotly figures, images);
- this commit with widgets only (also no columns, containers, expanders or tabs:
  the widgets land in the page's main block).

30 students per window, in rounds (`bench.class_load.measure_in_rounds`): every
round measures each server once, on the same students' choices (a seed per round),
the order rotating from round to round, and each window is judged against the same
round's window on the commit before.
Results go to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.class_load import (  # noqa: E402
    BEFORE,
    HEADER,
    PAIRS,
    LoadResult,
    _commit,
    app_at,
    measure_in_rounds,
    warm_up,
)
from bench.results import Log, record_section  # noqa: E402
from bench.students import local_server  # noqa: E402

DROPPED = {
    "text": (
        "caption",
        "code",
        "dataframe",
        "divider",
        "error",
        "exception",
        "header",
        "html",
        "info",
        "json",
        "latex",
        "markdown",
        "metric",
        "subheader",
        "success",
        "table",
        "text",
        "title",
        "warning",
        "write",
    ),
    "charts": ("image", "plotly_chart"),
    "layout": ("columns", "container", "expander", "popover", "tabs"),
}
"""Streamlit's element commands by kind, as `drop_elements` silences them."""

SERVERS = {
    "this commit": (),
    "without text": ("text",),
    "without text and charts": ("text", "charts"),
    "widgets only": ("text", "charts", "layout"),
}
"""This commit's servers measured, by the kinds of `DROPPED` each draws nothing of."""


def _draws_nothing(dg, *args, **kwargs):
    return dg


def _same_block(dg, spec, *args, **kwargs):
    return [dg] * (spec if isinstance(spec, int) else len(spec))


def drop_elements(kinds: Iterable[str]) -> None:
    """Make Streamlit's commands of `kinds` draw nothing, in this process.

    A text or chart command returns the block it was called on, as its own element
    would have been returned for later updates. A layout command returns the block
    it was called on in place of each new block, so that what the page puts in a
    column or a container lands in the enclosing block instead.

    Parameters
    ----------
    kinds : iterable of str
        Keys of `DROPPED`; their commands are silenced both as ``DeltaGenerator``
        methods and as ``st.*``.
    """
    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    for name in (name for kind in kinds for name in DROPPED[kind]):
        setattr(
            DeltaGenerator, name, _same_block if name in ("columns", "tabs") else _draws_nothing
        )
        # st.markdown and the rest are bound to the main block when streamlit is imported.
        setattr(st, name, getattr(st._main, name))


def _serve(argv: list[str]) -> None:
    """Run `ui.server` after `drop_elements` of the comma-separated kinds in ``argv[0]``."""
    from ui import server

    drop_elements(kind for kind in argv[0].split(",") if kind)
    server.main(argv[1:])


def launcher_for(kinds: Iterable[str]) -> list[str]:
    """Return the ``python -m`` arguments that serve the app without `kinds`."""
    return ["bench.element_floor", "serve", ",".join(kinds)]


def ratios_to_before(found: dict[tuple[str, int], LoadResult], label: str) -> list[float]:
    """Return, per round, the CPU per interaction of `label` over that of ``"before"``."""
    rounds = sorted({turn for _, turn in found})
    return [
        found[label, turn].cpu_ms_per_interaction / found["before", turn].cpu_ms_per_interaction
        for turn in rounds
    ]


def verdict(found: dict[tuple[str, int], LoadResult]) -> list[str]:
    """Return the summary lines: each server's ratios to the commit before, and the floor."""
    lines = []
    for label in SERVERS:
        ratios = ratios_to_before(found, label)
        cpu = [found[label, turn].cpu_ms_per_interaction for turn in range(len(ratios))]
        lines.append(
            f"- {label}: {', '.join(f'{c:.1f}' for c in cpu)} ms per interaction, "
            f"{', '.join(f'{r:.2f}' for r in ratios)} of the commit before "
            f"(median {statistics.median(ratios):.2f}x; bar 0.33x)"
        )
    floor = statistics.median(ratios_to_before(found, "widgets only"))
    lines.append("")
    lines.append(
        f"Widgets only, the floor of any change to what the pages draw, reads a median "
        f"{floor:.2f}x of the commit before: "
        + (
            "drawing less could meet the bar of 0.33x."
            if floor <= 1 / 3
            else "drawing less cannot meet the bar of 0.33x."
        )
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        _serve(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--rounds", type=int, default=PAIRS, help="windows per server")
    parser.add_argument("--before", default=BEFORE, help="commit measured as the baseline")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    log = Log()
    env = {"SOFTMAX_LAB_SESSION_GRACE": "5"}
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(app_at(args.before))
        servers = {"before": stack.enter_context(local_server(env, cwd=folder))}
        for label, kinds in SERVERS.items():
            launcher = launcher_for(kinds) if kinds else None
            servers[label] = stack.enter_context(local_server(env, launcher=launcher))
        for url, _ in servers.values():
            asyncio.run(warm_up(url))
        log(HEADER)
        found = measure_in_rounds(servers, args.seconds, log, args.rounds)
    log("")
    for line in verdict(found):
        log(line)
    if not args.no_record:
        record_section(
            "\n".join(
                [
                    "## Classroom load: the floor of the CPU bar (issue 11)",
                    "",
                    f"`python -m bench.element_floor` on {platform.node()} "
                    f"({os.cpu_count()} cores), {time.strftime('%Y-%m-%d')}, commit {_commit()}, "
                    f"30 students, {args.seconds:.0f} s windows, {args.rounds} rounds; the "
                    f"commit before is {args.before}.",
                    "",
                    *log.lines,
                ]
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
