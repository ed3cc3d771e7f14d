"""Softmax Lab on several server processes: Redis, N Streamlit servers, nginx in front.

    .venv/bin/python scripts/serve.py --replicas 2 [--workers K] [--port 8501]

(`scripts/lab serve ...` installs what is missing first, then runs this.) Everything runs
in the foreground from a run folder (default ``.run/serve/``, git-ignored): redis-server
on a local port without persistence, the servers on consecutive local ports with
``SOFTMAX_LAB_REDIS`` naming it, and nginx (`scripts/nginx.conf.template`) with sticky
sessions by cookie. Ctrl-C or SIGTERM stops them all.

Tests start and stop the same stack with `start_stack`, which returns a `Stack`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "scripts" / "nginx.conf.template"
COOKIE = "softmax_lab_server"
"""The cookie that pins a browser to one server; its value is the server's name."""
HEADER = "X-Softmax-Lab-Server"
"""The response header naming the server that answered."""
REDIS_ENV = "SOFTMAX_LAB_REDIS"
WORKER_MODULE = "core.jobs.rq_worker"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port nothing listens on now (it may be taken again before use)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(ready: Callable[[], bool], timeout: float, what: str, alive=None) -> None:
    """Poll `ready` until it is true; raise after `timeout` s or once `alive()` is false."""
    deadline = time.monotonic() + timeout
    while not ready():
        if alive is not None and not alive():
            raise RuntimeError(f"{what}: the process exited")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(0.05)


def _tool(name: str) -> str:
    # Debian installs nginx in /usr/sbin, which is not on every user's PATH.
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError(f"{name} is not installed (scripts/lab serve installs it with apt)")


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


@dataclass
class RedisServer:
    """A redis-server on a local port, without persistence, in its own folder."""

    folder: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> RedisServer:
        """Start it on `port` (a free one if 0) and wait until it answers PING."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):  # a free port can be taken between the check and the bind
            port = self.port or free_port()
            command = [_tool("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
            command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
            command += ["--daemonize", "no", "--logfile", str(self.folder / "redis.log")]
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, start_new_session=True
            )
            try:
                wait_until(
                    lambda port=port: _answers_ping(port),
                    timeout,
                    f"redis-server on port {port}",
                    alive=lambda: self.process.poll() is None,
                )
            except RuntimeError:
                if self.port or attempt == 2:
                    raise
                continue
            self.port = port
            return self
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Stop it (its data goes with it)."""
        if self.process is not None:
            _stop(self.process)


def nginx_config(
    run: Path, listen: str, servers: list[int | str], max_body_mb: int, as_root: bool = False
) -> str:
    """Return nginx's configuration from the template.

    Parameters
    ----------
    run : Path
        The run folder (pid, logs, temporary files).
    listen : str
        What nginx listens on, such as ``"0.0.0.0:8501"``.
    servers : list of int or str
        The Streamlit servers: local ports, or ``"host:port"`` addresses (servers on
        other machines). They are named ``s1``, ``s2``... in this order.
    max_body_mb : int
        Streamlit's upload limit in MB (``server.maxUploadSize``).
    as_root : bool
        Whether nginx starts as root (its workers then stay root: see below).
    """
    names = [f"s{i + 1}" for i in range(len(servers))]
    address = [f"127.0.0.1:{s}" if isinstance(s, int) else s for s in servers]
    cookie_map = "\n".join(f"        {n} softmax_lab_{n};" for n in names)
    addr_map = "\n".join(
        f'        "~(^|\\s){re.escape(a)}$" {n};' for n, a in zip(names, address, strict=True)
    )
    any_servers = "\n".join(f"        server {a} max_fails=1 fail_timeout=5s;" for a in address)
    pinned = []
    for n, a in zip(names, address, strict=True):
        backups = "".join(f"        server {b} backup;\n" for b in address if b != a)
        pinned.append(
            f"    upstream softmax_lab_{n} {{\n        server {a};\n{backups}        keepalive 8;\n"
            "    }"
        )
    # nginx started as root hands its workers to `nobody`, who cannot enter a private
    # run folder: they stay the user who started it.
    user = "user root;" if as_root else ""
    text = TEMPLATE.read_text()
    for name, value in {
        "@USER@": user,
        "@RUN@": str(run),
        "@COOKIE_MAP@": cookie_map,
        "@ADDR_MAP@": addr_map,
        "@ANY_SERVERS@": any_servers,
        "@PINNED_UPSTREAMS@": "\n".join(pinned),
        "@LISTEN@": listen,
        "@MAX_BODY@": f"{max_body_mb + 1}m",
    }.items():
        text = text.replace(name, value)
    return text


def _max_upload_mb() -> int:
    # Streamlit's own limit, from the app's config (200 MB is Streamlit's default).
    try:
        config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
        return int(config.get("server", {}).get("maxUploadSize", 200))
    except (OSError, ValueError):
        return 200


@dataclass
class Stack:
    """A running stack: what `start_stack` started, and how to stop it."""

    url: str
    """nginx's address, the app's URL."""
    redis_url: str
    server_urls: list[str]
    """Each Streamlit server's own address (local), in the order of their names s1, s2..."""
    run: Path
    redis: RedisServer
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    """Every process but Redis, by name: ``server-s1``..., ``worker-1``..., ``nginx``."""
    worker_env: dict[str, str] = field(default_factory=dict)
    restarts: int = 0
    """RQ workers started again after they died (see `supervise_workers`)."""
    _stopping: threading.Event = field(default_factory=threading.Event)

    def start_worker(self, name: str) -> subprocess.Popen:
        """Start (or start again) the RQ worker `name` (``worker-1``...), logging to its file."""
        with (self.run / f"{name}.log").open("a") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, "--name", name],
                cwd=ROOT,
                env=self.worker_env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def supervise_workers(self, every: float = 0.5) -> threading.Thread:
        """Start a thread that starts a dead RQ worker again (its job failed with it)."""

        def watch() -> None:
            while not self._stopping.wait(every):
                for name, process in list(self.processes.items()):
                    if name.startswith("worker-") and process.poll() is not None:
                        if self._stopping.is_set():
                            return
                        self.start_worker(name)
                        self.restarts += 1

        thread = threading.Thread(target=watch, name="rq-worker-supervisor", daemon=True)
        thread.start()
        return thread

    @property
    def server_pids(self) -> list[int]:
        """The Streamlit servers' process ids, in the order of their names."""
        return [p.pid for n, p in self.processes.items() if n.startswith("server-")]

    @property
    def server_names(self) -> list[str]:
        """The servers' names: the values of the sticky cookie."""
        return [n.removeprefix("server-") for n in self.processes if n.startswith("server-")]

    def stop(self) -> None:
        """Stop nginx, the workers and the servers, then Redis."""
        self._stopping.set()
        order = sorted(self.processes, key=lambda n: (n != "nginx", n))
        for name in order:
            with contextlib.suppress(OSError):
                self.processes[name].terminate()
        for name in order:
            with contextlib.suppress(OSError):
                _stop(self.processes[name])
        self.redis.stop()


def start_stack(
    replicas: int = 2,
    *,
    port: int = 8501,
    host: str = "0.0.0.0",
    workers: int = 0,
    run: Path | None = None,
    timeout: float = 120.0,
    log: Callable[[str], None] = lambda text: None,
) -> Stack:
    """Start Redis, `replicas` Streamlit servers and nginx; return once all answer.

    Parameters
    ----------
    replicas : int
        Streamlit server processes.
    port : int
        nginx's port (0: a free one).
    host : str
        The address nginx listens on (``0.0.0.0``: every interface, for a class).
    workers : int
        RQ worker processes (``python -m core.jobs.rq_worker``), started only when that
        module exists.
    run : Path, optional
        The run folder (logs, nginx's configuration and temporary files); default
        ``.run/serve``.
    timeout : float
        Seconds each part may take to answer.
    log : callable
        Told what is happening, a line at a time.

    Returns
    -------
    Stack
        The running stack; call its `stop`.
    """
    if replicas < 1:
        raise ValueError("at least one server is needed")
    run = (run or ROOT / ".run" / "serve").resolve()
    run.mkdir(parents=True, exist_ok=True)
    (run / "temp").mkdir(exist_ok=True)
    redis = RedisServer(run / "redis").start(timeout)
    log(f"redis-server: {redis.url} (pid {redis.process.pid})")
    stack = Stack("", redis.url, [], run, redis)
    try:
        ports = _consecutive_ports(replicas)
        env = {
            **os.environ,
            REDIS_ENV: redis.url,
            # One cookie secret for every replica (Streamlit signs its auth cookies with it).
            "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(32),
        }
        for i, server_port in enumerate(ports):
            name = f"s{i + 1}"
            with (run / f"server-{name}.log").open("w") as out:
                stack.processes[f"server-{name}"] = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "ui.server"),
                        *("--server.port", str(server_port), "--server.address", "127.0.0.1"),
                        *("--server.headless", "true"),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            stack.server_urls.append(f"http://127.0.0.1:{server_port}")
        if workers and _module_exists(WORKER_MODULE):
            stack.worker_env = env
            for i in range(workers):
                (run / f"worker-{i + 1}.log").write_text("")
                stack.start_worker(f"worker-{i + 1}")
            stack.supervise_workers()
            log(f"{workers} RQ workers ({WORKER_MODULE}), started again if they die")
        elif workers:
            log(f"no RQ workers: {WORKER_MODULE} does not exist in this tree")
        for name, url in zip(stack.server_names, stack.server_urls, strict=True):
            process = stack.processes[f"server-{name}"]
            wait_until(
                lambda url=url: _healthy(url),
                timeout,
                f"streamlit server {name} ({url}); see {run}/server-{name}.log",
                alive=lambda process=process: process.poll() is None,
            )
            log(f"streamlit server {name}: {url} (pid {process.pid})")
        port = port or free_port()
        conf = run / "nginx.conf"
        conf.write_text(
            nginx_config(
                run,
                f"{host}:{port}",
                [int(u.rsplit(":", 1)[1]) for u in stack.server_urls],
                _max_upload_mb(),
                as_root=os.geteuid() == 0,
            )
        )
        nginx = [_tool("nginx"), "-p", str(run), "-c", str(conf)]
        nginx += ["-e", str(run / "nginx-error.log")]
        check = subprocess.run([*nginx, "-t", "-q"], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx refused {conf}: {check.stderr.strip()}")
        stack.processes["nginx"] = subprocess.Popen(
            nginx, stdin=subprocess.DEVNULL, start_new_session=True
        )
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        stack.url = f"http://{local}:{port}"
        wait_until(
            lambda: _healthy(stack.url),
            timeout,
            f"nginx on {stack.url}; see {run}/nginx-error.log",
            alive=lambda: stack.processes["nginx"].poll() is None,
        )
        log(f"nginx: {stack.url} (pid {stack.processes['nginx'].pid})")
    except BaseException:
        stack.stop()
        raise
    return stack


def _consecutive_ports(count: int, first: int = 8601) -> list[int]:
    # `count` consecutive local ports nothing listens on, from `first` upwards.
    start = first
    while start + count < 65535:
        ports = list(range(start, start + count))
        try:
            for p in ports:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            start = p + 1
            continue
        return ports
    raise RuntimeError(f"no {count} consecutive free ports from {first}")


def _lan_address() -> str:
    # The address this machine's default route leaves from (a UDP "connect" sends nothing).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return socket.gethostname()


def _module_exists(module: str) -> bool:
    return (ROOT / (module.replace(".", "/") + ".py")).is_file()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="Streamlit servers (2)")
    parser.add_argument("--workers", type=int, default=0, help="RQ workers, if available (0)")
    parser.add_argument("--port", type=int, default=8501, help="nginx's port (8501)")
    parser.add_argument("--host", default="0.0.0.0", help="nginx's address (all interfaces)")
    parser.add_argument("--run", type=Path, default=None, help="run folder (.run/serve)")
    args = parser.parse_args(argv)

    def interrupt(signum, frame) -> None:
        raise KeyboardInterrupt

    # SIGTERM as Ctrl-C, also while starting: whatever started is stopped.
    signal.signal(signal.SIGTERM, interrupt)
    try:
        stack = start_stack(
            args.replicas,
            port=args.port,
            host=args.host,
            workers=args.workers,
            run=args.run,
            log=lambda text: print(text, flush=True),
        )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError) as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    print(f"\nSoftmax Lab on {len(stack.server_pids)} servers: {stack.url}", flush=True)
    if args.host in ("0.0.0.0", "::"):
        port = stack.url.rsplit(":", 1)[1]
        print(f"From other devices: http://{_lan_address()}:{port}", flush=True)
    print("Ctrl-C stops everything.", flush=True)
    try:
        while True:
            time.sleep(1.0)
            gone = [
                n
                for n, p in stack.processes.items()
                if p.poll() is not None and not n.startswith("worker-")
            ]
            if gone or stack.redis.process.poll() is not None:
                print(f"serve: {', '.join(gone) or 'redis'} stopped; stopping the rest")
                return 1
    except KeyboardInterrupt:
        print("serve: stopping", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
