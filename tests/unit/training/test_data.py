"""Data layer: MNIST files (valid and broken), finding MNIST, UCI digits, helpers.

Never touches the internet: downloads are served by a local http.server on
127.0.0.1, and unreachable addresses are closed loopback ports.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.training import data as data
from core.training.data import (
    MNIST_ENV,
    MNIST_HELP,
    MNIST_SHA256,
    Dataset,
    find_mnist,
    flatten_images,
    load_mnist_npz,
    load_uci_digits,
    subset,
)

N_TRAIN, N_TEST = 50, 10


def mnist_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": np.arange(N_TRAIN, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "y_test": np.arange(N_TEST, dtype=np.uint8) % 10,
    }


def write_npz(path: Path, compressed: bool = True, **overrides) -> Path:
    arrays = mnist_arrays()
    arrays.update(overrides)
    arrays = {key: value for key, value in arrays.items() if value is not None}
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_npz(tmp_path / "good.npz")


# --- load_mnist_npz: valid files ---------------------------------------------------


def test_valid_file_loads_with_shapes_dtypes_and_read_only_arrays(good: Path):
    ds = load_mnist_npz(good)
    assert ds.name == "mnist" and ds.pixel_max == 255
    assert ds.x_train.shape == (N_TRAIN, 28, 28) and ds.x_test.shape == (N_TEST, 28, 28)
    assert ds.x_train.dtype == np.uint8
    assert ds.y_train.dtype == np.int64 and ds.y_train.shape == (N_TRAIN,)
    assert ds.image_shape == (28, 28) and ds.n_pixels == 784
    assert (ds.n_train, ds.n_test) == (N_TRAIN, N_TEST)
    np.testing.assert_array_equal(ds.x_train, mnist_arrays()["x_train"])
    for array in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        ds.x_train[0, 0, 0] = 1


def test_bytes_and_file_like_sources_and_expected_hash(good: Path):
    raw = good.read_bytes()
    from_bytes = load_mnist_npz(raw, expected_sha256=sha256(good))
    assert from_bytes.source == "uploaded file"
    upload = io.BytesIO(raw)
    upload.name = "my-mnist.npz"
    assert load_mnist_npz(upload).source == "my-mnist.npz"
    assert load_mnist_npz(raw, label="upload").source == "upload"
    # Uncompressed savez is accepted too, and an upper-case hash is fine.
    plain = write_npz(good.with_name("plain.npz"), compressed=False)
    assert load_mnist_npz(plain, sha256(plain).upper()).n_train == N_TRAIN


def test_describe_names_sizes_format_and_source(good: Path):
    text = load_mnist_npz(good, label="~/.keras/datasets/mnist.npz").describe()
    assert text == (
        "MNIST: 50 training + 10 test images, 28×28, values 0-255, from ~/.keras/datasets/mnist.npz"
    )


def test_display_path_shortens_home():
    assert data.display_path(Path.home() / ".keras" / "x.npz") == "~/.keras/x.npz"
    assert data.display_path("/srv/mnist.npz") == "/srv/mnist.npz"


# --- load_mnist_npz: broken files ---------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"y_test": None}, r"is missing y_test"),
        ({"labels": np.zeros(3, np.uint8)}, r"has extra 'labels'"),
        ({"x_train": np.zeros((N_TRAIN, 28, 27), np.uint8)}, r"x_train has shape \(50, 28, 27\)"),
        ({"x_test": np.zeros((N_TEST, 784), np.uint8)}, r"x_test has shape \(10, 784\)"),
        ({"x_train": np.zeros((N_TRAIN, 28, 28), np.float32)}, r"x_train holds float32 values"),
        ({"y_train": np.zeros(N_TRAIN, np.float64)}, r"y_train holds float64 values"),
        ({"y_train": np.zeros((N_TRAIN, 1), np.uint8)}, r"y_train has shape \(50, 1\)"),
        ({"y_test": np.zeros(N_TEST + 1, np.uint8)}, r"x_test has 10 images but y_test has 11"),
        (
            {"x_test": np.zeros((0, 28, 28), np.uint8), "y_test": np.zeros(0, np.uint8)},
            r"x_test holds no images",
        ),
        ({"y_train": np.full(N_TRAIN, 12, np.uint8)}, r"y_train has labels from 12 to 12 .* 0-9"),
        ({"y_test": np.arange(N_TEST, dtype=np.int64) - 1}, r"y_test has labels from -1 to 8"),
    ],
    ids=[
        "missing-key",
        "extra-key",
        "image-shape",
        "flat-images",
        "image-dtype",
        "label-dtype",
        "label-2d",
        "count-mismatch",
        "empty-split",
        "label-too-big",
        "label-negative",
    ],
)
def test_broken_content_is_refused_with_a_clear_message(tmp_path, overrides, message):
    path = write_npz(tmp_path / "bad.npz", **overrides)
    with pytest.raises(ValueError, match=message):
        load_mnist_npz(path)


def test_wrong_keys_message_names_both_missing_and_extra(tmp_path):
    path = tmp_path / "renamed.npz"
    arrays = mnist_arrays()
    np.savez(path, train_images=arrays["x_train"], **{k: arrays[k] for k in MNIST_KEYS_BUT_X})
    with pytest.raises(ValueError, match=r"missing x_train and has extra 'train_images'"):
        load_mnist_npz(path)


MNIST_KEYS_BUT_X = ("y_train", "x_test", "y_test")


def test_pickled_object_array_is_refused_without_unpickling(tmp_path, monkeypatch):
    images = np.empty(N_TRAIN, dtype=object)
    images[:] = [np.zeros((28, 28), np.uint8)] * N_TRAIN
    path = write_npz(tmp_path / "pickle.npz", x_train=images)

    def no_unpickling(*args, **kwargs):
        raise AssertionError("pickle.load was called")

    monkeypatch.setattr("pickle.load", no_unpickling)
    monkeypatch.setattr("pickle.loads", no_unpickling)
    with pytest.raises(ValueError, match=r"x_train holds Python objects \(pickled data\)"):
        load_mnist_npz(path)


def test_truncated_file(good: Path):
    raw = good.read_bytes()
    with pytest.raises(ValueError, match=r"damaged or truncated"):
        load_mnist_npz(raw[: len(raw) // 2])


def test_corrupted_member_data(tmp_path):
    path = write_npz(tmp_path / "plain.npz", compressed=False)
    raw = bytearray(path.read_bytes())
    # Flip bytes in the middle of x_train's pixels: headers stay valid, the CRC does not.
    start = raw.index(b"x_train.npy") + 2000
    raw[start : start + 100] = bytes(255 - b for b in raw[start : start + 100])
    with pytest.raises(ValueError, match=r"damaged or truncated \(Bad CRC-32"):
        load_mnist_npz(bytes(raw))


def test_random_bytes():
    noise = np.random.default_rng(1).bytes(5000)
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        load_mnist_npz(noise)


def test_a_plain_npy_or_pickle_file_is_not_an_npz():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3))
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        load_mnist_npz(buffer.getvalue())
    with pytest.raises(ValueError, match=r"not an \.npz file"):
        load_mnist_npz(b"\x80\x04\x95" + b"\0" * 40)  # a pickle's first bytes


def test_empty_file_and_missing_file(tmp_path):
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"the file is empty \(0 bytes\)"):
        load_mnist_npz(empty)
    with pytest.raises(ValueError, match=r"there is no file at .*nowhere\.npz"):
        load_mnist_npz(tmp_path / "nowhere.npz")


def test_wrong_hash_message_shows_both_hashes_shortened(good: Path):
    actual = sha256(good)
    with pytest.raises(ValueError) as info:
        load_mnist_npz(good, expected_sha256=MNIST_SHA256)
    message = str(info.value)
    assert f"{actual[:12]}…" in message and f"{MNIST_SHA256[:12]}…" in message
    assert actual not in message and "not the standard mnist.npz" in message


def test_file_over_the_size_limit(good: Path):
    size = good.stat().st_size
    with pytest.raises(ValueError, match=r"the limit is"):
        load_mnist_npz(good, max_bytes=size - 1)
    with pytest.raises(ValueError, match=r"larger than the limit"):
        load_mnist_npz(io.BytesIO(good.read_bytes()), max_bytes=size - 1)
    assert load_mnist_npz(good, max_bytes=size).n_train == N_TRAIN


def _npy_header(shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def _bomb(path: Path, unpacked_mb: int) -> Path:
    """A valid-looking MNIST npz whose x_train is `unpacked_mb` MB of zeros, deflated."""
    n_images = unpacked_mb * 1024 * 1024 // 784
    small = mnist_arrays()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("x_train.npy", "w", force_zip64=True) as member:
            member.write(_npy_header((n_images, 28, 28)))
            zeros = bytes(1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(zeros)
        for key in ("y_train", "x_test", "y_test"):
            buffer = io.BytesIO()
            value = np.zeros(n_images, np.uint8) if key == "y_train" else small[key]
            np.save(buffer, value)
            archive.writestr(f"{key}.npy", buffer.getvalue())
    return path


def test_decompression_bomb_is_refused_before_anything_is_unpacked(tmp_path):
    # 210 MB of zeros deflate to about 1 MB; the default limit is 200 MB unpacked.
    path = _bomb(tmp_path / "bomb.npz", 210)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"unpack to 220\.\d MB; the limit is 209\.7 MB"):
            load_mnist_npz(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # the file's bytes and little else


def test_unpacked_limit_is_a_parameter(tmp_path):
    path = _bomb(tmp_path / "small-bomb.npz", 2)
    with pytest.raises(ValueError, match=r"the limit is 1\.0 MB"):
        load_mnist_npz(path, max_bytes=1_000_000)
    assert load_mnist_npz(path).n_train == 2 * 1024 * 1024 // 784


def test_header_promising_more_data_than_the_member_holds_allocates_nothing(tmp_path):
    path = tmp_path / "liar.npz"
    small = mnist_arrays()
    with zipfile.ZipFile(path, "w") as archive:
        # 784 GB promised, a few bytes delivered: numpy would allocate from the header.
        archive.writestr("x_train.npy", _npy_header((10**9, 28, 28)) + bytes(100))
        for key in ("y_train", "x_test", "y_test"):
            buffer = io.BytesIO()
            np.save(buffer, small[key])
            archive.writestr(f"{key}.npy", buffer.getvalue())
    with pytest.raises(ValueError, match=r"more data than the file holds"):
        load_mnist_npz(path)


def test_member_that_is_not_an_array(tmp_path):
    path = tmp_path / "text.npz"
    arrays = mnist_arrays()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", b"these are not pixels")
        for key in ("y_train", "x_test", "y_test"):
            buffer = io.BytesIO()
            np.save(buffer, arrays[key])
            archive.writestr(f"{key}.npy", buffer.getvalue())
    with pytest.raises(ValueError, match=r"x_train is not a readable NumPy array"):
        load_mnist_npz(path)


# --- find_mnist ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # A proxy from the environment would route even 127.0.0.1 elsewhere.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist.npz"


class Server:
    """A loopback HTTP server with fixed answers, in a thread."""

    def __init__(self, body: bytes, status: int = 200, send_length: bool = True):
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                self.send_response(status)
                if send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist.npz"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def test_env_var_file_wins_without_a_hash_check(tmp_path, good):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(good.read_bytes())
    # Neither file has this hash: the env file is used anyway, the cache is not reached.
    ds, status = find_mnist(
        {MNIST_ENV: str(good)}, cache, url=closed_port_url(), expected_sha256="0" * 64
    )
    assert ds is not None and ds.n_train == N_TRAIN and ds.source == data.display_path(good)
    assert status == [f"{MNIST_ENV}={data.display_path(good)}: loaded"]


def test_broken_env_var_file_falls_through_to_the_cache(tmp_path, good):
    cache = tmp_path / "cache"
    cache.mkdir()
    cached = cache / "mnist.npz"
    cached.write_bytes(good.read_bytes())
    env = {MNIST_ENV: str(tmp_path / "missing.npz")}
    ds, status = find_mnist(env, cache, url=closed_port_url(), expected_sha256=sha256(good))
    assert ds is not None and ds.source == data.display_path(cached)
    assert status[0].startswith(f"{MNIST_ENV}=") and "there is no file" in status[0]
    assert status[1].endswith("mnist.npz: loaded (SHA-256 verified)")


def test_cache_with_the_right_hash_is_used(tmp_path, good):
    (tmp_path / "mnist.npz").write_bytes(good.read_bytes())
    ds, status = find_mnist({}, tmp_path, url=closed_port_url(), expected_sha256=sha256(good))
    assert ds is not None and ds.n_test == N_TEST
    assert status[0] == f"{MNIST_ENV} is not set"


def test_cache_is_checked_against_the_mnist_hash_by_default(tmp_path, good):
    (tmp_path / "mnist.npz").write_bytes(good.read_bytes())
    ds, status = find_mnist({}, tmp_path, url=closed_port_url())
    assert ds is None
    assert "SHA-256" in status[1] and MNIST_SHA256[:12] in status[1]


def test_cache_with_the_wrong_hash_falls_through_to_the_download(tmp_path, good):
    stale = write_npz(tmp_path / "mnist.npz", x_train=np.zeros((N_TRAIN, 28, 28), np.uint8))
    with Server(good.read_bytes()) as server:
        ds, status = find_mnist({}, tmp_path, url=server.url, expected_sha256=sha256(good))
    assert ds is not None
    assert "not the standard mnist.npz" in status[1]
    assert status[2].startswith(f"downloaded {server.url} to ")
    assert sha256(stale) == sha256(good)  # a verified download replaces it, as Keras does


def test_download_lands_in_the_cache_verified_and_is_reused(tmp_path, good):
    cache = tmp_path / "new" / "datasets"
    with Server(good.read_bytes()) as server:
        ds, status = find_mnist({}, cache, url=server.url, expected_sha256=sha256(good))
        assert ds is not None and ds.n_train == N_TRAIN
        assert status[1].endswith("mnist.npz: not found")
        assert status[2].endswith("(SHA-256 verified)")
        assert sha256(cache / "mnist.npz") == sha256(good)
        assert list(cache.iterdir()) == [cache / "mnist.npz"]  # no partial file left
        again, status = find_mnist({}, cache, url=server.url, expected_sha256=sha256(good))
        assert again is not None and server.requests == 1
        assert status[-1].endswith("loaded (SHA-256 verified)")


def test_download_with_the_wrong_hash_is_not_kept(tmp_path, good):
    cache = tmp_path / "cache"
    with Server(good.read_bytes()) as server:
        ds, status = find_mnist({}, cache, url=server.url)
    assert ds is None
    assert status[2].startswith("download failed: its SHA-256 is")
    assert status[2].endswith("not kept")
    assert status[-1] == MNIST_HELP
    assert list(cache.iterdir()) == []


def test_download_http_error_and_size_limit(tmp_path, good):
    cache = tmp_path / "cache"
    with Server(b"gone", status=404) as server:
        ds, status = find_mnist({}, cache, url=server.url)
    assert ds is None and status[2] == "download failed: the server answered HTTP 404 Not Found"
    with Server(good.read_bytes()) as server:
        _, status = find_mnist(
            {}, cache, url=server.url, expected_sha256=sha256(good), max_bytes=1000
        )
    assert status[2].startswith("download failed: the server offers")
    # Without a Content-Length the limit is enforced while reading.
    with Server(good.read_bytes(), send_length=False) as server:
        _, status = find_mnist(
            {}, cache, url=server.url, expected_sha256=sha256(good), max_bytes=1000
        )
    assert status[2].startswith("download failed: the file is over the limit of 1,000 bytes")
    assert list(cache.iterdir()) == []


def test_unreachable_url_gives_none_and_a_message_quickly(tmp_path):
    started = time.monotonic()
    ds, status = find_mnist({}, tmp_path, url=closed_port_url(), timeout=2)
    assert time.monotonic() - started < 2
    assert ds is None
    assert status == [
        f"{MNIST_ENV} is not set",
        f"{data.display_path(tmp_path / 'mnist.npz')}: not found",
        "download failed: no network (connection refused)",
        MNIST_HELP,
    ]
    assert list(tmp_path.iterdir()) == []


def test_download_can_be_switched_off_and_refuses_other_schemes(tmp_path):
    _, status = find_mnist({}, tmp_path, download=False)
    assert status[2] == "download: not attempted (switched off)"
    _, status = find_mnist({}, tmp_path, url="file:///etc/passwd")
    assert status[2] == "download failed: file:///etc/passwd is not an http(s) address"


def test_keras_cache_dir_follows_keras_home(tmp_path):
    assert data.keras_cache_dir({}) == Path.home() / ".keras" / "datasets"
    assert data.keras_cache_dir({"KERAS_HOME": str(tmp_path)}) == tmp_path / "datasets"


def test_loading_uci_digits_imports_no_heavy_package():
    # The server process imports this module: no TensorFlow, Keras, Streamlit, and
    # not scikit-learn's 2-second import either.
    code = (
        "import sys; import core.training.data as d; d.load_uci_digits(); "
        "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit', 'sklearn', 'pandas') "
        "if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- UCI digits ----------------------------------------------------------------------


def test_uci_digits_sizes_range_labels_and_read_only():
    ds = load_uci_digits()
    assert ds.name == "uci-digits" and ds.pixel_max == 16 and ds.image_shape == (8, 8)
    assert ds.n_train + ds.n_test == 1797 and (ds.n_train, ds.n_test) == (1438, 359)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    for x in (ds.x_train, ds.x_test):
        assert x.min() == 0 and x.max() == 16
    for y in (ds.y_train, ds.y_test):
        assert set(np.unique(y)) == set(range(10))
        assert not y.flags.writeable
    assert not ds.x_train.flags.writeable
    assert ds.describe() == (
        "UCI handwritten digits: 1,438 training + 359 test images, 8×8, values 0-16, "
        "from scikit-learn (embedded)"
    )


def test_uci_split_is_deterministic_disjoint_stratified_and_cached():
    a, b = load_uci_digits(seed=3), load_uci_digits(0.2, 3)
    assert a is load_uci_digits(seed=3)  # cached
    np.testing.assert_array_equal(a.y_train, b.y_train)
    other = load_uci_digits(seed=4)
    assert not np.array_equal(a.x_test, other.x_test)
    # Disjoint and complete: the two halves together are the whole set, each image once.
    images, labels = data._uci_digits_arrays()
    whole = np.concatenate([a.x_train, a.x_test]).reshape(1797, -1)
    pairs = sorted(zip(map(bytes, whole), np.concatenate([a.y_train, a.y_test]), strict=True))
    assert pairs == sorted(zip(map(bytes, images.reshape(1797, -1)), labels, strict=True))
    # Stratified: each digit contributes about a fifth of its images to the test set.
    counts = np.bincount(a.y_test, minlength=10) / np.bincount(
        np.concatenate([a.y_train, a.y_test]), minlength=10
    )
    assert np.all(np.abs(counts - 0.2) < 0.01)
    assert load_uci_digits(test_fraction=0.5).n_test == 898


def test_uci_digits_match_scikit_learn():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images, labels = data._uci_digits_arrays()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(labels, bunch.target)


def test_uci_falls_back_to_scikit_learn_when_the_file_moved(monkeypatch):
    expected = data._uci_digits_arrays()
    monkeypatch.setattr(data, "_uci_digits_file", lambda: None)
    data._uci_digits_arrays.cache_clear()
    try:
        images, labels = data._uci_digits_arrays()
    finally:
        data._uci_digits_arrays.cache_clear()
    np.testing.assert_array_equal(images, expected[0])
    np.testing.assert_array_equal(labels, expected[1])


def test_uci_test_fraction_must_be_a_fraction():
    with pytest.raises(ValueError, match="between 0 and 1"):
        load_uci_digits(test_fraction=1.0)


# --- Dataset, subset, flatten_images ---------------------------------------------------


def test_dataset_checks_its_arrays():
    x, y = np.zeros((3, 8, 8), np.uint8), np.zeros(3, np.int64)
    with pytest.raises(ValueError, match=r"y_test must be int64 labels of shape \(3,\)"):
        Dataset("uci-digits", "t", x, y, x, np.zeros(2, np.int64), 16, "s")
    with pytest.raises(ValueError, match=r"x_train must be uint8"):
        Dataset("uci-digits", "t", x.astype(np.float32), y, x, y, 16, "s")


def test_subset_is_deterministic_nested_and_keeps_metadata():
    full = load_uci_digits()
    small = subset(full, 100, 30, seed=1)
    assert (small.n_train, small.n_test) == (100, 30)
    assert small.name == full.name and small.source == full.source
    assert small.x_train.dtype == np.uint8 and not small.x_train.flags.writeable
    again = subset(full, 100, 30, seed=1)
    np.testing.assert_array_equal(small.x_train, again.x_train)
    np.testing.assert_array_equal(small.y_test, again.y_test)
    bigger = subset(full, 200, 30, seed=1)
    np.testing.assert_array_equal(bigger.x_train[:100], small.x_train)
    np.testing.assert_array_equal(bigger.x_test, small.x_test)  # independent of n_train
    assert not np.array_equal(subset(full, 100, 30, seed=2).y_train, small.y_train)
    only_train = subset(full, 10, None, seed=0)
    assert only_train.n_test == full.n_test and only_train.x_test is full.x_test
    assert subset(full, None, None, seed=0) is full


def test_subset_sizes_are_checked():
    full = load_uci_digits()
    with pytest.raises(ValueError, match=r"asked for 5,000 train images .* has 1,438"):
        subset(full, 5000, None, seed=0)
    with pytest.raises(ValueError, match=r"choose 1 to 359"):
        subset(full, None, 0, seed=0)


def test_flatten_images_scales():
    images = np.array([[[0, 128], [255, 7]]], dtype=np.uint8)
    scaled = flatten_images(images, "max", 255)
    assert scaled.shape == (1, 4) and scaled.dtype == np.float32
    assert scaled.min() == 0 and scaled.max() == 1
    np.testing.assert_allclose(scaled, [[0, 128 / 255, 1, 7 / 255]], rtol=1e-7)
    raw = flatten_images(images, "raw", 255)
    np.testing.assert_array_equal(raw, [[0, 128, 255, 7]])
    assert raw.dtype == np.float32 and raw.flags.writeable


def test_flatten_images_on_datasets():
    uci = load_uci_digits()
    rows = flatten_images(uci.x_train, "max", uci.pixel_max)
    assert rows.shape == (1438, 64) and rows.min() >= 0 and rows.max() == 1
    assert flatten_images(uci.x_test, "raw", uci.pixel_max).max() == 16


def test_flatten_images_errors():
    images = np.zeros((2, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="unknown input scaling 'std'"):
        flatten_images(images, "std", 16)
    with pytest.raises(ValueError, match="must be positive"):
        flatten_images(images, "max", 0)
    with pytest.raises(ValueError, match=r"got shape \(8, 8\)"):
        flatten_images(images[0], "max", 16)


def test_garbled_npy_header_is_a_clear_error(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key in ("x_train", "y_train", "x_test", "y_test"):
            # A valid magic string followed by a header dict that does not parse.
            archive.writestr(f"{key}.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<u1'\n")
    with pytest.raises(ValueError, match="not a readable NumPy array"):
        data.load_mnist_npz(buffer.getvalue())
