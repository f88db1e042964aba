"""Show notes for an analysed episode, as Markdown, one HTML page, or JSON.

Build once, render several formats::

    notes = build_notes(transcript, analysis, episode="s01e01")
    render(notes, "md", max_chars=4000)

Three stages, one module each, and the small document model the last two share
(``banana.publish.document``):

``banana.publish.gather``
    ``build_notes``: what the notes say (the frozen ``Notes`` data: title, summary,
    chapters, glossary, mentions and links, the teaser with its verified answers,
    the previous episode's answer).
``banana.publish.layout``
    ``layout``: the sections in order, as a small document of headings and blocks,
    cut to a ``Budget``; ``fit`` trims the budget, lowest priority first, until the
    written text is short enough.
``banana.publish.markup``
    the writers, picked by format name: Markdown (transcript text Markdown-escaped,
    answers behind a ``<details>`` spoiler) and one self-contained HTML page (inline
    CSS, no scripts, no external resources, a Content-Security-Policy that forbids
    both, every piece of transcript text HTML-escaped).

The formats:

``md``
    Markdown under ``max_chars`` characters (4,000 by default, a common hosting
    limit): the layout fitted to the limit (links and mentions go first, then extra
    answers and summary sentences, then long quotes shortened at a word, marked "…";
    no word is cut without a "…"), with a closing note naming what was trimmed.
``html``
    everything, on one page.
``json``
    ``Notes.to_dict()`` (versioned by ``SCHEMA``; ``Notes.from_dict`` reads it back).

This module is the front door: ``render``, ``check_max_chars`` and the names other
modules import (the data types, ``build_notes``, ``find_links``, ``md_escape``, ``h``,
``CSP``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from banana.errors import ChapterError
from banana.publish.gather import (SCHEMA, GlossaryNote, MentionNote, Notes, SolutionNote,
                                   TeaserNote, build_notes, find_links)
from banana.publish.layout import EVERYTHING, fit, layout
from banana.publish.markup import CSP, WRITERS, h, md_escape

DEFAULT_MAX_CHARS = 4000  # Markdown stays under this many characters
MIN_MAX_CHARS = 500  # below this not even a title, a few chapters and the trim note fit

__all__ = [
    "CSP", "DEFAULT_MAX_CHARS", "FORMATS", "MIN_MAX_CHARS", "SCHEMA", "GlossaryNote",
    "MentionNote", "Notes", "SolutionNote", "TeaserNote", "build_notes", "check_max_chars",
    "find_links", "h", "md_escape", "render",
]


def check_max_chars(max_chars: int) -> None:
    if max_chars < MIN_MAX_CHARS:
        raise ChapterError(f"--max-chars must be at least {MIN_MAX_CHARS} "
                           f"(a title and a few chapters), not {max_chars}")


def _markdown(notes: Notes, max_chars: int) -> str:
    check_max_chars(max_chars)
    return fit(notes, max_chars, WRITERS["md"]().write)


def _html(notes: Notes, max_chars: int) -> str:
    return WRITERS["html"]().write(layout(notes, EVERYTHING))


def _json(notes: Notes, max_chars: int) -> str:
    return json.dumps(notes.to_dict(), ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[Notes, int], str]] = {
    "md": _markdown,  # the only format with a length limit
    "html": _html,
    "json": _json,
}
FORMATS = tuple(RENDERERS)


def render(notes: Notes, fmt: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Render gathered notes in one of ``FORMATS`` (``max_chars`` limits Markdown)."""
    if fmt not in RENDERERS:
        raise ChapterError(f"unknown notes format {fmt!r} (known: {', '.join(FORMATS)})")
    return RENDERERS[fmt](notes, max_chars)
