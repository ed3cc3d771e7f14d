"""The softmax page in a real browser against a real `streamlit run` server."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SHOTS, child_pids, open_page, screenshot, wait_idle
from tests.browser.text_checks import cut_and_split, font_sizes, metric_values
from tests.unit.helpers import wait_for

pytestmark = pytest.mark.browser


def main(page: Page):
    return page.locator('[data-testid="stMain"]')


def expect_metric(page: Page, label_start: str, value: str) -> None:
    metric = main(page).locator('[data-testid="stMetric"]').filter(has_text=label_start).first
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(value)


def type_logits(page: Page, text: str) -> None:
    box = main(page).get_by_role("textbox", name="Type or paste logits")
    box.fill(text)
    box.press("Enter")
    wait_idle(page)


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def assert_no_traceback(page: Page) -> None:
    body = page.locator("body").inner_text()
    assert "Traceback" not in body
    assert main(page).locator('[data-testid="stException"]').count() == 0


def test_home_card_opens_the_softmax_page(page, server):
    open_page(page, server)
    expect(main(page).get_by_role("heading", name="Softmax Lab")).to_be_visible()
    screenshot(page, "home")
    main(page).get_by_role("link", name=re.compile("Open: Softmax")).click()
    wait_idle(page)
    expect(main(page).get_by_role("heading", name="Softmax & cross-entropy")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/softmax(\?|$)"))


def test_typing_overflowing_logits(page, server):
    open_page(page, server, "softmax")
    expect_metric(page, "From logits", "0.41703")
    type_logits(page, "1000, 999, 998")
    expect_metric(page, "Naive", "nan")
    expect_metric(page, "From logits", "0.407606")
    expect(main(page).get_by_text("exp(1000) overflows float32 above about 88.72")).to_be_visible()
    expect(page).to_have_url(re.compile(r"z=1000(%2C|,)999(%2C|,)998"))
    screenshot(page, "softmax-overflow")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "'abc' is not a number"),
        ("1e999, 1", "overflows float64"),
        ("nan, 2", "nan"),
        (", ,", "type 2 to 10 numbers"),
        ("", "type 2 to 10 numbers"),
        (", ".join(["1"] * 10_000), "characters"),
    ],
)
def test_bad_typed_logits(page, server, typed, message):
    open_page(page, server, "softmax?z=1000,0,-1000&y=2")
    type_logits(page, typed)
    expect(main(page).get_by_text(message).first).to_be_visible()
    expect(main(page).get_by_text("Keeping the previous logits")).to_be_visible()
    expect_metric(page, "From logits", "2000")
    assert_no_traceback(page)
    # The rest of the page keeps working.
    main(page).get_by_role("button", name="Textbook").click()
    wait_idle(page)
    expect_metric(page, "From logits", "0.41703")


def test_bad_url_values(page, server):
    open_page(page, server, "softmax?z=abc&y=9&T=-1&dtype=float8")
    alerts = main(page).locator('[data-testid="stAlert"]')
    for fragment in ("'abc' is not a number", "true class", "positive", "float8"):
        # Polled: the alerts may still be drawing. A pattern, so the match is case-sensitive.
        expect(alerts.filter(has_text=re.compile(re.escape(fragment))).first).to_be_visible()
    expect_metric(page, "From logits", "0.41703")
    assert_no_traceback(page)
    screenshot(page, "softmax-bad-url")


def test_preset_and_slider_keyboard(page, server):
    open_page(page, server, "softmax")
    main(page).get_by_role("button", name="float16 breaks early").click()
    wait_idle(page)
    expect_metric(page, "Naive", "nan")
    expect(page).to_have_url(re.compile("dtype=float16"))
    thumb = main(page).locator('[data-testid="stSlider"]').first.get_by_role("slider")
    # The preset redraws the sliders: press keys only once the first one shows its value.
    expect(thumb).to_have_value("12")
    thumb.focus()
    # Each key sends the slider's value at once, often before the page has answered the
    # one before, with the box as the browser still shows it: every key counts.
    for _ in range(3):
        thumb.press("ArrowLeft")
    typed = main(page).get_by_role("textbox", name="Type or paste logits")
    expect(typed).to_have_value("11.7, 0, -12", timeout=10_000)
    expect(thumb).to_have_value("11.7")
    wait_idle(page)
    screenshot(page, "softmax-float16")


def test_binary_mode(page, server):
    open_page(page, server, "softmax?mode=binary&z=40&dtype=float64")
    expect_metric(page, "Naive (float64)", "inf")
    expect_metric(page, "From logits", "40")
    label = main(page).locator('[data-testid="stRadio"]').filter(has_text="Label y")
    label.get_by_text("1", exact=True).click()
    wait_idle(page)
    expect_metric(page, "Naive (float64)", "nan")
    expect(main(page).get_by_text("0 · log(0)")).to_be_visible()
    screenshot(page, "softmax-binary")


def test_presentation_mode_across_pages(page, server):
    open_page(page, server, "softmax")
    # Polled assertions throughout: the rerun after a click may not have begun yet.
    root = page.locator("html")
    expect(root).to_have_css("font-size", "16px")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Presentation mode").click()
    wait_idle(page)
    expect(root).to_have_css("font-size", "24px")
    expect(page).to_have_url(re.compile("present=1"))
    # The wider sidebar keeps the toggle's label on one line at the larger type.
    label = sidebar.get_by_text("Presentation mode")
    assert label.bounding_box()["height"] < 1.5 * 24 * 1.6
    screenshot(page, "softmax-presentation")
    sidebar.hover()
    page.locator('[data-testid="stSidebarCollapseButton"]').click()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    # The sidebar slides out: poll until it has left the screen.
    slid_out = wait_for(lambda: right_edge(sidebar) <= 1, 20, interval=0.1)
    assert slid_out, right_edge(sidebar)
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    sidebar.get_by_role("link", name="Lesson path").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile("present=1"))
    expect(root).to_have_css("font-size", "24px")
    sidebar.get_by_text("Presentation mode").click()
    wait_idle(page)
    expect(page).not_to_have_url(re.compile("present"))
    expect(root).to_have_css("font-size", "16px")


def test_check_with_tensorflow_and_the_server_never_imports_it(page, server):
    open_page(page, server, "softmax?z=1000,0,-1000&y=2")
    main(page).get_by_role("button", name="Check with TensorFlow").click()
    table = main(page).locator("table.lab").filter(has_text="TensorFlow")
    expect(table).to_be_visible(timeout=120_000)
    text = table.inner_text()
    assert "✗" not in text
    assert "16.118095" in text and "2000" in text
    screenshot(page, "softmax-tensorflow")
    for path in ("", "softmax", "softmax?mode=binary"):
        open_page(page, server, path)
    maps = Path(f"/proc/{server.process.pid}/maps").read_text()
    assert "tensorflow" not in maps.lower(), "the server process loaded TensorFlow"
    # Workers are started from a thread of the server: collect the children of every thread.
    pids = child_pids(server.process.pid)
    worker_maps = [Path(f"/proc/{pid}/maps").read_text() for pid in pids]
    assert any("tensorflow" in m.lower() for m in worker_maps), "TensorFlow ran in no worker"


def test_a_1280_projector_keeps_preset_labels_and_the_drawing_canvas_whole(page, server):
    # A common classroom projector: 1280x800 with the larger type of presentation mode.
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, server, "softmax?present=1")
    presets = '[class*="st-key-sm-preset-"] [data-testid="stMarkdownContainer"]'
    labels = main(page).locator(presets)
    expect(labels.nth(4)).to_be_visible()  # polled: all five preset labels, drawn
    for i in range(labels.count()):
        # Wrapped to a second row if need be, never cut short with an ellipsis.
        assert labels.nth(i).evaluate("e => e.scrollWidth <= e.clientWidth"), i
    metric_labels = main(page).locator('[data-testid="stMetricLabel"]')
    expect(metric_labels.first).to_be_visible()  # so the loop below checks something
    for i in range(metric_labels.count()):
        assert metric_labels.nth(i).evaluate("e => e.scrollWidth <= e.clientWidth"), i
    screenshot(page, "softmax-projector-1280")
    open_page(page, server, "draw?present=1")
    canvas = main(page).locator("canvas.upper-canvas").first
    expect(canvas).to_be_visible()
    column = (
        main(page)
        .locator('[data-testid="stColumn"]')
        .filter(has=page.locator("canvas.upper-canvas"))
        .last
    )
    inner, outer = canvas.bounding_box(), column.bounding_box()
    assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1


TEN_LOGITS = "softmax?z=1000,999,998,997,996,995,994,993,992,991&y=9"
"""The class audit's example: ten large logits, long formulas and a wide table."""


def open_at(page: Page, server, path: str, width: int = 1280, height: int = 800) -> None:
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, server, path)


def test_long_formulas_wrap_or_scale_to_their_box_on_a_1280_projector(page, server):
    open_at(page, server, f"{TEN_LOGITS}&present=1")
    expander = main(page).locator('[data-testid="stExpander"]').filter(has_text="The formulas")
    expander.locator("summary").click()
    displays = expander.locator(".katex-display")
    expect(displays).to_have_count(4)
    for i in range(4):
        box = displays.nth(i).locator("xpath=ancestor::*[@data-testid='stMarkdown'][1]")
        inner, outer = displays.nth(i).locator(".katex").first.bounding_box(), box.bounding_box()
        assert inner["width"] > 0, i
        assert outer["x"] - 1 <= inner["x"], i
        assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1, i
    # The from-logits loss was 31 ems wide: it now continues on a second line.
    assert displays.nth(3).locator(".katex .mtable").count() == 1
    expander.scroll_into_view_if_needed()
    expander.screenshot(path=str(screenshot_path("softmax-formulas-projector-1280")))


def screenshot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def test_big_numbers_are_the_largest_text_on_screen_with_or_without_presentation(page, server):
    smallest = {}
    for present in ("", "&present=1"):
        open_at(page, server, f"{TEN_LOGITS}{present}")
        sizes = font_sizes(page)
        assert len(sizes["values"]) == 4
        value = min(size for size, _ in sizes["values"])
        largest_other = max(sizes["others"])
        # Larger than every label, caption, heading, table and chart text (the title aside).
        assert value > largest_other[0], (present, value, largest_other)
        smallest[present] = value
        screenshot(page, f"softmax-big-numbers{present.replace('&', '-').replace('=1', '')}")
    # Presentation mode enlarges them: it used to shrink them to the size of their labels.
    assert smallest["&present=1"] > smallest[""]


@pytest.mark.parametrize("width", [1280, 1440, 1920])
def test_the_per_class_table_fits_a_projector(page, server, width):
    open_at(page, server, f"{TEN_LOGITS}&present=1", width)
    table = main(page).locator("div.lab-scroll").first
    expect(table).to_be_visible()
    assert table.evaluate("e => e.scrollWidth <= e.clientWidth"), table.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    if width == 1280:
        columns = main(page).locator('[data-testid="stButtonGroup"]').filter(has_text="Errors")
        for view in ("Naive steps", "Stable steps", "Errors"):
            columns.get_by_role("radio", name=view).click()
            wait_idle(page)
            expect(table.locator("th").first).to_have_text("class")
            assert table.evaluate("e => e.scrollWidth <= e.clientWidth"), view
        table.scroll_into_view_if_needed()
        screenshot(page, "softmax-table-projector-1280", full_page=False)


@pytest.mark.parametrize("present", [False, True])
@pytest.mark.parametrize("path", [TEN_LOGITS, "softmax", "softmax?mode=binary&z=40&dtype=float64"])
def test_labels_wrap_between_words_and_numbers_keep_their_digits(page, server, path, present):
    open_at(page, server, with_presentation(path) if present else path)
    expect(main(page).locator('[data-testid="stMetricValue"]').first).to_be_visible()
    # "Temperatur/e T", "probabilitie/s", "1 · Softmax & cross-e…" and the like.
    assert cut_and_split(page) == {"cut": [], "split": []}
    # "0.41703001642/47081": each big number on one line, inside its box.
    values = metric_values(page)
    assert values and all(v["lines"] == 1 and v["inside"] for v in values), values


def with_presentation(path: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}present=1"


def chart(page: Page, title: str):
    return main(page).locator(".js-plotly-plot").filter(has_text=title).first


def boxes(locator) -> list[dict]:
    return [locator.nth(i).bounding_box() for i in range(locator.count())]


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("present", ["", "&present=1"])
def test_where_naive_breaks_reads_in_powers_of_ten_and_nothing_overlaps(page, server, present):
    open_at(page, server, f"{TEN_LOGITS}{present}")
    main(page).get_by_text("Where does naive break?").click()
    wait_idle(page)
    figure = chart(page, "Where does naive break?")
    expect(figure.locator(".legendtext").first).to_be_visible()
    figure.scroll_into_view_if_needed()
    legend = figure.locator(".legend").bounding_box()
    for title in (".g-xtitle", ".g-ytitle"):
        assert not overlap(legend, figure.locator(title).bounding_box()), title
    labels = boxes(figure.locator(".annotation"))
    assert len(labels) == 3
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not overlap(a, b), (a, b)
    ticks = figure.locator(".xtick text, .ytick text").evaluate_all(
        "texts => texts.map(t => t.textContent.replaceAll('\u200b', ''))"
    )
    assert ticks and not [t for t in ticks if re.search(r"[µμnpkMG]", t)], ticks
    # Only decades are labelled: 1, 10, then 10 with a superscript power (no 2 or 5 between).
    assert all(re.fullmatch(r"1|10|10[−-]?\d+", t) for t in ticks), ticks
    texts = (
        ".xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .legendtext, .annotation-text"
    )
    sizes = figure.locator(texts).evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert min(sizes) >= 13, sizes
    figure.screenshot(path=str(screenshot_path(f"softmax-breakdown{present.replace('&', '-')}")))


def test_multilabel_mode_flips_a_label(page, server):
    open_at(page, server, "softmax?mode=multilabel&z=2,-1,0.5&labels=1,0,1", 1440, 1000)
    expect_metric(page, "Sum, from logits", "0.9142666")
    expect_metric(page, "Keras mean, from logits", "0.30475554")
    expect(main(page).get_by_text("mean of the 3 per-label losses = sum / 3")).to_be_visible()
    main(page).get_by_text("Label y1 = 1").click()
    wait_idle(page)
    # Polled: the rerun after the click redraws the metrics.
    expect_metric(page, "Sum, from logits", "1.9142666")
    expect(page).to_have_url(re.compile(r"labels=1(%2C|,)1(%2C|,)1"))
    expect(main(page).locator("table.lab").filter(has_text="pedestrian")).to_be_visible()
    expect(chart(page, "One sigmoid per output").locator(".legendtext").first).to_be_visible()
    assert_no_traceback(page)
    screenshot(page, "softmax-multilabel")
    open_at(page, server, "softmax?mode=multilabel&z=40,-1,3&labels=1,0,1&present=1", 1280, 800)
    expect_metric(page, "Sum, naive", "nan")
    assert_no_traceback(page)
    screenshot(page, "softmax-multilabel-projector")
