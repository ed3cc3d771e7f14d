"""Why a run that kept a finite loss still learned nothing: test accuracy against chance.

A learning rate that is too large need not make the loss ``nan``: it can push
every ReLU of a layer to output 0 for every image, after which the output no
longer depends on the image and the network answers one class. The worker checks
each epoch's test predictions against the accuracy of always answering the most
common class, and says what it can see: which ReLUs are off for the whole test
set, and whether they were on with the initial weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

GUESS_SPREAD = 2.0
"""Standard errors of a guesser's accuracy within which a run counts as no better than chance."""


def chance_level(labels: NDArray[np.integer]) -> tuple[int, float]:
    """Return the most frequent class and its share: the accuracy of always answering it.

    Parameters
    ----------
    labels : numpy.ndarray
        True classes of the images a run is tested on.

    Returns
    -------
    tuple
        ``(class, share)``; with equal frequencies the share is 1 / number of classes.
    """
    counts = np.bincount(labels)
    common = int(counts.argmax())
    return common, float(counts[common] / len(labels))


def chance_threshold(labels: NDArray[np.integer]) -> float:
    r"""Return the highest test accuracy that is still no better than chance.

    Notes
    -----
    A guesser right with probability :math:`c` on :math:`n` images scores
    :math:`c \pm \sqrt{c(1-c)/n}`; within `GUESS_SPREAD` of those standard
    errors above :math:`c`, an accuracy says nothing about learning.
    """
    _, chance = chance_level(labels)
    return chance + GUESS_SPREAD * math.sqrt(chance * (1 - chance) / len(labels))


def relus_on(hidden: Sequence[NDArray[np.floating]]) -> list[NDArray[np.bool_]]:
    """Return, per hidden layer, which ReLUs output more than 0 for at least one input.

    Parameters
    ----------
    hidden : sequence of numpy.ndarray
        Each hidden layer's outputs, ``(n, units)``, after the ReLU.
    """
    return [(a > 0).any(axis=0) for a in hidden]


def stuck_message(
    predictions: NDArray[np.integer],
    labels: NDArray[np.integer],
    n_classes: int,
    on_at_start: list[NDArray[np.bool_]] | None,
    on_now: list[NDArray[np.bool_]] | None,
    learning_rate: float,
) -> str | None:
    """Say why a run's test accuracy is no better than chance, or return None if it is better.

    Parameters
    ----------
    predictions, labels : numpy.ndarray
        The network's answers and the true classes on the test set.
    n_classes : int
        Number of classes the network chooses among.
    on_at_start, on_now : list of numpy.ndarray or None
        `relus_on` for the test set with the initial and the current weights
        (None when the hidden layers are not ReLUs).
    learning_rate : float
        The run's learning rate.

    Returns
    -------
    str or None
        For example ``"test accuracy 9.7% is no better than chance: ..."``.
    """
    accuracy = float(np.mean(predictions == labels))
    if accuracy > chance_threshold(labels):
        return None
    common, chance = chance_level(labels)
    answers = np.bincount(predictions, minlength=n_classes)
    answer = int(answers.argmax())
    text = (
        f"test accuracy {accuracy:.1%} is {'no' if accuracy <= chance else 'hardly'} better "
        f"than chance: always answering {common}, the most frequent of the {n_classes} classes "
        f"in the test set, scores {chance:.1%}. It answers {answer} for {answers[answer]:,} of "
        f"{len(labels):,} test images."
    )
    if on_at_start is None or on_now is None:
        return text
    dead = [i for i, on in enumerate(on_now) if not on.any()]
    if dead:
        i = dead[0]
        text += (
            f" Every ReLU of hidden layer {i + 1} outputs 0 for every test image, so the output "
            "no longer depends on the image"
        )
        if not on_at_start[i].any():
            return text + ", and did so with the initial weights already."
        return text + (
            f". With the initial weights {on_at_start[i].sum()} of its {on_at_start[i].size} "
            f"switched on; steps at a learning rate of {learning_rate:g} pushed them where they "
            "never do, and a ReLU that is always off gets no gradient to come back. "
            "Try a smaller learning rate."
        )
    killed = [
        (i, start & ~now) for i, (start, now) in enumerate(zip(on_at_start, on_now, strict=True))
    ]
    parts = [
        f"{k.sum()} of the {k.size} ReLUs of hidden layer {i + 1}" for i, k in killed if k.any()
    ]
    if parts:
        text += (
            f" Training at a learning rate of {learning_rate:g} switched off "
            f"{' and '.join(parts)}: they output 0 for every test image, and with no gradient "
            "they stay off."
        )
    return text
