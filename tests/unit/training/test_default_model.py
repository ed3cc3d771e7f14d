"""scripts/train_default_model.py: reproducible, and what it shipped is what README says."""

import re
import subprocess
import sys
from pathlib import Path

from core.training import data
from core.training.models import evaluate, weights_from_npz

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "train_default_model.py"
MODEL = ROOT / "assets" / "default-model.npz"


def test_two_runs_write_byte_identical_weights(tmp_path):
    # A short run (2 of the 60 epochs, augmented copies included), in two fresh
    # processes: the seed fixes the initial weights, the batch order and every
    # random change to the digits.
    outputs = [tmp_path / "first.npz", tmp_path / "second.npz"]
    for output in outputs:
        subprocess.run(
            [sys.executable, str(SCRIPT), "--epochs", "2", "--output", str(output)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    first, second = (path.read_bytes() for path in outputs)
    assert first == second
    assert weights_from_npz(first).test_accuracy > 0.8  # two epochs already learn


def test_the_shipped_model_and_the_readme_agree():
    model = weights_from_npz(MODEL.read_bytes())
    dataset = data.load_uci_digits()
    accuracy = evaluate(model, dataset.x_test, dataset.y_test).accuracy
    assert model.test_accuracy == round(accuracy, 4)
    readme = (ROOT / "README.md").read_text()
    stated = re.search(r"default model .*? test accuracy is ([\d.]+)%", readme, re.DOTALL)
    assert stated and float(stated.group(1)) == round(100 * accuracy, 1)
