"""Read a page's demo walkthrough out of its markdown, so the test runs what the page says.

A page is tested on what it says, not on a copy in a test: editing the page changes the test.
The rules a page follows (README.md says them to its readers in one sentence):

- Every fenced block is accounted for. A block inside the walkthrough is run: ```` ```bash ````
  (each command, the sandbox's port put in for 8024), ```` ```yaml so24.yaml ```` (merged into the
  demo's settings file, then the code location is reloaded) or ```` ```yaml launchpad ```` (the run
  config of the **Launch** just before it). Any other block, anywhere, carries
  `<!-- not-run: reason -->` on the line before it, or the page fails: a new command nobody runs
  is exactly what goes stale.
- A walkthrough starts at `<!-- walkthrough -->` and ends at the next `## ` heading. A page may
  hold several (one per `## ` section, e.g. one per flow); they run in page order against one demo,
  so a later one starts from what the earlier ones left.
- In its prose, these phrases are actions and checks (names in backticks):
  **Launch** `job`; **Materialize** `a`, `b`; **Wait** 60 s; sensor `s` starts `job`;
  `asset` shows `created 1`, `updated 0`; `asset`'s preview says `text`; and, after a Launch or
  Materialize, fails with `text`. A shell command's `# → text` says what its output contains.
- A `curl` in an inline code span of the walkthrough, or a `<placeholder>` in a command, fails the
  page: what a reader is told to type must be in a block that runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

WALKTHROUGH = "<!-- walkthrough -->"
_NOT_RUN = re.compile(r"^\s*<!--\s*not-run:(?P<reason>.*?)-->\s*$")
_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[^`]*)$")
_SHELLS = {"bash", "sh", "shell"}
_NAME = r"`(?P<{}>[a-z0-9_]+)`"
_COUNT = r"`[a-z_/]+\s+-?\d+`"

_PHRASES: dict[str, re.Pattern[str]] = {
    "launch": re.compile(r"\*\*Launch\*\*\s+" + _NAME.format("job")),
    "materialize": re.compile(
        r"\*\*Materialize\*\*\s+(?P<assets>`[a-z0-9_]+`(?:(?:,|\s+and|\s+then)\s+`[a-z0-9_]+`)*)"
    ),
    "wait": re.compile(r"\*\*Wait\*\*\s+(?P<seconds>\d+)\s+s\b"),
    "sensor": re.compile(r"sensor\s+" + _NAME.format("sensor") + r"\s+starts\s+" + _NAME.format("job")),
    "shows": re.compile(
        _NAME.format("asset") + rf"\s+shows\s+(?P<counts>{_COUNT}(?:(?:,|\s+and)\s+{_COUNT})*)"
    ),
    "preview": re.compile(
        _NAME.format("asset") + r"'s\s+preview\s+(?:says|lists|shows)\s+`(?P<text>[^`]+)`"
    ),
    "fails": re.compile(r"fails\s+with\s+`(?P<text>[^`]+)`"),
}
_INLINE_CURL = re.compile(r"`curl [^`]*`")
_PLACEHOLDER = re.compile(r"<[a-z][a-z _-]*>")


@dataclass(frozen=True)
class Fence:
    """A fenced block: `line` of its opening fence (1-based), `info` string, dedented `text`."""

    line: int
    info: str
    text: str
    not_run: str | None
    in_walkthrough: bool

    @property
    def kind(self) -> str:
        words = self.info.split()
        lang = words[0].lower() if words else ""
        if lang in _SHELLS:
            return "shell"
        if lang == "yaml" and words[1:] in (["so24.yaml"], ["launchpad"]):
            return words[1]
        return lang or "plain"


@dataclass(frozen=True)
class Command:
    """One shell command (continuation lines joined) and the text its output must contain."""

    line: int
    text: str
    expect: str | None


@dataclass
class Action:
    """One thing the walkthrough does or checks, in page order; `line` is where the page says it."""

    kind: str  # shell, settings, launch, materialize, wait, sensor, shows, preview
    line: int
    commands: list[Command] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    job: str = ""
    assets: tuple[str, ...] = ()
    sensor: str = ""
    run_config: dict[str, Any] | None = None
    fails_with: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    text: str = ""
    seconds: int = 0

    def where(self, page: str) -> str:
        return f"{page}:{self.line}"


@dataclass
class Page:
    path: Path
    fences: list[Fence]
    actions: list[Action]
    problems: list[str]

    @property
    def name(self) -> str:
        return self.path.name


def _fences(lines: list[str], walkthroughs: list[tuple[int, int]]) -> tuple[list[Fence], list[tuple[int, int]]]:
    """Every fenced block, and the line spans (0-based, end exclusive) they cover."""
    fences: list[Fence] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        indent = len(opened["indent"])
        j = i + 1
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        body = [ln[indent:] if ln[:indent].strip() == "" else ln.lstrip() for ln in lines[i + 1 : j]]
        before = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = _NOT_RUN.match(before)
        fences.append(
            Fence(
                line=i + 1,
                info=opened["info"].strip(),
                text="\n".join(body),
                not_run=marker["reason"].strip() if marker else None,
                in_walkthrough=any(start <= i < end for start, end in walkthroughs),
            )
        )
        spans.append((i, j + 1))
        i = j + 1
    return fences, spans


def _commands(fence: Fence) -> list[Command]:
    commands: list[Command] = []
    pending, first = "", 0
    for offset, raw in enumerate(fence.text.splitlines()):
        line = fence.line + 1 + offset
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            first = line
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        text, _, expect = (pending + stripped).partition("# →")
        commands.append(Command(first, text.strip(), expect.strip() or None))
        pending = ""
    return commands


def _counts(text: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r"`([a-z_/]+)\s+(-?\d+)`", text)}


def _walkthroughs(path: Path, lines: list[str], problems: list[str]) -> list[tuple[int, int]]:
    """(marker line, end line) of each walkthrough, 0-based, end exclusive: marker to next `## `."""
    found: list[tuple[int, int]] = []
    for start in (i for i, ln in enumerate(lines) if ln.strip() == WALKTHROUGH):
        if found and start < found[-1][1]:
            problems.append(
                f"{path.name}:{start + 1}: a second walkthrough marker in one section; "
                "one walkthrough per `## ` section"
            )
            continue
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        found.append((start, end))
    return found


def _phrases(path: Path, lines: list[str], start: int, end: int, covered: set[int], problems: list[str]) -> list[tuple[int, int, Action]]:
    """The actions and checks the prose of one walkthrough names: (line, offset within it, action)."""
    items: list[tuple[int, int, Action]] = []
    prose_lines = [(i, lines[i]) for i in range(start + 1, end) if i not in covered]
    text = "\n".join(ln for _, ln in prose_lines)
    offsets: list[int] = []
    pos = 0
    for _, ln in prose_lines:
        offsets.append(pos)
        pos += len(ln) + 1

    def line_at(offset: int) -> int:
        idx = max(k for k, o in enumerate(offsets) if o <= offset) if offsets else 0
        return prose_lines[idx][0] + 1 if prose_lines else start + 1

    flat = text.replace("\n", " ")
    for kind, pattern in _PHRASES.items():
        for m in pattern.finditer(flat):
            line = line_at(m.start())
            action = Action(kind=kind, line=line)
            if kind == "launch":
                action.job = m["job"]
            elif kind == "materialize":
                action.assets = tuple(re.findall(r"`([a-z0-9_]+)`", m["assets"]))
            elif kind == "wait":
                action.seconds = int(m["seconds"])
            elif kind == "sensor":
                action.sensor, action.job = m["sensor"], m["job"]
            elif kind == "shows":
                action.assets, action.counts = (m["asset"],), _counts(m["counts"])
            elif kind in ("preview", "fails"):
                action.assets = (m["asset"],) if kind == "preview" else ()
                action.text = m["text"]
            items.append((line, m.start(), action))
    for m in _INLINE_CURL.finditer(flat):
        problems.append(
            f"{path.name}:{line_at(m.start())}: {m.group(0)} is a command in prose; put it in a ```bash block"
        )
    return items


def parse(path: Path) -> Page:
    """The page's fences, its walkthroughs' actions in page order, and what breaks the rules above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    problems: list[str] = []
    walkthroughs = _walkthroughs(path, lines, problems)
    fences, spans = _fences(lines, walkthroughs)

    for i, ln in enumerate(lines):
        if _NOT_RUN.match(ln):
            following = next((k for k in range(i + 1, len(lines)) if lines[k].strip()), None)
            if following is None or not _FENCE.match(lines[following]):
                problems.append(f"{path.name}:{i + 1}: a not-run marker must stand right before a fenced block")
            elif not _NOT_RUN.match(ln)["reason"].strip():
                problems.append(f"{path.name}:{i + 1}: a not-run marker needs its reason")

    # Each walkthrough in page order: prose between fences (phrases found by offset), then the fence.
    covered = {k for a, b in spans for k in range(a, b)}
    items: list[tuple[int, int, Action]] = []  # (line, order within line, action)
    for start, end in walkthroughs:
        items += _phrases(path, lines, start, end, covered, problems)

    for fence in fences:
        if fence.not_run is not None:
            continue
        if not fence.in_walkthrough or fence.kind not in ("shell", "so24.yaml", "launchpad"):
            problems.append(
                f"{path.name}:{fence.line}: ```{fence.info} block is not run; run it in the walkthrough "
                "or mark it <!-- not-run: reason -->"
            )
            continue
        action = Action(kind=fence.kind, line=fence.line)
        if fence.kind == "shell":
            action.kind, action.commands = "shell", _commands(fence)
            for command in action.commands:
                if _PLACEHOLDER.search(command.text):
                    problems.append(
                        f"{path.name}:{command.line}: {command.text!r} has a placeholder; give a value that runs"
                    )
        else:
            loaded = yaml.safe_load(fence.text) or {}
            if not isinstance(loaded, dict):
                problems.append(f"{path.name}:{fence.line}: a ```yaml {fence.kind} block must be a mapping")
                continue
            action.kind = "settings" if fence.kind == "so24.yaml" else "launchpad"
            action.settings = loaded
        items.append((fence.line, -1, action))

    items.sort(key=lambda item: (item[0], item[1]))
    actions: list[Action] = []
    for _, _, action in items:
        if action.kind == "launchpad":
            if not actions or actions[-1].kind != "launch":
                problems.append(f"{path.name}:{action.line}: a launchpad block must follow a **Launch**")
            else:
                actions[-1].run_config = action.settings
            continue
        if action.kind == "fails":
            runs = [a for a in actions if a.kind in ("launch", "materialize")]
            if not runs:
                problems.append(f"{path.name}:{action.line}: 'fails with' must follow a Launch or Materialize")
            else:
                runs[-1].fails_with = action.text
            continue
        actions.append(action)
    for start, end in walkthroughs:
        if not any(start < action.line - 1 < end for action in actions) and not any(
            f.in_walkthrough and f.not_run is None and start < f.line - 1 < end for f in fences
        ):
            problems.append(f"{path.name}: the walkthrough has no step the test can run")
    return Page(path=path, fences=fences, actions=actions, problems=problems)
