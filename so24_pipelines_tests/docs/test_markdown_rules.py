"""The page rules of markdown.py on small pages: what a page says becomes the actions run, in order,
and a block or command nobody would run is a problem, not silently skipped."""

from __future__ import annotations

from pathlib import Path

from so24_pipelines_tests.docs.markdown import parse


def _page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return path


WALKTHROUGH = """# A page

<!-- not-run: a diagram -->
```
a --> b
```

## Try it

<!-- walkthrough -->
1. **Launch** `so24_incremental`: `so24_products` shows `updated 1`, `unchanged
   0`. Then:

   ```bash
   curl -s -X POST localhost:8024/_sandbox/rackbeat/orders/100014/book
   curl -s localhost:8024/_sandbox/24so/orders/100014 \\
     -H 'accept: application/json'  # → "OrderStatus":"OrderState_Sent"
   ```

2. Set:

   ```yaml so24.yaml
   flows: {R2: {customers: both}}
   ```

   **Launch** `rackbeat_fetch_order` with

   ```yaml launchpad
   ops: {fetch_so24_order_into_rackbeat: {config: {order_id: 100002}}}
   ```

   **Materialize** `rackbeat_setup`: it fails with `Rename customer group`. **Wait** 60 s: the
   sensor `rackbeat_stock_events` starts `rackbeat_stock`, and `rackbeat_stock_to_so24`'s preview
   says `24SO already has`.

## After

<!-- not-run: the reader's own shell -->
```bash
make demo
```
"""


def test_a_walkthrough_becomes_its_actions_in_page_order(tmp_path: Path) -> None:
    page = parse(_page(tmp_path, WALKTHROUGH))
    assert page.problems == []
    kinds = [a.kind for a in page.actions]
    assert kinds == ["launch", "shows", "shell", "settings", "launch", "materialize", "wait", "sensor", "preview"]
    launch, shows, shell, settings, fetch, setup, wait, sensor, preview = page.actions
    assert (launch.job, launch.line) == ("so24_incremental", 11)
    assert shows.assets == ("so24_products",) and shows.counts == {"updated": 1, "unchanged": 0}
    assert [c.text for c in shell.commands] == [
        "curl -s -X POST localhost:8024/_sandbox/rackbeat/orders/100014/book",
        "curl -s localhost:8024/_sandbox/24so/orders/100014 -H 'accept: application/json'",
    ]
    assert [c.expect for c in shell.commands] == [None, '"OrderStatus":"OrderState_Sent"']
    assert settings.settings == {"flows": {"R2": {"customers": "both"}}}
    assert fetch.run_config == {"ops": {"fetch_so24_order_into_rackbeat": {"config": {"order_id": 100002}}}}
    assert setup.assets == ("rackbeat_setup",) and setup.fails_with == "Rename customer group"
    assert wait.seconds == 60
    assert (sensor.sensor, sensor.job) == ("rackbeat_stock_events", "rackbeat_stock")
    assert preview.assets == ("rackbeat_stock_to_so24",) and preview.text == "24SO already has"


def test_a_block_that_is_neither_run_nor_marked_is_a_problem(tmp_path: Path) -> None:
    unmarked = WALKTHROUGH.replace("<!-- not-run: the reader's own shell -->\n", "")
    problems = parse(_page(tmp_path, unmarked)).problems
    assert len(problems) == 1 and "page.md:38: ```bash block is not run" in problems[0]


def test_a_yaml_block_without_a_purpose_and_a_marker_without_a_reason_are_problems(tmp_path: Path) -> None:
    text = WALKTHROUGH.replace("```yaml so24.yaml", "```yaml").replace("not-run: a diagram", "not-run:")
    problems = parse(_page(tmp_path, text)).problems
    assert any("page.md:3: a not-run marker needs its reason" in p for p in problems)
    assert any("```yaml block is not run" in p for p in problems)


def test_commands_in_prose_and_placeholders_are_problems(tmp_path: Path) -> None:
    text = WALKTHROUGH.replace(
        "2. Set:", "2. Ship with `curl -X POST localhost:8024/_sandbox/rackbeat/orders/1/ship`. Set:"
    ).replace("orders/100014/book", "orders/<n>/book")
    problems = parse(_page(tmp_path, text)).problems
    assert any("page.md:15:" in p and "placeholder" in p for p in problems)
    assert any("page.md:20:" in p and "is a command in prose" in p for p in problems)


def test_a_launchpad_without_a_launch_and_a_walkthrough_with_nothing_to_run_are_problems(tmp_path: Path) -> None:
    orphan = WALKTHROUGH.replace("**Launch** `rackbeat_fetch_order` with", "Then, with")
    assert any("a launchpad block must follow a **Launch**" in p for p in parse(_page(tmp_path, orphan)).problems)
    empty = "# P\n\n## Try\n\n<!-- walkthrough -->\nNothing to do.\n"
    assert parse(_page(tmp_path, empty)).problems == ["page.md: the walkthrough has no step the test can run"]


def test_a_page_may_hold_one_walkthrough_per_section_run_in_page_order(tmp_path: Path) -> None:
    second = "\n## Another flow\n\nNot part of a walkthrough.\n\n### Seeing it\n\n<!-- walkthrough -->\n" \
        "**Launch** `lnb_orders`: `l2_orders_to_so24` shows `created 2`.\n\n" \
        "```bash\ncurl -s localhost:8024/_sandbox/lnb/stats  # → \"status_changes\":1\n```\n"
    text = WALKTHROUGH.replace("## After", second.lstrip("\n") + "\n## After")
    page = parse(_page(tmp_path, text))
    assert page.problems == []
    kinds = [a.kind for a in page.actions]
    assert kinds == [
        "launch", "shows", "shell", "settings", "launch", "materialize", "wait", "sensor", "preview",
        "launch", "shows", "shell",
    ]  # fmt: skip
    launch, shows, shell = page.actions[-3:]
    assert launch.job == "lnb_orders" and shows.counts == {"created": 2}
    assert shell.commands[0].expect == '"status_changes":1'
    assert launch.line > page.actions[-4].line, "the second walkthrough runs after the first"


def test_a_second_marker_in_one_section_and_an_empty_second_walkthrough_are_problems(tmp_path: Path) -> None:
    twice = WALKTHROUGH.replace("2. Set:", "<!-- walkthrough -->\n2. Set:")
    problems = parse(_page(tmp_path, twice)).problems
    assert problems == ["page.md:20: a second walkthrough marker in one section; one walkthrough per `## ` section"]
    empty = WALKTHROUGH.replace("## After", "## Later\n\n<!-- walkthrough -->\nNothing to do.\n\n## After")
    assert parse(_page(tmp_path, empty)).problems == ["page.md: the walkthrough has no step the test can run"]
