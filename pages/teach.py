"""Teach: a 50-minute plan, every question of the bank in lesson order, with links to prepare."""

import streamlit as st

from core.lesson import app_base_url
from core.questions.plan import answer_line, lesson_plan, plan_markdown, timetable_markdown
from ui.layout import require_navigation

PAGE = "pages/teach.py"
require_navigation()
plan = lesson_plan()

st.title("Teach: a 50-minute plan")
st.markdown(
    f"Every question of the lesson path, {len(plan.questions)} of them in lesson order, for "
    "one class period: what to say at each step, the question, the links that open it and "
    "its case, and the misconceptions to expect. Students predict first, then the page "
    "reveals the result."
)
st.markdown(f"**Timing:** {plan.breakdown}.")

with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
    show = st.toggle(
        "Show the answers",
        key="teach.answers",
        help="Also shows why, and the misconception to expect: most of them give the "
        "answer away. Off by default, so that a projected page reveals nothing.",
    )
    st.download_button(
        "Download the printable plan (Markdown)",
        data=plan_markdown(plan, app_base_url(st.context.url, PAGE)),
        file_name="softmax-lab-lesson-plan.md",
        mime="text/markdown",
        icon=":material/download:",
        on_click="ignore",
        help="With every answer and every link, ready to print.",
    )
if not show:
    st.caption(
        "Answers, explanations and the misconceptions to expect are hidden: switch on "
        "*Show the answers* to prepare."
    )

st.header("Timetable")
st.markdown(timetable_markdown(plan))

st.header("Step by step")
for step in plan.steps:
    with st.container(border=True):
        st.subheader(f"{step.minute_range} min · {step.title}")
        st.markdown(step.say)
        question = step.question
        if question is not None:
            st.markdown(f"**Ask:** {question.prompt}")
            if question.options:
                st.markdown("\n".join(f"- {option}" for option in question.options))
            if show:
                st.markdown(f"**Answer:** {answer_line(question)}")
                st.markdown(f"**Why:** {question.explanation}")
                st.markdown(f"**Expect:** {question.misconception}")
        if step.links:
            with st.container(horizontal=True, gap="small"):
                for n, link in enumerate(step.links):
                    st.page_link(
                        link.page,
                        label=link.label,
                        query_params=dict(link.query) or None,
                        icon=":material/help:" if n == 0 and question else ":material/play_circle:",
                    )
