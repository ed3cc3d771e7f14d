"""The draw page's session state: the chosen models, as plain functions.

Keys are ``"dr.<name>"``: ``models`` (the chosen model names, first one linked)
and ``notices``; the session's trained and uploaded models are under
``"models"``, shared with the train page.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from core.draw.settings import DEFAULT_MODEL

State = MutableMapping[str, Any]

PREFIX = "dr"


def apply_settings(state: State, values: Mapping[str, Any], notices: list[str]) -> None:
    """Choose the linked model."""
    state[f"{PREFIX}.models"] = [values["model"]]
    state[f"{PREFIX}.notices"] = list(notices)


def keep_available(state: State, available: list[str]) -> list[str]:
    """Drop chosen models the session no longer has; keep at least the default."""
    chosen = [name for name in state.get(f"{PREFIX}.models", []) if name in available]
    state[f"{PREFIX}.models"] = chosen or [DEFAULT_MODEL]
    return state[f"{PREFIX}.models"]


def current_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """Return the page's setting as it stands, for its URL: the first chosen model."""
    return {"model": state[f"{PREFIX}.models"][0]}
