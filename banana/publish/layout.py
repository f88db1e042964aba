"""The show notes' sections, written once: ``layout(notes, budget)`` is the ``Document``
every writer renders.

The sections, in order: the title and a meta line (show, duration, slug); "In this
episode" (the summary sentences, each with a stamp into the audio); "Chapters"; one
section per glossary entry (the explaining segment's heading and the term, the
explanation as a quote, who explained it and when); "Mentioned" (tools, companies and
methods in one run, then the links); the brain teaser (the statement, the puzzle the
solver read, its verified answers behind a spoiler); the previous episode's answer;
and, when something was trimmed, a note saying what.

A ``Budget`` says how much of each part to include. The page gets ``EVERYTHING``.
Markdown must stay under a character limit (podcast hosts cut longer notes), so
``fit`` lays the notes out, writes them, and while the text is too long takes the
next trimming step, lowest priority first (``trim_steps``): links, mentions, extra
answers and summary sentences, long quotes shortened at a word with "…" (never below
``QUOTE_MIN_CHARS``), the last summary sentence and answers, chapters down to three,
the title, then whole sections (the previous answer, the glossary, the teaser) and
the last chapters. Each step turns one figure of the budget down a notch (one item
fewer, a quote 15 % shorter, one section dropped) and returns ``None`` when it can do
no more, so the notes keep as much as fits. The steps, their order and the result are
those of the Markdown renderer before the layout was shared with the page.

Fitting lays the same notes out again after every step. A section builder is given
only the budget figures it reads (``SECTIONS``), and a ``Layout`` keeps what each
builder returned for those figures, so a step rebuilds only the section it changes;
the writer, which remembers the text of each section object, rewrites only that one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from banana.errors import ChapterError
from banana.publish.chapters import shorten
from banana.publish.document import (Block, Bullets, Code, Document, Ident, Inline, Link, Note,
                                     Paragraph, Parts, Quote, Run, Section, Span, Spoiler, Stamp,
                                     Strong, Text, Time)
from banana.publish.gather import (SOLUTIONS_SHOWN, SUMMARY_SENTENCES, GlossaryNote, MentionNote,
                                   Notes, TeaserNote, is_web_url)
from banana.transcript import format_timestamp

MENTIONS_SHOWN = 20  # in Markdown; the rest are counted ("and 12 more")
LINKS_SHOWN = 10  # in Markdown
MARKDOWN_LONGEST = 100_000  # Markdown's starting budget: characters of a quote or title, chapters
QUOTE_MIN_CHARS = 80  # trimming never shortens a quote below this
QUOTE_SHRINK = 0.85  # each quotes step keeps this fraction of the longest quote's characters
TITLE_MIN_CHARS = 40  # trimming never shortens the title, show or slug below this
TITLE_SHRINK = 0.8  # each title step keeps this fraction of the longest of them
CHAPTERS_KEPT = 3  # chapters are trimmed to this many before whole sections go
UNLIMITED = sys.maxsize  # a count or length no notes reach
# Names of the parts trimming can drop whole (they are also the trim note's words).
PREVIOUS_ANSWER, GLOSSARY, TEASER = "previous answer", "glossary", "teaser"


@dataclass(frozen=True)
class Budget:
    """How much of each part the notes show; trimming turns these down."""

    links: int = LINKS_SHOWN
    mentions: int = MENTIONS_SHOWN
    solutions: int = SOLUTIONS_SHOWN
    summary: int = SUMMARY_SENTENCES
    quote_chars: int = MARKDOWN_LONGEST  # glossary explanation, teaser statement, announced answer
    chapters: int = MARKDOWN_LONGEST
    title_chars: int = MARKDOWN_LONGEST  # title, show name and episode slug
    dropped: frozenset[str] = frozenset()  # whole sections left out
    trimmed: tuple[str, ...] = ()  # the steps taken, named in a closing note
    max_chars: int = 0  # the limit that note names


EVERYTHING = Budget(links=UNLIMITED, mentions=UNLIMITED, solutions=UNLIMITED, summary=UNLIMITED,
                    quote_chars=UNLIMITED, chapters=UNLIMITED, title_chars=UNLIMITED)


# --- the sections ---------------------------------------------------------------------------

def _summary(notes: Notes, summary: int) -> tuple[Section, ...]:
    shown = notes.summary[:summary]
    if not shown:
        return ()
    url = notes.audio_url
    items = tuple(("“", Text(s.text), "” — ", Text(s.speaker), " ", Stamp(s.start, url)) if s.speaker
                  else ("“", Text(s.text), "” ", Stamp(s.start, url)) for s in shown)
    return (Section("summary", ("In this episode",), (Bullets(items),)),)


def _chapters(notes: Notes, chapters: int) -> tuple[Section, ...]:
    if not notes.chapters:
        return ()
    shown = notes.chapters[:chapters]
    items: list[Parts] = [(Stamp(c.start, notes.audio_url), " ", Span((Text(c.title),)))
                          for c in shown]  # the span: the title beside its time on the page
    if len(shown) < len(notes.chapters):
        items.append((f"… and {len(notes.chapters) - len(shown)} more chapters",))
    blocks: list[Block] = [Bullets(tuple(items), numbered=True, style="chapters")]
    if notes.estimated:
        blocks.append(Note(("Times are estimated from the text.",)))
    return (Section("chapters", ("Chapters",), tuple(blocks)),)


def _glossary(notes: Notes, quote_chars: int, dropped: frozenset[str]) -> tuple[Section, ...]:
    if GLOSSARY in dropped:
        return ()
    return tuple(_glossary_entry(g, notes.audio_url, quote_chars) for g in notes.glossary)


def _glossary_entry(g: GlossaryNote, audio_url: str | None, quote_chars: int) -> Section:
    blocks: list[Block] = [Quote((Text(shorten(g.explanation, quote_chars)),))]
    if g.speaker or g.start is not None:
        who: Parts = ("Explained by ", Text(g.speaker)) if g.speaker else ("Explained",)
        at: Parts = (" at ", Stamp(g.start, audio_url)) if g.start is not None else ()
        blocks.append(Paragraph(who + at, style="note"))
    heading = (Text(g.heading), ": ", Text(shorten(g.term, quote_chars)))
    return Section("glossary", heading, tuple(blocks), repeats=True)


def _mentioned(notes: Notes, mentions: int, links: int) -> tuple[Section, ...]:
    names = notes.mentions[:mentions]
    addresses = notes.links[:links]
    if not (names or addresses):
        return ()
    blocks: list[Block] = []
    if names:
        blocks.append(Run("Tools, companies and methods", tuple([(m.name, m.start) for m in names]),
                          more=len(notes.mentions) - len(names), style="mentions"))
    lines: list[Parts] = [_link(m) for m in addresses]
    if len(addresses) < len(notes.links):
        lines.append((f"… and {len(notes.links) - len(addresses)} more links",))
    if lines:
        blocks.append(Bullets(tuple(lines)))
    return (Section("mentions", ("Mentioned",), tuple(blocks)),)


def _link(m: MentionNote) -> Parts:
    name: Inline = Link(m.url, m.name) if m.url and is_web_url(m.url) else Text(m.name)
    return (name,) if m.start is None else (name, " ", Time(m.start))


def _teaser(notes: Notes, quote_chars: int, solutions: int, dropped: frozenset[str]) -> tuple[Section, ...]:
    t = notes.teaser
    if t is None or TEASER in dropped:
        return ()
    blocks: list[Block] = [
        Quote((Text(shorten(t.statement, quote_chars)),), _stamp(t.start, notes.audio_url)),
        Paragraph(("Puzzle: make ", Strong(t.target), " from ", Text(", ".join(map(str, t.numbers))),
                   " using ", Text(", ".join(t.ops) if t.ops else "arithmetic"), ".")),
    ]
    verified = t.verified[:solutions]
    if verified:
        items: list[Parts] = [(Code(s.unicode), " = ", Text(s.value), " ",
                               Span(("(", Code(s.text), ", checked exactly)"), style="note"))
                              for s in verified]
        if len(verified) < len(t.verified):
            items.append((f"… and {len(t.verified) - len(verified)} more",))
        blocks.append(Spoiler(_answers_label(t), Bullets(tuple(items), numbered=True)))
    else:
        blocks.append(Paragraph(("The solver found no verified answer within its bounds.",)))
    return (Section("teaser", (Text(t.heading),), tuple(blocks)),)


def _answers_label(t: TeaserNote) -> str:
    n = len(t.verified)
    return f"Spoiler: the solver's {n} verified answer{'s' if n != 1 else ''}"


def _previous_answer(notes: Notes, quote_chars: int, dropped: frozenset[str]) -> tuple[Section, ...]:
    p = notes.previous_answer
    if p is None or PREVIOUS_ANSWER in dropped:
        return ()
    blocks: list[Block] = []
    if p.puzzle:
        blocks.append(Paragraph(("The puzzle: ", Text(p.puzzle), ".")))
    blocks.append(Quote((Text(shorten(p.said, quote_chars)),), _stamp(p.start, notes.audio_url)))
    if p.expression:
        blocks.append(Paragraph(("Answer: ", Code(p.expression), *_VERDICTS.get(p.correct, ()))))
    return (Section("previous-answer", (Text(notes.previous_heading),), tuple(blocks)),)


_VERDICTS: dict[bool | None, Parts] = {  # the announced answer checked against the puzzle
    True: (" ", Span(("✓ checked: it uses the numbers and hits the target",), style="ok")),
    False: (" ", Span(("✗ it does not check out",), style="bad")),
}


def _stamp(seconds: float | None, audio_url: str | None) -> Stamp | None:
    return None if seconds is None else Stamp(seconds, audio_url)


SectionBuilder = Callable[..., tuple[Section, ...]]
# The sections in order, each with the budget figures it is given (and the only ones it
# can read): the key under which ``Layout`` keeps what it built.
SECTIONS: tuple[tuple[SectionBuilder, tuple[str, ...]], ...] = (
    (_summary, ("summary",)),
    (_chapters, ("chapters",)),
    (_glossary, ("quote_chars", "dropped")),
    (_mentioned, ("mentions", "links")),
    (_teaser, ("quote_chars", "solutions", "dropped")),
    (_previous_answer, ("quote_chars", "dropped")),
)


class Layout:
    """One episode's notes, laid out under any budget; each section is built once per
    value of the budget figures it is given."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self._built: dict[tuple[SectionBuilder, tuple[object, ...]], tuple[Section, ...]] = {}

    def __call__(self, budget: Budget = EVERYTHING) -> Document:
        notes = self.notes
        sections: list[Section] = []
        for build, figures in SECTIONS:
            args = tuple([getattr(budget, name) for name in figures])
            built = self._built.get((build, args))
            if built is None:
                built = self._built[build, args] = build(notes, *args)
            sections += built
        meta: list[Inline] = []
        if notes.show:
            meta.append(Text(shorten(notes.show, budget.title_chars)))
        if notes.duration:
            meta.append(Text(format_timestamp(notes.duration)))
        if notes.episode:
            meta.append(Ident(shorten(notes.episode, budget.title_chars)))
        footer: tuple[Block, ...] = ()
        if budget.trimmed:
            trimmed = ", ".join(budget.trimmed)
            footer = (Note((f"Shortened to fit {budget.max_chars:,} characters: {trimmed} trimmed.",)),)
        return Document(title=shorten(notes.title, budget.title_chars), meta=tuple(meta),
                        sections=tuple(sections), footer=footer, language=notes.language)


def layout(notes: Notes, budget: Budget = EVERYTHING) -> Document:
    """The notes as a document: the sections in order, each part cut to the budget."""
    return Layout(notes)(budget)


# --- trimming to a length -------------------------------------------------------------------

Step = Callable[[Budget], Budget | None]  # a smaller budget, or None: nothing left to trim


def trim_steps(notes: Notes) -> list[tuple[str, Step]]:
    """Trimming steps, lowest priority first, each named for the trim note."""

    def down(attr: str, floor: int, length: int) -> Step:
        def step(b: Budget) -> Budget | None:
            value = min(getattr(b, attr), length)
            return replace(b, **{attr: value - 1}) if value > floor else None
        return step

    longest = max([len(g.explanation) for g in notes.glossary]
                  + [len(notes.teaser.statement) if notes.teaser else 0]
                  + [len(notes.previous_answer.said) if notes.previous_answer else 0])

    def quotes(b: Budget) -> Budget | None:
        value = min(b.quote_chars, longest)
        if value <= QUOTE_MIN_CHARS:
            return None
        return replace(b, quote_chars=max(int(value * QUOTE_SHRINK), QUOTE_MIN_CHARS))

    title_chars = max(len(notes.title), len(notes.show), len(notes.episode or ""))

    def title(b: Budget) -> Budget | None:
        value = min(b.title_chars, title_chars)
        if value <= TITLE_MIN_CHARS:
            return None
        return replace(b, title_chars=max(int(value * TITLE_SHRINK), TITLE_MIN_CHARS))

    def drop(section: str, present: bool) -> Step:
        def step(b: Budget) -> Budget | None:
            if not present or section in b.dropped:
                return None
            return replace(b, dropped=b.dropped | {section})
        return step

    answers = len(notes.teaser.verified) if notes.teaser else 0
    return [
        ("links", down("links", 0, len(notes.links))),
        ("mentions", down("mentions", 0, len(notes.mentions))),
        ("answers", down("solutions", 1, answers)),
        ("summary", down("summary", 1, len(notes.summary))),
        ("quotes", quotes),
        ("summary", down("summary", 0, len(notes.summary))),
        ("answers", down("solutions", 0, answers)),
        ("chapters", down("chapters", CHAPTERS_KEPT, len(notes.chapters))),
        ("title", title),
        (PREVIOUS_ANSWER, drop(PREVIOUS_ANSWER, notes.previous_answer is not None)),
        (GLOSSARY, drop(GLOSSARY, bool(notes.glossary))),
        (TEASER, drop(TEASER, notes.teaser is not None)),
        ("chapters", down("chapters", 0, len(notes.chapters))),
    ]


def fit(notes: Notes, max_chars: int, write: Callable[[Document], str]) -> str:
    """``write(layout(notes, budget))`` under ``max_chars`` characters, with the largest
    budget the trimming steps reach (raises ``ChapterError`` when even the title alone
    and the trim note do not fit)."""
    laid_out = Layout(notes)
    budget = Budget(max_chars=max_chars)
    out = write(laid_out(budget))
    if len(out) < max_chars:
        return out
    for name, step in trim_steps(notes):
        while len(out) >= max_chars and (smaller := step(budget)) is not None:
            budget = smaller if name in smaller.trimmed else replace(smaller, trimmed=smaller.trimmed + (name,))
            out = write(laid_out(budget))
        if len(out) < max_chars:
            return out
    raise ChapterError(f"the notes do not fit in {max_chars} characters even trimmed "
                       f"to the title; raise --max-chars")
