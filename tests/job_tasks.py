"""Small tasks for the worker-pool tests (imported by spawned workers)."""

import os
import sys
import time
import types

from core.jobs.tf_runtime import import_tensorflow


def echo(params, ctx):
    return {"echo": params, "pid": os.getpid()}


def niceness(params, ctx):
    return {"pid": os.getpid(), "nice": os.nice(0)}


def count(params, ctx):
    for i in range(params["n"]):
        ctx.checkpoint()
        ctx.emit({"i": i})
        time.sleep(params.get("delay", 0.01))
    return params["n"]


def fake_tensorflow():
    # A worker tells the pool only whether "tensorflow" is in sys.modules: an empty module of
    # that name stands in for the 5-15 s import in the tests of that bookkeeping.
    sys.modules.setdefault("tensorflow", types.ModuleType("tensorflow"))


def slow_fake_tensorflow():
    time.sleep(1.0)  # long enough for a test to act while the worker is still warming up
    fake_tensorflow()


def fake_tensorflow_then_count(params, ctx):
    fake_tensorflow()
    return count(params, ctx)


def crash(params, ctx):
    ctx.emit({"about": "to die"})
    os._exit(3)


def fail(params, ctx):
    raise ValueError("bad parameters")


def ignore_stop(params, ctx):
    ctx.emit({"ignoring": "stop"})  # the test waits for this: the task has begun
    time.sleep(60)


def keras_gradients(params, ctx):
    # Reference gradients and outputs from real Keras, for the NumPy engine's tests.
    tf, keras = import_tensorflow()

    weights = params["weights"]
    layers = [keras.Input((weights[0][0].shape[0],))]
    layers += [
        keras.layers.Dense(w.shape[1], activation=params["activation"]) for w, _ in weights[:-1]
    ]
    layers.append(keras.layers.Dense(weights[-1][0].shape[1]))
    model = keras.Sequential(layers)
    model.set_weights([a for pair in weights for a in pair])
    x = tf.constant(params["x"])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        z = model(x, training=True)
        loss = loss_fn(tf.constant(params["y"]), z)
    grads = tape.gradient(loss, model.trainable_variables)
    return {
        "loss": float(loss),
        "logits": z.numpy(),
        "grads": [g.numpy() for g in grads],
        "probabilities": tf.nn.softmax(z).numpy(),
        "adam_after_one_step": _adam_step(keras, model, grads, params["learning_rate"]),
    }


def _adam_step(keras, model, grads, learning_rate):
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return [v.numpy() for v in model.trainable_variables]


def keras_engine_traces(params, ctx):
    # How often a Keras engine's compiled chunk was traced, after a build and two chunks.
    import numpy as np

    from core.training import network as nets
    from core.training import run as training

    spec = nets.NetworkSpec(64)
    engine = training.KerasEngine(
        params["variant"], spec, nets.init_weights(spec, 0), training.TrainConfig()
    )
    xs, ys = np.zeros((3, 4, 64), np.float32), np.zeros((3, 4), np.int64)
    engine.run(xs, ys)
    engine.run(xs[:1], ys[:1])
    return engine._chunk.experimental_get_tracing_count()
