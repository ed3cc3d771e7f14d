"""A training job's events folded into curves the page can draw, light at any length."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

MAX_POINTS = 500
"""Points per drawn curve: long runs are downsampled to keep page and browser light."""


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
    """

    losses: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    epochs: list[tuple[int, float, float]] = field(default_factory=list)
    samples_per_s: float = 0.0
    diverged: str | None = None


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
    """

    consumed: int = 0
    variants: dict[str, VariantHistory] = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)

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
                self.variants[event["variant"]].epochs.append(
                    (event["epoch"], event["train_accuracy"], event["test_accuracy"])
                )
            elif kind == "diverged":
                self.variants[event["variant"]].diverged = event["message"]
            elif kind == "progress":
                self.progress = event
        self.consumed += len(new)
        return self

    @property
    def fraction_done(self) -> float:
        """Share of all steps done, 0 to 1."""
        total = self.progress.get("total_steps") or self.start.get("total_steps") or 0
        return min(1.0, self.progress.get("step", 0) / total) if total else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated time to finish, from the pace so far."""
        done, elapsed = self.fraction_done, self.progress.get("elapsed", 0.0)
        if done <= 0 or elapsed <= 0:
            return None
        return elapsed * (1 - done) / done

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
