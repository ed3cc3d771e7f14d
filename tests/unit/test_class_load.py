"""The classroom benchmark's own arithmetic: who works where, how many runs pages share."""

import base64
import io
import json
import random

import numpy as np
import pytest
from PIL import Image

from bench.class_load import (
    PAIRS,
    Interaction,
    LoadResult,
    conclusions,
    drawing_json,
    page_of,
    pair_ratios,
    pooled,
    rotated,
    runs_started,
)


def test_one_student_in_five_trains_and_the_rest_share_three_pages():
    pages = [page_of(i) for i in range(60)]
    assert pages.count("train") == 12
    assert {pages.count(p) for p in ("softmax", "floats", "draw")} == {16}


def test_pages_that_say_how_many_classmates_share_count_as_one_run():
    assert runs_started([29] * 30) == pytest.approx(1)
    assert runs_started([0] * 5) == pytest.approx(5)
    assert runs_started([1, 1, 0]) == pytest.approx(2)


def test_a_drawing_is_the_canvas_value_a_browser_sends():
    value = json.loads(drawing_json(random.Random(0)))
    header, data = value["drawing"]["data"].split(",", 1)
    assert header == "data:image/png;base64"
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("L"))
    assert image.shape == (280, 280)
    assert 0 < (image < 128).mean() < 0.2  # a stroke, not an empty or black canvas


def _result(label: str, cpu_seconds: float, interactions: int) -> LoadResult:
    done = [Interaction("softmax", "sm.T", 0.0, 0.01)] * interactions
    return LoadResult(label, 30, 0, 25.0, done, [], cpu_seconds)


def test_the_cpu_bar_and_the_floor_under_it_are_judged_on_the_same_before():
    pairs = [
        (_result("before", 1.8, 100), _result("now", 0.9, 100)),  # 18 ms against 9 ms: 0.50
        (_result("before", 2.4, 100), _result("now", 0.6, 100)),  # 24 against 6: 0.25
        (_result("before", 2.0, 100), _result("now", 0.8, 100)),  # 20 against 8: 0.40
    ]
    assert pair_ratios(pairs) == pytest.approx([0.5, 0.25, 0.4])
    lines = conclusions({"pairs": pairs, "floor": 3.0}, [29] * 30)
    assert lines[1] == (
        "- Server CPU per interaction at 30 students, 3 pairs of windows alternating the two "
        "servers: 9.0 ms against 18.0, 6.0 ms against 24.0, 8.0 ms against 20.0 before; "
        "ratios 0.50, 0.25, 0.40, median 0.40x (bar: 0.33x)."
    )
    assert lines[2] == (
        "- A rerun of a page of one slider costs 3.0 ms: 0.15x of the median figure before "
        "(20.0 ms; now 8.0 ms). The bar (6.7 ms) leaves 3.7 ms per change for everything a "
        "page of the app draws and computes beyond that."
    )


def test_the_replicas_bar_is_judged_on_every_window_of_each_stack_together():
    def window(label: str, latencies: list[float]) -> LoadResult:
        done = [Interaction("floats", "fl.x", 0.0, t) for t in latencies]
        return LoadResult(label, 60, 0, 25.0, done, [], 1.0)

    results = {
        # One stack's slow window, the other's fast one: pooled, each stack has 2 slow of 40.
        ("nginx + 1", 60, 0, 0): window("one", [0.010] * 19 + [0.090]),
        ("nginx + 1", 60, 0, 1): window("one", [0.010] * 19 + [0.080]),
        ("nginx + 2", 60, 0, 0): window("two", [0.010] * 18 + [0.050, 0.060]),
        ("nginx + 2", 60, 0, 1): window("two", [0.010] * 20),
        ("one", 30, 0): window("other", [1.0] * 20),
    }
    assert pooled(results, "nginx + 1").count == 40
    assert pooled(results, "nginx + 3") is None
    line = conclusions(results, [29] * 30)[1]
    assert line.startswith(
        "- 60 students, every interaction of the alternating windows together: p95 "
    )
    one, two = pooled(results, "nginx + 1"), pooled(results, "nginx + 2")
    assert f"p95 {two.p95 * 1e3:.0f} ms on two servers against {one.p95 * 1e3:.0f} ms" in line
    assert two.p95 < one.p95


def test_alternating_windows_swap_the_order_and_share_a_new_seed_per_pair():
    windows = list(rotated(["a", "b"]))
    assert [setup for _, _, setup in windows] == ["a", "b", "b", "a", "a", "b"][: 2 * PAIRS]
    assert [pair for pair, _, _ in windows] == [p for p in range(PAIRS) for _ in (0, 1)]
    seeds = [seed for _, seed, _ in windows]
    assert seeds[0::2] == seeds[1::2]  # both set-ups of a pair on the same choices
    assert len(set(seeds)) == PAIRS and 0 not in seeds  # none repeats the N sweep's seed
