"""Worker tasks: the question bank's TensorFlow/Keras references, computed by real TensorFlow.

The test process never imports TensorFlow (see core.jobs.pool): these run in a
spawned worker, through core.jobs.tf_runtime.import_tensorflow, and return plain
numbers. `keras_references` calls none of the app's softmax, loss or float
functions: the network's weights and data are the app's (the question is about
them), the arithmetic on them is Keras'. `train_locally` runs the train page's
own Keras engines (variants B and C), which the bank's answer (computed with the
NumPy variant D) must agree with.
"""

from core.jobs.pool import LocalContext
from core.jobs.tf_runtime import import_tensorflow

TASK = "tests.unit.questions.tf_references:"


def keras_references(params, ctx):
    tf, keras = import_tensorflow()
    out = {}

    z = tf.constant([params["naive_far"]], tf.float32)
    e = tf.exp(z)
    out["naive_far"] = (e / tf.reduce_sum(e)).numpy()[0].tolist()
    out["stable"] = [
        tf.nn.softmax(tf.constant(v, tf.float32)).numpy().tolist() for v in params["stable"]
    ]

    z, y = params["confident_wrong"]
    logits = tf.constant([z], tf.float32)
    labels = tf.constant([y])
    probabilities = tf.nn.softmax(logits)
    out["keras_cap"] = float(keras.losses.SparseCategoricalCrossentropy()(labels, probabilities))
    out["from_logits"] = float(
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    )

    forty = tf.constant(params["sigmoid"], tf.float32)
    out["sigmoid"] = float(tf.math.sigmoid(forty))
    out["sigmoid_formula"] = float(1 / (1 + tf.exp(-forty)))

    out["parameters"] = _model(keras, params["parameters"]["sizes"], "relu").count_params()

    first = params["first_loss"]
    w = first["weights"]
    model = _model(keras, [w[0][0].shape[0], *(k.shape[1] for k, _ in w)], first["activation"])
    model.set_weights([a for pair in w for a in pair])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    out["first_loss"] = float(loss(tf.constant(first["y"]), model(tf.constant(first["x"]))))
    return out


def _model(keras, sizes, activation):
    layers = [keras.layers.Dense(n, activation=activation) for n in sizes[1:-1]]
    return keras.Sequential([keras.Input((sizes[0],)), *layers, keras.layers.Dense(sizes[-1])])


def train_locally(params, ctx):
    # The app's training task with its real Keras engines, run start to end in this worker
    # with a LocalContext; only what says when a loss died and how far the run got.
    from core.training.run import train_task

    local = LocalContext()
    train_task(params, local)
    start = next(e for e in local.events if e["type"] == "start")
    steps = [e["step"] for e in local.events if e["type"] == "progress"]
    return {
        "diverged": [e for e in local.events if e["type"] == "diverged"],
        "last_step": max(steps, default=0),
        "total_steps": start["total_steps"],
    }
