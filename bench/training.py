"""Training benchmarks: part of `scripts/lab bench` (alone: `.venv/bin/python -m bench.training`).

All figures come from one run on one machine, as ratios:
- our Keras engine (variant C) and the NumPy engine (variant D) against a plain
  ``model.fit`` with default settings, 784-25-15-10 on MNIST-format data and
  64-25-15-10 on the embedded digits, Adam, batch 32;
- a training job's throughput while the train page is open and redrawing its
  charts (AppTest polling twice a second, in this process, as the server would)
  against the same job with no page open;
- the median server-side rerun of other pages while a training job runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.__main__ import (  # noqa: E402
    PAGE_TIMES,
    machine,
    serve_like_a_running_server,
    time_page_runs,
)
from bench.results import record_section  # noqa: E402
from bench.tasks import write_fake_mnist  # noqa: E402
from core.jobs.pool import JobStatus, WorkerPool  # noqa: E402
from core.training.run import TRAIN_TASK, TrainConfig  # noqa: E402

TASKS = "bench.tasks:"
ROUNDS = 4


def numpy_blas() -> str:
    """Name NumPy's BLAS and the kernels it runs, and say when the environment forces them."""
    from threadpoolctl import threadpool_info

    libraries = [i for i in threadpool_info() if i["user_api"] == "blas"]
    text = (
        ", ".join(
            f"{i['internal_api']} {i['version']} ({i.get('architecture', 'unknown')} kernels)"
            for i in libraries
        )
        or "no BLAS found"
    )
    if not any(i["internal_api"] == "openblas" for i in libraries):
        return text
    forced = {
        k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ
    }
    if forced:
        # Set on some machines for old OpenBLAS builds; it slows the NumPy engine's matmuls.
        settings = ", ".join(f"{k}={v}" for k, v in forced.items())
        text += (
            f", forced by {settings}: for this CPU's own kernels run "
            "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE scripts/lab bench`"
        )
    else:
        text += ", no OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE set: the kernels chosen for this CPU"
    return text


def run(target: str, params: dict, timeout: float = 900):
    # A fresh worker per measurement: TensorFlow's thread settings are per process and
    # the baseline (default threads) must not share one with our engines (one thread).
    pool = WorkerPool(max_workers=1)
    try:
        job = pool.submit(target, params)
        assert pool.wait(job, timeout), f"{target} did not finish"
        assert job.status is JobStatus.DONE, job.error
        return job.result
    finally:
        pool.shutdown()


def engine_rows(mnist_path: str) -> list[str]:
    rows = []
    for label, base, epochs in (
        ("784-25-15-10, MNIST format", {"data": "mnist", "mnist_path": mnist_path}, 1),
        ("64-25-15-10, embedded digits", {"data": "uci-digits"}, 30),
    ):
        # Rounds of three runs made back to back (plain fit, C, D), and every round's
        # ratio shown: the plain fit's own speed swings by a quarter from run to run here,
        # and one best-of figure would hide which way a ratio can fall.
        rates: dict[str, list[float]] = {"plain": [], "C": [], "D": []}
        for _ in range(ROUNDS):
            rates["plain"].append(run(TASKS + "plain_fit", {"config": base, "epochs": epochs}))
            for variant in "CD":
                config = {**base, "variants": (variant,)}
                rates[variant].append(
                    run(TASKS + "engine_rate", {"config": config, "epochs": epochs})
                )
        for variant, name, bar in (("C", "Keras engine (C)", 2), ("D", "NumPy engine (D)", 10)):
            ratios = [r / p for r, p in zip(rates[variant], rates["plain"], strict=True)]
            rows.append(
                f"| {label} | {name} | {statistics.median(rates[variant]):,.0f} | "
                f"{statistics.median(rates['plain']):,.0f} | "
                f"{', '.join(f'{r:.1f}x' for r in ratios)} | {statistics.median(ratios):.1f}x | "
                f"{bar}x | {sum(r >= bar for r in ratios)} of {ROUNDS} |"
            )
            print(rows[-1], flush=True)
    return rows


def progress_rate(events: list[dict], batch_size: int) -> float:
    """Return the samples per second over the whole job, from its last progress event."""
    last = [e for e in events if e["type"] == "progress"][-1]
    return last["step"] * batch_size / last["elapsed"]


def job_rate(pool: WorkerPool, config: TrainConfig, poll_page: bool) -> float:
    if not poll_page:
        job = pool.submit(TRAIN_TASK, config.to_params())
        assert pool.wait(job, 900) and job.status is JobStatus.DONE, job.error
        return progress_rate(job.events, config.batch_size)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    query = {
        "variant": ",".join(config.variants),
        "epochs": str(config.epochs),
        "batch": str(config.batch_size),
    }
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/train.py")
    at.run()
    at.button(key="tr.start").click().run()
    while not any(h.value == "After training" for h in at.subheader):
        time.sleep(0.5)
        at.run()
    history = at.session_state["tr.history"]
    return history.progress["step"] * config.batch_size / history.progress["elapsed"]


def page_rows(pool: WorkerPool) -> list[str]:
    config = TrainConfig(variants=("C", "D"), epochs=40, batch_size=32)
    without = job_rate(pool, config, poll_page=False)
    with_page = job_rate(pool, config, poll_page=True)
    ratio = with_page / without
    return [
        f"| training job (C and D, embedded digits, 40 epochs) | {without:,.0f} | "
        f"{with_page:,.0f} | {ratio:.0%} | 80% | {'yes' if ratio >= 0.8 else 'NO'} |"
    ]


def rerun_rows(pool: WorkerPool) -> list[str]:
    job = pool.submit(
        TRAIN_TASK, TrainConfig(variants=("A", "C", "D"), epochs=100, batch_size=8).to_params()
    )
    while job.status is not JobStatus.RUNNING or len(job.events) < 3:
        time.sleep(0.2)
    rows = []
    for name, page, key, values in (
        ("lesson path", "pages/home.py", None, None),
        ("softmax, moving a slider", "pages/softmax.py", "sm.z0", [2.0, 5.0, 8.0]),
    ):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        at.switch_page(page)
        at.run()
        PAGE_TIMES.clear()
        for i in range(30):
            if key:
                at.slider(key=key).set_value(values[i % 3]).run()
            else:
                at.run()
        median = statistics.median(PAGE_TIMES)
        rows.append(f"| {name} | {median:.1f} | {'yes' if median < 30 else 'NO'} |")
        print(rows[-1], flush=True)
    assert job.status is JobStatus.RUNNING, "the training job ended before the measurement"
    pool.stop(job.id)
    return rows


def main() -> None:
    blas = numpy_blas()
    print(f"NumPy's BLAS: {blas}", flush=True)
    serve_like_a_running_server()
    time_page_runs()
    pool = WorkerPool(max_workers=1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mnist_path = str(Path(tmp) / "mnist.npz")
            write_fake_mnist(mnist_path)
            engines = engine_rows(mnist_path)
        page = page_rows(pool)
        reruns = rerun_rows(pool)
    finally:
        pool.shutdown()
    report = [
        "## Training throughput (issue 4)",
        "",
        f"Machine: {machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Command: `scripts/lab bench`. Adam, batch 32, each run in a fresh worker process; "
        "our engines against a plain `model.fit` with default settings (TensorFlow's "
        f"default threads) in {ROUNDS} rounds, each round a plain fit, then C, then D, "
        "back to back; samples/s are medians over the rounds.",
        f"NumPy's BLAS (the NumPy engine's matrix products): {blas}.",
        "",
        "| network and data | engine | samples/s | plain fit samples/s | ratio per round "
        "| median ratio | bar | rounds at or above the bar |",
        "|---|---|---|---|---|---|---|---|",
        *engines,
        "",
        "Throughput of a whole training job (events and epoch evaluations included) with no "
        "page open, and with the train page open and redrawing its charts twice a second "
        "(AppTest in the server's place):",
        "",
        "| job | no page, samples/s | page open, samples/s | ratio | bar | met |",
        "|---|---|---|---|---|---|",
        *page,
        "",
        "Server-side page run while a training job (A, C and D, batch 8) runs in a worker:",
        "",
        "| page | median ms | under 30 ms |",
        "|---|---|---|",
        *reruns,
        "",
    ]
    text = "\n".join(report)
    print(text)
    record_section(text)


if __name__ == "__main__":
    main()
