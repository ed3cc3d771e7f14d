"""Tallies, share right and the class summary (CSV and Markdown), on the real question bank."""

from __future__ import annotations

import csv
import io
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.classroom.store import DB_NAME, PollRecord, SQLiteStore
from core.classroom.tally import (
    MAX_BINS,
    SUMMARY_COLUMNS,
    SummaryRow,
    Tally,
    share_right,
    summary_csv,
    summary_markdown,
    summary_rows,
    tally,
)
from core.questions.bank import question_bank, question_by_id
from tests.unit.classroom.stores import Clock

CHOICE = question_by_id("naive-far")  # 4 options, answer 1
LARGER = question_by_id("sigmoid-40")  # 3 options, answer 2
NUMBER = question_by_id("exp-limit")  # 88.72 within 0.005
WIDE = question_by_id("first-loss")  # 2.33 within 0.3


def test_the_questions_used_here_are_as_assumed():
    assert (CHOICE.kind, len(CHOICE.options), CHOICE.answer) == ("choice", 4, 1)
    assert (LARGER.kind, len(LARGER.options), LARGER.answer) == ("larger", 3, 2)
    assert (NUMBER.kind, NUMBER.answer, NUMBER.tolerance) == ("number", 88.72, 0.005)
    assert (WIDE.kind, WIDE.answer, WIDE.tolerance) == ("number", 2.33, 0.3)


# --- choice tallies -------------------------------------------------------------------------


@pytest.mark.parametrize("question", [CHOICE, LARGER], ids=lambda q: q.id)
def test_a_choice_tally_lists_every_option_with_zeros(question):
    result = tally(question, [])
    assert result == Tally(
        list(question.options),
        [0] * len(question.options),
        [i == question.answer for i in range(len(question.options))],
        0,
    )
    assert sum(result.right) == 1
    assert result.right[question.answer]


def test_a_choice_tally_counts_each_option():
    result = tally(CHOICE, [1, 1, 3, 0, 1.0])
    assert result.counts == [1, 3, 0, 1]
    assert result.total == 5
    assert result.right == [False, True, False, False]


def test_out_of_range_indexes_are_ignored():
    result = tally(CHOICE, [-1, 4, 99, 2, -100])
    assert result.counts == [0, 0, 1, 0]
    assert result.total == 1


@given(st.lists(st.integers(-3, 6), max_size=60))
def test_choice_counts_match_a_counter(responses):
    result = tally(CHOICE, [float(r) for r in responses])
    assert result.counts == [responses.count(i) for i in range(4)]
    assert result.total == sum(0 <= r < 4 for r in responses)
    assert result.right == [False, True, False, False]


# --- number tallies -------------------------------------------------------------------------


def edges_of(result: Tally) -> list[tuple[float, float]]:
    """Read each bar's range back from its label ("a to b", numbers as `number_text` wrote)."""
    pairs = []
    for label in result.labels:
        low, high = label.split(" to ")
        pairs.append((float(low.replace(",", "")), float(high.replace(",", ""))))
    return pairs


def test_no_numbers_give_no_bars():
    assert tally(NUMBER, []) == Tally([], [], [], 0)


@pytest.mark.parametrize(("value", "right"), [(88.72, True), (88.724, True), (88.73, False)])
def test_one_value_is_one_bar(value, right):
    assert tally(NUMBER, [value]) == Tally([f"{value:g}"], [1], [right], 1)
    assert tally(NUMBER, [value] * 3) == Tally([f"{value:g}"], [3], [right], 3)


def test_number_bars_are_equal_ranges_from_smallest_to_largest():
    result = tally(NUMBER, [80, 85, 88.72, 90, 100])
    assert result.labels == ["80 to 84", "84 to 88", "88 to 92", "92 to 96", "96 to 100"]
    assert result.counts == [1, 1, 2, 0, 1]
    assert result.right == [False, False, True, False, False]
    assert result.total == 5


def test_an_answer_on_an_edge_marks_both_bars():
    result = tally(WIDE, [0, 1, 2, 3, 4])  # edges 0, 0.8, 1.6, 2.4, 3.2, 4
    assert result.counts == [1, 1, 1, 1, 1]
    assert result.right == [False, False, True, True, False]  # 2.33 within 0.3 of 2.4


def test_many_values_use_at_most_max_bins():
    values = [float(v) for v in range(1000)]
    result = tally(NUMBER, values)
    assert len(result.counts) == MAX_BINS
    assert sum(result.counts) == result.total == 1000


typed = st.integers(-(10**7), 10**7).map(lambda i: i / 1000)  # what students type


@given(st.data(), st.sampled_from([NUMBER, WIDE]))
def test_number_bars_hold_every_value(data, question):
    near = st.integers(-400, 400).map(lambda i: round(question.answer + i / 1000, 3))
    values = data.draw(st.lists(st.one_of(typed, near), min_size=1, max_size=80))
    result = tally(question, values)
    assert result.total == len(values)
    assert sum(result.counts) == len(values)
    assert len(result.labels) == len(result.counts) == len(result.right)
    assert 1 <= len(result.counts) <= min(MAX_BINS, len(set(values)))
    if len(result.counts) == 1 and " to " not in result.labels[0]:
        assert result.right == [question.is_right(values[0])]
        return
    edges = edges_of(result)
    assert edges[0][0] == min(values)
    assert edges[-1][1] == max(values)
    assert all(a < b for a, b in edges)
    for (a, b), right in zip(edges, result.right, strict=True):
        near = a - question.tolerance <= question.answer <= b + question.tolerance
        assert bool(right) == near
    for value in values:
        if question.is_right(value):
            assert any(r and a <= value <= b for (a, b), r in zip(edges, result.right, strict=True))


@pytest.mark.parametrize(
    "values", [[0.0, 5e-324], [1.0, 1.0000000000000002], [88.72, math.nextafter(88.72, 100)]]
)
def test_nearly_equal_numbers_still_tally(values):
    result = tally(NUMBER, values)
    assert sum(result.counts) == result.total == len(values)


# --- share right ----------------------------------------------------------------------------


def test_share_right_of_no_answers_is_none():
    assert share_right(CHOICE, []) is None
    assert share_right(NUMBER, []) is None


@given(st.lists(st.integers(0, 3), min_size=1, max_size=200))
def test_share_right_is_the_exact_fraction(responses):
    expected = Fraction(responses.count(CHOICE.answer), len(responses))
    assert share_right(CHOICE, [float(r) for r in responses]) == float(expected)


def test_share_right_of_numbers_uses_the_tolerance():
    assert share_right(NUMBER, [88.72, 88.724, 88.73, 0.0]) == 0.5
    assert share_right(NUMBER, [88.72]) == 1.0
    assert share_right(NUMBER, [88.8]) == 0.0


# --- summary rows ---------------------------------------------------------------------------

RECORDS = [
    PollRecord(1, "naive-far", {2: [1.0, 1.0, 1.0], 1: [1.0, 1.0, 0.0]}, revealed=True),
    PollRecord(2, "no-such-question", {1: [1.0]}),
    PollRecord(3, "exp-limit", {}),
    PollRecord(4, "first-loss", {1: [2.33, 9.0]}),
]


def test_summary_rows_one_per_round():
    rows = summary_rows(RECORDS)
    far, limit, loss = (question_by_id(q) for q in ("naive-far", "exp-limit", "first-loss"))
    assert rows == [
        SummaryRow(1, "naive-far", far.prompt, 1, 3, 2 / 3, far.answer_text),
        SummaryRow(1, "naive-far", far.prompt, 2, 3, 1.0, far.answer_text),
        SummaryRow(3, "exp-limit", limit.prompt, 1, 0, None, "88.72"),
        SummaryRow(4, "first-loss", loss.prompt, 1, 2, 0.5, "2.33"),
    ]


def test_summary_rows_of_nothing():
    assert summary_rows([]) == []
    assert summary_rows([PollRecord(1, "no-such-question", {1: [0.0]})]) == []


def every_question_records() -> list[PollRecord]:
    records = []
    for seq, question in enumerate(question_bank(), start=10):
        first = [float(question.answer), 0.0] if question.kind == "number" else [0.0, 1.0]
        records.append(PollRecord(seq, question.id, {1: first, 2: first[:1]}))
    return records


def test_summary_csv_parses_back():
    rows = summary_rows(RECORDS + every_question_records())
    parsed = list(csv.reader(io.StringIO(summary_csv(rows))))
    assert parsed[0] == list(SUMMARY_COLUMNS)
    percent = {None: "", 2 / 3: "67%", 1.0: "100%", 0.5: "50%", 0.0: "0%"}
    assert parsed[1:] == [
        [str(r.poll), r.question, str(r.round), str(r.votes), percent[r.right], r.answer, r.prompt]
        for r in rows
    ]
    assert len(parsed) == 1 + len(rows)


def test_summary_csv_of_nothing_is_the_header():
    assert list(csv.reader(io.StringIO(summary_csv([])))) == [list(SUMMARY_COLUMNS)]


# --- markdown -------------------------------------------------------------------------------


def table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def cells(line: str) -> list[str]:
    """Split a table row on unescaped pipes."""
    out, cell, escaped = [], "", False
    for char in line.strip()[1:-1]:
        if char == "|" and not escaped:
            out.append(cell.strip())
            cell = ""
        else:
            cell += char
        escaped = char == "\\" and not escaped
    return [*out, cell.strip()]


def test_markdown_has_a_header_and_one_row_per_round():
    rows = summary_rows(RECORDS + every_question_records())
    text = summary_markdown("ACK7M9", 12, rows)
    assert text.startswith("# Softmax Lab class ACK7M9\n")
    assert "12 students joined" in text
    assert f"{len({r.poll for r in rows})} questions polled" in text
    lines = table_lines(text)
    assert cells(lines[0]) == ["poll", "question", "round", "votes", "share right", "answer"]
    assert len(lines) == 2 + len(rows)
    for line, row in zip(lines[2:], rows, strict=True):
        assert cells(line)[:4] == [str(row.poll), row.question, str(row.round), str(row.votes)]
        assert len(cells(line)) == 6


def test_markdown_escapes_pipes_in_answers():
    row = SummaryRow(1, "naive-far", "a | prompt", 1, 2, 0.5, "left | right")
    text = summary_markdown("ACK7M9", 1, [row])
    assert "left \\| right" in text
    assert "1 student joined; 1 question polled." in text
    (line,) = table_lines(text)[2:]
    assert cells(line) == ["1", "naive-far", "1", "2", "50%", "left \\| right"]


def test_markdown_of_an_empty_class():
    text = summary_markdown("ACK7M9", 0, [])
    assert "0 students joined; 0 questions polled." in text
    assert len(table_lines(text)) == 2


SESSIONS = [f"SESSION-{i}-zq9Xv{i * 7919:06d}-never-shown" for i in range(6)]


def test_summaries_never_name_a_session(tmp_path):
    clock = Clock()
    store = SQLiteStore(tmp_path / DB_NAME, clock=clock)
    code, key = store.create_class()
    for question, answers in (("naive-far", [1, 0, 1, 2, 1, 3]), ("exp-limit", [88.72] * 6)):
        store.open_poll(code, key, question)
        for session, value in zip(SESSIONS, answers, strict=True):
            clock.advance(1)
            store.join(code, session)
            store.answer(code, session, value)
        store.close_poll(code, key)
        store.next_round(code, key)
        store.answer(code, SESSIONS[0], answers[0])
        store.reveal(code, key)
    store.end_class(code, key)
    rows = summary_rows(store.polls(code, key))
    assert [(r.poll, r.round, r.votes) for r in rows] == [
        (1, 1, 6),
        (1, 2, 1),
        (2, 1, 6),
        (2, 2, 1),
    ]
    assert rows[0].right == 0.5
    texts = [summary_markdown(code, store.state(code).students, rows), summary_csv(rows)]
    assert "6 students joined" in texts[0]
    for text in texts:
        for session in SESSIONS:
            assert session not in text
            assert session.split("-")[2] not in text
        assert "SESSION" not in text
