from pathlib import Path

from core.lesson import LESSONS
from tests.app.helpers import open_app_page

ROOT = Path(__file__).resolve().parents[2]


def test_home_lays_out_the_lesson_path():
    at = open_app_page()
    assert at.title[0].value == "Softmax Lab"
    headers = [h.value for h in at.subheader]
    assert headers == [f"{lesson.number}. {lesson.title}" for lesson in LESSONS]


def test_every_card_points_at_an_existing_page():
    for lesson in LESSONS:
        assert (ROOT / lesson.page).is_file(), lesson.page
    numbers = [lesson.number for lesson in LESSONS]
    assert numbers == sorted(numbers) == list(range(1, len(LESSONS) + 1))


def test_presentation_mode_from_the_url():
    at = open_app_page(present="1")
    assert at.toggle(key="present").value is True
    assert at.query_params["present"] == "1"


def test_presentation_mode_is_off_by_default():
    at = open_app_page()
    assert at.toggle(key="present").value is False
    assert "present" not in at.query_params


def test_presentation_mode_toggles_and_survives_a_page_switch():
    at = open_app_page()
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["present"] == "1"
    at.switch_page("pages/softmax.py")
    at.run()
    assert at.toggle(key="present").value is True
    assert at.query_params["present"] == "1"
    at.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params
