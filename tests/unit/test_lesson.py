"""Tests of core.lesson: the lesson path and the key cases each card links to."""

from __future__ import annotations

import pytest

from core.floats.cancellation import course_example
from core.lesson import LESSONS, PAGE_SETTINGS, CaseLink
from core.numerics.limits import exp_overflow_threshold
from core.training.settings import PRESETS
from core.training.settings import SETTINGS as TRAIN_SETTINGS

CASES = [case for lesson in LESSONS for case in lesson.cases]


def test_every_card_has_its_key_cases_on_its_own_page():
    # Issue 10, item 20: a teacher's path is one click per step.
    for lesson in LESSONS:
        assert lesson.cases
        assert all(case.page == lesson.page for case in lesson.cases)
        assert len(lesson.cases) <= 3
    assert sum(len(lesson.cases) >= 2 for lesson in LESSONS) == 3
    assert len({case.label for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_each_query_is_the_page_s_own_and_reads_back_without_a_notice(case: CaseLink):
    table = PAGE_SETTINGS[case.page]
    assert set(case.values) <= set(table.by_name)
    assert case.query == table.to_query(case.settings)
    assert table.from_query(case.query) == (case.settings, [])


def test_the_softmax_cases():
    far, half = LESSONS[0].cases
    assert far.query == {"z": "1000,0,-1000", "y": "2"}
    assert half.query == {"z": "12,0,-12", "dtype": "float16"}
    assert f"overflows above {exp_overflow_threshold('float16'):.2f}" in half.label


def test_the_round_off_cases_open_the_course_s_doubles():
    _, x2 = course_example()
    cancelled, divided, largest = LESSONS[1].cases
    # The double the subtraction gives, not the one its 18 printed decimals read back as.
    assert float(cancelled.query["x"]) == x2.value
    assert float(x2.printed) != x2.value
    assert cancelled.label.startswith(f"{x2.expression} = {x2.value!r}")
    assert divided.query == {"x": "2/10000"}
    assert largest.query == {"x": "65504", "dtype": "float16"}


def test_the_push_case_is_the_preset_s_setup():
    push = next(p for p in PRESETS if p.key == "push")
    case = LESSONS[2].cases[0]
    assert case.label.startswith(push.label)
    assert case.query == {
        "variant": "B,C",
        "lr": "0.003",
        "epochs": "20",
        "scale": "raw",
        "init": "2",
    }
    values, _ = TRAIN_SETTINGS.from_query(case.query)
    assert values == {name: getattr(push.config, name) for name in TRAIN_SETTINGS.by_name}
