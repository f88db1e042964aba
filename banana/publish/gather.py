"""What the show notes say about one episode: the ``Notes`` data and how it is gathered.

``build_notes`` gathers, from a transcript and its stored analysis: the title, a short
extractive summary (sentences the hosts said, verbatim, from ``banana.analysis.summary``),
one chapter per segment, the explaining segment's glossary entries, the tools, companies
and links mentioned (``find_links`` reads web addresses, "dataiku dot com" too), the
brain teaser with the solver's verified answers, and the previous episode's teaser
answer when this episode announces it. Section headings come from the show profile's
segment roles (explains, puzzle, answers), with plain defaults.

Everything here is frozen data with one ``to_dict``/``from_dict`` pair per type (the
JSON notes are ``Notes.to_dict()``, versioned by ``SCHEMA``). How the notes are laid
out is ``banana.publish.layout``; how they are written, ``banana.publish.markup``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from banana.analysis import Analysis
from banana.analysis.profile import ANSWERS, EXPLAINS, PUZZLE
from banana.analysis.puzzle import solve_query
from banana.analysis.spoken import AnnouncedAnswer
from banana.analysis.summary import Sentence, summarise
from banana.errors import ChapterError, PuzzleError
from banana.publish.chapters import Chapter, chapters_from_segments
from banana.solver import Solution
from banana.transcript import Transcript, one_line, web_url_problem

SCHEMA = 1
SUMMARY_SENTENCES = 3  # sentences in the summary
SOLUTIONS_SHOWN = 5  # solver answers asked for (and shown in Markdown)
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


def is_web_url(url: str | None) -> bool:
    """``url`` is an absolute http(s) address a page can link to safely."""
    return bool(url) and web_url_problem(url) is None

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
        audio_url=transcript.audio_url if is_web_url(transcript.audio_url) else None,
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
