"""Tests of core.draw.state: the chosen models, driven on a plain dict."""

from __future__ import annotations

import numpy as np

from core.draw import state as dr
from core.draw.preprocess import DOT_MESSAGE, EMPTY_MESSAGE, preprocess_for
from core.draw.settings import DEFAULT_MODEL, SETTINGS

TRAINED = "C · from logits · uci-digits · job-1"
OTHER = "A · softmax layer · uci-digits · job-2"


def visit(params, available):
    state = {}
    values, notices = SETTINGS.from_query(params, {"available": available})
    dr.apply_settings(state, values, notices)
    return state


def test_a_link_chooses_its_model():
    state = visit({"model": TRAINED}, [DEFAULT_MODEL, TRAINED])
    assert state == {"dr.models": [TRAINED], "dr.notices": []}
    assert dr.current_values(state) == {"model": TRAINED}
    assert SETTINGS.to_query(dr.current_values(state)) == {"model": TRAINED}


def test_a_link_to_a_missing_model_chooses_the_default_and_says_so():
    state = visit({"model": TRAINED}, [DEFAULT_MODEL])
    assert state["dr.models"] == [DEFAULT_MODEL]
    assert len(state["dr.notices"]) == 1 and "not available" in state["dr.notices"][0]
    assert SETTINGS.to_query(dr.current_values(state)) == {}


def test_apply_settings_copies_the_notices():
    notices = ["a"]
    state = {}
    dr.apply_settings(state, {"model": DEFAULT_MODEL}, notices)
    notices.append("b")
    assert state["dr.notices"] == ["a"]


def test_keep_available_drops_models_the_session_lost():
    state = {"dr.models": [TRAINED, DEFAULT_MODEL, OTHER]}
    assert dr.keep_available(state, [DEFAULT_MODEL, OTHER]) == [DEFAULT_MODEL, OTHER]
    assert state["dr.models"] == [DEFAULT_MODEL, OTHER]
    assert dr.current_values(state) == {"model": DEFAULT_MODEL}


def test_keep_available_keeps_order_and_everything_still_there():
    state = {"dr.models": [OTHER, TRAINED]}
    assert dr.keep_available(state, [DEFAULT_MODEL, TRAINED, OTHER]) == [OTHER, TRAINED]
    assert dr.current_values(state) == {"model": OTHER}


def test_keep_available_keeps_at_least_the_default():
    state = {"dr.models": [TRAINED]}
    assert dr.keep_available(state, [DEFAULT_MODEL]) == [DEFAULT_MODEL]
    state = {"dr.models": []}
    assert dr.keep_available(state, [DEFAULT_MODEL, TRAINED]) == [DEFAULT_MODEL]
    empty = {}
    assert dr.keep_available(empty, [DEFAULT_MODEL]) == [DEFAULT_MODEL]
    assert empty == {"dr.models": [DEFAULT_MODEL]}


def test_clearing_the_drawing_gives_the_canvas_a_new_key():
    state = {}
    first = dr.canvas_key(state)
    dr.on_clear(state)
    second = dr.canvas_key(state)
    dr.on_clear(state)
    assert len({first, second, dr.canvas_key(state)}) == 3
    assert first.startswith("dr.canvas")


def test_answer_title():
    assert dr.answer_title(DEFAULT_MODEL, 1, 0.9731) == "Default model: it says 1 (97.3%)"
    assert dr.answer_title(TRAINED, 0, 0.5) == f"{TRAINED}: it says 0 (50.0%)"


def dot() -> np.ndarray:
    ink = np.zeros((280, 280), np.float32)
    ink[140:143, 140:143] = 1
    return ink


def test_the_waiting_message_speaks_of_a_canvas_only_when_drawing():
    # Issue 10, item 23: a file that could not be read still said "The canvas is empty".
    empty = preprocess_for("uci-digits", np.zeros((280, 280), np.float32))
    speck = preprocess_for("uci-digits", dot())
    assert speck.dot
    assert dr.waiting_message(True, None, False) == EMPTY_MESSAGE
    assert dr.waiting_message(True, empty, False) == EMPTY_MESSAGE
    assert dr.waiting_message(True, speck, False) == DOT_MESSAGE
    for seen, failed, expected in [
        (None, False, dr.NO_PHOTO_MESSAGE),
        (None, True, dr.BAD_FILE_MESSAGE),
        (speck, False, dr.PHOTO_DOT_MESSAGE),
        (empty, False, dr.NO_DIGIT_MESSAGE),
    ]:
        message = dr.waiting_message(False, seen, failed)
        assert message == expected
        assert "canvas" not in message and "draw" not in message.lower()
