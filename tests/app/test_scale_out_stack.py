"""Scale-out: the real stack of `scripts/lab serve` (scripts/serve.py): Redis, two
`streamlit run app.py` servers and nginx in front with cookie-sticky sessions.

Checked through the proxy: health, where requests land (a fresh client gets a server and
its cookie; a client with a cookie always lands on its server), a websocket session on
each server (bench/streamlit_client.py), an upload that works on its session's server
and is refused by the other (why stickiness matters), and a class started on one server
and joined, polled and answered from the other (the class store is shared in Redis).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from bench.streamlit_client import StreamlitClient
from core.questions.bank import question_bank
from scripts.serve import COOKIE, HEADER, Stack, start_stack

TIMEOUT = 60.0
CODE = re.compile(r'<div class="cl-code">([A-Z0-9]+)</div>')


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    running = start_stack(2, port=0, host="127.0.0.1", run=tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()
    # Everything it started has stopped.
    assert all(p.poll() is not None for p in running.processes.values())
    assert running.redis.process.poll() is not None


def pinned(name: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={name}"}


def header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


async def wait_for(predicate: Callable[[], bool], poll, what: str, timeout: float = TIMEOUT):
    """Call `poll` (a coroutine function) until `predicate()` holds, with a deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        await poll()
        await asyncio.sleep(0.1)


async def poll_page(client: StreamlitClient) -> None:
    # What a browser's `run_every` timers do: rerun the page's timed fragments.
    for fragment in list(client.auto_reruns):
        await client.rerun_fragment(fragment, auto=True)


def test_health_through_the_proxy_names_its_server(stack):
    assert len(stack.server_pids) == 2 and stack.server_names == ["s1", "s2"]
    assert stack.redis_url.startswith("redis://127.0.0.1:")
    response = requests.get(f"{stack.url}/_stcore/health", timeout=10)
    assert response.status_code == 200 and response.text == "ok"
    assert response.headers[HEADER] in ("s1", "s2")


def test_fresh_clients_spread_and_a_cookie_keeps_its_server(stack):
    # Each fresh client (no cookie) gets a server and a cookie naming it; in turns, the
    # two servers both get clients.
    landed = []
    for _ in range(6):
        with requests.Session() as browser:
            first = browser.get(f"{stack.url}/", timeout=10)
            assert first.status_code == 200
            server = first.headers[HEADER]
            assert browser.cookies[COOKIE] == server
            # Its later requests, cookie and all, stay there: page, assets, health.
            for path in ("/", "/_stcore/health", "/_stcore/host-config", "/softmax"):
                assert browser.get(f"{stack.url}{path}", timeout=10).headers[HEADER] == server
            landed.append(server)
    assert set(landed) == {"s1", "s2"}
    # A client that asks for a server gets it, every time.
    for name in ("s1", "s2", "s1"):
        for _ in range(3):
            response = requests.get(f"{stack.url}/", headers=pinned(name), timeout=10)
            assert response.headers[HEADER] == name
    # A cookie naming no server is treated as none, and replaced.
    response = requests.get(f"{stack.url}/", headers=pinned("s9"), timeout=10)
    assert response.cookies[COOKIE] == response.headers[HEADER] in ("s1", "s2")


@pytest.mark.parametrize("name", ["s1", "s2"])
def test_a_websocket_session_works_through_the_proxy(stack, name):
    async def scenario() -> None:
        # As a browser sends it: the cookie, and the page's own origin.
        headers = {**pinned(name), "Origin": stack.url}
        async with StreamlitClient(stack.url, timeout=TIMEOUT, headers=headers) as client:
            assert header(client.response_headers, HEADER) == name
            result = await client.open_page("softmax?z=1000,0,-1000&y=2")
            assert result.status == "finished"
            assert client.has_text("Softmax & cross-entropy")
            assert client.metrics()["Naive −log(p_y) (float32)"] in ("nan", "inf")
            await client.set_widget("sm.text", "1000, 999, 998")
            assert client.metrics()["Naive −log(p_y) (float32)"] == "nan"

    asyncio.run(scenario())


def test_an_upload_reaches_its_sessions_server_and_only_that_one(stack):
    async def scenario() -> None:
        async with StreamlitClient(stack.url, timeout=TIMEOUT, headers=pinned("s2")) as client:
            await client.open_page("draw")
            ((_, upload_url),) = await client.upload_urls(["digit.png"])
            assert client.session_id in upload_url
            with requests.Session() as browser:
                browser.cookies.set(COOKIE, "s2")
                # The page's first request, where Streamlit sets its XSRF cookie.
                browser.get(f"{stack.url}/_stcore/health", timeout=10)
                token = browser.cookies["_streamlit_xsrf"]

                def put(server: str, size: int = 2048) -> requests.Response:
                    browser.cookies.set(COOKIE, server)
                    return browser.put(
                        f"{stack.url}{upload_url}",
                        headers={"X-Xsrftoken": token},
                        files={"file": ("digit.png", b"\x89PNG\r\n\x1a\n" + b"0" * size)},
                        timeout=30,
                    )

                done = put("s2")
                assert done.status_code in (200, 204), done.text
                assert done.headers[HEADER] == "s2"
                # The other server knows neither the session nor its files.
                elsewhere = put("s1")
                assert elsewhere.status_code == 400 and elsewhere.headers[HEADER] == "s1"
                # Just over Streamlit's limit (server.maxUploadSize, 20 MB): refused by
                # Streamlit itself, the proxy lets it through (its own 1 MB default would not).
                big = put("s2", 20 * 2**20 + 4096)
                assert big.status_code == 413 and big.headers.get(HEADER) == "s2"

    asyncio.run(scenario())


def test_a_class_started_on_one_server_runs_with_students_on_the_other(stack):
    question = question_bank()[0]

    async def scenario() -> None:
        teacher = StreamlitClient(stack.url, timeout=TIMEOUT, headers=pinned("s1"))
        student = StreamlitClient(stack.url, timeout=TIMEOUT, headers=pinned("s2"))
        await teacher.connect()
        await student.connect()
        try:
            assert header(teacher.response_headers, HEADER) == "s1"
            assert header(student.response_headers, HEADER) == "s2"
            await teacher.open_page("class")
            await teacher.click("cl.start")
            code = next(m.group(1) for t in teacher.texts() if (m := CODE.search(t)))

            await student.open_page(f"class?join={code}")
            assert student.has_text("Waiting for your teacher's first question")
            await wait_for(
                lambda: teacher.has_text("**1** student joined"),
                lambda: poll_page(teacher),
                "the projector to count the student",
            )

            await teacher.click("cl.open")
            await wait_for(
                lambda: student.has_text(question.prompt),
                lambda: poll_page(student),
                "the question on the student's page",
            )
            await student.set_widget("cl.answer.1", question.answer)
            await student.click("cl.send")
            await wait_for(
                lambda: teacher.has_text("**1** of 1 answered in round 1."),
                lambda: poll_page(teacher),
                "the answer on the projector",
            )
        finally:
            await teacher.close()
            await student.close()

    asyncio.run(scenario())


def test_a_stopped_servers_browsers_move_to_another(stack):
    # Last in this module: it stops s1.
    stack.processes["server-s1"].terminate()
    stack.processes["server-s1"].wait(30)
    for _ in range(3):
        response = requests.get(f"{stack.url}/", headers=pinned("s1"), timeout=10)
        assert response.status_code == 200
        assert response.headers[HEADER] == "s2" == response.cookies[COOKIE]
