"""Tests of core.softmax.state: the page's transitions, driven on a plain dict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.softmax import settings as sf
from core.softmax import state as sm
from core.softmax.state import key


def visit(params=None):
    """A first visit with a link, as the page does it: read the link, then binary defaults."""
    state = {}
    values, notices = sf.SETTINGS.from_query(params or {})
    sm.apply_settings(state, values, notices)
    sm.ensure_binary_defaults(state)
    return state


def sliders(state):
    return [state[key(f"z{i}")] for i in range(state[key("n")])]


def test_key():
    assert key("z3") == "sm.z3"


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0.5, -3], 10), ([10, -10], 10), ([10.01], 100), ([-1000], 1000), ([1e5], 100_000)],
)
def test_fitting_range(values, expected):
    assert sm.fitting_range(values) == expected


def test_fitting_range_of_nothing_and_too_much():
    assert sm.fitting_range([]) == 10
    assert sm.fitting_range([100_000.5]) is None


def test_first_visit_without_a_link():
    state = visit()
    assert state[key("logits")] == [2.0, 1.0, 0.1]
    assert sliders(state) == [2.0, 1.0, 0.1]
    assert state[key("n")] == 3 and state[key("range")] == 10 and state[key("c")] == 0.0
    assert state[key("text")] == "2, 1, 0.1" and state[key("text_error")] is None
    assert state[key("y")] == 0 and state[key("dtype")] == "float32" and state[key("T")] == 1.0
    assert state[key("mode")] == "multi" and state[key("notices")] == []
    assert state[key("bz")] == sf.DEFAULT_BINARY_LOGIT and state[key("by")] == 0
    assert sm.current_values(state) == sf.SETTINGS.defaults()


def test_link_with_large_logits_widens_the_range_and_keeps_its_notices():
    state = visit({"z": "1000,999,998", "y": "2", "dtype": "float16", "T": "2", "x": "1"})
    assert state[key("logits")] == [1000.0, 999.0, 998.0] and state[key("range")] == 1000
    assert state[key("y")] == 2 and state[key("dtype")] == "float16" and state[key("T")] == 2.0
    state = visit({"z": "5e4, 1", "y": "7"})
    assert state[key("range")] == 100_000 and state[key("y")] == 0
    assert state[key("notices")] == ["y='7': choose a true class from 0 to 1; using 0."]


def test_link_settings_read_back_through_current_values():
    params = {"z": "1000,999,-3.5", "y": "1", "dtype": "float64", "T": "0.5"}
    state = visit(params)
    assert sf.SETTINGS.to_query(sm.current_values(state)) == params


def test_binary_link_keeps_the_multi_class_logits_of_the_session():
    state = visit({"z": "4,5,6,7"})
    values, notices = sf.SETTINGS.from_query({"mode": "binary", "z": "-40", "y": "1"})
    sm.apply_settings(state, values, notices)
    assert state[key("mode")] == "binary" and state[key("bz")] == -40.0 and state[key("by")] == 1
    assert state[key("logits")] == [4.0, 5.0, 6.0, 7.0]
    assert sm.current_values(state) == {
        "mode": "binary",
        "dtype": "float32",
        "z": (-40.0,),
        "y": 1,
        "temperature": 1.0,
        "labels": (),
        "names": (),
    }


def test_binary_link_on_a_first_visit_gives_the_multi_class_defaults():
    state = visit({"mode": "binary", "z": "12.5"})
    assert state[key("logits")] == [2.0, 1.0, 0.1] and state[key("range")] == 10
    assert state[key("bz")] == 12.5 and state[key("by")] == 0
    assert sf.SETTINGS.to_query(sm.current_values(state)) == {"mode": "binary", "z": "12.5"}
    # Switching to multi-class after a binary link: its state is complete (a true class).
    state[key("mode")] = "multi"
    sm.on_mode(state)
    assert state[key("y")] == 0
    assert sm.current_values(state) == sf.SETTINGS.defaults()


def test_set_logits_moves_sliders_count_text_and_true_class():
    state = visit({"y": "2"})
    sm.set_logits(state, [50.0, -1.5])
    assert state[key("logits")] == [50.0, -1.5] and sliders(state) == [50.0, -1.5]
    assert state[key("n")] == 2 and state[key("text")] == "50, -1.5"
    assert state[key("range")] == 100 and state[key("c")] == 0.0
    assert state[key("y")] == 0  # class 2 is gone


def test_set_logits_never_narrows_the_range_nor_resets_the_shift_when_it_fits():
    state = visit({"z": "500,1"})
    state[key("c")] = 3.0
    sm.set_logits(state, [1.0, 2.0, 3.0])
    assert state[key("range")] == 1000 and state[key("c")] == 3.0
    state[key("y")] = 2
    sm.set_logits(state, [1.0, 2.0, 3.0, 4.0])
    assert state[key("y")] == 2


def test_set_logits_beyond_every_range_keeps_the_largest_range():
    state = visit()
    sm.set_logits(state, [1e6, 0.0])
    assert state[key("range")] == 10
    assert state[key("logits")] == [1e6, 0.0]


def test_set_logits_copies_the_list():
    state = visit()
    values = [1.0, 2.0]
    sm.set_logits(state, values)
    values.append(3.0)
    assert state[key("logits")] == [1.0, 2.0]


def test_on_text_reads_good_text():
    state = visit()
    state[key("text_error")] = "old"
    state[key("text")] = "[1000; 999  998, -2e3]"
    sm.on_text(state)
    assert state[key("logits")] == [1000.0, 999.0, 998.0, -2000.0]
    assert state[key("text")] == "1000, 999, 998, -2000"
    assert state[key("text_error")] is None and state[key("range")] == 100_000


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1, abc", "'abc' is not a number"),
        ("7", "at least 2"),
        ("", "type 2 to 10 numbers"),
        ("1e999, 1", "overflows float64"),
        ("1 " * 11, "11 logits"),
    ],
)
def test_on_text_keeps_the_logits_on_bad_text(text, reason):
    state = visit({"z": "3,4,5"})
    state[key("text")] = text
    sm.on_text(state)
    assert state[key("logits")] == [3.0, 4.0, 5.0] and sliders(state) == [3.0, 4.0, 5.0]
    assert reason in state[key("text_error")]
    assert state[key("text_error")].endswith(". Keeping the previous logits.")
    assert state[key("text")] == text  # what the student typed stays to be corrected


def test_on_slider_changes_one_logit():
    state = visit()
    state[key("text_error")] = "old"
    state[key("z1")] = 7.25
    sm.on_slider(state, 1)
    assert state[key("logits")] == [2.0, 7.25, 0.1]
    assert state[key("text")] == "2, 7.25, 0.1" and state[key("text_error")] is None


def test_on_slider_without_its_value_is_ignored():
    state = visit()
    del state[key("z2")]
    sm.on_slider(state, 2)
    assert state[key("logits")] == [2.0, 1.0, 0.1]


def test_late_slider_change_after_a_shorter_typed_list_is_ignored():
    # The race a class found: six logits typed, then two; the browser's change of
    # slider z5 (sent before it saw the shorter list) arrives last.
    state = visit()
    state[key("text")] = "1,2,3,4,5,6"
    sm.on_text(state)
    assert state[key("n")] == 6
    state[key("text")] = "1,2"
    sm.on_text(state)
    assert key("z5") in state
    state[key("z5")] = 9.0
    sm.on_slider(state, 5)
    assert state[key("logits")] == [1.0, 2.0]
    assert state[key("text")] == "1, 2" and state[key("n")] == 2


def browser_change(state, text, slider, value, text_first=True):
    """Send one change as Streamlit reruns for it: the box's and slider's values, then the
    callbacks of the values that changed (in either order: Streamlit promises none)."""
    callbacks = [] if text == state[key("text")] else [lambda: sm.on_text(state)]
    callbacks.append(lambda: sm.on_slider(state, slider))
    state[key("text")], state[key(f"z{slider}")] = text, value
    for callback in callbacks if text_first else callbacks[::-1]:
        callback()


@pytest.mark.parametrize("text_first", [True, False], ids=["text-first", "slider-first"])
def test_quick_slider_moves_win_over_the_browsers_old_copy_of_the_box(text_first):
    # The browser test's race: the keys move z0 again before the page's answers reach the
    # browser, which sends each change with the box as it still shows it.
    state = visit()
    sm.on_preset(state, "float16")
    for value, shown in ((11.9, "12, 0, -12"), (11.8, "12, 0, -12"), (11.7, "11.9, 0, -12")):
        browser_change(state, shown, 0, value, text_first)
    assert state[key("logits")] == [11.7, 0.0, -12.0] and sliders(state) == [11.7, 0.0, -12.0]
    assert state[key("text")] == "11.7, 0, -12" and state[key("text_error")] is None


@pytest.mark.parametrize("text_first", [True, False], ids=["text-first", "slider-first"])
def test_a_typed_list_in_the_same_rerun_as_a_slider_change_wins(text_first):
    state = visit()
    browser_change(state, "5,4,3", 0, 9.0, text_first)
    assert state[key("logits")] == [5.0, 4.0, 3.0] and sliders(state) == [5.0, 4.0, 3.0]
    assert state[key("text")] == "5, 4, 3"


def test_a_list_the_box_showed_before_is_read_when_typed_again_on_its_own():
    state = visit()
    state[key("z1")] = 7.0
    sm.on_slider(state, 1)
    state[key("text")] = "2, 1, 0.1"
    sm.on_text(state)
    assert state[key("logits")] == [2.0, 1.0, 0.1] and sliders(state) == [2.0, 1.0, 0.1]


def moved_and_drawn(state, slider, value):
    """A slider's change taken and its run drawn: the page wrote over the box."""
    sm.remember_controls(state)
    state[key(f"z{slider}")] = value
    sm.on_slider(state, slider)
    sm.remember_controls(state)


CONTROL_CHANGES = {"T": 2.0, "dtype": "float16", "y": 2, "c": 3.0, "range": 100}


@pytest.mark.parametrize(("name", "value"), CONTROL_CHANGES.items())
def test_a_control_changed_before_the_answer_came_keeps_the_slider_move(name, value):
    # The student moves z0, then changes a control before the page's answer reaches the
    # browser: that change comes with the box as the browser still shows it.
    state = visit()
    moved_and_drawn(state, 0, 5.0)
    state[key("text")], state[key(name)] = "2, 1, 0.1", value
    sm.on_text(state)
    assert state[key("logits")] == [5.0, 1.0, 0.1] and sliders(state) == [5.0, 1.0, 0.1]
    assert state[key("text")] == "5, 1, 0.1" and state[key(name)] == value
    assert state[key("text_error")] is None


@pytest.mark.parametrize("text_first", [True, False], ids=["text-first", "count-first"])
def test_a_count_changed_before_the_answer_came_keeps_the_slider_move(text_first):
    state = visit()
    moved_and_drawn(state, 0, 5.0)
    state[key("text")], state[key("n")] = "2, 1, 0.1", 4
    callbacks = [lambda: sm.on_text(state), lambda: sm.on_count(state)]
    for callback in callbacks if text_first else callbacks[::-1]:
        callback()
    assert state[key("logits")] == [5.0, 1.0, 0.1, 0.0] and state[key("text")] == "5, 1, 0.1, 0"


def test_an_earlier_list_typed_again_with_no_other_change_is_read():
    state = visit()
    moved_and_drawn(state, 0, 5.0)
    state[key("text")] = "2, 1, 0.1"
    sm.on_text(state)
    assert state[key("logits")] == [2.0, 1.0, 0.1] and sliders(state) == [2.0, 1.0, 0.1]


def test_remember_controls_notes_the_other_controls_as_drawn():
    state = visit({"y": "1", "T": "2"})
    sm.remember_controls(state)
    assert state[key("controls_seen")] == {
        "n": 3,
        "range": 10,
        "y": 1,
        "dtype": "float32",
        "T": 2.0,
        "c": 0.0,
    }


def test_the_box_keeps_only_its_latest_earlier_contents():
    state = visit()
    for step in range(sm.TEXT_REPLACED_KEPT + 5):
        state[key("z0")] = float(step)
        sm.on_slider(state, 0)
    replaced = state[key("text_replaced")]
    assert len(replaced) == sm.TEXT_REPLACED_KEPT
    assert replaced[-1] == f"{sm.TEXT_REPLACED_KEPT + 3}, 1, 0.1"


def test_on_count_adds_zeros_and_drops_from_the_end():
    state = visit({"y": "2"})
    state[key("n")] = 5
    sm.on_count(state)
    assert state[key("logits")] == [2.0, 1.0, 0.1, 0.0, 0.0] and state[key("y")] == 2
    assert sliders(state) == [2.0, 1.0, 0.1, 0.0, 0.0]
    state[key("n")] = 2
    sm.on_count(state)
    assert state[key("logits")] == [2.0, 1.0] and state[key("text")] == "2, 1"
    assert state[key("y")] == 0


def test_on_range_clamps_with_a_notice():
    state = visit({"z": "1000,-250,5"})
    state[key("c")] = 40.0
    state[key("range")] = 100
    sm.on_range(state)
    assert state[key("logits")] == [100, -100, 5.0] and sliders(state) == [100, -100, 5.0]
    assert state[key("notices")] == ["Logits outside ±100 were clamped to the slider range."]
    assert state[key("c")] == 0.0 and state[key("range")] == 100


def test_on_range_writes_large_ranges_with_separators():
    state = visit({"z": "5e4,1"})
    sm.set_logits(state, [1e6, 1.0])
    state[key("range")] = 100_000
    sm.on_range(state)
    assert state[key("logits")] == [100_000, 1.0]
    assert state[key("notices")] == ["Logits outside ±100,000 were clamped to the slider range."]


def test_on_range_without_a_change_says_nothing():
    state = visit({"z": "3,4"})
    state[key("notices")] = ["from the link"]
    state[key("c")] = 2.0
    state[key("range")] = 1000
    sm.on_range(state)
    assert state[key("logits")] == [3.0, 4.0] and state[key("notices")] == ["from the link"]
    assert state[key("c")] == 0.0


@pytest.mark.parametrize("preset", sf.PRESETS, ids=lambda p: p.key)
def test_on_preset_loads_the_case_and_its_lesson(preset):
    state = visit({"mode": "binary", "T": "3"})
    state[key("notices")] = ["old"]
    state[key("c")] = 5.0
    sm.on_preset(state, preset.key)
    case = preset.settings
    assert state[key("logits")] == list(case.z) and state[key("y")] == case.y
    assert state[key("dtype")] == case.dtype and state[key("T")] == case.temperature
    assert state[key("mode")] == "multi" and state[key("c")] == 0.0
    assert state[key("range")] == sm.fitting_range(list(case.z))
    assert state[key("notices")] == [] and state[key("lesson")] == preset.lesson
    assert sm.current_values(state) == {
        "mode": "multi",
        "dtype": case.dtype,
        "z": case.z,
        "y": case.y,
        "temperature": case.temperature,
        "labels": (),
        "names": (),
    }


def test_on_preset_unknown_key():
    with pytest.raises(KeyError):
        sm.on_preset(visit(), "nope")


def test_on_mode_clears_notices():
    state = visit({"y": "9"})
    assert state[key("notices")]
    sm.on_mode(state)
    assert state[key("notices")] == []


def test_ensure_binary_defaults_brings_back_an_out_of_range_logit():
    state = visit({"mode": "binary", "z": "5000", "y": "1"})
    assert state[key("bz")] == sf.DEFAULT_BINARY_LOGIT and state[key("by")] == 1
    assert state[key("notices")] == ["A binary logit is between ±1000 here; using 3."]
    assert sm.current_values(state)["z"] == (3.0,)


def test_ensure_binary_defaults_keeps_values_in_range():
    state = {key("bz"): -1000.0, key("by"): 1, key("notices"): ["link"]}
    sm.ensure_binary_defaults(state)
    assert state == {key("bz"): -1000.0, key("by"): 1, key("notices"): ["link"]}
    empty = {}
    sm.ensure_binary_defaults(empty)
    assert empty == {key("bz"): 3.0, key("by"): 0}


def test_current_values_makes_plain_tuples_and_floats():
    state = visit({"mode": "binary"})
    state[key("bz")] = 2
    values = sm.current_values(state)
    assert values["z"] == (2.0,) and type(values["z"][0]) is float
    state[key("mode")] = "multi"
    values = sm.current_values(state)
    assert values["z"] == (2.0, 1.0, 0.1) and isinstance(values["z"], tuple)


actions = st.lists(
    st.one_of(
        st.tuples(st.just("text"), st.text(max_size=40)),
        st.tuples(
            st.just("text"),
            st.lists(st.integers(-2000, 2000), min_size=1, max_size=11).map(
                lambda v: ",".join(map(str, v))
            ),
        ),
        st.tuples(st.just("slider"), st.integers(0, 10), st.integers(-1000, 1000)),
        st.tuples(st.just("count"), st.integers(2, 10)),
        st.tuples(st.just("range"), st.sampled_from(sm.SLIDER_RANGES)),
        st.tuples(st.just("preset"), st.sampled_from([p.key for p in sf.PRESETS])),
    ),
    max_size=12,
)


@given(actions)
def test_any_sequence_of_changes_keeps_the_state_consistent(steps):
    state = visit()
    for step in steps:
        kind = step[0]
        if kind == "text":
            state[key("text")] = step[1]
            sm.on_text(state)
        elif kind == "slider":
            # A change may arrive for a slider the page no longer shows.
            state[key(f"z{step[1]}")] = float(step[2])
            sm.on_slider(state, step[1])
        elif kind == "count":
            state[key("n")] = step[1]
            sm.on_count(state)
        elif kind == "range":
            state[key("range")] = step[1]
            sm.on_range(state)
        else:
            sm.on_preset(state, step[1])
        logits = state[key("logits")]
        assert 2 <= len(logits) <= 10 and state[key("n")] == len(logits)
        assert 0 <= state[key("y")] < len(logits)
        assert sliders(state) == logits
        if state[key("text_error")] is None:
            assert sf.parse_logit_list(state[key("text")]) == logits
    # The page's link reads back to the same state.
    values = sm.current_values(state)
    assert sf.SETTINGS.from_query(sf.SETTINGS.to_query(values)) == (values, [])


def ml_inputs(state):
    n = len(state[key("ml_logits")])
    return [state[key(f"ml_z{i}")] for i in range(n)], [state[key(f"ml_y{i}")] for i in range(n)]


def test_multilabel_link_fills_its_state_and_reads_back():
    params = {"mode": "multilabel", "z": "2,-1,0.5", "labels": "1,0,1"}
    state = visit(params)
    assert state[key("ml_logits")] == [2.0, -1.0, 0.5] and state[key("ml_labels")] == [1, 0, 1]
    assert state[key("ml_names")] == ["car", "bus", "pedestrian"]
    assert ml_inputs(state) == ([2.0, -1.0, 0.5], [True, False, True])
    assert state[key("names_text")] == "car, bus, pedestrian" and state[key("notices")] == []
    assert state[key("logits")] == [2.0, 1.0, 0.1]  # the multi-class mode has its defaults
    assert sf.SETTINGS.to_query(sm.current_values(state)) == params


def test_first_visit_gives_multilabel_its_defaults():
    state = visit()
    sm.ensure_multilabel_defaults(state)
    assert state[key("ml_logits")] == list(sf.DEFAULT_MULTILABEL_LOGITS)
    assert state[key("ml_labels")] == [1, 0, 0]
    state[key("ml_logits")] = [9.0, 9.0]
    sm.ensure_multilabel_defaults(state)  # a second run keeps what is there
    assert state[key("ml_logits")] == [9.0, 9.0]


def test_a_label_and_a_logit_change():
    state = visit({"mode": "multilabel", "z": "2,-1,0.5", "labels": "1,0,1"})
    state[key("ml_y1")] = True
    sm.on_ml_label(state, 1)
    state[key("ml_z0")] = 40.0
    sm.on_ml_logit(state, 0)
    assert state[key("ml_labels")] == [1, 1, 1] and state[key("ml_logits")] == [40.0, -1.0, 0.5]
    assert sf.SETTINGS.to_query(sm.current_values(state))["labels"] == "1,1,1"
    assert sf.SETTINGS.to_query(sm.current_values(state))["z"] == "40,-1,0.5"


def test_names_set_the_number_of_outputs():
    state = visit({"mode": "multilabel", "z": "2,-1,0.5", "labels": "1,0,1"})
    state[key("names_text")] = " cat , dog,bird, fish "
    sm.on_names(state)
    assert state[key("ml_names")] == ["cat", "dog", "bird", "fish"]
    assert ml_inputs(state) == ([2.0, -1.0, 0.5, 0.0], [True, False, True, False])
    assert state[key("names_text")] == "cat, dog, bird, fish"
    state[key("names_text")] = "cat, dog"
    sm.on_names(state)
    assert state[key("ml_logits")] == [2.0, -1.0] and state[key("ml_labels")] == [1, 0]
    # A late change of an output that was just removed is ignored.
    state[key("ml_z3")], state[key("ml_y3")] = 7.0, True
    sm.on_ml_logit(state, 3)
    sm.on_ml_label(state, 3)
    assert state[key("ml_logits")] == [2.0, -1.0] and state[key("ml_labels")] == [1, 0]
    assert sf.SETTINGS.to_query(sm.current_values(state))["names"] == "cat,dog"


@pytest.mark.parametrize(
    ("text", "reason"),
    [("cat", "give 2 to 10 names"), ("a,,b", "empty"), ("a,a", "once"), ("x" * 500, "characters")],
)
def test_bad_names_keep_the_outputs(text, reason):
    state = visit({"mode": "multilabel"})
    state[key("names_text")] = text
    sm.on_names(state)
    assert state[key("ml_names")] == ["car", "bus", "pedestrian"]
    assert reason in state[key("names_error")]
    assert state[key("names_error")].endswith("Keeping the previous names.")
    state[key("names_text")] = "a, b"
    sm.on_names(state)
    assert state[key("names_error")] is None


def test_switching_modes_keeps_each_modes_state():
    state = visit({"z": "5,4,3", "y": "2"})
    values, notices = sf.SETTINGS.from_query({"mode": "multilabel", "z": "1,2", "labels": "0,1"})
    sm.apply_settings(state, values, notices)
    assert state[key("logits")] == [5.0, 4.0, 3.0] and state[key("y")] == 2
    state[key("mode")] = "multi"
    sm.on_mode(state)
    assert sf.SETTINGS.to_query(sm.current_values(state)) == {"z": "5,4,3", "y": "2"}
    state[key("mode")] = "multilabel"
    assert sf.SETTINGS.to_query(sm.current_values(state)) == {
        "mode": "multilabel",
        "z": "1,2",
        "labels": "0,1",
    }
