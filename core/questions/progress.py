"""A student's predictions in the session: answer, skip, retry, and the progress line.

Plain functions over the session's state mapping, called by the predict panel's
widgets as callbacks; nothing is stored anywhere but the session. Keys are
``"qz.<name>"``: ``answers`` (question id to `Answer`, shared by every page),
``current.<page>`` (the question a page shows), ``error.<page>`` (why the last
typed answer was not read) and ``notices.<page>`` (why a ``?q=`` link was not
used).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.lesson import PAGE_SETTINGS, CaseLink
from core.questions.bank import Question, parse_response
from core.settings import notice

State = MutableMapping[str, Any]
Apply = Callable[[State, Mapping[str, Any], list[str]], None]

PREFIX = "qz"
LINK_KEY = "q"
"""The URL key that opens a page with one question ready."""


@dataclass(frozen=True)
class Answer:
    """What a student did with one question.

    Attributes
    ----------
    response : int, float or None
        The option index or the typed number; None when the student skipped.
    right : bool or None
        Whether the response was right; None when skipped.
    """

    response: int | float | None
    right: bool | None

    @property
    def skipped(self) -> bool:
        """Whether the student skipped the question (saw the answer without predicting)."""
        return self.response is None


def key(name: str, page: str = "") -> str:
    """Return the session key of a value, per page when `page` is given."""
    return f"{PREFIX}.{name}.{page}" if page else f"{PREFIX}.{name}"


def input_key(question: Question) -> str:
    """Return the session key of a question's answer widget."""
    return f"{PREFIX}.in.{question.id}"


def answers(state: Mapping[str, Any]) -> dict[str, Answer]:
    """Return the session's answers by question id (empty before the first)."""
    return state.get(key("answers"), {})


def current(state: Mapping[str, Any], page: str, questions: Sequence[Question]) -> Question:
    """Return the question a page shows: the chosen one, else the first not yet answered.

    Parameters
    ----------
    state : mapping
        The session's state.
    page : str
        The page file.
    questions : sequence of Question
        The page's questions (at least one).

    Returns
    -------
    Question
        The first question when all are answered and none was chosen.
    """
    chosen = state.get(key("current", page))
    by_id = {q.id: q for q in questions}
    if chosen in by_id:
        return by_id[chosen]
    done = answers(state)
    return next((q for q in questions if q.id not in done), questions[0])


def choose(state: State, page: str, question_id: str) -> None:
    """Make `question_id` the page's question."""
    state[key("current", page)] = question_id
    state[key("error", page)] = None
    # A notice about a ?q= link is about the question it failed to open, now replaced.
    state[key("notices", page)] = []


def on_pick(state: State, page: str) -> None:
    """Take the question picked in the page's list; a cleared pick keeps the last one."""
    picked = state.get(key("pick", page))
    if picked is not None:
        choose(state, page, picked)


def from_link(state: State, page: str, questions: Sequence[Question], raw: str | None) -> None:
    """Open the question a ``?q=`` link names, or say why not.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    page : str
        The page file.
    questions : sequence of Question
        The page's questions.
    raw : str or None
        The link's ``q`` value (None: no link).
    """
    if raw is None:
        return
    ids = [q.id for q in questions]
    if raw in ids:
        choose(state, page, raw)
        state[key("notices", page)] = []
        return
    fallback = current(state, page, questions)
    state[key("notices", page)] = [
        notice(LINK_KEY, raw, "no such question on this page", f"question {fallback.id!r}")
    ]


def _record(state: State, question: Question, answer: Answer) -> None:
    state[key("answers")] = {**answers(state), question.id: answer}
    choose(state, question.page, question.id)


def open_case(state: State, case: CaseLink, apply: Apply, context: Mapping | None = None) -> None:
    """Put a page into the state of `case`, as opening its URL would.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    case : CaseLink
        The state to show.
    apply : callable
        The page's ``apply(state, values, notices)``.
    context : mapping, optional
        The page's settings context (the draw page's available models).
    """
    values, notices = PAGE_SETTINGS[case.page].from_query(case.query, context)
    apply(state, values, notices)


def on_reveal(
    state: State, question: Question, apply: Apply, context: Mapping | None = None
) -> None:
    """Commit the student's answer, mark it, and move the page to the question's case.

    Parameters
    ----------
    state : mutable mapping
        The session's state; the answer is read from `input_key`.
    question : Question
        The question answered.
    apply, context
        As for `open_case`.
    """
    raw = state.get(input_key(question))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        what = "Type a number" if question.kind == "number" else "Pick an answer"
        state[key("error", question.page)] = f"{what} first, or press Skip to see the answer."
        return
    if question.kind == "number":
        try:
            response: int | float = parse_response(question, raw)
        except ValueError as error:
            state[key("error", question.page)] = f"{error}. Type a number such as 2.5 or 1e-7."
            return
    else:
        response = int(raw)
    _record(state, question, Answer(response, question.is_right(response)))
    open_case(state, question.case, apply, context)


def on_skip(state: State, question: Question, apply: Apply, context: Mapping | None = None) -> None:
    """Show the answer without a prediction, and move the page to the question's case."""
    _record(state, question, Answer(None, None))
    open_case(state, question.case, apply, context)


def on_retry(state: State, question: Question) -> None:
    """Forget the answer to `question`, so the student can predict again."""
    kept = dict(answers(state))
    kept.pop(question.id, None)
    state[key("answers")] = kept
    state.pop(input_key(question), None)


def on_next(state: State, page: str, questions: Sequence[Question]) -> None:
    """Move to the next question not yet answered after the current one (wrapping)."""
    at = [q.id for q in questions].index(current(state, page, questions).id)
    done = answers(state)
    following = [*questions[at + 1 :], *questions[:at]]
    nxt = next((q for q in following if q.id not in done), following[0] if following else None)
    if nxt is not None:
        choose(state, page, nxt.id)


def progress_line(questions: Sequence[Question], done: Mapping[str, Answer]) -> str:
    """Summarise a page's predictions, such as ``"4 of 6 predicted, 3 right"``.

    Parameters
    ----------
    questions : sequence of Question
        The page's questions.
    done : mapping
        The session's answers (`answers`).

    Returns
    -------
    str
        Predicted (not skipped) out of all, how many right, and how many skipped
        when any were.
    """
    mine = [done[q.id] for q in questions if q.id in done]
    predicted = [a for a in mine if not a.skipped]
    right = sum(1 for a in predicted if a.right)
    line = f"{len(predicted)} of {len(questions)} predicted, {right} right"
    skipped = len(mine) - len(predicted)
    return f"{line}, {skipped} skipped" if skipped else line
