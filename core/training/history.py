"""A training job's events folded into curves the page can draw, light at any length."""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from core.numerics.text import format_error

MAX_POINTS = 500
"""Points per drawn curve: long runs are downsampled to keep page and browser light."""
RATE_WINDOW = 2.0
"""Seconds of recent training the time-left estimate measures its pace over."""


@dataclass
class VariantHistory:
    """Everything one variant reported.

    Attributes
    ----------
    losses, peaks : list of float
        Per step: the batch's own loss and the largest absolute logit.
    epochs : list of (epoch, train accuracy, test accuracy)
        Per finished epoch.
    samples_per_s : float
        Latest measured throughput.
    diverged : str or None
        Why training of this variant stopped early.
    diverged_at : int or None
        The step whose loss was no longer finite.
    stuck : str or None
        Why its latest test accuracy is no better than chance, if it is not.
    """

    losses: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    epochs: list[tuple[int, float, float]] = field(default_factory=list)
    samples_per_s: float = 0.0
    diverged: str | None = None
    diverged_at: int | None = None
    stuck: str | None = None


@dataclass
class TrainingHistory:
    """The state of a training job, built from its events incrementally.

    Attributes
    ----------
    consumed : int
        How many events have been folded in.
    variants : dict
        `VariantHistory` per variant key.
    start : dict
        The job's ``start`` event (data set, sizes).
    progress : dict
        The latest ``progress`` event.
    pace : list of (float, int)
        ``(elapsed, step)`` of every ``progress`` event, for the time-left estimate.
    """

    consumed: int = 0
    variants: dict[str, VariantHistory] = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    pace: list[tuple[float, int]] = field(default_factory=list)

    def update(self, events: list[dict]) -> TrainingHistory:
        """Fold in the events after the ones already consumed; return self."""
        # The worker's thread appends to `events` while we read: count what this
        # call folded in, not the list's length afterwards, or events get skipped.
        new = events[self.consumed :]
        for event in new:
            kind = event.get("type")
            if kind == "start":
                self.start = event
                self.variants = {v: VariantHistory() for v in event["variants"]}
            elif kind == "steps":
                history = self.variants[event["variant"]]
                history.losses.extend(event["losses"])
                history.peaks.extend(event["peaks"])
                history.samples_per_s = event["samples_per_s"]
            elif kind == "epoch":
                history = self.variants[event["variant"]]
                history.epochs.append(
                    (event["epoch"], event["train_accuracy"], event["test_accuracy"])
                )
                history.stuck = event["stuck"]
            elif kind == "diverged":
                history = self.variants[event["variant"]]
                history.diverged, history.diverged_at = event["message"], event["step"]
            elif kind == "progress":
                self.progress = event
                self.pace.append((event["elapsed"], event["step"]))
        self.consumed += len(new)
        return self

    @property
    def fraction_done(self) -> float:
        """Share of all steps done, 0 to 1."""
        total = self.progress.get("total_steps") or self.start.get("total_steps") or 0
        return min(1.0, self.progress.get("step", 0) / total) if total else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated time to finish, from the pace of the last `RATE_WINDOW` seconds.

        Notes
        -----
        None until the run has trained `RATE_WINDOW` seconds past its first round:
        the first round is one step per variant, and the chunks then grow, so early
        rounds are mostly the cost of each call, not of the steps to come (from the
        first rounds, a run of 8.7 s was estimated at 22 to 58 s). Later, the window
        of recent progress follows the run as it speeds up, when a variant diverges.
        """
        if not self.pace:
            return None
        now, step = self.pace[-1]
        recent = bisect.bisect_right(self.pace, now - RATE_WINDOW, key=lambda p: p[0]) - 1
        if recent < 1:
            return None
        then, step_then = self.pace[recent]
        total = self.progress.get("total_steps") or self.start.get("total_steps") or 0
        return max(0, total - step) * (now - then) / (step - step_then)

    def status_line(self, status: str, epochs: int) -> str:
        """Return the progress bar's text: where the run is, its pace, and what broke.

        Parameters
        ----------
        status : str
            The job's status (``"running"``, ``"done"``, ...).
        epochs : int
            Epochs the run was asked for.

        Returns
        -------
        str
            For example ``"running · epoch 2/5 · step 60/220 · 9,000 samples/s ·
            about 4 s left · B diverged at step 3"``; when every variant diverged,
            ``"ended early · B diverged at step 3 · epoch 1/5"``.
        """
        broke = {k: v.diverged_at for k, v in self.variants.items() if v.diverged_at}
        diverged = ", ".join(f"{k} diverged at step {s:,}" for k, s in broke.items())
        if broke and len(broke) == len(self.variants):
            # Nothing trained on after the last divergence: its step is where the run ended.
            per_epoch = self.start["steps_per_epoch"]
            epoch = -(-max(broke.values()) // per_epoch)
            ended = "ended early" if status == "done" else status
            return f"{ended} · {diverged} · epoch {epoch}/{epochs}"
        parts = [
            status,
            f"epoch {self.progress.get('epoch', 0)}/{epochs}",
            f"step {self.progress.get('step', 0):,}/{self.start.get('total_steps', 0):,}",
        ]
        if self.samples_per_s > 0:
            parts.append(f"{self.samples_per_s:,.0f} samples/s")
        left = self.seconds_left
        if status == "running" and left is not None:
            parts.append(f"about {left:.0f} s left")
        if diverged:
            parts.append(diverged)
        return " · ".join(parts)

    @property
    def samples_per_s(self) -> float:
        r"""Combined training throughput of the variants still training.

        Notes
        -----
        The variants train one after another on each chunk of the same batches,
        so :math:`k` variants with rates :math:`r_i` together process
        :math:`k / \sum_i 1 / r_i` samples per second.
        """
        rates = [v.samples_per_s for v in self.variants.values() if not v.diverged]
        if not rates or min(rates) <= 0:
            return 0.0
        return len(rates) / sum(1 / r for r in rates)


def downsample(
    values: list[float] | NDArray, max_points: int = MAX_POINTS, reduce: str = "mean"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shrink a per-step series to at most `max_points` points for drawing.

    Parameters
    ----------
    values : sequence of float
        One value per step (``nan``/``inf`` allowed).
    max_points : int, optional
        Upper bound on the points returned.
    reduce : str, optional
        ``"mean"`` (losses) or ``"max"`` (peaks) within each bucket.

    Returns
    -------
    steps, reduced : numpy.ndarray
        1-based step of each bucket's end, and the bucket's mean or max over its
        finite values (``nan`` for a bucket with none).

    Notes
    -----
    Buckets hold ``ceil(n / max_points)`` consecutive steps.
    """
    array = np.asarray(values, dtype=np.float64)
    n = array.size
    if n <= max_points:
        return np.arange(1, n + 1, dtype=np.float64), array
    width = -(-n // max_points)
    padded = np.full(width * (-(-n // width)), np.nan)
    padded[:n] = np.where(np.isfinite(array), array, np.nan)
    buckets = padded.reshape(-1, width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-nan bucket is drawn as a gap
        reduced = np.nanmax(buckets, axis=1) if reduce == "max" else np.nanmean(buckets, axis=1)
    steps = np.minimum(np.arange(1, len(buckets) + 1) * width, n).astype(np.float64)
    return steps, reduced


COINCIDE_RTOL = 1e-6
"""Largest relative difference at which two variants' curves count as the same curve.

Float32 rounds to about 6e-8 (relative); a few roundings apart stay below this,
while two genuinely different runs part by far more within a few steps."""


def largest_relative_difference(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Return how far apart two per-step series are at most, relative to their size.

    Parameters
    ----------
    a, b : sequence of float
        One value per step each (``nan``/``inf`` allowed).

    Returns
    -------
    float or None
        ``max |a - b| / max(|a|, |b|)`` over the steps, 0 where both are equal
        (``nan`` and ``nan`` included), ``inf`` where only one is finite; None
        when the series differ in length or are empty, so they cannot coincide.
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.size == 0 or x.size != y.size:
        return None
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    finite = np.isfinite(x) & np.isfinite(y)
    if not (same | finite).all():
        return float("inf")
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
    return float(np.max(np.where(same, 0.0, gap)))


@dataclass(frozen=True)
class Coincidence:
    """Two variants whose curves lie on top of each other.

    Attributes
    ----------
    under, over : str
        The variant drawn first (wide, beneath) and the one drawn over it.
    difference : float
        Their largest relative difference (0 when identical at every step).
    steps : int
        How many steps they share.
    """

    under: str
    over: str
    difference: float
    steps: int


def coinciding(
    series: Mapping[str, Sequence[float]], rtol: float = COINCIDE_RTOL
) -> list[Coincidence]:
    """Return the pairs of variants whose series are equal to within rounding.

    Parameters
    ----------
    series : mapping
        ``{variant: one value per step}``, in drawing order.
    rtol : float, optional
        Largest relative difference still counted as rounding.

    Returns
    -------
    list of Coincidence
        Each variant lies under at most one later variant: three equal curves
        give A under B and B under C.
    """
    keys = list(series)
    pairs = []
    for i, under in enumerate(keys):
        for over in keys[i + 1 :]:
            difference = largest_relative_difference(series[under], series[over])
            if difference is not None and difference <= rtol:
                pairs.append(Coincidence(under, over, difference, len(series[under])))
                break
    return pairs


KERAS_RESCUE = frozenset({"A", "C"})
"""A (softmax output, plain loss) lies on C (linear output, from_logits=True): the lesson."""


def coincidence_note(pair: Coincidence, names: Mapping[str, str], what: str = "losses") -> str:
    """Return the sentence under a chart that says two curves lie on top of each other.

    Parameters
    ----------
    pair : Coincidence
        The two variants, from `coinciding`.
    names : mapping
        Name per variant, as the legend writes it.
    what : str, optional
        What the curves show, such as ``"losses"``.

    Returns
    -------
    str
        The measured agreement, how the chart shows both curves, and, for A and
        C, why: Keras's rescue.
    """
    under, over = names[pair.under], names[pair.over]
    if pair.difference == 0:
        agree = f"{under} and {over} have the same {what} at every one of the {pair.steps:,} steps"
    else:
        agree = (
            f"{under} and {over} coincide: their {what} differ by at most "
            f"{format_error(pair.difference)} (relative) over {pair.steps:,} steps"
        )
    text = f"{agree}, so {under} is drawn as the wide pale line under {over}."
    if {pair.under, pair.over} == KERAS_RESCUE:
        text += (
            " That is Keras's rescue: A's softmax output keeps the logits it came from, "
            "and the loss uses them, exactly as C's from_logits=True does."
        )
    return text


def coinciding_curves(history: TrainingHistory) -> dict[str, list[Coincidence]]:
    """Return, per chart, the variants whose curves lie on top of each other.

    Parameters
    ----------
    history : TrainingHistory
        The run so far.

    Returns
    -------
    dict
        ``"loss"``, ``"peaks"`` and ``"accuracy"`` to their `coinciding` pairs
        (A and C are Keras's rescue: they would hide one another).
    """
    variants = history.variants
    return {
        "loss": coinciding({k: v.losses for k, v in variants.items()}),
        "peaks": coinciding({k: v.peaks for k, v in variants.items()}),
        "accuracy": coinciding(
            {k: [value for row in v.epochs for value in row[1:]] for k, v in variants.items()}
        ),
    }


def first_batch_text(loss: float) -> str:
    """Return a first batch's loss as the train page and the question bank write it.

    Parameters
    ----------
    loss : float
        The loss of a run's first batch.

    Returns
    -------
    str
        Such as ``"2.33"``.
    """
    return f"{loss:.2f}"


def first_batch_note(losses: Mapping[str, Sequence[float]], names: Mapping[str, str]) -> str:
    """Say where each variant's loss started, next to a uniform guess's.

    Parameters
    ----------
    losses : mapping
        Variant key to its batch losses so far.
    names : mapping
        Variant key to the name the page gives it.

    Returns
    -------
    str
        Such as ``"First batch: D · from scratch 2.33. A uniform guess over the 10
        classes scores ln 10 = 2.30."``; ``""`` before the first batch.

    Notes
    -----
    A network whose outputs are all equal gives every class ``1/K`` and the loss
    ``-ln(1/K) = ln K``; untrained weights start near it.
    """
    started = {k: v[0] for k, v in losses.items() if len(v)}
    if not started:
        return ""
    firsts = ", ".join(f"{names[k]} {first_batch_text(v)}" for k, v in started.items())
    return (
        f"First batch: {firsts}. A uniform guess over the 10 classes scores "
        f"ln 10 = {math.log(10):.2f}."
    )
