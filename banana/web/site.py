"""``banana site``: the library's pages as a static site any host can serve.

The folder it writes::

    OUT/index.html                      the episodes, newest first (OUT/page/N/ for more)
    OUT/episodes/<slug>/index.html      an episode (``#t=SECONDS`` opens it at a moment)
    OUT/episodes/<slug>/audio.<ext>     its local recording, when it has one
    OUT/search/index.html               the search page: Pagefind, in the browser
    OUT/glossary/index.html             the show's glossary
    OUT/404.html                        what GitHub Pages and Netlify show for a missing page
    OUT/static/                         the pages' CSS and JavaScript
    OUT/pagefind/                       Pagefind's index of the transcripts
    OUT/.banana-site.json               what was written from what (the manifest)

Links are relative to each page, so the folder works wherever it is put; with a base
URL they start with its path instead (``https://example.org/podcast/`` → ``/podcast/``).

Incremental. An episode's *key* is a digest of every file its page is made from (the
transcript, its stored analysis, what the user set, the feed item, the local audio's
size and time, the previous episode's analysis, which the page's "last episode's
teaser" reads) and of the templates, static files, base URL and site name. An episode whose key
is the one in the manifest, and whose page is there, is neither gathered nor rendered;
any page is written only when its bytes differ from the file's. The home, glossary and
search pages are rendered from the cards and glossary entries the manifest keeps, so a
run with nothing changed reads the library's files, renders three small pages, writes
nothing and does not run Pagefind. Pagefind runs when a page was written or removed;
it writes a new index beside the old one, which is replaced whole.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from banana.errors import BananaError, LibraryError, OptionError
from banana.fsutil import atomic_path, write_if_changed
from banana.library import ANALYSIS_FILE, FEED_FILE, META_FILE, TRANSCRIPT_FILE, Library
from banana.transcript import one_line, web_url_problem
from banana.web.render import (Links, page_language, render, static_files, static_version,
                               templates_digest)
from banana.web.views import (AUDIO_STEM, EPISODES_PER_PAGE, Card, GlossaryUse, episode_view,
                              glossary_terms, library_name)

MANIFEST = ".banana-site.json"
SITE_SCHEMA = 1
PAGEFIND_DIR = "pagefind"
PAGEFIND_TIMEOUT_SECONDS = 600

Progress = Callable[[int, int, str], None]  # (done, total, slug)


@dataclass(frozen=True)
class SiteReport:
    """What ``build_site`` did."""

    out: Path
    episodes: int  # in the library
    rendered: tuple[str, ...]  # episodes whose page was gathered and rendered
    written: tuple[Path, ...]  # files written (their bytes changed)
    removed: tuple[Path, ...]  # pages of episodes no longer in the library
    failed: tuple[tuple[str, str], ...] = ()  # (slug, why) for episodes left out
    indexed: bool = False  # Pagefind ran
    pagefind: str = ""  # its summary line ("Indexed 299 pages")
    seconds: float = 0.0


@dataclass(frozen=True)
class _Entry:
    """What the manifest keeps of an episode."""

    key: str
    card: Card
    glossary: tuple[GlossaryUse, ...] = ()
    language: str = "en"
    files: tuple[str, ...] = ()  # relative to OUT

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "card": self.card.to_dict(),
                "glossary": [g.to_dict() for g in self.glossary], "language": self.language,
                "files": list(self.files)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Entry:
        return cls(key=str(data["key"]), card=Card.from_dict(data["card"]),
                   glossary=tuple(GlossaryUse.from_dict(g) for g in data.get("glossary", ())),
                   language=str(data.get("language") or "en"),
                   files=tuple(str(f) for f in data.get("files", ())))


def check_base_url(base_url: str) -> str:
    """``base_url`` when it is an absolute http(s) URL; else an OptionError."""
    problem = web_url_problem(base_url)
    if problem:
        raise OptionError(problem.replace("audio URL", "--base-url"))
    return base_url


def base_path(base_url: str | None) -> str | None:
    """The path every link starts with for ``base_url`` (``/podcast/``), or None."""
    if base_url is None:
        return None
    path = urlsplit(base_url).path
    return path if path.endswith("/") else path + "/"


def check_out(library: Library, out: Path) -> Path:
    """OUT must be a folder outside the library, and the library outside OUT: the
    site's ``episodes/<slug>/`` folders must never be an episode's own."""
    if out.exists() and not out.is_dir():
        raise OptionError(f"{out} is a file; give a folder for the site")
    site, root = out.resolve(), library.root.resolve()
    if site == root or site.is_relative_to(root) or root.is_relative_to(site):
        raise OptionError(f"the site folder {out} and the library {library.root} must not "
                          "contain each other; write the site somewhere else")
    return out


def pagefind_available() -> bool:
    return importlib.util.find_spec("pagefind") is not None


def _digest_file(digest: Any, path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError:
        data = b"\0missing"
    digest.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())


def episode_key(library: Library, slug: str, previous: str | None, generator: str) -> str:
    """The digest of everything ``slug``'s page is made from (see the module docstring)."""
    digest = hashlib.sha256(generator.encode())
    folder = library.episode_dir(slug)
    for name in (TRANSCRIPT_FILE, ANALYSIS_FILE, META_FILE, FEED_FILE):
        _digest_file(digest, folder / name)
    for audio in sorted(folder.glob(f"{AUDIO_STEM}.*")):
        st = audio.stat()
        digest.update(f"{audio.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    if previous is not None:
        _digest_file(digest, library.episode_dir(previous) / ANALYSIS_FILE)
    return digest.hexdigest()


class _Writer:
    """Writes files under OUT only when their bytes change, and remembers which."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: list[Path] = []

    def bytes(self, relative: str, data: bytes) -> None:
        path = self.out / relative
        try:
            if not write_if_changed(path, data):
                return
        except OSError as exc:
            raise LibraryError(f"{path}: cannot write ({exc.strerror or exc})") from None
        self.written.append(path)

    def text(self, relative: str, text: str) -> None:
        self.bytes(relative, text.encode("utf-8"))

    def copy(self, relative: str, source: Path) -> None:
        """A copy of ``source``, unless the one there has its size and time."""
        path = self.out / relative
        st = source.stat()
        try:
            there = path.stat()
            if there.st_size == st.st_size and there.st_mtime_ns == st.st_mtime_ns:
                return
        except OSError:
            pass
        try:
            with atomic_path(path) as tmp:
                shutil.copyfile(source, tmp)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        except OSError as exc:
            raise LibraryError(f"{path}: cannot write ({exc.strerror or exc})") from None
        self.written.append(path)


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) and data.get("schema") == SITE_SCHEMA else {}


def _stored_entries(manifest: dict[str, Any]) -> dict[str, _Entry]:
    entries = {}
    for slug, data in (manifest.get("episodes") or {}).items():
        try:
            entries[slug] = _Entry.from_dict(data)
        except (KeyError, TypeError, ValueError):
            continue  # rendered again
    return entries


def build_site(library: Library, out: Path | str, *, base_url: str | None = None,
               pagefind: bool = True, progress: Progress | None = None) -> SiteReport:
    """Write (or bring up to date) the static site of ``library`` in ``out``."""
    started = time.perf_counter()
    out = check_out(library, Path(out))
    if base_url is not None:
        check_base_url(base_url)
    if pagefind and not pagefind_available():
        raise LibraryError("the site's search needs Pagefind: pip install 'pagefind[bin]'")
    root_path = base_path(base_url)
    version = static_version()
    slugs = library.slugs()  # oldest first
    name = library_name(library, slugs[::-1])
    generator = f"{SITE_SCHEMA}:{templates_digest()}:{base_url or ''}:{name}"
    manifest = _read_manifest(out)
    known = _stored_entries(manifest)
    stored = known if manifest.get("generator") == generator else {}
    writer = _Writer(out)
    entries: dict[str, _Entry] = {}
    rendered, failed = [], []
    episode_links = Links.site(2, root_path, version)
    for done, slug in enumerate(slugs, 1):
        previous = slugs[done - 2] if done > 1 else None
        try:
            key = episode_key(library, slug, previous, generator)
            entry = stored.get(slug)
            page = f"episodes/{slug}/index.html"
            if entry is None or entry.key != key or not (out / page).is_file():
                entry = _render_episode(library, slug, previous, generator, writer,
                                        episode_links, name)
                rendered.append(slug)
        except BananaError as exc:
            failed.append((slug, one_line(str(exc))))
            continue
        entries[slug] = entry
        if progress is not None:
            progress(done, len(slugs), slug)
    removed = _remove_gone(out, known, entries)
    newest = [entries[s] for s in reversed(slugs) if s in entries]
    _write_pages(writer, newest, root_path, version, name)
    for name, data in static_files().items():
        writer.bytes(f"static/{name}", data)
    indexed, summary = False, ""
    if pagefind and (writer.written or removed or not (out / PAGEFIND_DIR).is_dir()):
        summary = run_pagefind(out)
        indexed = True
    record = {"schema": SITE_SCHEMA, "generator": generator, "base_url": base_url,
              "episodes": {slug: e.to_dict() for slug, e in entries.items()}}
    writer.text(MANIFEST, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    written = [p for p in writer.written if p.name != MANIFEST]
    return SiteReport(out=out, episodes=len(slugs), rendered=tuple(rendered),
                      written=tuple(written), removed=tuple(removed), failed=tuple(failed),
                      indexed=indexed, pagefind=summary,
                      seconds=time.perf_counter() - started)


def _render_episode(library: Library, slug: str, previous: str | None, generator: str,
                    writer: _Writer, links: Links, name: str) -> _Entry:
    view = episode_view(library, slug)
    files = [f"episodes/{slug}/index.html"]
    language = page_language(view.transcript.language)
    html = render("episode.html", links=links, here="episode", view=view,
                  audio=links.audio(view), lang=language,
                  site_name=name)
    writer.text(files[0], html)
    if view.audio_file is not None:
        files.append(f"episodes/{slug}/{view.audio_file.name}")
        writer.copy(files[-1], view.audio_file)
    # The key after gathering: the page may have stored the episode's analysis just now.
    key = episode_key(library, slug, previous, generator)
    return _Entry(key=key, card=view.card, glossary=view.glossary, language=language,
                  files=tuple(files))


def _remove_gone(out: Path, known: dict[str, _Entry], kept: dict[str, _Entry]) -> list[Path]:
    """Remove the files the manifest says were written for episodes that are gone (and
    files an episode no longer has, such as a removed recording)."""
    removed = []
    for slug, entry in known.items():
        still = set(kept[slug].files) if slug in kept else set()
        for relative in entry.files:
            if relative in still:
                continue
            path = out / relative
            if path.is_file() and path.resolve().is_relative_to(out.resolve()):
                path.unlink()
                removed.append(path)
        folder = out / "episodes" / slug
        if slug not in kept and folder.is_dir() and not folder.is_symlink():
            try:
                folder.rmdir()
            except OSError:
                pass  # something of the user's is in it
    return removed


def _write_pages(writer: _Writer, newest: list[_Entry], root_path: str | None,
                 version: str, name: str) -> None:
    """The pages made from every episode: the home page(s), the glossary, search, 404."""
    cards = [e.card for e in newest]
    shows = sorted({c.show for c in cards if c.show})
    pages = max(1, math.ceil(len(cards) / EPISODES_PER_PAGE))
    for page in range(1, pages + 1):
        links = Links.site(0 if page == 1 else 2, root_path, version)
        shown = cards[(page - 1) * EPISODES_PER_PAGE:page * EPISODES_PER_PAGE]
        writer.text("index.html" if page == 1 else f"page/{page}/index.html",
                    render("home.html", links=links, here="home", cards=shown, failed=[],
                           total=len(cards), shows=shows, page=page, pages=pages,
                           site_name=name))
    uses = [g for e in reversed(newest) for g in e.glossary]  # oldest episode first
    writer.text("glossary/index.html",
                render("glossary.html", links=Links.site(1, root_path, version), here="glossary",
                       shows=glossary_terms(uses), site_name=name))
    languages = Counter(e.language for e in newest)
    writer.text("search/index.html",
                render("search.html", links=Links.site(1, root_path, version), here="search",
                       query="", within="transcript", speaker="", episode="", kinds=[],
                       results=None, hits=[], total=0, first=1, page=1, error=None, note=None,
                       prev_page=None, next_page=None, site_name=name,
                       lang=languages.most_common(1)[0][0] if languages else "en"))
    # Served for any missing address, at any depth: its links start at the site's top.
    writer.text("404.html",
                render("error.html", links=Links.site(0, root_path or "/", version),
                       here="error", heading="Not found", site_name=name,
                       message="There is no page at this address: the episode may have been "
                               "renamed or removed."))


def run_pagefind(out: Path) -> str:
    """Index the episode pages with Pagefind into ``OUT/pagefind`` (written beside it
    first, then swapped in whole); returns Pagefind's "Indexed N pages" line."""
    fresh, old = out / f".{PAGEFIND_DIR}.new", out / f".{PAGEFIND_DIR}.old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(out), "--output-path", str(fresh),
               "--glob", "episodes/**/*.html"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                timeout=PAGEFIND_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise LibraryError(f"Pagefind could not index {out}: {exc}") from None
    if result.returncode != 0 or not fresh.is_dir():
        shutil.rmtree(fresh, ignore_errors=True)
        said = one_line((result.stderr or result.stdout)[-500:])
        raise LibraryError(f"Pagefind could not index {out}: {said or 'exit ' + str(result.returncode)}")
    target = out / PAGEFIND_DIR
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    pages = [line.strip() for line in result.stdout.splitlines() if "Indexed" in line and "page" in line]
    return pages[0] if pages else ""
