"""The teacher's lesson plan: every question of the bank in lesson order, in 50 minutes.

The plan is data built from `core.lesson.LESSONS` and the question bank: the
prompts, answers, explanations, misconceptions and cases are the bank's own
(nothing about a question is written twice); this module adds only the order,
the minutes, what the teacher says around each question and the links to
prepare. `plan_markdown` renders the printable version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.lesson import LESSONS, Lesson, page_href
from core.questions.bank import Kind, Question, number_text, question_bank
from core.questions.progress import LINK_KEY

TOTAL_MINUTES = 50
"""The length of the lesson."""
OPENING_MINUTES = 3
"""The opening: what the lesson is about, and the rule of predicting first."""
WRAP_UP_MINUTES = 3
"""The wrap-up: the one idea to take home."""
KIND_WEIGHTS: dict[Kind, int] = {"choice": 2, "larger": 2, "number": 3}
"""A question's share of the question time by kind: a number takes longer to predict."""

StepKind = Literal["opening", "question", "wrap-up"]


@dataclass(frozen=True)
class PlanLink:
    """A link the teacher prepares: a page of the app, in a given state.

    Attributes
    ----------
    label : str
        What the link says (plain text of ours).
    page : str
        The page file it opens (a key of `core.lesson.URL_PATHS`).
    query : mapping
        Its URL parameters.
    """

    label: str
    page: str
    query: Mapping[str, str] = field(default_factory=dict)

    def href(self, base_url: str = "") -> str:
        """Return the link's address (`core.lesson.page_href`).

        Parameters
        ----------
        base_url : str, optional
            The app's address; empty for a link relative to the app's host.

        Returns
        -------
        str
            Such as ``"https://lab.example.org/softmax?q=naive-far"``.
        """
        return page_href(self.page, self.query, base_url)


@dataclass(frozen=True)
class PlanStep:
    """One step of the plan.

    Attributes
    ----------
    kind : str
        ``"opening"``, ``"question"`` or ``"wrap-up"``.
    title : str
        Short heading, such as ``"Lesson 1 · Q2"``.
    start : int
        Minute of the lesson at which the step starts.
    minutes : int
        How long it takes.
    say : str
        What the teacher says and does (Markdown of ours).
    lesson : Lesson or None
        The lesson whose page the step uses; None for the opening.
    question : Question or None
        The question asked; None for the opening and the wrap-up.
    number : int
        The question's number on its page (``Q2`` in its Predict first panel);
        0 for the opening and the wrap-up.
    links : tuple of PlanLink
        The links the step opens, in order: the question, then its case.
    """

    kind: StepKind
    title: str
    start: int
    minutes: int
    say: str
    lesson: Lesson | None = None
    question: Question | None = None
    number: int = 0
    links: tuple[PlanLink, ...] = ()

    @property
    def end(self) -> int:
        """Minute of the lesson at which the step ends."""
        return self.start + self.minutes

    @property
    def minute_range(self) -> str:
        """The step's minutes as a timetable writes them, such as ``"3–5"``."""
        return f"{self.start}–{self.end}"


@dataclass(frozen=True)
class LessonPlan:
    """The whole plan.

    Attributes
    ----------
    steps : tuple of PlanStep
        The opening, one step per question in lesson order, the wrap-up.
    """

    steps: tuple[PlanStep, ...]

    @property
    def total(self) -> int:
        """The plan's length in minutes: the sum of its steps' minutes."""
        return sum(step.minutes for step in self.steps)

    @property
    def questions(self) -> tuple[Question, ...]:
        """The questions, in the order they are asked."""
        return tuple(step.question for step in self.steps if step.question is not None)

    @property
    def links(self) -> tuple[PlanLink, ...]:
        """Every link of the plan, in the order the steps open them."""
        return tuple(link for step in self.steps for link in step.links)

    @property
    def breakdown(self) -> str:
        """How the minutes add up, such as ``"opening 3 + 18 questions 44 + ... = 50"``."""
        parts = {kind: [s.minutes for s in self.steps if s.kind == kind] for kind in _KINDS}
        asked = len(parts["question"])
        return (
            f"opening {sum(parts['opening'])} min + {asked} questions "
            f"{sum(parts['question'])} min + wrap-up {sum(parts['wrap-up'])} min "
            f"= {self.total} min"
        )


_KINDS: tuple[StepKind, ...] = ("opening", "question", "wrap-up")


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split whole minutes in proportion to weights, the parts adding up to `total` exactly.

    Largest remainders: each part gets the whole minutes of its share, and the
    minutes left over go to the largest fractions (the earlier part on a tie).

    Parameters
    ----------
    total : int
        Minutes to split.
    weights : sequence of int
        One positive weight per part.

    Returns
    -------
    list of int
        One part per weight; ``sum(parts) == total``.

    Raises
    ------
    ValueError
        When a part would get no minute at all (too many parts for `total`).
    """
    if not weights or min(weights) <= 0:
        raise ValueError("every part needs a positive weight")
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for i in order[:left]:
        parts[i] += 1
    if min(parts) < 1:
        raise ValueError(f"{len(weights)} parts do not fit in {total} minutes")
    return parts


def _opening(questions: Sequence[Question]) -> str:
    return (
        "Softmax turns a network's scores (**logits**) into probabilities. Tell the class: "
        f"today {len(questions)} predictions over {len(LESSONS)} pages show why Keras asks "
        "for `from_logits=True`. The one rule: write your prediction down before anything "
        "is revealed; being wrong is the point. On the projector, switch on *Presentation "
        "mode* in the sidebar."
    )


def _question_say(question: Question, number: int, lesson: Lesson, first: bool) -> str:
    intro = f"Start lesson {lesson.number}, *{lesson.title}*: {lesson.teaches} " if first else ""
    if question.kind == "number":
        poll = "collect three or four numbers from the room and write them on the board."
    else:
        poll = "ask for a show of hands for each option."
    return (
        f"{intro}Open Q{number} in the *Predict first* panel and read it aloud. Give a "
        f"minute to write a prediction, then {poll} Press *Reveal*, then *Show it on this "
        "page*, which opens the case below, and point at the result; ask who predicted it."
    )


def _wrap_up() -> str:
    return (
        "Back to the first case: ask the class why the loss *from logits* stays exact when "
        "the softmax gives `nan`. The answer to take home: it never forms a probability, so "
        "nothing overflows to `inf` or rounds to `0` before the log. Name the misconceptions "
        "most of the room had, and leave the links for students to try at home."
    )


@functools.cache
def lesson_plan() -> LessonPlan:
    """Build the 50-minute plan from the lessons and the question bank.

    Returns
    -------
    LessonPlan
        An opening of `OPENING_MINUTES`, every question of the bank in lesson
        order (the question time split by `KIND_WEIGHTS`), a wrap-up of
        `WRAP_UP_MINUTES`: `TOTAL_MINUTES` in all.
    """
    questions = question_bank()
    by_page = {lesson.page: lesson for lesson in LESSONS}
    minutes = apportion(
        TOTAL_MINUTES - OPENING_MINUTES - WRAP_UP_MINUTES,
        [KIND_WEIGHTS[q.kind] for q in questions],
    )
    steps = [PlanStep("opening", "Opening", 0, OPENING_MINUTES, _opening(questions))]
    numbers: dict[str, int] = {}
    for question, length in zip(questions, minutes, strict=True):
        lesson = by_page[question.page]
        number = numbers[question.page] = numbers.get(question.page, 0) + 1
        links = (
            PlanLink(
                f"Open lesson {lesson.number} · Q{number}",
                question.page,
                {LINK_KEY: question.id},
            ),
            PlanLink(f"Case: {question.case.label}", question.page, question.case.query),
        )
        steps.append(
            PlanStep(
                "question",
                f"Lesson {lesson.number} · Q{number}",
                steps[-1].end,
                length,
                _question_say(question, number, lesson, first=number == 1),
                lesson,
                question,
                number,
                links,
            )
        )
    first = LESSONS[0]
    case = first.cases[0]
    steps.append(
        PlanStep(
            "wrap-up",
            "Wrap-up",
            steps[-1].end,
            WRAP_UP_MINUTES,
            _wrap_up(),
            first,
            links=(PlanLink(f"Case: {case.label}", case.page, case.query),),
        )
    )
    return LessonPlan(tuple(steps))


def answer_line(question: Question) -> str:
    """Return a question's answer as the teacher reads it, with the tolerance of a number.

    Parameters
    ----------
    question : Question
        A question of the bank.

    Returns
    -------
    str
        Such as ``"88.72 (answers within ±0.005 count)"``.
    """
    text = question.answer_text
    if question.kind == "number" and question.tolerance:
        text += f" (answers within ±{number_text(question.tolerance)} count)"
    return text


def timetable_markdown(plan: LessonPlan) -> str:
    """Return the plan's timetable as a Markdown table: minutes, step and page of each step.

    Parameters
    ----------
    plan : LessonPlan
        The plan (`lesson_plan`).

    Returns
    -------
    str
        One row per step, such as ``| 3–5 | Lesson 1 · Q1 | 1 · Softmax & cross-entropy |``.
    """
    rows = ["| Minutes | Step | Page |", "|---|---|---|"]
    for step in plan.steps:
        page = f"{step.lesson.number} · {step.lesson.title}" if step.lesson else ""
        rows.append(f"| {step.minute_range} | {step.title} | {page} |")
    return "\n".join(rows)


def _link(link: PlanLink, base_url: str) -> str:
    label = link.label.replace("[", r"\[").replace("]", r"\]")
    return f"[{label}]({link.href(base_url)})"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def plan_markdown(plan: LessonPlan, base_url: str | None = None) -> str:
    """Render the plan as a printable Markdown document.

    Parameters
    ----------
    plan : LessonPlan
        The plan (`lesson_plan`).
    base_url : str, optional
        The app's address, such as ``"https://lab.example.org"``: every link is
        absolute. Without it the links are relative to the app's host
        (``/softmax?q=naive-far``).

    Returns
    -------
    str
        A title, the timetable, the links to prepare, then each step with what
        to say, the question, its answer and explanation, the misconception to
        expect and its links.
    """
    base = base_url or ""
    lines = [
        f"# Softmax Lab: a {plan.total}-minute lesson plan",
        "",
        f"{len(plan.questions)} predict-then-reveal questions, in the order of the lesson "
        f"path: {plan.breakdown}.",
        "",
    ]
    if not base_url:
        lines += ["Links are relative: put the app's address in front of each.", ""]
    lines += ["## Timetable", "", timetable_markdown(plan), "", "## Links to prepare", ""]
    for step in plan.steps:
        if step.links:
            links = " · ".join(_link(link, base) for link in step.links)
            lines.append(f"- {step.minute_range} min: {links}")
    lines += ["", "## Step by step"]
    for step in plan.steps:
        lines += ["", f"### {step.minute_range} min · {step.title}", "", step.say, ""]
        question = step.question
        if question is not None:
            lines += ["**Ask:**", "", _quote(question.prompt), ""]
            lines += [f"- {option}" for option in question.options]
            if question.options:
                lines.append("")
            lines += [
                f"**Answer:** {answer_line(question)}",
                "",
                f"**Why:** {question.explanation}",
                "",
                f"**Expect:** {question.misconception}",
                "",
            ]
        if step.links:
            lines.append("**Links:** " + " · ".join(_link(link, base) for link in step.links))
    text = "\n".join(lines).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)
