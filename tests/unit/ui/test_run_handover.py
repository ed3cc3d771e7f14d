"""ui.run_handover: a request that overtakes a finished run's output waits for it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.scriptrunner import ScriptRunnerEvent
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

from ui import run_handover


class Session(SimpleNamespace):
    """The parts of an AppSession the hand-over reads: its runner and its state."""


@pytest.fixture
def started(monkeypatch) -> list[RerunData]:
    """Runners started, by their first request; Streamlit's own event handling reduced to
    what the hand-over relies on (a current runner's SHUTDOWN clears it)."""
    runs: list[RerunData] = []

    def create(session, rerun_data):
        session._scriptrunner = object()
        runs.append(rerun_data)

    def handle(session, sender, event, *args, **kwargs):
        if event == ScriptRunnerEvent.SHUTDOWN and sender is session._scriptrunner:
            session._scriptrunner = None

    monkeypatch.setattr(run_handover, "_create_runner", create)
    monkeypatch.setattr(run_handover, "_handle_event", handle)
    return runs


def session_with_runner() -> tuple[Session, object]:
    ended = object()
    return Session(_scriptrunner=ended, _state=AppSessionState.APP_NOT_RUNNING), ended


def click(fragment: str, button: str) -> RerunData:
    states = WidgetStates(widgets=[WidgetState(id=button, trigger_value=True)])
    return RerunData(fragment_id=fragment, widget_states=states)


def poll(fragment: str) -> RerunData:
    return RerunData(fragment_id=fragment, is_auto_rerun=True, widget_states=WidgetStates())


def triggers(data: RerunData) -> list[str]:
    return [w.id for w in data.widget_states.widgets if w.trigger_value]


def test_with_no_runner_a_request_starts_one_at_once(started):
    session = Session(_scriptrunner=None, _state=AppSessionState.APP_NOT_RUNNING)
    run_handover.create_runner_after_the_old_one(session, click("answer", "send"))
    assert len(started) == 1 and triggers(started[0]) == ["send"]


def test_requests_wait_for_the_ended_runner_and_start_as_one_after_its_last_event(started):
    # The poll and a click arrive while the ended runner's events are still on their way.
    session, ended = session_with_runner()
    run_handover.create_runner_after_the_old_one(session, click("answer", "send"))
    run_handover.create_runner_after_the_old_one(session, poll("watch"))
    assert started == [] and session._scriptrunner is ended
    # Its events are all handled while it is still the session's runner, then the held
    # requests start one runner: both fragments, the click's trigger kept.
    run_handover.handle_event_then_start_held(session, ended, ScriptRunnerEvent.SCRIPT_STARTED)
    assert started == []
    run_handover.handle_event_then_start_held(session, ended, ScriptRunnerEvent.SHUTDOWN)
    assert len(started) == 1
    assert started[0].fragment_id_queue == ["answer", "watch"]
    assert triggers(started[0]) == ["send"]
    assert getattr(session, run_handover.HELD) is None


def test_a_whole_rerun_starts_at_once_and_takes_the_held_requests_with_it(started):
    # fastReruns: Streamlit stops the old runner, forgets it, and asks for a new one.
    session, _ = session_with_runner()
    run_handover.create_runner_after_the_old_one(session, click("answer", "send"))
    session._scriptrunner = None
    run_handover.create_runner_after_the_old_one(session, RerunData(widget_states=WidgetStates()))
    assert len(started) == 1
    assert started[0].fragment_id_queue == [] and triggers(started[0]) == ["send"]


def test_after_the_stop_button_a_request_starts_at_once(started, monkeypatch):
    # The stopped runner's script may still be busy before it stops; Streamlit replaces
    # it at once, and so does the hand-over.
    stops = []
    monkeypatch.setattr(run_handover, "_request_stop", stops.append)
    session, stopped = session_with_runner()
    run_handover.note_stopped_runner(session)
    assert stops == [session]
    run_handover.create_runner_after_the_old_one(session, poll("watch"))
    assert len(started) == 1 and started[0].fragment_id_queue == ["watch"]
    run_handover.handle_event_then_start_held(session, stopped, ScriptRunnerEvent.SHUTDOWN)
    assert len(started) == 1 and getattr(session, run_handover.STOPPED) is None


def test_the_end_of_a_runner_that_is_no_longer_current_starts_nothing(started):
    session, _ = session_with_runner()
    run_handover.create_runner_after_the_old_one(session, poll("watch"))
    run_handover.handle_event_then_start_held(session, object(), ScriptRunnerEvent.SHUTDOWN)
    assert started == []


def test_a_session_shutting_down_drops_what_it_held(started):
    session, ended = session_with_runner()
    run_handover.create_runner_after_the_old_one(session, poll("watch"))
    session._state = AppSessionState.SHUTDOWN_REQUESTED
    run_handover.handle_event_then_start_held(session, ended, ScriptRunnerEvent.SHUTDOWN)
    assert started == [] and getattr(session, run_handover.HELD) is None


def test_a_held_request_whose_runner_cannot_start_shows_the_error_on_the_page(started, monkeypatch):
    def cannot_start(session, rerun_data):
        raise RuntimeError("no thread left")

    monkeypatch.setattr(run_handover, "_create_runner", cannot_start)
    session, ended = session_with_runner()
    shown = []
    session.handle_backmsg_exception = shown.append
    run_handover.create_runner_after_the_old_one(session, click("answer", "send"))
    run_handover.handle_event_then_start_held(session, ended, ScriptRunnerEvent.SHUTDOWN)
    assert [str(error) for error in shown] == ["no thread left"]
    assert getattr(session, run_handover.HELD) is None


def test_install_replaces_the_three_methods_and_can_be_called_again(monkeypatch):
    monkeypatch.setattr(AppSession, "_create_scriptrunner", AppSession._create_scriptrunner)
    monkeypatch.setattr(AppSession, "request_script_stop", AppSession.request_script_stop)
    monkeypatch.setattr(
        AppSession,
        "_handle_scriptrunner_event_on_event_loop",
        AppSession._handle_scriptrunner_event_on_event_loop,
    )
    run_handover.install()
    run_handover.install()
    assert AppSession._create_scriptrunner is run_handover.create_runner_after_the_old_one
    assert AppSession.request_script_stop is run_handover.note_stopped_runner
    assert (
        AppSession._handle_scriptrunner_event_on_event_loop
        is run_handover.handle_event_then_start_held
    )
