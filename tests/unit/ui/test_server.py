"""The server's start: the app's modules imported, then frozen out of the collector's sight."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json, weakref
from ui.server import freeze_imported_objects, import_app_modules
import_app_modules()
frozen = freeze_imported_objects()
tracked = len(gc.get_objects())

class Node:
    pass

cycle = Node()
cycle.self = cycle
gone = weakref.ref(cycle)
del cycle
gc.collect()
print(json.dumps({"frozen": frozen, "tracked": tracked, "cycle_collected": gone() is None}))
"""


def probe() -> dict:
    # Its own interpreter: freezing is for a whole process, not for the test runner's.
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_full_collection_no_longer_walks_what_the_imports_made():
    found = probe()
    # NumPy, Plotly, mpmath and the app: well over 100,000 objects, now left alone.
    assert found["frozen"] > 100_000
    assert found["tracked"] < found["frozen"] / 10


def test_garbage_made_after_the_freeze_is_still_collected():
    assert probe()["cycle_collected"]
