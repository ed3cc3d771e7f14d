"""The classroom benchmark's own arithmetic: who works where, how many runs pages share."""

import base64
import io
import json
import random

import numpy as np
import pytest
from PIL import Image

from bench.class_load import drawing_json, page_of, runs_started


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
