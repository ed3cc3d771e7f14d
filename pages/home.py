"""Home: the lesson path, one card per experience in lesson order, with its key cases."""

import streamlit as st

from core.lesson import LESSONS
from ui.layout import require_navigation

require_navigation()

st.title("Softmax Lab")
st.markdown(
    "Softmax turns a network's scores (**logits**) into probabilities. Written the textbook "
    "way it overflows, underflows and quietly returns `nan`; written carefully it never "
    "does. Follow the path below: each step shows one reason why Keras asks for "
    "`from_logits=True`."
)
st.page_link(
    "pages/teach.py",
    label="Teachers: a 50-minute plan with every question, its answer and its links",
    icon=":material/co_present:",
)
st.page_link(
    "pages/class.py",
    label="In class: run the questions as live polls, or join your teacher's class",
    icon=":material/groups:",
)

for lesson in LESSONS:
    with st.container(border=True):
        st.subheader(f"{lesson.number}. {lesson.title}")
        st.markdown(lesson.teaches)
        st.page_link(lesson.page, label=f"Open: {lesson.title}", icon=":material/arrow_forward:")
        if lesson.cases:
            st.caption("Key cases, one click each:")
            for case in lesson.cases:
                st.page_link(
                    case.page,
                    label=case.label,
                    query_params=case.query,
                    icon=":material/play_circle:",
                )
