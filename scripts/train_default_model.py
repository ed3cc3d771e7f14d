"""Train the draw page's default model: `.venv/bin/python scripts/train_default_model.py`.

The course's 64-25-15-10 ReLU network, trained with the NumPy engine (variant D,
stable softmax) on the embedded UCI digits with a fixed seed, and saved to
assets/default-model.npz as plain arrays. Running it again gives the same file.
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.training import data as data  # noqa: E402
from core.training import network as nets  # noqa: E402
from core.training.models import TrainedModel, evaluate, weights_to_npz  # noqa: E402

SEED = 0
EPOCHS = 60
BATCH = 32
LEARNING_RATE = 1e-2
TARGET = ROOT / "assets" / "default-model.npz"


def train() -> TrainedModel:
    """Train the default model and return it with its test accuracy."""
    dataset = data.load_uci_digits()
    x = data.flatten_images(dataset.x_train, "max", dataset.pixel_max)
    y = dataset.y_train.astype(np.int64)
    spec = nets.NetworkSpec(x.shape[1])
    net = nets.Network(spec, nets.init_weights(spec, SEED))
    optimizer = nets.Adam(LEARNING_RATE)
    rng = np.random.default_rng(SEED)
    for _ in range(EPOCHS):
        order = rng.permutation(len(y))
        for first in range(0, len(y) - BATCH + 1, BATCH):
            batch = order[first : first + BATCH]
            net.loss_and_gradients(x[batch], y[batch])
            optimizer.apply(net.params, net.grads)
    model = TrainedModel(
        "Default: the course network on the embedded digits",
        "D",
        spec,
        net.weights(),
        "uci-digits",
        "max",
        dataset.pixel_max,
    )
    accuracy = evaluate(model, dataset.x_test, dataset.y_test).accuracy
    return TrainedModel(**{**model.__dict__, "test_accuracy": round(accuracy, 4)})


if __name__ == "__main__":
    model = train()
    TARGET.write_bytes(weights_to_npz(model))
    print(f"test accuracy {model.test_accuracy:.2%}; wrote {TARGET.relative_to(ROOT)}")
