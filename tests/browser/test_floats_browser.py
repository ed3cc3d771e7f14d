"""The floating-point round-off page in a real browser against a real server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Server, open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def open_floats(page: Page, server: Server, query: str = "") -> Locator:
    open_page(page, server, f"floats{query}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="Classic cancellations")).to_be_visible()
    wait_idle(page)
    return main


def type_into(page: Page, main: Locator, label: str, text: str) -> None:
    box = main.get_by_role("textbox", name=label, exact=True)
    box.fill(text)
    box.press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)


def hex_box(main: Locator) -> Locator:
    return main.locator('[class*="st-key-fl-hex"] input')


def test_course_strings_and_default_bits(page: Page, server: Server) -> None:
    main = open_floats(page, server)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_contain_text("Floating-point round-off")
    expect(main.get_by_text("0.000200000000000000").first).to_be_visible()
    expect(main.get_by_text("0.000199999999999978").first).to_be_visible()
    expect(
        main.get_by_text("0.000199999999999977973175191436894237995147705078125")
    ).to_be_visible()
    expect(hex_box(main)).to_have_value("0x3FB999999999999A")
    expect(main.get_by_text("Neighbouring float64 values around 0.1")).to_be_visible()
    screenshot(page, "floats-default")


def test_type_a_value(page: Page, server: Server) -> None:
    main = open_floats(page, server)
    type_into(page, main, "Value x", "0.5")
    expect(hex_box(main)).to_have_value("0x3FE0000000000000")
    expect(main.get_by_text("0.5 is stored exactly in float64.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"x=0\.5"))
    main.get_by_text("Value x").scroll_into_view_if_needed()
    screenshot(page, "floats-typed", full_page=False)


def test_click_bits(page: Page, server: Server) -> None:
    main = open_floats(page, server, "?x=1&dtype=float16")
    sign = main.locator('[class*="st-key-fl-sign-"] button', has_text="negative")
    sign.click()
    wait_idle(page)
    expect(main.get_by_role("textbox", name="Value x", exact=True)).to_have_value("-1")
    expect(hex_box(main)).to_have_value("0xBC00")
    expect(sign).to_have_attribute("data-selected", "true")
    half = main.locator('[class*="st-key-fl-fraction-"] button', has_text="2^-1").first
    half.click()
    wait_idle(page)
    expect(main.get_by_role("textbox", name="Value x", exact=True)).to_have_value("-1.5")
    expect(page).to_have_url(re.compile(r"x=-1\.5"))
    main.get_by_text("Click the bits").scroll_into_view_if_needed()
    screenshot(page, "floats-bits", full_page=False)


def test_bad_input_gets_a_message(page: Page, server: Server) -> None:
    main = open_floats(page, server, "?x=2.5")
    type_into(page, main, "Value x", "abc")
    alert = main.get_by_text("'abc' is not a number")
    expect(alert).to_be_visible()
    expect(main.get_by_text("Keeping x = 2.5")).to_be_visible()
    expect(hex_box(main)).to_have_value("0x4004000000000000")
    alert.scroll_into_view_if_needed()
    screenshot(page, "floats-bad-input", full_page=False)
    type_into(page, main, "Hex pattern (16 hex digits)", "0x3C00")
    expect(main.get_by_text("float64 has 16 hex digits (64 bits); you typed 4")).to_be_visible()
    expect(main.get_by_text("Keeping x = 2.5")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_url_opens_the_largest_float16(page: Page, server: Server) -> None:
    main = open_floats(page, server, "?x=65504&dtype=float16")
    expect(main.get_by_role("textbox", name="Value x", exact=True)).to_have_value("65504")
    expect(main.get_by_role("radio", name="float16", exact=True)).to_be_checked()
    expect(hex_box(main)).to_have_value("0x7BFF")
    expect(main.get_by_text("65504 is stored exactly in float16.")).to_be_visible()
    # Issue 10, item 5: beside "stored exactly", the shortest text 65500 names the exact value.
    expect(main.get_by_text("Its shortest text is 65500 (exactly 65504)")).to_be_visible()
    expect(main.locator("table.lab td", has_text="65500 (exactly 65504)")).to_be_visible()
    expect(main.get_by_text("Neighbouring float16 values around 65504")).to_be_visible()
    main.get_by_text("65504 is stored exactly").scroll_into_view_if_needed()
    screenshot(page, "floats-65504-float16", full_page=False)
    main.locator("table.lab td", has_text="65500 (exactly 65504)").scroll_into_view_if_needed()
    screenshot(page, "floats-65504-float16-table", full_page=False)


def test_a_long_exact_value_is_folded_and_opens(page: Page, server: Server) -> None:
    # Issue 10, item 19: 1e-320's exact value was a wall of about 750 digits, twice.
    main = open_floats(page, server, "?x=1e-320")
    full = "9.9998886718268300541337523676528005766688104049139332319738542138136722671490"
    folded = "9.9998886718268300541…(721 digits left out)…9697265625E-321"
    expect(main.get_by_text(full)).to_have_count(1)
    expect(main.get_by_text(full)).to_be_hidden()
    summary = main.locator("details.lab-fold summary")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text(folded)
    expect(main.get_by_text(f"= {folded}.", exact=False)).to_be_visible()
    summary.scroll_into_view_if_needed()
    screenshot(page, "floats-folded", full_page=False)
    summary.focus()
    page.keyboard.press("Enter")  # a summary opens from the keyboard too
    expect(main.get_by_text(full)).to_be_visible()
    expect(main.locator("details.lab-fold")).to_have_attribute("open", "")
    screenshot(page, "floats-folded-open", full_page=False)


def test_bad_url_falls_back_with_a_notice(page: Page, server: Server) -> None:
    main = open_floats(page, server, "?x=abc&dtype=float8")
    expect(main.get_by_text("dtype='float8': choose one of")).to_be_visible()
    expect(main.get_by_text("x='abc': 'abc' is not a number")).to_be_visible()
    expect(main.get_by_role("textbox", name="Value x", exact=True)).to_have_value("0.1")
    screenshot(page, "floats-bad-url", full_page=False)


def test_softmax_link_carries_the_preset(page: Page, server: Server) -> None:
    main = open_floats(page, server)
    link = main.get_by_role("link", name="float16: logits 12, 0, -12 cross 11.09")
    link.scroll_into_view_if_needed()
    screenshot(page, "floats-limits", full_page=False)
    link.click()
    page.wait_for_url("**/softmax?**")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"z=12(%2C|,)0(%2C|,)-12"))
    expect(page).to_have_url(re.compile("dtype=float16"))


def test_n_slider_and_gallery_rerun_their_own_section(page: Page, server: Server) -> None:
    main = open_floats(page, server)
    thumb = main.locator('.st-key-fl-n input[type="range"]')
    thumb.focus()
    thumb.press("ArrowRight")
    wait_idle(page)
    expect(main.locator("table.lab").filter(has_text="true 2/n")).to_contain_text("2e-5")
    main.locator(".st-key-fl-gallery button", has_text="exp(x) - 1 for tiny x").click()
    wait_idle(page)
    expect(main.get_by_text("expm1 never forms 1 + x")).to_be_visible()
    expect(main.locator("table.lab").filter(has_text="exact (mpmath")).to_contain_text(
        "1.0000000000005e-12"
    )
    main.get_by_text("Move the input of one").scroll_into_view_if_needed()
    screenshot(page, "floats-gallery", full_page=False)
    main.get_by_text("Show the gap against the magnitude").click()
    wait_idle(page)
    expect(main.get_by_text("The gap grows with the magnitude", exact=True)).to_be_visible()
    main.get_by_text("Show the gap against the magnitude").scroll_into_view_if_needed()
    screenshot(page, "floats-staircase", full_page=False)


def test_presentation_mode(page: Page, server: Server) -> None:
    open_floats(page, server, "?present=1")
    screenshot(page, "floats-presentation")
