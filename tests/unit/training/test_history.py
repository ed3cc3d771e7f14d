"""Training history: events folded into curves, and downsampling for long runs."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.training.history import (
    COINCIDE_RTOL,
    MAX_POINTS,
    RATE_WINDOW,
    Coincidence,
    TrainingHistory,
    VariantHistory,
    coincidence_note,
    coinciding,
    coinciding_curves,
    downsample,
    largest_relative_difference,
)


def start(variants=("B", "C"), total_steps=100):
    return {
        "type": "start",
        "dataset": "UCI handwritten digits: ...",
        "n_train": 320,
        "n_test": 360,
        "steps_per_epoch": 10,
        "total_steps": total_steps,
        "variants": list(variants),
    }


def steps(variant, first, losses, peaks=None, rate=1000.0, epoch=1):
    return {
        "type": "steps",
        "variant": variant,
        "epoch": epoch,
        "first_step": first,
        "losses": list(losses),
        "peaks": list(peaks if peaks is not None else [abs(v) for v in losses]),
        "samples_per_s": rate,
    }


def epoch_end(variant, epoch, train, test, stuck=None):
    return {
        "type": "epoch",
        "variant": variant,
        "epoch": epoch,
        "train_accuracy": train,
        "test_accuracy": test,
        "stuck": stuck,
    }


def diverged(variant, step):
    return {"type": "diverged", "variant": variant, "step": step, "message": f"step {step}: x"}


def progress(step, total=100, elapsed=1.0, epoch=1):
    return {
        "type": "progress",
        "epoch": epoch,
        "step": step,
        "total_steps": total,
        "elapsed": elapsed,
    }


# --- TrainingHistory ------------------------------------------------------------


def test_a_fresh_history_is_empty():
    h = TrainingHistory()
    assert h.consumed == 0 and h.variants == {} and h.start == {} and h.progress == {}
    assert h.fraction_done == 0.0
    assert h.seconds_left is None
    assert h.samples_per_s == 0.0


def test_start_creates_one_empty_history_per_variant():
    h = TrainingHistory().update([start(("A", "C", "D"))])
    assert list(h.variants) == ["A", "C", "D"]
    assert all(v == VariantHistory() for v in h.variants.values())
    assert h.start["total_steps"] == 100 and h.consumed == 1


def test_update_folds_each_event_once_as_the_list_grows():
    events = [start(), steps("B", 1, [2.3, 2.2]), steps("C", 1, [2.3, 2.1])]
    h = TrainingHistory()
    assert h.update(events) is h
    assert h.variants["B"].losses == [2.3, 2.2]
    # The same list again adds nothing.
    h.update(events)
    assert h.variants["B"].losses == [2.3, 2.2] and h.consumed == 3
    events += [steps("B", 3, [2.0], rate=500.0), steps("C", 3, [1.9], peaks=[7.5])]
    h.update(events)
    assert h.variants["B"].losses == [2.3, 2.2, 2.0]
    assert h.variants["C"].losses == [2.3, 2.1, 1.9]
    assert h.variants["C"].peaks == [2.3, 2.1, 7.5]
    assert h.variants["B"].samples_per_s == 500.0
    assert h.consumed == 5


def test_incremental_updates_equal_one_update_with_everything():
    events = [
        start(),
        steps("B", 1, [2.3, 2.2], rate=10.0),
        steps("C", 1, [2.3, 2.1], rate=20.0),
        progress(2),
        epoch_end("B", 1, 0.5, 0.4, stuck="no better than chance"),
        diverged("B", 3),
        steps("C", 3, [1.9], rate=30.0),
        progress(3, elapsed=2.0),
    ]
    whole = TrainingHistory().update(events)
    piecewise = TrainingHistory()
    for n in range(len(events) + 1):
        piecewise.update(events[:n])
    assert piecewise == whole


def test_epoch_diverged_and_progress_events():
    h = TrainingHistory().update(
        [
            start(),
            epoch_end("C", 1, 0.8, 0.7),
            epoch_end("C", 2, 0.9, 0.85),
            diverged("B", 7),
            progress(10),
            progress(20, elapsed=4.0),
        ]
    )
    assert h.variants["C"].epochs == [(1, 0.8, 0.7), (2, 0.9, 0.85)]
    assert h.variants["B"].epochs == []
    assert h.variants["B"].diverged == "step 7: x" and h.variants["B"].diverged_at == 7
    assert h.variants["C"].diverged is None and h.variants["C"].diverged_at is None
    assert h.progress["step"] == 20  # the latest progress event wins
    assert h.pace == [(1.0, 10), (4.0, 20)]


def test_the_latest_epoch_says_whether_a_variant_is_stuck_at_chance():
    h = TrainingHistory().update([start(), epoch_end("C", 1, 0.1, 0.1, stuck="why")])
    assert h.variants["C"].stuck == "why"
    # A run that leaves chance behind in a later epoch is no longer reported.
    h.update([start(), epoch_end("C", 1, 0.1, 0.1, stuck="why"), epoch_end("C", 2, 0.6, 0.5)])
    assert h.variants["C"].stuck is None


def test_unknown_event_types_are_skipped_but_counted():
    h = TrainingHistory().update([start(), {"type": "heartbeat"}, {"no": "type"}])
    assert h.consumed == 3 and all(v == VariantHistory() for v in h.variants.values())


def test_fraction_done_and_seconds_left():
    events = [start(total_steps=200)]
    h = TrainingHistory().update(events)
    assert h.fraction_done == 0.0
    assert h.seconds_left is None  # no progress yet
    events += [progress(10, 200, elapsed=1.0), progress(30, 200, elapsed=2.0)]
    events.append(progress(50, 200, elapsed=3.0))
    h.update(events)
    assert h.fraction_done == pytest.approx(0.25)
    assert h.seconds_left is None  # not yet RATE_WINDOW seconds of pace after the first round
    events.append(progress(70, 200, elapsed=4.0))
    h.update(events)
    assert h.seconds_left == pytest.approx(130 / 20)  # 40 steps in the last 2 s
    events.append(progress(200, 200, 9.0))
    h.update(events)
    assert h.fraction_done == 1.0
    assert h.seconds_left == 0.0


def test_seconds_left_leaves_out_the_first_round():
    # A first round of one step, mostly the cost of a call, then a steady 50 steps a second.
    events = [start(total_steps=1000), progress(1, 1000, elapsed=0.9)]
    events += [progress(6, 1000, elapsed=1.0), progress(31, 1000, elapsed=1.5)]
    h = TrainingHistory().update(events)
    assert h.seconds_left is None  # from the first round on it would be 1.5 * 969 / 31: 47 s
    events += [progress(56, 1000, elapsed=2.0), progress(106, 1000, elapsed=3.0)]
    h.update(events)
    assert h.seconds_left == pytest.approx(894 / 50)


def test_seconds_left_follows_the_recent_pace():
    # 10 steps a second for 10 s, then 100 a second once a slow variant diverged.
    events = [start(total_steps=10_000)]
    events += [progress(10 * t, 10_000, elapsed=float(t)) for t in range(1, 11)]
    events += [progress(100 + 100 * t, 10_000, elapsed=10.0 + t) for t in range(1, 6)]
    h = TrainingHistory().update(events)
    window = [(t, s) for t, s in h.pace if t <= 15.0 - RATE_WINDOW][-1]
    assert window == (13.0, 400)
    assert h.seconds_left == pytest.approx((10_000 - 600) / 100)


def test_fraction_done_is_capped_and_total_falls_back_to_start():
    h = TrainingHistory(start={"total_steps": 10}, progress={"step": 5})
    assert h.fraction_done == 0.5
    assert TrainingHistory(progress={"step": 50, "total_steps": 10}).fraction_done == 1.0
    assert TrainingHistory(progress={"step": 5, "total_steps": 0}).fraction_done == 0.0


def status(events, job_status="running", epochs=10):
    return TrainingHistory().update([start(), *events]).status_line(job_status, epochs)


def test_status_line_of_a_run_in_progress():
    events = [steps("B", 1, [2.3], rate=100.0), steps("C", 1, [2.3], rate=100.0)]
    events += [progress(1, elapsed=1.0), progress(11, elapsed=2.0), progress(21, elapsed=3.0)]
    assert status(events) == "running · epoch 1/10 · step 21/100 · 100 samples/s"
    events.append(progress(31, elapsed=4.0))
    assert status(events) == ("running · epoch 1/10 · step 31/100 · 100 samples/s · about 7 s left")
    # The time left is for a running job only.
    assert status(events, "paused") == "paused · epoch 1/10 · step 31/100 · 100 samples/s"


def test_status_line_names_a_variant_that_diverged():
    events = [steps("B", 1, [2.3, float("nan")]), diverged("B", 2), steps("C", 1, [2.3, 2.2])]
    assert status([*events, progress(2)], "done") == (
        "done · epoch 1/10 · step 2/100 · 1,000 samples/s · B diverged at step 2"
    )


def test_status_line_when_every_variant_diverged():
    # The reported line was "done · epoch 1/5 · step 44/220 · 0 samples/s".
    events = [steps("B", 1, [2.3, 2.2, float("nan")]), diverged("B", 3)]
    events += [steps("C", 1, [float("nan")]), diverged("C", 1)]
    assert status([*events, progress(44)], "done", 5) == (
        "ended early · B diverged at step 3, C diverged at step 1 · epoch 1/5"
    )
    events = [steps("B", 1, [2.3] * 11 + [float("nan")]), diverged("B", 25)]
    line = TrainingHistory().update([start(("B",)), *events]).status_line("done", 5)
    assert line == "ended early · B diverged at step 25 · epoch 3/5"  # 10 steps an epoch


def test_samples_per_s_combines_the_variants_still_training_one_after_another():
    events = [start(("A", "B", "C")), steps("A", 1, [2.3], rate=100.0)]
    events += [steps("B", 1, [2.3], rate=1000.0), steps("C", 1, [2.3], rate=10.0)]
    h = TrainingHistory().update(events)
    # 1 sample each takes 1/100 + 1/1000 + 1/10 s: 3 samples in 0.111 s.
    assert h.samples_per_s == pytest.approx(3 / 0.111)
    events.append({"type": "diverged", "variant": "B", "step": 1, "message": "m"})
    h.update(events)
    assert h.samples_per_s == pytest.approx(2 / 0.11)


# --- downsample -------------------------------------------------------------------


def test_short_series_are_returned_unchanged():
    values = [3.0, float("nan"), 1.0, float("inf")]
    x, y = downsample(values, max_points=4)
    np.testing.assert_array_equal(x, [1, 2, 3, 4])
    np.testing.assert_array_equal(y, values)  # nan == nan for assert_array_equal


def test_empty_series():
    x, y = downsample([])
    assert x.size == 0 and y.size == 0


def test_long_series_are_cut_to_at_most_max_points():
    values = np.arange(10_000, dtype=float)
    x, y = downsample(values)
    assert 0 < len(x) == len(y) <= MAX_POINTS
    assert x[-1] == 10_000
    assert np.all(np.diff(x) > 0)
    # Means of consecutive blocks of 20 steps: 9.5, 29.5, ...
    np.testing.assert_allclose(y[:3], [9.5, 29.5, 49.5])
    np.testing.assert_array_equal(x[:3], [20, 40, 60])


def test_uneven_last_bucket():
    x, y = downsample([1.0, 2.0, 3.0, 4.0, 5.0], max_points=2)
    np.testing.assert_array_equal(x, [3, 5])
    np.testing.assert_allclose(y, [2.0, 4.5])


def test_max_keeps_the_global_maximum_and_mean_may_not():
    values = np.zeros(1000)
    values[437] = 731.0
    _, peaks = downsample(values, max_points=50, reduce="max")
    _, means = downsample(values, max_points=50)
    assert peaks.max() == 731.0
    assert means.max() < 731.0


def test_mean_of_a_constant_series_is_that_constant():
    x, y = downsample(np.full(1234, 2.5), max_points=100)
    assert len(x) <= 100
    np.testing.assert_allclose(y, 2.5)


def test_non_finite_values_are_ignored_and_an_all_nan_bucket_is_nan():
    values = [1.0, float("nan"), 3.0, float("inf"), float("nan"), float("-inf"), 5.0, 7.0]
    x, y = downsample(values, max_points=4)  # buckets of two
    np.testing.assert_array_equal(x, [2, 4, 6, 8])
    assert y[0] == 1.0 and y[1] == 3.0 and np.isnan(y[2]) and y[3] == 6.0
    _, top = downsample(values, max_points=4, reduce="max")
    assert top[0] == 1.0 and top[1] == 3.0 and np.isnan(top[2]) and top[3] == 7.0


def test_downsample_does_not_warn_on_all_nan_buckets(recwarn):
    downsample([float("nan")] * 10, max_points=2)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


values_strategy = st.lists(
    st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False),
        st.sampled_from([float("nan"), float("inf"), float("-inf")]),
    ),
    max_size=3000,
)


@given(values_strategy, st.integers(1, 700), st.sampled_from(["mean", "max"]))
def test_downsample_properties(values, max_points, reduce):
    x, y = downsample(values, max_points=max_points, reduce=reduce)
    n = len(values)
    assert len(x) == len(y)
    if n <= max_points:
        np.testing.assert_array_equal(x, np.arange(1, n + 1))
        np.testing.assert_array_equal(y, values)
        return
    assert len(x) <= max_points
    assert np.all(np.diff(x) > 0) and x[0] >= 1 and x[-1] == n
    width = math.ceil(n / max_points)
    array = np.asarray(values)
    for i, end in enumerate(x.astype(int)):
        bucket = array[i * width : end]
        assert len(bucket) == (width if i < len(x) - 1 else n - i * width)
        finite = bucket[np.isfinite(bucket)]
        if finite.size == 0:
            assert np.isnan(y[i])
        elif reduce == "max":
            assert y[i] == finite.max()
        else:
            assert y[i] == pytest.approx(finite.mean(), rel=1e-9, abs=1e-6)
    finite = array[np.isfinite(array)]
    if reduce == "max" and finite.size:
        assert np.nanmax(y) == finite.max()


@given(st.integers(1, 5000), st.floats(-1e3, 1e3, allow_nan=False), st.integers(1, 600))
def test_constant_series_stay_constant(n, value, max_points):
    _, y = downsample([value] * n, max_points=max_points)
    np.testing.assert_allclose(y, value, rtol=1e-12, atol=1e-9)


class _GrowingEvents(list):
    """A list that gains an event while it is being read, as the pool's list does."""

    def __getitem__(self, index):
        part = super().__getitem__(index)
        if isinstance(index, slice) and len(self) == 1:
            self.append({"type": "progress", "epoch": 1, "step": 7, "elapsed": 0.5})
        return part


def test_an_event_that_arrives_while_the_history_reads_is_not_skipped():
    events = _GrowingEvents([{"type": "start", "variants": ["C"], "total_steps": 10}])
    history = TrainingHistory().update(events)
    assert history.progress == {}
    history.update(events)
    assert history.progress == {"type": "progress", "epoch": 1, "step": 7, "elapsed": 0.5}


def test_equal_curves_coincide_and_different_ones_do_not():
    losses = [2.3, 2.2, float("nan"), 2.0]
    rounded = [v * (1 + 3e-8) for v in losses]
    pairs = coinciding({"A": losses, "B": [2.3, 2.2, 2.1, 1.5], "C": rounded})
    assert [(p.under, p.over, p.steps) for p in pairs] == [("A", "C", 4)]
    assert 0 < pairs[0].difference <= COINCIDE_RTOL
    assert coinciding({"A": losses, "C": losses})[0].difference == 0
    # Apart by more than rounding, of different lengths, or one finite and one not: apart.
    assert coinciding({"A": [2.3, 2.2], "C": [2.3, 2.2 * (1 + 1e-4)]}) == []
    assert coinciding({"A": [2.3, 2.2], "C": [2.3, 2.2, 2.1]}) == []
    assert coinciding({"A": [2.3, 2.2], "C": [2.3, float("inf")]}) == []
    assert largest_relative_difference([], []) is None


def test_the_note_says_how_close_and_for_a_and_c_why():
    names = {"A": "A · softmax layer", "B": "B · naive", "C": "C · from logits"}
    same = coincidence_note(Coincidence("A", "C", 0.0, 1350), names)
    assert same.startswith("A · softmax layer and C · from logits have the same losses at every")
    assert "1,350 steps" in same and "Keras's rescue" in same
    close = coincidence_note(Coincidence("A", "C", 3.12e-7, 40), names)
    assert "differ by at most 3.12e-07 (relative) over 40 steps" in close
    other = coincidence_note(Coincidence("B", "C", 0.0, 5), names)
    assert "Keras" not in other and "B · naive is drawn as the wide pale line" in other


def test_coinciding_curves_per_chart():
    history = TrainingHistory()
    history.update(
        [
            start(("A", "B", "C")),
            steps("A", 1, [2.3, 2.2], [5.0, 6.0]),
            steps("B", 1, [2.3, 1.9], [5.0, 9.0]),
            steps("C", 1, [2.3, 2.2], [5.0, 6.0]),
        ]
    )
    same = coinciding_curves(history)
    assert [(p.under, p.over) for p in same["loss"]] == [("A", "C")]
    assert [(p.under, p.over) for p in same["peaks"]] == [("A", "C")]
    assert same["accuracy"] == []


def test_first_batch_note_compares_each_first_loss_with_a_uniform_guess():
    from core.training.history import first_batch_note

    note = first_batch_note({"C": [2.3456, 1.0], "D": []}, {"C": "C · from logits", "D": "D"})
    assert note == (
        f"First batch: C · from logits 2.35. A uniform guess over the 10 classes scores "
        f"ln 10 = {math.log(10):.2f}."
    )
    assert first_batch_note({"C": []}, {"C": "C"}) == ""
