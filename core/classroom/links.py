"""Page states a teacher sends to the class ("follow me"), and the class's own addresses."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from core.lesson import PAGE_SETTINGS, URL_PATHS, page_href

CLASS_PAGE = "pages/class.py"
"""The Class page's file (its address is ``URL_PATHS[CLASS_PAGE]``)."""
MAX_LINK_LENGTH = 2_000
"""Longest address a teacher may send; every state of every page fits well within."""


def page_state_from_link(text: str) -> tuple[str, dict[str, str]]:
    """Read the address of a lesson page into its page file and its settings.

    Parameters
    ----------
    text : str
        What the teacher pasted: a full address (``http://host:8501/softmax?z=1,2``),
        a path (``/softmax?z=1,2``) or a bare one (``softmax?z=1,2``).

    Returns
    -------
    page : str
        The lesson page file, such as ``"pages/softmax.py"``.
    query : dict
        Its settings as the page's own table writes them (shortest, defaults
        left out); parameters the page does not know are dropped.

    Raises
    ------
    ValueError
        For an address that is not one of the lesson pages, or with a setting
        the page cannot use (the page's own notice says which).
    """
    text = text.strip()
    if not text:
        raise ValueError("paste the address of a lesson page, such as /softmax?z=1000,0,-1000")
    if len(text) > MAX_LINK_LENGTH:
        raise ValueError(f"that address is {len(text):,} characters; a page's is far shorter")
    parts = urlsplit(text if "://" in text else "http://app/" + text.lstrip("/"))
    slug = parts.path.rstrip("/").rsplit("/", 1)[-1]
    pages = {path: page for page, path in URL_PATHS.items() if page in PAGE_SETTINGS}
    if slug not in pages:
        names = ", ".join(f"/{path}" for path in pages)
        raise ValueError(f"that is not a lesson page; send one of {names}")
    page = pages[slug]
    table = PAGE_SETTINGS[page]
    raw = {key: values[-1] for key, values in parse_qs(parts.query).items() if key in table.keys}
    # Students have only the default model: a model trained in the teacher's session is not theirs.
    values, notices = table.from_query(raw, {"available": ["default"]})
    if notices:
        raise ValueError(notices[0])
    return page, table.to_query(values)


def page_state_text(page: str, query: dict[str, str]) -> str:
    """Return a page state as the store keeps it: ``"softmax?z=1,2"`` (no host)."""
    return page_href(page, query).lstrip("/")


def join_link(base_url: str, code: str) -> str:
    """Return the address students open to join class `code`.

    Parameters
    ----------
    base_url : str
        The app's own address (``"http://10.0.0.5:8501"``), or ``""``.
    code : str
        The join code.

    Returns
    -------
    str
        ``"<base_url>/class?join=<code>"``.
    """
    return page_href(CLASS_PAGE, {"join": code}, base_url)
