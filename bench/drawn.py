"""Drawn-digit benchmark: how the draw page's default model reads digits people draw.

`scripts/lab bench` runs it after the draw page's (or `.venv/bin/python -m bench.drawn`).
Each drawing of `tests/drawn_digits.py` goes the page's way: the 280×280 canvas ink,
the UCI preprocessing, the model's NumPy logits and the stable softmax. Two sets:

- the 40 drawings the unit tests use: digits 0-9 in four styles (plain, serif such as
  a flagged 1 and a barred 7, slanted by 17 degrees, small with the thinnest pen);
- 900 varied drawings: both shapes in five slants, three pens and three sizes.

The shipped model is compared with the model before issue 10 (trained on the data
set alone), read from git at `BASELINE`. Results are printed and written to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import record_section  # noqa: E402
from core.training import data  # noqa: E402
from core.training.models import TrainedModel, evaluate, weights_from_npz  # noqa: E402
from tests.drawn_digits import STYLES, Reading, read_drawings, varied_drawings  # noqa: E402

MODEL = "assets/default-model.npz"
BASELINE = "0c226b4"
"""The last commit whose default model was trained without augmentation."""


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, cwd=ROOT)


def baseline_model() -> TrainedModel | None:
    """Return the default model as it was at `BASELINE`, or None outside a git checkout."""
    shown = git("show", f"{BASELINE}:{MODEL}")
    return weights_from_npz(shown.stdout) if shown.returncode == 0 else None


def row(label: str, model: TrainedModel, varied: tuple) -> tuple[str, list[Reading]]:
    readings = read_drawings(model)
    right = Counter(r.style for r in readings if r.right)
    varied_right = sum(r.right for r in read_drawings(model, varied))
    dataset = data.load_uci_digits()
    accuracy = evaluate(model, dataset.x_test, dataset.y_test).accuracy
    cells = [f"{right[style]}/10" for style in STYLES]
    line = (
        f"| {label} | {accuracy:.1%} | {' | '.join(cells)} | {sum(right.values())}/40 | "
        f"{varied_right / len(varied):.1%} |"
    )
    return line, readings


def misreads(readings: list[Reading]) -> str:
    wrong = [
        f"{r.style} {r.digit} as {r.predicted} ({r.probability:.0%})"
        for r in readings
        if not r.right
    ]
    return ", ".join(wrong) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    start = time.perf_counter()
    varied = varied_drawings()
    models = [("now", weights_from_npz((ROOT / MODEL).read_bytes()))]
    before = baseline_model()
    if before is not None:
        models.insert(0, (f"before issue 10 ({BASELINE})", before))
    rows, notes = [], []
    for label, model in models:
        line, readings = row(label, model, varied)
        rows.append(line)
        notes.append(f"- {label}, misread: {misreads(readings)}.")
        print(line, flush=True)
    commit = git("rev-parse", "--short", "HEAD").stdout.decode().strip()
    text = "\n".join(
        [
            "## Drawn digits (issue 10)",
            "",
            f"Commit {commit or 'unknown'}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{time.perf_counter() - start:.0f} s. Command: `scripts/lab bench` "
            "(`python -m bench.drawn`).",
            "The default model (`assets/default-model.npz`) on digits drawn as pen strokes "
            "(`tests/drawn_digits.py`) and read the draw page's way (280×280 canvas, UCI "
            "preprocessing, NumPy inference). Test: accuracy on the data set's test split "
            "(359 images). Styles: 10 digits each; plain and serif (a flagged 1, a barred 7, "
            "an open 4, ...) upright with the page's 22-pixel pen, the plain shapes slanted by "
            "17 degrees, and small (70 px) with the thinnest pen (8 px). Varied: "
            f"{len(varied)} drawings, both shapes slanted -9 to 24 degrees, pens 12-34 px, "
            "three sizes.",
            "",
            f"| model | test | {' | '.join(STYLES)} | drawn | varied |",
            "|---|---|" + "---|" * len(STYLES) + "---|---|",
            *rows,
            "",
            *notes,
            "",
        ]
    )
    print(text)
    if not args.no_write:
        record_section(text)


if __name__ == "__main__":
    main()
