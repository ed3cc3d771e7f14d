"""The draw page in a real browser: draw with the mouse, read the network's answer."""

import math
import re

import pytest
from playwright.sync_api import Browser, Page, expect

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
    # Beside the drawing on a wide screen: the copy under the canvas is for phones only.
    expect(quick_answer(page)).to_be_hidden()
    assert sum(shares(page)) == pytest.approx(100, abs=0.6)
    screenshot(page, "draw-one")
    clear(page)
    expect(main(page).get_by_text("The canvas is empty")).to_be_visible(timeout=15_000)
    stroke(page, zero())
    expect(answer(page)).to_have_text(re.compile("it says 0 "), timeout=15_000)
    assert sum(shares(page)) == pytest.approx(100, abs=0.6)
    screenshot(page, "draw-zero")


def quick_answer(page: Page):
    return main(page).locator(".st-key-dr-quick")


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def touch_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """Draw with a finger: touch events, as a phone sends them, not mouse events."""
    box = drawing_surface(page).bounding_box()
    x0, y0 = box["x"], box["y"]
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, at: list[tuple[float, float]]) -> None:
        points = [{"x": x0 + x, "y": y0 + y} for x, y in at]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", points[:1])
    for point in points[1:]:
        touch("touchMove", [point])
    touch("touchEnd", [])
    cdp.detach()


def test_on_a_phone_the_answer_and_a_clear_button_are_right_under_the_canvas(phone, server):
    # Issue 10, item 22: at 390×844 the answer was about 900 px below the canvas, and the
    # canvas toolbar (undo, clear) stays invisible on a touch screen until tapped.
    page = phone
    open_page(page, server, "draw")
    surface = drawing_surface(page)
    surface.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    touch_stroke(page, one())
    expect(quick_answer(page)).to_contain_text(
        re.compile(r"Default model: it says 1 \(\d+\.\d%\)"), timeout=15_000
    )
    surface.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    canvas = surface.bounding_box()
    quick = quick_answer(page).bounding_box()
    clear_button = main(page).get_by_role("button", name="Clear the drawing")
    expect(clear_button).to_be_visible()
    button = clear_button.bounding_box()
    # With the canvas at the top of the screen, both are on that first screen below it.
    assert canvas["y"] + canvas["height"] <= quick["y"]
    assert quick["y"] + quick["height"] <= PHONE["height"]
    assert canvas["y"] + canvas["height"] <= button["y"]
    assert button["y"] + button["height"] <= PHONE["height"]
    screenshot(page, "draw-phone-answer", full_page=False)
    clear_button.tap()
    wait_idle(page)
    expect(main(page).get_by_text("The canvas is empty")).to_be_visible(timeout=15_000)
    expect(main(page).get_by_text(re.compile("it says"))).to_have_count(0)
    screenshot(page, "draw-phone-cleared", full_page=False)
    # The new canvas draws as the first did.
    touch_stroke(page, zero())
    expect(quick_answer(page)).to_contain_text("it says 0", timeout=15_000)


def test_a_pdf_upload_is_named_and_the_canvas_is_not_mentioned(page, server):
    # Issue 10, item 23: it said "The canvas is empty: draw a digit" and named Pillow.
    open_page(page, server, "draw")
    main(page).get_by_role("radio", name="Upload a photo").click()
    wait_idle(page)
    pdf = {"name": "scan.png", "mimeType": "image/png", "buffer": b"%PDF-1.7\n%\xe2\xe3\n"}
    main(page).locator('.st-key-dr-upload input[type="file"]').set_input_files(pdf)
    wait_idle(page)
    expect(main(page).get_by_text("That file is a PDF document, not a picture")).to_be_visible()
    expect(main(page).get_by_text("Nothing to read yet")).to_be_visible()
    # The page itself, not the Predict first panel, whose question is about a drawing.
    page_itself = main(page).locator('[data-testid="stAlert"], [data-testid="stCaptionContainer"]')
    expect(page_itself.get_by_text(re.compile("canvas|Pillow", re.IGNORECASE))).to_have_count(0)
    expect(page_itself.get_by_text("That file is a PDF document, not a picture")).to_be_visible()
    screenshot(page, "draw-upload-pdf", full_page=False)


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


def test_the_draw_questions_show_their_answers_on_a_thin_small_seven(page, server):
    # The bank's "thin-small" and "inputs" questions: what the page shows for the drawing
    # their answers come from (core.questions.bank.thin_small_seven), drawn with the mouse.
    from core.draw.pen import CANVAS_SIZE
    from core.questions.bank import SEVEN, question_by_id

    open_page(page, server, "draw?q=thin-small")
    question = question_by_id("thin-small")
    expect(main(page).get_by_text(question.prompt)).to_be_visible()
    pen = main(page).get_by_role("slider", name="Pen width")
    pen.focus()
    pen.press("Home")  # the thinnest pen, 8
    wait_idle(page)
    expect(pen).to_have_attribute("aria-valuetext", "8")
    box, corner = CANVAS_SIZE / 4, CANVAS_SIZE / 16
    stroke(page, [(corner + u * box, corner + v * box) for u, v in SEVEN])
    wait_idle(page)
    seven = question.options[question.answer] == "Yes, a 7"
    expect(answer(page)).to_contain_text("it says 7" if seven else "it says")
    if not seven:
        expect(answer(page)).not_to_contain_text("it says 7")
    expect(main(page).get_by_text(question.shown, exact=False).first).to_be_visible()
    inputs = question_by_id("inputs")
    assert inputs.shown == question.shown
    screenshot(page, "draw-thin-small-seven")
