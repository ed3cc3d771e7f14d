"""Where a page's declared settings meet Streamlit: link to state, and state to link.

A page reads its link when the URL carries values it did not write itself (a
fresh link, a link from another page) and writes its settings back after every
run. When a student comes back to a page through the navigation (which drops the
query), the session's own state wins and is written back to the URL. Every page
uses these two functions with its `core.settings.SettingsTable`; none parses its
URL by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import streamlit as st

from core.settings import Control, SettingsTable, Values, apply_to_state

Apply = Callable[[MutableMapping[str, Any], Values, list[str]], None]


def _url_values(names: tuple[str, ...]) -> dict[str, str]:
    return {name: st.query_params[name] for name in names if name in st.query_params}


def read_link(
    page: str,
    table: SettingsTable,
    prefix: str,
    apply: Apply | None = None,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """Apply the page's URL parameters to the session when they are new.

    Parameters
    ----------
    page : str
        The page's URL path, to keep pages apart in the session.
    table : SettingsTable
        The page's settings.
    prefix : str
        The page's session key prefix, for the default `apply`.
    apply : callable, optional
        ``apply(state, values, notices)`` puts the values into the session; by
        default each setting becomes ``"<prefix>.<name>"``.

    Returns
    -------
    bool
        Whether the link was applied (a first visit counts, with no parameters).
    """
    values = _url_values(table.keys)
    written = st.session_state.get(f"_url.{page}")
    if written is not None and (not values or values == written):
        return False
    settings, notices = table.from_query(values, context)
    if apply is None:
        apply_to_state(st.session_state, prefix, settings, notices)
    else:
        apply(st.session_state, settings, notices)
    return True


def write_link(page: str, table: SettingsTable, values: Mapping[str, Any]) -> None:
    """Put the page's settings in the URL, leaving out those at their default.

    Parameters
    ----------
    page : str
        The page's URL path.
    table : SettingsTable
        The page's settings.
    values : mapping
        Every setting by name.
    """
    query = table.to_query(values)
    for name in table.keys:
        if name in query:
            if st.query_params.get(name) != query[name]:
                st.query_params[name] = query[name]
        elif name in st.query_params:
            del st.query_params[name]
    st.session_state[f"_url.{page}"] = dict(query)


def browser_session() -> str:
    """Return the server's id of this browser session: the browser cannot choose it."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def session() -> MutableMapping[str, Any]:
    """Return the session's state, for the callbacks in `core` that change it."""
    return st.session_state


def control(prefix: str, name: str, spec: Control, where: Any = st, **extra: Any) -> Any:
    """Draw a declared control bound to the session key ``"<prefix>.<name>"``.

    Parameters
    ----------
    prefix : str
        The page's session key prefix.
    name : str
        The value's name.
    spec : Control
        The widget and its label, choices and range.
    where : optional
        The container to draw in (``st`` by default, or a column).
    **extra
        Further widget arguments, such as ``on_change`` and ``args``.

    Returns
    -------
    object
        The widget's value.
    """
    kwargs: dict[str, Any] = {"key": f"{prefix}.{name}", "persist_state": "session", **extra}
    if spec.help:
        kwargs["help"] = spec.help
    if spec.labels is not None:
        kwargs["format_func"] = spec.labels.get if isinstance(spec.labels, Mapping) else spec.labels
    if spec.widget in ("number_input", "slider"):
        kwargs.update(
            {
                k: v
                for k, v in (("min_value", spec.low), ("max_value", spec.high), ("step", spec.step))
                if v is not None
            }
        )
    if spec.widget == "radio":
        kwargs["horizontal"] = spec.horizontal
    widget = getattr(where, spec.widget)
    choosing = ("radio", "selectbox", "select_slider", "multiselect", "pills", "segmented_control")
    if spec.widget in choosing:
        return widget(spec.label, list(spec.options), **kwargs)
    return widget(spec.label, **kwargs)
