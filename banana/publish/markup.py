"""Writers for a laid-out ``Document``: Markdown and one self-contained HTML page.

A writer is a small class, picked by format name from ``WRITERS``, whose ``write``
turns a document into text: its head (title and meta line), each section, its foot.
Writers know the block and inline kinds of ``banana.publish.document`` and nothing
about episodes: which sections there are, in which order, is ``banana.publish.layout``.
A writer remembers the text of each section object it has written, so writing a
document again with most sections the same (fitting Markdown to a length does, once
per trimming step) writes only the new ones.

``md``
    ``# title``, the meta line, then ``## heading`` and the blocks of each section,
    separated by blank lines (a ``Run`` and the ``Bullets`` after it make one list).
    Transcript text is Markdown-escaped (``md_escape``: ``<script>`` stays text); a
    spoiler is a ``<details>`` block, as GitHub and most podcast hosts show it.
``html``
    one page with inline CSS, no scripts and no external resources, under a
    Content-Security-Policy (``CSP``) that forbids both; every piece of text is
    HTML-escaped (``h``). A list that opens or closes a section shares the line of the
    section's heading or closing tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from banana.publish.document import (Block, Bullets, Code, Document, Ident, Link, Note, Paragraph,
                                     Parts, Quote, Run, Section, Span, Spoiler, Stamp, Strong, Text,
                                     Time)
from banana.transcript import format_timestamp, one_line


class Writer:
    """Writes a ``Document`` as text: ``head``, each ``section``, ``foot``. A writer
    keeps the text of each section object it wrote and uses it again when the same
    object comes back (fitting lays the notes out again after each trimming step, and
    the sections a step did not change are the same objects)."""

    def __init__(self) -> None:
        self._written: dict[int, tuple[Section, str]] = {}  # id -> (the section, its text)

    def write(self, doc: Document) -> str:
        return "".join([self.head(doc), *[self._section(s) for s in doc.sections], self.foot(doc)])

    def _section(self, section: Section) -> str:
        known = self._written.get(id(section))
        if known is None or known[0] is not section:
            known = self._written[id(section)] = (section, self.section(section))
        return known[1]

    def head(self, doc: Document) -> str:  # pragma: no cover - every writer overrides
        raise NotImplementedError

    def section(self, section: Section) -> str:  # pragma: no cover
        raise NotImplementedError

    def foot(self, doc: Document) -> str:  # pragma: no cover
        raise NotImplementedError


def _lines(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


# --- Markdown -------------------------------------------------------------------------------

_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>#|~&"})  # c -> \c


def md_escape(text: str) -> str:
    """Transcript text as literal Markdown text: punctuation Markdown or HTML would
    act on is backslash-escaped (so ``<script>`` stays text)."""
    return one_line(text).translate(_MD_ESCAPES)


def _md_stamp(stamp: Stamp) -> str:
    shown = format_timestamp(stamp.seconds)
    if stamp.audio_url:
        return f"[{shown}]({stamp.audio_url}#t={int(stamp.seconds)})"
    return f"[{shown}]"


_MD_INLINE: dict[type, Callable[..., str]] = {  # str parts are written as they are
    Text: lambda p: md_escape(p.text),
    Ident: lambda p: md_escape(p.text),
    Strong: lambda p: f"**{md_escape(p.text)}**",
    Code: lambda p: f"`{p.text}`",
    Stamp: _md_stamp,
    Time: lambda p: f"({format_timestamp(p.seconds)})",
    Link: lambda p: f"<{p.url}>",  # an autolink shows the address
    Span: lambda p: _md(p.parts),
}


def _md(parts: Parts) -> str:
    return "".join([p if type(p) is str else _MD_INLINE[type(p)](p) for p in parts])


def _md_run(r: Run) -> list[str]:
    names = ", ".join([md_escape(name) if at is None else f"{md_escape(name)} ({format_timestamp(at)})"
                       for name, at in r.names])
    return [f"- {r.label}: {names}" + (f", and {r.more} more" if r.more else "")]


def _md_spoiler(s: Spoiler) -> list[str]:
    return ["<details>", f"<summary>{s.label} (click to reveal)</summary>", "",
            *_md_bullets(s.bullets), "", "</details>"]


def _md_bullets(b: Bullets) -> list[str]:
    return [f"- {_md(item)}" for item in b.items]


_MD_BLOCK: dict[type, Callable[..., list[str]]] = {  # each block's lines
    Paragraph: lambda b: [_md(b.parts)],
    Note: lambda b: [f"*{_md(b.parts)}*"],
    Quote: lambda b: [f"> {_md(b.parts)}" + (f" — {_md_stamp(b.stamp)}" if b.stamp else "")],
    Bullets: _md_bullets,
    Run: _md_run,
    Spoiler: _md_spoiler,
}


def _md_blocks(blocks: tuple[Block, ...], out: list[str]) -> None:
    """Each block, then a blank line; a list right after a list continues it."""
    after_list = False
    for block in blocks:
        is_list = isinstance(block, (Bullets, Run))
        if is_list and after_list:
            out.pop()
        out += _MD_BLOCK[type(block)](block)
        out.append("")
        after_list = is_list


class MarkdownWriter(Writer):
    """``# title``, the meta line, ``## heading`` and blocks per section, blank lines between."""

    def write(self, doc: Document) -> str:
        return super().write(doc).rstrip("\n") + "\n"

    def head(self, doc: Document) -> str:
        out = [f"# {md_escape(doc.title)}", ""]
        if doc.meta:
            out += [" · ".join([_md((m,)) for m in doc.meta]), ""]
        return _lines(out)

    def section(self, section: Section) -> str:
        out = [f"## {_md(section.heading)}", ""]
        _md_blocks(section.blocks, out)
        return _lines(out)

    def foot(self, doc: Document) -> str:
        out: list[str] = []
        _md_blocks(doc.footer, out)
        return _lines(out)


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
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def h(text: object) -> str:
    """HTML-escape text (quotes too), for element content and attribute values."""
    return html.escape(str(text), quote=True)


def _class(style: str) -> str:
    return f' class="{h(style)}"' if style else ""


def _html_time(seconds: float) -> str:
    return f'<time datetime="PT{int(seconds)}S">{format_timestamp(seconds)}</time>'  # digits and colons


def _html_stamp(stamp: Stamp) -> str:
    if stamp.audio_url:
        return (f'<a class="stamp" href="{h(stamp.audio_url)}#t={int(stamp.seconds)}">'
                f"{_html_time(stamp.seconds)}</a>")
    return _html_time(stamp.seconds)


_HTML_INLINE: dict[type, Callable[..., str]] = {  # str parts are written as they are
    Text: lambda p: h(p.text),
    Strong: lambda p: f"<strong>{h(p.text)}</strong>",
    Code: lambda p: f"<code>{h(p.text)}</code>",
    Ident: lambda p: f"<code>{h(p.text)}</code>",
    Stamp: _html_stamp,
    Time: lambda p: _html_time(p.seconds),
    Link: lambda p: f'<a href="{h(p.url)}" rel="nofollow noopener noreferrer">{h(p.text)}</a>',
    Span: lambda p: f"<span{_class(p.style)}>{_html(p.parts)}</span>",
}


def _html(parts: Parts) -> str:
    return "".join([p if type(p) is str else _HTML_INLINE[type(p)](p) for p in parts])


def _html_bullets(b: Bullets) -> list[str]:
    """The opening tag, one line per item, the closing tag."""
    tag = "ol" if b.numbered else "ul"
    return [f"<{tag}{_class(b.style)}>", *[f"<li>{_html(item)}</li>" for item in b.items],
            f"</{tag}>"]


def _html_run(r: Run) -> list[str]:
    names = ", ".join([h(name) if at is None else f"{h(name)} {_html_time(at)}" for name, at in r.names])
    return [f"<p{_class(r.style)}>{names}" + (f", and {r.more} more" if r.more else "") + "</p>"]


def _html_spoiler(s: Spoiler) -> list[str]:
    lines = _html_bullets(s.bullets)
    return [f"<details><summary>{h(s.label)}</summary>{lines[0]}", *lines[1:-1],
            f"{lines[-1]}</details>"]


def _html_quote(q: Quote) -> list[str]:
    at = f" {_html_stamp(q.stamp)}" if q.stamp else ""
    return [f"<blockquote><p>{_html(q.parts)}{at}</p></blockquote>"]


_HTML_BLOCK: dict[type, Callable[..., list[str]]] = {  # each block's lines
    Paragraph: lambda b: [f"<p{_class(b.style)}>{_html(b.parts)}</p>"],
    Note: lambda b: [f'<p class="note">{_html(b.parts)}</p>'],
    Quote: _html_quote,
    Bullets: _html_bullets,
    Run: _html_run,
    Spoiler: _html_spoiler,
}


class HtmlWriter(Writer):
    """One self-contained page: inline CSS, no scripts, nothing fetched, under ``CSP``."""

    def head(self, doc: Document) -> str:
        lang = doc.language if doc.language and _LANGUAGE_TAG.fullmatch(doc.language) else "en"
        out = [
            "<!doctype html>",
            f'<html lang="{h(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{h(CSP)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{h(doc.title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{h(doc.title)}</h1>",
        ]
        if doc.meta:
            out.append(f'<p class="meta">{" · ".join([_html((m,)) for m in doc.meta])}</p>')
        return _lines(out)

    def section(self, section: Section) -> str:
        anchor = "class" if section.repeats else "id"
        out = [f'<section {anchor}="{h(section.key)}"><h2>{_html(section.heading)}</h2>']
        for i, block in enumerate(section.blocks):
            lines = _HTML_BLOCK[type(block)](block)
            if i == 0 and isinstance(block, Bullets):
                out[-1] += lines.pop(0)  # <h2>…</h2><ul>
            out += lines
        if section.blocks and isinstance(section.blocks[-1], Bullets):
            out[-1] += "</section>"  # </ul></section>
        else:
            out.append("</section>")
        return _lines(out)

    def foot(self, doc: Document) -> str:
        out: list[str] = []
        for block in doc.footer:
            out += _HTML_BLOCK[type(block)](block)
        return _lines(out + ["</main>", "</body>", "</html>"])


WRITERS: dict[str, type[Writer]] = {
    "md": MarkdownWriter,
    "html": HtmlWriter,
}
