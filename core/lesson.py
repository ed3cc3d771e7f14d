"""The lesson path: the app's experiences in teaching order."""

from __future__ import annotations

from dataclasses import dataclass


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
        "Push logits past 88.72 and watch the naive softmax turn into `nan` while the "
        "max-shifted one, and the loss computed from logits, stay exact.",
        "pages/softmax.py",
    ),
)
