"""Build the theme part of Streamlit's new-session message once, not on every rerun (1.67).

Every rerun starts with a new-session message, and Streamlit 1.67 fills its six
theme sections by walking every one of its ~200 configuration options for each
section: 0.43 ms of the event loop's time per rerun, a sixth of what a rerun of a
one-slider page costs the server in all. The theme options change only when the
configuration files are read again (``st.set_option`` refuses them), so `install`
keeps each section's message until then.
"""

from __future__ import annotations

from typing import Any

from streamlit import config
from streamlit.runtime import app_session

_populate_theme_message = app_session._populate_theme_msg
_SECTIONS: dict[str, Any] = {}
_watching: list[bool] = []


def populate_theme_message(message: Any, section: str = "theme") -> None:
    """Fill `message` with the theme options of `section`, as Streamlit does, from a copy.

    Replaces ``streamlit.runtime.app_session._populate_theme_msg``.
    """
    built = _SECTIONS.get(section)
    if built is None:
        built = type(message)()
        _populate_theme_message(built, section)
        _SECTIONS[section] = built
    message.CopyFrom(built)


def forget_theme_messages() -> None:
    """Drop the built sections: the configuration has been read again."""
    _SECTIONS.clear()


def install() -> None:
    """Make every new-session message of this process take its theme from the kept copy.

    Idempotent; the copies are dropped whenever Streamlit reads its configuration.
    """
    app_session._populate_theme_msg = populate_theme_message
    if not _watching:
        config.on_config_parsed(forget_theme_messages, force_connect=True)
        _watching.append(True)
