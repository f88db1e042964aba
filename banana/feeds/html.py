"""A Podcasting 2.0 HTML transcript as text Banana's published-text reader takes.

The namespace's HTML form is a run of ``<cite>Speaker:</cite> <time>0:00</time>
<p>words</p>``; it becomes one ``[0:00] Speaker: words`` paragraph per ``<p>``. Hosts
also link plain HTML pages; their paragraphs come through as they are (a speaker
label inside the paragraph is read as one). Parsed by lxml's HTML parser, which loads
nothing from outside the document.
"""

from __future__ import annotations

import re

from lxml import etree, html

from banana.errors import FeedError

_CLOCK = re.compile(r"^\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?$")
_BLOCKS = {"p", "li", "blockquote", "dd"}


def html_transcript_text(markup: str, *, name: str = "transcript") -> str:
    """Paragraphs of ``[time] Speaker: text`` (time and speaker when the page marks them)."""
    try:
        root = html.document_fromstring(markup, parser=html.HTMLParser(no_network=True))
    except (etree.ParserError, ValueError) as exc:
        raise FeedError(f"{name}: not an HTML transcript ({exc})") from None
    body = root.find("body")
    if body is None:
        body = root
    for junk in body.iter("script", "style", "nav", "header", "footer"):
        junk.drop_tree()
    speaker, stamp, paragraphs = None, None, []
    for el in body.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        text = " ".join(el.text_content().split())
        if tag == "cite":
            speaker = text.rstrip(":").strip() or None
        elif tag == "time":
            stamp = text if _CLOCK.match(text) else None
        elif tag in _BLOCKS and text and not any(child.tag in _BLOCKS for child in el.iterdescendants()):
            prefix = f"[{stamp}] " if stamp else ""
            label = f"{speaker}: " if speaker and not text.startswith(f"{speaker}:") else ""
            paragraphs.append(f"{prefix}{label}{text}")
            stamp = None
    if not paragraphs:  # no paragraph markup: the page's lines of text (<br>, <div>)
        for br in body.iter("br"):
            br.tail = "\n" + (br.tail or "")
        paragraphs = [" ".join(line.split()) for line in body.text_content().splitlines() if line.strip()]
    if not paragraphs:
        raise FeedError(f"{name}: an HTML page with no transcript text")
    return "\n\n".join(paragraphs) + "\n"
