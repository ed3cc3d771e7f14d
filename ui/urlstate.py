"""Keep a page's main state in the URL so a teacher can prepare links.

A page reads its parameters when the URL carries values it did not write itself
(a fresh link, a link from another page) and writes them back after every run.
When a student comes back to a page through the navigation (which drops the
query), the session's own state wins and is written back to the URL.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st


def _url_values(names: Iterable[str]) -> dict[str, str]:
    return {name: st.query_params[name] for name in names if name in st.query_params}


def incoming_params(page: str, names: Iterable[str]) -> dict[str, str] | None:
    """Return the page's URL parameters if they should be applied, else None.

    Parameters
    ----------
    page : str
        The page's URL path, to keep pages apart in the session.
    names : iterable of str
        The parameters the page owns.

    Returns
    -------
    dict or None
        The parameters (possibly empty on a first visit) when the page should
        (re)initialise its state from them; None when the session's state is
        current.
    """
    values = _url_values(names)
    written = st.session_state.get(f"_url.{page}")
    if written is None:
        return values
    if values and values != written:
        return values
    return None


def write_params(page: str, names: Iterable[str], query: dict[str, str]) -> None:
    """Put the page's state in the URL, removing its parameters that are at default.

    Parameters
    ----------
    page : str
        The page's URL path.
    names : iterable of str
        The parameters the page owns.
    query : dict
        The non-default parameters to show.
    """
    for name in names:
        if name in query:
            if st.query_params.get(name) != query[name]:
                st.query_params[name] = query[name]
        elif name in st.query_params:
            del st.query_params[name]
    st.session_state[f"_url.{page}"] = dict(query)
