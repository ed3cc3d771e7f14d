"""The softmax page in AppTest: controls, numbers, URL state and bad input."""

import pytest

from tests.app.helpers import metrics, open_app_page, run_until, texts
from tests.unit.helpers import wait_for
from ui.workers import worker_pool

PAGE = "pages/softmax.py"


def open_softmax(**query):
    return open_app_page(PAGE, **query)


def losses(at):
    values = metrics(at)
    return {label.split(" (")[0]: value for label, value in values.items()}


def test_default_is_the_textbook_case():
    at = open_softmax()
    assert at.text_input(key="sm.text").value == "2, 1, 0.1"
    assert at.radio(key="sm.dtype").value == "float32"
    got = losses(at)
    assert got["From logits"] == "0.41703"
    assert got["Naive −log(p_y)"] == "0.41703007"
    assert got["Exact reference"] == "0.4170300164247081"
    assert len(at.slider) == 4  # three logits and the shift


def test_url_opens_the_seed_case():
    at = open_softmax(z="1000,0,-1000", y="2")
    got = losses(at)
    assert got["Naive −log(p_y)"] in ("nan", "inf")
    assert got["Keras on probabilities"] == "16.118095"
    assert got["From logits"] == "2000"
    assert got["Exact reference"] == "2000"
    assert "overflows float32 above about 88.72" in texts(at.error)
    assert "inf/inf is nan" in texts(at.error)


def test_minus_inf_logit_is_handled_as_probability_zero():
    # Issue 10, finding 8: float16 stores -100000 as -inf; every loss stays finite and right.
    at = open_softmax(z="-100000,0,1", y="1", dtype="float16")
    got = losses(at)
    assert got["Naive −log(p_y)"] == got["Keras on probabilities"] == got["From logits"] == "1.313"
    assert got["Exact reference"] == "1.3132616875182228"
    assert not at.error and "no method can recover" not in texts(at.info)
    assert "below float16's lowest value, -65504," in texts(at.info)
    assert "broken" not in texts(at.caption)
    at = open_softmax(z="-100000,0,1", y="0", dtype="float16")
    assert losses(at)["Exact reference"] == "inf"
    assert "right: the exact loss is inf too" in texts(at.caption)


def test_float16_small_loss_and_sum_overflow_are_explained():
    at = open_softmax(z="12,0,-12", dtype="float16")
    assert losses(at)["From logits"] == "0"
    assert "stored as 1 in float16" in texts(at.warning)
    assert "from_logits=True gives 6.2e-6" in texts(at.warning)
    at = open_softmax(z="11,11,11", dtype="float16")
    assert losses(at)["Naive −log(p_y)"] == "inf"
    assert "but their sum, 179620, is above its largest value 65504" in texts(at.error)
    assert "Every method is finite" not in texts(at.info)


def test_url_with_dtype():
    at = open_softmax(z="1000,999,998", dtype="float64")
    assert at.radio(key="sm.dtype").value == "float64"
    assert "709.78" in texts(at.error)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"z": "abc"}, "'abc' is not a number"),
        ({"z": "1e999,1"}, "overflows float64"),
        ({"z": "nan,1"}, "nan"),
        ({"z": ", ,"}, "type 2 to 10 numbers"),
        ({"z": ",".join(["1"] * 10_000)}, "characters"),
        ({"y": "9"}, "true class"),
        ({"T": "0"}, "positive"),
        ({"T": "-2"}, "positive"),
        ({"dtype": "float8"}, "float8"),
        ({"mode": "odd"}, "multi, binary or multilabel"),
    ],
)
def test_bad_url_values_fall_back_with_a_notice(query, fragment):
    at = open_softmax(**query)
    assert fragment in texts(at.warning)
    assert losses(at)["From logits"]  # the page still computes


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("abc", "'abc' is not a number"),
        ("1e999, 2", "overflows float64"),
        ("nan, 1", "nan"),
        (", ,", "type 2 to 10 numbers"),
        ("", "type 2 to 10 numbers"),
        (", ".join(["1"] * 10_000), "characters"),
    ],
)
def test_bad_typed_logits_keep_the_previous_ones(typed, fragment):
    at = open_softmax(z="1000,999,998")
    at.text_input(key="sm.text").input(typed).run()
    assert not at.exception
    assert fragment in texts(at.error)
    assert "Keeping the previous logits" in texts(at.error)
    assert at.slider(key="sm.z0").value == 1000
    assert losses(at)["From logits"] == "0.407606"


def test_typing_logits_updates_sliders_range_and_url():
    at = open_softmax()
    at.text_input(key="sm.text").input("1000, 999, 998, 0").run()
    assert at.number_input(key="sm.n").value == 4
    assert at.selectbox(key="sm.range").value == 1000
    assert [at.slider(key=f"sm.z{i}").value for i in range(4)] == [1000, 999, 998, 0]
    assert at.query_params["z"] == "1000,999,998,0"


def test_moving_a_slider_updates_text_and_numbers():
    at = open_softmax()
    at.slider(key="sm.z0").set_value(9.5).run()
    assert at.text_input(key="sm.text").value == "9.5, 1, 0.1"
    assert at.query_params["z"] == "9.5,1,0.1"


def test_quick_slider_moves_are_not_undone_by_the_browsers_old_copy_of_the_box():
    # The browser test's race: under load, the keys move a slider again before the page's
    # answer reaches the browser, which sends the change with the box as it still shows it.
    at = open_softmax()
    at.button(key="sm.preset.float16").click().run()
    for value in (11.9, 11.8, 11.7):
        at.slider(key="sm.z0").set_value(value)
        at.text_input(key="sm.text").set_value("12, 0, -12")
        at.run()
        assert at.text_input(key="sm.text").value == f"{value}, 0, -12"
    assert at.slider(key="sm.z0").value == 11.7
    # Typed on its own, the same list is read.
    at.text_input(key="sm.text").input("12, 0, -12").run()
    assert at.slider(key="sm.z0").value == 12


@pytest.mark.parametrize(
    ("widget", "value"), [("number_input", 2.0), ("radio", "float16")], ids=["T", "dtype"]
)
def test_a_control_changed_before_the_answer_came_does_not_undo_a_slider_move(widget, value):
    # The student moves z0 and changes the temperature or the format before the page's
    # answer reaches the browser, which sends that change with the box as it showed it.
    at = open_softmax()
    at.slider(key="sm.z0").set_value(9.5).run()
    name = {"number_input": "sm.T", "radio": "sm.dtype"}[widget]
    getattr(at, widget)(key=name).set_value(value)
    at.text_input(key="sm.text").set_value("2, 1, 0.1")
    at.run()
    assert at.slider(key="sm.z0").value == 9.5
    assert at.text_input(key="sm.text").value == "9.5, 1, 0.1"
    assert getattr(at, widget)(key=name).value == value


def test_presets():
    at = open_softmax()
    at.button(key="sm.preset.float16").click().run()
    assert at.radio(key="sm.dtype").value == "float16"
    assert at.text_input(key="sm.text").value == "12, 0, -12"
    assert "11.09" in texts(at.error)
    at.button(key="sm.preset.confident-wrong").click().run()
    got = losses(at)
    assert got["Naive −log(p_y)"] == "inf"
    assert got["Keras on probabilities"] == "16.118095"
    assert got["From logits"] == "110.000046"
    assert at.query_params["y"] == "2"


def test_shift_breaks_naive_but_not_stable():
    at = open_softmax()
    before = losses(at)["From logits"]
    at.slider(key="sm.c").set_value(9.0).run()  # the range is ±10
    at.selectbox(key="sm.range").select(100).run()
    at.slider(key="sm.c").set_value(95.0).run()
    got = losses(at)
    assert got["Naive −log(p_y)"] == "nan"
    # Only the rounding of z + c in float32 moves the stable result.
    assert float(got["From logits"]) == pytest.approx(float(before), rel=1e-6)


def test_fewer_and_more_classes():
    at = open_softmax(z="1,2,3", y="2")
    at.number_input(key="sm.n").set_value(2).run()
    assert at.text_input(key="sm.text").value == "1, 2"
    assert at.selectbox(key="sm.y").value == 0
    at.number_input(key="sm.n").set_value(5).run()
    assert at.text_input(key="sm.text").value == "1, 2, 0, 0, 0"


def test_narrowing_the_range_clamps_with_a_notice():
    at = open_softmax(z="1000,999,998")
    at.selectbox(key="sm.range").select(10).run()
    assert at.text_input(key="sm.text").value == "10, 10, 10"
    assert "clamped" in texts(at.warning)


def test_temperature():
    at = open_softmax()
    at.number_input(key="sm.T").set_value(10.0).run()
    assert at.query_params["T"] == "10"
    assert losses(at)["From logits"] == "1.0049595"


def test_binary_mode():
    at = open_softmax(mode="binary", z="40", y="0", dtype="float64")
    got = losses(at)
    assert got["Naive"] == "inf"
    assert got["From logits"] == "40"
    assert got["Keras on probabilities"] == "16.118095651484676"
    assert "rounds to exactly 1 in float64" in texts(at.error)
    at.radio(key="sm.by").set_value(1).run()
    assert losses(at)["Naive"] == "nan"
    assert "0 · log(0)" in texts(at.error)
    assert at.query_params["mode"] == "binary"


def test_switching_mode_keeps_state():
    at = open_softmax(z="5,4,3")
    at.radio(key="sm.mode").set_value("binary").run()
    at.radio(key="sm.mode").set_value("multi").run()
    assert at.text_input(key="sm.text").value == "5, 4, 3"


def test_state_survives_leaving_and_returning():
    at = open_softmax(z="7,6,5", dtype="float64")
    at.switch_page("pages/home.py")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert at.text_input(key="sm.text").value == "7, 6, 5"
    assert at.radio(key="sm.dtype").value == "float64"
    assert at.query_params["z"] == "7,6,5"


def checked(at) -> bool:
    return "TensorFlow" in texts(at.markdown) and "✓" in texts(at.markdown)


def tf_job(at):
    return worker_pool().get(at.session_state["sm.tf"]["id"])


@pytest.mark.tensorflow
def test_the_first_check_says_at_once_that_tensorflow_is_starting():
    # A server just started: a new pool, whose warm-up the app begins with the first page.
    worker_pool().shutdown()
    worker_pool.clear()
    at = open_softmax(z="1000,0,-1000", y="2", timeout=120)
    # The page was drawn without waiting for the import (5 to 15 s), which goes on meanwhile.
    assert worker_pool().worker_pids() and not worker_pool().warm_workers()
    at.button(key="sm.tf_button").click().run()
    # The first run after the click says what the check waits for: before, a spinner that
    # shows only after half a second, inside a wait of 0.4 s, so nothing at all.
    assert "A worker is starting TensorFlow" in texts(at.info)
    run_until(at, checked)
    assert tf_job(at).started_warm is False  # it went to the worker importing TensorFlow
    table = texts(at.markdown)
    assert "✗" not in table
    assert "SparseCategoricalCrossentropy(from_logits=True)" in table
    assert "2000" in table and "16.118095" in table


@pytest.mark.parametrize("y", ["²", "①", "9" * 4301, "-0", " 1 "])
@pytest.mark.parametrize("mode", ["multi", "binary"])
def test_a_class_that_is_not_a_plain_number_falls_back_instead_of_crashing(y, mode):
    # str.isdigit() accepts '²' and '①', which int() refuses, and int() refuses more
    # than 4,300 digits: each crashed the page before.
    at = open_softmax(y=y, mode=mode)
    assert not at.exception
    if y.strip() in ("-0", "1"):
        return
    assert "choose a" in texts(at.warning)
    # Leaving through the sidebar and coming back keeps the fallback, not an error.
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception


def test_a_slider_change_for_a_logit_that_was_just_removed_is_ignored():
    # A class saw this under load: the browser sends a change of z5 right after a typed
    # list removed that slider, and both reach the server in one rerun.
    at = open_softmax()
    at.text_input(key="sm.text").input("1, 2, 3, 4, 5, 6").run()
    at.text_input(key="sm.text").input("1, 2")
    at.slider(key="sm.z5").set_value(3.0)
    at.run()
    assert not at.exception
    assert at.text_input(key="sm.text").value == "1, 2"
    assert len(at.slider) == 3  # two logits and the shift


@pytest.mark.tensorflow
def test_a_check_on_a_warm_server_finds_tensorflow_loaded():
    # Other logits than the test before's: an equal check would share that one's result.
    at = open_softmax(z="1000,0,-999", y="2", timeout=120)
    assert wait_for(lambda: worker_pool().warm_workers(), 180)
    at.button(key="sm.tf_button").click().run()
    run_until(at, checked)
    # Its worker reported TensorFlow imported when the check began: nothing to wait for.
    assert tf_job(at).started_warm is True


@pytest.mark.tensorflow
def test_a_class_pressing_check_on_the_same_logits_shares_one_check():
    pages = [open_softmax(z="30,1,-4", y="1", timeout=120) for _ in range(3)]
    for at in pages:
        at.button(key="sm.tf_button").click().run()
    for at in pages:
        run_until(at, checked)
    jobs = {at.session_state["sm.tf"]["id"] for at in pages}
    assert len(jobs) == 1


MULTILABEL = {"mode": "multilabel", "z": "2,-1,0.5", "labels": "1,0,1"}


def test_multilabel_link_opens_the_mode_without_a_notice():
    at = open_softmax(**MULTILABEL)
    assert at.radio(key="sm.mode").value == "multilabel"
    assert not at.warning and not at.error
    got = losses(at)
    assert got["Sum, from logits"] == "0.9142666"
    assert got["Sum, exact reference"] == "0.91426668274130201"
    assert got["Keras mean, from logits"] == "0.30475554"
    assert [at.number_input(key=f"sm.ml_z{i}").value for i in range(3)] == [2.0, -1.0, 0.5]
    assert [at.checkbox(key=f"sm.ml_y{i}").value for i in range(3)] == [True, False, True]
    assert "mean of the 3 per-label losses = sum / 3" in texts(at.markdown)
    assert "The 3 sigmoids sum to 1.77, not 1" in texts(at.caption)
    assert dict(at.query_params) == MULTILABEL


def test_multilabel_label_and_logit_change_the_losses_and_the_link():
    at = open_softmax(**MULTILABEL)
    at.checkbox(key="sm.ml_y1").check().run()
    assert losses(at)["Sum, from logits"] == "1.9142666"
    assert at.query_params["labels"] == "1,1,1"
    at.number_input(key="sm.ml_z0").set_value(40.0).run()
    assert losses(at)["Sum, naive"] == "nan"
    assert "rounds to exactly 1 for output 0 in float32" in texts(at.error)
    assert at.query_params["z"] == "40,-1,0.5"


def test_multilabel_names_are_text_only():
    at = open_softmax(**MULTILABEL)
    at.text_input(key="sm.names_text").input("<b>car</b>, `bus`, **x**, [a](http://e)").run()
    assert not at.exception
    assert [t.value for t in at.text] == ["<b>car</b>", "`bus`", "**x**", "[a](http://e)"]
    table = next(m.value for m in at.markdown if 'aria-label="Per output"' in m.value)
    assert "&lt;b&gt;car&lt;/b&gt;" in table and "<b>car" not in table
    assert "`bus`" in table and "<code>" not in table
    others = texts(at.markdown).replace(table, "") + texts(at.caption) + texts(at.info)
    assert "<b>car" not in others and "**x**" not in others  # nowhere else as Markdown
    assert at.query_params["z"] == "2,-1,0.5,0"


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"labels": "2,x"}, "one 0 or 1 per logit"),
        ({"labels": "1,0"}, "give 3 labels"),
        ({"labels": "1" * 10_000}, "characters"),
        ({"labels": "١,٠,١"}, "one 0 or 1"),
        ({"names": "a,b"}, "give 3 names"),
        ({"names": "x" * 10_000}, "characters"),
        ({"z": "1e6,1,2"}, "±100,000"),
    ],
)
def test_bad_multilabel_url_values_fall_back_with_a_notice(query, fragment):
    at = open_softmax(**{**MULTILABEL, **query})
    assert fragment in texts(at.warning)
    assert losses(at)["Sum, from logits"]  # the page still computes


def test_switching_to_multilabel_and_back_keeps_every_modes_state():
    at = open_softmax(z="5,4,3", y="2")
    at.radio(key="sm.mode").set_value("multilabel").run()
    assert at.query_params["mode"] == "multilabel" and "y" not in at.query_params
    at.checkbox(key="sm.ml_y2").check().run()
    at.radio(key="sm.mode").set_value("binary").run()
    at.radio(key="sm.mode").set_value("multi").run()
    assert at.text_input(key="sm.text").value == "5, 4, 3" and at.selectbox(key="sm.y").value == 2
    at.radio(key="sm.mode").set_value("multilabel").run()
    assert at.checkbox(key="sm.ml_y2").value is True
    assert at.query_params["labels"] == "1,0,1"


@pytest.mark.tensorflow
def test_multilabel_check_with_tensorflow():
    at = open_softmax(**MULTILABEL, timeout=120)
    at.button(key="sm.tf_button").click().run()
    run_until(at, checked)
    table = texts(at.markdown)
    assert "✗" not in table
    assert (
        "Dense(3, activation=&quot;linear&quot;)" in table
        or 'Dense(3, activation="linear")' in table
    )
    assert "on output 2 alone" in table
