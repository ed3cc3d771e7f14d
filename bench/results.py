"""bench/RESULTS.md holds one section per benchmark; each run replaces its own."""

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TITLE = "# Benchmark results"
# Sections in lesson order, whichever benchmark ran last.
ORDER = (
    "## Page rerun",
    "## Training throughput",
    "## Draw page",
    "## Drawn digits",
    "## Class polls",
    "## Classroom load",
)


def record_section(text: str, results: Path = RESULTS) -> None:
    """Put a benchmark's section into RESULTS.md, replacing its earlier run.

    Parameters
    ----------
    text : str
        The section, starting with its ``## `` heading line.
    results : pathlib.Path, optional
        The results file; the other sections in it are kept.
    """
    heading = text.splitlines()[0]
    existing = results.read_text() if results.exists() else ""
    sections = {
        part.splitlines()[0]: part.strip()
        for part in re.split(r"(?m)^(?=## )", existing)
        if part.startswith("## ")
    }
    sections[heading] = text.strip()

    def rank(title: str) -> int:
        return next((i for i, prefix in enumerate(ORDER) if title.startswith(prefix)), len(ORDER))

    ordered = sorted(sections, key=rank)
    results.write_text("\n\n".join([TITLE, *(sections[title] for title in ordered)]) + "\n")


class Log:
    """Print a benchmark's lines as they come, and keep them for its section."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        """Print `line` and keep it."""
        print(line, flush=True)
        self.lines.append(line)
