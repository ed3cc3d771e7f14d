"""The element-floor benchmark's arithmetic: the order of its windows and its verdict."""

from collections import Counter

import pytest

from bench.class_load import LoadResult, rotated
from bench.element_floor import SERVERS, ratios_to_before, verdict


def _window(label: str, cpu_ms: float) -> LoadResult:
    return LoadResult(label, 30, 0, 20.0, [object()] * 100, [], cpu_ms / 10)


def test_every_round_measures_every_server_once_on_its_own_seed_and_the_order_rotates():
    windows = list(rotated(["a", "b", "c"], 3))
    assert [setup for _, _, setup in windows] == list("abcbcacab")
    for turn in range(3):
        assert Counter(s for t, _, s in windows if t == turn) == Counter("abc")
        assert {seed for t, seed, _ in windows if t == turn} == {1000 * (turn + 1)}


def _found(before: list[float], widgets_only: list[float]) -> dict:
    found = {}
    for turn, cpu in enumerate(before):
        found["before", turn] = _window("before", cpu)
        for label in SERVERS:
            found[label, turn] = _window(
                label, widgets_only[turn] if label == "widgets only" else 9
            )
    return found


def test_each_window_is_judged_against_the_same_rounds_window_on_the_commit_before():
    found = _found([20.0, 25.0, 30.0], [8.0, 8.0, 9.0])
    assert ratios_to_before(found, "widgets only") == pytest.approx([0.4, 0.32, 0.3])


@pytest.mark.parametrize(
    ("widgets_only", "said"),
    [([8.0, 9.0, 8.5], "cannot meet"), ([6.0, 6.5, 6.0], "could meet")],
)
def test_the_verdict_follows_the_median_of_the_widgets_only_ratios(widgets_only, said):
    lines = verdict(_found([20.0, 20.0, 20.0], widgets_only))
    assert len(lines) == len(SERVERS) + 2 and lines[-2] == ""
    median = sorted(widgets_only)[1] / 20
    assert lines[-1].endswith(
        f"median {median:.2f}x of the commit before: drawing less {said} the bar of 0.33x."
    )
    assert lines[list(SERVERS).index("widgets only")].startswith(
        f"- widgets only: {widgets_only[0]:.1f}, {widgets_only[1]:.1f}, {widgets_only[2]:.1f} ms"
    )
