"""The docs' sandbox: the demo's scale, so the figures the pages quote are the ones a reader sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from so24_pipelines.cli import DEMO_SCALE
from so24_pipelines_tests.sandbox_process import SandboxProcess, start_sandbox


@pytest.fixture(scope="package")
def demo_sandbox() -> Iterator[SandboxProcess]:
    server = start_sandbox(scale=DEMO_SCALE, timeout=300)
    try:
        yield server
    finally:
        server.stop()
