"""Predict first on every page in AppTest: answer, reveal, the moved state, ?q= links, and
every question's link showing its answer."""

import json

import pytest

from core.questions import progress as qp
from core.questions.bank import question_bank, questions_for
from tests.app.helpers import open_app_page, run_until, texts
from tests.app.test_train_page import _values, finished, tiny_mnist

PAGES = ("pages/softmax.py", "pages/floats.py", "pages/train.py", "pages/draw.py")
N_SOFTMAX = len(questions_for("pages/softmax.py"))
N_FLOATS = len(questions_for("pages/floats.py"))


def page_text(at) -> str:
    """Everything a student reads on the page: text, tables, numbers and messages."""
    parts = [
        texts(at.markdown),
        texts(at.caption),
        texts(at.error),
        texts(at.warning),
        texts(at.info),
        texts(at.success),
        " ".join(f"{m.label} {m.value}" for m in at.metric),
    ]
    return " ".join(parts)


def panel_text(at) -> str:
    return " ".join(m.value for m in at.markdown if m.value.startswith("**Predict first**"))


def wrong_response(question):
    if question.kind == "number":
        return repr(float(question.answer) + 10 * question.tolerance + 1)
    return (question.answer + 1) % len(question.options)


def right_response(question):
    return question.answer_text if question.kind == "number" else question.answer


def answer(at, question, response) -> None:
    widget_key = qp.input_key(question)
    if question.kind == "number":
        at.text_input(key=widget_key).input(response).run()
    else:
        at.radio(key=widget_key).set_value(response).run()
    at.button(key=f"qz.reveal.{question.id}").click().run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_predict_right_then_wrong_moves_the_page_and_counts(page):
    questions = questions_for(page)
    assert questions, page
    at = open_app_page(page, timeout=60)
    n = len(questions)
    assert f"0 of {n} predicted, 0 right" in panel_text(at)
    first, second = questions[0], questions[1]
    assert first.prompt in texts(at.markdown)

    answer(at, first, right_response(first))
    assert "Right: you predicted" in texts(at.success)
    assert first.explanation in texts(at.markdown)
    assert f"1 of {n} predicted, 1 right" in panel_text(at)
    # The page moved to the question's case, as its link would: the URL carries it.
    for key, value in first.case.query.items():
        assert at.query_params[key] == value, key

    at.button(key=f"qz.next.{first.id}").click().run()
    assert second.prompt in texts(at.markdown)
    answer(at, second, wrong_response(second))
    assert "Not quite: you predicted" in texts(at.error)
    assert f"The answer: {second.answer_text}" in texts(at.error)
    assert f"2 of {n} predicted, 1 right" in panel_text(at)


def test_skip_retry_and_a_number_that_is_not_one():
    question = next(q for q in questions_for("pages/softmax.py") if q.kind == "number")
    at = open_app_page("pages/softmax.py", timeout=60, q=question.id)
    at.text_input(key=qp.input_key(question)).input("abc").run()
    at.button(key=f"qz.reveal.{question.id}").click().run()
    assert "'abc' is not a number" in texts(at.error)
    assert f"0 of {N_SOFTMAX} predicted" in panel_text(at)
    at.button(key=f"qz.skip.{question.id}").click().run()
    assert f"Skipped. The answer: {question.answer_text}" in texts(at.info)
    assert f"0 of {N_SOFTMAX} predicted, 0 right, 1 skipped" in panel_text(at)
    at.button(key=f"qz.retry.{question.id}").click().run()
    assert at.text_input(key=qp.input_key(question)).value == ""
    assert f"0 of {N_SOFTMAX} predicted, 0 right" in panel_text(at)
    assert "skipped" not in panel_text(at)


def test_revealing_without_an_answer_asks_for_one():
    question = questions_for("pages/floats.py")[0]
    at = open_app_page("pages/floats.py", timeout=60)
    at.button(key=f"qz.reveal.{question.id}").click().run()
    assert "Pick an answer first, or press Skip" in texts(at.error)
    assert f"0 of {N_FLOATS} predicted, 0 right" in panel_text(at)


@pytest.mark.parametrize("question", question_bank(), ids=lambda q: q.id)
def test_a_q_link_opens_its_question_ready(question):
    page = question.page
    at = open_app_page(page, timeout=60, q=question.id)
    assert question.prompt in texts(at.markdown)
    assert "q" not in at.query_params
    assert not [w for w in at.warning if w.value.startswith("q=")]


def test_an_unknown_or_foreign_q_gives_a_notice_and_the_first_question():
    first = questions_for("pages/softmax.py")[0]
    foreign = questions_for("pages/floats.py")[0]
    for raw in ("<script>alert(1)</script>", foreign.id, "x" * 10_000):
        at = open_app_page("pages/softmax.py", timeout=60, q=raw)
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        assert f"q={shown!r}: no such question on this page; using question" in texts(at.warning)
        assert first.prompt in texts(at.markdown)


def test_answers_survive_leaving_and_coming_back():
    question = questions_for("pages/softmax.py")[0]
    at = open_app_page("pages/softmax.py", timeout=60)
    answer(at, question, right_response(question))
    at.switch_page("pages/floats.py").run()
    assert f"0 of {N_FLOATS} predicted" in panel_text(at)
    at.switch_page("pages/softmax.py").run()
    assert f"1 of {N_SOFTMAX} predicted, 1 right" in panel_text(at)
    assert "Right: you predicted" in texts(at.success)


def test_the_page_stays_usable_without_answering():
    at = open_app_page("pages/softmax.py", timeout=60)
    at.text_input(key="sm.text").input("3, 1, 0").run()
    assert at.session_state["sm.logits"] == [3.0, 1.0, 0.0]
    assert f"0 of {N_SOFTMAX} predicted" in panel_text(at)


SHOWN_BY_TEXT = [q for q in question_bank() if q.page in ("pages/softmax.py", "pages/floats.py")]


@pytest.mark.parametrize("question", SHOWN_BY_TEXT, ids=lambda q: q.id)
def test_a_questions_case_shows_its_answer(question):
    at = open_app_page(question.page, timeout=60, **question.case.query)
    assert not [w for w in at.warning if "using" in w.value], texts(at.warning)
    assert question.shown in page_text(at), question.shown


def first_loss(at) -> float:
    chart = next(
        c
        for c in at.get("plotly_chart")
        if "Loss of each batch" in json.dumps(json.loads(c.proto.spec)["layout"])
    )
    trace = json.loads(chart.proto.spec)["data"][0]
    return float(_values(trace["y"])[0])


def test_the_first_loss_question_on_the_train_page():
    question = next(q for q in question_bank() if q.id == "first-loss")
    at = open_app_page(question.page, timeout=60, **question.case.query)
    at.button(key="tr.start").click().run()
    run_until(at, finished)
    assert abs(first_loss(at) - question.answer) <= question.tolerance


def test_the_dies_first_question_on_the_train_page():
    question = next(q for q in question_bank() if q.id == "dies-first")
    at = open_app_page(question.page, timeout=60, **{**question.case.query, "epochs": "1"})
    at.button(key="tr.start").click().run()
    run_until(at, finished)
    assert question.shown in texts(at.error)
    assert texts(at.error).startswith("B")
    assert [m.label for m in at.metric] == ["C · test accuracy"]


def test_the_parameters_question_on_the_train_page():
    question = next(q for q in question_bank() if q.id == "parameters")
    at = open_app_page(question.page, timeout=60, **question.case.query)
    at.file_uploader(key="tr.mnist_file").upload("mnist.npz", tiny_mnist()).run()
    assert f"784 → 25 → 15 → 10 (relu): {question.shown} weights and biases" in texts(at.caption)
