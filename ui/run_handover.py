"""Keep a finished run's output when the browser's next request overtakes it (Streamlit 1.67).

A session's script runner ends once it has no request left. Its events (the run's
start, every element it drew, its end) reach the server's event loop a moment
later. When the browser's next request reaches that loop first, which a page that
polls every second does often on a busy server, Streamlit finds the runner
stopped, starts a new one at once, and from then on ignores the old runner's
events as coming from a "non-current ScriptRunner": the browser never receives
what the finished run drew. A student's answer was stored but never confirmed on
screen; a page that missed a whole run stopped polling and no longer followed its
class. Traced with five students answering ten rounds beside two CPU burners:
10 to 46 messages dropped in 3 of 4 runs, and an answer never shown; none with
`install` in 8 runs.

`install` makes the session wait: a request that arrives in that window is held
(several are merged as Streamlit merges them) and starts its runner once the old
runner's last event has been handled, so the finished run's output is sent first.
A request for a whole new run still cancels a running one at once, as before
(``runner.fastReruns``): what it cancels, it redraws. So does any request after
the browser's Stop button stopped the runner: its script may still be busy
before it reaches the point where it stops, and its output is not wanted.
"""

from __future__ import annotations

import logging
from typing import Any

from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.scriptrunner import ScriptRunnerEvent
from streamlit.runtime.scriptrunner_utils.script_requests import (
    RerunData,
    ScriptRequests,
    ScriptRequestType,
)

HELD = "_softmax_lab_held_requests"
"""The AppSession attribute holding the requests that wait for the old runner."""
STOPPED = "_softmax_lab_stopped_runner"
"""The AppSession attribute naming the runner the browser's Stop button stopped."""

_LOGGER = logging.getLogger(__name__)

_create_runner = AppSession._create_scriptrunner
_handle_event = AppSession._handle_scriptrunner_event_on_event_loop
_request_stop = AppSession.request_script_stop


def _merged(held: ScriptRequests) -> RerunData:
    request = held.on_scriptrunner_ready()
    assert request.type == ScriptRequestType.RERUN and request.rerun_data is not None
    return request.rerun_data


def create_runner_after_the_old_one(session: Any, rerun_data: RerunData) -> None:
    """Start a runner for `rerun_data`, or hold it while the old runner's events are on their way.

    Streamlit calls this when the session has no runner (the first run, or a whole
    rerun that cancelled the old one) and when its runner refused the request: it had
    ended, or the browser's Stop button had stopped it. Only an ended runner's
    requests are held.
    """
    held = getattr(session, HELD, None)
    if held is None:
        held = ScriptRequests()
    held.request_rerun(rerun_data)
    old = session._scriptrunner
    if old is not None and old is not getattr(session, STOPPED, None):
        setattr(session, HELD, held)
        return
    setattr(session, HELD, None)
    _create_runner(session, _merged(held))


def handle_event_then_start_held(
    session: Any, sender: Any, event: ScriptRunnerEvent, *args: Any, **kwargs: Any
) -> None:
    """Handle a runner's event as Streamlit does; after the last one, start what was held."""
    if event != ScriptRunnerEvent.SHUTDOWN:
        _handle_event(session, sender, event, *args, **kwargs)
        return
    last = sender is session._scriptrunner
    _handle_event(session, sender, event, *args, **kwargs)
    if sender is getattr(session, STOPPED, None):
        setattr(session, STOPPED, None)
    held = getattr(session, HELD, None)
    if last and held is not None and session._scriptrunner is None:
        setattr(session, HELD, None)
        if session._state != AppSessionState.SHUTDOWN_REQUESTED:
            start_held_requests(session, held)


def start_held_requests(session: Any, held: ScriptRequests) -> None:
    """Start a runner for the held requests; if that fails, show it as Streamlit would.

    Streamlit starts a runner while it handles the browser's request, and a failure
    there replaces the page with the error; a held request starts here instead,
    where an error would only reach the server's log and the request would be lost
    without a word on the page.
    """
    try:
        _create_runner(session, _merged(held))
    except Exception as error:
        _LOGGER.exception("Starting the held script run failed")
        session.handle_backmsg_exception(error)


def note_stopped_runner(session: Any) -> None:
    """Stop the session's runner as Streamlit does (the Stop button), noting which it was."""
    setattr(session, STOPPED, session._scriptrunner)
    _request_stop(session)


def install() -> None:
    """Make every Streamlit session of this process hand runs over in order (idempotent)."""
    AppSession._create_scriptrunner = create_runner_after_the_old_one
    AppSession._handle_scriptrunner_event_on_event_loop = handle_event_then_start_held
    AppSession.request_script_stop = note_stopped_runner
