"""Shared test settings: project root on sys.path, hypothesis profiles, a Redis server."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A real redis-server of the test run's own, on a free port, without persistence.

    Started when a test first asks for it (`scripts/lab serve` and CI install Debian's
    ``redis-server``); tests share it, each under a key prefix of its own.
    """
    from scripts.serve import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start(timeout=30)
    yield server.url
    server.stop()
