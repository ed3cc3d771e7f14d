"""Open app pages in Streamlit's AppTest."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.unit.helpers import wait_for

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_app_page(page: str | None = None, timeout: float = 30, **query: str) -> AppTest:
    """Run the app (optionally on a page file, with URL query parameters)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def run_until(at: AppTest, predicate, timeout: float = 120) -> None:
    """Rerun the app until `predicate(at)` holds; fail on an exception or after `timeout` s."""

    def rerun_and_check() -> bool:
        at.run()
        assert not at.exception, at.exception
        return predicate(at)

    assert predicate(at) or wait_for(rerun_and_check, timeout, interval=0.4), "timed out"


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def texts(elements) -> str:
    """The elements' text as a student reads it: Markdown's backslash escapes resolved."""
    return " ".join(_ESCAPED.sub(r"\1", str(e.value)) for e in elements)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}
