"""Class: the teacher polls the room with the lesson's questions; students answer live."""

import io
import os

import segno
import streamlit as st

from core.classroom import session as cl
from core.classroom.figures import poll_chart
from core.classroom.links import CLASS_PAGE, join_link, page_state_from_link
from core.classroom.store import (
    DATA_ENV,
    REDIS_ENV,
    ClassError,
    ClassState,
    NotTeacherError,
    Poll,
    PollRecord,
    StoreUnavailableError,
    open_class_store,
)
from core.classroom.tally import summary_csv, summary_markdown, summary_rows, tally
from core.lesson import app_base_url
from core.questions.bank import question_bank, question_by_id
from ui.binding import browser_session
from ui.layout import chart_style, plain, presenting, require_navigation
from ui.predict import ask_widget

PAGE = CLASS_PAGE
ss = st.session_state
require_navigation()


@st.cache_resource(show_spinner=False)
def class_store(folder: str, redis_url: str):
    # One store per data folder (or Redis URL) and server process. A Redis that does not
    # answer raises, and a raise is not cached: the next run tries again.
    return open_class_store(folder or None, redis_url)


def store_unavailable(error: StoreUnavailableError) -> None:
    # No fallback: servers sharing classes through Redis must not each keep their own.
    text = str(error)
    st.error(
        f"{plain(text[:1].upper() + text[1:])}. Classes are not available until it is back: "
        "try again in a moment, or ask whoever runs this server.",
        icon=":material/cloud_off:",
    )
    st.stop()


try:
    store, store_message = class_store(os.environ.get(DATA_ENV, ""), os.environ.get(REDIS_ENV, ""))
except StoreUnavailableError as error:
    store_unavailable(error)
if store_message:
    st.warning(store_message, icon=":material/database:")

params = {k: st.query_params[k] for k in ("class", "key", "join", "me") if k in st.query_params}
if params and params != ss.get("cl._link"):
    try:
        cl.open_from_link(ss, store, params, browser_session())
    except StoreUnavailableError as error:
        store_unavailable(error)  # the link is read again on the next run
    ss["cl._link"] = params

st.title("Class")


def keep_link() -> None:
    # The page's own link brings this browser back into its class after a reload.
    wanted = cl.link_params(ss)
    for name in ("class", "key", "join", "me"):
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]
    ss["cl._link"] = wanted


def show_error() -> None:
    if ss.get("cl.error"):
        # It can quote what was typed or pasted: shown as it is, never as Markdown.
        st.error(plain(ss["cl.error"]), icon=":material/error:")
        ss["cl._shown_error"] = ss["cl.error"]


# Each reads two numbers; the page redraws only when what it shows changed.
@st.fragment(run_every=cl.STUDENT_POLL_SECONDS)
def watch_as_student(code: str, version: int) -> None:
    # Answers and joins (the activity count) change nothing a student sees.
    try:
        changed = store.versions(code)[0] != version
    except StoreUnavailableError:
        st.caption("The class store cannot be reached; trying again…")
        return
    if changed:
        st.rerun(scope="app")


@st.fragment(run_every=cl.PROJECTOR_POLL_SECONDS)
def watch_as_teacher(code: str, seen: tuple[int, int]) -> None:
    try:
        changed = store.versions(code) != seen
    except StoreUnavailableError:
        st.caption("The class store cannot be reached; trying again…")
        return
    if changed:
        st.rerun(scope="app")


def lobby() -> None:
    # Classes idle for 12 hours end here too, not only when a class starts.
    store.expire()
    st.markdown(
        "A teacher starts a class and projects this page; students join with its code or "
        "its link and answer the lesson's questions live. No account, no name needed."
    )
    # Above the cards: on a phone they stack, and a message under both is off the screen.
    show_error()
    left, right = st.columns(2)
    with left.container(border=True):
        st.subheader("Join a class")
        st.text_input("Class code", key="cl.code_text", max_chars=12, placeholder="ACK7M9")
        st.text_input(
            "Nickname (optional: only you see it)",
            key="cl.nick_text",
            max_chars=cl.NICK_LENGTH,
        )
        st.button(
            "Join",
            type="primary",
            key="cl.join",
            on_click=cl.on_join,
            args=(ss, store, browser_session()),
        )
    with right.container(border=True):
        st.subheader("Teach a class")
        st.markdown(
            "Start a class, then project this page: it shows the join code, a QR code and "
            "the answers as they arrive. Keep the teacher link private."
        )
        st.button("Start a class", key="cl.start", on_click=cl.on_start, args=(ss, store))


def question_label(question_id: str) -> str:
    question = question_by_id(question_id)
    number = [q.id for q in question_bank()].index(question_id) + 1
    prompt = question.prompt.replace("`", "")
    return f"{number}. {prompt[:90]}{'…' if len(prompt) > 90 else ''}"


def projector_header(state: ClassState) -> None:
    base = app_base_url(st.context.url, PAGE) or ""
    link = join_link(base, state.code)
    left, right = st.columns([3, 1])
    with left:
        st.markdown(f"Join at **{link}** with the code")
        st.markdown(f'<div class="cl-code">{state.code}</div>', unsafe_allow_html=True)
        st.markdown(f"**{state.students}** student{'s' if state.students != 1 else ''} joined.")
    qr = io.BytesIO()
    segno.make(link, error="m").save(qr, kind="png", scale=6, border=2)
    right.image(
        qr.getvalue(), caption="Scan to join", width=180, alt=f"QR code of the join link {link}"
    )


def poll_panel(state: ClassState, records: list[PollRecord]) -> None:
    poll = state.poll
    ids = [q.id for q in question_bank()]
    if "cl.question" not in ss:
        ss["cl.question"] = ids[0]
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.selectbox("Question", ids, format_func=question_label, key="cl.question")
    c2.button(
        "Open poll",
        type="primary",
        key="cl.open",
        on_click=cl.on_open,
        args=(ss, store, state.version),
    )
    if poll is None:
        st.info("Open a question: it reaches every student's page within 2 seconds.")
        return
    question = question_by_id(poll.question)
    if question is None:
        st.warning("The open question is no longer in the lesson: open another one.")
        return
    record = next((r for r in records if r.seq == poll.seq), PollRecord(0, ""))
    answered = len(record.rounds.get(poll.round, []))
    st.subheader(f"Question {ids.index(question.id) + 1}, round {poll.round}: {poll.status}")
    st.markdown(question.prompt)
    st.markdown(f"**{answered}** of {state.students} answered in round {poll.round}.")
    with st.container(horizontal=True, gap="small"):
        if poll.status == "open":
            st.button("Close the poll", key="cl.close", on_click=cl.on_close, args=(ss, store))
        if poll.status != "revealed":
            st.button(
                f"Discuss, then round {poll.round + 1}",
                key="cl.round",
                on_click=cl.on_round,
                args=(ss, store, state.version),
                help="Closes this round and opens the same question again; both are shown.",
            )
            st.button(
                "Reveal the answer",
                key="cl.reveal",
                on_click=cl.on_reveal,
                args=(ss, store, state.version),
            )
    revealed = poll.status == "revealed"
    tallies = {n: tally(question, answers) for n, answers in record.rounds.items()}
    if tallies:
        st.plotly_chart(poll_chart(tallies, revealed, chart_style()), key="cl.chart")
    if revealed:
        st.success(f"The answer: {question.answer_text}.", icon=":material/check_circle:")
        st.markdown(question.explanation)


def follow_me() -> None:
    with st.expander("Send a page to the class", icon=":material/share:"):
        # A form sends the address and the click in one message. Outside one, pressing
        # the button first blurs the box, which starts a rerun of its own; a projector
        # page that moves under the pointer meanwhile loses the click
        # (streamlit/streamlit#8725).
        with st.form("cl.push_form", border=False):
            st.text_input(
                "Address of a lesson page",
                key="cl.push_text",
                placeholder="/softmax?z=1000,0,-1000&y=2",
                help="Copy it from the address bar of a lesson page. Students get a button to "
                "open it; nobody is moved without clicking.",
            )
            st.form_submit_button(
                "Send to the class", key="cl.push", on_click=cl.on_push, args=(ss, store)
            )
        show_error()


def summary(state: ClassState, records: list[PollRecord]) -> None:
    code = state.code
    rows = summary_rows(records)
    left, right = st.columns(2)
    left.download_button(
        "Summary (CSV)",
        summary_csv(rows),
        file_name=f"softmax-lab-class-{code}.csv",
        mime="text/csv",
        key="cl.csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Summary (Markdown)",
        summary_markdown(code, state.students, rows),
        file_name=f"softmax-lab-class-{code}.md",
        mime="text/markdown",
        key="cl.md",
        on_click="ignore",
        icon=":material/download:",
    )


def teacher_view(state: ClassState) -> None:
    code, key = cl.teacher(ss)
    # Read once a run: the projector's poll and the summary both come from it.
    records = store.polls(code, key)
    if state.ended:
        st.info(
            "This class has ended. Its summary stays here for 12 hours.", icon=":material/flag:"
        )
        summary(state, records)
        return
    projector_header(state)
    poll_panel(state, records)
    follow_me()
    if state.page:
        st.text(f"Sent to the class: /{state.page}")
    with st.expander("End the class", icon=":material/flag:"):
        st.caption(
            "Students see that it ended; you get the summary (questions, votes, share right)."
        )
        st.button("End the class", key="cl.end", on_click=cl.on_end, args=(ss, store))
        summary(state, records)
    if not presenting():
        # Never on the projector: the key controls the class.
        with st.expander("Your teacher link (keep it private)", icon=":material/key:"):
            st.caption(
                "It reopens this class as its teacher from any browser, after a restart too. "
                "Copy it before you switch on presentation mode."
            )
            st.code(cl.teacher_link(ss, app_base_url(st.context.url, PAGE) or ""), language=None)
    watch_as_teacher(code, (state.version, state.activity))


@st.fragment
def poll_view(code: str, poll: Poll) -> None:
    # Answering reruns only this part: two light runs per answer, not two whole pages.
    question = question_by_id(poll.question)
    if question is None:
        st.info("Your teacher's question is no longer in the lesson; wait for the next one.")
        return
    mine = store.my_answers(code, ss["cl.me"], poll.seq)
    st.subheader(f"Round {poll.round}" if poll.round > 1 else "Question")
    st.markdown(question.prompt)
    if poll.status == "open":
        # One widget per poll: the next question starts blank, never with this one's answer.
        key = f"cl.answer_text.{poll.seq}" if question.kind == "number" else f"cl.answer.{poll.seq}"
        ask_widget(question, key, "Your answer")
        if poll.round not in mine and mine:
            # The radio still shows the earlier choice: say that it does not count yet.
            st.caption(
                f"Round {max(mine)}: you answered {question.response_text(mine[max(mine)])}. "
                f"Send an answer to count in round {poll.round}."
            )
        st.button(
            "Send my answer" if poll.round not in mine else "Change my answer",
            type="primary",
            key="cl.send",
            on_click=cl.on_answer,
            args=(ss, store, question, poll, key),
        )
    # Also when the poll closed as the answer was sent: the refusal says so.
    show_error()
    if poll.round in mine:
        st.markdown(f"Your answer: **{question.response_text(mine[poll.round])}**")
    if poll.status == "closed":
        st.info("The poll is closed. Discuss with your neighbours.", icon=":material/forum:")
    if poll.status == "revealed":
        last = mine[max(mine)] if mine else None
        if last is None:
            st.info(f"The answer: {question.answer_text}.")
        elif question.is_right(last):
            st.success(
                f"Right: you answered {question.response_text(last)}.",
                icon=":material/check_circle:",
            )
        else:
            st.error(
                f"Not quite: you answered {question.response_text(last)}. "
                f"The answer: {question.answer_text}.",
                icon=":material/cancel:",
            )
        st.markdown(question.explanation)
        st.page_link(
            question.case.page,
            label="Open the page that shows it",
            query_params=question.case.query,
            icon=":material/play_circle:",
        )


def student_view(state: ClassState) -> None:
    code = ss["cl.code"]
    st.caption(f"You are in class {code}.")
    if ss.get("cl.nick"):
        st.text(f"You: {ss['cl.nick']}")
    if state.page:
        try:
            page, query = page_state_from_link(state.page)
        except ValueError:
            st.caption("Your teacher sent a page this app cannot open.")
        else:
            st.page_link(
                page,
                label="Open the page your teacher sent",
                query_params=query,
                icon=":material/open_in_new:",
            )
    st.caption("Share the class code, not this page's address: it holds your own place.")
    if state.ended:
        st.info("The class has ended. Thank you!", icon=":material/flag:")
        return
    if state.poll is None:
        st.info("Waiting for your teacher's first question…", icon=":material/hourglass_top:")
    else:
        poll_view(code, state.poll)
    watch_as_student(code, state.version)


role = ss.get("cl.role")
current = None
if role:
    try:
        current = store.state(ss["cl.code"])
        if role == "teacher" and not store.is_teacher(*cl.teacher(ss)):
            raise NotTeacherError("this browser does not hold the class's teacher key")
    except StoreUnavailableError as error:
        # The class is still there: this browser stays in it.
        store_unavailable(error)
    except ClassError as error:
        st.warning(f"{error}. Start or join another class.", icon=":material/link_off:")
        cl.leave(ss)
        current = None
keep_link()
if current is not None and ss.get("cl._version") != current.version:
    # A message already shown about the class as it was (a closed poll) is not true of the
    # class now; one from this very run's click is shown once first.
    ss["cl._version"] = current.version
    if ss.get("cl.error") == ss.get("cl._shown_error"):
        ss["cl.error"] = None
try:
    if current is None:
        lobby()
    elif ss["cl.role"] == "teacher":
        teacher_view(current)
    else:
        student_view(current)
except ClassError as error:
    # The class ended or expired while this page drew it.
    st.warning(f"{error}. Reload the page.", icon=":material/link_off:")
if current is not None and ss.get("cl.role") == "student":
    st.button("Leave this class on this browser", key="cl.leave", on_click=cl.leave, args=(ss,))
