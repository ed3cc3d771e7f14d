"""Helpers shared by the tests: unit, AppTest and browser ones alike."""

import time

import plotly.graph_objects as go

STABLE_ULP_BOUND = 12
"""Bound on a max-shifted softmax's error in ULPs: exp, sum of n terms, division.

Rounding the shift z - m to the format adds about |z - m| ULPs more (see
`tests.unit.softmax.test_functions.test_stable_softmax_is_accurate_in_every_dtype`)."""


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
