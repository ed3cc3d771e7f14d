"""axe-core over every page: no serious or critical accessibility violation."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, open_page, wait_idle

pytestmark = pytest.mark.browser

PATHS = ["", "softmax", "softmax?mode=binary", "floats", "train", "draw", "teach", "class"]


@pytest.mark.parametrize("present", [False, True], ids=["laptop", "projector"])
@pytest.mark.parametrize("path", PATHS, ids=[p or "home" for p in PATHS])
def test_no_serious_or_critical_axe_violations(page, server, path, present):
    if present:
        path += ("&" if "?" in path else "?") + "present=1"
    open_page(page, server, path)
    # An error page has nothing for axe to find: the page itself must have run.
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("present", [False, True], ids=["laptop", "projector"])
def test_the_class_page_of_a_teacher_and_of_a_student(browser, server, present):
    # The teacher's projector with a poll open and its chart, and a phone that answered it.
    suffix = "?present=1" if present else ""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    teacher = context.new_page()
    open_page(teacher, server, "class" + suffix)
    teacher.get_by_role("button", name="Start a class").click()
    teacher.get_by_role("button", name="Open poll").click()
    expect(teacher.get_by_text(re.compile(r"^0 of 0 answered in round 1"))).to_be_visible()
    code = teacher.locator(".cl-code").inner_text().strip()
    wait_idle(teacher)
    phone = browser.new_context(viewport={"width": 400, "height": 800})
    student = phone.new_page()
    try:
        open_page(student, server, f"class?join={code}" + suffix.replace("?", "&"))
        student.get_by_role("radiogroup").locator("label").first.click()
        student.get_by_role("button", name="Send my answer").click()
        expect(student.get_by_text(re.compile("^Your answer: "))).to_be_visible()
        # The projector draws its chart once an answer arrives.
        expect(teacher.locator('[data-testid="stPlotlyChart"]')).to_be_visible()
        wait_idle(teacher)
        for page in (teacher, student):
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            violations = axe_violations(page)
            assert not violations, "\n".join(violations)
    finally:
        phone.close()
        context.close()


def test_the_per_class_table_scrolls_from_the_keyboard(page, server):
    # A narrow window: the per-class table is wider than its column and scrolls sideways.
    page.set_viewport_size({"width": 700, "height": 900})
    open_page(page, server, "softmax?z=1000,999,998")
    box = page.get_by_role("region", name="Per class")
    box.focus()
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    expect(box).to_be_focused()
    page.keyboard.press("ArrowRight")
    # Polled: the browser may scroll smoothly.
    page.wait_for_function("e => e.scrollLeft > 0", arg=box.element_handle())
