"""Helpers shared by the unit tests."""

import time

import plotly.graph_objects as go


def wait_for(predicate, timeout: float = 20.0) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def validated_figure(fig):
    """Return `fig` rebuilt with plotly's validation (the builders skip it for speed)."""
    return go.Figure(fig.to_dict())
