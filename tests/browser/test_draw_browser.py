"""The draw page in a real browser: draw with the mouse, read the network's answer."""

import math
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def main(page: Page):
    return page.locator('[data-testid="stMain"]')


def drawing_surface(page: Page):
    # fabric.js stacks two canvases; the upper one takes the pointer events.
    surface = main(page).locator("canvas.upper-canvas").first
    expect(surface).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)  # strokes sent right after the canvas mounts can be lost
    return surface


def stroke(page: Page, points: list[tuple[float, float]]) -> None:
    box = drawing_surface(page).bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x, y0 + y, steps=2)
    page.mouse.up()


def one() -> list[tuple[float, float]]:
    return [(140, 40 + i * 10) for i in range(21)]


def zero() -> list[tuple[float, float]]:
    return [
        (140 + 70 * math.sin(t / 40 * 2 * math.pi), 140 - 100 * math.cos(t / 40 * 2 * math.pi))
        for t in range(42)
    ]


def answer(page: Page, model: str = "Default model"):
    name = re.compile(f"^{re.escape(model)}[^:]*: it says")
    return main(page).get_by_role("heading", name=name)


def shares(page: Page) -> list[float]:
    caption = main(page).get_by_text(re.compile("^Stable softmax in")).first.inner_text()
    return [float(p.split(": ")[1].rstrip("%")) for p in caption.split(": ", 1)[1].split(" · ")]


def clear(page: Page) -> None:
    main(page).get_by_role("button", name="Reset canvas & history").click()
    wait_idle(page)


def test_draw_a_one_and_a_zero(page, server):
    open_page(page, server, "draw")
    expect(main(page).get_by_text("The canvas is empty")).to_be_visible()
    stroke(page, one())
    expect(answer(page)).to_have_text(re.compile("it says 1 "), timeout=15_000)
    assert sum(shares(page)) == pytest.approx(100, abs=0.6)
    screenshot(page, "draw-one")
    clear(page)
    expect(main(page).get_by_text("The canvas is empty")).to_be_visible(timeout=15_000)
    stroke(page, zero())
    expect(answer(page)).to_have_text(re.compile("it says 0 "), timeout=15_000)
    assert sum(shares(page)) == pytest.approx(100, abs=0.6)
    screenshot(page, "draw-zero")


def test_draw_with_a_model_trained_on_the_train_page(page, server):
    open_page(page, server, "train?variant=C&lr=0.01&epochs=15")
    main(page).get_by_role("button", name="Start training").click()
    expect(main(page).get_by_role("heading", name="After training")).to_be_visible(timeout=120_000)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="4 · Draw a digit").click()
    wait_idle(page)
    models = main(page).locator('[data-testid="stMultiSelect"]').first
    models.click()
    page.get_by_role("option", name=re.compile("^C · from logits")).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    stroke(page, one())
    trained = answer(page, "C · from logits")
    expect(trained).to_be_visible(timeout=15_000)
    expect(trained).to_have_text(re.compile("it says 1 "))
    expect(answer(page)).to_have_text(re.compile("it says 1 "))
    screenshot(page, "draw-trained-model")
