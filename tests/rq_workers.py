"""RQ worker processes (`python -m core.jobs.rq_worker`) for the tests that use Redis jobs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class RQWorkers:
    """`count` real RQ workers on `queue` of the Redis at `url`; `stop` ends them all."""

    def __init__(self, url: str, queue: str, count: int = 1, log: Path | None = None, **env):
        self.url, self.queue, self.log, self.env = url, queue, log, env
        self.processes: list[subprocess.Popen] = []
        for _ in range(count):
            self.start()

    def start(self) -> subprocess.Popen:
        """Start one more worker."""
        out = self.log.open("a") if self.log else subprocess.DEVNULL
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "core.jobs.rq_worker", "--redis", self.url),
                *("--queue", self.queue, "--name", f"test-{self.queue}"),
            ],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        """End every worker (and, through their death signal, their job processes)."""
        for process in self.processes:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGKILL)
        for process in self.processes:
            process.wait(10)
