"""What the projector shows of a poll, and the class summary: counts, rounds, share right.

Pure functions over the responses a store returns (option indexes or typed numbers);
nothing here knows who answered.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.classroom.store import PollRecord
from core.questions.bank import Question, number_text, question_by_id

MAX_BINS = 8
"""Most bars a number question's histogram shows."""


@dataclass(frozen=True)
class Tally:
    """One round of a poll, ready to draw.

    Attributes
    ----------
    labels : list of str
        One per bar: the options of a choice, or value ranges of typed numbers.
    counts : list of int
        Answers per bar.
    right : list of bool
        Which bars hold right answers (drawn only once the answer is revealed).
    total : int
        Answers counted.
    """

    labels: list[str]
    counts: list[int]
    right: list[bool]
    total: int


def _number_bins(question: Question, values: Sequence[float]) -> Tally:
    if not values:
        return Tally([], [], [], 0)
    low, high = min(values), max(values)
    try:
        edges = np.histogram_bin_edges(values, bins=min(MAX_BINS, len(set(values))))
        counts, _ = np.histogram(values, bins=edges)
    except ValueError:
        # Answers a few floats apart: no range to split, so each distinct answer is a bar.
        edges = None
    if low == high or edges is None:
        distinct = sorted(set(values))
        return Tally(
            [number_text(v) for v in distinct],
            [values.count(v) for v in distinct],
            [bool(question.is_right(v)) for v in distinct],
            len(values),
        )
    pairs = list(itertools.pairwise(edges))
    labels = [f"{number_text(float(a))} to {number_text(float(b))}" for a, b in pairs]
    right = [
        bool(a - question.tolerance <= question.answer <= b + question.tolerance) for a, b in pairs
    ]
    return Tally(labels, [int(c) for c in counts], right, len(values))


def tally(question: Question, responses: Sequence[float]) -> Tally:
    """Count one round's responses.

    Parameters
    ----------
    question : Question
        The question polled.
    responses : sequence of float
        One per student session: an option index, or a typed number.

    Returns
    -------
    Tally
        Every option with its count (zero included) for a choice; for a number,
        up to `MAX_BINS` equal-width ranges between the smallest and largest
        answer (a bar is right when the answer lies within tolerance of it).
    """
    if question.kind == "number":
        return _number_bins(question, [float(v) for v in responses])
    counts = [0] * len(question.options)
    for response in responses:
        # Only a whole option number counts: anything else was never an option.
        if float(response).is_integer() and 0 <= response < len(counts):
            counts[int(response)] += 1
    right = [i == question.answer for i in range(len(counts))]
    return Tally(list(question.options), counts, right, sum(counts))


def share_right(question: Question, responses: Sequence[float]) -> float | None:
    """Return the fraction of right responses, or None when there are none.

    Parameters
    ----------
    question : Question
        The question polled.
    responses : sequence of float
        The round's responses.

    Returns
    -------
    float or None
        Between 0 and 1.
    """
    if not responses:
        return None
    return sum(question.is_right(r) for r in responses) / len(responses)


@dataclass(frozen=True)
class SummaryRow:
    """One round of one poll in the class summary."""

    poll: int
    question: str
    prompt: str
    round: int
    votes: int
    right: float | None
    answer: str


def summary_rows(records: Sequence[PollRecord]) -> list[SummaryRow]:
    """Return one row per poll round: the question, votes and share right.

    Parameters
    ----------
    records : sequence of PollRecord
        The class's polls (`ClassStore.polls`).

    Returns
    -------
    list of SummaryRow
        A poll nobody answered still has its round 1 row, with 0 votes.
    """
    rows = []
    for record in records:
        question = question_by_id(record.question)
        if question is None:
            continue
        rounds = record.rounds or {1: []}
        for number, responses in sorted(rounds.items()):
            rows.append(
                SummaryRow(
                    record.seq,
                    question.id,
                    question.prompt,
                    number,
                    len(responses),
                    share_right(question, responses),
                    question.answer_text,
                )
            )
    return rows


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


SUMMARY_COLUMNS = ("poll", "question", "round", "votes", "share right", "answer", "prompt")


def summary_csv(rows: Sequence[SummaryRow]) -> str:
    """Return the summary as CSV (one row per poll round, with a header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    for r in rows:
        writer.writerow(
            [r.poll, r.question, r.round, r.votes, _percent(r.right), r.answer, r.prompt]
        )
    return out.getvalue()


def summary_markdown(code: str, students: int, rows: Sequence[SummaryRow]) -> str:
    """Return the summary as Markdown: a heading, the class's size and a table.

    Parameters
    ----------
    code : str
        The class's join code.
    students : int
        Sessions that joined.
    rows : sequence of SummaryRow
        As `summary_rows` gives them.

    Returns
    -------
    str
        Markdown with pipes in prompts escaped; no names and no single answers.
    """
    lines = [
        f"# Softmax Lab class {code}",
        "",
        f"{students} student{'s' if students != 1 else ''} joined; "
        f"{len({r.poll for r in rows})} question{'s' if len({r.poll for r in rows}) != 1 else ''} "
        "polled.",
        "",
        "| poll | question | round | votes | share right | answer |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        answer = r.answer.replace("|", "\\|")
        lines.append(
            f"| {r.poll} | {r.question} | {r.round} | {r.votes} | {_percent(r.right)} | {answer} |"
        )
    return "\n".join(lines) + "\n"
