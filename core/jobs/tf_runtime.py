"""The one way worker tasks import TensorFlow (never the server: see core.jobs.pool)."""

from __future__ import annotations

import os
from types import ModuleType


def import_tensorflow(single_thread: bool = True) -> tuple[ModuleType, ModuleType]:
    """Import TensorFlow and Keras in a worker, single-threaded unless asked otherwise.

    Parameters
    ----------
    single_thread : bool, optional
        Run TensorFlow's ops on one thread (the app's tasks); False keeps
        TensorFlow's default threading (the benchmark's plain ``model.fit``).

    Returns
    -------
    tuple
        The ``tensorflow`` and ``keras`` modules.

    Notes
    -----
    The course's network multiplies matrices of a few thousand numbers; spreading
    them over threads costs more than it saves (measured here: 71k samples/s on one
    thread against 52k on two, 784-25-15-10, batch 32), and one thread leaves the
    other core to the Streamlit server. Thread counts can only be set before
    TensorFlow first runs an op, so every task imports it through here.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: TID251 - the one place that imports it
    import tensorflow as tf  # noqa: TID251

    if not single_thread:
        return tf, keras
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # already running: set by an earlier task in this worker
    return tf, keras


TENSORFLOW_WARM_UP = "core.jobs.tf_runtime:warm_up"
"""The pool's warm task (see `core.jobs.pool.WorkerPool`)."""


def warm_up() -> None:
    """Import TensorFlow in an idle worker, so the first job that needs it does not wait.

    Notes
    -----
    The import is nearly all of a first TensorFlow job's time (6.5 s of 6.6 s for
    a loss check, measured here); once imported, a check takes about 0.1 s.
    """
    import_tensorflow()
