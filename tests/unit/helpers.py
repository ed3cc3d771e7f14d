"""Helpers shared by the tests: unit, AppTest and browser ones alike."""

import time

import plotly.graph_objects as go


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.01) -> bool:
    """Poll `predicate` every `interval` seconds until it is true or `timeout` seconds passed.

    The default deadline is generous: worker processes start slowly on a busy machine.
    """
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def validated_figure(fig):
    """Return `fig` rebuilt with plotly's validation (the builders skip it for speed)."""
    return go.Figure(fig.to_dict())
