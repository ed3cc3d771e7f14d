"""The Teach page in a real browser: a question's link opens its page with the question ready."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.questions.plan import answer_line, lesson_plan, plan_markdown
from tests.browser.conftest import Server, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser

PLAN = lesson_plan()


def test_a_question_link_opens_its_page_with_the_question_ready(page: Page, server: Server):
    open_page(page, server, "teach")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Teach: a 50-minute plan")).to_be_visible()
    expect(main.get_by_text(PLAN.breakdown)).to_be_visible()
    # Not the first question of its page, so the link, not the default, chose it.
    step = next(s for s in PLAN.steps if s.question and s.question.id == "largest-half")
    assert step.number > 1
    expect(main.get_by_text("Answer:")).to_have_count(0)
    screenshot(page, "teach-plan")
    main.get_by_role("link", name=step.links[0].label).click()
    page.wait_for_url("**/floats**")
    wait_idle(page)
    panel = main.locator('[class*="st-key-qz-panel-floats"]')
    expect(panel.get_by_text(step.question.prompt)).to_be_visible()
    expect(panel.get_by_role("radio", name=f"Q{step.number}", exact=True)).to_be_checked()
    # No link notice: the question exists on that page.
    notices = main.locator('[data-testid="stAlertContentWarning"]', has_text="; using ")
    expect(notices).to_have_count(0)
    screenshot(page, "teach-question-opened", full_page=False)


def test_the_answers_show_on_request(page: Page, server: Server):
    open_page(page, server, "teach")
    main = page.locator('[data-testid="stMain"]')
    question = PLAN.questions[0]
    expect(main.get_by_text(question.misconception)).to_have_count(0)
    main.locator('[class*="st-key-teach-answers"]').get_by_text("Show the answers").click()
    expect(main.get_by_text(f"Answer: {answer_line(question)}")).to_be_visible()
    expect(main.get_by_text(question.misconception)).to_be_visible()
    wait_idle(page)
    screenshot(page, "teach-answers")


def test_the_printable_plan_has_the_app_s_own_absolute_links(page: Page, server: Server):
    open_page(page, server, "teach")
    main = page.locator('[data-testid="stMain"]')
    with page.expect_download() as info:
        main.get_by_role("button", name="Download the printable plan (Markdown)").click()
    download = info.value
    assert download.suggested_filename == "softmax-lab-lesson-plan.md"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text == plan_markdown(PLAN, server.url)
    assert f"({server.url}/softmax?q=naive-far)" in text
