"""The lesson path: the app's experiences in teaching order, each with its key cases.

Every lesson card on the home page opens its page, and offers one-click links to
the cases a teacher shows in class. A case is data: a label, a page and the
values of that page's settings; its URL parameters come from the page's own
`core.settings.SettingsTable`, never from hand-written query strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from core.draw.settings import SETTINGS as DRAW_SETTINGS
from core.floats.cancellation import course_example
from core.floats.settings import SETTINGS as FLOATS_SETTINGS
from core.numerics.limits import exp_overflow_threshold
from core.settings import SettingsTable
from core.softmax.settings import SETTINGS as SOFTMAX_SETTINGS
from core.training.settings import PRESETS as TRAIN_PRESETS
from core.training.settings import SETTINGS as TRAIN_SETTINGS

PAGE_SETTINGS: dict[str, SettingsTable] = {
    "pages/softmax.py": SOFTMAX_SETTINGS,
    "pages/floats.py": FLOATS_SETTINGS,
    "pages/train.py": TRAIN_SETTINGS,
    "pages/draw.py": DRAW_SETTINGS,
}
"""Each page file's URL settings."""

URL_PATHS: dict[str, str] = {
    "pages/softmax.py": "softmax",
    "pages/floats.py": "floats",
    "pages/train.py": "train",
    "pages/draw.py": "draw",
    "pages/teach.py": "teach",
    "pages/class.py": "class",
}
"""Each page file's URL path (``/softmax``), as ``app.py`` registers it; the home page is ``/``."""


def page_href(page: str, query: Mapping[str, str] | None = None, base_url: str = "") -> str:
    """Return the link that opens a page, optionally in a state, as the browser writes it.

    Parameters
    ----------
    page : str
        A page file, a key of `URL_PATHS`.
    query : mapping, optional
        URL parameters, such as a `CaseLink.query` or ``{"q": "naive-far"}``.
    base_url : str, optional
        The app's address, such as ``"https://lab.example.org"`` (a trailing
        ``/`` is dropped); empty for a link relative to the app's host.

    Returns
    -------
    str
        ``"<base_url>/softmax?z=1000,0,-1000&y=2"`` (commas kept, for a readable
        link); no ``?`` without parameters.
    """
    href = f"{base_url.rstrip('/')}/{URL_PATHS[page]}"
    return f"{href}?{urlencode(dict(query), safe=',')}" if query else href


def app_base_url(page_url: str | None, page: str) -> str | None:
    """Return the app's own address from the address of one of its pages.

    Parameters
    ----------
    page_url : str or None
        The address the browser shows for `page` (Streamlit's ``st.context.url``),
        such as ``"https://lab.example.org/course/teach"``; None when unknown.
    page : str
        The page file it shows, a key of `URL_PATHS`.

    Returns
    -------
    str or None
        ``"https://lab.example.org/course"``: the address without the page's
        path, its query and fragment or a trailing ``/``; None when `page_url`
        is unknown or not an http(s) address.
    """
    if not page_url:
        return None
    parts = urlsplit(page_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path.rstrip("/").removesuffix(f"/{URL_PATHS[page]}").rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True)
class CaseLink:
    """A one-click link to a key case of a lesson.

    Attributes
    ----------
    label : str
        What the link shows, built from `values`.
    page : str
        The page file it opens (a key of `PAGE_SETTINGS`).
    values : mapping
        Settings of that page by name; the others stay at their defaults.
    """

    label: str
    page: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> dict[str, Any]:
        """Every setting of the page: `values` over the page's defaults."""
        return PAGE_SETTINGS[self.page].complete(self.values)

    @property
    def query(self) -> dict[str, str]:
        """The URL parameters, from the page's `SettingsTable.to_query`."""
        return PAGE_SETTINGS[self.page].to_query(self.settings)


@dataclass(frozen=True)
class Lesson:
    """One experience on the lesson path.

    Attributes
    ----------
    number : int
        Position in the lesson order.
    title : str
        Short title.
    teaches : str
        One sentence on what it teaches.
    page : str
        The page file that implements it.
    cases : tuple of CaseLink
        Its key cases, in the order a teacher shows them.
    """

    number: int
    title: str
    teaches: str
    page: str
    cases: tuple[CaseLink, ...] = ()


def _logits_text(logits: tuple[float, ...]) -> str:
    return ", ".join(f"{z:g}" for z in logits)


def _softmax_cases() -> tuple[CaseLink, ...]:
    far = (1000.0, 0.0, -1000.0)
    far_class = 2
    small = (12.0, 0.0, -12.0)
    half = "float16"
    return (
        CaseLink(
            f"z = {_logits_text(far)}, true class {far_class}: the naive softmax gives nan, "
            "the loss from logits stays exact",
            "pages/softmax.py",
            {"z": far, "y": far_class},
        ),
        CaseLink(
            f"z = {_logits_text(small)} in {half}: exp({small[0]:g}) overflows above "
            f"{exp_overflow_threshold(half):.2f}",
            "pages/softmax.py",
            {"z": small, "dtype": half},
        ),
    )


def _floats_cases() -> tuple[CaseLink, ...]:
    x1, x2 = course_example()
    # repr: the shortest text that reads back as the very double the expression gives
    # (the course's 18 decimals, 0.000199999999999978, read back as another one).
    largest_half = "65504"
    return (
        CaseLink(
            f"{x2.expression} = {x2.value!r}, bit by bit",
            "pages/floats.py",
            {"x": repr(x2.value), "dtype": "float64"},
        ),
        CaseLink(
            f"{x1.expression} = {x1.value!r}, bit by bit: not stored exactly",
            "pages/floats.py",
            {"x": x1.expression, "dtype": "float64"},
        ),
        CaseLink(
            f"{largest_half}: float16's largest value, next to inf",
            "pages/floats.py",
            {"x": largest_half, "dtype": "float16"},
        ),
    )


def _train_cases() -> tuple[CaseLink, ...]:
    cases = []
    for key, promise in (
        ("push", "B (hand-written softmax) dies of nan, C (from logits) keeps training"),
        ("quick", "all four variants, A to D, from the same start"),
    ):
        preset = next(p for p in TRAIN_PRESETS if p.key == key)
        values = {name: getattr(preset.config, name) for name in TRAIN_SETTINGS.by_name}
        cases.append(CaseLink(f"{preset.label}: {promise}", "pages/train.py", values))
    return tuple(cases)


def _draw_cases() -> tuple[CaseLink, ...]:
    return (
        CaseLink(
            "Draw a digit for the course network: its ten logits and probabilities",
            "pages/draw.py",
        ),
    )


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "Softmax & cross-entropy",
        f"Push logits past {exp_overflow_threshold('float32'):.2f} and watch the naive "
        "softmax turn into `nan` while the max-shifted one, and the loss computed from "
        "logits, stay exact.",
        "pages/softmax.py",
        _softmax_cases(),
    ),
    Lesson(
        2,
        "Floating-point round-off",
        "See why `(1 + 1/10000) - (1 - 1/10000)` prints `0.000199999999999978`: take numbers "
        "apart bit by bit, watch the gaps between them grow, and meet the limits that make "
        "`exp` overflow.",
        "pages/floats.py",
        _floats_cases(),
    ),
    Lesson(
        3,
        "Train the network",
        "Train the course's 25-15-10 network live and watch a hand-written softmax die of "
        "`nan` while the same network with `from_logits=True` keeps learning.",
        "pages/train.py",
        _train_cases(),
    ),
    Lesson(
        4,
        "Draw a digit",
        "Draw a digit and see exactly what the network sees, its ten logits and the "
        "probabilities the stable softmax makes of them.",
        "pages/draw.py",
        _draw_cases(),
    ),
)
