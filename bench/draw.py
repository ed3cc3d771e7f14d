"""Draw page benchmarks: `scripts/lab bench` runs them after the others.

- server side: from new canvas pixels (a 280×280 RGBA drawing) to the updated
  probabilities: ink, preprocessing, NumPy inference and the softmax report the
  page shows; target median under 10 ms;
- in the browser (Playwright and Chromium against a running server): from the end
  of a stroke to the new probabilities on screen; target median under 300 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.__main__ import machine  # noqa: E402
from bench.results import record_section  # noqa: E402
from core import report as rp  # noqa: E402
from core.models import weights_from_npz  # noqa: E402
from core.preprocess import ink_from_rgba, preprocess_for  # noqa: E402


def canvas_rgba(angle: float) -> np.ndarray:
    image = Image.new("RGBA", (280, 280), (255, 255, 255, 255))
    pen = ImageDraw.Draw(image)
    dx = 40 * np.sin(angle)
    pen.line([(140 - dx, 40), (140 + dx, 240)], fill=(0, 0, 0, 255), width=22)
    return np.asarray(image)


def server_side(reruns: int = 200) -> list[float]:
    model = weights_from_npz((ROOT / "assets" / "default-model.npz").read_bytes())
    drawings = [canvas_rgba(a) for a in np.linspace(-0.3, 0.3, 7)]
    times = []
    for i in range(reruns):
        rgba = drawings[i % len(drawings)]
        start = time.perf_counter()
        seen = preprocess_for(model.dataset, ink_from_rgba(rgba))
        logits = model.logits(seen.image[None])[0]
        rp.softmax_report([float(v) for v in logits], 1, "float32")
        times.append((time.perf_counter() - start) * 1e3)
    return times[10:]


def in_browser(strokes: int = 12) -> list[float]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS, Server, _chromium, open_page

    server = Server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_page(page, server, "draw")
            surface = page.locator('[data-testid="stMain"] canvas.upper-canvas').first
            surface.wait_for()
            page.wait_for_timeout(800)
            box = surface.bounding_box()
            # Timed inside the page: from the mouse-up to the DOM mutation that writes the
            # new probabilities (two decimals, so every stroke changes them).
            page.evaluate(
                """() => {
                    window.__strokeEnd = 0;
                    window.__latencies = [];
                    window.addEventListener('mouseup', () => {
                        window.__strokeEnd = performance.now();
                    }, true);
                    const text = () => {
                        const bars = document.querySelectorAll('.lab-bars');
                        return bars.length > 1 ? bars[1].innerText : '';
                    };
                    let last = text();
                    new MutationObserver(() => {
                        const now = text();
                        if (now && now !== last && window.__strokeEnd) {
                            window.__latencies.push(performance.now() - window.__strokeEnd);
                            window.__strokeEnd = 0;
                        }
                        last = now;
                    }).observe(document.body, {subtree: true, childList: true,
                                               characterData: true});
                }"""
            )
            empty = page.get_by_text("The canvas is empty")
            for i in range(strokes + 2):
                # A fresh canvas and a new angle each time, so every stroke changes the
                # image the network sees (parallel strokes normalise to the same 8×8).
                page.get_by_role("button", name="Reset canvas & history").click()
                empty.first.wait_for(timeout=10_000)
                done = page.evaluate("() => window.__latencies.length")
                tilt = (i % 7 - 3) * 12
                page.mouse.move(box["x"] + 140 - tilt, box["y"] + 40)
                page.mouse.down()
                page.mouse.move(box["x"] + 140 + tilt, box["y"] + 240, steps=6)
                page.mouse.up()
                page.wait_for_function(
                    "n => window.__latencies.length > n", arg=done, timeout=10_000
                )
            times = page.evaluate("() => window.__latencies")[2:]
            browser.close()
    finally:
        server.stop()
    return times


def main() -> None:
    server = server_side()
    browser = in_browser()
    rows = [
        f"| server: canvas pixels → probabilities | {statistics.median(server):.2f} | "
        f"{statistics.quantiles(server, n=10)[-1]:.2f} | 10 | "
        f"{'yes' if statistics.median(server) < 10 else 'NO'} |",
        f"| browser: end of stroke → probabilities on screen | {statistics.median(browser):.0f} | "
        f"{statistics.quantiles(browser, n=10)[-1]:.0f} | 300 | "
        f"{'yes' if statistics.median(browser) < 300 else 'NO'} |",
    ]
    text = "\n".join(
        [
            "## Draw page (issue 5)",
            "",
            f"Machine: {machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "Command: `scripts/lab bench`. Server: ink, preprocessing (UCI recipe), NumPy "
            "inference and the softmax report for a 280×280 drawing, 190 runs. Browser: "
            f"{len(browser)} strokes drawn with the mouse in Chromium on a running server.",
            "",
            "| path | median ms | p90 ms | target ms | met |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(text)
    record_section(text)


if __name__ == "__main__":
    main()
