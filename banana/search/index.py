"""The searchable archive: one SQLite FTS5 database in the library folder.

``<library>/index.sqlite3`` holds one row per utterance (plus each episode's
segments and glossary entries when ``banana.analysis`` is available), indexed by
FTS5 with the Porter stemmer so "explaining" finds "explained".

* The schema evolves through numbered ``MIGRATIONS``; ``PRAGMA user_version`` records
  how many have run.
* ``SearchIndex.update()`` is incremental: an episode is re-read only when its
  ``transcript.json`` changed size or mtime, re-indexed only when its SHA-256
  changed, and dropped when it left the library.
* Each episode's rows are replaced inside one ``BEGIN IMMEDIATE`` transaction, from
  the bytes on disk at that moment, so a process killed half-way leaves a
  consistent index (some episodes current, others stale or missing) that the
  next ``update()`` completes. WAL and a busy timeout let several processes
  import while others search.
* Ranking: each matching entry's bm25, plus ``EPISODE_WEIGHT * log2(1 + the sum of
  its episode's matching bm25s)``, so the episode that is about the query comes
  first; snippets are made for the top hits only.
* ``parse_query`` turns what a user types into a safe FTS5 expression: phrases in
  quotes, ``deep*`` prefixes, ``AND``/``OR``/``NOT`` and parentheses; anything
  malformed is searched as plain words (with a note) or rejected with a
  ``QueryError``. SQLite never sees raw user syntax. Queries are bounded
  (``MAX_QUERY_CHARS``, ``MAX_QUERY_DEPTH``), a repeated word is searched once, and
  a long query matches on all its words but is scored on its longest few
  (``MAX_SCORED_TERMS``), so 200 pasted words cost about what two do.
* A big episode's rows are written ``INSERT_CHUNK_ROWS`` at a time, with progress;
  an episode ``banana.analysis`` refuses (``AnalysisError``: longer than any
  episode) is indexed without segments and glossary, and not retried.
* A library this user cannot write is searched read-only (SQLite ``mode=ro``, or
  ``immutable`` when no process has the file open); updates raise
  ``ReadOnlyLibrary``. A damaged file raises ``IndexCorrupt``, and
  ``update(rebuild=True)`` moves it aside (``index.sqlite3.corrupt-<time>``) and
  builds a new one.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import heapq
import itertools
import math
import re
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banana.analysis import Analysis
from banana.errors import (AnalysisError, BananaError, EpisodeNotFound, FormatError, IndexCorrupt,
                           LibraryError, QueryError, ReadOnlyLibrary)
from banana.library import Library
from banana.search.query import ParsedQuery, clip_query, parse_query
from banana.transcript import Transcript, format_timestamp

INDEX_FILE = "index.sqlite3"
BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for another writer before failing
SNIPPET_TOKENS = 18  # words of context in a snippet
DEFAULT_LIMIT = 10
HIGHLIGHT_OPEN = "**"  # marks a matched word in a snippet
HIGHLIGHT_CLOSE = "**"
HITS_PER_EPISODE = 3  # results from one episode, unless the search is within one episode
MAX_RANKED = 20_000  # a query matching more entries ranks only the first this many
OPTIMIZE_MIN_SHARE = 0.5  # merge FTS segments after re-indexing at least this share of the index
INSERT_CHUNK_ROWS = 2_000  # entries per executemany (and per progress report) in one episode


# What ``--in`` accepts -> the entry kind stored in the database.
KINDS = {"transcript": "utterance", "segments": "segment", "glossary": "glossary"}
KIND_CODES = {"utterance": 0, "segment": 1, "glossary": 2}
KIND_SHIFT = 19  # up to 2**19 entries of one kind per episode
EPISODE_SHIFT = 21  # 2 bits of kind code above the position

# Episode-level evidence joins utterance-level bm25 in the ranking: a hit in an
# episode that talks about the query a lot outranks an equally good hit in an
# episode that mentions it once. score = utterance + EPISODE_WEIGHT * log2(1 + episode),
# where both are positive bm25 sums (bigger is better).
EPISODE_WEIGHT = 1.0

# --- schema -----------------------------------------------------------------

# Each migration is a list of statements; never edit one that has shipped, append.
MIGRATIONS: list[list[str]] = [
    # 1: episodes, entries, and an external-content FTS5 index kept in sync by triggers.
    [
        """CREATE TABLE episodes (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            audio_url TEXT,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            analysed INTEGER NOT NULL DEFAULT 0,
            entries INTEGER NOT NULL DEFAULT 0,
            indexed_at REAL NOT NULL
        )""",
        # id = episode id << EPISODE_SHIFT | kind code << KIND_SHIFT | position: an
        # FTS hit's episode and kind come from its rowid without a join.
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            speaker TEXT,
            start REAL NOT NULL,
            end REAL NOT NULL,
            first_turn INTEGER,
            last_turn INTEGER,
            text TEXT NOT NULL
        )""",
        """CREATE VIRTUAL TABLE entries_fts USING fts5(
            text, content='entries', content_rowid='id', tokenize='porter unicode61'
        )""",
        """CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
            INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
        END""",
        """CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
            INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END""",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


# --- data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One searchable row: an utterance, a segment title or a glossary entry."""

    kind: str  # "utterance" | "segment" | "glossary"
    text: str
    start: float
    end: float
    speaker: str | None = None
    first_turn: int | None = None
    last_turn: int | None = None


@dataclass(frozen=True)
class Hit:
    """A search result: where in which episode, and the matching words in context."""

    episode: str
    title: str
    kind: str
    speaker: str | None
    start: float
    end: float
    turn: int | None
    snippet: str  # matched words wrapped in HIGHLIGHT_OPEN/HIGHLIGHT_CLOSE
    url: str | None
    score: float

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start, always_hours=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "episode": self.episode,
            "title": self.title,
            "speaker": self.speaker,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "snippet": self.snippet,
            "url": self.url,
        }


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int  # matching entries, before --limit
    hits: tuple[Hit, ...]
    note: str | None = None  # set when the query was searched as plain words

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total,
                "results": [h.to_dict() for h in self.hits]}


@dataclass
class IndexReport:
    """What ``update()`` did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (slug, message)
    episodes: int = 0  # in the index afterwards
    entries: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # "utterance" -> rows, ...
    analysed: bool = False  # segments and glossary were indexed
    # (slug, why) for episodes banana.analysis refuses as they are (AnalysisError: more
    # words than one episode has): indexed without segments and glossary, not retried.
    unanalysed: list[tuple[str, str]] = field(default_factory=list)
    set_aside: Path | None = None  # where a damaged index file was moved (``rebuild``)
    path: Path | None = None  # the index file
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return len(self.added) + len(self.updated) + len(self.removed)


# --- what gets indexed ----------------------------------------------------------


def transcript_entries(transcript: Transcript) -> list[Entry]:
    """One entry per utterance with text, its turn index kept."""
    return list(_utterance_entries(transcript))


def _utterance_entries(transcript: Transcript) -> Iterator[Entry]:
    for turn, u in enumerate(transcript.utterances):
        if u.text.strip():
            yield Entry("utterance", u.text, u.start, u.end, u.speaker, turn, turn)


def analysis_entries(transcript: Transcript, analysis: Analysis) -> list[Entry]:
    """The searchable entries of an episode's analysis: its segments (titled, with the
    explained term) and its glossary entries."""
    entries: list[Entry] = []
    for seg in analysis.segments:
        text = seg.title or ""
        if seg.term and seg.term.lower() not in text.lower():
            text = f"{text}: {seg.term}" if text else seg.term
        if text.strip():
            entries.append(Entry("segment", text, seg.start, seg.end, None,
                                 seg.first_turn, seg.last_turn))
    turn_at = _turn_finder(transcript)
    for item in analysis.glossary:
        text = f"{item.term}: {item.explanation}" if item.explanation else item.term
        if text.strip():
            turn = turn_at(item.start)
            entries.append(Entry("glossary", text, item.start, item.start, item.speaker,
                                 turn, turn))
    return entries


def _turn_finder(transcript: Transcript) -> Callable[[float], int | None]:
    """``turn_at(seconds)``: the last turn before the first utterance starting after
    ``seconds`` (None if the first does), in O(log n) a call. The first utterance
    starting after ``seconds`` is the first whose running maximum start does, so
    bisecting the running maxima finds it even in a transcript out of time order."""
    running, latest = [], -math.inf
    for u in transcript.utterances:
        latest = max(latest, u.start)
        running.append(latest)

    def turn_at(seconds: float) -> int | None:
        turn = bisect.bisect_right(running, seconds + 1e-6) - 1
        return turn if turn >= 0 else None

    return turn_at


# --- the index ------------------------------------------------------------------


SQLITE_HEADER = b"SQLite format 3\x00"  # the first bytes of every SQLite database
_CORRUPT_ERRORS = ("SQLITE_CORRUPT", "SQLITE_NOTADB")  # and their extended codes


def _is_corrupt(exc: BaseException) -> bool:
    return str(getattr(exc, "sqlite_errorname", "")).startswith(_CORRUPT_ERRORS)


def _is_read_only(exc: BaseException) -> bool:
    return str(getattr(exc, "sqlite_errorname", "")).startswith("SQLITE_READONLY")


def _digest_or_none(path: Path) -> str | None:
    """SHA-256 of a file, read in blocks (no second copy of a big transcript)."""
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class SearchIndex:
    """The FTS5 index of one library. Cheap to construct; connects per operation."""

    def __init__(self, library: Library, *, path: Path | str | None = None, analysis: bool = True,
                 read_only: bool | None = None) -> None:
        self.library = library
        self.path = Path(path) if path is not None else Path(library.root) / INDEX_FILE
        self.analysis = analysis  # index segments and glossary (when banana.analysis exists)
        # True: open the file read-only, as for a library this user cannot write;
        # None: read-only exactly when ``writable()`` says so.
        self.read_only = read_only
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def writable(self) -> bool:
        """Whether this user may change the index: write its file, and create the
        ``-wal`` and ``-shm`` files SQLite keeps beside it (or the folders above it,
        when the library is new)."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            return False
        return not self.path.exists() or os.access(self.path, os.R_OK | os.W_OK)

    # -- connection and migrations --

    def _open(self, *, write: bool = True) -> sqlite3.Connection:
        """A configured, migrated connection (WAL, busy timeout). In a library this
        user cannot write, a reading connection opens the file read-only and a
        writing one is refused with ReadOnlyLibrary."""
        if self.read_only or (self.read_only is None and not self.writable()):
            if write:
                raise ReadOnlyLibrary(f"library {self.library.root} is read-only: cannot update "
                                      f"its search index {self.path}")
            return self._open_read_only()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise LibraryError(f"cannot open search index {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._error(exc) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """The index of a library this user cannot write, opened read-only: no WAL
        switch, no migration. A WAL database needs its ``-shm`` file; when it is
        not there (no process has the index open) and cannot be created, the file
        is opened ``immutable``: SQLite then takes no locks, which is safe because a
        writer would have to create that file first -- but a search that runs while
        the owner starts writing may see a half-made change (re-run it)."""
        if not self.path.is_file():
            raise ReadOnlyLibrary(f"library {self.library.root} is read-only and has no search "
                                  f"index; its owner can build one with `banana index`")
        shared = all(Path(f"{self.path}{suffix}").is_file() for suffix in ("-wal", "-shm"))
        uri = self.path.resolve().as_uri() + ("?mode=ro" if shared else "?mode=ro&immutable=1")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            raise LibraryError(f"cannot open search index {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only = 1")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise self._newer(version)
            if version < SCHEMA_VERSION:
                raise ReadOnlyLibrary(
                    f"search index {self.path} is from an older Banana (schema {version}, now "
                    f"{SCHEMA_VERSION}) and library {self.library.root} is read-only, so it "
                    f"cannot be upgraded; its owner can run `banana index`")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._error(exc) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _error(self, exc: sqlite3.Error, doing: str = "use") -> LibraryError:
        """The LibraryError that says what went wrong with the index file."""
        if _is_corrupt(exc):
            return IndexCorrupt(f"search index {self.path} is damaged ({exc}); "
                                f"rebuild it with `banana index --rebuild`")
        if _is_read_only(exc):
            return ReadOnlyLibrary(f"library {self.library.root} is read-only ({exc}): cannot "
                                   f"update its search index {self.path}")
        return LibraryError(f"cannot {doing} the search index {self.path}: {exc}")

    @staticmethod
    def _newer(version: int) -> LibraryError:
        return LibraryError(f"search index schema {version} is newer than this Banana's "
                            f"({SCHEMA_VERSION}); upgrade Banana or delete {INDEX_FILE}")

    @contextmanager
    def connect(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection of its own, closed afterwards (for updates; ``write=False``
        for reading, which works in a read-only library too)."""
        conn = self._open(write=write)
        try:
            yield conn
        finally:
            conn.close()

    def _reader(self) -> sqlite3.Connection:
        """The connection searches reuse in this thread and process, so a long-lived
        caller does not pay for opening and warming one per query. Each statement
        is its own read transaction, so it sees every commit made before it."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = self._open(write=False)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's search connection (it is reopened when needed)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    @classmethod
    def _migrate(cls, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise cls._newer(version)
        if version == SCHEMA_VERSION:
            return
        with _write(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under lock
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- a damaged index --

    def _damaged(self) -> bool:
        """True when the index file exists and SQLite finds it damaged (a quick
        check of its structure; FTS5's own pages are checked as they are read)."""
        if not self.exists():
            return False
        try:
            with self.path.open("rb") as f:
                header = f.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise LibraryError(f"cannot read search index {self.path}: "
                               f"{exc.strerror or exc}") from None
        if header and header != SQLITE_HEADER:
            return True  # not a database: do not let SQLite open it (and drop its -wal)
        try:
            with self.connect() as conn:
                return conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok"
        except IndexCorrupt:
            return True
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc):
                return True
            raise self._error(exc) from None

    def set_aside(self) -> Path:
        """Move the index file (with its -wal and -shm) to
        ``index.sqlite3.corrupt-YYYYMMDD-HHMMSS`` beside it; returns the new path.
        The -wal and -shm go first: a -wal left beside a new index would be
        replayed into it."""
        self.close()
        stem = f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        target, n = self.path.with_name(stem), 1
        while any(Path(f"{target}{s}").exists() for s in ("", "-wal", "-shm")):
            n += 1
            target = self.path.with_name(f"{stem}-{n}")
        try:
            for suffix in ("-wal", "-shm", ""):
                source = Path(f"{self.path}{suffix}")
                if source.exists():
                    os.replace(source, f"{target}{suffix}")
        except OSError as exc:
            raise LibraryError(f"cannot move the damaged search index {self.path} aside: "
                               f"{exc.strerror or exc}") from None
        return target

    # -- updating --

    def update(self, *, rebuild: bool = False,
               progress: Callable[[int, int, str], None] | None = None,
               entry_progress: Callable[[str, int, int], None] | None = None) -> IndexReport:
        """Bring the index up to date with the library: index new and changed
        episodes, drop removed ones. ``progress(done, total, slug)`` is called after
        each episode that needed work; ``entry_progress(slug, done, total)`` as the
        entries of a big episode (over ``INSERT_CHUNK_ROWS``) are written.
        ``rebuild`` re-indexes everything, and first sets a damaged index file
        aside (see ``set_aside``) to build a new one."""
        set_aside = self.set_aside() if rebuild and self._damaged() else None
        run = functools.partial(self._update, rebuild=rebuild, progress=progress,
                                entry_progress=entry_progress)
        try:
            try:
                report = run()
            except (sqlite3.DatabaseError, IndexCorrupt) as exc:
                if not (rebuild and set_aside is None
                        and (isinstance(exc, IndexCorrupt) or _is_corrupt(exc))):
                    raise
                # Damage the quick check cannot see (in FTS5's own pages): start afresh.
                set_aside = self.set_aside()
                report = run()
        except sqlite3.Error as exc:
            raise self._error(exc, "update") from None
        report.set_aside = set_aside
        return report

    def _update(self, *, rebuild, progress, entry_progress) -> IndexReport:
        began = time.perf_counter()
        report = IndexReport(analysed=self.analysis, path=self.path)
        slugs = self.library.slugs()
        with self.connect() as conn:
            known = {row[0]: (row[1], row[2], row[3], row[4]) for row in conn.execute(
                "SELECT slug, mtime_ns, size, sha256, analysed FROM episodes")}
            todo = []
            for slug in slugs:
                state = _file_state(self.library.transcript_path(slug))
                old = known.get(slug)
                if (not rebuild and old is not None and state == (old[0], old[1])
                        and (old[3] or not report.analysed)):
                    report.unchanged += 1
                else:
                    todo.append(slug)
            gone = sorted(set(known) - set(slugs))
            total = len(todo) + len(gone)
            done = 0
            for slug in gone:
                if self._remove(conn, slug):
                    report.removed.append(slug)
                done += 1
                if progress:
                    progress(done, total, slug)
            for slug in todo:
                try:
                    outcome = self._index_episode(conn, slug, force=rebuild,
                                                  entry_progress=entry_progress,
                                                  unanalysed=report.unanalysed)
                except (FormatError, LibraryError) as exc:
                    report.failed.append((slug, str(exc)))
                    outcome = None
                if outcome == "added":
                    report.added.append(slug)
                elif outcome == "updated":
                    report.updated.append(slug)
                elif outcome == "unchanged":
                    report.unchanged += 1
                elif outcome == "removed":
                    report.removed.append(slug)
                done += 1
                if progress:
                    progress(done, total, slug)
            for slug in self._not_files():
                report.failed.append((slug, f"{self.library.transcript_path(slug)} is not a file"))
            if len(report.added) + len(report.updated) > OPTIMIZE_MIN_SHARE * len(slugs) > 1:
                # A bulk build: merge the index into one segment for faster queries.
                with _write(conn):
                    conn.execute("INSERT INTO entries_fts(entries_fts) VALUES ('optimize')")
        counts = self.stats()
        report.episodes, report.entries = counts.pop("episodes"), counts.pop("entries")
        report.by_kind = counts
        report.seconds = time.perf_counter() - began
        return report

    def _not_files(self) -> list[str]:
        """Episode folders whose transcript.json is there but is not a file (a
        folder, a socket): not episodes to the library, but surely meant to be."""
        name = self.library.transcript_path("x").name
        root = Path(self.library.root)
        if not root.is_dir():
            return []
        return sorted(p.parent.name for p in root.glob(f"*/{name}") if not p.is_file())

    def update_episode(self, slug: str) -> str:
        """Index (or drop) one episode; what the pipeline calls after storing it.
        Returns "added", "updated", "unchanged" or "removed"."""
        try:
            with self.connect() as conn:
                return self._index_episode(conn, slug)
        except sqlite3.Error as exc:
            raise LibraryError(f"stored {slug!r} but could not update the search index "
                               f"({self._error(exc)})") from None

    def _read_transcript(self, path: Path) -> tuple[Transcript, str]:
        """The transcript at ``path`` and the SHA-256 of its bytes. The bytes and
        their text are dropped as soon as they are parsed: only the Transcript
        stays (a 50 MB file is ~50 MB of bytes, as much text and several times
        that as parsed JSON, briefly)."""
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"{path}: not UTF-8") from None
        del data
        return Transcript.from_json(text), digest

    def _index_episode(self, conn: sqlite3.Connection, slug: str, *, force: bool = False,
                       entry_progress: Callable[[str, int, int], None] | None = None,
                       unanalysed: list[tuple[str, str]] | None = None) -> str:
        path = self.library.transcript_path(slug)
        analyse = self.analysis
        select = "SELECT id, sha256, analysed FROM episodes WHERE slug = ?"

        def current(row, digest) -> bool:
            return (row is not None and row[1] == digest and not force
                    and (bool(row[2]) or not analyse))

        while True:
            state = _file_state(path)
            row = conn.execute(select, (slug,)).fetchone()
            transcript = None
            try:
                # Hash first (in blocks) when the episode is indexed: unchanged bytes
                # need no parsing, and no copy of them is held.
                digest = _digest_or_none(path) if row is not None else None
                if digest is None or not current(row, digest):
                    transcript, digest = self._read_transcript(path)
            except FileNotFoundError:
                return "removed" if self._remove(conn, slug) else "unchanged"
            except OSError as exc:
                raise LibraryError(f"cannot read {path}: {exc.strerror or exc}") from None
            extra, analysed = None, False
            if transcript is not None and not current(row, digest):
                # Analyse outside the write lock: other writers keep going.
                if analyse:
                    try:
                        extra = analysis_entries(transcript, self.library.analysis(slug))
                        analysed = True
                    except AnalysisError as exc:
                        # Refused for what these bytes are: as analysed as they will
                        # be, so the next update does not read them again for it.
                        analysed = True
                        if unanalysed is not None:
                            unanalysed.append((slug, str(exc)))
                    except BananaError:
                        pass  # (a malformed profile) indexed without; the next update tries again
            with _write(conn):
                # Under the write lock nobody else can change this episode's rows, and
                # we record the hash of exactly the bytes we indexed.
                if _digest_or_none(path) != digest:
                    continue  # replaced or removed meanwhile: start again
                row = conn.execute(select, (slug,)).fetchone()
                if current(row, digest):  # (perhaps another process just indexed it)
                    conn.execute("UPDATE episodes SET mtime_ns = ?, size = ? WHERE id = ?",
                                 (state[0], state[1], row[0]))
                    return "unchanged"
                if transcript is None:
                    continue  # indexed when we looked, changed since: build the rows
                self._write_episode(conn, row[0] if row else None, slug, transcript, extra,
                                    state, digest, analysed=analysed,
                                    entry_progress=entry_progress)
                return "updated" if row is not None else "added"

    @staticmethod
    def _write_episode(conn, episode_id, slug, transcript, extra, state, digest, *, analysed,
                       entry_progress=None):
        """Replace an episode's rows: its utterances, then ``extra`` (segments and
        glossary), inserted INSERT_CHUNK_ROWS at a time so no list of every row of
        a big episode is built."""
        title = transcript.title or slug
        now = time.time()
        total = sum(1 for u in transcript.utterances if u.text.strip()) + len(extra or ())
        if episode_id is None:
            episode_id = conn.execute(
                "INSERT INTO episodes (slug, title, audio_url, mtime_ns, size, sha256, analysed,"
                " entries, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (slug, title, transcript.audio_url, state[0], state[1], digest, int(analysed),
                 total, now)).lastrowid
        else:
            conn.execute("DELETE FROM entries WHERE id BETWEEN ? AND ?", _id_range(episode_id))
            conn.execute(
                "UPDATE episodes SET title = ?, audio_url = ?, mtime_ns = ?, size = ?, sha256 = ?,"
                " analysed = ?, entries = ?, indexed_at = ? WHERE id = ?",
                (title, transcript.audio_url, state[0], state[1], digest, int(analysed),
                 total, now, episode_id))
        positions = dict.fromkeys(KIND_CODES, 0)

        def rows() -> Iterator[tuple]:
            for e in itertools.chain(_utterance_entries(transcript), extra or ()):
                position = positions[e.kind]
                if position >= 1 << KIND_SHIFT:
                    raise LibraryError(f"{slug}: more than {1 << KIND_SHIFT:,} {e.kind}s in one "
                                       f"episode")
                positions[e.kind] += 1
                yield (_entry_id(episode_id, e.kind, position), e.speaker, e.start, e.end,
                       e.first_turn, e.last_turn, e.text)

        report = entry_progress if entry_progress and total > INSERT_CHUNK_ROWS else None
        done = 0
        if report:
            report(slug, 0, total)
        for chunk in _chunks(rows(), INSERT_CHUNK_ROWS):
            conn.executemany(
                "INSERT INTO entries (id, speaker, start, end, first_turn, last_turn, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
            done += len(chunk)
            if report:
                report(slug, done, total)

    def _remove(self, conn: sqlite3.Connection, slug: str) -> bool:
        """Drop an episode whose transcript is gone (checked under the write lock: a
        concurrent import may have saved and indexed it since we listed the library)."""
        with _write(conn):
            row = conn.execute("SELECT id FROM episodes WHERE slug = ?", (slug,)).fetchone()
            if row is None or self.library.transcript_path(slug).exists():
                return False
            conn.execute("DELETE FROM entries WHERE id BETWEEN ? AND ?", _id_range(row[0]))
            conn.execute("DELETE FROM episodes WHERE id = ?", (row[0],))
            return True

    # -- reading --

    def stats(self) -> dict[str, int]:
        """Episodes and entries in the index, and entries by kind."""
        with self.connect(write=False) as conn:
            episodes = conn.execute("SELECT count(*) FROM episodes").fetchone()[0]
            by_kind = {_KIND_NAMES[code]: n for code, n in conn.execute(
                f"SELECT (id >> {KIND_SHIFT}) & 3, count(*) FROM entries GROUP BY 1")}
        return {"episodes": episodes, "entries": sum(by_kind.values()),
                **{kind: by_kind.get(kind, 0) for kind in KIND_CODES}}

    def episode_counts(self, kind: str | None = None) -> dict[str, int]:
        """slug -> number of entries (of one kind, e.g. "utterance") stored for it."""
        if kind is None:
            lo, hi = 0, (1 << EPISODE_SHIFT) - 1
        else:
            lo = KIND_CODES[kind] << KIND_SHIFT
            hi = lo + (1 << KIND_SHIFT) - 1
        with self.connect(write=False) as conn:
            return dict(conn.execute(
                "SELECT ep.slug, (SELECT count(*) FROM entries WHERE id BETWEEN"
                f" (ep.id << {EPISODE_SHIFT}) + ? AND (ep.id << {EPISODE_SHIFT}) + ?)"
                " FROM episodes ep", (lo, hi)))

    def integrity_check(self) -> None:
        """Raise LibraryError unless SQLite and FTS5 both find the index sound and every
        episode's recorded entry count matches its rows."""
        with self.connect() as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise LibraryError(f"search index is corrupt: {result}")
            try:
                conn.execute("INSERT INTO entries_fts(entries_fts, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as exc:
                raise LibraryError(f"search index is out of sync: {exc}") from None
            recorded = dict(conn.execute("SELECT slug, entries FROM episodes"))
            orphans = conn.execute(
                f"SELECT count(*) FROM entries WHERE id >> {EPISODE_SHIFT} NOT IN (SELECT id FROM episodes)"
            ).fetchone()[0]
        stored = self.episode_counts()
        bad = sorted(slug for slug in recorded if recorded[slug] != stored.get(slug))
        if bad or orphans:
            raise LibraryError(f"search index rows do not match: {len(bad)} episodes with wrong "
                               f"counts ({', '.join(bad[:3])}), {orphans} orphan rows")

    def search(self, query: str, *, episode: str | None = None, speaker: str | None = None,
               within: str = "transcript", limit: int = DEFAULT_LIMIT) -> SearchResults:
        """Entries matching ``query``, best first (see ``parse_query`` for syntax).

        ``episode`` is a slug; ``speaker`` matches any part of the speaker's name,
        ignoring case; ``within`` is "transcript", "segments" or "glossary"."""
        if within not in KINDS:
            raise QueryError(f"--in must be one of {', '.join(KINDS)}, not {within!r}")
        if limit < 1:
            raise QueryError("--limit must be at least 1")
        parsed = parse_query(query)
        joins, where = "", [f"(f.rowid >> {KIND_SHIFT}) & 3 = :kind"]
        params: dict[str, Any] = {"q": parsed.scored, "kind": KIND_CODES[KINDS[within]]}
        if parsed.rank_fts is not None:  # score a few terms, match them all
            where.append("f.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH :all)")
            params["all"] = parsed.fts
        note = parsed.note
        try:
            conn = self._reader()
            if episode is not None:
                row = conn.execute("SELECT id FROM episodes WHERE slug = ?", (episode,)).fetchone()
                if row is None:
                    raise EpisodeNotFound(f"no episode {episode!r} in the search index of "
                                          f"{self.library.root} (run `banana index`?)")
                where.append("f.rowid BETWEEN :lo AND :hi")  # FTS5 seeks to the range
                params["lo"], params["hi"] = _id_range(row[0])
            if speaker is not None:
                joins = "JOIN entries e ON e.id = f.rowid"
                where.append("e.speaker LIKE :speaker ESCAPE '\\'")
                params["speaker"] = "%" + re.sub(r"([%_\\])", r"\\\1", speaker.strip()) + "%"
            matching = f"FROM entries_fts f {joins} WHERE entries_fts MATCH :q AND {' AND '.join(where)}"
            scored = conn.execute(f"SELECT f.rowid, -bm25(entries_fts) {matching}"
                                  f" LIMIT {MAX_RANKED + 1}", params).fetchall()
            total = len(scored)
            if total > MAX_RANKED:
                scored = scored[:MAX_RANKED]
                total = conn.execute(f"SELECT count(*) {matching}", params).fetchone()[0]
                note = _join_notes(note, f"{total:,} matches: ranked the first {MAX_RANKED:,} "
                                         f"in library order; add words to narrow it")
            top = _rank(scored, limit,
                        per_episode=None if episode is not None else HITS_PER_EPISODE)
            rows = self._details(conn, parsed.scored, top) if top else []
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc) or not isinstance(exc, sqlite3.OperationalError):
                raise self._error(exc, "search") from None
            # A safety net: parse_query should prevent it.
            raise QueryError(f"cannot search {clip_query(query)!r}: {exc}") from None
        return SearchResults(query=query, total=total, hits=tuple(_hit(*row) for row in rows),
                             note=note)

    @staticmethod
    def _details(conn: sqlite3.Connection, fts: str, top: list[tuple[int, float]]) -> list[tuple]:
        """Episode, speaker, times and snippet of the chosen entries, best first."""
        values = ", ".join(f"({entry_id}, {rank}, {score!r})"
                           for rank, (entry_id, score) in enumerate(top))
        return conn.execute(
            f"""WITH top(id, rank, score) AS (VALUES {values})
                SELECT top.score, ep.slug, ep.title, ep.audio_url, top.id, e.speaker, e.start,
                       e.end, e.first_turn,
                       snippet(entries_fts, 0, char(2), char(3), '…', {SNIPPET_TOKENS})
                FROM top JOIN entries_fts ON entries_fts.rowid = top.id
                JOIN entries e ON e.id = top.id
                JOIN episodes ep ON ep.id = top.id >> {EPISODE_SHIFT}
                WHERE entries_fts MATCH ? ORDER BY top.rank""", (fts,)).fetchall()


def _rank(scored: list[tuple[int, float]], limit: int, *,
          per_episode: int | None = None) -> list[tuple[int, float]]:
    """The best ``limit`` (entry id, score) pairs, at most ``per_episode`` from any one
    episode: each entry's bm25 plus a boost for how much its episode as a whole
    matches (see EPISODE_WEIGHT)."""
    sums: dict[int, float] = {}
    for entry_id, s in scored:
        sums[entry_id >> EPISODE_SHIFT] = sums.get(entry_id >> EPISODE_SHIFT, 0.0) + s
    boost = {ep: EPISODE_WEIGHT * math.log2(1.0 + max(total, 0.0)) for ep, total in sums.items()}
    heap = [(-(s + boost[entry_id >> EPISODE_SHIFT]), entry_id) for entry_id, s in scored]
    heapq.heapify(heap)
    best: list[tuple[int, float]] = []
    taken: dict[int, int] = {}
    while heap and len(best) < limit:
        negative, entry_id = heapq.heappop(heap)
        ep = entry_id >> EPISODE_SHIFT
        if per_episode is not None and taken.get(ep, 0) >= per_episode:
            continue
        taken[ep] = taken.get(ep, 0) + 1
        best.append((entry_id, -negative))
    return best


def _join_notes(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


_KIND_NAMES = {code: kind for kind, code in KIND_CODES.items()}


def _hit(score, slug, title, audio_url, entry_id, speaker, start, end, turn, snippet) -> Hit:
    """A Hit from one row of ``SearchIndex._details``."""
    url = f"{audio_url}#t={int(math.floor(start))}" if audio_url else None
    return Hit(episode=slug, title=title, kind=_KIND_NAMES[(entry_id >> KIND_SHIFT) & 3],
               speaker=speaker, start=start, end=end, turn=turn, snippet=_highlight(snippet),
               url=url, score=score)


def _entry_id(episode_id: int, kind: str, position: int) -> int:
    return (episode_id << EPISODE_SHIFT) | (KIND_CODES[kind] << KIND_SHIFT) | position


def _id_range(episode_id: int) -> tuple[int, int]:
    """The first and last entry id an episode can own."""
    return episode_id << EPISODE_SHIFT, ((episode_id + 1) << EPISODE_SHIFT) - 1


def _highlight(snippet: str) -> str:
    """FTS5 marks each matched token; join marks across the spaces of a phrase so
    "federated learning" reads as one highlighted run, then use the public markers."""
    snippet = re.sub("\x03(\\s+)\x02", r"\1", snippet)
    return snippet.replace("\x02", HIGHLIGHT_OPEN).replace("\x03", HIGHLIGHT_CLOSE)


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken up front (BEGIN IMMEDIATE) so two writers queue
    on the busy timeout instead of failing with 'database is locked' mid-way."""
    if conn.in_transaction:  # nested: the outer transaction covers us
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


__all__ = [
    "INDEX_FILE", "KINDS", "MIGRATIONS", "SCHEMA_VERSION", "Entry", "Hit", "IndexReport",
    "ParsedQuery", "SearchIndex", "SearchResults", "analysis_entries", "parse_query",
    "transcript_entries",
]
