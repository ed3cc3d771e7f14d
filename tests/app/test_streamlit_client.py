"""bench.streamlit_client against a real `streamlit run app.py`: pages, widgets, fragments.

The server is the browser tests' `Server` (instantiated here: the fixtures in
tests/browser are for Playwright tests); no browser is started.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.streamlit_client import (
    PageNotFoundError,
    ScriptError,
    StreamlitClient,
)
from tests.browser.conftest import ROOT, Server

DEFAULT_NAIVE = "0.41703007"  # the naive loss of the default logits 2, 1, 0.1 in float32
NAIVE = "Naive −log(p_y) (float32)"
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    srv = Server()
    yield srv
    srv.stop()


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def test_open_softmax_shows_its_title_and_losses(server: Server) -> None:
    async def scenario() -> None:
        async with StreamlitClient(server.url, timeout=TIMEOUT) as client:
            result = await client.open_page("softmax")
            assert result.status == "finished"
            assert result.latency > 0 and result.messages > 10
            assert client.session_id
            assert client.pages["softmax"] == client.page_script_hash
            assert client.has_text("Softmax & cross-entropy")
            assert client.metrics()[NAIVE] == DEFAULT_NAIVE
            assert client.widget("sm.text").widget_id.endswith("-sm.text")
            with pytest.raises(KeyError, match=r"no widget with key 'sm\.nope'"):
                client.widget("sm.nope")

    run(scenario())


def test_query_string_opens_those_logits(server: Server) -> None:
    async def scenario() -> None:
        async with StreamlitClient(server.url, timeout=TIMEOUT) as client:
            await client.open_page("softmax?z=1000,0,-1000&y=2")
            assert client.metrics()[NAIVE] in ("nan", "inf")
            assert "z=1000" in client.query_string  # the app's own URL, as it wrote it

    run(scenario())


def test_typed_logits_make_the_naive_loss_nan(server: Server) -> None:
    async def scenario() -> None:
        async with StreamlitClient(server.url, timeout=TIMEOUT) as client:
            await client.open_page("softmax")
            result = await client.set_widget("sm.text", "1000, 999, 998")
            # The logits box is inside the page's results fragment: only that reruns.
            assert result.status == "fragment_finished" and result.fragment_ids
            assert client.metrics()[NAIVE] == "nan"
            assert client.has_text("nan")
            # The app wrote the logits to the URL; the next rerun keeps them.
            assert "z=" in client.query_string
            await client.rerun()
            assert client.metrics()[NAIVE] == "nan"
            assert len(client.history) == 3

    run(scenario())


def test_three_clients_have_independent_sessions(server: Server) -> None:
    async def scenario() -> None:
        clients = [StreamlitClient(server.url, timeout=TIMEOUT) for _ in range(3)]
        await asyncio.gather(*(c.connect() for c in clients))
        try:
            await asyncio.gather(*(c.open_page("softmax") for c in clients))
            typing, *others = clients
            await asyncio.gather(
                typing.set_widget("sm.text", "1000, 999, 998"),
                *(c.rerun() for c in others),
            )
            assert len({c.session_id for c in clients}) == 3
            assert typing.metrics()[NAIVE] == "nan"
            for other in others:
                assert other.metrics()[NAIVE] == DEFAULT_NAIVE
                assert "z=" not in other.query_string
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    run(scenario())


def test_a_widget_in_a_fragment_reruns_only_the_fragment(server: Server) -> None:
    async def scenario() -> None:
        async with StreamlitClient(server.url, timeout=TIMEOUT, quickack=True) as client:
            await client.open_page("floats")
            slider = client.widget("fl.n")  # a select_slider inside @st.fragment
            fragment = slider.fragment_id
            assert fragment and fragment in client.fragment_ids
            # cancellation_growth, the number, its gaps inside it, and the gallery
            assert len(client.fragment_ids) == 4
            table = (*slider.path[:-1], 2)  # the fragment's cancellation table
            before = client.nodes[table].text
            outside = {p: n.run_id for p, n in client.nodes.items() if not n.fragment_id}

            result = await client.set_widget("fl.n", len(slider.value.options) - 1)
            assert result.status == "fragment_finished"
            assert result.fragment_ids == [fragment]
            assert client.nodes[table].text != before
            assert client.nodes[table].run_id == result.script_run_id
            # Nothing outside the fragment was sent again, and nothing was dropped.
            assert {p: n.run_id for p, n in client.nodes.items() if not n.fragment_id} == outside

            gallery = client.widget("fl.gallery").fragment_id
            timer = await client.rerun_fragment(gallery, auto=True)  # what run_every does
            assert timer.status == "fragment_finished"
            assert timer.fragment_ids == [gallery]
            assert client.has_text("Classic cancellations and their cures")
            assert client.has_text("Floating-point round-off")

    run(scenario())


def test_an_unknown_page_is_an_error(server: Server) -> None:
    async def scenario() -> None:
        async with StreamlitClient(server.url, timeout=TIMEOUT) as client:
            with pytest.raises(PageNotFoundError, match="no-such-page"):
                await client.open_page("no-such-page")

    run(scenario())


def test_an_exception_element_raises_with_its_message() -> None:
    # Protocol-level: the messages a failing run sends, fed to the client's reader.
    async def scenario() -> None:
        client = StreamlitClient("http://127.0.0.1:1")  # never connects

        async def send(payload: bytes) -> None:
            start = ForwardMsg()
            start.new_session.page_script_hash = "p"
            start.metadata.run.script_run_id = "run-1"
            delta = ForwardMsg()
            delta.metadata.delta_path[:] = [0, 0]
            delta.delta.new_element.CopyFrom(
                Element(exception={"type": "ZeroDivisionError", "message": "division by zero"})
            )
            end = ForwardMsg(script_finished=ForwardMsg.FINISHED_SUCCESSFULLY)
            end.metadata.run.script_run_id = "run-1"
            for msg in (start, delta, end):
                client._handle(msg)

        client._ws = type("FakeSocket", (), {"send": staticmethod(send)})()  # type: ignore[assignment]
        with pytest.raises(ScriptError, match="ZeroDivisionError: division by zero"):
            await client.rerun()

    run(scenario())


def test_a_class_opening_every_page_at_once_on_a_cold_server_sees_no_error() -> None:
    # Each page's first run used to import NumPy, pandas and Plotly in its own script
    # thread; some threads got a half-imported module and their student an error page.
    from bench.class_load import page_of

    cold = Server()
    try:

        async def student(index: int) -> list[str]:
            async with StreamlitClient(cold.url, timeout=TIMEOUT) as client:
                await client.open_page(page_of(index))
                return client.exceptions()

        async def scenario() -> list[list[str]]:
            return await asyncio.gather(*(student(i) for i in range(10)))

        assert run(scenario()) == [[]] * 10
    finally:
        cold.stop()
