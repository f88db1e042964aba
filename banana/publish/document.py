"""A small document model: what a page of show notes says, not how it is written.

``banana.publish.layout`` turns notes into a ``Document``; each writer in
``banana.publish.markup`` (Markdown, HTML) knows how to write these few kinds and
nothing about episodes. So the order of the sections and what each one holds are
decided once, and a format is one writer.

A ``Document`` is a title, a line of facts (``meta``), ``Section``s (a heading and
blocks) and a ``footer`` of blocks. The blocks:

``Paragraph``  text; ``style="note"`` is a muted aside on the page, plain in Markdown
``Note``       a remark about the notes themselves (italic in Markdown)
``Quote``      words said on the show, with an optional ``Stamp`` into the audio
``Bullets``    a list of items (numbered on the page when ``numbered``)
``Run``        names in one comma-separated line, each with when it was said, under a
               label, with a count of names left out (a labelled bullet in Markdown, a
               paragraph on the page)
``Spoiler``    a label that hides a list until the reader opens it

Text inside blocks is a tuple of inline parts. A plain ``str`` is the layout's own
wording, which every writer writes as it is (so it holds no character Markdown or HTML
would act on; a test checks); ``Text`` is transcript text, which every writer escapes;
the rest: ``Strong``, ``Code`` (verbatim, such as the solver's
expressions), ``Ident`` (an identifier: code on the page, plain in Markdown),
``Stamp`` (a moment to jump to in the audio), ``Time`` (when something was said),
``Link`` and ``Span`` (parts with a style: ``note``, ``ok``, ``bad``).

``style`` and ``Section.key`` name the part for the page's stylesheet and anchors
(``<section id="chapters">``, ``<ol class="chapters">``); Markdown ignores them.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- inline parts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """Transcript text: escaped by every writer."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Emphasised transcript text."""

    text: str


@dataclass(frozen=True)
class Code:
    """Verbatim code, such as a solver expression."""

    text: str


@dataclass(frozen=True)
class Ident:
    """An identifier (the episode's slug): code on the page, plain text in Markdown."""

    text: str


@dataclass(frozen=True)
class Stamp:
    """A moment in the episode, seconds from the start, that links into the audio when
    there is an ``audio_url``."""

    seconds: float
    audio_url: str | None = None


@dataclass(frozen=True)
class Time:
    """When something was said, seconds from the start (a reference, not a link)."""

    seconds: float


@dataclass(frozen=True)
class Link:
    """A web address (already checked to be http or https) and the words that name it."""

    url: str
    text: str


@dataclass(frozen=True)
class Span:
    """Parts with a style (``note``: muted; ``ok``, ``bad``: a verdict); no style is a
    plain group."""

    parts: Parts
    style: str = ""


Inline = str | Text | Strong | Code | Ident | Stamp | Time | Link | Span
Parts = tuple[Inline, ...]


# --- blocks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paragraph:
    parts: Parts
    style: str = ""


@dataclass(frozen=True)
class Note:
    """A remark about the notes themselves ("times are estimated", "shortened")."""

    parts: Parts


@dataclass(frozen=True)
class Quote:
    parts: Parts
    stamp: Stamp | None = None


@dataclass(frozen=True)
class Bullets:
    items: tuple[Parts, ...]
    numbered: bool = False
    style: str = ""


@dataclass(frozen=True)
class Run:
    """Names in one line, ``label: a (01:10), b, and 3 more``: transcript text, each
    with the seconds it was first said at (or None)."""

    label: str
    names: tuple[tuple[str, float | None], ...]
    more: int = 0  # names left out
    style: str = ""


@dataclass(frozen=True)
class Spoiler:
    label: str
    bullets: Bullets


Block = Paragraph | Note | Quote | Bullets | Run | Spoiler


@dataclass(frozen=True)
class Section:
    """A heading and its blocks. ``key`` names the section for the page (an id, or a
    class when the section ``repeats``, as one glossary section per term does)."""

    key: str
    heading: Parts
    blocks: tuple[Block, ...]
    repeats: bool = False


@dataclass(frozen=True)
class Document:
    title: str  # transcript text
    meta: tuple[Inline, ...] = ()  # show, duration, slug: one line, " · " between
    sections: tuple[Section, ...] = ()
    footer: tuple[Block, ...] = ()
    language: str | None = None
