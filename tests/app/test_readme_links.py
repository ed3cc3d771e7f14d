"""Every link the README shows opens its page in that state, with no notice."""

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from core.questions.bank import question_by_id
from core.questions.progress import LINK_KEY
from tests.app.helpers import open_app_page, texts

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"softmax": "pages/softmax.py", "floats": "pages/floats.py", "train": "pages/train.py"}


def readme_links() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"`/(\w+)\?([^`.]+)`", text)
    # The parameter examples of the lesson-path table, each on its own page.
    links += [("softmax", q) for q in re.findall(r"`(z=[^`]+)`", text)]
    return [(page, query) for page, query in links if page in PAGES]


@pytest.mark.parametrize(("page", "query"), readme_links())
def test_a_readme_link_opens_its_state(page, query):
    params = dict(parse_qsl(query))
    at = open_app_page(PAGES[page], **params)
    assert not at.exception
    notices = [w for w in at.warning if w.icon == ":material/link_off:"]
    assert not notices, texts(notices)
    for name, value in params.items():
        if name == LINK_KEY:
            # A question link is read once: the question is ready, the URL lets it go.
            assert question_by_id(value).prompt in texts(at.markdown)
            assert LINK_KEY not in at.query_params
        else:
            assert at.query_params[name] == value


def test_the_readme_has_links_to_check():
    assert len(readme_links()) >= 2
