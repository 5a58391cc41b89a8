"""Lessons: guided tours through the lab, written as data (``lessons/*.toml``).

A lesson is a TOML file (Python's own ``tomllib`` reads it; nothing in it is executed): a title, a level, the
papers it follows, a one-line summary, and 2–12 steps.  A step names a view — a page and the lab's own link
parameters, as a preset does — and says two to four sentences, what to notice, optionally what to do and a
question with its answer, and lists what the view shows that the text relies on (``shows``: every number it
names, checked in a browser by the tests).  Every step's view is validated by the lab's state parser: an unknown page, a
parameter the lab does not know or a value it would change with a notice is refused with a clear message, so
a lesson never opens a view other than the one it describes.

The lesson and the step travel in the link as the state's ``lesson`` and ``step`` fields, so a lecturer shares a
step and Back works; the reader may play with the controls and go back to the step's view.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from components.state import FIELDS, LabState, parse_query, parse_state, state_query

#: Where the lab's lessons live, and what a lesson file may hold: its size, its steps, a text's length.
LESSON_DIR = Path(__file__).resolve().parents[1] / "lessons"
MAX_BYTES, MIN_STEPS, MAX_STEPS = 64_000, 2, FIELDS["step"].high
MAX_TITLE, MAX_TEXT = 120, 1_200
LEVELS = ("introductory", "intermediate", "advanced")
#: Reading time per step (minutes), for the index's "length".
MINUTES_PER_STEP = 1.5
#: The state's own keys for the tour: a step's view may not set them.
TOUR_KEYS = ("lesson", "step")
_ID = re.compile(FIELDS["lesson"].low)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class LessonError(ValueError):
    """A lesson file the lab refuses, with the reason in words a lecturer can act on."""


@dataclass(frozen=True)
class Step:
    """One step: its title, the view (page path and link query), its text, what to notice, and the optional
    action, question and answer."""

    title: str
    path: str
    query: str
    text: str
    notice: str
    action: str = ""
    question: str = ""
    answer: str = ""
    #: texts the view displays in this state — every number the step names (checked in a browser by the tests)
    shows: tuple = ()


@dataclass(frozen=True)
class Lesson:
    """A lesson: its id (the file's name), title, level, papers, summary and steps."""

    key: str
    title: str
    level: str
    papers: tuple
    summary: str
    steps: tuple

    @property
    def minutes(self) -> int:
        """An estimate of its length."""
        return max(1, round(MINUTES_PER_STEP * len(self.steps)))

    def state(self, k: int) -> LabState:
        """The lab's state at step k (1-based), the tour's fields included."""
        step = self.steps[k - 1]
        return parse_state({**parse_query(step.query)[0], "lesson": self.key, "step": k})[0]

    def href(self, k: int) -> str:
        """The link to step k (1-based): its page with its state and the tour's fields."""
        return f"{self.steps[k - 1].path}{state_query(self.state(k))}"


def _text(table: dict, key: str, where: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise LessonError(f"{where}: “{key}” must be text")
    value = _CONTROL.sub("", value).strip()
    if required and not value:
        raise LessonError(f"{where}: “{key}” is missing")
    if len(value) > limit:
        raise LessonError(f"{where}: “{key}” is {len(value):,} characters long; at most {limit:,}")
    return value


def _view(raw: str, where: str, pages: frozenset) -> tuple[str, str]:
    """(path, query) of a step's view, checked against the lab's pages and its state parser."""
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        raise LessonError(f"{where}: the view must be a page of the lab (“/landscape?t=0.5”), not “{raw}”")
    if parts.path not in pages:
        raise LessonError(f"{where}: the lab has no page “{parts.path}” (pages: {', '.join(sorted(pages))})")
    raw_values, notices = parse_query(parts.query)
    keys = [kv.split("=", 1)[0] for kv in parts.query.split("&") if kv]
    unknown = [k for k in keys if k not in FIELDS or k in TOUR_KEYS]
    if unknown:
        raise LessonError(f"{where}: the lab does not know the link parameter(s) {', '.join(unknown)}")
    _, state_notices = parse_state(raw_values)
    if notices or state_notices:
        raise LessonError(f"{where}: the view would open with a notice: {' '.join(notices + state_notices)}")
    return parts.path, parts.query


def parse_lesson(text: str, key: str, pages) -> Lesson:
    """A lesson from its TOML ``text`` (its id ``key``; ``pages``: the lab's page paths), or LessonError."""
    if key == FIELDS["lesson"].default or not _ID.fullmatch(key or ""):
        raise LessonError(f"“{key}” is not a lesson name: lowercase letters, digits and dashes, at most 40")
    if len(text.encode()) > MAX_BYTES:
        raise LessonError(f"the lesson file is over {MAX_BYTES // 1000} kB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LessonError(f"the lesson file is not valid TOML: {err}") from None
    pages = frozenset(pages)
    title = _text(data, "title", "the lesson", limit=MAX_TITLE)
    level = _text(data, "level", "the lesson", limit=MAX_TITLE)
    if level not in LEVELS:
        raise LessonError(f"the lesson's level must be one of {', '.join(LEVELS)}, not “{level}”")
    papers = data.get("papers", [])
    if not isinstance(papers, list) or not all(isinstance(p, str) for p in papers):
        raise LessonError("the lesson's “papers” must be a list of texts")
    steps = data.get("step", [])
    if not isinstance(steps, list) or not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise LessonError(f"a lesson has {MIN_STEPS} to {MAX_STEPS} [[step]] tables")
    built = []
    for k, step in enumerate(steps, start=1):
        where = f"step {k}"
        if not isinstance(step, dict):
            raise LessonError(f"{where} must be a table")
        path, query = _view(_text(step, "view", where, limit=600), where, pages)
        question = _text(step, "question", where, required=False)
        answer = _text(step, "answer", where, required=bool(question))
        if answer and not question:
            raise LessonError(f"{where}: an answer needs its question")
        shows = step.get("shows", [])
        if not isinstance(shows, list) or not all(isinstance(x, str) for x in shows):
            raise LessonError(f"{where}: “shows” must be a list of texts")
        built.append(Step(_text(step, "title", where, limit=MAX_TITLE), path, query, _text(step, "text", where),
                          _text(step, "notice", where), _text(step, "action", where, required=False), question,
                          answer, tuple(_text({"s": x}, "s", where, limit=MAX_TITLE * 2) for x in shows)))
    return Lesson(key, title, level, tuple(_text({"p": p}, "p", "the lesson's papers", limit=MAX_TITLE * 2)
                                           for p in papers), _text(data, "summary", "the lesson"), tuple(built))


def _toml_string(value: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127 else c for c in out) + '"'


def lesson_toml(title: str, level: str, summary: str, papers, steps) -> str:
    """A lesson file: ``steps`` are dicts with the keys of a [[step]] table (view, title, text, notice and the
    optional ones); what ``parse_lesson`` reads back."""
    lines = [f"title = {_toml_string(title)}", f"level = {_toml_string(level)}",
             f"papers = [{', '.join(_toml_string(p) for p in papers)}]", f"summary = {_toml_string(summary)}"]
    for step in steps:
        lines += ["", "[[step]]"]
        for key in ("title", "view", "text", "notice", "action", "question", "answer"):
            if step.get(key):
                lines.append(f"{key} = {_toml_string(step[key])}")
        if step.get("shows"):
            lines.append(f"shows = [{', '.join(_toml_string(x) for x in step['shows'])}]")
    return "\n".join(lines) + "\n"


def store_lesson(text: str) -> str:
    """Keep a validated lesson file on the server for ``userdata.DATASET_TIMEOUT``; returns its key, "@" and 16 hex
    digits of its SHA-256 (the same file, the same key)."""
    from components.cache import SHARED
    from components.userdata import DATASET_TIMEOUT
    key = "@" + hashlib.sha256(text.encode()).hexdigest()[:16]
    parse_lesson(text, key, page_paths())
    SHARED.set(f"lesson:{key}", text, timeout=DATASET_TIMEOUT)
    return key


@lru_cache(maxsize=64)
def _stored(key: str, text: str) -> Lesson:
    return parse_lesson(text, key, page_paths())


def page_paths() -> frozenset:
    """The paths of the lab's views a step may name (not the lessons' own pages)."""
    import dash
    return frozenset(p["path"] for p in dash.page_registry.values() if not p["path"].startswith("/lessons"))


@cache
def lessons() -> dict:
    """The lab's lessons, by id, in the order of their files' names (read once; every one validated)."""
    pages = page_paths()
    return {path.stem: parse_lesson(path.read_text(encoding="utf-8"), path.stem, pages)
            for path in sorted(LESSON_DIR.glob("*.toml"))}


def lesson_of(state: LabState) -> Lesson | None:
    """The lesson the state's tour names — one of the lab's, or one a lecturer uploaded ("@KEY", while the
    server keeps it) — or None."""
    if state.lesson.startswith("@"):
        from components.cache import SHARED
        text = SHARED.get(f"lesson:{state.lesson}")
        return None if text is None else _stored(state.lesson, text)
    return lessons().get(state.lesson)
