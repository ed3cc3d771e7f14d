"""Every request a page makes goes to the app's own server: nothing external, works offline."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page, wait_idle

pytestmark = pytest.mark.browser

PAGES = {
    "": "Lesson path",
    "softmax": "1 · Softmax & cross-entropy",
    "floats": "2 · Floating-point round-off",
    "train": "3 · Train the network",
    "draw": "4 · Draw a digit",
}


def foreign(urls: list[str], port: int) -> list[str]:
    """Return the URLs that leave the app's server (data: and blob: URLs stay in the page)."""
    own = {("127.0.0.1", port), ("localhost", port)}
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).hostname, urlsplit(url).port) not in own
    ]


def test_foreign_finds_other_hosts_and_ports():
    urls = [
        "http://127.0.0.1:8000/_stcore/health",
        "ws://localhost:8000/_stcore/stream",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "https://fonts.gstatic.com/s/i/x.svg",
        "http://127.0.0.1:9000/",
    ]
    assert foreign(urls, 8000) == urls[3:]


def test_no_request_leaves_the_app(page, server):
    urls: list[str] = []
    page.context.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda socket: urls.append(socket.url))
    # A full load of every page, as from a link.
    for path in PAGES:
        open_page(page, server, path)
    # Presentation mode on, every page through the sidebar, then off again.
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Presentation mode").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile("present=1"))
    for path, title in PAGES.items():
        sidebar.get_by_role("link", name=title).click()
        expect(page).to_have_url(re.compile(rf"/{path}\?present=1"))
        wait_idle(page)
    sidebar.get_by_text("Presentation mode").click()
    expect(page).not_to_have_url(re.compile("present"))
    wait_idle(page)
    # The favicon is ours, sent inline (assets/favicon.svg).
    icon = page.locator("link[rel='shortcut icon']")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/svg\+xml"))
    assert any(urlsplit(u).port == server.port for u in urls), "no request was recorded"
    assert not foreign(urls, server.port), sorted(set(foreign(urls, server.port)))
