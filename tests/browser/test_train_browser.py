"""The train page in a real browser: start, watch, stop, compare, download."""

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from core.models import weights_from_npz
from tests.browser.conftest import open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser


def main(page):
    return page.locator('[data-testid="stMain"]')


def points_in_loss_chart(page) -> int:
    # Plotly draws each line as an SVG path; count its vertices.
    chart = main(page).locator(".js-plotly-plot").filter(has_text="Loss of each batch").first
    paths = chart.locator("g.scatterlayer path.js-line").evaluate_all(
        "els => els.map(e => (e.getAttribute('d') || '').split(/[ML]/).length - 1)"
    )
    return sum(paths)


def test_start_watch_stop(page, server):
    # Long enough to be stopped by hand: four variants, small batches, many epochs.
    open_page(page, server, "train?variant=A,B,C,D&epochs=100&batch=8")
    main(page).get_by_role("button", name="Start training").click()
    expect(main(page).get_by_text(re.compile(r"running · epoch"))).to_be_visible(timeout=60_000)
    for _ in range(40):
        first = points_in_loss_chart(page)
        if first:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(2500)
    later = points_in_loss_chart(page)
    assert later > first > 0, (first, later)
    screenshot(page, "train-running")
    main(page).get_by_role("button", name="Stop").click()
    expect(main(page).get_by_text("Training was stopped")).to_be_visible(timeout=20_000)
    expect(main(page).get_by_text(re.compile(r"^stopped · epoch"))).to_be_visible()


def test_compare_two_variants_and_download(page, server, tmp_path):
    open_page(page, server, "train")
    main(page).get_by_role("button", name="Push the logits").click()
    wait_idle(page)
    main(page).get_by_role("spinbutton", name="Epochs").fill("3")
    main(page).get_by_role("spinbutton", name="Epochs").press("Enter")
    wait_idle(page)
    assert "variant=B%2CC" in page.url or "variant=B,C" in page.url
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
