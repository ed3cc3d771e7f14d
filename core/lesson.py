"""The lesson path: the app's experiences in teaching order."""

from __future__ import annotations

from dataclasses import dataclass

from core.numerics.limits import exp_overflow_threshold


@dataclass(frozen=True)
class Lesson:
    """One experience on the lesson path.

    Attributes
    ----------
    number : int
        Position in the lesson order.
    title : str
        Short title.
    teaches : str
        One sentence on what it teaches.
    page : str
        The page file that implements it.
    """

    number: int
    title: str
    teaches: str
    page: str


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "Softmax & cross-entropy",
        f"Push logits past {exp_overflow_threshold('float32'):.2f} and watch the naive "
        "softmax turn into `nan` while the max-shifted one, and the loss computed from "
        "logits, stay exact.",
        "pages/softmax.py",
    ),
    Lesson(
        2,
        "Floating-point round-off",
        "See why `(1 + 1/10000) - (1 - 1/10000)` prints `0.000199999999999978`: take numbers "
        "apart bit by bit, watch the gaps between them grow, and meet the limits that make "
        "`exp` overflow.",
        "pages/floats.py",
    ),
    Lesson(
        3,
        "Train the network",
        "Train the course's 25-15-10 network live and watch a hand-written softmax die of "
        "`nan` while the same network with `from_logits=True` keeps learning.",
        "pages/train.py",
    ),
    Lesson(
        4,
        "Draw a digit",
        "Draw a digit and see exactly what the network sees, its ten logits and the "
        "probabilities the stable softmax makes of them.",
        "pages/draw.py",
    ),
)
