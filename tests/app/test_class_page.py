"""The Class page in AppTest: a teacher's and students' sessions on one real SQLite store."""

import json
from urllib.parse import parse_qs

import pytest

from core.classroom.figures import RIGHT_MARK
from core.classroom.store import DATA_ENV, DB_NAME, REDIS_ENV
from core.questions.bank import question_bank
from tests.app.helpers import open_app_page, texts

PAGE = "pages/class.py"
FIRST = question_bank()[0]


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(REDIS_ENV, raising=False)  # SQLite here (Redis: test_class_page_redis)
    return tmp_path / "data"


def teacher():
    at = open_app_page(PAGE, timeout=60)
    at.button(key="cl.start").click().run()
    assert not at.exception, at.exception
    return at


def student(code: str, **extra):
    return open_app_page(PAGE, timeout=60, join=code, **extra)


def code_of(at) -> str:
    return at.session_state["cl.code"]


def chart_text(at) -> str:
    """The poll chart's data and labels, as plain text."""
    return json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec), ensure_ascii=False)


def markdown(at) -> str:
    return texts(at.markdown)


def test_a_poll_from_start_to_reveal_in_two_rounds():
    t = teacher()
    code = code_of(t)
    assert f'<div class="cl-code">{code}</div>' in markdown(t)
    assert "**0** students joined." in markdown(t)
    students = [student(code) for _ in range(3)]
    t.run()
    assert "**3** students joined." in markdown(t)
    for s in students:
        assert "Waiting for your teacher's first question" in texts(s.info)

    t.button(key="cl.open").click().run()
    wrong = (FIRST.answer + 1) % len(FIRST.options)
    for s, choice in zip(students, (FIRST.answer, wrong, wrong), strict=True):
        s.run()
        assert FIRST.prompt in markdown(s)
        s.radio(key="cl.answer.1").set_value(choice).run()
        s.button(key="cl.send").click().run()
        assert f"Your answer: **{FIRST.options[choice]}**" in markdown(s)
    t.run()
    assert "**3** of 3 answered in round 1." in markdown(t)
    # The projector never marks the right answer before it is revealed.
    assert RIGHT_MARK not in chart_text(t)

    t.button(key="cl.round").click().run()
    assert "**0** of 3 answered in round 2." in markdown(t)
    students[1].run()
    students[1].radio(key="cl.answer.1").set_value(FIRST.answer).run()
    students[1].button(key="cl.send").click().run()
    t.run()
    assert "**1** of 3 answered in round 2." in markdown(t)
    spec = chart_text(t)
    assert "round 1: 3 answers" in spec and "round 2: 1 answer" in spec

    t.button(key="cl.reveal").click().run()
    assert f"The answer: {FIRST.answer_text}." in texts(t.success)
    assert f"{RIGHT_MARK}{FIRST.options[FIRST.answer]}" in chart_text(t)
    verdicts = []
    for s in students:
        s.run()
        verdicts.append(texts(s.success) + texts(s.error))
        assert FIRST.explanation in markdown(s)
    assert verdicts[0].startswith("Right: you answered")
    assert verdicts[1].startswith("Right: you answered")  # round 2 counts: changed to right
    assert verdicts[2].startswith("Not quite: you answered")
    # The next question of the lesson plan is ready to open.
    assert t.selectbox(key="cl.question").value == question_bank()[1].id


def test_answers_can_change_while_open_and_count_once():
    t = teacher()
    s = student(code_of(t))
    t.button(key="cl.open").click().run()
    s.run()
    for choice in (0, 1, 2):
        s.radio(key="cl.answer.1").set_value(choice).run()
        s.button(key="cl.send").click().run()
    t.run()
    assert "**1** of 1 answered in round 1." in markdown(t)
    t.button(key="cl.close").click().run()
    s.run()
    assert "The poll is closed" in texts(s.info)
    assert not [b for b in s.button if b.key == "cl.send"]


@pytest.mark.parametrize(
    "nickname",
    ["<script>alert(1)</script>", "**bold** _x_ [link](http://evil.example)", "שלום 🎉 مرحبا"],
)
def test_a_nickname_is_plain_text_and_only_its_student_sees_it(nickname):
    t = teacher()
    s = open_app_page(PAGE, timeout=60)
    s.text_input(key="cl.code_text").input(code_of(t).lower()).run()
    s.text_input(key="cl.nick_text").input(nickname).run()
    s.button(key="cl.join").click().run()
    assert not s.exception
    assert [x.value for x in s.text] == [f"You: {nickname}"]
    assert nickname not in markdown(s)
    t.run()
    assert "**1** student joined." in markdown(t)
    everything = markdown(t) + texts(t.text) + texts(t.caption)
    assert nickname not in everything


def test_a_ten_thousand_character_nickname_is_cut():
    t = teacher()
    s = open_app_page(PAGE, timeout=60)
    s.text_input(key="cl.code_text").input(code_of(t)).run()
    s.session_state["cl.nick_text"] = "n" * 10_000
    s.button(key="cl.join").click().run()
    assert [x.value for x in s.text] == ["You: " + "n" * 40]


def test_a_wrong_code_is_explained_and_guessing_is_limited():
    s = open_app_page(PAGE, timeout=60)
    s.text_input(key="cl.code_text").input("QQQQQQ").run()
    s.button(key="cl.join").click().run()
    assert "No class has the code 'QQQQQQ'" in texts(s.error)
    for _ in range(10):
        s.button(key="cl.join").click().run()
    assert "Too many wrong codes" in texts(s.error)


def test_a_student_cannot_act_as_the_teacher():
    t = teacher()
    code = code_of(t)
    s = student(code)
    assert not [b for b in s.button if b.key in ("cl.open", "cl.reveal", "cl.end")]
    # A forged teacher session (the role without the key) is refused by the page...
    s.session_state["cl.role"] = "teacher"
    s.session_state["cl.key"] = "not-the-key"
    s.run()
    assert not s.exception
    assert "does not hold the class's teacher key" in texts(s.warning)
    assert not [b for b in s.button if b.key == "cl.open"]
    # ...and a teacher link with a wrong key opens nothing.
    other = open_app_page(PAGE, timeout=60, **{"class": code, "key": "guess"})
    assert "That teacher link does not open a class here" in texts(other.error)
    assert not [b for b in other.button if b.key == "cl.open"]


def test_the_teacher_link_reopens_the_class_and_a_student_link_the_student():
    t = teacher()
    code, key = code_of(t), t.session_state["cl.key"]
    assert not t.query_params.get("key")  # never in the projected address bar
    again = open_app_page(PAGE, timeout=60, **{"class": code, "key": key})
    assert [b for b in again.button if b.key == "cl.open"]
    s = student(code)
    me = s.query_params["me"]
    t.button(key="cl.open").click().run()
    s.run()
    s.radio(key="cl.answer.1").set_value(0).run()
    s.button(key="cl.send").click().run()
    reloaded = student(code, me=me)
    assert f"Your answer: **{FIRST.options[0]}**" in markdown(reloaded)
    t.run()
    assert "**1** student joined." in markdown(t)


def test_follow_me_sends_a_page_and_the_end_gives_a_summary():
    t = teacher()
    s = student(code_of(t))
    # A form: the address goes with the click, in one run, as the browser sends it.
    t.text_input(key="cl.push_text").input("http://x:1/softmax?z=1000,0,-1000&y=2&evil=1")
    t.button(key="cl.push").click().run()
    assert "Sent to the class: /softmax?z=1000,0,-1000&y=2" in texts(t.text)
    s.run()
    links = [e for e in s.get("page_link") if "your teacher sent" in e.proto.label]
    # A link to click, never a move.
    assert [(x.proto.page, x.proto.query_string) for x in links] == [
        ("softmax", "z=1000%2C0%2C-1000&y=2")
    ]
    t.text_input(key="cl.push_text").input("/teach")
    t.button(key="cl.push").click().run()
    assert "That is not a lesson page" in texts(t.error)

    t.button(key="cl.open").click().run()
    s.run()
    s.radio(key="cl.answer.1").set_value(FIRST.answer).run()
    s.button(key="cl.send").click().run()
    t.button(key="cl.end").click().run()
    assert "This class has ended" in texts(t.info)
    downloads = {d.proto.label for d in t.get("download_button")}
    assert downloads == {"Summary (CSV)", "Summary (Markdown)"}
    s.run()
    assert "The class has ended" in texts(s.info)


def test_a_damaged_store_is_replaced_with_a_message(data_folder):
    data_folder.mkdir(parents=True)
    (data_folder / DB_NAME).write_bytes(b"this is not a database" * 100)
    at = open_app_page(PAGE, timeout=60)
    assert "was damaged" in texts(at.warning)
    at.button(key="cl.start").click().run()
    assert not at.exception
    assert list(data_folder.glob(f"{DB_NAME}.damaged-*"))


def test_a_follow_me_link_keeps_its_values_exactly():
    t = teacher()
    s = student(code_of(t))
    address = "/softmax?mode=multilabel&z=1,2,3&labels=1,0,1&names=big car,bus,a%26b"
    t.text_input(key="cl.push_text").input(address)
    t.button(key="cl.push").click().run()
    s.run()
    link = next(e for e in s.get("page_link") if "your teacher sent" in e.proto.label)
    assert parse_qs(link.proto.query_string)["names"] == ["big car,bus,a&b"]


def test_a_message_about_a_closed_poll_goes_when_the_next_question_opens():
    t = teacher()
    s = student(code_of(t))
    t.button(key="cl.open").click().run()
    s.run()
    t.button(key="cl.close").click().run()
    # The student's page still shows the open poll: the answer arrives after the close.
    s.radio(key="cl.answer.1").set_value(0)
    s.button(key="cl.send").click().run()
    assert "The poll is closed" in texts(s.error)
    t.selectbox(key="cl.question").set_value(question_bank()[1].id).run()
    t.button(key="cl.open").click().run()
    s.run()
    assert question_bank()[1].prompt in markdown(s)
    assert not texts(s.error)
