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
from streamlit.proto.NewSession_pb2 import CustomThemeConfig
from streamlit.runtime import app_session

_populate_theme_message = app_session._populate_theme_msg
_SECTIONS: dict[str, Any] = {}


def _build(section: str) -> Any:
    """Return Streamlit's message for `section`, or None where it leaves the section unset."""
    # Built into a field of a holder, whatever the section: whether Streamlit set the
    # field at all is what tells an unset section from one at its defaults.
    holder = CustomThemeConfig()
    _populate_theme_message(holder.light, section)
    return holder.light if holder.HasField("light") else None


def populate_theme_message(message: Any, section: str = "theme") -> None:
    """Fill `message` with the theme options of `section` as Streamlit does, from a kept copy.

    Replaces ``streamlit.runtime.app_session._populate_theme_msg``. A section
    without options stays unset, as Streamlit leaves it: the browser then keeps
    its own light, dark and system themes.
    """
    # Under the configuration's lock: a re-read on the file watcher's thread clears the
    # copies while holding it, so no copy built from the old options outlives it.
    with config._config_lock:
        if section not in _SECTIONS:
            _SECTIONS[section] = _build(section)
        built = _SECTIONS[section]
    if built is not None:
        message.SetInParent()
        message.MergeFrom(built)


def forget_theme_messages() -> None:
    """Drop the built sections: the configuration has been read again."""
    _SECTIONS.clear()


def install() -> None:
    """Make every new-session message of this process take its theme from the kept copy.

    Idempotent; the copies are dropped whenever Streamlit reads its configuration.
    """
    if app_session._populate_theme_msg is populate_theme_message:
        return
    app_session._populate_theme_msg = populate_theme_message
    config.on_config_parsed(forget_theme_messages, force_connect=True)
