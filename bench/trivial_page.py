"""The baseline: a Streamlit page with one slider and one line of text."""

import streamlit as st

value = st.slider("x", 0.0, 10.0, key="x")
st.write(f"x = {value}")
