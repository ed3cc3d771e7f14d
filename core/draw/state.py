"""The draw page's session state and texts: the chosen models, the canvas, what to say.

Keys are ``"dr.<name>"``: ``models`` (the chosen model names, first one linked),
``notices`` and ``canvas_round`` (how many times the drawing was cleared); the
session's trained and uploaded models are under ``"models"``, shared with the
train page.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from core.draw.preprocess import EMPTY_MESSAGE, PreprocessResult
from core.draw.settings import DEFAULT_MODEL

State = MutableMapping[str, Any]

PREFIX = "dr"
CANVAS_ROUND = f"{PREFIX}.canvas_round"

NO_PHOTO_MESSAGE = "No photo yet: upload a PNG or JPEG picture of one handwritten digit."
BAD_FILE_MESSAGE = "Nothing to read yet: the message under the upload box says what to change."
NO_DIGIT_MESSAGE = "The photo shows no digit: upload a picture of one handwritten digit."
PHOTO_DOT_MESSAGE = "The photo shows only a dot: upload a picture of a whole digit."


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


def canvas_key(state: Mapping[str, Any]) -> str:
    """Return the canvas's widget key: a new one after each `on_clear`, so a new canvas."""
    return f"{PREFIX}.canvas.{state.get(CANVAS_ROUND, 0)}"


def on_clear(state: State) -> None:
    """Clear the drawing (the "Clear the drawing" button): the canvas gets a new key."""
    state[CANVAS_ROUND] = state.get(CANVAS_ROUND, 0) + 1


def answer_title(model_name: str, top: int, share: float) -> str:
    """Return what a model says about the drawing.

    Parameters
    ----------
    model_name : str
        The model's name in the session (`DEFAULT_MODEL` for the shipped one).
    top : int
        The digit it ranks first.
    share : float
        Its probability, 0 to 1.

    Returns
    -------
    str
        Such as ``"Default model: it says 1 (97.3%)"``.
    """
    who = "Default model" if model_name == DEFAULT_MODEL else model_name
    return f"{who}: it says {top} ({share:.1%})"


def waiting_message(drawing: bool, seen: PreprocessResult | None, upload_failed: bool) -> str:
    """Return why there is no answer yet, for the place where it will appear.

    Parameters
    ----------
    drawing : bool
        The input is the canvas (False: an uploaded photo).
    seen : PreprocessResult or None
        The preprocessed input, None when there is none.
    upload_failed : bool
        An uploaded file could not be read (its own message says why).

    Returns
    -------
    str
        For the canvas, the preprocessing's message (empty canvas, a dot); for
        an upload, what is missing in a photo's words: never "the canvas".
    """
    if drawing:
        return seen.message if seen is not None and seen.message else EMPTY_MESSAGE
    if upload_failed:
        return BAD_FILE_MESSAGE
    if seen is None:
        return NO_PHOTO_MESSAGE
    return PHOTO_DOT_MESSAGE if seen.dot else NO_DIGIT_MESSAGE
