"""The home page in AppTest: the lesson path, its key-case links, presentation mode."""

import struct
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from core.floats.cancellation import course_example
from core.lesson import LESSONS, CaseLink
from tests.app.helpers import metrics, open_app_page, run_until, texts

ROOT = Path(__file__).resolve().parents[2]


def test_home_lays_out_the_lesson_path():
    at = open_app_page()
    assert at.title[0].value == "Softmax Lab"
    headers = [h.value for h in at.subheader]
    assert headers == [f"{lesson.number}. {lesson.title}" for lesson in LESSONS]


def test_every_card_points_at_an_existing_page():
    for lesson in LESSONS:
        assert (ROOT / lesson.page).is_file(), lesson.page
    numbers = [lesson.number for lesson in LESSONS]
    assert numbers == sorted(numbers) == list(range(1, len(LESSONS) + 1))


def test_presentation_mode_from_the_url():
    at = open_app_page(present="1")
    assert at.toggle(key="present").value is True
    assert at.query_params["present"] == "1"


def test_presentation_mode_is_off_by_default():
    at = open_app_page()
    assert at.toggle(key="present").value is False
    assert "present" not in at.query_params


def test_presentation_mode_toggles_and_survives_a_page_switch():
    at = open_app_page()
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["present"] == "1"
    at.switch_page("pages/softmax.py")
    at.run()
    assert at.toggle(key="present").value is True
    assert at.query_params["present"] == "1"
    at.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params


# --- key cases: one click per step (issue 10, item 20) --------------------------------

CASES = [case for lesson in LESSONS for case in lesson.cases]
PREFIXES = {
    "pages/softmax.py": "sm",
    "pages/floats.py": "fl",
    "pages/train.py": "tr",
    "pages/draw.py": "dr",
}


def test_every_card_links_to_its_key_cases():
    at = open_app_page()
    links = [
        (link.proto.page, link.proto.label, link.proto.query_string) for link in at.get("page_link")
    ]
    for case in CASES:
        query = {key: [value] for key, value in case.query.items()}
        assert any(
            page == Path(case.page).stem and label == case.label and parse_qs(string) == query
            for page, label, string in links
        ), case.label


def check_softmax(at, case: CaseLink) -> None:
    errors = texts(at.error)
    losses = {label.split(" (")[0]: value for label, value in metrics(at).items()}
    if "dtype" in case.query:
        # "exp(12) overflows above 11.09"
        assert "exp(12) overflows float16 above about 11.09" in errors
        assert at.radio(key="sm.dtype").value == "float16"
    else:
        # "the naive softmax gives nan, the loss from logits stays exact"
        assert "the naive softmax is nan" in errors
        assert losses["Naive −log(p_y)"] in ("nan", "inf")
        assert losses["From logits"] == losses["Exact reference"] == "2000"
    assert at.text_input(key="sm.text").value == case.query["z"].replace(",", ", ")


def check_floats(at, case: CaseLink) -> None:
    x1, x2 = course_example()
    info = texts(at.info)
    page = texts(at.markdown)
    if case.query.get("dtype") == "float16":
        # "65504: float16's largest value, next to inf"
        assert "65504 is stored exactly in float16" in info
        assert at.text_input(key="fl.hex").value == "0x7BFF"
        assert '<th scope="row">next value above</th><td>inf</td>' in page
    elif case.query["x"] == x1.expression:
        # "2/10000 = 0.0002, bit by bit: not stored exactly"
        assert "2/10000 is not a float64 value: it is stored as the nearest one, 0.0002" in info
        assert x1.exact_decimal in page
    else:
        # "(1 + 1/10000) - (1 - 1/10000) = 0.00019999999999997797, bit by bit": that double.
        assert at.text_input(key="fl.x").value == repr(x2.value)
        assert at.text_input(key="fl.hex").value == "0x" + struct.pack(">d", x2.value).hex().upper()
        assert f'<span class="fl-digits">{x2.exact_decimal}</span>' in page
    assert not at.error


def check_train(at, case: CaseLink) -> None:
    variants = case.query["variant"].split(",")
    assert at.multiselect(key="tr.variants").value == variants
    if variants == ["A", "B", "C", "D"]:
        # "Quick: all four variants, A to D, from the same start"
        assert at.select_slider(key="tr.lr").value == 0.01
        return
    # "Push the logits: B (hand-written softmax) dies of nan, C (from logits) keeps training"
    assert at.radio(key="tr.scale").value == "raw"
    assert at.number_input(key="tr.init_scale").value == 2.0
    # B breaks within the first epoch: the preset's other 19 only make the test longer.
    at.number_input(key="tr.epochs").set_value(1).run()
    at.button(key="tr.start").click().run()
    run_until(at, lambda at: any(h.value == "After training" for h in at.subheader))
    assert "overflowed float32" in texts(at.error)
    assert [m.label for m in at.metric] == ["C · test accuracy"]


def check_draw(at, case: CaseLink) -> None:
    # "Draw a digit for the course network: its ten logits and probabilities"
    assert at.multiselect(key="dr.models").value == ["default"]
    assert "The canvas is empty: draw a digit. The network's guess will appear here." in texts(
        at.info
    )


CHECKS = {
    "pages/softmax.py": check_softmax,
    "pages/floats.py": check_floats,
    "pages/train.py": check_train,
    "pages/draw.py": check_draw,
}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.label)
def test_each_key_case_opens_its_page_with_no_notice_and_shows_what_it_promises(case):
    at = open_app_page(case.page, timeout=60, **case.query)
    assert not at.exception
    assert at.session_state[f"{PREFIXES[case.page]}.notices"] == []
    assert not [w for w in at.warning if w.icon == ":material/link_off:"]
    # The page took every value as given: it writes the same link back.
    assert dict(at.query_params) == case.query
    CHECKS[case.page](at, case)
