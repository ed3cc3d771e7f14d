"""The Class page's teacher buttons act once per page drawn, however often their callbacks run."""

import pytest

from core.classroom import session as cl
from core.classroom.store import DB_NAME, SQLiteStore
from core.questions.bank import question_bank

IDS = [q.id for q in question_bank()]


@pytest.fixture
def teacher(tmp_path):
    store = SQLiteStore(tmp_path / DB_NAME)
    code, key = store.create_class()
    state = {"cl.role": "teacher", "cl.code": code, "cl.key": key, "cl.question": IDS[0]}
    return store, state


def shown(store, state) -> int:
    return store.state(state["cl.code"]).version


def test_a_click_whose_callback_runs_twice_opens_one_poll_and_one_round(teacher):
    store, state = teacher
    page = shown(store, state)
    cl.on_open(state, store, page)
    cl.on_open(state, store, page)
    assert [p.seq for p in store.polls(state["cl.code"], state["cl.key"])] == [1]
    page = shown(store, state)
    cl.on_round(state, store, page)
    cl.on_round(state, store, page)
    assert store.state(state["cl.code"]).poll.round == 2
    assert state["cl.error"] is None


def test_a_reveal_run_twice_moves_to_the_next_question_once(teacher):
    store, state = teacher
    cl.on_open(state, store, shown(store, state))
    page = shown(store, state)
    cl.on_reveal(state, store, page)
    cl.on_reveal(state, store, page)
    assert store.state(state["cl.code"]).poll.status == "revealed"
    assert state["cl.question"] == IDS[1]


def test_a_page_outdated_by_another_tab_changes_nothing(teacher):
    store, state = teacher
    cl.on_open(state, store, shown(store, state))
    stale = shown(store, state)
    cl.on_round(dict(state), store, stale)  # the teacher's other tab
    cl.on_reveal(state, store, stale)
    poll = store.state(state["cl.code"]).poll
    assert (poll.round, poll.status, state["cl.question"]) == (2, "open", IDS[0])
