"""Variant D written to be read: the course's network in plain NumPy, one formula a line.

The forward pass, backpropagation and Adam as a student writes them after Andrew
Ng's course (course 2, week 2). `core.training.network.Network` trains the same network
faster, with flat buffers and in-place arithmetic; from the same weights and
batches both reach the same weights, up to float32 rounding. Everything is
float32, like the tuned network and like Keras.

Weights are a list of ``(W, b)`` pairs, ``W`` of shape ``(fan_in, fan_out)``, so a
batch ``A`` of shape ``(n, fan_in)`` goes through a layer as ``A @ W + b``.
"""

from __future__ import annotations

import inspect
import math
import sys

import numpy as np
from numpy.typing import NDArray

from core.softmax.functions import log_softmax_stable, softmax_naive, softmax_stable
from core.training.network import NetworkSpec, Weights, check_weights

Array = NDArray[np.float32]


def activate(z: Array, name: str) -> Array:
    """Apply the hidden activation ``"relu"``, ``"sigmoid"`` or ``"tanh"``."""
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        # exp(-z) overflows to inf for z below about -88; 1 / inf = 0 is the right answer.
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-z))
    return np.tanh(z)


def activation_slope(a: Array, name: str) -> Array:
    """Return the activation's derivative, from its output ``a = g(z)`` (forward keeps it)."""
    if name == "relu":
        return (a > 0).astype(np.float32)
    if name == "sigmoid":
        return a * (1 - a)
    return 1 - a * a


def softmax(z: Array, stable: bool = True) -> Array:
    r"""Softmax of each row of logits, with the max shift (stable) or without (naive).

    Parameters
    ----------
    z : numpy.ndarray
        Logits, shape ``(n, classes)``.
    stable : bool, optional
        Subtract each row's largest logit first.

    Returns
    -------
    numpy.ndarray
        Probabilities, shape ``(n, classes)``; naive rows turn ``nan`` once a logit
        passes ``log(max)`` of float32 (about 88.72), where ``exp`` overflows.

    Notes
    -----
    .. math:: p_{ij} = \frac{e^{z_{ij} - m_i}}{\sum_k e^{z_{ik} - m_i}}, \quad
              m_i = \max_k z_{ik} \text{ (stable) or } 0 \text{ (naive)}

    The softmax page's own functions, applied to each row (``axis=1``).
    """
    # The same functions as the softmax page, so a row here is the number the page shows.
    return softmax_stable(z, axis=1) if stable else softmax_naive(z, axis=1)


def cross_entropy(z: Array, y: NDArray[np.integer], stable: bool = True) -> float:
    r"""Mean cross-entropy of a batch, computed from its logits.

    Parameters
    ----------
    z : numpy.ndarray
        Logits, shape ``(n, classes)``.
    y : numpy.ndarray
        True classes, shape ``(n,)``.
    stable : bool, optional
        Log-softmax with the max shift; otherwise ``-log`` of the naive softmax.

    Returns
    -------
    float
        The loss; ``inf`` or ``nan`` when the naive softmax breaks.

    Notes
    -----
    .. math:: L = -\frac{1}{n} \sum_i \log p_{i y_i}, \quad
              \log p_{ij} = (z_{ij} - m_i) - \log \sum_k e^{z_{ik} - m_i}
    """
    rows = np.arange(len(y))
    if stable:
        # log p_y without forming p_y: it stays finite even when p_y rounds to 0.
        return float(-np.mean(log_softmax_stable(z, axis=1)[rows, y]))
    # Silenced on purpose: the naive form's log(0) = -inf is what the page shows.
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.mean(np.log(softmax(z, stable=False)[rows, y])))


class ReadableNetwork:
    """A fully connected classifier trained by backpropagation with Adam or SGD.

    Parameters
    ----------
    spec : NetworkSpec
        The architecture: layer sizes and the hidden activation.
    weights : list of (W, b)
        Initial weights (copied, as float32).
    optimizer : str, optional
        ``"adam"`` or ``"sgd"``.
    learning_rate : float, optional
        Step size.
    """

    beta1 = 0.9
    beta2 = 0.999
    epsilon = 1e-7  # Keras' default, as in core.training.network.Adam

    def __init__(
        self,
        spec: NetworkSpec,
        weights: Weights,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
    ) -> None:
        check_weights(weights, spec)
        if optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer {optimizer!r} is not adam or sgd")
        self.spec = spec
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.layers = [(w.astype(np.float32), b.astype(np.float32)) for w, b in weights]
        # Adam's moving averages of the gradient (m) and of its square (v), per parameter.
        self.m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in self.layers]
        self.v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in self.layers]
        self.t = 0  # optimiser steps taken so far

    def forward(self, x: Array) -> tuple[Array, list[Array]]:
        r"""Run a batch through the network to its logits.

        Parameters
        ----------
        x : numpy.ndarray
            Inputs, shape ``(n, inputs)``.

        Returns
        -------
        z : numpy.ndarray
            Logits, shape ``(n, classes)``: no activation at the output, softmax
            belongs to the loss.
        activations : list of numpy.ndarray
            The input and every hidden layer's output, which backpropagation needs.

        Notes
        -----
        .. math:: A_0 = x, \quad Z_l = A_{l-1} W_l + b_l, \quad A_l = g(Z_l), \quad
                  z = Z_L = A_{L-1} W_L + b_L
        """
        a = np.asarray(x, np.float32)
        activations = [a]
        for w, b in self.layers[:-1]:
            z = a @ w + b
            a = activate(z, self.spec.activation)
            activations.append(a)
        w, b = self.layers[-1]
        return a @ w + b, activations

    def backward(
        self, activations: list[Array], z: Array, y: NDArray[np.integer], stable: bool = True
    ) -> Weights:
        r"""Gradient of the mean cross-entropy with respect to every ``W`` and ``b``.

        Parameters
        ----------
        activations : list of numpy.ndarray
            What `forward` returned beside the logits.
        z : numpy.ndarray
            The logits.
        y : numpy.ndarray
            True classes, shape ``(n,)``.
        stable : bool, optional
            Stable or naive softmax at the output.

        Returns
        -------
        list of (dW, db)
            One pair per layer, the shapes of ``(W, b)``.

        Notes
        -----
        Softmax and cross-entropy together have the simple local gradient
        :math:`p - \mathrm{onehot}(y)`; the chain rule carries it back layer by layer:

        .. math::
            dZ_L = \frac{1}{n}(p - \mathrm{onehot}(y)), \quad
            dW_l = A_{l-1}^T dZ_l, \quad
            db_l = \textstyle\sum_i (dZ_l)_i, \quad
            dZ_{l-1} = (dZ_l W_l^T) \odot g'(Z_{l-1})

        with :math:`g'(Z_{l-1})` computed from :math:`A_{l-1} = g(Z_{l-1})`.
        """
        n = len(y)
        p = softmax(z, stable)
        onehot = np.eye(z.shape[1], dtype=np.float32)[y]
        # 1/n because the loss is a mean over the batch.
        dz = (p - onehot) / n
        grads = []
        for layer in range(len(self.layers) - 1, -1, -1):
            a_prev = activations[layer]
            grads.append((a_prev.T @ dz, dz.sum(axis=0)))
            if layer > 0:
                w = self.layers[layer][0]
                da_prev = dz @ w.T
                dz = da_prev * activation_slope(a_prev, self.spec.activation)
        # Built from the output back to the input: reverse to match self.layers.
        return grads[::-1]

    def sgd_step(self, grads: Weights) -> None:
        r"""Move every parameter a small step against its gradient.

        Parameters
        ----------
        grads : list of (dW, db)
            What `backward` returned.

        Notes
        -----
        .. math:: W \leftarrow W - \alpha\, dW, \quad b \leftarrow b - \alpha\, db
        """
        self.t += 1
        for (w, b), (dw, db) in zip(self.layers, grads, strict=True):
            w -= self.learning_rate * dw
            b -= self.learning_rate * db

    def adam_step(self, grads: Weights) -> None:
        r"""Adam: a step along the averaged gradient, scaled by its averaged size.

        Parameters
        ----------
        grads : list of (dW, db)
            What `backward` returned.

        Notes
        -----
        For each parameter :math:`\theta` with gradient :math:`g`, at step :math:`t`:

        .. math::
            m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
            v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
            \hat m = \frac{m}{1 - \beta_1^t}, \quad
            \hat v = \frac{v}{1 - \beta_2^t}, \\
            \theta \leftarrow \theta - \alpha \frac{\hat m}{\sqrt{\hat v} + \hat\epsilon},
            \quad \hat\epsilon = \frac{\epsilon}{\sqrt{1 - \beta_2^t}}

        The course adds :math:`\epsilon` to :math:`\sqrt{\hat v}`; Keras (and so
        `core.training.network.Adam`) adds it to :math:`\sqrt{v}`, before the bias correction.
        :math:`\hat\epsilon` is that same :math:`\epsilon` carried through the
        correction, so this step equals Keras' exactly; with :math:`\epsilon = 10^{-7}`
        the two conventions differ only for tiny gradients, below about :math:`10^{-5}`.
        """
        self.t += 1
        for (w, b), (dw, db), (mw, mb), (vw, vb) in zip(
            self.layers, grads, self.m, self.v, strict=True
        ):
            self._adam_update(w, dw, mw, vw)
            self._adam_update(b, db, mb, vb)

    def _adam_update(self, theta: Array, g: Array, m: Array, v: Array) -> None:
        # m[...] = rather than m = : the averages must stay the arrays kept in self.m, self.v.
        m[...] = self.beta1 * m + (1 - self.beta1) * g
        v[...] = self.beta2 * v + (1 - self.beta2) * g**2
        # Early on m and v are still close to their zero start: dividing undoes that bias.
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        epsilon_hat = self.epsilon / math.sqrt(1 - self.beta2**self.t)
        theta -= self.learning_rate * m_hat / (np.sqrt(v_hat) + epsilon_hat)

    def train_step(self, x: Array, y: NDArray[np.integer], stable: bool = True) -> float:
        """Forward, loss, backward and one optimiser step on a batch; return its loss.

        Parameters
        ----------
        x : numpy.ndarray
            Inputs, shape ``(n, inputs)``.
        y : numpy.ndarray
            True classes, shape ``(n,)``.
        stable : bool, optional
            Stable or naive softmax at the output.

        Returns
        -------
        float
            The batch's mean loss, before the step.
        """
        z, activations = self.forward(x)
        loss = cross_entropy(z, y, stable)
        if not math.isfinite(loss):
            # The gradients would be nan too and spoil every weight: stop where it broke.
            return loss
        grads = self.backward(activations, z, y, stable)
        if self.optimizer == "adam":
            self.adam_step(grads)
        else:
            self.sgd_step(grads)
        return loss

    def weights(self) -> Weights:
        """Return a copy of the weights as ``(W, b)`` pairs."""
        return [(w.copy(), b.copy()) for w, b in self.layers]


def readable_source() -> str:
    """Return this module's source code, for the train page to show."""
    return inspect.getsource(sys.modules[__name__])
