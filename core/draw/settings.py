"""The draw page's shareable setting: which model reads the drawing."""

from __future__ import annotations

from core.settings import Setting, SettingsTable, Values

DEFAULT_MODEL = "default"
"""The model trained on the embedded digits that ships in ``assets/``."""


def _parse_model(text: str, values: Values) -> str:
    if text not in values.get("available", ()):
        raise ValueError("that model is not available here")
    return text


SETTINGS = SettingsTable(
    (
        Setting(
            "model",
            "model",
            DEFAULT_MODEL,
            _parse_model,
            describe=lambda name: "the default model" if name == DEFAULT_MODEL else name,
        ),
    )
)
"""The draw page's URL: ``model``, one of the session's models (``context["available"]``)."""
