"""The predict panel's session logic on a plain dict: the transitions of core.questions.progress."""

from __future__ import annotations

import pytest

from core.draw import state as draw_state
from core.floats import state as floats_state
from core.questions import progress as qp
from core.questions.bank import question_by_id, questions_for
from core.softmax import state as sm
from core.training import state as train_state

SOFTMAX, FLOATS, TRAIN, DRAW = (
    "pages/softmax.py",
    "pages/floats.py",
    "pages/train.py",
    "pages/draw.py",
)
PAGE = SOFTMAX
QUESTIONS = questions_for(PAGE)
N = len(QUESTIONS)
APPLY = {
    SOFTMAX: sm.apply_settings,
    FLOATS: floats_state.apply_settings,
    TRAIN: train_state.apply_settings,
    DRAW: draw_state.apply_settings,
}
CONTEXT = {DRAW: {"available": ["default"]}}


def q(question_id):
    return question_by_id(question_id)


class Recorder:
    """A page's apply that remembers what it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, state, values, notices):
        self.calls.append((dict(values), list(notices)))


def reveal(state, question, raw, apply=None):
    state[qp.input_key(question)] = raw
    apply = apply or Recorder()
    qp.on_reveal(state, question, apply, CONTEXT.get(question.page))
    return apply


def wrong_option(question):
    return (question.answer + 1) % len(question.options)


# ----- reveal -----


def test_a_right_choice_is_recorded_and_the_page_moves_to_the_case():
    state = {}
    question = q("naive-far")
    state[qp.input_key(question)] = question.answer
    qp.on_reveal(state, question, sm.apply_settings)
    assert qp.answers(state) == {"naive-far": qp.Answer(question.answer, True)}
    assert state[qp.key("current", PAGE)] == "naive-far"
    assert state[qp.key("error", PAGE)] is None
    assert state["sm.logits"] == [1000.0, 0.0, -1000.0]
    assert state["sm.y"] == 2 and state["sm.dtype"] == "float32"


def test_a_wrong_choice_is_recorded_as_wrong():
    state = {}
    question = q("shift")
    apply = reveal(state, question, wrong_option(question))
    answer = qp.answers(state)["shift"]
    assert answer == qp.Answer(wrong_option(question), False)
    assert not answer.skipped
    assert len(apply.calls) == 1


@pytest.mark.parametrize(
    ("typed", "value", "right"),
    [
        ("8,388,608", 8388608.0, True),
        ("2^23", 8388608.0, True),
        (" 2**23 ", 8388608.0, True),
        ("8388607", 8388607.0, False),
        ("1e-7", 1e-7, False),
    ],
)
def test_a_typed_number_is_read_and_marked(typed, value, right):
    state = {}
    apply = reveal(state, q("count-1-2"), typed)
    assert qp.answers(state) == {"count-1-2": qp.Answer(value, right)}
    assert state[qp.key("current", FLOATS)] == "count-1-2"
    assert state[qp.key("error", FLOATS)] is None
    assert apply.calls == [(q("count-1-2").case.settings, [])]


def test_a_number_within_tolerance_is_right_and_one_outside_is_wrong():
    state = {}
    reveal(state, q("exp-limit"), "88.724")
    assert qp.answers(state)["exp-limit"] == qp.Answer(88.724, True)
    reveal(state, q("exp-limit"), "88.73")
    assert qp.answers(state)["exp-limit"] == qp.Answer(88.73, False)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "'abc' is not a number. Type a number such as 2.5 or 1e-7."),
        ("1e999", "'1e999' is too large"),
        ("nan", "'nan' is not a number"),
        ("2^x", "'x' is not a number. Type a number such as 2.5 or 1e-7."),
    ],
)
def test_a_bad_typed_number_says_why_and_records_nothing(typed, message):
    state = {"sm.logits": [2.0, 1.0, 0.1]}
    apply = reveal(state, q("exp-limit"), typed)
    error = state[qp.key("error", PAGE)]
    assert error.startswith(message)
    assert error.endswith(". Type a number such as 2.5 or 1e-7.")
    assert qp.answers(state) == {}
    assert apply.calls == []
    assert state["sm.logits"] == [2.0, 1.0, 0.1]
    assert qp.key("current", PAGE) not in state


def test_a_power_too_large_says_why():
    state = {}
    reveal(state, q("exp-limit"), "10^400")
    assert state[qp.key("error", PAGE)]


@pytest.mark.parametrize(
    ("question_id", "raw", "what"),
    [
        ("naive-far", None, "Pick an answer"),
        ("sigmoid-40", None, "Pick an answer"),
        ("exp-limit", None, "Type a number"),
        ("exp-limit", "", "Type a number"),
        ("exp-limit", "   ", "Type a number"),
    ],
)
def test_reveal_without_an_answer_asks_for_one(question_id, raw, what):
    state = {}
    apply = reveal(state, q(question_id), raw)
    assert state[qp.key("error", PAGE)] == f"{what} first, or press Skip to see the answer."
    assert qp.answers(state) == {}
    assert apply.calls == []


def test_a_good_answer_after_an_error_clears_it():
    state = {}
    question = q("exp-limit")
    reveal(state, question, "abc")
    assert state[qp.key("error", PAGE)]
    reveal(state, question, "88.72")
    assert state[qp.key("error", PAGE)] is None
    assert qp.answers(state)["exp-limit"].right is True


# ----- skip, retry, next -----


def test_skip_shows_the_case_without_a_prediction():
    state = {}
    question = q("sigmoid-40")
    qp.on_skip(state, question, sm.apply_settings)
    answer = qp.answers(state)["sigmoid-40"]
    assert answer == qp.Answer(None, None) and answer.skipped
    assert state[qp.key("current", PAGE)] == "sigmoid-40"
    assert state["sm.mode"] == "binary" and state["sm.bz"] == 40.0 and state["sm.by"] == 0


def test_retry_forgets_one_answer_and_its_input_only():
    state = {}
    reveal(state, q("naive-far"), 1)
    reveal(state, q("shift"), 0)
    qp.on_retry(state, q("naive-far"))
    assert set(qp.answers(state)) == {"shift"}
    assert qp.input_key(q("naive-far")) not in state
    assert state[qp.input_key(q("shift"))] == 0
    # The page stays on the question, ready for a new prediction.
    assert qp.current(state, PAGE, QUESTIONS).id == "shift"
    qp.choose(state, PAGE, "naive-far")
    assert qp.current(state, PAGE, QUESTIONS).id == "naive-far"


def test_retry_of_an_unanswered_question_changes_nothing():
    state = {}
    qp.on_retry(state, q("naive-far"))
    assert qp.answers(state) == {}


def test_current_is_the_chosen_else_the_first_unanswered_else_the_first():
    state = {}
    assert qp.current(state, PAGE, QUESTIONS) is QUESTIONS[0]
    state[qp.key("answers")] = {QUESTIONS[0].id: qp.Answer(None, None)}
    assert qp.current(state, PAGE, QUESTIONS) is QUESTIONS[1]
    state[qp.key("answers")] = {x.id: qp.Answer(None, None) for x in QUESTIONS}
    assert qp.current(state, PAGE, QUESTIONS) is QUESTIONS[0]
    qp.choose(state, PAGE, QUESTIONS[3].id)
    assert qp.current(state, PAGE, QUESTIONS) is QUESTIONS[3]
    # A chosen id from another page does not count on this one.
    state[qp.key("current", PAGE)] = "count-1-2"
    assert qp.current(state, PAGE, QUESTIONS) is QUESTIONS[0]


def test_next_moves_on_and_wraps():
    state = {}
    ids = [x.id for x in QUESTIONS]
    for expected in [*ids[1:], ids[0]]:
        qp.on_next(state, PAGE, QUESTIONS)
        assert state[qp.key("current", PAGE)] == expected


def test_next_skips_answered_questions_and_wraps_past_them():
    ids = [x.id for x in QUESTIONS]
    state = {qp.key("answers"): {ids[1]: qp.Answer(0, True), ids[2]: qp.Answer(None, None)}}
    qp.on_next(state, PAGE, QUESTIONS)
    assert state[qp.key("current", PAGE)] == ids[3]
    qp.choose(state, PAGE, ids[-1])
    state[qp.key("answers")] = {**qp.answers(state), ids[0]: qp.Answer(0, False)}
    qp.on_next(state, PAGE, QUESTIONS)
    assert state[qp.key("current", PAGE)] == ids[3]  # wrapped past 0, 1 and 2, all answered


def test_next_when_all_are_answered_goes_to_the_following_one():
    ids = [x.id for x in QUESTIONS]
    state = {qp.key("answers"): {i: qp.Answer(None, None) for i in ids}}
    qp.choose(state, PAGE, ids[-1])
    qp.on_next(state, PAGE, QUESTIONS)
    assert state[qp.key("current", PAGE)] == ids[0]


def test_next_on_a_single_question_stays():
    state = {}
    qp.on_next(state, PAGE, QUESTIONS[:1])
    assert qp.key("current", PAGE) not in state


def test_next_clears_the_last_error():
    state = {}
    reveal(state, q("exp-limit"), "abc")
    qp.on_next(state, PAGE, QUESTIONS)
    assert state[qp.key("error", PAGE)] is None


def test_a_pick_chooses_and_a_cleared_pick_keeps_the_last():
    state = {qp.key("pick", PAGE): "gradient"}
    qp.on_pick(state, PAGE)
    assert qp.current(state, PAGE, QUESTIONS).id == "gradient"
    state[qp.key("pick", PAGE)] = None
    qp.on_pick(state, PAGE)
    assert qp.current(state, PAGE, QUESTIONS).id == "gradient"


# ----- ?q= links -----


def test_a_link_to_one_of_the_page_s_questions_opens_it():
    state = {qp.key("notices", PAGE): ["old"], qp.key("error", PAGE): "old"}
    qp.from_link(state, PAGE, QUESTIONS, "temperature")
    assert qp.current(state, PAGE, QUESTIONS).id == "temperature"
    assert state[qp.key("notices", PAGE)] == []
    assert state[qp.key("error", PAGE)] is None


def test_no_link_changes_nothing():
    state = {}
    qp.from_link(state, PAGE, QUESTIONS, None)
    assert state == {}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("xyz", "'xyz'"),
        ("count-1-2", "'count-1-2'"),  # another page's question
        ("", "''"),
        ("a" * 50, "'" + "a" * 20 + "…'"),
    ],
)
def test_an_unknown_link_says_so_and_keeps_the_question(raw, shown):
    state = {}
    qp.from_link(state, PAGE, QUESTIONS, raw)
    assert state[qp.key("notices", PAGE)] == [
        f"q={shown}: no such question on this page; using question 'naive-far'."
    ]
    assert qp.key("current", PAGE) not in state
    assert qp.current(state, PAGE, QUESTIONS).id == "naive-far"


def test_an_unknown_link_names_the_question_the_page_does_show():
    state = {qp.key("answers"): {"naive-far": qp.Answer(1, True)}}
    qp.from_link(state, PAGE, QUESTIONS, "xyz")
    assert state[qp.key("notices", PAGE)] == [
        "q='xyz': no such question on this page; using question 'shift'."
    ]


# ----- progress line -----


@pytest.mark.parametrize(
    ("done", "line"),
    [
        ({}, f"0 of {N} predicted, 0 right"),
        ({"naive-far": qp.Answer(1, True)}, f"1 of {N} predicted, 1 right"),
        ({"naive-far": qp.Answer(0, False)}, f"1 of {N} predicted, 0 right"),
        ({"naive-far": qp.Answer(None, None)}, f"0 of {N} predicted, 0 right, 1 skipped"),
        (
            {
                "naive-far": qp.Answer(1, True),
                "shift": qp.Answer(1, False),
                "exp-limit": qp.Answer(88.72, True),
                "gradient": qp.Answer(None, None),
                "sigmoid-40": qp.Answer(None, None),
                "count-1-2": qp.Answer(8388608.0, True),  # another page's
            },
            f"3 of {N} predicted, 2 right, 2 skipped",
        ),
    ],
)
def test_the_progress_line(done, line):
    assert len(QUESTIONS) == N == 9
    assert qp.progress_line(QUESTIONS, done) == line


def test_answers_on_one_page_survive_on_the_others():
    state = {}
    reveal(state, q("naive-far"), 1)
    floats = questions_for(FLOATS)
    reveal(state, q("count-1-2"), "2^23", floats_state.apply_settings)
    qp.on_skip(state, q("tenth"), floats_state.apply_settings)
    qp.on_retry(state, q("naive-far"))
    assert set(qp.answers(state)) == {"count-1-2", "tenth"}
    assert qp.progress_line(floats, qp.answers(state)) == "1 of 5 predicted, 1 right, 1 skipped"
    assert qp.progress_line(QUESTIONS, qp.answers(state)) == f"0 of {N} predicted, 0 right"
    assert state[qp.key("current", FLOATS)] == "tenth"
    assert state[qp.key("current", PAGE)] == "naive-far"
    reveal(state, q("exp-limit"), "abc")
    assert state[qp.key("error", PAGE)] and state[qp.key("error", FLOATS)] is None


# ----- the case a reveal opens -----


@pytest.mark.parametrize("question", questions_for(SOFTMAX), ids=lambda x: x.id)
def test_open_case_puts_the_softmax_page_in_the_question_s_state(question):
    state = {}
    qp.open_case(state, question.case, sm.apply_settings)
    values = question.case.settings
    if values["mode"] == "binary":
        assert state["sm.bz"] == values["z"][0] and state["sm.by"] == values["y"]
    elif values["mode"] == "multilabel":
        assert state["sm.ml_logits"] == list(values["z"])
        assert state["sm.ml_labels"] == list(values["labels"])
    else:
        assert state["sm.logits"] == list(values["z"])
        assert state["sm.y"] == values["y"]
    assert state["sm.dtype"] == values["dtype"]
    assert state["sm.T"] == values["temperature"]
    assert state["sm.notices"] == []


def test_open_case_of_each_page_uses_its_settings():
    state = {}
    qp.open_case(state, q("tenth").case, floats_state.apply_settings)
    assert state["fl.dtype"] == "float64" and state["fl.x"] == "0.1"
    qp.open_case(state, q("dies-first").case, train_state.apply_settings)
    assert state["tr.variants"] == ["B", "C"]
    assert state["tr.init_scale"] == 2.0 and state["tr.notices"] == []
    qp.open_case(state, q("inputs").case, draw_state.apply_settings, CONTEXT[DRAW])
    assert state["dr.models"] == ["default"] and state["dr.notices"] == []


def test_open_case_passes_the_page_s_values_and_no_notices():
    for question in (q("exp-limit"), q("gap-2-24"), q("first-loss"), q("thin-small")):
        apply = Recorder()
        qp.open_case({}, question.case, apply, CONTEXT.get(question.page))
        assert apply.calls == [(question.case.settings, [])]


def test_a_link_notice_goes_once_another_question_is_chosen():
    state = {}
    qp.from_link(state, PAGE, QUESTIONS, "typo")
    assert state[qp.key("notices", PAGE)]
    qp.choose(state, PAGE, QUESTIONS[1].id)
    assert state[qp.key("notices", PAGE)] == []


def test_an_option_index_outside_the_options_is_written_as_such():
    question = next(q for q in QUESTIONS if q.kind == "choice")
    assert question.response_text(len(question.options)) == f"option {len(question.options)}"
