"""ui.event_batching: a runner's events reach Streamlit's handler in order, in few loop calls."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.runtime import Runtime

from ui import event_batching


class Session(SimpleNamespace):
    """The parts of an AppSession the batching uses: its loop, the loop call, the handler."""


def session_on(loop: asyncio.AbstractEventLoop, handled: list, fail_on: object = None) -> Session:
    session = Session(_event_loop=loop, calls=0)

    def call_soon(callback):
        session.calls += 1
        loop.call_soon_threadsafe(callback)

    def handle(sender, event, **details):
        if event is fail_on:
            raise ValueError(f"cannot handle {event}")
        handled.append((sender, event, details))

    session._call_soon_on_event_loop = call_soon
    session._handle_scriptrunner_event_on_event_loop = handle
    return session


def run(loop: asyncio.AbstractEventLoop, coroutine) -> None:
    """Run `loop` until `coroutine` ends, on a thread of its own, as the server's loop runs:
    this thread may hold a loop already (Playwright's, when the browser tests ran first)."""
    failures: list[BaseException] = []

    def on_its_thread() -> None:
        try:
            loop.run_until_complete(coroutine)
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=on_its_thread)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def run_until(loop: asyncio.AbstractEventLoop, done, timeout: float = 10.0) -> None:
    async def wait() -> None:
        deadline = loop.time() + timeout
        while not done():
            assert loop.time() < deadline, "the events were not all handled in time"
            await asyncio.sleep(0.001)

    run(loop, wait())


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_a_burst_from_the_script_thread_is_one_loop_call_and_keeps_order_and_details(loop):
    handled: list = []
    session = session_on(loop, handled)
    runner = object()

    def script_thread() -> None:
        for i in range(100):
            event_batching.queue_event(session, runner, f"element {i}", forward_msg=i)

    thread = threading.Thread(target=script_thread)
    thread.start()
    thread.join()
    run_until(loop, lambda: len(handled) == 100)
    assert session.calls == 1
    assert handled == [(runner, f"element {i}", {"forward_msg": i}) for i in range(100)]
    # The next event after the call has run schedules a call of its own.
    event_batching.queue_event(session, runner, "next")
    run_until(loop, lambda: len(handled) == 101)
    assert session.calls == 2


def test_a_failing_event_is_reported_and_the_following_ones_are_still_handled(loop):
    handled: list = []
    reported: list = []
    loop.set_exception_handler(lambda _, context: reported.append(context["exception"]))
    session = session_on(loop, handled, fail_on="bad")
    for event in ("first", "bad", "third"):
        event_batching.queue_event(session, None, event)
    run_until(loop, lambda: len(handled) == 2)
    assert [event for _, event, _ in handled] == ["first", "third"]
    assert [str(error) for error in reported] == ["cannot handle bad"]
    event_batching.queue_event(session, None, "later")
    run_until(loop, lambda: len(handled) == 3)


def test_events_queued_while_a_call_runs_wait_for_what_the_loop_has_ready_meanwhile(loop):
    order: list = []
    session = session_on(loop, order)
    handle = session._handle_scriptrunner_event_on_event_loop

    def handle_and_meanwhile(sender, event, **details):
        handle(sender, event, **details)
        if event == "a":
            # The script thread draws on, and a browser request is ready on the loop.
            event_batching.queue_event(session, sender, "b")
            loop.call_soon(order.append, "browser request")

    session._handle_scriptrunner_event_on_event_loop = handle_and_meanwhile
    event_batching.queue_event(session, None, "a")
    run_until(loop, lambda: len(order) == 3)
    assert [item if isinstance(item, str) else item[1] for item in order] == [
        "a",
        "browser request",
        "b",
    ]
    assert session.calls == 1


def test_an_event_whose_call_cannot_be_scheduled_goes_with_the_next_call(loop):
    handled: list = []
    session = session_on(loop, handled)
    schedule = session._call_soon_on_event_loop

    def failing(callback):
        raise RuntimeError("cannot schedule")

    session._call_soon_on_event_loop = failing
    with pytest.raises(RuntimeError):
        event_batching.queue_event(session, None, "first")
    session._call_soon_on_event_loop = schedule
    event_batching.queue_event(session, None, "next")
    run_until(loop, lambda: len(handled) == 2)
    assert [event for _, event, _ in handled] == ["first", "next"]


def test_once_the_loop_is_closed_events_are_dropped_not_kept(loop):
    handled: list = []
    session = session_on(loop, handled)
    loop.close()
    for i in range(3):
        event_batching.queue_event(session, None, i)
    assert session.calls == 0
    assert not getattr(session, event_batching.QUEUED, event_batching.QueuedEvents()).events


def test_an_interrupt_while_handling_leaves_the_events_not_yet_handled_to_a_later_call(loop):
    handled: list = []
    session = session_on(loop, handled)
    handle = session._handle_scriptrunner_event_on_event_loop

    def interrupted_once(sender, event, **details):
        if event == "interrupted" and "interrupted" not in [e for _, e, _ in handled]:
            handled.append((sender, event, details))
            raise KeyboardInterrupt
        handle(sender, event, **details)

    session._handle_scriptrunner_event_on_event_loop = interrupted_once
    for event in ("first", "interrupted", "third", "fourth"):
        event_batching.queue_event(session, None, event)
    with pytest.raises(KeyboardInterrupt):
        run_until(loop, lambda: len(handled) == 4)
    run_until(loop, lambda: len(handled) == 4)
    assert [event for _, event, _ in handled] == ["first", "interrupted", "third", "fourth"]


def test_many_runners_of_many_sessions_at_once_lose_nothing_and_keep_each_runners_order(loop):
    handled = {name: [] for name in ("a", "b")}
    sessions = {name: session_on(loop, handled[name]) for name in handled}
    per_runner = 400

    def script_thread(name: str, runner: int) -> None:
        for i in range(per_runner):
            event_batching.queue_event(sessions[name], runner, i)

    threads = [
        threading.Thread(target=script_thread, args=(name, runner))
        for name in sessions
        for runner in range(3)
    ]

    async def meanwhile() -> None:
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            await asyncio.sleep(0)

    run(loop, meanwhile())
    run_until(loop, lambda: all(len(h) == 3 * per_runner for h in handled.values()))
    for name, events in handled.items():
        for runner in range(3):
            assert [i for r, i, _ in events if r == runner] == list(range(per_runner))
        assert sessions[name].calls < 3 * per_runner


def async_objects(loop: asyncio.AbstractEventLoop) -> SimpleNamespace:
    return SimpleNamespace(eventloop=loop, need_send_data=asyncio.Event(), pipe_writes=0)


def runtime_on(objects: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(_get_async_objs=lambda: objects)


def test_a_message_enqueued_on_the_loop_wakes_the_sender_without_the_pipe(loop, monkeypatch):
    objects = async_objects(loop)
    writes = []
    monkeypatch.setattr(loop, "call_soon_threadsafe", lambda *args: writes.append(args))

    async def on_the_loop() -> None:
        event_batching.wake_sender(runtime_on(objects))

    run(loop, on_the_loop())
    assert objects.need_send_data.is_set() and writes == []


def test_a_message_enqueued_on_another_thread_wakes_the_sender_through_the_loop(loop):
    objects = async_objects(loop)
    thread = threading.Thread(target=event_batching.wake_sender, args=(runtime_on(objects),))
    thread.start()
    thread.join()
    assert not objects.need_send_data.is_set()
    run_until(loop, objects.need_send_data.is_set)


def test_install_replaces_streamlits_handlers_and_can_be_called_twice(monkeypatch):
    monkeypatch.setattr(AppSession, "_on_scriptrunner_event", AppSession._on_scriptrunner_event)
    monkeypatch.setattr(Runtime, "_enqueued_some_message", Runtime._enqueued_some_message)
    event_batching.install()
    event_batching.install()
    assert AppSession._on_scriptrunner_event is event_batching.queue_event
    assert Runtime._enqueued_some_message is event_batching.wake_sender
