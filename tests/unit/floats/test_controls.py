"""Tests of the round-off page's declared controls (core.floats.settings) and view state."""

from __future__ import annotations

import numpy as np
import pytest

from core.floats import lesson as roundoff
from core.floats import state as st_fl
from core.floats.cancellation import GALLERY, SWEEP_NS
from core.floats.settings import (
    CONTROLS,
    centre_control,
    gallery_control,
    pattern_controls,
    sweep_n_text,
)
from core.numerics.formats import FORMAT_NAMES, get_format


def test_fixed_controls():
    assert set(CONTROLS) == {"x", "dtype", "n", "staircase", "gallery"}
    assert CONTROLS["x"].widget == "text_input" and CONTROLS["x"].label == "Value x"
    assert CONTROLS["dtype"].options == FORMAT_NAMES and CONTROLS["dtype"].horizontal
    assert CONTROLS["n"].options == SWEEP_NS
    assert CONTROLS["staircase"].widget == "toggle"
    gallery = CONTROLS["gallery"]
    assert gallery.options == tuple(e.key for e in GALLERY)
    assert all(gallery.labels[e.key] == e.title for e in GALLERY)


def test_sweep_n_text():
    assert sweep_n_text(10) == "10"
    assert sweep_n_text(10_000) == "10,000"
    assert sweep_n_text(1_000_000) == "1,000,000"
    assert sweep_n_text(10**7) == "1e7"
    assert sweep_n_text(10**15) == "1e15"
    assert CONTROLS["n"].labels is sweep_n_text


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_pattern_labels_count_the_formats_digits(name):
    fmt = get_format(name)
    controls = pattern_controls(fmt)
    assert controls["hex"].label == f"Hex pattern ({fmt.hex_digits} hex digits)"
    assert controls["bits"].label == f"Bits ({fmt.total_bits}: sign, exponent, fraction)"
    assert pattern_controls(get_format("float64"))["hex"].label == "Hex pattern (16 hex digits)"


def test_centre_control_names_x_by_its_value():
    options = ("x", *roundoff.number_line_centres("float16"))
    spec = centre_control("float16", np.float16(0.1), options)
    assert spec.label == "Centre of the number line (float16)"
    assert spec.options == options
    assert spec.labels("x") == "x = 0.1"
    assert spec.labels(1e4) == "10000"
    assert spec.labels(1e-4) == "0.0001"


@pytest.mark.parametrize("entry", GALLERY, ids=lambda e: e.key)
def test_gallery_controls(entry):
    spec = gallery_control(entry)
    assert spec.label == entry.input_label
    if entry.log_scale:
        assert spec.widget == "select_slider"
        assert entry.default_input in spec.options
        ladder = roundoff.ladder_labels(entry.input_min, entry.input_max, entry.integer_input)
        assert spec.options == tuple(ladder)
        assert spec.labels == ladder
    else:
        assert spec.widget == "slider"
        assert (spec.low, spec.high, spec.step) == (entry.input_min, entry.input_max, 1.0)


def test_gallery_inputs_default_until_moved():
    state = {"fl.g.log1p": 0.5}
    inputs = st_fl.gallery_inputs(state)
    assert inputs["log1p"] == 0.5
    assert all(inputs[e.key] == e.default_input for e in GALLERY if e.key != "log1p")


def test_number_line_point():
    assert st_fl.number_line_point({"fl.centre": "x", "fl.value": 2.5}) == 2.5
    assert st_fl.number_line_point({"fl.centre": 1e4, "fl.value": 2.5}) == 1e4
