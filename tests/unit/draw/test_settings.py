"""Tests of core.draw.settings: which model reads the drawing, from the link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.draw.settings import DEFAULT_MODEL, SETTINGS

TRAINED = "C · from logits · uci-digits · job-1"
AVAILABLE = {"available": [DEFAULT_MODEL, TRAINED, "uploaded ①"]}


def test_the_default_model_without_a_link():
    assert DEFAULT_MODEL == "default"
    assert SETTINGS.keys == ("model",)
    assert SETTINGS.defaults(AVAILABLE) == {"model": "default"}
    assert SETTINGS.to_query({"model": DEFAULT_MODEL}) == {}


@pytest.mark.parametrize("name", AVAILABLE["available"])
def test_an_available_model_reads_back(name):
    values, notices = SETTINGS.from_query({"model": name}, AVAILABLE)
    assert values == {"model": name} and notices == []
    assert SETTINGS.from_query(SETTINGS.to_query(values), AVAILABLE) == (values, [])


def test_a_model_the_session_lacks_falls_back_to_the_default_with_a_notice():
    values, notices = SETTINGS.from_query({"model": "C · from logits · mnist · job-9"}, AVAILABLE)
    assert values == {"model": "default"}
    assert notices == [
        "model='C · from logits · mn…': that model is not available here; using the default model."
    ]


def test_the_notice_names_a_trained_fallback_by_its_name():
    setting = SETTINGS.by_name["model"]
    assert setting.describe(DEFAULT_MODEL) == "the default model"
    assert setting.describe(TRAINED) == TRAINED


def test_available_models_depend_on_the_session():
    values, notices = SETTINGS.from_query({"model": TRAINED}, {"available": [DEFAULT_MODEL]})
    assert values == {"model": "default"} and len(notices) == 1
    values, notices = SETTINGS.from_query({"model": TRAINED}, {"available": [TRAINED]})
    assert values == {"model": TRAINED} and notices == []


@given(st.text())
def test_any_link_gives_an_available_model(text):
    values, notices = SETTINGS.from_query({"model": text}, AVAILABLE)
    assert values["model"] in AVAILABLE["available"]
    assert (values["model"] == text) == (notices == [])
