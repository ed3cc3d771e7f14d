"""Softmax Lab: entry point. Page config, the shared sidebar, and navigation."""

import streamlit as st

from core.lesson import URL_PATHS
from ui.layout import ASSETS, presentation_toggle
from ui.workers import worker_pool

# A file of ours, sent inline: a ":material/...:" page icon makes the browser fetch the
# favicon from an external font host, which fails offline.
st.set_page_config(page_title="Softmax Lab", page_icon=ASSETS / "favicon.svg", layout="wide")
# Created with the first page, so a worker imports TensorFlow in the background before the
# class reaches the first "Check with TensorFlow"; later runs find the cached pool. Not in a
# spawned worker, which imports this script as "__mp_main__" and must not start workers.
if __name__ == "__main__":
    worker_pool()

pages = [
    st.Page("pages/home.py", title="Lesson path", icon=":material/school:", default=True),
    st.Page(
        "pages/softmax.py",
        title="1 · Softmax & cross-entropy",
        icon=":material/bar_chart:",
        url_path=URL_PATHS["pages/softmax.py"],
    ),
    st.Page(
        "pages/floats.py",
        title="2 · Floating-point round-off",
        icon=":material/calculate:",
        url_path=URL_PATHS["pages/floats.py"],
    ),
    st.Page(
        "pages/train.py",
        title="3 · Train the network",
        icon=":material/model_training:",
        url_path=URL_PATHS["pages/train.py"],
    ),
    st.Page(
        "pages/draw.py",
        title="4 · Draw a digit",
        icon=":material/draw:",
        url_path=URL_PATHS["pages/draw.py"],
    ),
    st.Page(
        "pages/class.py",
        title="Class: live polls",
        icon=":material/groups:",
        url_path=URL_PATHS["pages/class.py"],
    ),
    st.Page(
        "pages/teach.py",
        title="Teach: a 50-minute plan",
        icon=":material/co_present:",
        url_path=URL_PATHS["pages/teach.py"],
    ),
]
page = st.navigation(pages)
st.sidebar.markdown("**Softmax Lab**: why `from_logits=True` exists.")
presentation_toggle()
page.run()
