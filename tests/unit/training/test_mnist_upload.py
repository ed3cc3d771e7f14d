"""Tests of core.training.data.store_uploaded_mnist: an uploaded MNIST, checked and kept."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from core.training import data as data
from core.training.data import UPLOADS_FOLDER, load_mnist_npz, store_uploaded_mnist

N_TRAIN, N_TEST = 40, 8


def mnist_bytes(seed: int = 0, **overrides) -> bytes:
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": np.arange(N_TRAIN, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "y_test": np.arange(N_TEST, dtype=np.uint8) % 10,
    }
    arrays.update(overrides)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: v for k, v in arrays.items() if v is not None})
    return buffer.getvalue()


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_upload_is_checked_and_kept_under_its_hash(tmp_path):
    content = mnist_bytes()
    dataset, path = store_uploaded_mnist(content, tmp_path)
    digest = hashlib.sha256(content).hexdigest()
    assert path == str(tmp_path / UPLOADS_FOLDER / f"mnist-{digest[:16]}.npz")
    assert Path(path).read_bytes() == content
    assert files(tmp_path) == [Path(path)]
    assert dataset.name == "mnist" and (dataset.n_train, dataset.n_test) == (N_TRAIN, N_TEST)
    assert dataset.source == "uploaded mnist.npz"
    assert not dataset.x_train.flags.writeable
    # A worker reading the kept file gets the same images.
    again = load_mnist_npz(path)
    np.testing.assert_array_equal(again.x_train, dataset.x_train)
    np.testing.assert_array_equal(again.y_test, dataset.y_test)


def test_the_same_upload_is_kept_once_and_another_beside_it(tmp_path):
    first = store_uploaded_mnist(mnist_bytes(), tmp_path)[1]
    assert store_uploaded_mnist(mnist_bytes(), tmp_path)[1] == first
    assert files(tmp_path) == [Path(first)]
    other = store_uploaded_mnist(mnist_bytes(seed=1), tmp_path)[1]
    assert other != first
    assert files(tmp_path) == sorted([Path(first), Path(other)])


def test_a_missing_cache_folder_is_made(tmp_path):
    cache = tmp_path / "new" / "datasets"
    path = store_uploaded_mnist(mnist_bytes(), cache)[1]
    assert Path(path).parent == cache / UPLOADS_FOLDER and Path(path).is_file()


def test_the_default_folder_is_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    path = store_uploaded_mnist(mnist_bytes())[1]
    assert Path(path).parent == tmp_path / "keras" / "datasets" / UPLOADS_FOLDER
    assert Path(path).parent == data.keras_cache_dir() / UPLOADS_FOLDER


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"not a zip at all" * 10, "not an .npz file"),
        (mnist_bytes()[:200], "damaged or truncated"),
        (mnist_bytes(y_test=None), "is missing y_test"),
        (mnist_bytes(x_train=np.zeros((N_TRAIN, 28, 28), np.float32)), "float32"),
        (mnist_bytes(y_train=np.full(N_TRAIN, 10, np.uint8)), "digits 0-9"),
    ],
    ids=["empty", "random", "truncated", "missing", "float-images", "label-10"],
)
def test_a_bad_upload_raises_and_writes_nothing(tmp_path, content, message):
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match=message) as error:
        store_uploaded_mnist(content, cache)
    assert str(error.value)
    assert not cache.exists()
    assert files(tmp_path) == []
