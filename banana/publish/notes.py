"""Show notes for an analysed episode, as Markdown, one HTML page, or JSON.

``build_notes`` gathers what the notes say: the title, a short extractive summary
(sentences the hosts said, verbatim, from ``banana.summary``), one chapter per
segment, the "In English Please" glossary entry, the tools, companies and links
mentioned, the brain teaser with the solver's verified answers (behind a
spoiler), and the previous episode's teaser answer when the episode announces it.
``render_notes`` renders them:

``md``
    Markdown under ``max_chars`` characters (4,000 by default, a common hosting
    limit). When the notes are longer, lower-priority parts are trimmed first
    (links and mentions, then extra answers and summary sentences, then long
    quotes shortened at a word, marked "…"); no word is cut without a "…".
    The spoiler is a ``<details>`` block. Transcript text is Markdown-escaped.
``html``
    one self-contained page (inline CSS, no scripts, no external resources, a
    Content-Security-Policy that forbids both) in which every piece of transcript
    text is HTML-escaped.
``json``
    ``Notes.to_dict()``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from banana.analysis import Analysis
from banana.analysis.profile import ANSWERS, EXPLAINS, PUZZLE
from banana.analysis.puzzle import solve_query
from banana.analysis.spoken import AnnouncedAnswer
from banana.analysis.summary import Sentence, summarise
from banana.errors import ChapterError, PuzzleError
from banana.publish.chapters import Chapter, chapters_from_segments, shorten
from banana.solver import Solution
from banana.transcript import Transcript, format_timestamp, one_line, web_url_problem

SCHEMA = 1
FORMATS = ("md", "html", "json")
DEFAULT_MAX_CHARS = 4000  # Markdown stays under this many characters
MIN_MAX_CHARS = 500  # below this not even a title, a few chapters and the trim note fit
SUMMARY_SENTENCES = 3
SOLUTIONS_SHOWN = 5
MENTIONS_SHOWN = 20
LINKS_SHOWN = 10
QUOTE_MIN_CHARS = 80  # trimming never shortens a quote below this
# Section headings when the profile names no segment for the part.
GLOSSARY_HEADING = "Explained"
TEASER_HEADING = "Brain teaser"
ANSWER_HEADING = "Last episode's brain teaser"


# --- data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GlossaryNote:
    """A term a host explained, in their words."""

    term: str
    explanation: str
    speaker: str | None = None
    start: float | None = None
    heading: str = GLOSSARY_HEADING  # the explaining segment's title ("In English Please")

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "explanation": self.explanation, "speaker": self.speaker,
                "start": self.start, "heading": self.heading}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlossaryNote:
        return cls(term=str(data["term"]), explanation=str(data.get("explanation", "")),
                   speaker=data.get("speaker"), start=_opt_float(data.get("start")),
                   heading=str(data.get("heading") or GLOSSARY_HEADING))


@dataclass(frozen=True)
class MentionNote:
    """A tool, company, method or link the hosts mentioned, first time said."""

    name: str
    kind: str = "mention"  # "tool", "company", "method", "link", ... as analysis says
    start: float | None = None
    url: str | None = None  # for links: an http(s) URL

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind, "start": self.start}
        if self.url:
            data["url"] = self.url
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MentionNote:
        return cls(name=str(data["name"]), kind=str(data.get("kind", "mention")),
                   start=_opt_float(data.get("start")), url=data.get("url"))


@dataclass(frozen=True)
class SolutionNote:
    """One solver answer (the fields of ``banana.solver.Solution`` the notes show)."""

    text: str
    unicode: str
    value: str
    verified: bool
    latex: str = ""
    cost: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "unicode": self.unicode, "latex": self.latex,
                "value": self.value, "cost": self.cost, "verified": self.verified}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolutionNote:
        return cls(text=str(data["text"]), unicode=str(data.get("unicode") or data["text"]),
                   value=str(data.get("value", "")), verified=bool(data.get("verified")),
                   latex=str(data.get("latex", "")), cost=int(data.get("cost", 0)))

    @classmethod
    def of(cls, solution: Solution) -> SolutionNote:
        return cls(text=solution.text, unicode=solution.unicode, value=str(solution.value),
                   verified=solution.verified, latex=solution.latex, cost=solution.cost)


@dataclass(frozen=True)
class TeaserNote:
    """This episode's brain teaser, the query the solver read, and its answers."""

    statement: str
    numbers: tuple[int, ...]
    target: str
    ops: tuple[str, ...]
    start: float | None = None
    solutions: tuple[SolutionNote, ...] = ()
    heading: str = TEASER_HEADING  # the puzzle segment's title

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", tuple(self.numbers))
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "solutions", tuple(self.solutions))

    @property
    def verified(self) -> tuple[SolutionNote, ...]:
        return tuple(s for s in self.solutions if s.verified)

    def to_dict(self) -> dict[str, Any]:
        return {"statement": self.statement, "numbers": list(self.numbers), "target": self.target,
                "ops": list(self.ops), "start": self.start,
                "solutions": [s.to_dict() for s in self.solutions], "heading": self.heading}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TeaserNote:
        return cls(statement=str(data.get("statement", "")),
                   numbers=tuple(int(n) for n in data.get("numbers", ())),
                   target=str(data.get("target", "")), ops=tuple(data.get("ops", ())),
                   start=_opt_float(data.get("start")),
                   solutions=tuple(SolutionNote.from_dict(s) for s in data.get("solutions", ())),
                   heading=str(data.get("heading") or TEASER_HEADING))


@dataclass(frozen=True)
class Notes:
    """Everything the show notes say about one episode."""

    title: str
    episode: str | None = None  # slug
    show: str = ""
    duration: float = 0.0
    estimated: bool = False  # times estimated from the text, not measured
    language: str | None = None
    audio_url: str | None = None
    summary: tuple[Sentence, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    glossary: tuple[GlossaryNote, ...] = ()
    mentions: tuple[MentionNote, ...] = ()
    links: tuple[MentionNote, ...] = ()
    teaser: TeaserNote | None = None
    previous_answer: AnnouncedAnswer | None = None
    previous_heading: str = ANSWER_HEADING  # the answers segment's title

    def __post_init__(self) -> None:
        for name in ("summary", "chapters", "glossary", "mentions", "links"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "title": self.title,
            "episode": self.episode,
            "show": self.show,
            "duration": self.duration,
            "estimated": self.estimated,
            "language": self.language,
            "audio_url": self.audio_url,
            "summary": [s.to_dict() for s in self.summary],
            "chapters": [c.to_dict() for c in self.chapters],
            "glossary": [g.to_dict() for g in self.glossary],
            "mentions": [m.to_dict() for m in self.mentions],
            "links": [m.to_dict() for m in self.links],
            "teaser": self.teaser.to_dict() if self.teaser else None,
            "previous_answer": self.previous_answer.to_dict() if self.previous_answer else None,
            "previous_heading": self.previous_heading,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notes:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ChapterError(f"unsupported notes schema {data.get('schema') if isinstance(data, dict) else None!r}")
        return cls(
            title=str(data.get("title", "")),
            episode=data.get("episode"),
            show=str(data.get("show", "")),
            duration=float(data.get("duration") or 0.0),
            estimated=bool(data.get("estimated")),
            language=data.get("language"),
            audio_url=data.get("audio_url"),
            summary=tuple(Sentence.from_dict(s) for s in data.get("summary", ())),
            chapters=tuple(Chapter.from_dict(c) for c in data.get("chapters", ())),
            glossary=tuple(GlossaryNote.from_dict(g) for g in data.get("glossary", ())),
            mentions=tuple(MentionNote.from_dict(m) for m in data.get("mentions", ())),
            links=tuple(MentionNote.from_dict(m) for m in data.get("links", ())),
            teaser=TeaserNote.from_dict(data["teaser"]) if data.get("teaser") else None,
            previous_answer=(AnnouncedAnswer.from_dict(data["previous_answer"])
                             if data.get("previous_answer") else None),
            previous_heading=str(data.get("previous_heading") or ANSWER_HEADING),
        )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


# --- gathering ------------------------------------------------------------------------------

def _heading(analysis: Analysis, role: str, default: str) -> str:
    """The title the profile gives the segment that plays ``role``."""
    found = analysis.with_role(role)
    return found[0].title if found and found[0].title else default


def _glossary(analysis: Analysis) -> list[GlossaryNote]:
    heading = _heading(analysis, EXPLAINS, GLOSSARY_HEADING)
    return [GlossaryNote(term=entry.term, explanation=one_line(entry.explanation or ""),
                         speaker=entry.speaker, start=entry.start, heading=heading)
            for entry in analysis.glossary]


def _mentions(analysis: Analysis) -> list[MentionNote]:
    out, seen = [], set()
    for m in analysis.mentions:
        if not m.term or m.term.lower() in seen:
            continue
        seen.add(m.term.lower())
        out.append(MentionNote(name=one_line(m.term), kind="mention", start=m.start))
    return out


_URL = re.compile(
    r"(?<![@\w.])(?:https?://[^\s<>\"'`]+"
    r"|www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[^\s<>\"'`]*)?"
    r"|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|ai|dev|co|edu|gov|fm|app)\b"
    r"(?:/[^\s<>\"'`]*)?)", re.IGNORECASE)
_SPOKEN_DOMAIN = re.compile(r"\b([a-z0-9][a-z0-9-]*) dot (com|org|net|io|ai|dev|co|edu|gov|fm)\b",
                            re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\"”’"


def find_links(transcript: Transcript) -> list[MentionNote]:
    """Web addresses said or written in the transcript ("dataiku dot com" too), first
    time each, as https URLs."""
    out: list[MentionNote] = []
    seen: set[str] = set()
    for u in transcript.utterances:
        found = [m.group(0) for m in _URL.finditer(u.text)]
        found += [f"{a}.{b}" for a, b in _SPOKEN_DOMAIN.findall(u.text)]
        for raw in found:
            raw = raw.rstrip(_URL_TRAILING)
            if not raw or "." not in raw:
                continue
            url = raw if re.match(r"https?://", raw, re.IGNORECASE) else "https://" + raw
            key = url.lower().rstrip("/")
            if key in seen:
                continue
            seen.add(key)
            out.append(MentionNote(name=raw, kind="link", start=u.start, url=url))
    return out


def _teaser(analysis: Analysis, solutions: Sequence[Solution] | None) -> TeaserNote | None:
    query = analysis.teaser
    if query is None:
        return None
    if solutions is None:
        try:
            solutions = solve_query(query, limit=SOLUTIONS_SHOWN)
        except PuzzleError:
            solutions = []  # beyond the solver's bounds: the notes say no answer was found
    segs = analysis.with_role(PUZZLE)
    return TeaserNote(statement=one_line(query.statement), numbers=tuple(query.numbers),
                      target=str(query.target), ops=tuple(query.ops),
                      start=segs[-1].start if segs else None,
                      solutions=tuple(SolutionNote.of(s) for s in solutions),
                      heading=_heading(analysis, PUZZLE, TEASER_HEADING))


def build_notes(transcript: Transcript, analysis: Analysis, *, episode: str | None = None,
                previous_answer: AnnouncedAnswer | None = None,
                solutions: Sequence[Solution] | None = None,
                summary_sentences: int = SUMMARY_SENTENCES) -> Notes:
    """What the notes say. ``solutions`` are the teaser's solver answers if already
    computed (else the teaser is solved here); ``previous_answer`` is the previous
    puzzle's answer as this episode announces it (``publish.teasers.previous_answer``)."""
    segments = list(analysis.segments)
    summary = summarise(transcript, segments=segments, sentences_max=summary_sentences)
    return Notes(
        title=one_line(transcript.title) or episode or "Untitled episode",
        episode=episode,
        show=one_line(transcript.show),
        duration=transcript.duration,
        estimated=transcript.estimated,
        language=transcript.language,
        audio_url=transcript.audio_url if _is_http(transcript.audio_url) else None,
        summary=tuple(replace(s, text=one_line(s.text)) for s in summary),
        chapters=tuple(chapters_from_segments(segments, duration=transcript.duration)),
        glossary=tuple(_glossary(analysis)),
        mentions=tuple(_mentions(analysis)),
        links=tuple(find_links(transcript)),
        teaser=_teaser(analysis, solutions),
        previous_answer=(replace(previous_answer, said=one_line(previous_answer.said))
                         if previous_answer else None),
        previous_heading=_heading(analysis, ANSWERS, ANSWER_HEADING),
    )


def render(notes: Notes, fmt: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Render gathered notes (build once, render several formats)."""
    if fmt not in RENDERERS:
        raise ChapterError(f"unknown notes format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "md":
        return render_markdown(notes, max_chars=max_chars)
    return RENDERERS[fmt](notes)


def check_max_chars(max_chars: int) -> None:
    if max_chars < MIN_MAX_CHARS:
        raise ChapterError(f"--max-chars must be at least {MIN_MAX_CHARS} "
                           f"(a title and a few chapters), not {max_chars}")


# --- text helpers ---------------------------------------------------------------------------

def _is_http(url: str | None) -> bool:
    return bool(url) and web_url_problem(url) is None


def _ts(seconds: float | None) -> str:
    return "" if seconds is None else format_timestamp(seconds)


def _ops_text(ops: Sequence[str]) -> str:
    return ", ".join(ops) if ops else "arithmetic"


def _answers_label(teaser: TeaserNote) -> str:
    n = len(teaser.verified)
    return f"Spoiler: the solver's {n} verified answer{'s' if n != 1 else ''}"


# --- Markdown -------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")


def md_escape(text: str) -> str:
    """Transcript text as literal Markdown text: punctuation Markdown or HTML would
    act on is backslash-escaped (so ``<script>`` stays text)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def _md_stamp(seconds: float | None, audio_url: str | None) -> str:
    if seconds is None:
        return ""
    stamp = _ts(seconds)
    if audio_url:
        return f"[{stamp}]({audio_url}#t={int(seconds)})"
    return f"[{stamp}]"


@dataclass
class _Budget:
    """How much of each part the Markdown shows; trimming turns these down."""

    links: int = LINKS_SHOWN
    mentions: int = MENTIONS_SHOWN
    solutions: int = SOLUTIONS_SHOWN
    summary: int = SUMMARY_SENTENCES
    quote_chars: int = 100_000  # glossary explanation, teaser statement, announced answer
    chapters: int = 100_000
    title_chars: int = 100_000  # title, show name and episode slug
    dropped: set[str] = field(default_factory=set)  # whole sections left out
    trimmed: list[str] = field(default_factory=list)


def _markdown(notes: Notes, b: _Budget, max_chars: int) -> str:
    url = notes.audio_url
    out = [f"# {md_escape(shorten(notes.title, b.title_chars))}", ""]
    meta = [md_escape(shorten(notes.show, b.title_chars))] if notes.show else []
    if notes.duration:
        meta.append(format_timestamp(notes.duration))
    if notes.episode:
        meta.append(md_escape(shorten(notes.episode, b.title_chars)))
    if meta:
        out += [" · ".join(meta), ""]
    summary = notes.summary[:b.summary]
    if summary:
        out += ["## In this episode", ""]
        for s in summary:
            who = f" — {md_escape(s.speaker)}" if s.speaker else ""
            out.append(f"- “{md_escape(s.text)}”{who} {_md_stamp(s.start, url)}".rstrip())
        out.append("")
    if notes.chapters:
        out += ["## Chapters", ""]
        shown = notes.chapters[:b.chapters]
        for c in shown:
            out.append(f"- {_md_stamp(c.start, url)} {md_escape(c.title)}")
        if len(shown) < len(notes.chapters):
            out.append(f"- … and {len(notes.chapters) - len(shown)} more chapters")
        if notes.estimated:
            out += ["", "*Times are estimated from the text.*"]
        out.append("")
    for g in () if "glossary" in b.dropped else notes.glossary:
        out += [f"## {md_escape(g.heading)}: {md_escape(shorten(g.term, b.quote_chars))}", ""]
        out += [f"> {md_escape(shorten(g.explanation, b.quote_chars))}", ""]
        if g.speaker or g.start is not None:
            who = f"Explained by {md_escape(g.speaker)}" if g.speaker else "Explained"
            at = f" at {_md_stamp(g.start, url)}" if g.start is not None else ""
            out += [who + at, ""]
    mentions = notes.mentions[:b.mentions]
    links = notes.links[:b.links]
    if mentions or links:
        out += ["## Mentioned", ""]
        if mentions:
            items = ", ".join(f"{md_escape(m.name)} ({_ts(m.start)})" if m.start is not None
                              else md_escape(m.name) for m in mentions)
            more = len(notes.mentions) - len(mentions)
            out.append(f"- Tools, companies and methods: {items}" + (f", and {more} more" if more else ""))
        for m in links:
            out.append(f"- <{m.url}> ({_ts(m.start)})" if m.url and _is_http(m.url)
                       else f"- {md_escape(m.name)}")
        if len(links) < len(notes.links):
            out.append(f"- … and {len(notes.links) - len(links)} more links")
        out.append("")
    t = None if "teaser" in b.dropped else notes.teaser
    if t is not None:
        out += [f"## {md_escape(t.heading)}", ""]
        at = f" — {_md_stamp(t.start, url)}" if t.start is not None else ""
        out += [f"> {md_escape(shorten(t.statement, b.quote_chars))}{at}", ""]
        out += [f"Puzzle: make **{md_escape(t.target)}** from {', '.join(map(str, t.numbers))} "
                f"using {md_escape(_ops_text(t.ops))}.", ""]
        verified = t.verified[:b.solutions]
        if verified:
            out += ["<details>", f"<summary>{_answers_label(t)} (click to reveal)</summary>", ""]
            for s in verified:
                out.append(f"- `{s.unicode}` = {md_escape(s.value)} (`{s.text}`, checked exactly)")
            if len(verified) < len(t.verified):
                out.append(f"- … and {len(t.verified) - len(verified)} more")
            out += ["", "</details>", ""]
        else:
            out += ["The solver found no verified answer within its bounds.", ""]
    p = None if "previous answer" in b.dropped else notes.previous_answer
    if p is not None:
        out += [f"## {md_escape(notes.previous_heading)}", ""]
        if p.puzzle:
            out.append(f"The puzzle: {md_escape(p.puzzle)}.")
        line = f"> {md_escape(shorten(p.said, b.quote_chars))}"
        if p.start is not None:
            line += f" — {_md_stamp(p.start, url)}"
        out += ["", line, ""] if p.puzzle else [line, ""]
        if p.expression:
            check = {True: " ✓ checked: it uses the numbers and hits the target",
                     False: " ✗ it does not check out"}.get(p.correct, "")
            out += [f"Answer: `{p.expression}`{check}", ""]
    if b.trimmed:
        out += [f"*Shortened to fit {max_chars:,} characters: "
                f"{', '.join(b.trimmed)} trimmed.*", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _steps(notes: Notes) -> list[tuple[str, Callable[[_Budget], bool]]]:
    """Trimming steps, lowest priority first; each returns False when it can do no more."""

    def down(attr: str, floor: int, length: int):
        def step(b: _Budget) -> bool:
            value = min(getattr(b, attr), length)
            if value <= floor:
                return False
            setattr(b, attr, value - 1)
            return True
        return step

    longest = max([len(g.explanation) for g in notes.glossary]
                  + [len(notes.teaser.statement) if notes.teaser else 0]
                  + [len(notes.previous_answer.said) if notes.previous_answer else 0])

    def quotes(b: _Budget) -> bool:
        value = min(b.quote_chars, longest)
        if value <= QUOTE_MIN_CHARS:
            return False
        b.quote_chars = max(int(value * 0.85), QUOTE_MIN_CHARS)
        return True

    def title(b: _Budget) -> bool:
        value = min(b.title_chars, max(len(notes.title), len(notes.show), len(notes.episode or "")))
        if value <= 40:
            return False
        b.title_chars = max(int(value * 0.8), 40)
        return True

    def drop(section: str, present: bool):
        def step(b: _Budget) -> bool:
            if not present or section in b.dropped:
                return False
            b.dropped.add(section)
            return True
        return step

    return [
        ("links", down("links", 0, len(notes.links))),
        ("mentions", down("mentions", 0, len(notes.mentions))),
        ("answers", down("solutions", 1, len(notes.teaser.verified) if notes.teaser else 0)),
        ("summary", down("summary", 1, len(notes.summary))),
        ("quotes", quotes),
        ("summary", down("summary", 0, len(notes.summary))),
        ("answers", down("solutions", 0, len(notes.teaser.verified) if notes.teaser else 0)),
        ("chapters", down("chapters", 3, len(notes.chapters))),
        ("title", title),
        ("previous answer", drop("previous answer", notes.previous_answer is not None)),
        ("glossary", drop("glossary", bool(notes.glossary))),
        ("teaser", drop("teaser", notes.teaser is not None)),
        ("chapters", down("chapters", 0, len(notes.chapters))),
    ]


def render_markdown(notes: Notes, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Markdown under ``max_chars`` characters, trimming lower-priority parts first."""
    check_max_chars(max_chars)
    budget = _Budget()

    def text() -> str:
        return _markdown(notes, budget, max_chars)

    out = text()
    for name, step in _steps(notes):
        while len(out) >= max_chars and step(budget):
            if name not in budget.trimmed:
                budget.trimmed.append(name)
            out = text()
        if len(out) < max_chars:
            return out
    if len(out) >= max_chars:
        raise ChapterError(f"the notes do not fit in {max_chars} characters even trimmed "
                           f"to the title; raise --max-chars")
    return out


def render_json(notes: Notes) -> str:
    return json.dumps(notes.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --- HTML -----------------------------------------------------------------------------------

CSS = """
:root { color-scheme: light dark; --accent: #b8860b; --muted: #666; --rule: #ddd; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; --rule: #444; } }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 44rem;
       margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; line-height: 1.2; margin-bottom: .3rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid var(--rule); }
.meta, .note { color: var(--muted); font-size: .9rem; }
ol.chapters { list-style: none; padding-left: 0; }
ol.chapters li { display: flex; gap: .8rem; padding: .15rem 0; }
time, .stamp { font-variant-numeric: tabular-nums; color: var(--accent); min-width: 4.2rem; }
blockquote { margin: .5rem 0; padding-left: 1rem; border-left: 3px solid var(--accent); }
details { border: 1px solid var(--rule); border-radius: 6px; padding: .5rem .8rem; }
summary { cursor: pointer; font-weight: 600; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
.mentions time { min-width: 0; }
.ok { color: #2e7d32; } .bad { color: #c62828; }
"""
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; "
       "base-uri 'none'; form-action 'none'")


def h(text: Any) -> str:
    """HTML-escape text (quotes too), for element content and attribute values."""
    return html.escape(str(text), quote=True)


def _lang(code: str | None) -> str:
    return code if code and re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", code) else "en"


def _html_time(seconds: float | None, url: str | None) -> str:
    if seconds is None:
        return ""
    stamp = f'<time datetime="PT{int(seconds)}S">{h(_ts(seconds))}</time>'
    if url:
        return f'<a class="stamp" href="{h(url)}#t={int(seconds)}">{stamp}</a>'
    return stamp


def render_html(notes: Notes) -> str:
    url = notes.audio_url
    body: list[str] = [f"<h1>{h(notes.title)}</h1>"]
    meta = [h(notes.show)] if notes.show else []
    if notes.duration:
        meta.append(h(format_timestamp(notes.duration)))
    if notes.episode:
        meta.append(f"<code>{h(notes.episode)}</code>")
    if meta:
        body.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if notes.summary:
        body.append('<section id="summary"><h2>In this episode</h2><ul>')
        for s in notes.summary:
            who = f" — {h(s.speaker)}" if s.speaker else ""
            body.append(f"<li>“{h(s.text)}”{who} {_html_time(s.start, url)}</li>")
        body.append("</ul></section>")
    if notes.chapters:
        body.append('<section id="chapters"><h2>Chapters</h2><ol class="chapters">')
        for c in notes.chapters:
            body.append(f"<li>{_html_time(c.start, url)} <span>{h(c.title)}</span></li>")
        body.append("</ol>")
        if notes.estimated:
            body.append('<p class="note">Times are estimated from the text.</p>')
        body.append("</section>")
    for g in notes.glossary:
        body.append(f'<section class="glossary"><h2>{h(g.heading)}: {h(g.term)}</h2>')
        body.append(f"<blockquote><p>{h(g.explanation)}</p></blockquote>")
        if g.speaker or g.start is not None:
            who = f"Explained by {h(g.speaker)}" if g.speaker else "Explained"
            at = f" at {_html_time(g.start, url)}" if g.start is not None else ""
            body.append(f'<p class="note">{who}{at}</p>')
        body.append("</section>")
    if notes.mentions or notes.links:
        body.append('<section id="mentions"><h2>Mentioned</h2>')
        if notes.mentions:
            items = [f"{h(m.name)}" + (f" {_html_time(m.start, None)}" if m.start is not None else "")
                     for m in notes.mentions]
            body.append(f'<p class="mentions">{", ".join(items)}</p>')
        body.append("<ul>" if notes.links else "")
        for m in notes.links:
            at = f" {_html_time(m.start, None)}" if m.start is not None else ""
            if m.url and _is_http(m.url):
                body.append(f'<li><a href="{h(m.url)}" rel="nofollow noopener noreferrer">'
                            f"{h(m.name)}</a>{at}</li>")
            else:
                body.append(f"<li>{h(m.name)}{at}</li>")
        body.append("</ul></section>" if notes.links else "</section>")
    t = notes.teaser
    if t is not None:
        body.append(f'<section id="teaser"><h2>{h(t.heading)}</h2>')
        at = f" {_html_time(t.start, url)}" if t.start is not None else ""
        body.append(f"<blockquote><p>{h(t.statement)}{at}</p></blockquote>")
        body.append(f"<p>Puzzle: make <strong>{h(t.target)}</strong> from "
                    f"{h(', '.join(map(str, t.numbers)))} using {h(_ops_text(t.ops))}.</p>")
        if t.verified:
            body.append(f"<details><summary>{h(_answers_label(t))}</summary><ol>")
            for s in t.verified:
                body.append(f"<li><code>{h(s.unicode)}</code> = {h(s.value)} "
                            f'<span class="note">(<code>{h(s.text)}</code>, checked exactly)</span></li>')
            body.append("</ol></details>")
        else:
            body.append("<p>The solver found no verified answer within its bounds.</p>")
        body.append("</section>")
    p = notes.previous_answer
    if p is not None:
        body.append(f'<section id="previous-answer"><h2>{h(notes.previous_heading)}</h2>')
        if p.puzzle:
            body.append(f"<p>The puzzle: {h(p.puzzle)}.</p>")
        at = f" {_html_time(p.start, url)}" if p.start is not None else ""
        body.append(f"<blockquote><p>{h(p.said)}{at}</p></blockquote>")
        if p.expression:
            check = {True: ' <span class="ok">✓ checked: it uses the numbers and hits the target</span>',
                     False: ' <span class="bad">✗ it does not check out</span>'}.get(p.correct, "")
            body.append(f"<p>Answer: <code>{h(p.expression)}</code>{check}</p>")
        body.append("</section>")
    head = [
        "<!doctype html>",
        f'<html lang="{h(_lang(notes.language))}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{h(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(notes.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    return "\n".join(head + body + ["</main>", "</body>", "</html>"]) + "\n"


RENDERERS: dict[str, Callable[[Notes], str]] = {
    "md": render_markdown,
    "html": render_html,
    "json": render_json,
}
