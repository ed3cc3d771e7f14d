"""Worker-side benchmark tasks (they import TensorFlow, so they run in worker processes)."""

import time

import numpy as np

from core.jobs.tf_runtime import import_tensorflow
from core.training import data as data
from core.training import network as nets
from core.training import run as training


def plain_fit(params, ctx):
    """Measure the samples per second of a default ``model.fit`` on the course's network."""
    # TensorFlow's default threading: this is the baseline a student gets from model.fit.
    _, keras = import_tensorflow(single_thread=False)

    x, y, _, _, _ = training.load_training_data(training.TrainConfig(**params["config"]))
    spec = nets.NetworkSpec(x.shape[1])
    model = keras.Sequential(
        [keras.Input((spec.inputs,))]
        + [keras.layers.Dense(n, activation="relu") for n in spec.hidden]
        + [keras.layers.Dense(10)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x[:320], y[:320], batch_size=32, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=params["epochs"], verbose=0)
    return len(y) * params["epochs"] / (time.perf_counter() - start)


def engine_rate(params, ctx):
    """Measure one of our engines in samples per second (batch 32, no job reporting)."""
    config = training.TrainConfig(**params["config"])
    x, y, _, _, _ = training.load_training_data(config)
    spec = nets.NetworkSpec(x.shape[1])
    engine = training.make_engine(config.variants[0], spec, nets.init_weights(spec, 0), config)
    steps = len(y) // 32
    xs, ys = x[: steps * 32].reshape(steps, 32, -1), y[: steps * 32].reshape(steps, 32)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        engine.run(xs[:4], ys[:4])
        start = time.perf_counter()
        for _ in range(params["epochs"]):
            for first in range(0, steps, 200):
                engine.run(xs[first : first + 200], ys[first : first + 200])
        return steps * 32 * params["epochs"] / (time.perf_counter() - start)


def write_fake_mnist(path, n_train=60_000, n_test=10_000):
    """Write an MNIST-format file of random digits: the real one's shapes and sizes."""
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, n_train),
        x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, n_test),
    )
    return data.load_mnist_npz(path).describe()
