"""Handwritten-digit data sets: MNIST when it can be found, UCI digits always.

Two sources feed the training and draw pages:

- **UCI handwritten digits** (1,797 images, 8x8, values 0-16), the copy that
  scikit-learn ships inside its package. Always available, offline, and the
  default.
- **MNIST** (60,000 + 10,000 images, 28x28, values 0-255) in the ``mnist.npz``
  format of ``keras.datasets.mnist``. No package on the index ships it, so
  `find_mnist` looks for it, in this order: the file named by the
  ``SOFTMAX_LAB_MNIST`` environment variable, the Keras cache
  (``~/.keras/datasets/mnist.npz``, checked against its SHA-256), and a
  download of the file the Keras loader downloads. The page also accepts an
  upload, read with `load_mnist_npz`.

The Keras loader's file logic is reimplemented here with the standard library:
importing Keras in the Streamlit server would slow every rerun of every session
(see DESIGN.md, process model). Files are read with
``numpy.load(..., allow_pickle=False)`` after their zip directory and array
headers have been checked, so neither a pickle nor a decompression bomb inside
an ``.npz`` can run code or exhaust memory.

Every array a `Dataset` holds is read-only: loaders are cached and share their
datasets between sessions.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import importlib.util
import io
import math
import os
import socket
import tempfile
import time
import tokenize
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np

DatasetName = Literal["mnist", "uci-digits"]
Scale = Literal["max", "raw"]
SCALES: tuple[Scale, ...] = ("max", "raw")

NUM_CLASSES = 10

MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
"""SHA-256 of the ``mnist.npz`` that ``keras.datasets.mnist.load_data()`` downloads."""

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
"""Where the Keras loader downloads ``mnist.npz`` from."""

MNIST_ENV = "SOFTMAX_LAB_MNIST"
"""Environment variable naming a user's ``mnist.npz``.

Set it to the path of an MNIST file in the Keras format (arrays ``x_train``,
``y_train``, ``x_test``, ``y_test``) to use that file before the Keras cache and
the download. The file is fully validated but not hash-checked, so a re-packed
copy works too.
"""

MNIST_FILENAME = "mnist.npz"
MNIST_IMAGE_SHAPE = (28, 28)
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")

MAX_FILE_BYTES = 200 * 1024 * 1024
"""Default limit on an ``.npz`` file's size and on what its arrays unpack to.

The real ``mnist.npz`` is 11.5 MB on disk and unpacks to 55 MB.
"""

DOWNLOAD_MAX_SECONDS = 300.0
"""A download still running after this long is abandoned (a trickling server)."""

MNIST_HELP = (
    f"To use MNIST: set {MNIST_ENV} to the path of an mnist.npz, put mnist.npz in "
    "~/.keras/datasets (where keras.datasets.mnist.load_data() keeps it), "
    "or upload it on this page."
)
"""The sentence the page shows when MNIST is missing."""

UCI_SOURCE = "scikit-learn (embedded)"
UCI_PIXEL_MAX = 16
UCI_COUNT = 1797

_CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class Dataset:
    """A handwritten-digit data set, split into training and test images.

    Attributes
    ----------
    name : str
        ``"mnist"`` or ``"uci-digits"``.
    title : str
        Human-readable name, such as ``"MNIST"``.
    x_train, x_test : numpy.ndarray
        Images, ``uint8`` of shape ``(n, height, width)``, values
        ``0..pixel_max``.
    y_train, y_test : numpy.ndarray
        Labels, ``int64`` of shape ``(n,)``, values ``0..9``.
    pixel_max : int
        The largest pixel value of the format: 255 for MNIST, 16 for UCI digits.
    source : str
        Where the data came from: a file path or ``"scikit-learn (embedded)"``.

    Notes
    -----
    Construction checks that the arrays fit together and makes them read-only,
    so a dataset shared through a cache cannot be changed by one of its users.
    Equality is identity (comparing arrays element-wise would be ambiguous).
    """

    name: DatasetName
    title: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    pixel_max: int
    source: str

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype != np.uint8 or x.ndim != 3:
                raise ValueError(
                    f"x_{split} must be uint8 images of shape (n, height, width), "
                    f"not {x.dtype} of shape {x.shape}"
                )
            if y.dtype != np.int64 or y.shape != (x.shape[0],):
                raise ValueError(
                    f"y_{split} must be int64 labels of shape ({x.shape[0]},), "
                    f"not {y.dtype} of shape {y.shape}"
                )
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError(
                f"training images are {self.x_train.shape[1:]} but test images are "
                f"{self.x_test.shape[1:]}"
            )
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            array.setflags(write=False)

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(height, width)`` of one image."""
        return (int(self.x_train.shape[1]), int(self.x_train.shape[2]))

    @property
    def n_pixels(self) -> int:
        """Pixels per image: the input size of a network on flattened images."""
        height, width = self.image_shape
        return height * width

    @property
    def n_train(self) -> int:
        """Number of training images."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test images."""
        return int(self.x_test.shape[0])

    def describe(self) -> str:
        """Return a one-line description for the page.

        Returns
        -------
        str
            Such as ``"MNIST: 60,000 training + 10,000 test images, 28×28,
            values 0-255, from ~/.keras/datasets/mnist.npz"``.
        """
        height, width = self.image_shape
        return (
            f"{self.title}: {self.n_train:,} training + {self.n_test:,} test images, "
            f"{height}×{width}, values 0-{self.pixel_max}, from {self.source}"
        )


# --- UCI digits -------------------------------------------------------------------


def _uci_digits_file() -> Path | None:
    # ``find_spec`` locates the package without running it: importing
    # sklearn.datasets costs about 2 s and pulls pandas and scipy into the
    # server process, all to read one 57 kB CSV that ships with it.
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets/data/digits.csv.gz"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _uci_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    path = _uci_digits_file()
    if path is not None:
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
        images, labels = table[:, :-1].reshape(-1, 8, 8), table[:, -1]
    else:
        # The file moved in some scikit-learn version: take the slow, public way.
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ValueError(
                "scikit-learn is not installed, so the embedded digits are missing: "
                "run pip install -r requirements.txt"
            ) from None
        bunch = load_digits()
        images, labels = bunch.images, bunch.target
    if (
        images.shape != (UCI_COUNT, 8, 8)
        or images.min() < 0
        or images.max() > UCI_PIXEL_MAX
        or set(np.unique(labels).tolist()) != set(range(NUM_CLASSES))
    ):
        raise ValueError(
            f"scikit-learn's digits are not the expected {UCI_COUNT:,} 8x8 images "
            f"with values 0-{UCI_PIXEL_MAX}; reinstall scikit-learn"
        )
    return images.astype(np.uint8), labels.astype(np.int64)


@lru_cache(maxsize=8)
def load_uci_digits(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Return the UCI handwritten digits that scikit-learn ships, split in two.

    Parameters
    ----------
    test_fraction : float, optional
        Share of each digit's images held out for testing, in ``(0, 1)``.
    seed : int, optional
        Seed of the split; the same seed always gives the same split.

    Returns
    -------
    Dataset
        1,797 images of 8x8 pixels with values 0-16 (32x32 binary bitmaps
        summed over 4x4 blocks); with the defaults, 1,438 for training and 359
        for testing. Cached: every call with the same arguments returns the
        same read-only dataset.

    Raises
    ------
    ValueError
        If `test_fraction` is outside ``(0, 1)`` or scikit-learn is missing.

    Notes
    -----
    The split is stratified: each digit's images are shuffled with
    ``numpy.random.default_rng(seed)`` and ``round(test_fraction * count)`` of
    them (at least one, leaving at least one) go to the test set, so both sets
    have the same class balance as the whole (about 180 images per digit).
    Both sets keep the file's order. The data are the same as
    ``sklearn.datasets.load_digits()``, read from the file it reads.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"the test fraction must be between 0 and 1, not {test_fraction:g}")
    images, labels = _uci_digits_arrays()
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(labels), dtype=bool)
    for digit in range(NUM_CLASSES):
        members = np.flatnonzero(labels == digit)
        n_test = min(max(round(test_fraction * len(members)), 1), len(members) - 1)
        test_mask[rng.permutation(members)[:n_test]] = True
    return Dataset(
        name="uci-digits",
        title="UCI handwritten digits",
        x_train=images[~test_mask],
        y_train=labels[~test_mask],
        x_test=images[test_mask],
        y_test=labels[test_mask],
        pixel_max=UCI_PIXEL_MAX,
        source=UCI_SOURCE,
    )


# --- MNIST files ------------------------------------------------------------------


def display_path(path: str | os.PathLike[str]) -> str:
    """Return `path` for messages, with the home directory shortened to ``~``.

    Parameters
    ----------
    path : str or path-like
        A file path.

    Returns
    -------
    str
        ``"~/.keras/datasets/mnist.npz"`` rather than ``"/home/ann/.keras/..."``.
    """
    path = Path(path)
    with contextlib.suppress(ValueError, RuntimeError):
        return str(Path("~") / path.relative_to(Path.home()))
    return str(path)


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB" if n_bytes >= 100_000 else f"{n_bytes:,} bytes"


def _short_hash(digest: str) -> str:
    return digest[:12] + "…"


def _hash_mismatch(actual: str, expected: str) -> str:
    return (
        f"its SHA-256 is {_short_hash(actual)} but the expected file's is "
        f"{_short_hash(expected)}: it is not the standard mnist.npz"
    )


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    # In chunks: read(limit) would reserve the whole limit (200 MB) up front.
    chunks, total = [], 0
    while total < limit and (chunk := stream.read(min(_CHUNK, limit - total))):
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _read_source(
    source: str | os.PathLike[str] | bytes | BinaryIO, max_bytes: int
) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        data, label = bytes(source), "uploaded file"
    elif isinstance(source, str | os.PathLike):
        path = Path(source).expanduser()
        label = display_path(path)
        if not path.is_file():
            raise ValueError(f"there is no file at {label}")
        if path.stat().st_size > max_bytes:
            raise ValueError(
                f"the file is {_megabytes(path.stat().st_size)}; the limit is "
                f"{_megabytes(max_bytes)} (mnist.npz is about 11.5 MB)"
            )
        try:
            with path.open("rb") as handle:
                data = _read_at_most(handle, max_bytes + 1)
        except OSError as error:
            raise ValueError(f"cannot read {label}: {error.strerror or error}") from None
    else:
        data = _read_at_most(source, max_bytes + 1)
        label = str(getattr(source, "name", "") or "uploaded file")
    if len(data) > max_bytes:
        raise ValueError(
            f"the file is larger than the limit of {_megabytes(max_bytes)} "
            "(mnist.npz is about 11.5 MB)"
        )
    if not data:
        raise ValueError("the file is empty (0 bytes); mnist.npz is about 11.5 MB")
    return data, label


def _read_npy_header(member: BinaryIO, name: str) -> tuple[tuple[int, ...], np.dtype]:
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, SyntaxError, tokenize.TokenError) as error:
        # numpy parses the header's dict literal; a garbled one fails in the tokenizer.
        raise ValueError(f"{name} is not a readable NumPy array ({error})") from None
    if any(length < 0 for length in shape):
        raise ValueError(f"{name} declares an impossible shape {shape}")
    return shape, dtype


def _check_mnist_keys(archive: zipfile.ZipFile) -> None:
    # numpy.savez names each member "<key>.npy"; anything else is not an array we want.
    found = [info.filename.removesuffix(".npy") for info in archive.infolist()]
    missing = [key for key in MNIST_KEYS if key not in found]
    extra = [key for key in found if key not in MNIST_KEYS]
    if missing or extra or len(found) != len(MNIST_KEYS):
        problems = []
        if missing:
            problems.append("is missing " + ", ".join(missing))
        if extra:
            problems.append("has extra " + ", ".join(repr(key) for key in extra[:5]))
        if not problems:
            problems.append("holds some arrays twice")
        raise ValueError(
            "an MNIST file holds exactly the arrays x_train, y_train, x_test, y_test; "
            "this one " + " and ".join(problems)
        )


def npz_array_headers(
    archive: zipfile.ZipFile, max_bytes: int, typical: str = "MNIST unpacks to about 55 MB"
) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Check the sizes and array headers of an ``.npz`` before anything is loaded.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The opened ``.npz``.
    max_bytes : int
        Limit on the total unpacked size.
    typical : str, optional
        What a normal file unpacks to, for the message.

    Returns
    -------
    dict
        ``{key: (shape, dtype)}`` per member.

    Raises
    ------
    ValueError
        For a member that unpacks too large, holds Python objects (pickles), is
        not a NumPy array, or declares more data than it holds.
    """
    infos = archive.infolist()
    # Declared sizes are trustworthy as a cap: zipfile never returns more bytes than
    # a member declares, and fails its CRC check if the data do not match.
    unpacked = sum(info.file_size for info in infos)
    if unpacked > max_bytes:
        raise ValueError(
            f"the arrays inside unpack to {_megabytes(unpacked)}; the limit is "
            f"{_megabytes(max_bytes)} ({typical})"
        )
    headers = {}
    for info in infos:
        key = info.filename.removesuffix(".npy")
        with archive.open(info) as member:
            shape, dtype = _read_npy_header(member, key)
        if dtype.hasobject:
            raise ValueError(
                f"{key} holds Python objects (pickled data); this app never unpickles "
                "files, because unpickling can run any code"
            )
        # numpy allocates the whole array from the header before it reads the data,
        # so a header promising more than the member holds would be a memory bomb.
        if math.prod(shape) * dtype.itemsize > info.file_size:
            raise ValueError(
                f"{key} declares shape {shape} of {dtype}, more data than the file holds"
            )
        headers[key] = (shape, dtype)
    return headers


def _check_layout(headers: dict[str, tuple]) -> None:
    for split in ("train", "test"):
        (x_shape, x_dtype), (y_shape, y_dtype) = headers[f"x_{split}"], headers[f"y_{split}"]
        if len(x_shape) != 3 or tuple(x_shape[1:]) != MNIST_IMAGE_SHAPE:
            raise ValueError(
                f"x_{split} has shape {tuple(x_shape)} but MNIST images are (n, 28, 28)"
            )
        if x_dtype != np.uint8:
            raise ValueError(f"x_{split} holds {x_dtype} values but MNIST images are uint8 (0-255)")
        if len(y_shape) != 1:
            raise ValueError(
                f"y_{split} has shape {tuple(y_shape)} but labels are one number per image"
            )
        if y_dtype.kind not in "iu":
            raise ValueError(f"y_{split} holds {y_dtype} values but labels are integers 0-9")
        if x_shape[0] != y_shape[0]:
            raise ValueError(
                f"x_{split} has {x_shape[0]:,} images but y_{split} has {y_shape[0]:,} labels"
            )
        if x_shape[0] == 0:
            raise ValueError(f"x_{split} holds no images")


def load_mnist_npz(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    expected_sha256: str | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    label: str | None = None,
) -> Dataset:
    """Load and validate an MNIST file in the Keras ``mnist.npz`` format.

    Parameters
    ----------
    source : str, path-like, bytes or binary file-like
        A path, the file's bytes, or an open file (such as an upload).
    expected_sha256 : str, optional
        If given, the file must have this SHA-256 (hex).
    max_bytes : int, optional
        Limit on the file's size and, separately, on the total size its arrays
        declare once unpacked.
    label : str, optional
        What `Dataset.source` says; defaults to the path (home shortened to
        ``~``), the file-like's ``name``, or ``"uploaded file"``.

    Returns
    -------
    Dataset
        The MNIST dataset, arrays read-only, labels converted to ``int64``.

    Raises
    ------
    ValueError
        With a sentence naming the problem: no such file, empty, too large, hash
        mismatch, not a readable ``.npz`` (random bytes, truncated or damaged),
        wrong array names, a pickled object array, too much unpacked data, wrong
        image shape or dtype, label count or range.

    Notes
    -----
    Nothing is unpickled and nothing is allocated before the zip directory and
    every ``.npy`` header have been checked: names are exactly ``x_train``,
    ``y_train``, ``x_test``, ``y_test``; declared unpacked sizes sum to at most
    `max_bytes`; no array holds objects; images are ``uint8`` of shape
    ``(n, 28, 28)`` and labels 1-D integers, one per image. Only then are the
    arrays read with ``numpy.load(..., allow_pickle=False)`` and the labels
    checked to lie in ``0..9``.
    """
    data, default_label = _read_source(source, max_bytes)
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256.lower():
            raise ValueError(_hash_mismatch(actual, expected_sha256.lower()))
    # numpy.load decides what a file is from its first bytes; an .npz is a zip archive.
    if not data.startswith(b"PK\x03\x04"):
        raise ValueError(
            "this is not an .npz file (it does not start like a zip archive); "
            "mnist.npz is the file keras.datasets.mnist.load_data() downloads"
        )
    damaged = "this .npz file is damaged or truncated ({}): get a fresh copy of mnist.npz"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_mnist_keys(archive)
            headers = npz_array_headers(archive, max_bytes)
            _check_layout(headers)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ValueError(damaged.format(error)) from None
    except (NotImplementedError, RuntimeError) as error:
        # Unsupported compression or an encrypted member.
        raise ValueError(f"this .npz file cannot be read here ({error})") from None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: np.ascontiguousarray(npz[key]) for key in MNIST_KEYS}
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as error:
        # Headers were fine, so the data behind them are corrupt (CRC, short data).
        raise ValueError(damaged.format(error)) from None
    for split in ("train", "test"):
        labels = arrays[f"y_{split}"]
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= NUM_CLASSES:
            raise ValueError(
                f"y_{split} has labels from {low} to {high} but MNIST labels are digits 0-9"
            )
    return Dataset(
        name="mnist",
        title="MNIST",
        x_train=arrays["x_train"],
        y_train=arrays["y_train"].astype(np.int64),
        x_test=arrays["x_test"],
        y_test=arrays["y_test"].astype(np.int64),
        pixel_max=255,
        source=label or default_label,
    )


# --- finding MNIST ----------------------------------------------------------------


def keras_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Return the directory where the Keras loader keeps ``mnist.npz``.

    Parameters
    ----------
    env : mapping, optional
        Environment variables; ``KERAS_HOME`` moves the cache as it does for Keras.

    Returns
    -------
    pathlib.Path
        ``$KERAS_HOME/datasets`` if set, else ``~/.keras/datasets``.
    """
    home = env.get("KERAS_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".keras"
    return base / "datasets"


def _network_problem(error: BaseException, timeout: float) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"the server answered HTTP {error.code} {error.reason}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, http.client.HTTPException):
        return f"the connection broke off ({type(reason).__name__})"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"no network (cannot resolve the server's name: {reason.strerror or reason})"
    if isinstance(reason, ConnectionRefusedError):
        return "no network (connection refused)"
    if isinstance(reason, OSError):
        return f"no network ({reason.strerror or reason})"
    return f"no network ({reason})"


def _download(url: str, target: Path, expected_sha256: str, timeout: float, max_bytes: int) -> None:
    """Download `url` to `target` atomically, keeping it only if its SHA-256 matches.

    Raises ValueError with the reason in words; leaves no partial file behind.
    """
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{url[:60]} is not an http(s) address")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in the finally below
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
    except OSError as error:
        raise ValueError(
            f"cannot write to {display_path(target.parent)} ({error.strerror or error})"
        ) from None
    partial = Path(handle.name)
    try:
        digest = hashlib.sha256()
        received = 0
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise ValueError(
                        f"the server offers {_megabytes(int(declared))}, over the limit of "
                        f"{_megabytes(max_bytes)}"
                    )
                while chunk := response.read(_CHUNK):
                    received += len(chunk)
                    if received > max_bytes:
                        raise ValueError(f"the file is over the limit of {_megabytes(max_bytes)}")
                    if time.monotonic() - started > DOWNLOAD_MAX_SECONDS:
                        raise ValueError(
                            f"it took over {DOWNLOAD_MAX_SECONDS:g} s; try again or "
                            "download mnist.npz yourself"
                        )
                    digest.update(chunk)
                    handle.write(chunk)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise ValueError(_network_problem(error, timeout)) from None
        handle.close()
        actual = digest.hexdigest()
        if actual != expected_sha256.lower():
            raise ValueError(_hash_mismatch(actual, expected_sha256.lower()) + "; not kept")
        # Same directory, so the rename is atomic: readers see no file or the whole file.
        os.replace(partial, target)
    finally:
        handle.close()
        partial.unlink(missing_ok=True)


def find_mnist(
    env: Mapping[str, str] = os.environ,
    cache_dir: Path | None = None,
    url: str = MNIST_URL,
    download: bool = True,
    timeout: float = 10.0,
    *,
    expected_sha256: str = MNIST_SHA256,
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[Dataset | None, list[str]]:
    """Look for MNIST where a user or Keras would have put it, then download it.

    Parameters
    ----------
    env : mapping, optional
        Environment variables, read for ``SOFTMAX_LAB_MNIST`` and ``KERAS_HOME``.
    cache_dir : pathlib.Path, optional
        The Keras cache directory; default `keras_cache_dir` (``~/.keras/datasets``).
    url : str, optional
        Where to download ``mnist.npz`` from.
    download : bool, optional
        Whether to try the download when no file is found.
    timeout : float, optional
        Seconds to wait for the server to connect or send more data.
    expected_sha256 : str, optional
        SHA-256 the cached and downloaded file must have (MNIST's by default).
    max_bytes : int, optional
        Size limit passed to `load_mnist_npz` and applied to the download.

    Returns
    -------
    dataset : Dataset or None
        MNIST, or None if it was found nowhere.
    status : list of str
        One plain-language line per place tried (such as
        ``"~/.keras/datasets/mnist.npz: not found"``), ending with `MNIST_HELP`
        when MNIST is missing. Never raises for a missing, broken or
        unreachable file.

    Notes
    -----
    Order: (1) the file named by ``SOFTMAX_LAB_MNIST``, validated but not
    hash-checked (a user's copy may be packed differently); (2)
    ``cache_dir/mnist.npz`` with the expected hash; (3) `url`, streamed to a
    temporary file in `cache_dir`, hash-checked, then renamed into place, as
    ``keras.datasets.mnist.load_data()`` would leave it. A cached file with the
    wrong hash is left alone unless a verified download replaces it, which is
    what Keras does too.
    """
    status: list[str] = []
    named = env.get(MNIST_ENV, "").strip()
    if not named:
        status.append(f"{MNIST_ENV} is not set")
    else:
        shown = display_path(Path(named).expanduser())
        try:
            dataset = load_mnist_npz(named, max_bytes=max_bytes)
        except ValueError as error:
            status.append(f"{MNIST_ENV}={shown}: {error}")
        else:
            status.append(f"{MNIST_ENV}={shown}: loaded")
            return dataset, status

    cache_dir = keras_cache_dir(env) if cache_dir is None else cache_dir
    cached = cache_dir / MNIST_FILENAME
    shown = display_path(cached)
    if not cached.is_file():
        status.append(f"{shown}: not found")
    else:
        try:
            dataset = load_mnist_npz(cached, expected_sha256, max_bytes=max_bytes)
        except ValueError as error:
            status.append(f"{shown}: {error}")
        else:
            status.append(f"{shown}: loaded (SHA-256 verified)")
            return dataset, status

    if not download:
        status.append("download: not attempted (switched off)")
    else:
        try:
            _download(url, cached, expected_sha256, timeout, max_bytes)
            dataset = load_mnist_npz(cached, expected_sha256, max_bytes=max_bytes)
        except ValueError as error:
            status.append(f"download failed: {error}")
        else:
            status.append(f"downloaded {url} to {shown} (SHA-256 verified)")
            return dataset, status

    status.append(MNIST_HELP)
    return None, status


# --- preparing data for training -------------------------------------------------


def subset(dataset: Dataset, n_train: int | None, n_test: int | None, seed: int) -> Dataset:
    """Return a random subset of `dataset`, the same one for the same seed.

    Parameters
    ----------
    dataset : Dataset
        The full data set.
    n_train, n_test : int or None
        How many training and test images to keep; None keeps them all.
    seed : int
        Seed of the choice.

    Returns
    -------
    Dataset
        A dataset with the same name, title and source, or `dataset` itself
        when both sizes are None.

    Raises
    ------
    ValueError
        If a size is below 1 or above what the data set holds.

    Notes
    -----
    Each split takes the first ``n`` of a permutation drawn from its own
    ``numpy.random.default_rng((seed, split))`` stream, so a smaller subset is
    contained in a larger one with the same seed, and the test subset does not
    depend on `n_train`.
    """
    if n_train is None and n_test is None:
        return dataset
    picked = {}
    for index, (split, wanted) in enumerate((("train", n_train), ("test", n_test))):
        x, y = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
        if wanted is None:
            picked[split] = (x, y)
            continue
        if not 1 <= wanted <= len(y):
            raise ValueError(
                f"asked for {wanted:,} {split} images but {dataset.title} has "
                f"{len(y):,}; choose 1 to {len(y):,}"
            )
        order = np.random.default_rng((seed, index)).permutation(len(y))[:wanted]
        picked[split] = (x[order], y[order])
    return replace(
        dataset,
        x_train=picked["train"][0],
        y_train=picked["train"][1],
        x_test=picked["test"][0],
        y_test=picked["test"][1],
    )


def flatten_images(x: np.ndarray, scale: Scale, pixel_max: int) -> np.ndarray:
    """Turn images into the rows a dense network takes.

    Parameters
    ----------
    x : numpy.ndarray
        Images of shape ``(n, height, width)``.
    scale : {"max", "raw"}
        ``"max"`` divides by `pixel_max`, giving values in ``[0, 1]``;
        ``"raw"`` keeps the pixel values (0-255 for MNIST), which makes the
        first layer's outputs and the logits hundreds of times larger: the
        setting where a naive softmax overflows.
    pixel_max : int
        The largest pixel value of the format (`Dataset.pixel_max`).

    Returns
    -------
    numpy.ndarray
        ``float32`` of shape ``(n, height * width)``, a new writable array.

    Raises
    ------
    ValueError
        For an unknown `scale`, a non-positive `pixel_max` or images that are
        not 3-D.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown input scaling {scale!r}; expected one of {', '.join(SCALES)}")
    if pixel_max <= 0:
        raise ValueError(f"the largest pixel value must be positive, not {pixel_max}")
    if x.ndim != 3:
        raise ValueError(
            f"expected images of shape (n, height, width), got shape {x.shape}; "
            "add a leading axis for one image (x[None])"
        )
    rows = x.reshape(x.shape[0], -1).astype(np.float32)
    if scale == "max":
        rows /= np.float32(pixel_max)
    return rows


UPLOADS_FOLDER = "softmax-lab-uploads"
"""Where uploaded MNIST files are kept, inside the Keras cache folder."""


def store_uploaded_mnist(content: bytes, cache: Path | None = None) -> tuple[Dataset, str]:
    """Check an uploaded ``mnist.npz`` and keep it where a training worker can read it.

    Parameters
    ----------
    content : bytes
        The uploaded file.
    cache : Path, optional
        The Keras cache folder (`keras_cache_dir` by default).

    Returns
    -------
    dataset : Dataset
        The checked data.
    path : str
        The kept file, named by its content's hash (an upload of the same file
        is kept once).

    Raises
    ------
    ValueError
        As `load_mnist_npz`, before anything is written.
    """
    dataset = load_mnist_npz(content, label="uploaded mnist.npz")
    folder = (cache or keras_cache_dir()) / UPLOADS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"mnist-{hashlib.sha256(content).hexdigest()[:16]}.npz"
    path.write_bytes(content)
    return dataset, str(path)
