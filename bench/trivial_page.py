"""The baseline: an app with one navigation page holding one slider and one line of text."""

import streamlit as st


def trivial() -> None:
    value = st.slider("x", 0.0, 10.0, key="x")
    st.write(f"x = {value}")


st.navigation([st.Page(trivial, title="Trivial")]).run()
