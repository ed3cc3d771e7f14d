"""Streamlit-side helpers shared by the pages: layout, URL state, worker access."""
