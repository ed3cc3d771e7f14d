"""The Teach page in AppTest: the plan in order, answers hidden until asked, the download."""

from urllib.parse import parse_qs

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core.lesson import URL_PATHS
from core.questions.plan import answer_line, lesson_plan, plan_markdown, timetable_markdown
from tests.app.helpers import APP, open_app_page, texts

PLAN = lesson_plan()
FILE_NAME = "softmax-lab-lesson-plan.md"


@pytest.fixture
def downloads(monkeypatch):
    """Record every file a run hands to the media storage, by file name."""
    files: dict[str, bytes] = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        files[filename] = path_or_data
        return load(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return files


def test_the_page_lays_out_every_step_in_order():
    at = open_app_page("pages/teach.py")
    assert at.title[0].value == "Teach: a 50-minute plan"
    steps = [h.value for h in at.subheader]
    assert steps == [f"{step.minute_range} min · {step.title}" for step in PLAN.steps]
    page = texts(at.markdown)
    assert f"**Timing:** {PLAN.breakdown}." in page
    assert "= 50 min" in PLAN.breakdown
    assert timetable_markdown(PLAN) in page
    for question in PLAN.questions:
        assert f"**Ask:** {question.prompt}" in page


def test_every_question_and_case_has_its_page_link():
    at = open_app_page("pages/teach.py")
    links = [
        (link.proto.page, link.proto.label, parse_qs(link.proto.query_string))
        for link in at.get("page_link")
    ]
    for link in PLAN.links:
        query = {key: [value] for key, value in link.query.items()}
        assert (URL_PATHS[link.page], link.label, query) in links, link.label


def test_answers_are_hidden_until_the_toggle():
    at = open_app_page("pages/teach.py")
    toggle = at.toggle(key="teach.answers")
    assert toggle.label == "Show the answers"
    assert toggle.value is False
    page = texts(at.markdown)
    assert "**Answer:**" not in page
    for question in PLAN.questions:
        assert question.misconception not in page
        assert question.explanation not in page
    toggle.set_value(True).run()
    assert not at.exception
    page = texts(at.markdown)
    for question in PLAN.questions:
        assert f"**Answer:** {answer_line(question)}" in page
        assert f"**Expect:** {question.misconception}" in page
        assert f"**Why:** {question.explanation}" in page


def test_the_download_button_holds_the_markdown_with_relative_links(downloads):
    at = open_app_page("pages/teach.py")
    button = at.get("download_button")[0]
    assert button.label == "Download the printable plan (Markdown)"
    assert button.proto.url.endswith(".md")
    # No browser, so no address: the links are relative.
    assert downloads[FILE_NAME].decode() == plan_markdown(PLAN, None)


def test_the_download_links_are_absolute_when_the_address_is_known(downloads):
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("pages/teach.py")
    at.context = {"url": "https://lab.example.org/course/teach"}
    at.run()
    assert not at.exception
    text = downloads[FILE_NAME].decode()
    assert text == plan_markdown(PLAN, "https://lab.example.org/course")
    assert "(https://lab.example.org/course/softmax?q=naive-far)" in text


def test_the_home_page_links_to_the_teach_page():
    at = open_app_page()
    teach = [link for link in at.get("page_link") if link.proto.page == URL_PATHS["pages/teach.py"]]
    assert len(teach) == 1
    assert teach[0].proto.label.startswith("Teachers:")
