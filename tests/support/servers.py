"""Sapat under gunicorn in a child process, as in production; used by crash tests and benchmarks."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """Start with ``start()``; ``kill()`` is kill -9 of master and workers at once."""

    def __init__(self, instance: Path, database_url: str, workers: int = 2, threads: int = 4,
                 log: Path | None = None, access_log: str = os.devnull):
        self.instance, self.database_url = Path(instance), database_url
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.log = log or self.instance / "gunicorn.log"
        self.access_log = access_log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "GunicornServer":
        env = dict(os.environ, SAPAT_INSTANCE_PATH=str(self.instance), SAPAT_DATABASE_URL=self.database_url,
                   SAPAT_BIND=f"127.0.0.1:{self.port}", SAPAT_WORKERS=str(self.workers),
                   SAPAT_THREADS=str(self.threads), SAPAT_ACCESS_LOG=self.access_log)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "server" / "gunicorn_conf.py"),
                 "server.wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                requests.get(f"{self.url}/v1/users/current", timeout=5)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: no worker gets to finish or clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def peak_rss_kib(self) -> int:
        """Sum over master and workers of the peak resident set size (VmHWM), in KiB."""
        total = 0
        for pid in self._pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except FileNotFoundError:
                pass
        return total

    def _pids(self) -> list[int]:
        if not self.process:
            return []
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        return pids

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
