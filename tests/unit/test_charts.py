"""SpecFigure: a figure Streamlit sends as its spec, with Plotly's objects built on demand."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest

from core.charts import LAPTOP, SpecFigure, figure

TRACES = [{"type": "bar", "x": ["a", "b"], "y": np.array([0.25, 0.75]), "name": "p"}]


def test_streamlit_gets_the_spec_itself_without_plotly_objects():
    fig = figure(TRACES, LAPTOP, "Probabilities")
    assert isinstance(fig, SpecFigure)
    # What st.plotly_chart does with a figure: no copy, no validation, no Plotly objects.
    sent = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    assert sent is fig.to_dict()
    assert fig._plotly is None
    wire = json.loads(pio.to_json(sent, validate=False))
    assert wire["data"][0]["y"] == [0.25, 0.75]
    assert wire["layout"]["title"]["text"] == "Probabilities"


def test_reading_plotly_objects_gives_the_same_figure_as_plotly_builds():
    fig = figure(TRACES, LAPTOP, "Probabilities")
    plain = go.Figure(fig.to_dict(), _validate=False)
    assert fig.data[0].y.tolist() == [0.25, 0.75]
    assert fig.layout.title.text == "Probabilities"
    assert fig == plain
    go.Figure(fig.to_dict())  # the spec passes Plotly's validation


def test_a_change_through_plotly_reaches_what_is_sent():
    fig = figure(TRACES, LAPTOP, "Probabilities")
    fig.update_layout(title_text="Changed")
    assert fig.to_dict()["layout"]["title"]["text"] == "Changed"
    assert fig.to_plotly_json() == fig.to_dict()


def test_a_missing_attribute_is_an_attribute_error():
    fig = SpecFigure({"data": [], "layout": {}})
    with pytest.raises(AttributeError):
        fig.no_such_thing  # noqa: B018
