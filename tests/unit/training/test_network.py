"""The NumPy network (variant D, and the draw page's inference) against Keras and by itself."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.jobs.pool import JobStatus, WorkerPool
from core.softmax.functions import log_softmax_stable, softmax_naive, softmax_stable
from core.training import network as nets

T = "tests.job_tasks:"


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(7)
    return rng.random((16, 64), dtype=np.float32), rng.integers(0, 10, 16)


@pytest.mark.tensorflow
@pytest.mark.parametrize("activation", nets.ACTIVATIONS)
def test_gradients_forward_and_adam_equal_keras(batch, activation):
    x, y = batch
    spec = nets.NetworkSpec(64, (25, 15), activation)
    weights = nets.init_weights(spec, seed=3)
    pool = WorkerPool(max_workers=1)
    try:
        job = pool.submit(
            T + "keras_gradients",
            {"weights": weights, "x": x, "y": y, "activation": activation, "learning_rate": 0.01},
        )
        assert pool.wait(job, 180) and job.status is JobStatus.DONE, job.error
    finally:
        pool.shutdown()
    keras = job.result
    loss, grads = nets.loss_and_gradients(weights, x, y, activation)
    assert loss == pytest.approx(keras["loss"], rel=1e-5)
    np.testing.assert_allclose(nets.logits(weights, x, activation), keras["logits"], atol=1e-5)
    np.testing.assert_allclose(
        softmax_stable(nets.logits(weights, x, activation), axis=1),
        keras["probabilities"],
        atol=1e-6,
    )
    ours = [g for pair in grads for g in pair]
    for mine, theirs in zip(ours, keras["grads"], strict=True):
        np.testing.assert_allclose(mine, theirs, atol=2e-6, rtol=1e-4)
    net = nets.Network(spec, weights)
    net.loss_and_gradients(x, y)
    nets.Adam(0.01).apply(net.params, net.grads)
    stepped = [a for pair in net.weights() for a in pair]
    for mine, theirs in zip(stepped, keras["adam_after_one_step"], strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-6, rtol=1e-5)


def numeric_gradient(weights, x, y, layer, index, eps=1e-3):
    w64 = [(w.astype(np.float64), b.astype(np.float64)) for w, b in weights]

    def loss_at(delta):
        shifted = [(w.copy(), b.copy()) for w, b in w64]
        shifted[layer][0][index] += delta
        z = nets.logits(shifted, x.astype(np.float64), "tanh")
        return float(-np.mean(log_softmax_stable(z, axis=1)[np.arange(len(y)), y]))

    return (loss_at(eps) - loss_at(-eps)) / (2 * eps)


def test_gradient_matches_finite_differences(batch):
    x, y = batch
    weights = nets.init_weights(nets.NetworkSpec(64, (8,), "tanh"), seed=1)
    _, grads = nets.loss_and_gradients(weights, x, y, "tanh")
    for layer, index in [(0, (3, 2)), (0, (40, 7)), (1, (5, 9))]:
        assert grads[layer][0][index] == pytest.approx(
            numeric_gradient(weights, x, y, layer, index), abs=2e-4
        )


def test_output_gradient_is_p_minus_onehot():
    # One layer, no hidden: dL/dz = (p - onehot(y)) / n, so dL/db is its column sum.
    spec = nets.NetworkSpec(4, (), "relu", 3)
    weights = nets.init_weights(spec, seed=0)
    x = np.eye(4, dtype=np.float32)[:2]
    y = np.array([0, 2])
    _, grads = nets.loss_and_gradients(weights, x, y)
    p = softmax_stable(nets.logits(weights, x), axis=1)
    expected = (p - np.eye(3)[y]).sum(axis=0) / 2
    np.testing.assert_allclose(grads[0][1], expected, atol=1e-7)


def one_layer_network_with_logits(z):
    # No hidden layer, identity inputs and zero biases: the logits are z itself.
    n, k = z.shape
    weights = [(z.astype(np.float32), np.zeros(k, np.float32))]
    return weights, np.eye(n, dtype=np.float32)


@given(
    z=arrays(
        np.float32,
        st.tuples(st.integers(1, 6), st.integers(2, 10)),
        elements=st.floats(-3000, 3000, width=32),
    ),
    data=st.data(),
)
def test_tuned_step_is_the_shared_softmax(z, data):
    # The tuned step keeps its own copy of the softmax and the loss, for speed; it must
    # give what the shared functions give, far past float32's exp overflow too.
    n, k = z.shape
    y = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    weights, x = one_layer_network_with_logits(z)
    onehot = np.eye(k, dtype=np.float32)[y]
    rows = np.arange(n)

    loss, grads = nets.loss_and_gradients(weights, x, y, stable=True)
    expected = -log_softmax_stable(z, axis=1)[rows, y]
    # A sum of n logs against n separate ones: a few float32 roundings of the terms' size.
    scale = np.abs(expected).max() + np.log(k) + 1
    assert abs(loss - expected.mean()) <= 8 * np.finfo(np.float32).eps * scale
    # With identity inputs, dL/dW is the output delta (p - onehot) / n itself.
    np.testing.assert_allclose(
        grads[0][0], (softmax_stable(z, axis=1) - onehot) / n, rtol=1e-5, atol=1e-6 / n
    )

    naive_loss, naive_grads = nets.loss_and_gradients(weights, x, y, stable=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_naive = softmax_naive(z, axis=1)
        expected_naive = float(-np.mean(np.log(p_naive[rows, y])))
    if np.isfinite(expected_naive):
        assert naive_loss == pytest.approx(expected_naive, rel=1e-5, abs=1e-5)
        np.testing.assert_allclose(
            naive_grads[0][0], (p_naive - onehot) / n, rtol=1e-5, atol=1e-6 / n
        )
    else:
        assert not np.isfinite(naive_loss)


def test_naive_softmax_breaks_where_stable_does_not():
    weights, x = one_layer_network_with_logits(np.array([[1000.0, 0.0, -5.0]]))
    # exp(1000) is inf, so p_1 = 1/inf = 0 and -log(0) = inf.
    loss, _ = nets.loss_and_gradients(weights, x, np.array([1]), stable=False)
    assert not np.isfinite(loss)
    loss, grads = nets.loss_and_gradients(weights, x, np.array([1]))
    assert loss == pytest.approx(1000)
    np.testing.assert_allclose(grads[0][0], [[1, -1, 0]], atol=1e-30)


@given(st.integers(0, 2**32 - 1), st.floats(0.1, 3.0))
def test_init_is_reproducible_and_glorot(seed, scale):
    spec = nets.NetworkSpec(784)
    a, b = nets.init_weights(spec, seed, scale), nets.init_weights(spec, seed, scale)
    for (wa, ba), (wb, _) in zip(a, b, strict=True):
        np.testing.assert_array_equal(wa, wb)
        assert not ba.any()
        assert np.abs(wa).max() <= np.sqrt(6 / sum(wa.shape)) * scale + 1e-6


def test_network_buffers_are_views():
    spec = nets.NetworkSpec(64)
    net = nets.Network(spec, nets.init_weights(spec, 0))
    assert net.params.size == 64 * 25 + 25 + 25 * 15 + 15 + 15 * 10 + 10
    net.params[:] = 0
    assert all(not w.any() and not b.any() for w, b in net.layers)


def test_training_reduces_the_loss(batch):
    x, y = batch
    spec = nets.NetworkSpec(64)
    # A learning rate in the calm range: at 0.5, SGD on this batch oscillates and its
    # last loss depends on round-off.
    for optimizer, lr in (("adam", 1e-2), ("sgd", 0.1)):
        net = nets.Network(spec, nets.init_weights(spec, 0))
        opt = nets.make_optimizer(optimizer, lr)
        first, _ = net.loss_and_gradients(x, y)
        for _ in range(200):
            loss, _ = net.loss_and_gradients(x, y)
            opt.apply(net.params, net.grads)
        assert loss < first * 0.6


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([], "expected 3 layers"),
        ([(np.zeros((64, 25)), np.zeros(25))] * 3, "layer 2: expected kernel"),
    ],
)
def test_check_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        nets.check_weights(weights, nets.NetworkSpec(64))


def test_check_weights_rejects_non_finite_and_ints():
    spec = nets.NetworkSpec(4, (), "relu", 2)
    w = [(np.full((4, 2), np.nan, np.float32), np.zeros(2, np.float32))]
    with pytest.raises(ValueError, match="inf or nan"):
        nets.check_weights(w, spec)
    with pytest.raises(ValueError, match="not floating"):
        nets.check_weights([(np.zeros((4, 2), int), np.zeros(2, np.float32))], spec)


def test_spec_validation():
    with pytest.raises(ValueError, match="activation"):
        nets.NetworkSpec(4, (3,), "gelu")
    with pytest.raises(ValueError, match="at most 3"):
        nets.NetworkSpec(4, (3, 3, 3, 3))
    with pytest.raises(ValueError, match="1 to 512"):
        nets.NetworkSpec(4, (0,))


def textbook_adam(params, grads_per_step, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    # Keras' rule in float64, moments kept as written: the reference for the rescaled form.
    theta, m, v = params.astype(np.float64), np.zeros(params.size), np.zeros(params.size)
    for t, g in enumerate(grads_per_step, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        theta = theta - alpha * m / (np.sqrt(v) + epsilon)
    return theta


@given(st.integers(0, 2**32 - 1), st.sampled_from([1e-4, 1e-3, 1e-1]))
def test_adam_and_sgd_follow_the_textbook_rule_over_many_steps(seed, lr):
    rng = np.random.default_rng(seed)
    params = rng.standard_normal(50).astype(np.float32)
    # Gradients spanning several orders of magnitude, some exactly zero.
    grads = [
        (rng.standard_normal(50) * 10.0 ** rng.integers(-6, 2, 50) * (rng.random(50) > 0.1))
        for _ in range(60)
    ]
    for optimizer, expected in (
        (nets.Adam(lr), textbook_adam(params, grads, lr)),
        (nets.SGD(lr), params.astype(np.float64) - lr * np.sum(grads, axis=0)),
    ):
        theta = params.copy()
        for g in grads:
            optimizer.apply(theta, g.astype(np.float32))
        np.testing.assert_allclose(theta, expected, rtol=1e-5, atol=1e-5 * lr)


def textbook_backprop(weights, x, y, activation):
    # Float64, one plain line per formula: an independent reference for Network's step.
    act = {"relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    slope = {"relu": lambda a: (a > 0) * 1.0, "sigmoid": lambda a: a * (1 - a)}
    g, g_prime = act.get(activation, np.tanh), slope.get(activation, lambda a: 1 - a * a)
    w64 = [(w.astype(np.float64), b.astype(np.float64)) for w, b in weights]
    outputs = [x.astype(np.float64)]
    for w, b in w64[:-1]:
        outputs.append(g(outputs[-1] @ w + b))
    z = outputs[-1] @ w64[-1][0] + w64[-1][1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    delta = (p - np.eye(z.shape[1])[y]) / n
    grads = []
    for layer in range(len(w64) - 1, -1, -1):
        grads.insert(0, (outputs[layer].T @ delta, delta.sum(axis=0)))
        if layer:
            delta = (delta @ w64[layer][0].T) * g_prime(outputs[layer])
    return loss, grads


@pytest.mark.parametrize("hidden", [(), (7,), (25, 15), (9, 1, 12)])
@pytest.mark.parametrize("activation", nets.ACTIVATIONS)
@pytest.mark.parametrize("stable", [True, False])
def test_step_equals_textbook_backprop_at_every_depth_and_batch_size(
    batch, hidden, activation, stable
):
    # One network called with changing batch sizes: each size has its own scratch
    # buffers, and none may see another's values.
    x, y = batch
    spec = nets.NetworkSpec(64, hidden, activation)
    weights = nets.init_weights(spec, seed=5)
    net = nets.Network(spec, weights)
    for rows in (slice(0, 16), slice(0, 5), slice(3, 16), slice(0, 5)):
        loss, z = net.loss_and_gradients(x[rows], y[rows], stable)
        expected_loss, expected = textbook_backprop(weights, x[rows], y[rows], activation)
        assert loss == pytest.approx(expected_loss, rel=1e-6)
        np.testing.assert_allclose(z, nets.logits(weights, x[rows], activation), atol=1e-5)
        for (g_w, g_b), (e_w, e_b) in zip(net.grad_layers, expected, strict=True):
            np.testing.assert_allclose(g_w, e_w, atol=1e-6 * np.abs(e_w).max() + 1e-9)
            np.testing.assert_allclose(g_b, e_b, atol=1e-6 * np.abs(e_b).max() + 1e-9)


def test_a_saturated_row_has_exactly_zero_gradient_at_any_batch_size():
    # p rounds to exactly 1 for the true class: p - 1 must be 0 before the 1/n, or
    # rounding at 1/n leaves a spurious gradient that Adam would then amplify.
    spec = nets.NetworkSpec(3, (), "relu", 4)
    weights = [(np.zeros((3, 4), np.float32), np.array([40, 0, 0, 0], np.float32))]
    x = np.ones((7, 3), np.float32)
    y = np.zeros(7, int)
    for stable in (True, False):
        net = nets.Network(spec, weights)
        net.loss_and_gradients(x, y, stable)
        assert not net.grad_layers[0][1][0] and not net.grad_layers[0][0][:, 0].any()


def test_weights_come_back_in_keras_layout_although_the_first_kernel_is_stored_transposed():
    spec = nets.NetworkSpec(6, (4,), "relu", 3)
    weights = nets.init_weights(spec, seed=2)
    net = nets.Network(spec, weights)
    returned = net.weights()
    net.params[:] = 0
    for (w, b), (w0, b0) in zip(returned, weights, strict=True):
        assert w.flags.c_contiguous
        # Copies, not views: training on does not change weights handed out earlier.
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(b, b0)


def test_parameter_count_and_summary_of_the_course_network():
    spec = nets.NetworkSpec(784)
    assert spec.parameter_count == 784 * 25 + 25 + 25 * 15 + 15 + 15 * 10 + 10 == 20_175
    assert spec.summary == "784 → 25 → 15 → 10 (relu): 20,175 weights and biases"
    weights = nets.init_weights(nets.NetworkSpec(64, (7,), "tanh"), seed=0)
    assert sum(w.size + b.size for w, b in weights) == nets.NetworkSpec(64, (7,)).parameter_count
