"""Softmax Lab: entry point. Page config, the shared sidebar, and navigation."""

import streamlit as st

from core.lesson import URL_PATHS
from ui.layout import ASSETS, presentation_toggle
from ui.workers import JobStoreUnavailableError, show_unavailable, worker_pool

# A file of ours, sent inline: a ":material/...:" page icon makes the browser fetch the
# favicon from an external font host, which fails offline.
st.set_page_config(page_title="Softmax Lab", page_icon=ASSETS / "favicon.svg", layout="wide")
# Created with the first page, so a worker imports TensorFlow in the background before the
# class reaches the first "Check with TensorFlow"; later runs find the cached pool. Not in a
# spawned worker, which imports this script as "__mp_main__" and must not start workers.
if __name__ == "__main__":
    worker_pool()

# Every page but home by its address in core.lesson.URL_PATHS, in the sidebar's order.
SIDEBAR = (
    ("pages/softmax.py", "1 · Softmax & cross-entropy", ":material/bar_chart:"),
    ("pages/floats.py", "2 · Floating-point round-off", ":material/calculate:"),
    ("pages/train.py", "3 · Train the network", ":material/model_training:"),
    ("pages/draw.py", "4 · Draw a digit", ":material/draw:"),
    ("pages/class.py", "Class: live polls", ":material/groups:"),
    ("pages/teach.py", "Teach: a 50-minute plan", ":material/co_present:"),
)
pages = [
    st.Page("pages/home.py", title="Lesson path", icon=":material/school:", default=True),
    *(
        st.Page(file, title=title, icon=icon, url_path=URL_PATHS[file])
        for file, title, icon in SIDEBAR
    ),
]
page = st.navigation(pages)
st.sidebar.markdown("**Softmax Lab**: why `from_logits=True` exists.")
presentation_toggle()
try:
    page.run()
except JobStoreUnavailableError as error:  # Redis away (SOFTMAX_LAB_REDIS): a sentence
    show_unavailable(error)
