"""axe-core over every page: no serious or critical accessibility violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, open_page

pytestmark = pytest.mark.browser

PATHS = ["", "softmax", "softmax?mode=binary", "floats", "train", "draw", "teach"]


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
