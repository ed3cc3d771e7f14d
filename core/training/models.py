"""Trained models: what the train page keeps, saves, loads and evaluates.

A model is its architecture, its weights as plain arrays, and how its inputs were
prepared. It saves to an ``.npz`` of float arrays plus a JSON description in a
string array: no pickles, so loading a file cannot run code.
"""

from __future__ import annotations

import functools
import io
import json
import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from core.softmax.functions import softmax_stable
from core.training import network as nets
from core.training.data import npz_array_headers

MAX_WEIGHTS_BYTES = 5 * 1024 * 1024
"""Largest weights file accepted (the course's network on MNIST is about 80 KB)."""


@dataclass(frozen=True)
class TrainedModel:
    """A network ready for inference, and where it came from.

    Attributes
    ----------
    name : str
        Display name, unique in a session.
    variant : str
        ``"A"`` to ``"D"``, or ``"uploaded"``.
    spec : NetworkSpec
        Architecture.
    weights : list of (W, b)
        float32 weights.
    dataset : str
        ``"uci-digits"`` or ``"mnist"``: decides how drawings are preprocessed.
    scale : str
        ``"max"`` or ``"raw"`` input scaling used in training.
    pixel_max : int
        Largest pixel value of the data set (16 or 255).
    test_accuracy : float or None
        Accuracy on the data set's test split, if known.
    """

    name: str
    variant: str
    spec: nets.NetworkSpec
    weights: nets.Weights
    dataset: str
    scale: str
    pixel_max: int
    test_accuracy: float | None = None

    def prepare(self, images: NDArray) -> NDArray[np.float32]:
        """Flatten images of the data set's format and scale them as in training."""
        x = np.asarray(images, np.float32).reshape(len(images), -1)
        return x / self.pixel_max if self.scale == "max" else x

    def logits(self, images: NDArray) -> NDArray[np.float32]:
        """Logits for a batch of images (NumPy inference, no TensorFlow)."""
        return nets.logits(self.weights, self.prepare(images), self.spec.activation)


def weights_to_npz(model: TrainedModel) -> bytes:
    """Serialise a model to ``.npz`` bytes: arrays plus a JSON description.

    Parameters
    ----------
    model : TrainedModel
        The model.

    Returns
    -------
    bytes
        The file's content; `weights_from_npz` reads it back.
    """
    meta = {
        "format": "softmax-lab-weights-1",
        "name": model.name,
        "variant": model.variant,
        "inputs": model.spec.inputs,
        "hidden": list(model.spec.hidden),
        "activation": model.spec.activation,
        "outputs": model.spec.outputs,
        "dataset": model.dataset,
        "scale": model.scale,
        "pixel_max": model.pixel_max,
        "test_accuracy": model.test_accuracy,
    }
    arrays = {}
    for i, (w, b) in enumerate(model.weights):
        arrays[f"kernel_{i}"] = np.asarray(w, np.float32)
        arrays[f"bias_{i}"] = np.asarray(b, np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    return buffer.getvalue()


def _meta_from(archive: zipfile.ZipFile) -> dict:
    with archive.open("meta.npy") as member:
        value = np.load(member, allow_pickle=False)
    if value.dtype.kind != "U" or value.shape != ():
        raise ValueError("its description (meta) is not a text value")
    try:
        meta = json.loads(str(value))
    except (json.JSONDecodeError, RecursionError):
        raise ValueError("its description (meta) is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != "softmax-lab-weights-1":
        raise ValueError("it was not saved by Softmax Lab (no softmax-lab-weights-1 description)")
    return meta


def weights_from_npz(data: bytes, max_bytes: int = MAX_WEIGHTS_BYTES) -> TrainedModel:
    """Read and validate a weights file saved by `weights_to_npz`.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    max_bytes : int, optional
        Size limit, packed and unpacked.

    Returns
    -------
    TrainedModel
        The model.

    Raises
    ------
    ValueError
        With a plain sentence: too large, not an ``.npz``, pickled content, a
        missing or unreadable description, unknown data set, or weights whose
        shapes do not match the described network.
    """
    if len(data) > max_bytes:
        raise ValueError(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}")
    if not data.startswith(b"PK"):
        raise ValueError("it is not an .npz file (Softmax Lab saves weights as .npz)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            headers = npz_array_headers(archive, max_bytes, "a weights file is under 1 MB")
            if "meta" not in headers:
                raise ValueError("it has no description (meta): was it saved by Softmax Lab?")
            meta = _meta_from(archive)
            try:
                spec = nets.NetworkSpec(
                    int(meta["inputs"]),
                    tuple(int(n) for n in meta["hidden"]),
                    str(meta["activation"]),
                    int(meta["outputs"]),
                )
            except KeyError as error:
                raise ValueError(f"its description lacks {error}") from None
            except (TypeError, OverflowError) as error:
                raise ValueError(f"its description has unusable layer sizes ({error})") from None
            layers = len(spec.shapes())
            expected = {"meta"} | {f"{k}_{i}" for i in range(layers) for k in ("kernel", "bias")}
            if set(headers) != expected:
                raise ValueError(
                    f"it should hold {sorted(expected)} for a {layers}-layer network; "
                    f"it holds {sorted(headers)[:12]}"
                )
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                weights = [(arrays[f"kernel_{i}"], arrays[f"bias_{i}"]) for i in range(layers)]
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, tokenize.TokenError):
        raise ValueError("it is not a readable .npz file (damaged or truncated)") from None
    except (NotImplementedError, RuntimeError) as error:
        # Unsupported compression or an encrypted member.
        raise ValueError(f"it is not a readable .npz file ({error})") from None
    nets.check_weights(weights, spec)
    dataset = meta.get("dataset")
    if dataset not in ("uci-digits", "mnist"):
        raise ValueError(f"its data set {dataset!r} is not uci-digits or mnist")
    scale = meta.get("scale")
    if scale not in ("max", "raw"):
        raise ValueError(f"its input scaling {scale!r} is not max or raw")
    pixel_max = 16 if dataset == "uci-digits" else 255
    accuracy = meta.get("test_accuracy")
    return TrainedModel(
        name=str(meta.get("name", "uploaded"))[:60],
        variant="uploaded",
        spec=spec,
        weights=[(w.astype(np.float32), b.astype(np.float32)) for w, b in weights],
        dataset=dataset,
        scale=scale,
        pixel_max=pixel_max,
        test_accuracy=float(accuracy) if isinstance(accuracy, int | float) else None,
    )


@dataclass(frozen=True)
class Evaluation:
    """A model's results on a test set.

    Attributes
    ----------
    probabilities : numpy.ndarray
        Stable-softmax probabilities, ``(n, 10)``.
    predictions : numpy.ndarray
        Most probable class per image.
    accuracy : float
        Fraction correct.
    confusion : numpy.ndarray
        ``confusion[true, predicted]`` counts, ``(10, 10)``.
    misclassified : numpy.ndarray
        Indices of wrong predictions, most confident first.
    """

    probabilities: NDArray[np.float32]
    predictions: NDArray[np.int64]
    accuracy: float
    confusion: NDArray[np.int64]
    misclassified: NDArray[np.int64]


def evaluate(model: TrainedModel, images: NDArray, labels: NDArray) -> Evaluation:
    """Run a model on a test set and summarise its mistakes.

    Parameters
    ----------
    model : TrainedModel
        The model.
    images : numpy.ndarray
        Test images in the data set's format.
    labels : numpy.ndarray
        True classes.

    Returns
    -------
    Evaluation
        Probabilities, predictions, accuracy, confusion matrix, misclassified.
    """
    probabilities = softmax_stable(model.logits(images), axis=1)
    predictions = np.argmax(probabilities, axis=1)
    k = model.spec.outputs
    confusion = np.bincount(labels * k + predictions, minlength=k * k).reshape(k, k)
    wrong = np.flatnonzero(predictions != labels)
    confidence = probabilities[wrong, predictions[wrong]]
    return Evaluation(
        probabilities=probabilities,
        predictions=predictions,
        accuracy=float(np.mean(predictions == labels)) if len(labels) else float("nan"),
        confusion=confusion,
        misclassified=wrong[np.argsort(-confidence, kind="stable")],
    )


DEFAULT_MODEL_FILE = Path(__file__).resolve().parents[2] / "assets" / "default-model.npz"
"""The course network trained on the embedded digits, which ships with the app."""


@functools.cache
def default_model() -> TrainedModel:
    """Return the model in `DEFAULT_MODEL_FILE` (read once per process).

    Returns
    -------
    TrainedModel
        The draw page's default model.
    """
    return weights_from_npz(DEFAULT_MODEL_FILE.read_bytes())
