"""Trained models: saving and loading weights (validated, no pickles), inference, evaluation."""

import io
import json
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.training import data as data
from core.training import network as nets
from core.training.models import (
    MAX_WEIGHTS_BYTES,
    TrainedModel,
    evaluate,
    weights_from_npz,
    weights_to_npz,
)

UCI_SPEC = nets.NetworkSpec(64, (25, 15), "relu", 10)


def make_model(spec=UCI_SPEC, seed=0, **changes):
    fields = {
        "name": "C · seed 0",
        "variant": "C",
        "spec": spec,
        "weights": nets.init_weights(spec, seed),
        "dataset": "uci-digits",
        "scale": "max",
        "pixel_max": 16,
        "test_accuracy": 0.875,
    }
    fields.update(changes)
    return TrainedModel(**fields)


def meta_of(model=None, **changes):
    """The description the app writes for `model`, with fields changed at will."""
    saved = np.load(io.BytesIO(weights_to_npz(model or make_model())), allow_pickle=False)
    meta = json.loads(saved["meta"].item())
    meta.update(changes)
    return meta


def arrays_of(model=None):
    model = model or make_model()
    arrays = {}
    for i, (w, b) in enumerate(model.weights):
        arrays[f"kernel_{i}"], arrays[f"bias_{i}"] = w, b
    return arrays


def npz_bytes(meta=None, arrays=None, compressed=False, drop=(), raw_meta=None, **extra):
    """An .npz like the app's, with the description and arrays changed at will."""
    contents = {} if meta is None else {"meta": np.array(json.dumps(meta))}
    if raw_meta is not None:
        contents["meta"] = raw_meta
    contents.update(arrays_of() if arrays is None else arrays)
    contents.update(extra)
    for key in drop:
        contents.pop(key)
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **contents)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def uci():
    return data.load_uci_digits()


@pytest.fixture(scope="module")
def trained(uci):
    # A few hundred NumPy steps: good enough to get most, not all, test digits right.
    x = data.flatten_images(uci.x_train, "max", uci.pixel_max)
    net = nets.Network(UCI_SPEC, nets.init_weights(UCI_SPEC, 1))
    adam = nets.Adam(1e-2)
    rng = np.random.default_rng(0)
    for _ in range(300):
        batch = rng.integers(0, len(x), 32)
        net.loss_and_gradients(x[batch], uci.y_train[batch])
        adam.apply(net.params, net.grads)
    return make_model(weights=net.weights(), name="trained")


# --- saving and loading -------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        make_model(),
        make_model(
            spec=nets.NetworkSpec(784, (32,), "sigmoid", 10),
            dataset="mnist",
            scale="raw",
            pixel_max=255,
            test_accuracy=None,
            variant="B",
        ),
        make_model(spec=nets.NetworkSpec(64, (7, 6, 5), "tanh", 10), test_accuracy=1.0),
        make_model(spec=nets.NetworkSpec(64, (), "relu", 10), test_accuracy=0.0),
    ],
    ids=["uci-course", "mnist-raw", "three-hidden", "no-hidden"],
)
def test_weights_round_trip(model):
    loaded = weights_from_npz(weights_to_npz(model))
    assert loaded.name == model.name
    assert loaded.variant == "uploaded"
    assert loaded.spec == model.spec
    assert (loaded.dataset, loaded.scale, loaded.pixel_max) == (
        model.dataset,
        model.scale,
        model.pixel_max,
    )
    assert loaded.test_accuracy == model.test_accuracy
    assert len(loaded.weights) == len(model.weights)
    for (w, b), (w0, b0) in zip(loaded.weights, model.weights, strict=True):
        assert w.dtype == np.float32 and b.dtype == np.float32
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(b, b0)


def test_saved_file_is_plain_arrays_and_small():
    model = make_model(spec=nets.NetworkSpec(784), dataset="mnist", pixel_max=255)
    saved = weights_to_npz(model)
    assert len(saved) < 100_000  # the course's network on MNIST: about 80 KB
    with np.load(io.BytesIO(saved), allow_pickle=False) as arrays:
        assert sorted(arrays.files) == sorted(["meta", *arrays_of(model)])
        assert all(not arrays[key].dtype.hasobject for key in arrays.files)
        assert json.loads(str(arrays["meta"]))["format"] == "softmax-lab-weights-1"


def test_loaded_model_computes_the_same_logits(uci, trained):
    loaded = weights_from_npz(weights_to_npz(trained))
    np.testing.assert_array_equal(loaded.logits(uci.x_test), trained.logits(uci.x_test))


def test_name_is_shortened_and_defaults():
    long = weights_from_npz(npz_bytes(meta_of(name="x" * 500)))
    assert long.name == "x" * 60
    meta = meta_of()
    del meta["name"]
    assert weights_from_npz(npz_bytes(meta)).name == "uploaded"


@pytest.mark.parametrize("accuracy", ["high", None, [0.9]])
def test_an_unusable_accuracy_is_dropped(accuracy):
    assert weights_from_npz(npz_bytes(meta_of(test_accuracy=accuracy))).test_accuracy is None


def test_pixel_max_follows_the_dataset_not_the_description():
    loaded = weights_from_npz(npz_bytes(meta_of(dataset="mnist", pixel_max=16)))
    assert loaded.pixel_max == 255


def test_a_compressed_file_loads_too():
    model = weights_from_npz(npz_bytes(meta_of(), compressed=True))
    assert model.spec == UCI_SPEC


# --- bad uploads ----------------------------------------------------------------------


def bad(data, match, **kwargs):
    with pytest.raises(ValueError, match=match):
        weights_from_npz(data, **kwargs)


def test_too_large():
    saved = weights_to_npz(make_model())
    bad(saved, r"the file is [\d,]+ bytes; the limit is 100", max_bytes=100)
    bad(saved, "limit", max_bytes=len(saved) - 1)
    assert weights_from_npz(saved, max_bytes=len(saved)).spec == UCI_SPEC
    too_big = b"PK" + bytes(MAX_WEIGHTS_BYTES)
    bad(too_big, "the limit is 5,242,880")


def test_too_large_once_unpacked():
    # Zeros compress to almost nothing: the unpacked size is what is limited.
    spec = nets.NetworkSpec(784, (512, 512, 512), "relu", 10)
    zeros = {
        key: np.zeros_like(a)
        for key, a in arrays_of(make_model(spec=spec, dataset="mnist")).items()
    }
    saved = npz_bytes(meta_of(make_model(spec=spec)), zeros, compressed=True)
    assert len(saved) < 200_000
    bad(saved, "unpack to", max_bytes=500_000)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", bytes(range(256)) * 4, np.random.default_rng(0).bytes(5000)],
    ids=["empty", "text", "bytes", "random"],
)
def test_not_a_zip(data):
    bad(data, r"not an \.npz file")


def test_a_keras_h5_file_is_not_an_npz():
    bad(b"\x89HDF\r\n\x1a\n" + bytes(100), r"not an \.npz file")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated(keep):
    saved = weights_to_npz(make_model())
    bad(saved[: int(len(saved) * keep)], "damaged or truncated")


def test_zip_signature_then_garbage():
    bad(b"PK\x03\x04" + bytes(300), "damaged or truncated")


UNPICKLED = []


def _record_unpickling():
    UNPICKLED.append(True)
    return "boom"


class Bomb:
    """Unpickling this runs code: it must never happen."""

    def __reduce__(self):
        return (_record_unpickling, ())


def test_a_pickled_object_array_is_refused_without_unpickling():
    pickled = np.array([Bomb()], dtype=object)
    for name in ("kernel_0", "meta", "other"):
        arrays = arrays_of()
        if name == "meta":
            saved = npz_bytes(None, arrays, raw_meta=pickled)
        else:
            arrays[name] = pickled
            saved = npz_bytes(meta_of(), arrays)
        bad(saved, "pickled")
    assert UNPICKLED == []


def test_missing_description():
    bad(npz_bytes(None), r"no description \(meta\)")


@pytest.mark.parametrize(
    ("meta", "match"),
    [
        (np.array("{not json"), "not valid JSON"),
        (np.array(""), "not valid JSON"),
        (np.array("[" * 100_000), "not valid JSON"),
        (np.array(3.0), "not a text value"),
        (np.array(["a", "b"]), "not a text value"),
        (np.array(json.dumps({"format": "keras-weights"})), "not saved by Softmax Lab"),
        (np.array(json.dumps([1, 2, 3])), "not saved by Softmax Lab"),
        (np.array(json.dumps("softmax-lab-weights-1")), "not saved by Softmax Lab"),
    ],
)
def test_unreadable_or_foreign_description(meta, match):
    bad(npz_bytes(None, raw_meta=meta), match)


def test_weights_of_the_wrong_shape():
    arrays = arrays_of()
    arrays["kernel_0"] = np.zeros((64, 20), np.float32)
    bad(npz_bytes(meta_of(), arrays), r"layer 1: expected kernel \(64, 25\)")
    arrays = arrays_of()
    arrays["bias_2"] = np.zeros(9, np.float32)
    bad(npz_bytes(meta_of(), arrays), r"layer 3: expected kernel \(15, 10\) and bias \(10,\)")
    # Right shapes for another network than the one described.
    other = make_model(spec=nets.NetworkSpec(784), dataset="mnist")
    bad(npz_bytes(meta_of(), arrays_of(other)), "layer 1")


def test_extra_or_missing_arrays():
    extra = np.zeros((10, 10), np.float32)
    bad(npz_bytes(meta_of(), kernel_3=extra, bias_3=np.zeros(10, np.float32)), "should hold")
    bad(npz_bytes(meta_of(), notes=np.zeros(3)), "should hold")
    bad(npz_bytes(meta_of(), drop=["bias_2"]), r"should hold .* for a 3-layer network")
    bad(npz_bytes(meta_of(hidden=[25]), drop=[]), "for a 2-layer network")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"dataset": "cifar10"}, "data set 'cifar10' is not uci-digits or mnist"),
        ({"dataset": None}, "data set None"),
        ({"scale": "log"}, "input scaling 'log' is not max or raw"),
        ({"scale": None}, "input scaling None"),
    ],
)
def test_unknown_dataset_or_scale(changes, match):
    bad(npz_bytes(meta_of(**changes)), match)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights(value):
    arrays = arrays_of()
    arrays["kernel_1"] = arrays["kernel_1"].copy()
    arrays["kernel_1"][3, 4] = value
    bad(npz_bytes(meta_of(), arrays), "layer 2 kernel contains inf or nan")


def test_integer_weights():
    arrays = arrays_of()
    arrays["bias_0"] = np.zeros(25, np.int32)
    bad(npz_bytes(meta_of(), arrays), "layer 1 bias is int32, not floating point")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"hidden": [1000]}, "1 to 512 units"),
        ({"hidden": [25, 15, 8, 4]}, "at most 3 hidden layers"),
        ({"hidden": [25, 0]}, "1 to 512 units"),
        ({"outputs": 100_000}, "1 to 512 units"),
        ({"inputs": 0}, "at least one input"),
        ({"activation": "gelu"}, "activation 'gelu'"),
        ({"hidden": None}, "unusable layer sizes"),
        ({"inputs": None}, "unusable layer sizes"),
        ({"inputs": float("inf")}, "unusable layer sizes"),
    ],
)
def test_description_beyond_limits(changes, match):
    bad(npz_bytes(meta_of(**changes)), match)


@pytest.mark.parametrize("key", ["inputs", "hidden", "activation", "outputs"])
def test_description_lacking_a_size(key):
    meta = meta_of()
    del meta[key]
    bad(npz_bytes(meta), f"lacks '{key}'")


def _patch_central_directory(saved, offset, fmt, value):
    """Change a field of every central directory entry of a zip."""
    data = bytearray(saved)
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into(fmt, data, start + offset, value)
        start += 4
    return bytes(data)


def test_an_encrypted_member_is_refused():
    saved = weights_to_npz(make_model())
    encrypted = _patch_central_directory(saved, 8, "<H", 0x1)  # general purpose flag bit 0
    bad(encrypted, r"not a readable \.npz file")


def test_an_unknown_compression_method_is_refused():
    saved = weights_to_npz(make_model())
    bad(_patch_central_directory(saved, 10, "<H", 99), r"not a readable \.npz file")


def test_a_damaged_array_header_is_refused():
    # kernel_0 is larger than one read: its header is parsed before the CRC is checked.
    saved = weights_to_npz(make_model())
    header = saved.index(b"'shape': (64, 25), }")
    damaged = bytearray(saved)
    damaged[header + len("'shape': (64, 25), ")] = ord(",")
    bad(bytes(damaged), "kernel_0 is not a readable NumPy array")


def test_damaged_compressed_data_is_refused():
    saved = bytearray(npz_bytes(meta_of(), compressed=True))
    with zipfile.ZipFile(io.BytesIO(bytes(saved))) as archive:
        offset = archive.getinfo("kernel_0.npy").header_offset
    # Inside the deflate stream of kernel_0, past its local header (whose extra field
    # numpy writes with zip64 data the central directory does not repeat).
    name_length, extra_length = struct.unpack_from("<HH", saved, offset + 26)
    body = offset + 30 + name_length + extra_length
    for i in range(body, body + 16):
        saved[i] ^= 0xFF
    bad(bytes(saved), r"not a readable \.npz file")


GOOD = weights_to_npz(make_model())
GOOD_COMPRESSED = npz_bytes(meta_of(), compressed=True)


@given(
    st.sampled_from([GOOD, GOOD_COMPRESSED]),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10**6),
)
def test_damaged_files_give_a_value_error_or_a_valid_model(saved, flips, cut):
    damaged = bytearray(saved)
    for position, value in flips:
        damaged[position % len(damaged)] = value
    damaged = bytes(damaged[: max(1, len(damaged) - cut % 200)])
    try:
        model = weights_from_npz(damaged)
    except ValueError as error:
        assert str(error)
    else:
        nets.check_weights(model.weights, model.spec)


# --- inference and evaluation ---------------------------------------------------------


def test_prepare_scales_like_training(uci):
    images = uci.x_test[:5]
    prepared = make_model(scale="max").prepare(images)
    assert prepared.dtype == np.float32 and prepared.shape == (5, 64)
    np.testing.assert_allclose(prepared, images.reshape(5, 64) / 16)
    np.testing.assert_array_equal(prepared, data.flatten_images(images, "max", 16))
    raw = make_model(scale="raw").prepare(images)
    np.testing.assert_array_equal(raw, images.reshape(5, 64).astype(np.float32))
    assert raw.max() == images.max() > 1
    mnist = make_model(spec=nets.NetworkSpec(784), dataset="mnist", pixel_max=255)
    digits = np.full((2, 28, 28), 255, np.uint8)
    np.testing.assert_array_equal(mnist.prepare(digits), np.ones((2, 784), np.float32))


def test_logits_are_the_numpy_forward_pass(uci, trained):
    x = data.flatten_images(uci.x_test, "max", 16)
    np.testing.assert_array_equal(trained.logits(uci.x_test), nets.logits(trained.weights, x))


def check_evaluation(model, images, labels):
    result = evaluate(model, images, labels)
    n = len(labels)
    assert result.probabilities.shape == (n, 10)
    assert np.all(np.isfinite(result.probabilities))
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(result.predictions, np.argmax(model.logits(images), axis=1))
    assert result.accuracy == pytest.approx(np.mean(result.predictions == labels))
    assert result.confusion.shape == (10, 10)
    assert result.confusion.sum() == n
    assert np.trace(result.confusion) / n == pytest.approx(result.accuracy)
    np.testing.assert_array_equal(result.confusion.sum(axis=1), np.bincount(labels, minlength=10))
    for true, predicted in [(3, 3), (3, 8), (9, 4)]:
        expected = np.sum((labels == true) & (result.predictions == predicted))
        assert result.confusion[true, predicted] == expected
    wrong = np.flatnonzero(result.predictions != labels)
    assert sorted(result.misclassified.tolist()) == wrong.tolist()
    confidence = result.probabilities[
        result.misclassified, result.predictions[result.misclassified]
    ]
    assert np.all(np.diff(confidence) <= 0)
    return result


def test_evaluate_a_trained_model(uci, trained):
    result = check_evaluation(trained, uci.x_test, uci.y_test)
    assert 0.7 < result.accuracy < 1.0  # learned, and still makes mistakes to show
    assert len(result.misclassified) > 0


def test_evaluate_an_untrained_model(uci):
    result = check_evaluation(make_model(seed=5), uci.x_test, uci.y_test)
    assert result.accuracy < 0.5


def test_evaluate_with_huge_logits_stays_finite(uci):
    # Raw pixels and large initial weights: logits far beyond 88.72, stable softmax copes.
    spec = UCI_SPEC
    model = make_model(weights=nets.init_weights(spec, 2, scale=20.0), scale="raw")
    assert np.abs(model.logits(uci.x_test)).max() > 1000
    check_evaluation(model, uci.x_test, uci.y_test)
