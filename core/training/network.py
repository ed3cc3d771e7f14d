"""The course's small network in plain NumPy: forward pass, backpropagation, optimisers.

``Dense(25, relu) -> Dense(15, relu) -> Dense(10)`` by default. The same weights
drive the Keras variants (they are copied into the Keras layers), the from-scratch
variant D, and the draw page's inference in the server process, which must not
import TensorFlow.

Weights are a list of ``(W, b)`` pairs, ``W`` of shape ``(fan_in, fan_out)``:
the Keras ``Dense`` kernel layout, so they move between the two unchanged.
"""

from __future__ import annotations

import math
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

    @property
    def parameter_count(self) -> int:
        """Weights and biases in all, ``sum(a * b + b)`` over consecutive layer sizes ``a, b``."""
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))

    @property
    def summary(self) -> str:
        """The layers and their parameter count, for the train page.

        Such as ``"784 → 25 → 15 → 10 (relu): 20,175 weights and biases"``.
        """
        layers = " → ".join(str(n) for n in self.sizes)
        return f"{layers} ({self.activation}): {self.parameter_count:,} weights and biases"

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
    # In place: the training step keeps every layer's output in a buffer of its own.
    if activation == "relu":
        return np.maximum(z, 0, out=z)
    if activation == "sigmoid":
        with np.errstate(over="ignore"):
            np.negative(z, out=z)
            np.exp(z, out=z)
            z += 1
            return np.reciprocal(z, out=z)
    return np.tanh(z, out=z)


def _activation_grad(
    a: NDArray[np.float32], activation: str, out: NDArray[np.float32]
) -> NDArray[np.float32]:
    # Derivatives written in terms of the activation's output, which is kept.
    if activation == "relu":
        # a >= 0 after the ReLU, so its sign is the 0/1 slope (cheaper than a > 0 as floats).
        return np.sign(a, out=out)
    if activation == "sigmoid":
        np.subtract(1, a, out=out)
        return np.multiply(out, a, out=out)
    np.multiply(a, a, out=out)
    return np.subtract(1, out, out=out)


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
    return layer_outputs(weights, x, activation)[-1]


def layer_outputs(
    weights: Weights, x: NDArray[np.floating], activation: str = "relu"
) -> list[NDArray[np.float32]]:
    """Forward pass keeping every layer's output: each hidden layer's, then the logits.

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
    list of numpy.ndarray
        ``(n, units)`` per hidden layer, after its activation, and ``(n, outputs)`` logits.
    """
    outputs = []
    a = np.asarray(x, dtype=np.float32)
    for w, b in weights[:-1]:
        a = _activate(a @ w + b, activation)
        outputs.append(a)
    w, b = weights[-1]
    outputs.append(a @ w + b)
    return outputs


@dataclass
class _Scratch:
    """Buffers for one batch size, reused every step: allocation shows at batch 32."""

    outputs: list[NDArray[np.float32]]  # each layer's output, after its activation
    deltas: list[NDArray[np.float32]]  # dL/d(pre-activation) of each hidden layer
    slopes: list[NDArray[np.float32]]  # the activation's derivative at each hidden layer
    probabilities: NDArray[np.float32]  # shifted logits, exp, p, then the output delta
    totals: NDArray[np.float32]  # each row's sum of exponentials
    ones: NDArray[np.float32]  # one per sample: a matrix-vector product sums columns
    ones_out: NDArray[np.float32]  # one per class: the same for rows
    row_starts: NDArray[np.intp]  # flat index of each row's first logit


class Network:
    r"""The network with all parameters in one flat float32 buffer, for fast training.

    ``W`` and ``b`` of every layer are views into `params`, and their gradients
    views into `grads`, so an optimiser updates everything with a few whole-buffer
    operations instead of dozens of small ones (at batch 32 the per-call overhead
    of NumPy, not the arithmetic, is what limits speed). The first layer's kernel
    is stored transposed, ``(fan_out, fan_in)``, because its gradient
    :math:`\delta^T x` is then one BLAS call on contiguous memory and the fastest
    product of the step; `layers` and `grad_layers` still show it in Keras' layout.

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
        self.params = np.empty(sum(w.size + b.size for w, b in weights), np.float32)
        self.grads = np.zeros_like(self.params)
        self.layers: Weights = []
        self.grad_layers: Weights = []
        offset = 0
        for i, (w, b) in enumerate(weights):
            stored = w.shape[::-1] if i == 0 else w.shape
            for target, views in ((self.params, self.layers), (self.grads, self.grad_layers)):
                w_view = target[offset : offset + w.size].reshape(stored)
                b_view = target[offset + w.size : offset + w.size + b.size]
                views.append((w_view.T if i == 0 else w_view, b_view))
            self.layers[-1][0][...] = w
            self.layers[-1][1][...] = b
            offset += w.size + b.size
        self._scratch: dict[int, _Scratch] = {}

    def _scratch_for(self, n: int) -> _Scratch:
        if n not in self._scratch:
            sizes = self.spec.sizes[1:]
            self._scratch[n] = _Scratch(
                outputs=[np.empty((n, k), np.float32) for k in sizes],
                deltas=[np.empty((n, k), np.float32) for k in sizes[:-1]],
                slopes=[np.empty((n, k), np.float32) for k in sizes[:-1]],
                probabilities=np.empty((n, sizes[-1]), np.float32),
                totals=np.empty(n, np.float32),
                ones=np.ones(n, np.float32),
                ones_out=np.ones(sizes[-1], np.float32),
                row_starts=np.arange(n) * sizes[-1],
            )
        return self._scratch[n]

    def weights(self) -> Weights:
        """Return a copy of the weights as ``(W, b)`` pairs, in Keras' layout."""
        # copy() is C-ordered, so the transposed first kernel comes back contiguous too.
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
            The batch's logits, in a buffer the next call with this batch size reuses.

        Notes
        -----
        The loss is :math:`\frac{1}{n}\sum_i \left(\log \sum_k e^{z_{ik} - m_i} -
        (z_{i y_i} - m_i)\right)` with :math:`m_i` the row's largest logit (stable)
        or 0 (naive). The lecture's local gradient at the output, averaged over
        the batch, is then backpropagated through each layer:

        .. math::
            \delta_L = \frac{1}{n}\left(p - \mathrm{onehot}(y)\right), \quad
            \frac{\partial L}{\partial W_l} = a_{l-1}^T \delta_l, \quad
            \frac{\partial L}{\partial b_l} = \mathbf{1}^T \delta_l, \quad
            \delta_{l-1} = (\delta_l W_l^T) \odot g'(a_{l-1})

        The output softmax and loss are a tuned copy of
        `core.softmax.functions.softmax_stable` and `log_softmax_stable` (or
        `softmax_naive`) along ``axis=1``: the max comes from argmax and a gather,
        and ``z - m``, ``exp`` and ``p`` share one scratch buffer. Calling the
        shared functions instead allocates every intermediate and costs about a
        tenth of the step at batch 32. ``test_tuned_step_is_the_shared_softmax``
        in ``tests/unit/training/test_network.py`` checks the copy against them.
        """
        n = x.shape[0]
        s = self._scratch_for(n)
        activation = self.spec.activation
        a = x
        for layer, ((w, b), out) in enumerate(zip(self.layers, s.outputs, strict=True)):
            if layer:
                _activate(a, activation)
            a = np.matmul(a, w, out=out)
            a += b
        z = a
        picks = s.row_starts + y  # flat positions of the true classes: a 1-D gather is cheapest
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if stable:
                # The max shift of softmax_stable, tuned (see the docstring): argmax and a
                # gather find each row's maximum faster than max(axis=1).
                row_max = z.reshape(-1).take(s.row_starts + z.argmax(axis=1))
                shifted = np.subtract(z, row_max[:, None], out=s.probabilities)
                log_numerators = shifted.reshape(-1).take(picks)
                e = np.exp(shifted, out=shifted)
            else:
                e = np.exp(z, out=s.probabilities)
                log_numerators = np.log(e.reshape(-1).take(picks))
            totals = np.matmul(e, s.ones_out, out=s.totals)
            loss = float(np.log(totals).sum() - log_numerators.sum()) / n
            delta = np.divide(e, totals[:, None], out=e)
        # p - onehot before the 1/n: a saturated row's p rounds to exactly 1 and its
        # gradient to exactly 0, as it should, whatever the batch size.
        delta.reshape(-1)[picks] -= 1
        delta *= np.float32(1 / n)
        for layer in range(len(self.layers) - 1, -1, -1):
            g_w, g_b = self.grad_layers[layer]
            if layer:
                a = s.outputs[layer - 1]
                np.matmul(a.T, delta, out=g_w)
            else:
                # The transposed kernel's gradient, delta^T x, written straight into it.
                np.matmul(delta.T, x, out=g_w.T)
            # A matrix-vector product sums the columns faster than np.sum(axis=0).
            np.matmul(s.ones, delta, out=g_b)
            if layer:
                delta = np.matmul(delta, self.layers[layer][0].T, out=s.deltas[layer - 1])
                delta *= _activation_grad(a, activation, s.slopes[layer - 1])
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

    The first moment is kept as :math:`m' = m \sqrt{1 - \beta_2} / (1 - \beta_1)`, so
    both moments grow from the same scaled gradient :math:`g' = \sqrt{1 - \beta_2}\, g`
    (:math:`m' \leftarrow \beta_1 m' + g'`, :math:`v \leftarrow \beta_2 v + g'^2`) and the
    step is :math:`\alpha k \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t} \frac{m'}{\sqrt{v} +
    \epsilon}` with :math:`k = (1 - \beta_1) / \sqrt{1 - \beta_2}`: the same update in fewer
    passes over the buffers; `v` itself is kept, so it overflows no sooner than written.
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
        """Update `params` in place from `grads` (flat float32 buffers; `grads` is overwritten)."""
        if self._m is None:
            self._m, self._v = np.zeros_like(params), np.zeros_like(params)
        m, v, g = self._m, self._v, grads
        self.steps += 1
        t = self.steps
        k = (1 - self.beta_1) / math.sqrt(1 - self.beta_2)
        alpha = self.learning_rate * k * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        # g becomes the scratch buffer: without a temporary one the working set stays small.
        g *= np.float32(math.sqrt(1 - self.beta_2))
        m *= np.float32(self.beta_1)
        m += g
        g *= g
        v *= np.float32(self.beta_2)
        v += g
        np.sqrt(v, out=g)
        g += np.float32(self.epsilon)
        np.divide(m, g, out=g)
        g *= np.float32(alpha)
        params -= g


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
        """Update `params` in place from `grads` (`grads` is overwritten)."""
        self.steps += 1
        grads *= np.float32(self.learning_rate)
        params -= grads


def make_optimizer(name: str, learning_rate: float) -> Adam | SGD:
    """Return the NumPy optimiser called `name` (``"adam"`` or ``"sgd"``)."""
    if name == "adam":
        return Adam(learning_rate)
    if name == "sgd":
        return SGD(learning_rate)
    raise ValueError(f"optimizer {name!r} is not adam or sgd")
