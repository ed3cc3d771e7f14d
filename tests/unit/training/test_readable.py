"""The readable NumPy network trains exactly like the tuned one that variant D runs.

Both networks compute the same formulas in float32 but in different orders (BLAS
on the tuned network's transposed first kernel, column sums as matrix-vector
products, 1/n as a product, Adam's rescaled moments), so each step's gradients
differ by a few float32 ulps (2**-23, about 1.2e-7, of the terms summed). Measured
over 1,200 runs of 20 steps (100 seeds, 0 to 2 hidden layers, every activation,
learning rates 1e-3 to 0.1):

* SGD: weights differ by at most 2e-7 * lr beyond 1e-4 of their size, hence
  ``rtol=1e-4, atol=1e-6``; losses by at most 3e-7 relative, hence ``rel=1e-5``.
* Adam divides each gradient by its own running size, so a parameter whose
  gradient is itself rounding noise (a bias whose batch sum cancels to 1e-8)
  moves by about ``lr * dg / epsilon_hat``, with ``epsilon_hat = 1e-7 /
  sqrt(1 - 0.999**t)``, 3.2e-6 at the first step. The largest difference
  measured was 1.4e-3 * lr (at lr 1e-3 and 1e-2), hence ``atol=1e-2 * lr``.

Real mistakes land far outside these bounds: the course's epsilon (added after the
bias correction), a bias correction one step off, beta2 = 0.99, a missing 1/n, a
mean instead of a sum for db, or a ReLU slope of 1 at 0 each fail the 20-step test
(checked by planting each in the readable code).
"""

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.softmax.exact import cross_entropy_exact
from core.softmax.functions import softmax_stable
from core.training import data, readable
from core.training import network as nets
from core.training.readable import ReadableNetwork, cross_entropy, readable_source, softmax
from core.training.run import NumpyEngine, TrainConfig

STEPS = 20
# The course's optimisers at the page's usual step sizes.
OPTIMIZERS = [("adam", 1e-3), ("sgd", 0.1)]
BATCH_SIZES = (32, 8, 17, 1)  # changing every step: the tuned network keeps buffers per size


def digits():
    dataset = data.load_uci_digits()  # cached: loaded once per process
    x = data.flatten_images(dataset.x_train, "max", dataset.pixel_max)
    return x, dataset.y_train.astype(np.int64)


def batches(seed, sizes, steps=STEPS):
    x, y = digits()
    rng = np.random.default_rng(seed)
    for step in range(steps):
        rows = rng.choice(len(y), sizes[step % len(sizes)], replace=False)
        yield x[rows], y[rows]


def train_both(spec, weights, optimizer, learning_rate, batch_list, stable=True):
    """Train the tuned network through variant D's engine and the readable one, in step."""
    config = TrainConfig(
        variants=("D",),
        optimizer=optimizer,
        learning_rate=learning_rate,
        naive_softmax=not stable,
    )
    engine = NumpyEngine(spec, weights, config)
    net = ReadableNetwork(spec, weights, optimizer, learning_rate)
    tuned_losses, readable_losses = [], []
    for x, y in batch_list:
        # One step per call, as a chunk of one batch: the batch size may change each time.
        losses, _, _ = engine.run(x[None], y[None])
        tuned_losses += losses
        readable_losses.append(net.train_step(x, y, stable))
    return (tuned_losses, engine.weights()), (readable_losses, net.weights())


def tolerance(optimizer, learning_rate):
    # See the module docstring for where these come from.
    return {"rtol": 1e-4, "atol": 1e-6 if optimizer == "sgd" else 1e-2 * learning_rate}


def assert_same_training(tuned, mine, optimizer, learning_rate):
    (tuned_losses, tuned_weights), (my_losses, my_weights) = tuned, mine
    assert my_losses == pytest.approx(tuned_losses, rel=1e-5)
    for (w, b), (my_w, my_b) in zip(tuned_weights, my_weights, strict=True):
        assert my_w.dtype == my_b.dtype == np.float32
        np.testing.assert_allclose(my_w, w, **tolerance(optimizer, learning_rate))
        np.testing.assert_allclose(my_b, b, **tolerance(optimizer, learning_rate))


@pytest.mark.parametrize("hidden", [(), (7,), (25, 15)])
@pytest.mark.parametrize("activation", nets.ACTIVATIONS)
@pytest.mark.parametrize(("optimizer", "learning_rate"), OPTIMIZERS)
@pytest.mark.parametrize("stable", [True, False])
def test_same_weights_and_losses_as_the_tuned_network_after_20_steps(
    hidden, activation, optimizer, learning_rate, stable
):
    spec = nets.NetworkSpec(64, hidden, activation)
    weights = nets.init_weights(spec, seed=3)
    tuned, mine = train_both(
        spec, weights, optimizer, learning_rate, batches(11, BATCH_SIZES), stable
    )
    assert_same_training(tuned, mine, optimizer, learning_rate)
    # Training happened: equal weights that never moved would prove nothing.
    assert not np.allclose(mine[1][0][0], weights[0][0], atol=1e-3 * learning_rate)


@given(
    seed=st.integers(0, 2**32 - 1),
    hidden=st.lists(st.integers(1, 30), max_size=2).map(tuple),
    activation=st.sampled_from(nets.ACTIVATIONS),
    optimizer=st.sampled_from([("adam", 1e-3), ("adam", 1e-2), ("sgd", 1e-2), ("sgd", 0.1)]),
    sizes=st.lists(st.integers(1, 64), min_size=1, max_size=5),
    stable=st.booleans(),
)
def test_training_matches_the_tuned_network_for_any_shape_and_batch_sizes(
    seed, hidden, activation, optimizer, sizes, stable
):
    name, learning_rate = optimizer
    spec = nets.NetworkSpec(64, hidden, activation)
    weights = nets.init_weights(spec, seed)
    tuned, mine = train_both(spec, weights, name, learning_rate, batches(seed, sizes), stable)
    assert_same_training(tuned, mine, name, learning_rate)


@pytest.mark.parametrize("hidden", [(), (9, 1, 12)])
@pytest.mark.parametrize("activation", nets.ACTIVATIONS)
@pytest.mark.parametrize("stable", [True, False])
def test_gradients_equal_the_tuned_networks(hidden, activation, stable):
    spec = nets.NetworkSpec(64, hidden, activation)
    weights = nets.init_weights(spec, seed=5)
    net = ReadableNetwork(spec, weights)
    for x, y in batches(2, (16, 5, 1), steps=3):
        z, activations = net.forward(x)
        grads = net.backward(activations, z, y, stable)
        expected_loss, expected = nets.loss_and_gradients(weights, x, y, activation, stable)
        assert cross_entropy(z, y, stable) == pytest.approx(expected_loss, rel=1e-6)
        np.testing.assert_allclose(z, nets.logits(weights, x, activation), rtol=1e-6, atol=1e-6)
        for mine, theirs in zip(grads, expected, strict=True):
            for g, e in zip(mine, theirs, strict=True):
                assert g.shape == e.shape and g.dtype == np.float32
                np.testing.assert_allclose(g, e, atol=1e-6 * np.abs(e).max() + 1e-9)


@given(st.integers(0, 2**32 - 1), st.sampled_from([1e-4, 1e-3, 1e-1]))
def test_adam_and_sgd_give_the_tuned_update_for_the_same_gradients(seed, learning_rate):
    # Gradients spanning eight orders of magnitude, some exactly zero: the smallest are
    # where the course's epsilon convention and Keras' part.
    rng = np.random.default_rng(seed)
    spec = nets.NetworkSpec(6, (), "relu", 5)
    weights = [(rng.standard_normal((6, 5), np.float32), rng.standard_normal(5, np.float32))]
    for name in ("adam", "sgd"):
        tuned = nets.Network(spec, weights)
        optimizer = nets.make_optimizer(name, learning_rate)
        net = ReadableNetwork(spec, weights, name, learning_rate)
        for _ in range(30):
            g_w, g_b = (
                (
                    rng.standard_normal(shape)
                    * 10.0 ** rng.integers(-8, 1, shape)
                    * (rng.random(shape) > 0.1)
                ).astype(np.float32)
                for shape in ((6, 5), (5,))
            )
            tuned.grad_layers[0][0][...] = g_w
            tuned.grad_layers[0][1][...] = g_b
            optimizer.apply(tuned.params, tuned.grads)
            (net.adam_step if name == "adam" else net.sgd_step)([(g_w.copy(), g_b.copy())])
        for mine, theirs in zip(net.weights()[0], tuned.weights()[0], strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5 * learning_rate)


def test_naive_softmax_breaks_at_the_same_step_and_leaves_the_weights_alone():
    # Raw pixels (0 to 16) and large initial weights: logits pass 88.72 at once.
    spec = nets.NetworkSpec(64, (25, 15), "relu")
    weights = nets.init_weights(spec, seed=0, scale=8.0)
    raw = [(x * 16, y) for x, y in batches(0, (32,), steps=3)]
    for stable in (False, True):
        (tuned_losses, tuned_weights), (my_losses, my_weights) = train_both(
            spec, weights, "adam", 1e-3, raw, stable
        )
        if stable:
            assert all(math.isfinite(v) for v in my_losses)
            assert my_losses == pytest.approx(tuned_losses, rel=1e-5)
            continue
        assert not math.isfinite(my_losses[0]) and not math.isfinite(tuned_losses[0])
        for kept in (my_weights, tuned_weights):
            for (w, b), (w0, b0) in zip(kept, weights, strict=True):
                np.testing.assert_array_equal(w, w0)
                np.testing.assert_array_equal(b, b0)


def test_softmax_and_loss_stable_and_naive():
    z = np.array([[1000.0, 0.0, -5.0], [1.0, 2.0, 3.0]], np.float32)
    y = np.array([1, 2])
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1, rtol=1e-6)
    assert np.isnan(softmax(z, stable=False)[0]).any()  # inf / inf
    np.testing.assert_allclose(softmax(z[1:], stable=False), softmax(z[1:]), rtol=1e-6)
    exact = [float(cross_entropy_exact(row, label)) for row, label in zip(z, y, strict=True)]
    expected = np.mean(exact)
    assert cross_entropy(z, y) == pytest.approx(expected, rel=1e-6)
    np.testing.assert_array_equal(softmax(z), softmax_stable(z, axis=1))
    assert not math.isfinite(cross_entropy(z, y, stable=False))


def test_unknown_optimizer_and_wrong_weights_are_refused():
    spec = nets.NetworkSpec(4, (3,), "relu", 2)
    weights = nets.init_weights(spec, 0)
    with pytest.raises(ValueError, match="adam or sgd"):
        ReadableNetwork(spec, weights, "rmsprop")
    with pytest.raises(ValueError, match="expected 2 layers"):
        ReadableNetwork(spec, weights[:1])


def test_weights_are_copies():
    spec = nets.NetworkSpec(4, (3,), "relu", 2)
    weights = nets.init_weights(spec, 0)
    net = ReadableNetwork(spec, weights)
    handed_out = net.weights()
    net.train_step(np.ones((2, 4), np.float32), np.array([0, 1]))
    np.testing.assert_array_equal(handed_out[0][0], weights[0][0])
    assert not np.array_equal(net.weights()[0][0], weights[0][0])


def test_source_is_the_whole_module_and_imports_neither_streamlit_nor_tensorflow():
    source = readable_source()
    assert source == Path(readable.__file__).read_text(encoding="utf-8")
    assert "class ReadableNetwork" in source and "def adam_step" in source
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"__future__", "inspect", "math", "sys", "numpy", "core"}
