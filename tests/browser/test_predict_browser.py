"""Predict first in a real browser: answer, reveal, the moved page, and presentation mode."""

import re

import pytest
from playwright.sync_api import Page, expect

from core.questions.bank import questions_for
from tests.browser.conftest import open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def panel(page: Page):
    return page.locator('[class*="st-key-qz-panel-"]')


def choose(page: Page, option: str) -> None:
    panel(page).get_by_role("radiogroup").get_by_text(option, exact=True).click()
    wait_idle(page)


def press(page: Page, name: str) -> None:
    panel(page).get_by_role("button", name=re.compile(name)).click()
    wait_idle(page)


def test_answer_two_questions_on_the_softmax_page(page, server):
    first, second = questions_for("pages/softmax.py")[:2]
    open_page(page, server, "softmax")
    expect(panel(page).get_by_text(first.prompt.split("`")[0].strip())).to_be_visible()
    expect(panel(page).get_by_text(re.compile(r"0 of \d+ predicted, 0 right"))).to_be_visible()

    # Right: the naive softmax of 1000, 0, -1000 in float32.
    choose(page, first.options[first.answer])
    press(page, "Reveal")
    expect(panel(page).get_by_text(re.compile("^Right: you predicted"))).to_be_visible()
    expect(panel(page).get_by_text(re.compile(r"1 of \d+ predicted, 1 right"))).to_be_visible()
    # The page moved to the question's case: its URL, its logits and its nan.
    expect(page).to_have_url(re.compile(r"z=1000(%2C|,)0(%2C|,)-1000"))
    table = page.get_by_role("region", name="Per class")
    expect(table.get_by_role("row").nth(1)).to_contain_text("nan")
    screenshot(page, "predict-softmax-right")

    # Wrong: the shift question, answered with a wrong option.
    press(page, "Next question")
    wrong = second.options[(second.answer + 1) % len(second.options)]
    choose(page, wrong)
    press(page, "Reveal")
    verdict = panel(page).get_by_text(re.compile("^Not quite: you predicted"))
    expect(verdict).to_contain_text(wrong)
    expect(verdict).to_contain_text(second.answer_text)
    expect(panel(page).get_by_text(re.compile(r"2 of \d+ predicted, 1 right"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"z=1002(%2C|,)1001(%2C|,)1000.5"))
    expect(page.get_by_role("textbox", name="Type or paste logits")).to_have_value(
        "1002, 1001, 1000.5"
    )
    screenshot(page, "predict-softmax-wrong")


KEY_RESULTS = {
    # The page's key result, which must sit on the screen under the question.
    "softmax": '[class*="st-key-lab-fit-"] [data-testid="stMetricValue"]',
    "floats": ".fl-strip",
    "train": '[class*="st-key-tr-start"] button',
    "draw": '[data-testid="stAlert"]',
}


@pytest.mark.parametrize("slug", list(KEY_RESULTS))
def test_presentation_mode_fits_the_question_and_the_key_result_at_1280x800(browser, server, slug):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    question = questions_for(f"pages/{slug}.py")[0]
    open_page(page, server, f"{slug}?present=1&q={question.id}")
    expect(panel(page)).to_be_visible()
    question_box = panel(page).bounding_box()
    results = page.locator(KEY_RESULTS[slug])
    expect(results.first).to_be_visible()
    for i in range(results.count()):
        box = results.nth(i).bounding_box()
        assert question_box["y"] + question_box["height"] <= box["y"], slug
        assert box["y"] + box["height"] <= 800, (slug, box)
    screenshot(page, f"predict-present-{slug}", full_page=False)
    context.close()
