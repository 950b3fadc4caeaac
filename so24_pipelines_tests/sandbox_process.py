"""Start the sandbox as a real server process on a free port, for contract and end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SandboxProcess:
    """A running sandbox: `url` is the base (no trailing slash); `control(...)` talks to /_sandbox."""

    url: str
    process: subprocess.Popen

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        resp = requests.request(method, f"{self.url}/_sandbox/{path.lstrip('/')}", timeout=30, **kwargs)
        resp.raise_for_status()
        return resp

    def reset(self) -> None:
        self.control("POST", "reset")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_sandbox(scale: int = 40, seed: int = 24, timeout: float = 90.0) -> SandboxProcess:
    port = free_port()
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "so24_sandbox", "--port", str(port), "--scale", str(scale), "--seed", str(seed)],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sandbox exited early with code {proc.returncode}")
        try:
            if requests.get(f"{url}/_sandbox/health", timeout=2).ok:
                return SandboxProcess(url=url, process=proc)
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"sandbox did not answer on {url} within {timeout}s")
