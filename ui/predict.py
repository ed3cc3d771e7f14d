"""The Predict first panel: a lesson's questions at the top of its page, answer then reveal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from core.questions import progress as qp
from core.questions.bank import Question, number_text, questions_for
from ui.layout import presenting, url_notices


def _label(question: Question, number: int, done: Mapping[str, qp.Answer]) -> str:
    answer = done.get(question.id)
    if answer is None:
        return f"Q{number}"
    mark = "skipped" if answer.skipped else "right" if answer.right else "wrong"
    return f"Q{number} · {mark}"


def _verdict(question: Question, answer: qp.Answer) -> None:
    right = question.answer_text
    if question.kind == "number" and question.tolerance:
        right += f" (answers within ±{number_text(question.tolerance)} count)"
    if answer.skipped:
        st.info(f"Skipped. The answer: {right}.", icon=":material/visibility:")
    elif answer.right:
        st.success(
            f"Right: you predicted {question.response_text(answer.response)}. The answer: {right}.",
            icon=":material/check_circle:",
        )
    else:
        st.error(
            f"Not quite: you predicted {question.response_text(answer.response)}. "
            f"The answer: {right}.",
            icon=":material/cancel:",
        )


def ask_widget(question: Question, key: str, label: str = "Your prediction") -> None:
    """Draw the widget a question is answered with: options to pick, or a number to type.

    Parameters
    ----------
    question : Question
        The question.
    key : str
        The widget's session key (the answer is read from there).
    label : str, optional
        The widget's label.
    """
    collapsed = "collapsed" if presenting() else "visible"
    if question.kind == "number":
        st.text_input(
            label,
            key=key,
            placeholder="A number, such as 2.5, 1e-7 or 2^10",
            label_visibility=collapsed,
        )
    else:
        st.radio(
            label,
            range(len(question.options)),
            format_func=question.options.__getitem__,
            index=None,
            key=key,
            label_visibility=collapsed,
            # Side by side on a projector: the key result below stays on the screen.
            horizontal=question.kind == "larger" or presenting(),
        )


def _ask(question: Question, apply: qp.Apply, context: Mapping[str, Any] | None) -> None:
    ss = st.session_state
    ask_widget(question, qp.input_key(question))
    if ss.get(qp.key("error", question.page)):
        st.error(ss[qp.key("error", question.page)], icon=":material/error:")
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Reveal",
            type="primary",
            key=f"qz.reveal.{question.id}",
            icon=":material/visibility:",
            on_click=qp.on_reveal,
            args=(ss, question, apply, context),
            help="Commit your prediction, then see the result on this page.",
        )
        st.button(
            "Skip: show me",
            key=f"qz.skip.{question.id}",
            on_click=qp.on_skip,
            args=(ss, question, apply, context),
        )


def _revealed(
    question: Question,
    answer: qp.Answer,
    questions: tuple[Question, ...],
    apply: qp.Apply,
    context: Mapping[str, Any] | None,
) -> None:
    ss = st.session_state
    _verdict(question, answer)
    st.markdown(question.explanation)
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Show it on this page",
            key=f"qz.show.{question.id}",
            icon=":material/play_circle:",
            on_click=qp.open_case,
            args=(ss, question.case, apply, context),
            help=f"Sets this page to {question.case.label}.",
        )
        st.button(
            "Predict again",
            key=f"qz.retry.{question.id}",
            icon=":material/replay:",
            on_click=qp.on_retry,
            args=(ss, question),
        )
        if len(questions) > 1:
            st.button(
                "Next question",
                key=f"qz.next.{question.id}",
                icon=":material/arrow_forward:",
                on_click=qp.on_next,
                args=(ss, question.page, questions),
            )


def predict_first(page: str, apply: qp.Apply, context: Mapping[str, Any] | None = None) -> None:
    """Draw the page's Predict first panel: pick a question, predict, reveal.

    Parameters
    ----------
    page : str
        The page file, such as ``"pages/softmax.py"``.
    apply : callable
        The page's ``apply(state, values, notices)``, which a reveal uses to move
        the page to the question's case.
    context : mapping, optional
        The page's settings context (the draw page's available models).
    """
    questions = questions_for(page)
    if not questions:
        return
    ss = st.session_state
    if qp.LINK_KEY in st.query_params:
        qp.from_link(ss, page, questions, st.query_params[qp.LINK_KEY])
        # Read once: the student's own choices take over from here.
        del st.query_params[qp.LINK_KEY]
    url_notices(ss.get(qp.key("notices", page), []))
    done = qp.answers(ss)
    question = qp.current(ss, page, questions)
    pick = qp.key("pick", page)
    ss[pick] = question.id
    labels = {q.id: _label(q, n, done) for n, q in enumerate(questions, start=1)}
    with st.container(border=True, key=f"qz-panel-{page.rsplit('/', 1)[-1][:-3]}"):
        head = st.container(horizontal=True, vertical_alignment="center", gap="medium")
        head.markdown(f"**Predict first** · {qp.progress_line(questions, done)}", width="content")
        head.pills(
            "Questions of this lesson",
            [q.id for q in questions],
            format_func=labels.__getitem__,
            key=pick,
            on_change=qp.on_pick,
            args=(ss, page),
            label_visibility="collapsed",
        )
        st.markdown(question.prompt)
        answer = done.get(question.id)
        if answer is None:
            _ask(question, apply, context)
        else:
            _revealed(question, answer, questions, apply, context)
