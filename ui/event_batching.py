"""Hand a script run's events to the event loop in bursts, not one wake-up each (Streamlit 1.67).

Every element a page draws is an event of its script runner, and Streamlit 1.67
schedules each one on the server's event loop with its own
``call_soon_threadsafe``: a write to the loop's wake-up socket, a wake-up of the
loop and a hand-over of the GIL between the script thread and the loop, about 60
times for one change of a logit on the softmax page. The loop then wakes its
sender for each message the same way, from its own thread.

`install` queues a session's runner events in order and schedules one call of
`handle_queued_events` for all the events that arrive before it runs; that call
hands each event to Streamlit's own handler, in order, as Streamlit would have.
A message enqueued on the loop's own thread wakes the sender directly.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from streamlit.runtime.app_session import AppSession
from streamlit.runtime.runtime import Runtime

QUEUED = "_softmax_lab_queued_events"
"""The AppSession attribute holding its runners' events on their way to the loop."""

_wake_sender_from_any_thread = Runtime._enqueued_some_message
_LOCK = threading.Lock()


@dataclass
class QueuedEvents:
    """A session's runner events not yet handled, and whether a call will handle them."""

    events: deque = field(default_factory=deque)
    scheduled: bool = False


def queue_event(session: Any, sender: Any, event: Any, **details: Any) -> None:
    """Queue a runner's event for the loop; schedule a call for it unless one is pending.

    Replaces ``AppSession._on_scriptrunner_event``, which the runner's signal calls
    from the script thread, with the event's details as keywords. Once the loop is
    closed (the server stops), the event is dropped, as Streamlit drops it.
    """
    if session._event_loop.is_closed():
        return
    with _LOCK:
        queued = session.__dict__.get(QUEUED)
        if queued is None:
            queued = QueuedEvents()
            setattr(session, QUEUED, queued)
        queued.events.append((sender, event, details))
        if queued.scheduled:
            return
        queued.scheduled = True
    try:
        session._call_soon_on_event_loop(lambda: handle_queued_events(session))
    except BaseException:
        with _LOCK:
            queued.scheduled = False
        raise


def handle_queued_events(session: Any) -> None:
    """Hand the session's queued events to Streamlit's handler, in order, on the loop.

    Only the events queued when the call starts are handled; later ones get a call
    of their own, after whatever else the loop has ready, as they would have one
    each before. An event whose handling fails is reported as asyncio reports a
    failing callback, and the next one is handled. Whatever escapes (an error of the
    report itself, a ``KeyboardInterrupt``) leaves the events not yet handled to a
    later call.
    """
    queued: QueuedEvents = getattr(session, QUEUED)
    with _LOCK:
        batch, queued.events = queued.events, deque()
    try:
        while batch:
            sender, event, details = batch.popleft()
            try:
                session._handle_scriptrunner_event_on_event_loop(sender, event, **details)
            except Exception as error:
                session._event_loop.call_exception_handler(
                    {
                        "message": f"Handling the script runner event {event} failed",
                        "exception": error,
                    }
                )
    finally:
        with _LOCK:
            batch.extend(queued.events)
            queued.events = batch
            more = queued.scheduled = bool(batch)
        if more:
            session._event_loop.call_soon(handle_queued_events, session)


def wake_sender(runtime: Runtime) -> None:
    """Tell the runtime's loop that messages wait; directly when called on that loop.

    Replaces ``Runtime._enqueued_some_message``, which every enqueued message calls.
    """
    objects = runtime._get_async_objs()
    try:
        on_loop = asyncio.get_running_loop() is objects.eventloop
    except RuntimeError:
        on_loop = False
    if on_loop:
        objects.need_send_data.set()
    else:
        _wake_sender_from_any_thread(runtime)


def install() -> None:
    """Make every Streamlit session of this process batch its runner events (idempotent).

    Call before the server starts: a session binds its handlers when it is created.
    """
    AppSession._on_scriptrunner_event = queue_event
    Runtime._enqueued_some_message = wake_sender
