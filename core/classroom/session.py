"""The Class page's session: who this browser is in a class, and what its buttons do.

Plain functions over the session's state mapping and a `ClassStore`, called by the
page's widgets as callbacks; every failure becomes a sentence in ``cl.error``
instead of an exception. Keys are ``"cl.<name>"``: ``role`` (``"teacher"`` or
``"student"``), ``code``, ``key`` (the teacher key, teacher only), ``me`` (the
student's own random id, kept in their link so a reload comes back as the same
student), ``nick`` (the optional nickname, never sent to the store), ``error``,
and the widgets' ``code_text``, ``nick_text``, ``answer``, ``answer_text``,
``question`` and ``push_text``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from core.classroom.links import CLASS_PAGE, page_state_from_link, page_state_text
from core.classroom.store import ClassError, ClassStore, Poll, normalise_code
from core.lesson import page_href
from core.questions.bank import Question, parse_response, question_bank

State = MutableMapping[str, Any]

PREFIX = "cl"
STUDENT_POLL_SECONDS = 1.0
"""How often a student's page asks the store whether the class changed: a question reaches
every student within about a second of the teacher's click."""
PROJECTOR_POLL_SECONDS = 1.0
"""How often the projector asks; it counts the answers as they arrive."""
NICK_LENGTH = 40
"""Longest nickname kept; it is shown to its own student only, as plain text."""
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def key(name: str) -> str:
    """Return the session key of one of the page's values."""
    return f"{PREFIX}.{name}"


def _guarded(action: Callable[[], None], state: State) -> bool:
    try:
        action()
    except (ClassError, ValueError) as error:
        text = str(error)
        state[key("error")] = text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
        return False
    state[key("error")] = None
    return True


def leave(state: State) -> None:
    """Forget the class in this session (the store keeps it)."""
    for name in ("role", "code", "key", "error"):
        state.pop(key(name), None)


def on_start(state: State, store: ClassStore) -> None:
    """Start a class with this session as its teacher."""

    def start() -> None:
        code, teacher_key = store.create_class()
        leave(state)
        state.update({key("role"): "teacher", key("code"): code, key("key"): teacher_key})

    _guarded(start, state)


def _student_id(state: State, offered: str | None = None) -> str:
    if offered and _TOKEN.fullmatch(offered):
        state[key("me")] = offered
    return state.setdefault(key("me"), secrets.token_urlsafe(16))


def join(
    state: State, store: ClassStore, code_text: str, me: str | None = None, guesser: str = ""
) -> bool:
    """Join the class `code_text` as a student.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    store : ClassStore
        The class store.
    code_text : str
        The code as typed or linked.
    me : str, optional
        The student's id from their own link, after a reload.
    guesser : str, optional
        The server's id of this browser session, which wrong codes are counted
        against (the student's own id by default).

    Returns
    -------
    bool
        Whether the session is now in the class (else ``cl.error`` says why).
    """
    code = normalise_code(code_text)
    session = _student_id(state, me)

    def enter() -> None:
        store.join(code, session, guesser or None)
        leave(state)
        state.update({key("role"): "student", key("code"): code})

    return _guarded(enter, state)


def on_join(state: State, store: ClassStore, guesser: str = "") -> None:
    """Join with the typed code; keep the typed nickname in this session only."""
    if join(state, store, state.get(key("code_text")) or "", guesser=guesser):
        state[key("nick")] = (state.get(key("nick_text")) or "").strip()[:NICK_LENGTH]


def open_from_link(
    state: State, store: ClassStore, params: Mapping[str, str], guesser: str = ""
) -> None:
    """Enter the class a link names: a teacher link (``class`` and ``key``) or a join link.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    store : ClassStore
        The class store.
    params : mapping
        The page's URL parameters: ``class`` and ``key`` for the teacher,
        ``join`` (and the student's own ``me``) for a student.
    guesser : str, optional
        As for `join`.
    """
    if "class" in params and "key" in params:
        code = normalise_code(params["class"])
        if store.is_teacher(code, params["key"]):
            leave(state)
            state.update({key("role"): "teacher", key("code"): code, key("key"): params["key"]})
        else:
            state[key("error")] = (
                "That teacher link does not open a class here: the class has expired or the "
                "link is not complete."
            )
    elif "join" in params:
        join(state, store, params["join"], params.get("me"), guesser)


def link_params(state: State) -> dict[str, str]:
    """Return the URL parameters that bring a student back into the class after a reload."""
    if state.get(key("role")) == "student":
        return {"join": state[key("code")], "me": state[key("me")]}
    # Never the teacher's key: a projector shows its address bar to the room.
    return {}


def teacher_link(state: Mapping[str, Any], base_url: str) -> str:
    """Return the private link that reopens the class as its teacher.

    Parameters
    ----------
    state : mapping
        A teacher's session state.
    base_url : str
        The app's own address, or ``""``.

    Returns
    -------
    str
        ``"<base_url>/class?class=<code>&key=<key>"``.
    """
    return page_href(CLASS_PAGE, {"class": state[key("code")], "key": state[key("key")]}, base_url)


def teacher(state: Mapping[str, Any]) -> tuple[str, str]:
    """Return the teacher's ``(code, key)`` (empty key for anyone else: the store refuses)."""
    return state.get(key("code"), ""), state.get(key("key"), "")


def _class_changed_since(store: ClassStore, state: State, shown: int) -> bool:
    # A teacher's button carries the class version its page showed. Streamlit ran a
    # callback twice for one click (a browser test under load: "Discuss, then round 2"
    # opened round 3); the second run finds the class changed, by the first, and does
    # nothing, as does a click on a page a teacher's other tab has since outdated.
    return store.versions(teacher(state)[0])[0] != shown


def on_open(state: State, store: ClassStore, shown: int) -> None:
    """Teacher: open a poll of the chosen question, unless the class changed since `shown`.

    `shown` is the class version the page showed (`ClassState.version`), as for
    `on_round` and `on_reveal`.
    """
    if not _class_changed_since(store, state, shown):
        _guarded(lambda: store.open_poll(*teacher(state), state[key("question")]), state)


def on_close(state: State, store: ClassStore) -> None:
    """Teacher: close the poll."""
    _guarded(lambda: store.close_poll(*teacher(state)), state)


def on_round(state: State, store: ClassStore, shown: int) -> None:
    """Teacher: poll the same question again, as a new round, unless the class changed."""
    if not _class_changed_since(store, state, shown):
        _guarded(lambda: store.next_round(*teacher(state)), state)


def on_reveal(state: State, store: ClassStore, shown: int) -> None:
    """Teacher: reveal the answer, and choose the next question of the lesson plan.

    Nothing happens when the class changed since version `shown`: the next
    question is chosen once per reveal.
    """
    if _class_changed_since(store, state, shown):
        return
    if _guarded(lambda: store.reveal(*teacher(state)), state):
        ids = [q.id for q in question_bank()]
        current = state.get(key("question"))
        if current in ids and ids.index(current) + 1 < len(ids):
            state[key("question")] = ids[ids.index(current) + 1]


def on_end(state: State, store: ClassStore) -> None:
    """Teacher: end the class."""
    _guarded(lambda: store.end_class(*teacher(state)), state)


def on_push(state: State, store: ClassStore) -> None:
    """Teacher: send the pasted page address to the class."""

    def push() -> None:
        page, query = page_state_from_link(state.get(key("push_text")) or "")
        store.push_page(*teacher(state), page_state_text(page, query))

    _guarded(push, state)


def on_answer(state: State, store: ClassStore, question: Question, poll: Poll, widget: str) -> None:
    """Student: send the answer in `widget` to `poll`, the poll this page shows.

    Parameters
    ----------
    state : mutable mapping
        The session's state.
    store : ClassStore
        The class store.
    question : Question
        The question the page shows.
    poll : Poll
        The poll and round the page shows; an answer never counts in another.
    widget : str
        The session key of the answer widget (an option index or typed text).
    """

    def send() -> None:
        raw = state.get(widget)
        if question.kind == "number":
            response: float = parse_response(question, raw or "")
        else:
            if raw is None:
                raise ValueError("pick an answer first")
            response = float(raw)
        store.answer(state[key("code")], state[key("me")], response, poll.seq, poll.round)

    _guarded(send, state)
