"""bench/RESULTS.md holds one section per benchmark; each run replaces its own."""

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def record_section(text: str, results: Path = RESULTS) -> None:
    """Put a benchmark's section into RESULTS.md, replacing its earlier run.

    Parameters
    ----------
    text : str
        The section, starting with its ``## `` heading line.
    results : pathlib.Path, optional
        The results file; the other sections in it keep their place.
    """
    heading = text.splitlines()[0]
    existing = results.read_text() if results.exists() else ""
    sections = [part.strip() for part in re.split(r"(?m)^(?=## )", existing) if part.strip()]
    for index, section in enumerate(sections):
        if section.splitlines()[0] == heading:
            sections[index] = text.strip()
            break
    else:
        sections.append(text.strip())
    results.write_text("\n\n".join(sections) + "\n")
