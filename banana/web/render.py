"""The pages, written by Jinja2 templates with autoescaping: every string from a
transcript, a feed or a query is HTML-escaped where it is written (no template marks
anything ``safe``); the highlighted words of a search snippet are split into pieces
(``marked``) and each piece escaped.

``Links`` is the one place that knows the URLs: the server's (``/episodes/<slug>``) and
the static site's (``episodes/<slug>/``, relative to the page, or under a base URL's
path). The pages load only the site's own CSS and JavaScript, under a
Content-Security-Policy (``CSP``) that allows nothing else: no inline script or style,
no other origin's scripts; audio may come from the episode's http(s) URL. The static
site's policy adds ``'wasm-unsafe-eval'``, which Pagefind's search needs to compile its
WebAssembly (it runs no script that is not the site's own).
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlencode

import jinja2

from banana.search.ranking import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN
from banana.transcript import format_timestamp, one_line
from banana.web.views import SITE_NAME, EpisodeView

STATIC_FILES = ("banana.css", "banana.js", "search.js")
_POLICY = ("default-src 'none'; script-src 'self'{wasm}; style-src 'self'; img-src 'self' data:; "
           "media-src 'self' https: http:; connect-src 'self'; form-action 'self'; base-uri 'none'")
CSP = _POLICY.format(wasm="")  # the server's pages (its header adds frame-ancestors)
SITE_CSP = _POLICY.format(wasm=" 'wasm-unsafe-eval'")  # the static site's, for Pagefind
HEADER_CSP = CSP + "; frame-ancestors 'none'"  # a <meta> policy cannot say this one


def moment(seconds: float) -> str:
    """A time as a ``#t=`` fragment holds it: seconds, to the tenth (``69.4``, ``0``)."""
    tenths = math.floor(max(seconds, 0.0) * 10 + 1e-6) / 10
    return f"{tenths:.1f}".removesuffix(".0")


def span(seconds: float) -> str:
    """``1 h 02 min``, ``42 min``, ``55 s``."""
    total = round(max(seconds, 0.0))
    if total < 60:
        return f"{total} s"
    hours, minutes = divmod(round(total / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def marked(snippet: str) -> list[tuple[str, bool]]:
    """A search snippet as (text, is a matched word) pieces; the markers come from the
    index (``HIGHLIGHT_OPEN``/``HIGHLIGHT_CLOSE``), as the CLI reads them."""
    out, rest, inside = [], one_line(snippet), False
    while rest:
        piece, found, rest = rest.partition(HIGHLIGHT_CLOSE if inside else HIGHLIGHT_OPEN)
        if piece:
            out.append((piece, inside))
        if not found:
            break
        inside = not inside
    return out


@dataclass(frozen=True)
class Links:
    """The URLs of the pages, from one page's point of view.

    ``root`` starts every URL: ``/`` on the server; on the static site, ``../../``
    style prefixes back to the site's top (so the folder can be opened anywhere) or
    the base URL's path. ``static_site`` picks the site's shapes (a folder per page,
    no solver, no API)."""

    root: str = "/"
    static_site: bool = False
    version: str = ""  # of the static files, so a browser never keeps a stale one

    @classmethod
    def site(cls, depth: int, base_path: str | None = None, version: str = "") -> Links:
        """Links for a static page ``depth`` folders below the top."""
        return cls(root=base_path if base_path is not None else "../" * depth,
                   static_site=True, version=version)

    def _page(self, path: str) -> str:
        if self.static_site:
            return f"{self.root}{path}/" if path else (self.root or "./")
        return f"{self.root}{path}"

    def home(self, page: int = 1) -> str:
        if page <= 1:
            return self._page("")
        return self._page(f"page/{page}") if self.static_site else f"{self.root}?page={page}"

    def episode(self, slug: str, t: float | None = None) -> str:
        return self._page(f"episodes/{slug}") + (f"#t={moment(t)}" if t is not None else "")

    def search(self, q: str | None = None, **params) -> str:
        pairs = [("q", q), *sorted(params.items())]
        query = urlencode([(k, v) for k, v in pairs if v not in (None, "")])
        return self._page("search") + (f"?{query}" if query else "")

    def glossary(self) -> str:
        return self._page("glossary")

    def solve(self) -> str | None:
        """The solver runs on the server only."""
        return None if self.static_site else self._page("solve")

    def api_episode(self, slug: str) -> str | None:
        return None if self.static_site else self._page(f"api/episodes/{slug}")

    def static(self, name: str) -> str:
        return f"{self.root}static/{name}" + (f"?v={self.version}" if self.version else "")

    def audio(self, view: EpisodeView) -> str | None:
        """Where the page's player reads the audio: the local recording (the server's
        route, or the copy beside the static page), else the episode's audio URL."""
        if view.audio_file is not None:
            if self.static_site:
                return view.audio_file.name  # beside the page
            return self._page(f"episodes/{view.slug}/audio")
        return view.audio_url


def page_language(language: str | None) -> str:
    """An HTML ``lang`` value: the transcript's language when it is a plain tag, else en."""
    tag = (language or "").strip()
    return tag if tag and len(tag) <= 35 and tag.replace("-", "").isalnum() else "en"


def static_files() -> dict[str, bytes]:
    """The CSS and JavaScript the pages load, by file name."""
    folder = resources.files("banana.web") / "static"
    return {name: (folder / name).read_bytes() for name in STATIC_FILES}


@functools.cache
def static_version() -> str:
    """A short digest of the static files (``?v=`` on their URLs)."""
    digest = hashlib.sha256()
    for name, data in static_files().items():
        digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()[:10]


@functools.cache
def templates_digest() -> str:
    """A digest of every template and static file: a static page is written again when
    the look of the pages changes."""
    digest = hashlib.sha256(static_version().encode())
    folder = resources.files("banana.web") / "templates"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".html"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("banana.web", "templates"),
        autoescape=True,  # every template is HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(clock=format_timestamp, moment=moment, span=span, marked=marked)
    return env


def render(template: str, *, links: Links, **context) -> str:
    """One page: ``template`` with ``links``, the site's name and the policy."""
    csp = SITE_CSP if links.static_site else CSP
    context.setdefault("site_name", SITE_NAME)
    context.setdefault("lang", "en")
    return environment().get_template(template).render(links=links, csp=csp, **context)
