"""Shared fixtures: one sandbox server per test session, reset before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from so24_pipelines_tests.sandbox_process import SandboxProcess, start_sandbox

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_WSDL_DIR = REPO_ROOT.parent / "shared" / "reference" / "24so" / "wsdl"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxProcess]:
    server = start_sandbox()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxProcess) -> SandboxProcess:
    """The session's sandbox, reset to its seeded state with faults off."""
    sandbox_server.reset()
    return sandbox_server
