"""Tests of core.questions.plan: the teacher's 50-minute plan and its printable Markdown."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from core.lesson import LESSONS, PAGE_SETTINGS, URL_PATHS, app_base_url, page_href
from core.questions.bank import question_bank
from core.questions.plan import (
    OPENING_MINUTES,
    TOTAL_MINUTES,
    WRAP_UP_MINUTES,
    answer_line,
    apportion,
    lesson_plan,
    plan_markdown,
)
from core.questions.progress import LINK_KEY

ROOT = Path(__file__).resolve().parents[3]
PLAN = lesson_plan()
BASE = "https://lab.example.org/course"
BY_PATH = {path: page for page, path in URL_PATHS.items()}


def test_the_timings_add_up_to_50_minutes_without_gaps():
    assert TOTAL_MINUTES == 50
    assert sum(step.minutes for step in PLAN.steps) == PLAN.total == 50
    assert PLAN.steps[0].start == 0
    assert PLAN.steps[-1].end == 50
    for before, after in zip(PLAN.steps, PLAN.steps[1:], strict=False):
        assert after.start == before.end
    assert all(step.minutes >= 1 for step in PLAN.steps)
    assert PLAN.breakdown.endswith("= 50 min")


def test_an_opening_the_questions_and_a_wrap_up():
    kinds = [step.kind for step in PLAN.steps]
    assert kinds == ["opening"] + ["question"] * len(question_bank()) + ["wrap-up"]
    assert PLAN.steps[0].minutes == OPENING_MINUTES
    assert PLAN.steps[-1].minutes == WRAP_UP_MINUTES
    assert 2 <= OPENING_MINUTES <= 5
    # A number to predict takes longer than an option to pick.
    minutes = {step.question.kind: step.minutes for step in PLAN.steps if step.question}
    assert minutes["number"] >= minutes["choice"] >= 1


def test_every_bank_question_appears_once_in_lesson_order():
    bank = question_bank()
    assert PLAN.questions == bank  # the bank's own objects: nothing typed twice
    assert len({q.id for q in PLAN.questions}) == len(bank)
    order = [LESSONS.index(step.lesson) for step in PLAN.steps if step.question]
    assert order == sorted(order)
    assert {step.lesson.page for step in PLAN.steps if step.question} == {
        lesson.page for lesson in LESSONS
    }


def test_question_numbers_are_those_of_the_predict_first_panel():
    for step in PLAN.steps:
        if step.question is not None:
            page_questions = [q for q in question_bank() if q.page == step.question.page]
            assert page_questions[step.number - 1] is step.question
            assert step.title == f"Lesson {step.lesson.number} · Q{step.number}"


def test_the_first_question_of_each_lesson_introduces_it():
    for step in PLAN.steps:
        if step.question is not None:
            assert (step.lesson.teaches in step.say) == (step.number == 1)
            assert "*Show it on this page*" in step.say
            assert (step.question.kind == "number") == ("numbers from the room" in step.say)


def test_every_link_opens_an_existing_page_and_question_or_case():
    ids = {q.id for q in question_bank()}
    for step in PLAN.steps:
        if step.question is None:
            continue
        ask, case = step.links
        assert (ROOT / ask.page).is_file()
        assert ask.page == step.question.page
        assert ask.query == {LINK_KEY: step.question.id}
        assert ask.query[LINK_KEY] in ids
        assert case.page == step.question.case.page == step.question.page
        assert dict(case.query) == step.question.case.query
    for link in PLAN.links:
        assert (ROOT / link.page).is_file()
        path, query = urlsplit(link.href()).path, dict(parse_qsl(urlsplit(link.href()).query))
        assert BY_PATH[path.lstrip("/")] == link.page
        if LINK_KEY in query:
            assert query[LINK_KEY] in {q.id for q in question_bank() if q.page == link.page}
        else:
            # A case's parameters read back on its page without a notice.
            _settings, notices = PAGE_SETTINGS[link.page].from_query(query)
            assert notices == []


def test_the_markdown_holds_every_prompt_answer_misconception_and_link():
    text = plan_markdown(PLAN, BASE)
    for question in PLAN.questions:
        for line in question.prompt.splitlines():
            assert line in text
        assert f"**Answer:** {answer_line(question)}" in text
        assert question.answer_text in text
        assert question.misconception in text
        assert question.explanation in text
    for link in PLAN.links:
        assert f"]({link.href(BASE)})" in text
    for step in PLAN.steps:
        assert f"### {step.minute_range} min · {step.title}" in text
        assert f"| {step.minute_range} | {step.title} |" in text
    assert text.startswith("# Softmax Lab: a 50-minute lesson plan\n")
    assert "\n\n\n" not in text
    assert "= 50 min" in text


def test_the_markdown_links_are_absolute_with_a_base_url():
    text = plan_markdown(PLAN, BASE + "/")
    assert f"({BASE}/softmax?q=naive-far)" in text
    assert "](/" not in text
    assert "relative" not in text


def test_the_markdown_links_are_relative_without_a_base_url():
    for base in (None, ""):
        text = plan_markdown(PLAN, base)
        assert "(/softmax?q=naive-far)" in text
        assert "](http" not in text
        assert "Links are relative" in text
        for link in PLAN.links:
            assert f"]({link.href()})" in text


def test_a_number_answer_states_its_tolerance():
    limit = next(q for q in question_bank() if q.id == "exp-limit")
    assert answer_line(limit) == f"{limit.answer_text} (answers within ±0.005 count)"
    choice = next(q for q in question_bank() if q.kind == "choice")
    assert answer_line(choice) == choice.options[choice.answer]


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (44, [3, 2], [26, 18]),
        (10, [1, 1, 1], [4, 3, 3]),
        (7, [2, 2, 3], [2, 2, 3]),
        (5, [1] * 5, [1] * 5),
    ],
)
def test_apportion_adds_up_exactly(total, weights, parts):
    assert apportion(total, weights) == parts
    assert sum(apportion(total, weights)) == total


def test_apportion_refuses_a_part_without_a_minute():
    with pytest.raises(ValueError, match="do not fit"):
        apportion(3, [1] * 4)
    with pytest.raises(ValueError, match="positive"):
        apportion(3, [1, 0])


def test_page_href():
    assert page_href("pages/softmax.py") == "/softmax"
    assert page_href("pages/softmax.py", {"z": "1000,0,-1000", "y": "2"}) == (
        "/softmax?z=1000,0,-1000&y=2"
    )
    assert page_href("pages/floats.py", {"q": "tenth"}, "http://h:8501/") == (
        "http://h:8501/floats?q=tenth"
    )


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://127.0.0.1:8501/teach", "http://127.0.0.1:8501"),
        ("https://lab.example.org/course/teach/", "https://lab.example.org/course"),
        ("https://lab.example.org/course/teach?x=1#top", "https://lab.example.org/course"),
        ("http://localhost:8501", "http://localhost:8501"),
        (None, None),
        ("", None),
        ("file:///tmp/teach", None),
    ],
)
def test_app_base_url(url, base):
    assert app_base_url(url, "pages/teach.py") == base
