"""A headless Streamlit client that speaks the browser's websocket protocol.

One `StreamlitClient` is one browser tab: its own websocket to ``/_stcore/stream``,
its own server session, the same protobuf messages the frontend sends (`BackMsg`
with a `ClientState` carrying the query string, the page, the widget states and,
for a fragment rerun, the fragment's id), and a model of what the frontend would
show, built from the `ForwardMsg` deltas it receives. It is light enough to run
dozens in one process (see `bench.students`), where a real browser page each
would not fit on a small machine.

Usage, against a server started with ``streamlit run app.py``::

    import asyncio
    from bench.streamlit_client import StreamlitClient

    async def main() -> None:
        async with StreamlitClient("http://127.0.0.1:8501") as client:
            run = await client.open_page("softmax?z=1,2,3")
            print(run.latency, client.metrics())
            run = await client.set_widget("sm.text", "1000, 999, 998")
            print(run.latency, client.has_text("nan"))
            fragment = client.widget("fl.n").fragment_id  # after open_page("floats")

    asyncio.run(main())

What the protocol looks like (Streamlit 1.67, verified against its server and its
frontend bundle):

- Opening a page: the frontend's first ``rerun_script`` carries
  ``page_script_hash=""`` and ``page_name`` = the URL path relative to the app
  (``"softmax"``; ``""`` for the default page); `st.navigation` resolves it against
  each page's ``url_path``. Later reruns carry the ``page_script_hash`` of the
  page being shown, which the server sends in ``new_session.page_script_hash``.
- Every rerun carries the query string (without ``?``); the app may change it
  with `st.query_params`, which reaches the client as ``page_info_changed``, and
  the next rerun sends the changed one, like the browser's address bar.
- Widget ids are ``"$$ID-<md5>-<user key>"`` (``"None"`` for a widget without a
  key): `widget` finds a widget by the part after the second ``-``.
- Radio, selectbox and select_slider values travel as their formatted option
  strings (``string_value``, ``string_array_value``), not indices; number inputs
  as ``int_value`` or ``double_value`` by their ``data_type``; sliders as
  ``double_array_value``; buttons as a one-shot ``trigger_value``.
- A widget inside an `st.fragment` reruns only its fragment: its deltas carry
  the fragment's id (``Delta.fragment_id``), and the frontend sends that id as
  ``ClientState.fragment_id``; the run then ends with
  ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY``. A ``run_every`` fragment makes the
  server send ``auto_rerun`` (interval, fragment id), and the browser then sends
  that fragment rerun with ``is_auto_rerun=True`` on a timer: `auto_reruns`
  keeps them, `rerun_fragment(..., auto=True)` sends one.
- Every run starts with ``new_session`` (its ``metadata.run`` names the run and
  the fragments it runs) and ends with ``script_finished``; a run interrupted by
  a newer rerun (``st.rerun``, or a rerun request) ends with
  ``FINISHED_EARLY_FOR_RERUN`` and another run follows, so an interaction is
  over at the first other status after a ``new_session`` that came after it was
  sent. When a run ends, elements it (or, for a fragment run, its fragments)
  did not send again are stale and dropped, as the frontend does.

Limits: this client never reports cached message hashes, so the server sends
every message in full (no ``ref_hash``); widgets inside `st.form`, file uploaders
(beyond asking for upload addresses, `upload_urls`), chat input and custom components
are not supported; it sends only the widget
values it set itself (the server keeps the others: its session state retains
each widget's last value), and forgets a value the app overrode (an element
arriving with ``set_value``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from google.protobuf.message import Message
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

__all__ = [
    "Node",
    "PageNotFoundError",
    "ProtocolError",
    "RunResult",
    "ScriptError",
    "StreamlitClient",
    "StreamlitClientError",
]

STREAM_PATH = "/_stcore/stream"
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "finished",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment_finished",
}
"""The ``script_finished`` statuses that end an interaction, by the name `RunResult` uses."""

# Element types whose text `StreamlitClient.texts` reads, and the field that holds it.
_TEXT_FIELDS = {
    "markdown": "body",
    "text": "body",
    "alert": "body",
    "heading": "body",
    "code": "code_text",
    "exception": "message",
    "html": "body",
}
_CHOICE_WIDGETS = ("radio", "selectbox")


class StreamlitClientError(Exception):
    """Base class of the errors this client raises."""


class ScriptError(StreamlitClientError):
    """The app's script raised: the run's deltas held an exception element."""


class PageNotFoundError(StreamlitClientError):
    """The server did not find the requested page and ran the default one."""


class ProtocolError(StreamlitClientError):
    """The server sent something this client cannot follow (or closed the socket)."""


@dataclass
class Node:
    """One element or block of the page, as the frontend's tree holds it.

    Attributes
    ----------
    path : tuple of int
        The delta path: the root container (0 main, 1 sidebar, 2 event, 3 bottom)
        then the index in each block.
    kind : str
        ``"element"`` or ``"block"``.
    type : str
        The element's or block's type (the name of the set ``oneof`` field, such
        as ``"markdown"``, ``"text_input"`` or ``"flex_container"``).
    proto : Message
        The `Element` or `Block` protobuf.
    fragment_id : str
        The fragment that sent it (empty outside fragments).
    run_id : str
        The script run that last sent it.
    """

    path: tuple[int, ...]
    kind: str
    type: str
    proto: Message
    fragment_id: str
    run_id: str

    @property
    def value(self) -> Any:
        """The typed protobuf inside the element (``Element.markdown``, ...)."""
        return getattr(self.proto, self.type)

    @property
    def widget_id(self) -> str:
        """The element's widget id, or ``""`` for an element that is no widget."""
        if self.kind != "element":
            return ""
        inner = self.value
        return inner.id if "id" in inner.DESCRIPTOR.fields_by_name else ""

    @property
    def user_key(self) -> str | None:
        """The user ``key`` embedded in the widget id (``"$$ID-<hash>-<key>"``)."""
        wid = self.widget_id
        if not wid.startswith("$$ID-"):
            return None
        key = wid.split("-", maxsplit=2)[-1]
        return None if key == "None" else key

    @property
    def text(self) -> str:
        """The element's visible text: body, heading, metric label and value, widget label."""
        if self.kind != "element":
            return ""
        inner = self.value
        if self.type in _TEXT_FIELDS:
            return getattr(inner, _TEXT_FIELDS[self.type])
        if self.type == "metric":
            return f"{inner.label}\n{inner.body}"
        if "label" in inner.DESCRIPTOR.fields_by_name:
            return inner.label
        return ""


@dataclass
class RunResult:
    """How one interaction went: from sending the `BackMsg` to its ``script_finished``.

    Attributes
    ----------
    action : str
        What was done, such as ``"open softmax"`` or ``"set sm.text"``.
    status : str
        ``"finished"``, ``"fragment_finished"`` or ``"compile_error"``.
    latency : float
        Seconds from sending the request to receiving ``script_finished``.
    script_run_id : str
        The id of the run that finished.
    fragment_ids : list of str
        The fragments the run ran (empty for a full run).
    runs : int
        Script runs it took (more than 1 when the app called `st.rerun`).
    messages : int
        `ForwardMsg` messages received meanwhile.
    bytes : int
        Their size on the wire (after websocket decompression).
    """

    action: str
    status: str
    latency: float
    script_run_id: str
    fragment_ids: list[str]
    runs: int
    messages: int
    bytes: int


@dataclass
class _Pending:
    action: str
    sent: float
    runs_at_send: int
    messages_at_send: int
    bytes_at_send: int
    future: asyncio.Future[RunResult]
    not_found: str | None = None
    errors: list[str] = field(default_factory=list)


class StreamlitClient:
    """One simulated browser tab on a running Streamlit server.

    Parameters
    ----------
    url : str
        The app's address, such as ``"http://127.0.0.1:8501"`` (a base path such
        as ``http://host/app`` is kept).
    timeout : float, optional
        Seconds any interaction may take before `asyncio.TimeoutError`.
    raise_on_exception : bool, optional
        Raise `ScriptError` when a run shows an exception element (the default);
        otherwise the run returns and the exception is only in `texts`.
    compression : bool, optional
        Negotiate permessage-deflate, as browsers do (the default).
    headers : mapping, optional
        Extra headers of the websocket handshake, such as a cookie that pins this
        client to one server behind a proxy (``{"Cookie": "softmax_lab_server=s2"}``).
    quickack : bool, optional
        Acknowledge every TCP segment at once (``TCP_QUICKACK``, Linux). Off by
        default, like a browser. On this machine's loopback, the server's
        messages after ``new_session`` waited for the client's delayed ACK,
        about 40 ms per interaction (a floats fragment rerun: about 48 ms
        without, 14 ms with): turn it on to time the server's work alone.

    Notes
    -----
    Use it as an async context manager, or call `connect` and `close`. One
    interaction at a time: each method sends one `BackMsg` and waits for its
    run to finish. A background task reads every `ForwardMsg`.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        raise_on_exception: bool = True,
        compression: bool = True,
        quickack: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.base_path = parts.path.rstrip("/")
        self.http_url = f"{parts.scheme}://{parts.netloc}{self.base_path}"
        self.ws_url = f"{scheme}://{parts.netloc}{self.base_path}{STREAM_PATH}"
        self.timeout = timeout
        self.raise_on_exception = raise_on_exception
        self.compression = compression
        self.quickack = quickack and hasattr(socket, "TCP_QUICKACK")
        self.headers = dict(headers or {})
        self.response_headers: dict[str, str] = {}
        """The headers of the server's (or proxy's) handshake response."""
        self._file_urls: dict[str, asyncio.Future[list[tuple[str, str]]]] = {}
        self._socket: socket.socket | None = None
        self.nodes: dict[tuple[int, ...], Node] = {}
        """The page's elements and blocks by delta path."""
        self.session_id = ""
        """The server's id for this session (from the first ``new_session``)."""
        self.page_script_hash = ""
        """The page being shown, as the server named it in ``new_session``."""
        self.page_name = ""
        """The URL path last opened with `open_page`."""
        self.query_string = ""
        """The query string the next rerun sends (without ``?``)."""
        self.pages: dict[str, str] = {}
        """The navigation's pages: URL path (``""`` for the default) to page script hash."""
        self.auto_reruns: dict[str, float] = {}
        self._timers_this_run: set[str] = set()
        """Fragments with ``run_every``: fragment id to interval in seconds."""
        self.history: list[RunResult] = []
        """Every finished interaction, oldest first."""
        self.widget_states: dict[str, WidgetState] = {}
        """The widget values this client set, by widget id; sent with every rerun."""
        self.run_id = ""
        self.run_fragment_ids: list[str] = []
        self.runs_started = 0
        self.messages_received = 0
        self.bytes_received = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: _Pending | None = None
        self._closed_error: BaseException | None = None

    # ----- connection -----

    async def connect(self) -> None:
        """Open the websocket; the server creates this client's session."""
        self._ws = await connect(
            self.ws_url,
            # The frontend sends its subprotocol "streamlit" (then an XSRF token and a
            # previous session id to resume, both left out here: a new session).
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            compression="deflate" if self.compression else None,
            open_timeout=self.timeout,
            additional_headers=self.headers or None,
        )
        if self._ws.response is not None:
            self.response_headers = dict(self._ws.response.headers.raw_items())
        self._socket = self._ws.transport.get_extra_info("socket")
        self._reader = asyncio.create_task(self._read(), name=f"streamlit-client {self.ws_url}")

    async def close(self) -> None:
        """Close the websocket: the server ends the session."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._ws = None
        self._reader = None

    async def __aenter__(self) -> StreamlitClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----- interactions -----

    async def upload_urls(
        self, names: list[str], *, timeout: float | None = None
    ) -> list[tuple[str, str]]:
        """Ask for upload addresses, as a file uploader does before it sends its files.

        Parameters
        ----------
        names : list of str
            The files' names.

        Returns
        -------
        list of (str, str)
            Per file, its id and the URL to ``PUT`` it to (relative to the app, such as
            ``/_stcore/upload_file/<session>/<file id>``), valid in this session only.
        """
        if self._ws is None:
            raise ProtocolError("not connected: call connect() or use `async with`")
        msg = BackMsg()
        request = msg.file_urls_request
        request.request_id = f"upload-{len(self._file_urls) + 1}"
        request.file_names[:] = names
        request.session_id = self.session_id
        future: asyncio.Future[list[tuple[str, str]]] = asyncio.get_running_loop().create_future()
        self._file_urls[request.request_id] = future
        await self._ws.send(msg.SerializeToString())
        async with asyncio.timeout(timeout or self.timeout):
            return await future

    async def open_page(self, page: str = "", *, timeout: float | None = None) -> RunResult:
        """Open a page, as typing its address would, and wait until its run finished.

        Parameters
        ----------
        page : str
            The URL path relative to the app with an optional query string, such
            as ``"softmax?z=1,2,3"``; ``""`` for the default page.
        timeout : float, optional
            Seconds to wait; the client's `timeout` by default.

        Returns
        -------
        RunResult
            The run, with its latency.

        Raises
        ------
        PageNotFoundError
            The app has no page at that path (the server ran its default page).
        ScriptError
            The page raised.
        """
        path, _, query = page.strip("/").partition("?")
        self.page_name = path
        self.query_string = query
        self.page_script_hash = ""
        # A new page: the frontend clears the old page's elements and widget values.
        self.nodes.clear()
        self.widget_states.clear()
        self.auto_reruns.clear()
        state = self._client_state()
        state.page_name = path
        state.page_script_hash = ""
        return await self._send_rerun(state, f"open {page}", timeout)

    async def rerun(self, *, timeout: float | None = None) -> RunResult:
        """Rerun the whole page with the current widget values (the "R" key)."""
        return await self._send_rerun(self._client_state(), "rerun", timeout)

    async def rerun_fragment(
        self, fragment_id: str, *, auto: bool = False, timeout: float | None = None
    ) -> RunResult:
        """Rerun one fragment, as a widget inside it or a ``run_every`` timer does.

        Parameters
        ----------
        fragment_id : str
            One of `fragment_ids` (or a key of `auto_reruns`).
        auto : bool, optional
            Mark it an automatic rerun (``is_auto_rerun``), as the browser's
            ``run_every`` timer does.
        timeout : float, optional
            Seconds to wait; the client's `timeout` by default.

        Returns
        -------
        RunResult
            The fragment run (``status == "fragment_finished"``).

        Notes
        -----
        The server silently ignores the id of a fragment that no longer exists (a
        full run since removed it): the wait then ends in a timeout.
        """
        state = self._client_state()
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        action = f"{'auto ' if auto else ''}fragment {fragment_id[:8]}"
        return await self._send_rerun(state, action, timeout)

    async def set_widget(
        self, key: str, value: Any = None, *, timeout: float | None = None
    ) -> RunResult:
        """Give a widget a value and rerun, as the browser does when a student uses it.

        Parameters
        ----------
        key : str
            The widget's user ``key``.
        value : object
            By widget type: ``str`` for text_input and text_area; a number for
            number_input; ``bool`` for checkbox (and toggle); the option's
            **index** (``int``) for radio, selectbox and select_slider; a number
            or a ``(low, high)`` pair for slider; the JSON text a custom component
            sends (a drawing on the canvas); ignored for button (a click, see
            `click`).
        timeout : float, optional
            Seconds to wait; the client's `timeout` by default.

        Returns
        -------
        RunResult
            The rerun: a fragment run when the widget is inside a fragment.

        Raises
        ------
        KeyError
            No widget on the page has that key.
        TypeError
            The widget type is not supported.
        """
        node = self.widget(key)
        state = self._widget_state(node, value)
        if node.type != "button":
            self.widget_states[state.id] = state
        client_state = self._client_state()
        if node.type == "button":
            client_state.widget_states.widgets.append(state)
        # A widget inside a fragment reruns only its fragment, as in the browser.
        client_state.fragment_id = node.fragment_id
        return await self._send_rerun(client_state, f"set {key}", timeout)

    async def click(self, key: str, *, timeout: float | None = None) -> RunResult:
        """Click the button with this ``key`` and wait for the rerun."""
        node = self.widget(key)
        if node.type != "button":
            raise TypeError(f"widget {key!r} is a {node.type}, not a button")
        return await self.set_widget(key, timeout=timeout)

    # ----- what is on screen -----

    def elements(self, type: str | None = None) -> list[Node]:
        """Return the page's elements in page order, optionally only one type.

        Parameters
        ----------
        type : str, optional
            Such as ``"markdown"``, ``"metric"`` or ``"text_input"``.
        """
        return [
            node
            for _, node in sorted(self.nodes.items())
            if node.kind == "element" and (type is None or node.type == type)
        ]

    def widget(self, key: str) -> Node:
        """Return the widget whose user ``key`` is `key`.

        Raises
        ------
        KeyError
            No widget on the page has that key.
        """
        for node in self.elements():
            if node.user_key == key:
                return node
        keys = sorted(k for n in self.elements() if (k := n.user_key))
        raise KeyError(f"no widget with key {key!r} on the page; keys: {keys}")

    def texts(self) -> list[str]:
        """Return the text of every element (markdown, text, alerts, headings, code, metrics...)."""
        return [text for node in self.elements() if (text := node.text)]

    def has_text(self, needle: str) -> bool:
        """Return whether any element's text contains `needle`."""
        return any(needle in text for text in self.texts())

    def metrics(self) -> dict[str, str]:
        """Return the page's metrics: label to displayed value."""
        return {n.value.label: n.value.body for n in self.elements("metric")}

    def exceptions(self) -> list[str]:
        """Return the messages of the exception elements on the page (not warnings)."""
        return [
            f"{n.value.type}: {n.value.message}"
            for n in self.elements("exception")
            if not n.value.is_warning
        ]

    @property
    def fragment_ids(self) -> list[str]:
        """The ids of the page's fragments, in page order."""
        seen = dict.fromkeys(n.fragment_id for _, n in sorted(self.nodes.items()) if n.fragment_id)
        return list(seen)

    # ----- protocol -----

    def _client_state(self) -> ClientState:
        state = ClientState()
        state.query_string = self.query_string
        if self.page_script_hash:
            state.page_script_hash = self.page_script_hash
        else:
            state.page_name = self.page_name
        state.widget_states.widgets.extend(self.widget_states.values())
        info = state.context_info
        info.timezone = "UTC"
        info.timezone_offset = 0
        info.locale = "en-US"
        path = f"/{self.page_name}" if self.page_name else "/"
        info.url = f"{self.http_url}{path}" + (f"?{self.query_string}" if self.query_string else "")
        info.is_embedded = False
        info.color_scheme = "light"
        return state

    def _widget_state(self, node: Node, value: Any) -> WidgetState:
        state = WidgetState(id=node.widget_id)
        inner = node.value
        kind = node.type
        if kind in ("text_input", "text_area"):
            state.string_value = str(value)
        elif kind == "number_input":
            if inner.data_type == NumberInput.INT:
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        elif kind == "checkbox":
            state.bool_value = bool(value)
        elif kind in _CHOICE_WIDGETS:
            state.string_value = inner.options[_index(value, inner.options, node)]
        elif kind == "slider" and inner.type == Slider.SELECT_SLIDER:
            state.string_array_value.data.append(inner.options[_index(value, inner.options, node)])
        elif kind == "slider":
            values = value if isinstance(value, tuple | list) else [value]
            state.double_array_value.data.extend(float(v) for v in values)
        elif kind == "button":
            state.trigger_value = True
        elif kind == "bidi_component":
            state.json_value = str(value)
        else:
            raise TypeError(f"setting a {kind} ({node.user_key!r}) is not supported")
        return state

    async def _send_rerun(
        self, state: ClientState, action: str, timeout: float | None
    ) -> RunResult:
        if self._ws is None:
            raise ProtocolError("not connected: call connect() or use `async with`")
        if self._pending is not None:
            raise StreamlitClientError("one interaction at a time: the last one is still running")
        if self._closed_error is not None:
            raise ProtocolError(f"connection lost: {self._closed_error}")
        msg = BackMsg()
        msg.rerun_script.CopyFrom(state)
        future: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()
        payload = msg.SerializeToString()
        self._pending = _Pending(
            action,
            time.perf_counter(),
            self.runs_started,
            self.messages_received,
            self.bytes_received,
            future,
        )
        try:
            self._quickack()
            await self._ws.send(payload)
            async with asyncio.timeout(timeout or self.timeout):
                result = await future
        except TimeoutError:
            raise TimeoutError(
                f"{action}: no script_finished within {timeout or self.timeout} s "
                f"(runs started since sending: {self.runs_started - self._pending.runs_at_send})"
            ) from None
        finally:
            self._pending = None
        self.history.append(result)
        return result

    def _quickack(self) -> None:
        # Linux leaves quick-ACK mode on its own: set it again after every read.
        if self.quickack and self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    raise ProtocolError("the server sent a text frame")
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.messages_received += 1
                self.bytes_received += len(data)
                self._quickack()
                self._handle(msg)
        except Exception as exc:
            self._closed_error = exc
            if self._pending is not None and not self._pending.future.done():
                self._pending.future.set_exception(exc)
            return
        self._closed_error = ProtocolError("the server closed the websocket")
        if self._pending is not None and not self._pending.future.done():
            self._pending.future.set_exception(self._closed_error)

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "delta":
            self._apply_delta(msg)
        elif kind == "new_session":
            self._on_new_session(msg)
        elif kind == "script_finished":
            self._on_script_finished(msg)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_script_hash = msg.navigation.page_script_hash or self.page_script_hash
        elif kind == "page_not_found":
            if self._pending is not None:
                self._pending.not_found = msg.page_not_found.page_name or self.page_name
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            self._timers_this_run.add(msg.auto_rerun.fragment_id)
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fid, None)
        elif kind == "session_event":
            event = msg.session_event
            if event.WhichOneof("type") == "script_compilation_exception":
                exc = event.script_compilation_exception
                if self._pending is not None:
                    self._pending.errors.append(f"{exc.type}: {exc.message}")
        elif kind == "file_urls_response":
            response = msg.file_urls_response
            future = self._file_urls.get(response.response_id)
            if future is not None and not future.done():
                future.set_result([(u.file_id, u.upload_url) for u in response.file_urls])
        elif kind == "ref_hash":
            raise ProtocolError("the server sent a ref_hash: this client caches no messages")

    def _on_new_session(self, msg: ForwardMsg) -> None:
        new = msg.new_session
        if new.HasField("initialize") and not self.session_id:
            self.session_id = new.initialize.session_id
        self.page_script_hash = new.page_script_hash
        self.run_id = msg.metadata.run.script_run_id
        self.run_fragment_ids = list(msg.metadata.run.fragment_ids)
        if not self.run_fragment_ids:
            # A full run declares every timer again; one it does not declare has gone.
            self._timers_this_run = set()
        self.runs_started += 1

    def _apply_delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        kind = delta.WhichOneof("type")
        if kind not in ("new_element", "add_block"):
            return  # new_transient: spinners and toasts, drawn beside the tree
        path = tuple(msg.metadata.delta_path)
        proto = delta.new_element if kind == "new_element" else delta.add_block
        node_type = proto.WhichOneof("type") or ""
        node_kind = "element" if kind == "new_element" else "block"
        old = self.nodes.get(path)
        if old is not None and (node_kind == "element" or old.kind == "element"):
            # An element replacing a block drops the block's children.
            for other in [p for p in self.nodes if len(p) > len(path) and p[: len(path)] == path]:
                del self.nodes[other]
        node = Node(path, node_kind, node_type, proto, delta.fragment_id, self.run_id)
        self.nodes[path] = node
        if node_kind == "element" and node.widget_id in self.widget_states:
            inner = node.value
            if "set_value" in inner.DESCRIPTOR.fields_by_name and inner.set_value:
                # The app set this widget's value (session state): the browser takes it.
                del self.widget_states[node.widget_id]

    def _on_script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return  # another run follows
        run_id = msg.metadata.run.script_run_id or self.run_id
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            fragments = set(msg.metadata.run.fragment_ids or self.run_fragment_ids)
            stale = [
                p
                for p, n in self.nodes.items()
                if n.fragment_id in fragments and n.run_id != run_id
            ]
        else:
            stale = [p for p, n in self.nodes.items() if n.run_id != run_id]
        for path in stale:
            del self.nodes[path]
        if status == ForwardMsg.FINISHED_SUCCESSFULLY:
            # A fragment timer the full run did not declare again belongs to a fragment
            # that is gone (or moved and got a new id): the browser stops it.
            for fid in [f for f in self.auto_reruns if f not in self._timers_this_run]:
                del self.auto_reruns[fid]
            # The frontend forgets the values of widgets no longer on the page.
            active = {n.widget_id for n in self.nodes.values() if n.kind == "element"}
            for wid in [w for w in self.widget_states if w not in active]:
                del self.widget_states[wid]
        pending = self._pending
        if pending is None or pending.future.done() or self.runs_started <= pending.runs_at_send:
            return  # a run that began before the request (or nobody is waiting)
        result = RunResult(
            action=pending.action,
            status=FINISHED.get(status, str(status)),
            latency=time.perf_counter() - pending.sent,
            script_run_id=run_id,
            fragment_ids=list(msg.metadata.run.fragment_ids),
            runs=self.runs_started - pending.runs_at_send,
            messages=self.messages_received - pending.messages_at_send,
            bytes=self.bytes_received - pending.bytes_at_send,
        )
        shown = [
            f"{n.value.type}: {n.value.message}"
            for n in self.elements("exception")
            if n.run_id == run_id and not n.value.is_warning
        ]
        errors = pending.errors + (shown if self.raise_on_exception else [])
        if errors:
            pending.future.set_exception(ScriptError(f"{pending.action}: " + "; ".join(errors)))
        elif pending.not_found is not None:
            pending.future.set_exception(
                PageNotFoundError(f"{pending.action}: no page {pending.not_found!r}")
            )
        else:
            pending.future.set_result(result)


def _index(value: Any, options: Any, node: Node) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{node.type} {node.user_key!r} takes an option index, not {value!r}")
    if not 0 <= value < len(options):
        raise IndexError(f"{node.user_key!r} has {len(options)} options; no index {value}")
    return value
