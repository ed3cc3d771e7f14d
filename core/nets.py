"""The course's small network in plain NumPy: forward pass, backpropagation, optimisers.

``Dense(25, relu) -> Dense(15, relu) -> Dense(10)`` by default. The same weights
drive the Keras variants (they are copied into the Keras layers), the from-scratch
variant D, and the draw page's inference in the server process, which must not
import TensorFlow.

Weights are a list of ``(W, b)`` pairs, ``W`` of shape ``(fan_in, fan_out)``:
the Keras ``Dense`` kernel layout, so they move between the two unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ACTIVATIONS = ("relu", "sigmoid", "tanh")
MAX_HIDDEN_LAYERS = 3
MAX_UNITS = 512

Weights = list[tuple[NDArray[np.float32], NDArray[np.float32]]]


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes and hidden activation of a fully connected classifier.

    Attributes
    ----------
    inputs : int
        Input size (784 for MNIST, 64 for the UCI digits).
    hidden : tuple of int
        Hidden layer sizes, at most `MAX_HIDDEN_LAYERS`.
    activation : str
        Hidden activation: ``"relu"``, ``"sigmoid"`` or ``"tanh"``.
    outputs : int
        Number of classes.
    """

    inputs: int
    hidden: tuple[int, ...] = (25, 15)
    activation: str = "relu"
    outputs: int = 10

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r} is not one of {ACTIVATIONS}")
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers; got {len(self.hidden)}")
        if any(not 1 <= n <= MAX_UNITS for n in (*self.hidden, self.outputs)):
            raise ValueError(f"hidden and output layers have 1 to {MAX_UNITS} units")
        if self.inputs < 1:
            raise ValueError("the network needs at least one input")

    @property
    def sizes(self) -> tuple[int, ...]:
        """All layer sizes, input first."""
        return (self.inputs, *self.hidden, self.outputs)

    def shapes(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        """Return the expected ``(W.shape, b.shape)`` per layer."""
        return [((a, b), (b,)) for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True)]


def init_weights(spec: NetworkSpec, seed: int, scale: float = 1.0) -> Weights:
    r"""Glorot-uniform kernels and zero biases, as Keras initialises ``Dense``.

    Parameters
    ----------
    spec : NetworkSpec
        The architecture.
    seed : int
        Random seed; equal seeds give equal weights.
    scale : float, optional
        Multiplies the kernels (the page's "initial weight scale").

    Returns
    -------
    list of (W, b)
        float32 weights.

    Notes
    -----
    .. math:: W_{ij} \sim U(-l, l), \quad l = \sqrt{6 / (n_{in} + n_{out})}
    """
    rng = np.random.default_rng(seed)
    weights = []
    for (fan_in, fan_out), bias_shape in spec.shapes():
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=(fan_in, fan_out)) * scale
        weights.append((w.astype(np.float32), np.zeros(bias_shape, np.float32)))
    return weights


def check_weights(weights: Weights, spec: NetworkSpec) -> None:
    """Raise ``ValueError`` unless `weights` fit `spec` and are finite float arrays.

    Parameters
    ----------
    weights : list of (W, b)
        Candidate weights, for example from an uploaded file.
    spec : NetworkSpec
        The architecture they must fit.
    """
    expected = spec.shapes()
    if len(weights) != len(expected):
        raise ValueError(f"expected {len(expected)} layers of weights; got {len(weights)}")
    for i, ((w, b), (w_shape, b_shape)) in enumerate(zip(weights, expected, strict=True)):
        if w.shape != w_shape or b.shape != b_shape:
            raise ValueError(
                f"layer {i + 1}: expected kernel {w_shape} and bias {b_shape}; "
                f"got {w.shape} and {b.shape}"
            )
        for name, a in (("kernel", w), ("bias", b)):
            if not np.issubdtype(a.dtype, np.floating):
                raise ValueError(f"layer {i + 1} {name} is {a.dtype}, not floating point")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"layer {i + 1} {name} contains inf or nan")


def _activate(z: NDArray[np.float32], activation: str) -> NDArray[np.float32]:
    if activation == "relu":
        return np.maximum(z, 0, out=z)
    if activation == "sigmoid":
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-z))
    return np.tanh(z)


def _activation_grad(a: NDArray[np.float32], activation: str) -> NDArray:
    # Derivatives written in terms of the activation's output, which is cached.
    if activation == "relu":
        return a > 0
    if activation == "sigmoid":
        return a * (1 - a)
    return 1 - a * a


def logits(weights: Weights, x: NDArray[np.floating], activation: str = "relu") -> NDArray:
    r"""Forward pass to the output layer's logits.

    Parameters
    ----------
    weights : list of (W, b)
        Network weights.
    x : numpy.ndarray
        Inputs, shape ``(n, inputs)``.
    activation : str, optional
        Hidden activation.

    Returns
    -------
    numpy.ndarray
        Logits, shape ``(n, outputs)``.

    Notes
    -----
    .. math:: a_0 = x, \quad a_l = g(a_{l-1} W_l + b_l), \quad z = a_{L-1} W_L + b_L
    """
    a = np.asarray(x, dtype=np.float32)
    for w, b in weights[:-1]:
        a = _activate(a @ w + b, activation)
    w, b = weights[-1]
    return a @ w + b


def softmax_rows(z: NDArray[np.floating], stable: bool = True) -> NDArray[np.floating]:
    r"""Row-wise softmax, with the max shift (stable) or without (naive).

    Parameters
    ----------
    z : numpy.ndarray
        Logits, shape ``(n, k)``.
    stable : bool, optional
        Subtract each row's maximum first.

    Returns
    -------
    numpy.ndarray
        Probabilities, shape ``(n, k)``; the naive form gives ``nan`` rows once a
        logit exceeds ``log(max)`` of the dtype.

    Notes
    -----
    .. math:: p_{ij} = e^{z_{ij} - m_i} / \sum_k e^{z_{ik} - m_i}, \quad m_i = \max_k z_{ik}
    """
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.max(axis=1, keepdims=True)) if stable else np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def cross_entropy_rows(
    z: NDArray[np.floating], y: NDArray[np.integer], stable: bool = True
) -> NDArray[np.floating]:
    r"""Per-sample cross-entropy from logits, stable or naive.

    Parameters
    ----------
    z : numpy.ndarray
        Logits, shape ``(n, k)``.
    y : numpy.ndarray
        True classes, shape ``(n,)``.
    stable : bool, optional
        ``log-sum-exp`` with the max shift; otherwise ``-log`` of the naive softmax.

    Returns
    -------
    numpy.ndarray
        Losses, shape ``(n,)``.

    Notes
    -----
    .. math:: L_i = \log \sum_k e^{z_{ik} - m_i} - (z_{i y_i} - m_i)
    """
    rows = np.arange(z.shape[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if not stable:
            return -np.log(softmax_rows(z, stable=False)[rows, y])
        shifted = z - z.max(axis=1, keepdims=True)
        return np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, y]


class Network:
    r"""The network with all parameters in one flat float32 buffer, for fast training.

    ``W`` and ``b`` of every layer are views into `params`, and their gradients
    views into `grads`, so an optimiser updates everything with a few whole-buffer
    operations instead of dozens of small ones (at batch 32 the per-call overhead
    of NumPy, not the arithmetic, is what limits speed).

    Parameters
    ----------
    spec : NetworkSpec
        The architecture.
    weights : list of (W, b)
        Initial weights (copied).
    """

    def __init__(self, spec: NetworkSpec, weights: Weights) -> None:
        check_weights(weights, spec)
        self.spec = spec
        sizes = [w.size + b.size for w, b in weights]
        self._ones = np.ones(32, np.float32)
        self._row_starts = np.arange(32) * spec.outputs
        self.params = np.empty(sum(sizes), np.float32)
        self.grads = np.zeros_like(self.params)
        self.layers: Weights = []
        self.grad_layers: Weights = []
        offset = 0
        for (w, b), size in zip(weights, sizes, strict=True):
            for target, views in ((self.params, self.layers), (self.grads, self.grad_layers)):
                w_view = target[offset : offset + w.size].reshape(w.shape)
                b_view = target[offset + w.size : offset + size]
                views.append((w_view, b_view))
            self.layers[-1][0][...] = w
            self.layers[-1][1][...] = b
            offset += size

    def weights(self) -> Weights:
        """Return a copy of the weights as ``(W, b)`` pairs."""
        return [(w.copy(), b.copy()) for w, b in self.layers]

    def logits(self, x: NDArray[np.floating]) -> NDArray[np.float32]:
        """Forward pass to the logits (see `logits`)."""
        return logits(self.layers, x, self.spec.activation)

    def loss_and_gradients(
        self, x: NDArray[np.float32], y: NDArray[np.integer], stable: bool = True
    ) -> tuple[float, NDArray[np.float32]]:
        r"""Mean cross-entropy of a batch; its gradient is left in `grads`.

        Parameters
        ----------
        x : numpy.ndarray
            Batch inputs, ``(n, inputs)``, float32.
        y : numpy.ndarray
            Batch labels, ``(n,)``.
        stable : bool, optional
            Stable or naive softmax at the output.

        Returns
        -------
        loss : float
            Mean loss of the batch (``nan`` or ``inf`` when the naive softmax breaks).
        logits : numpy.ndarray
            The batch's logits.

        Notes
        -----
        The lecture's local gradient at the output, averaged over the batch, then
        backpropagated through each layer:

        .. math::
            \delta_L = \frac{1}{n}\left(p - \mathrm{onehot}(y)\right), \quad
            \frac{\partial L}{\partial W_l} = a_{l-1}^T \delta_l, \quad
            \delta_{l-1} = (\delta_l W_l^T) \odot g'(a_{l-1})
        """
        n = x.shape[0]
        activation = self.spec.activation
        activations = [x]
        for w, b in self.layers[:-1]:
            a = activations[-1] @ w
            a += b
            activations.append(_activate(a, activation))
        w_out, b_out = self.layers[-1]
        z = activations[-1] @ w_out
        z += b_out
        if self._ones.shape[0] != n:
            self._ones = np.ones(n, np.float32)
            self._row_starts = np.arange(n) * z.shape[1]
        # Flat positions of the true classes: a 1-D gather is cheaper than a 2-D one.
        picks = self._row_starts + y
        # Sums, not np.mean: at batch 32 every NumPy call's overhead shows in the speed.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            shifted = z - z.max(axis=1, keepdims=True) if stable else z
            delta = np.exp(shifted)
            total = delta.sum(axis=1, keepdims=True)
            delta /= total
            flat = delta.reshape(-1)
            if stable:
                loss = float(np.log(total).sum() - shifted.take(picks).sum()) / n
            else:
                loss = -float(np.log(flat.take(picks)).sum()) / n
        flat[picks] -= 1
        delta *= np.float32(1 / n)
        for layer in range(len(self.layers) - 1, -1, -1):
            a = activations[layer]
            g_w, g_b = self.grad_layers[layer]
            np.matmul(a.T, delta, out=g_w)
            # A matrix-vector product sums the columns faster than np.sum(axis=0).
            np.matmul(self._ones, delta, out=g_b)
            if layer:
                delta = delta @ self.layers[layer][0].T
                delta *= _activation_grad(a, activation)
        return loss, z


def loss_and_gradients(
    weights: Weights,
    x: NDArray[np.floating],
    y: NDArray[np.integer],
    activation: str = "relu",
    stable: bool = True,
) -> tuple[float, Weights]:
    """Mean cross-entropy of a batch and its gradient, as ``(dW, db)`` pairs.

    Parameters
    ----------
    weights : list of (W, b)
        Network weights.
    x, y : numpy.ndarray
        A batch.
    activation : str, optional
        Hidden activation.
    stable : bool, optional
        Stable or naive softmax at the output.

    Returns
    -------
    loss : float
        Mean loss.
    grads : list of (dW, db)
        Gradients, same shapes as `weights`.
    """
    spec = NetworkSpec(
        weights[0][0].shape[0],
        tuple(w.shape[1] for w, _ in weights[:-1]),
        activation,
        weights[-1][0].shape[1],
    )
    net = Network(spec, weights)
    loss, _ = net.loss_and_gradients(np.asarray(x, np.float32), np.asarray(y), stable)
    return loss, [(gw.copy(), gb.copy()) for gw, gb in net.grad_layers]


class Adam:
    r"""Adam on a flat buffer, with Keras' defaults and update rule.

    Parameters
    ----------
    learning_rate : float
        Step size.
    beta_1, beta_2, epsilon : float, optional
        Keras defaults 0.9, 0.999, 1e-7.

    Notes
    -----
    .. math::
        m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
        \theta \leftarrow \theta - \alpha \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
        \frac{m}{\sqrt{v} + \epsilon}
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ) -> None:
        self.learning_rate = learning_rate
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.steps = 0
        self._m: NDArray[np.float32] | None = None

    def apply(self, params: NDArray[np.float32], grads: NDArray[np.float32]) -> None:
        """Update `params` in place from `grads` (both flat float32 buffers)."""
        if self._m is None:
            self._m, self._v = np.zeros_like(params), np.zeros_like(params)
            self._tmp = np.empty_like(params)
        m, v, tmp = self._m, self._v, self._tmp
        self.steps += 1
        t = self.steps
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m *= np.float32(self.beta_1)
        np.multiply(grads, np.float32(1 - self.beta_1), out=tmp)
        m += tmp
        v *= np.float32(self.beta_2)
        np.multiply(grads, grads, out=tmp)
        tmp *= np.float32(1 - self.beta_2)
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += np.float32(self.epsilon)
        np.divide(m, tmp, out=tmp)
        tmp *= np.float32(alpha)
        params -= tmp


class SGD:
    r"""Plain stochastic gradient descent on a flat buffer.

    Notes
    -----
    .. math:: \theta \leftarrow \theta - \alpha g
    """

    def __init__(self, learning_rate: float = 0.01) -> None:
        self.learning_rate = learning_rate
        self.steps = 0

    def apply(self, params: NDArray[np.float32], grads: NDArray[np.float32]) -> None:
        """Update `params` in place from `grads`."""
        self.steps += 1
        params -= np.float32(self.learning_rate) * grads


def make_optimizer(name: str, learning_rate: float) -> Adam | SGD:
    """Return the NumPy optimiser called `name` (``"adam"`` or ``"sgd"``)."""
    if name == "adam":
        return Adam(learning_rate)
    if name == "sgd":
        return SGD(learning_rate)
    raise ValueError(f"optimizer {name!r} is not adam or sgd")


def predict_proba(weights: Weights, x: NDArray[np.floating], activation: str = "relu") -> NDArray:
    """Stable softmax probabilities of a batch (what the draw page shows)."""
    return softmax_rows(logits(weights, x, activation))


def accuracy(weights: Weights, x: NDArray, y: NDArray, activation: str = "relu") -> float:
    """Fraction of samples whose largest logit is the true class."""
    if len(y) == 0:
        return float("nan")
    return float(np.mean(np.argmax(logits(weights, x, activation), axis=1) == y))
