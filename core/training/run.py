"""Training jobs: the course's network, four output/loss variants, run in a worker process.

`train_task` is a `core.jobs.pool` task. It trains every selected variant from the same
initial weights on the same batches in the same order, interleaved chunk by
chunk so their curves grow together, and streams small events back: the loss of
every batch (its own, not Keras' running mean), the largest absolute logit per
step, accuracy per epoch, divergence, and a run no better than chance. A chunk
is sized by `ChunkSizer` to take about `CHUNK_SECONDS`, so pause and stop, honoured
between chunks, take effect within that time at any batch size. TensorFlow is
imported only inside the Keras engine, which only a worker process builds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from core.jobs.pool import JobContext
from core.numerics.limits import exp_overflow_threshold
from core.training import network as nets
from core.training.diagnosis import relus_on, stuck_message

TRAIN_TASK = "core.training.run:train_task"
FLOAT32_EXP_LIMIT = exp_overflow_threshold("float32")
"""``log`` of float32's largest value (about 88.72): ``exp`` of a larger logit is inf."""
CHUNK_SECONDS = 0.1
"""What one engine call should take: the page polls twice a second, and pause and stop wait
for the call in progress, so with this they take effect within its next poll."""
MAX_CHUNK = 200
"""Most steps in one engine call, however fast: the steps event stays small."""
EVAL_ROWS = 2_000
"""Images per forward pass when a run is evaluated, with pause and stop looked at between
passes: 10,000 MNIST images through the widest network take 0.46 s here."""


@dataclass(frozen=True)
class Variant:
    """One way of ending the network and computing its loss.

    Attributes
    ----------
    key : str
        ``"A"`` to ``"D"``.
    title : str
        Short name.
    code : str
        The Keras (or NumPy) code it stands for.
    explanation : str
        What happens, in plain words.
    """

    key: str
    title: str
    code: str
    explanation: str


VARIANTS: dict[str, Variant] = {
    "A": Variant(
        "A",
        "softmax layer",
        'Dense(10, activation="softmax") + SparseCategoricalCrossentropy()',
        "The course's first version. On the TensorFlow backend Keras quietly hands the "
        "softmax's logits to the loss, so it trains like C.",
    ),
    "B": Variant(
        "B",
        "hand-written softmax",
        "Dense(10) + a layer computing exp(z)/sum(exp(z)) + SparseCategoricalCrossentropy()",
        "Truly naive: no max shift, and Keras cannot see through it. Once a logit passes "
        f"{FLOAT32_EXP_LIMIT:.2f}, exp overflows float32 and the loss is nan.",
    ),
    "C": Variant(
        "C",
        "from logits",
        "Dense(10) + SparseCategoricalCrossentropy(from_logits=True)",
        "The explicit, portable way: linear output, and the loss applies a stable "
        "log-softmax itself; tf.nn.softmax turns logits into probabilities for predictions.",
    ),
    "D": Variant(
        "D",
        "from scratch (NumPy)",
        "NumPy forward pass and backpropagation with the local gradient p - onehot(y)",
        "Every line visible: the same network in NumPy, with a switch between the stable "
        "and the naive softmax at the output.",
    ),
}


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training job needs; plain values, so it travels to a worker.

    Attributes
    ----------
    variants : tuple of str
        Variant keys to train side by side.
    data : str
        ``"uci-digits"`` or ``"mnist"``.
    n_train : int or None
        Training subset size (None: all).
    optimizer : str
        ``"adam"`` or ``"sgd"``.
    learning_rate : float
        Step size.
    batch_size : int
        Samples per step.
    epochs : int
        Passes over the training set.
    seed : int
        Seeds the initial weights and the batch order.
    scale : str
        ``"max"`` (divide pixels by their maximum) or ``"raw"``.
    hidden : tuple of int
        Hidden layer sizes.
    activation : str
        Hidden activation.
    init_scale : float
        Multiplies the initial kernels.
    naive_softmax : bool
        Variant D uses the naive softmax at its output.
    mnist_path : str or None
        Where the worker finds MNIST, when ``data == "mnist"``.
    """

    variants: tuple[str, ...] = ("C",)
    data: str = "uci-digits"
    n_train: int | None = None
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 32
    epochs: int = 5
    seed: int = 0
    scale: str = "max"
    hidden: tuple[int, ...] = (25, 15)
    activation: str = "relu"
    init_scale: float = 1.0
    naive_softmax: bool = False
    mnist_path: str | None = None

    def __post_init__(self) -> None:
        unknown = [v for v in self.variants if v not in VARIANTS]
        if not self.variants or unknown:
            raise ValueError(f"choose variants among A, B, C, D; got {self.variants}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer {self.optimizer!r} is not adam or sgd")
        if not 0 < self.learning_rate <= 10:
            raise ValueError(f"learning rate {self.learning_rate:g} is outside (0, 10]")
        if not 1 <= self.batch_size <= 4096:
            raise ValueError(f"batch size {self.batch_size} is outside 1 to 4096")
        if not 1 <= self.epochs <= 100:
            raise ValueError(f"epochs {self.epochs} is outside 1 to 100")
        if self.scale not in ("max", "raw"):
            raise ValueError(f"input scaling {self.scale!r} is not max or raw")
        if not 0 < self.init_scale <= 100:
            raise ValueError(f"initial weight scale {self.init_scale:g} is outside (0, 100]")

    def to_params(self) -> dict:
        """Return the job parameters (plain, picklable)."""
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict) -> TrainConfig:
        """Return the settings that `to_params` gave `params` for (lists back to tuples)."""
        return cls(
            **{**params, "variants": tuple(params["variants"]), "hidden": tuple(params["hidden"])}
        )

    @property
    def needs_tensorflow(self) -> bool:
        """Whether a variant trains in Keras (all but D)."""
        return any(v != "D" for v in self.variants)


def divergence_message(step: int, loss: float, top_logit: float) -> str:
    """Explain in words why a variant's loss stopped being finite.

    Parameters
    ----------
    step : int
        Global step (1-based) at which it happened.
    loss : float
        The non-finite loss.
    top_logit : float
        Largest logit at that step (only a large positive logit overflows ``exp``).

    Returns
    -------
    str
        For example ``"step 812: loss is nan: exp of a logit of 731 overflowed float32"``.
    """
    what = "nan" if np.isnan(loss) else "inf"
    if not np.isfinite(top_logit):
        why = "the logits themselves overflowed: the weights blew up"
    elif top_logit > FLOAT32_EXP_LIMIT:
        why = (
            f"exp of a logit of {top_logit:.0f} overflowed float32 (limit {FLOAT32_EXP_LIMIT:.2f})"
        )
    else:
        why = "a probability rounded to exactly 0 and its log is -inf"
    return f"step {step}: loss is {what}: {why}"


class NumpyEngine:
    """Variant D: the NumPy network with hand-written backpropagation."""

    def __init__(self, spec: nets.NetworkSpec, weights: nets.Weights, config: TrainConfig):
        self.net = nets.Network(spec, weights)
        self.optimizer = nets.make_optimizer(config.optimizer, config.learning_rate)
        self.stable = not config.naive_softmax

    def run(self, xs: NDArray[np.float32], ys: NDArray[np.int64]) -> tuple[list, list, list]:
        """Train on a chunk of batches; return each batch's loss, max |z| and max z."""
        losses = []
        # Each step's logits are kept and their extremes taken once for the whole chunk.
        logits = np.empty((len(xs), xs.shape[1], self.net.spec.outputs), np.float32)
        for x, y, z_out in zip(xs, ys, logits, strict=True):
            loss, z = self.net.loss_and_gradients(x, y, self.stable)
            z_out[...] = z
            losses.append(loss)
            if not math.isfinite(loss):
                break
            self.optimizer.apply(self.net.params, self.net.grads)
        if not losses:
            return [], [], []
        done = logits[: len(losses)].reshape(len(losses), -1)
        with np.errstate(invalid="ignore"):
            tops = done.max(axis=1)
            peaks = np.maximum(tops, -done.min(axis=1))
        return losses, peaks.tolist(), tops.tolist()

    def weights(self) -> nets.Weights:
        """Return a copy of the current weights."""
        return self.net.weights()


class KerasEngine:
    """Variants A, B and C: a Keras model trained by a compiled loop of many steps.

    One ``tf.function`` call runs a whole chunk of steps (like Keras'
    ``steps_per_execution``) and returns every step's own loss and largest
    absolute logit, so Python is not in the inner loop.
    """

    def __init__(
        self, variant: str, spec: nets.NetworkSpec, weights: nets.Weights, config: TrainConfig
    ):
        from core.jobs.tf_runtime import import_tensorflow

        tf, keras = import_tensorflow()
        self.tf = tf
        hidden = [keras.layers.Dense(n, activation=spec.activation) for n in spec.hidden]
        self.body = keras.Sequential([keras.Input((spec.inputs,)), *hidden])
        activation = "softmax" if variant == "A" else "linear"
        self.head = keras.layers.Dense(spec.outputs, activation=activation)
        self.head.build((None, spec.hidden[-1] if spec.hidden else spec.inputs))
        for layer, (w, b) in zip([*hidden, self.head], weights, strict=True):
            layer.set_weights([w, b])
        self.loss = keras.losses.SparseCategoricalCrossentropy(from_logits=variant == "C")
        optimizers = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
        self.optimizer = optimizers[config.optimizer](learning_rate=config.learning_rate)
        self.variables = [*self.body.trainable_variables, *self.head.trainable_variables]
        # Its slots exist before the trace: a first trace that creates them is thrown away
        # and traced again, doubling the wait before the first step (0.45 s against 0.2 s).
        self.optimizer.build(self.variables)
        self.variant = variant
        # A fixed signature: one trace for every chunk length, including an epoch's last.
        self._chunk = tf.function(
            self._run_chunk,
            input_signature=[
                tf.TensorSpec([None, None, spec.inputs], tf.float32),
                tf.TensorSpec([None, None], tf.int64),
            ],
        )
        # Trace and run zero steps now, before the clock starts: the first call also
        # optimises the graph (0.1 s here), so the first chunk's time measures training.
        self._chunk(tf.zeros([0, 1, spec.inputs]), tf.zeros([0, 1], tf.int64))

    def _output(self, z):
        if self.variant == "B":
            # Deliberately naive: no max shift, and not a Softmax op Keras could recognise.
            e = self.tf.exp(z)
            return e / self.tf.reduce_sum(e, axis=-1, keepdims=True)
        return self.head.activation(z)

    def _run_chunk(self, xs, ys):
        tf = self.tf
        n = tf.shape(xs)[0]
        losses = tf.TensorArray(tf.float32, size=n)
        peaks = tf.TensorArray(tf.float32, size=n)
        tops = tf.TensorArray(tf.float32, size=n)
        for i in tf.range(n):
            with tf.GradientTape() as tape:
                h = self.body(xs[i], training=True)
                z = tf.matmul(h, self.head.kernel) + self.head.bias
                out = self.head(h) if self.variant == "A" else self._output(z)
                loss = self.loss(ys[i], out)
            grads = tape.gradient(loss, self.variables)
            self.optimizer.apply_gradients(zip(grads, self.variables, strict=True))
            losses = losses.write(i, loss)
            peaks = peaks.write(i, tf.reduce_max(tf.abs(z)))
            tops = tops.write(i, tf.reduce_max(z))
        return losses.stack(), peaks.stack(), tops.stack()

    def run(self, xs: NDArray[np.float32], ys: NDArray[np.int64]) -> tuple[list, list, list]:
        """Train on a chunk of batches; return each batch's loss, max |z| and max z."""
        results = self._chunk(self.tf.constant(xs), self.tf.constant(ys))
        return tuple(r.numpy().tolist() for r in results)

    def weights(self) -> nets.Weights:
        """Return a copy of the current weights."""
        values = [*self.body.get_weights(), *self.head.get_weights()]
        return [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def make_engine(variant: str, spec: nets.NetworkSpec, weights: nets.Weights, config: TrainConfig):
    """Return the engine that trains `variant` (D in NumPy, the others in Keras)."""
    if variant == "D":
        return NumpyEngine(spec, weights, config)
    return KerasEngine(variant, spec, weights, config)


def check_batch_fits(n_images: int, batch_size: int) -> None:
    """Raise ``ValueError`` when a training set cannot fill a single batch.

    Parameters
    ----------
    n_images : int
        Training images after the subset is taken.
    batch_size : int
        Images per step.
    """
    if n_images < batch_size:
        raise ValueError(
            f"the training set has {n_images:,} images, fewer than one batch of "
            f"{batch_size:,}: choose a larger subset or a smaller batch"
        )


def load_training_data(config: TrainConfig):
    """Load, subset and flatten the data set a job trains on.

    Returns
    -------
    tuple
        ``(x_train, y_train, x_test, y_test, dataset)`` with float32 inputs.
    """
    from core.training import data as data

    if config.data == "mnist":
        if not config.mnist_path:
            raise ValueError("MNIST was chosen but no MNIST file was given")
        dataset = data.load_mnist_npz(config.mnist_path)
    else:
        dataset = data.load_uci_digits()
    dataset = data.subset(dataset, config.n_train, None, config.seed)
    check_batch_fits(len(dataset.y_train), config.batch_size)
    x_train = data.flatten_images(dataset.x_train, config.scale, dataset.pixel_max)
    x_test = data.flatten_images(dataset.x_test, config.scale, dataset.pixel_max)
    return (
        x_train,
        dataset.y_train.astype(np.int64),
        x_test,
        dataset.y_test.astype(np.int64),
        dataset,
    )


class ChunkSizer:
    """Choose how many steps each engine runs per call, from the time its steps took.

    A call of ``n`` steps takes ``n`` times the engine's measured time per step; the
    slowest engine's must fit `budget`. The first chunk is one step (nothing is
    measured yet, and the first points reach the page at once), and a chunk at most
    doubles from one round to the next, so one slow measurement, such as a first
    call that still compiles, is not undone by a single fast one.

    Parameters
    ----------
    budget : float, optional
        Seconds one engine call should take.
    most : int, optional
        Upper bound on a chunk's steps.
    """

    def __init__(self, budget: float = CHUNK_SECONDS, most: int = MAX_CHUNK) -> None:
        self.budget = budget
        self.most = most
        self.steps = 1
        self._per_step: dict[str, float] = {}

    def record(self, key: str, steps: int, seconds: float) -> None:
        """Note that engine `key` took `seconds` for `steps` steps."""
        if steps:
            self._per_step[key] = seconds / steps

    def forget(self, key: str) -> None:
        """Stop counting an engine that no longer trains (it diverged)."""
        self._per_step.pop(key, None)

    def next(self) -> int:
        """Return the steps of the next chunk, and remember them."""
        if self._per_step:
            fits = int(self.budget / max(max(self._per_step.values()), 1e-9))
            self.steps = max(1, min(fits, 2 * self.steps, self.most))
        return self.steps


class _Stopwatch:
    """Seconds of training: time spent paused inside a checkpoint does not count."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self._paused = 0.0

    def checkpoint(self, ctx: JobContext) -> None:
        before = time.perf_counter()
        ctx.checkpoint()
        self._paused += time.perf_counter() - before

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start - self._paused


def train_task(params: dict, ctx: JobContext) -> dict[str, Any]:
    """Train the chosen variants side by side and stream their progress.

    Parameters
    ----------
    params : dict
        `TrainConfig` fields.
    ctx : JobContext
        Events go out through it; pause and stop come in through it.

    Returns
    -------
    dict
        ``{"spec": ..., "config": ..., "variants": {key: {"weights", "diverged"}}}``.

    Notes
    -----
    Events: ``{"type": "start", ...}``, ``{"type": "steps", "variant", "epoch",
    "first_step", "losses", "peaks", "samples_per_s"}``, ``{"type": "epoch",
    "variant", "epoch", "train_accuracy", "test_accuracy", "stuck"}`` (``stuck``:
    why the test accuracy is no better than chance, else None), ``{"type":
    "diverged", "variant", "step", "message"}`` and ``{"type": "progress",
    "epoch", "step", "total_steps", "elapsed"}`` (``elapsed``: seconds of
    training, pauses left out).
    """
    from threadpoolctl import threadpool_limits

    config = TrainConfig.from_params(params)
    # Tiny matrices: BLAS threads cost more than they save (8k/s against 100k/s measured).
    with threadpool_limits(1):
        return _train(config, ctx)


def _train(config: TrainConfig, ctx: JobContext) -> dict[str, Any]:
    x_train, y_train, x_test, y_test, dataset = load_training_data(config)
    spec = nets.NetworkSpec(x_train.shape[1], config.hidden, config.activation, 10)
    initial = nets.init_weights(spec, config.seed, config.init_scale)
    engines = {}
    for key in config.variants:
        ctx.checkpoint()  # building and tracing a Keras model takes a moment
        engines[key] = make_engine(key, spec, initial, config)
    relus_at_start = _relus_on(_layer_outputs(initial, spec, x_test, ctx.checkpoint), spec)
    rng = np.random.default_rng(config.seed)
    batch = config.batch_size
    steps_per_epoch = len(y_train) // batch  # at least 1: load_training_data checks
    total_steps = steps_per_epoch * config.epochs
    sizer = ChunkSizer()
    ctx.emit(
        {
            "type": "start",
            "dataset": dataset.describe(),
            "n_train": len(y_train),
            "n_test": len(y_test),
            "steps_per_epoch": steps_per_epoch,
            "total_steps": total_steps,
            "variants": list(config.variants),
        }
    )
    diverged: dict[str, str | None] = dict.fromkeys(config.variants)
    clock = _Stopwatch()  # the run's time starts with its first step
    checkpoint = partial(clock.checkpoint, ctx)
    step = 0
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(len(y_train))[: steps_per_epoch * batch]
        xs_epoch = x_train[order].reshape(steps_per_epoch, batch, -1)
        ys_epoch = y_train[order].reshape(steps_per_epoch, batch)
        first = 0
        while first < steps_per_epoch:
            chunk = sizer.next()
            xs, ys = xs_epoch[first : first + chunk], ys_epoch[first : first + chunk]
            for key, engine in engines.items():
                if diverged[key]:
                    continue
                # Before every engine's call, not once a round: a stop waits for one call.
                checkpoint()
                t0 = time.perf_counter()
                losses, peaks, tops = engine.run(xs, ys)
                seconds = max(time.perf_counter() - t0, 1e-9)
                sizer.record(key, len(losses), seconds)
                bad = next((i for i, v in enumerate(losses) if not np.isfinite(v)), None)
                if bad is not None:
                    # A compiled Keras chunk runs on past the first bad step; what follows
                    # it is noise from weights that are already nan.
                    losses, peaks, tops = losses[: bad + 1], peaks[: bad + 1], tops[: bad + 1]
                ctx.emit(
                    {
                        "type": "steps",
                        "variant": key,
                        "epoch": epoch,
                        "first_step": step + 1,
                        "losses": losses,
                        "peaks": peaks,
                        "samples_per_s": len(losses) * batch / seconds,
                    }
                )
                if bad is not None:
                    diverged[key] = divergence_message(step + bad + 1, losses[bad], tops[bad])
                    sizer.forget(key)
                    ctx.emit(
                        {
                            "type": "diverged",
                            "variant": key,
                            "step": step + bad + 1,
                            "message": diverged[key],
                        }
                    )
            first += len(ys)
            step += len(ys)
            ctx.emit(
                {
                    "type": "progress",
                    "epoch": epoch,
                    "step": step,
                    "total_steps": total_steps,
                    "elapsed": clock.elapsed,
                }
            )
            if all(diverged.values()):
                break
        for key, engine in engines.items():
            if diverged[key]:
                continue
            weights = engine.weights()
            train_logits = _layer_outputs(weights, spec, x_train[:10_000], checkpoint)[-1]
            test_outputs = _layer_outputs(weights, spec, x_test, checkpoint)
            predictions = test_outputs[-1].argmax(axis=1)
            ctx.emit(
                {
                    "type": "epoch",
                    "variant": key,
                    "epoch": epoch,
                    "train_accuracy": float(
                        np.mean(train_logits.argmax(axis=1) == y_train[:10_000])
                    ),
                    # Never empty: the data loaders refuse a split without images.
                    "test_accuracy": float(np.mean(predictions == y_test)),
                    "stuck": stuck_message(
                        predictions,
                        y_test,
                        spec.outputs,
                        relus_at_start,
                        _relus_on(test_outputs, spec),
                        config.learning_rate,
                    ),
                }
            )
        if all(diverged.values()):
            break
    return {
        "spec": asdict(spec),
        "config": config.to_params(),
        "dataset": dataset.name,
        "seconds": clock.elapsed,
        "samples": step * batch,
        "variants": {
            key: {"weights": engine.weights(), "diverged": diverged[key]}
            for key, engine in engines.items()
        },
    }


def _relus_on(outputs: list[NDArray], spec: nets.NetworkSpec) -> list | None:
    # Which hidden ReLUs switch on for at least one input; None for other activations.
    return relus_on(outputs[:-1]) if spec.activation == "relu" else None


def _layer_outputs(
    weights: nets.Weights, spec: nets.NetworkSpec, x: NDArray, checkpoint: Callable[[], None]
) -> list[NDArray]:
    # Every layer's outputs for `x`, `EVAL_ROWS` images at a time, honouring pause and stop
    # before each slice: a large network on MNIST takes a while to evaluate.
    parts = []
    for first in range(0, len(x), EVAL_ROWS):
        checkpoint()
        parts.append(nets.layer_outputs(weights, x[first : first + EVAL_ROWS], spec.activation))
    return [np.concatenate(layer) for layer in zip(*parts, strict=True)]
