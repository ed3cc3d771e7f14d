"""Train the draw page's default model: `.venv/bin/python scripts/train_default_model.py`.

The course's 64-25-15-10 ReLU network, trained with the NumPy engine (variant D,
stable softmax) on the embedded UCI digits with a fixed seed, and saved to
assets/default-model.npz as plain arrays. Running it again on the same machine
gives the same file (other OpenBLAS kernels round the matrix products differently).

Each epoch shows the network every training image once as it is and `COPIES`
times changed at random (`core.training.augment`: turned, slanted, stretched,
shifted, with thicker or thinner strokes), so that it reads digits drawn on the
page, slanted or flagged, and not only the data set's own handwriting (issue
10). The changes come from the same seeded generator as the batch order, so
they are the same on every run. The learning rate falls tenfold over the
epochs: with fresh random copies every epoch, a constant rate leaves the final
weights wherever the last noisy steps put them. `--epochs` and `--output` make a
short run for the tests.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.training import augment as aug  # noqa: E402
from core.training import data as data  # noqa: E402
from core.training import network as nets  # noqa: E402
from core.training.models import TrainedModel, evaluate, weights_to_npz  # noqa: E402

SEED = 0
EPOCHS = 60
COPIES = 3
BATCH = 32
LEARNING_RATE = 1e-2
FINAL_RATE = 0.1
"""The last epoch's learning rate, as a share of the first's (a geometric fall)."""
AUGMENTATION = aug.Augmentation()
TARGET = ROOT / "assets" / "default-model.npz"


def train(epochs: int = EPOCHS, copies: int = COPIES) -> TrainedModel:
    """Train the default model and return it with its test accuracy."""
    dataset = data.load_uci_digits()
    images = dataset.x_train
    labels = dataset.y_train.astype(np.int64)
    spec = nets.NetworkSpec(images.shape[1] * images.shape[2])
    net = nets.Network(spec, nets.init_weights(spec, SEED))
    optimizer = nets.Adam(LEARNING_RATE)
    rng = np.random.default_rng(SEED)
    # The reconstruction is the same every epoch: done once.
    bitmaps = aug.bitmaps_from_blocks(images)
    y = np.tile(labels, copies + 1)
    for epoch in range(epochs):
        optimizer.learning_rate = LEARNING_RATE * FINAL_RATE ** (epoch / max(epochs - 1, 1))
        changed = [
            aug.blocks_from_bitmaps(aug.augment_bitmaps(bitmaps, rng, AUGMENTATION)[0])
            for _ in range(copies)
        ]
        x = data.flatten_images(np.concatenate([images, *changed]), "max", dataset.pixel_max)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="a short run for the tests")
    parser.add_argument("--output", type=Path, default=TARGET, help="where to write the weights")
    args = parser.parse_args()
    model = train(args.epochs)
    args.output.write_bytes(weights_to_npz(model))
    print(f"test accuracy {model.test_accuracy:.2%}; wrote {args.output}")


if __name__ == "__main__":
    main()
