"""docs/flows/*.md as tests: each page's "Seeing it in `make demo`" walkthroughs run as written, in page order,
against a fresh demo (demo.py: the demo's settings, env, receiver and definitions, the sandbox at
the demo's scale) and every check it states holds. Its blocks are accounted for by
test_readme_steps.py (one rule set for every page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from so24_pipelines_tests.docs.demo import running_demo
from so24_pipelines_tests.docs.markdown import WALKTHROUGH, parse
from so24_pipelines_tests.docs.walkthrough import run_walkthrough

pytestmark = pytest.mark.e2e

FLOW_PAGES = sorted((Path(__file__).resolve().parents[2] / "docs" / "flows").glob("*.md"))


def test_every_flow_page_has_a_walkthrough() -> None:
    """A page without one would pass below by running nothing."""
    missing = [p.name for p in FLOW_PAGES if WALKTHROUGH not in p.read_text(encoding="utf-8")]
    assert FLOW_PAGES and not missing, f"docs/flows pages without {WALKTHROUGH}: {missing}"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", FLOW_PAGES, ids=lambda p: p.name)
def test_the_page_walkthrough_runs_as_written(page: Path, demo_sandbox, tmp_path, monkeypatch) -> None:
    found = parse(page)
    assert not found.problems, "\n".join(found.problems)
    with running_demo(demo_sandbox, tmp_path / "home", monkeypatch) as demo:
        run_walkthrough(found, demo)
