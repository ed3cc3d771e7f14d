"""The servers `bench.element_floor` measures draw exactly what they claim, for real."""

import asyncio
from collections import Counter

import pytest

from bench.class_load import ACTIONS
from bench.element_floor import SERVERS, launcher_for
from bench.streamlit_client import StreamlitClient
from bench.students import local_server

DRAWN_AS = {
    "text": {"alert", "code", "heading", "html", "markdown", "metric"},
    "charts": {"plotly_chart", "imgs"},
}
"""The element types on the lesson pages that each kind of commands draws."""


async def _pages(url: str) -> dict[str, tuple[Counter, Counter, list[str]]]:
    found = {}
    for page in ACTIONS:
        async with StreamlitClient(url, timeout=120) as client:
            await client.open_page(page)
            elements = Counter(node.type for node in client.elements())
            blocks = Counter(node.type for node in client.nodes.values() if node.kind == "block")
            found[page] = (elements, blocks, client.exceptions())
    return found


@pytest.fixture(scope="module")
def full_pages() -> dict:
    with local_server() as (url, _):
        return asyncio.run(_pages(url))


@pytest.mark.parametrize("label", [label for label, kinds in SERVERS.items() if kinds])
def test_a_server_without_elements_keeps_every_widget_and_drops_only_those(full_pages, label):
    kinds = SERVERS[label]
    dropped = set().union(*(DRAWN_AS.get(kind, set()) for kind in kinds))
    with local_server(launcher=launcher_for(kinds)) as (url, _):
        pages = asyncio.run(_pages(url))
    for page, (elements, blocks, exceptions) in pages.items():
        full_elements, full_blocks, _ = full_pages[page]
        assert exceptions == [], page
        assert not dropped & set(elements), page
        assert dropped & set(full_elements), f"{page} draws none of {kinds} to drop"
        kept = {kind: n for kind, n in full_elements.items() if kind not in dropped}
        assert elements == Counter(kept), page
        assert blocks == (Counter() if "layout" in kinds else full_blocks), page
