"""Tasks that run real TensorFlow/Keras inside a worker process (see `core.jobs.pool`).

TensorFlow is imported inside the task functions, never at module level: this
module is also imported by the server (for the task names), which must stay
free of TensorFlow.
"""

from __future__ import annotations

from typing import Any

from core.jobs.pool import JobContext

KERAS_LOSS_CHECK = "core.softmax.keras_check:keras_loss_check"


def _multi_class_case(tf: Any, keras: Any, logits: list[float], y: int, dtype: str) -> dict:
    z = tf.constant([logits], dtype=dtype)
    target = tf.constant([y])
    loss = keras.losses.SparseCategoricalCrossentropy(dtype=dtype)
    loss_from_logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype)
    e = tf.exp(z)
    handwritten = e / tf.reduce_sum(e, axis=-1, keepdims=True)
    tf_softmax = tf.nn.softmax(z)
    return {
        # keras.activations.softmax tags its output with the logits, as a
        # Dense(..., activation="softmax") layer does; the loss then uses them.
        "softmax_layer": float(loss(target, keras.activations.softmax(z))),
        "tf_softmax": float(loss(target, tf_softmax)),
        "handwritten": float(loss(target, handwritten)),
        "from_logits": float(loss_from_logits(target, z)),
        "probabilities": [float(v) for v in tf_softmax.numpy()[0]],
    }


def _binary_case(tf: Any, keras: Any, logit: float, y: int, dtype: str) -> dict:
    z = tf.constant([[logit]], dtype=dtype)
    target = tf.constant([[float(y)]], dtype=dtype)
    loss = keras.losses.BinaryCrossentropy(dtype=dtype)
    loss_from_logits = keras.losses.BinaryCrossentropy(from_logits=True, dtype=dtype)
    one = tf.constant(1, dtype=dtype)
    handwritten = one / (one + tf.exp(-z))
    tf_sigmoid = tf.math.sigmoid(z)
    return {
        "sigmoid_layer": float(loss(target, keras.activations.sigmoid(z))),
        "tf_sigmoid": float(loss(target, tf_sigmoid)),
        "handwritten": float(loss(target, handwritten)),
        "from_logits": float(loss_from_logits(target, z)),
        "probabilities": [float(tf_sigmoid.numpy()[0, 0])],
    }


def _multilabel_case(
    tf: Any, keras: Any, logits: list[float], labels: list[int], dtype: str
) -> dict:
    z = tf.constant([logits], dtype=dtype)
    target = tf.constant([[float(y) for y in labels]], dtype=dtype)
    loss = keras.losses.BinaryCrossentropy(dtype=dtype)
    loss_from_logits = keras.losses.BinaryCrossentropy(from_logits=True, dtype=dtype)
    one = tf.constant(1, dtype=dtype)
    # One output of the sample's probabilities: TensorFlow's vectorised kernels can round
    # a whole row differently from a single value, and a model's outputs are a row.
    tf_sigmoid = tf.math.sigmoid(z)
    handwritten = one / (one + tf.exp(-z))

    def losses(columns: slice) -> dict[str, float]:
        t, x = target[:, columns], z[:, columns]
        return {
            # keras.activations.sigmoid tags its output with the logits, as a
            # Dense(..., activation="sigmoid") layer does; the loss then uses them.
            "sigmoid_layer": float(loss(t, keras.activations.sigmoid(x))),
            "tf_sigmoid": float(loss(t, tf_sigmoid[:, columns])),
            "handwritten": float(loss(t, handwritten[:, columns])),
            "from_logits": float(loss_from_logits(t, x)),
        }

    result: dict[str, Any] = losses(slice(None))
    each = [losses(slice(i, i + 1)) for i in range(len(labels))]
    result["per_label"] = {key: [output[key] for output in each] for key in each[0]}
    result["probabilities"] = [float(v) for v in tf_sigmoid.numpy()[0]]
    return result


def keras_loss_check(params: dict, ctx: JobContext) -> list[dict]:
    """Compute cross-entropy losses with real Keras for a list of cases.

    Parameters
    ----------
    params : dict
        ``{"cases": [{"mode": "multi" | "binary", "z": [...], "y": int,
        "dtype": "float16" | "float32" | "float64"}, ...]}``; a multi-label
        case has ``"mode": "multilabel"`` and ``"labels"``, one 0/1 per logit,
        instead of ``"y"``.
    ctx : JobContext
        Used to honour a stop between cases.

    Returns
    -------
    list of dict
        Per case, the loss of: a Keras softmax (sigmoid) activation output,
        which Keras quietly turns back into logits; a plain ``tf.nn.softmax``
        (``tf.math.sigmoid``) output, which Keras clips; a hand-written
        ``exp(z)/sum(exp(z))`` (``1/(1+exp(-z))``); and ``from_logits=True``.
        Also the TensorFlow probabilities. A multi-label case gives each
        set-up's loss for the sample, which Keras reduces to the mean over the
        outputs (the last axis), and under ``"per_label"`` each set-up's loss on
        every output alone.

    Notes
    -----
    Evaluated eagerly, one sample per case, with the loss objects computing in
    the case's dtype (``dtype=`` on the loss; Keras' default is float32).
    """
    from core.jobs.tf_runtime import import_tensorflow

    tf, keras = import_tensorflow()
    results = []
    for case in params["cases"]:
        ctx.checkpoint()
        if case["mode"] == "multilabel":
            results.append(_multilabel_case(tf, keras, case["z"], case["labels"], case["dtype"]))
        elif case["mode"] == "binary":
            results.append(_binary_case(tf, keras, case["z"][0], case["y"], case["dtype"]))
        else:
            results.append(_multi_class_case(tf, keras, case["z"], case["y"], case["dtype"]))
    return results
