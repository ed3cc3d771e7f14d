"""The train page in a real browser: start, watch, stop, compare, download."""

import re
import time
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from core.training.models import weights_from_npz
from tests.browser.conftest import SHOTS, Server, child_pids, open_page, screenshot, wait_idle
from tests.browser.text_checks import cut_and_split
from tests.unit.helpers import wait_for

pytestmark = pytest.mark.browser


def main(page):
    return page.locator('[data-testid="stMain"]')


def last_step_in_loss_chart(page) -> float:
    # The vertex count can shrink when a long run is downsampled; the last step drawn only grows.
    chart = main(page).locator(".js-plotly-plot").filter(has_text="Loss of each batch").first
    if not chart.count():
        return 0.0
    # Plotly decodes the figure's packed arrays into _fullData.
    return chart.evaluate(
        "el => Math.max(0, ...(el._fullData || []).flatMap(t => Array.from(t.x || [])))"
    )


def wait_for_step_past(page, step: float) -> float:
    """Poll the loss chart until its last step is past `step`; return that step."""
    # Polled, not read once: while a rerun swaps the chart in, it reads as empty.
    seen = [0.0]

    def past() -> bool:
        seen[0] = last_step_in_loss_chart(page)
        return seen[0] > step

    assert wait_for(past, 60, interval=0.25), f"the loss chart stayed at {seen[0]}, not past {step}"
    return seen[0]


def start_long_run(page, server) -> None:
    # The widest network, small batches, 100 epochs: minutes on any machine, so the job is
    # still running when the test looks at it or stops it.
    open_page(page, server, "train?variant=A,B,C,D&epochs=100&batch=8")
    hidden = main(page).get_by_role("textbox", name="Hidden layers")
    hidden.fill("512, 512, 512")
    hidden.press("Enter")
    wait_idle(page)
    main(page).get_by_role("button", name="Start training").click()


def test_start_watch_stop(page, server):
    start_long_run(page, server)
    expect(main(page).get_by_text(re.compile(r"running · epoch"))).to_be_visible(timeout=60_000)
    first = wait_for_step_past(page, 0)
    later = wait_for_step_past(page, first)
    assert later > first > 0, (first, later)
    screenshot(page, "train-running")
    main(page).get_by_role("button", name="Stop").click()
    expect(main(page).get_by_text("Training was stopped")).to_be_visible(timeout=20_000)
    expect(main(page).get_by_text(re.compile(r"^stopped · epoch"))).to_be_visible()


def test_every_chosen_variant_stays_in_view(page, server):
    # Streamlit scrolls the chips of a multiselect sideways; ours wrap, so a class sees
    # all four variants, and the picker still adds one.
    open_page(page, server, "train?variant=A,B,C")
    picker = main(page).locator('[data-testid="stMultiSelect"]').first
    picker.get_by_role("combobox").click()
    page.get_by_role("option", name="D · from scratch (NumPy)").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"variant=A(%2C|,)B(%2C|,)C(%2C|,)D"))
    page.keyboard.press("Escape")
    chips = picker.locator("[data-tag]")
    expect(chips).to_have_count(4)
    # Measured once all four chips are in: a fourth chip may wrap and grow the box.
    box = picker.locator('[role="group"]').first.bounding_box()
    for i in range(4):
        chip = chips.nth(i).bounding_box()
        assert box["x"] <= chip["x"] and chip["x"] + chip["width"] <= box["x"] + box["width"], i
        assert box["y"] <= chip["y"] and chip["y"] + chip["height"] <= box["y"] + box["height"], i
    screenshot(page, "train-four-variants")


def test_compare_two_variants_and_download(page, server, tmp_path):
    open_page(page, server, "train")
    main(page).get_by_role("button", name="Push the logits").click()
    wait_idle(page)
    main(page).get_by_role("spinbutton", name="Epochs").fill("3")
    main(page).get_by_role("spinbutton", name="Epochs").press("Enter")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"variant=B(%2C|,)C"))
    main(page).get_by_role("button", name="Start training").click()
    expect(main(page).get_by_role("heading", name="After training")).to_be_visible(timeout=120_000)
    expect(
        main(page).get_by_text(re.compile("B · hand-written softmax: step \\d+: loss is nan"))
    ).to_be_visible()
    legend = main(page).locator(".js-plotly-plot").filter(has_text="Loss of each batch").first
    expect(legend.get_by_text("C · from logits").first).to_be_visible()
    expect(legend.get_by_text("B · hand-written softmax").first).to_be_visible()
    screenshot(page, "train-compare")
    with page.expect_download() as download_info:
        main(page).get_by_role("button", name="Download these weights (.npz)").click()
    target = tmp_path / "weights.npz"
    download_info.value.save_as(target)
    model = weights_from_npz(target.read_bytes())
    assert model.spec.sizes == (64, 25, 15, 10)
    assert all(np.isfinite(w).all() for w, _ in model.weights)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def busy_workers(server_pid: int, seconds: float = 1.0) -> list[int]:
    before = {pid: cpu_ticks(pid) for pid in child_pids(server_pid)}
    time.sleep(seconds)  # CPU time is measured over an interval: time must pass
    return [pid for pid, ticks in before.items() if cpu_ticks(pid) - ticks > 20]


def test_a_job_whose_session_is_gone_is_stopped(browser, tmp_path):
    # A server of its own, with a short grace so the test need not wait a minute.
    srv = Server(env={"SOFTMAX_LAB_SESSION_GRACE": "2"})
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        start_long_run(page, srv)
        expect(main(page).get_by_text(re.compile(r"running · epoch"))).to_be_visible(timeout=60_000)
        assert wait_for(lambda: busy_workers(srv.process.pid), 60), "no worker is training"
        context.close()
        gone = wait_for(lambda: not busy_workers(srv.process.pid), 60)
        assert gone, "the job kept running after its session left"
    finally:
        srv.stop()


@pytest.mark.parametrize("present", [False, True])
def test_labels_wrap_between_words_at_1280(page, server, present):
    # "D uses the naive softmax…" and "2 · Floating-point rou…" were cut short.
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, server, "train?variant=A,B,C,D" + ("&present=1" if present else ""))
    expect(main(page).get_by_text("D uses the naive softmax (no max shift)")).to_be_visible()
    assert cut_and_split(page) == {"cut": [], "split": []}
    screenshot(page, "train-labels-1280" + ("-present" if present else ""))


def test_a_and_c_coincide_and_both_curves_show(page, server):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, server, "train?variant=A,C&epochs=2")
    main(page).get_by_role("button", name="Start training").click()
    expect(main(page).get_by_role("heading", name="After training")).to_be_visible(timeout=180_000)
    wait_idle(page)
    # Computed from the two runs: said only because their losses agree to rounding.
    note = main(page).get_by_text(re.compile("^A · softmax layer and C · from logits "))
    expect(note).to_be_visible()
    expect(note).to_contain_text("Keras's rescue")
    loss = main(page).locator(".js-plotly-plot").filter(has_text="Loss of each batch").first
    loss.scroll_into_view_if_needed()
    traces = loss.evaluate(
        "el => el._fullData.map(t => ({name: t.name, width: t.line.width, opacity: t.opacity}))"
    )
    assert [t["name"] for t in traces] == [
        "A · softmax layer (wide, pale: under C)",
        "C · from logits",
    ]
    assert traces[0]["width"] > 2 * traces[1]["width"] and traces[0]["opacity"] < 1
    # Both drawn on screen: the wide band beneath, the dotted line on top.
    widths = loss.locator(".scatterlayer .trace path.js-line").evaluate_all(
        "paths => paths.map(p => parseFloat(getComputedStyle(p).strokeWidth))"
    )
    assert len(widths) == 2 and widths[0] > 2 * widths[1], widths
    ticks = loss.locator(".xtick text, .ytick text").evaluate_all(
        "texts => texts.map(t => t.textContent.replaceAll('\\u200b', ''))"
    )
    steps = loss.locator(".xtick text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert steps and all(re.fullmatch(r"\d[\d,]*", s) for s in steps), steps  # never step 2.5
    assert all(re.fullmatch(r"\d[\d,]*|10[−-]?\d+|0\.\d*1", t) for t in ticks), ticks
    sizes = loss.locator(".xtick text, .ytick text, .g-xtitle text, .legendtext").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert min(sizes) >= 13, sizes
    loss.screenshot(path=str(SHOTS / "train-a-and-c-coincide.png"))
    screenshot(page, "train-a-and-c")
