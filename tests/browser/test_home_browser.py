"""The home page in a real browser: the lesson cards and their one-click key cases."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core.lesson import LESSONS
from tests.browser.conftest import Server, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def test_a_key_case_is_one_click_from_the_home_page(page: Page, server: Server) -> None:
    # Issue 10, item 20: each card offers its key cases as links.
    open_page(page, server)
    main = page.locator('[data-testid="stMain"]')
    for lesson in LESSONS:
        for case in lesson.cases:
            expect(main.get_by_role("link", name=case.label)).to_be_visible()
    screenshot(page, "home-key-cases")
    half = next(case for case in LESSONS[0].cases if "float16" in case.label)
    main.get_by_role("link", name=half.label).click()
    page.wait_for_url("**/softmax?**")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"z=12(%2C|,)0(%2C|,)-12"))
    expect(page).to_have_url(re.compile("dtype=float16"))
    expect(main.get_by_text("exp(12) overflows float16 above about 11.09").first).to_be_visible()
    # No link notice (every one ends "; using <fallback>."); the lesson's own warnings stay.
    notices = main.locator('[data-testid="stAlertContentWarning"]', has_text="; using ")
    expect(notices).to_have_count(0)
    screenshot(page, "home-case-float16", full_page=False)
