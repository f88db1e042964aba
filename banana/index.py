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
  ``QueryError``. SQLite never sees raw user syntax.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import os
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banana.errors import BananaError, EpisodeNotFound, FormatError, LibraryError, QueryError
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
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return len(self.added) + len(self.updated) + len(self.removed)


# --- query syntax ---------------------------------------------------------------

OPERATORS = ("AND", "OR", "NOT")


@dataclass(frozen=True)
class ParsedQuery:
    fts: str  # a valid FTS5 MATCH expression
    note: str | None = None  # why the query was searched as plain words, if it was


@dataclass(frozen=True)
class _Tok:
    kind: str  # "term" | "op" | "(" | ")"
    text: str
    prefix: bool = False


class _SyntaxProblem(Exception):
    """The query is not valid search syntax; ``plain`` says whether its words may
    still be searched (False when that would invert the user's meaning)."""

    def __init__(self, message: str, *, plain: bool = True) -> None:
        super().__init__(message)
        self.plain = plain


def _has_token_chars(text: str) -> bool:
    """True when FTS5's unicode61 tokenizer would find a word in ``text``."""
    return any(unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co"
               for ch in text)


def _quote(text: str, prefix: bool = False) -> str:
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")


_TOKEN_RE = re.compile(r'\s+|"(?P<phrase>[^"]*)"(?P<pstar>\*)?|(?P<paren>[()])|(?P<word>[^\s"()]+)|(?P<quote>")')


def _tokenize(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN_RE.finditer(query):
        if m.group("quote"):
            raise _SyntaxProblem("unbalanced quote")
        if m.group("paren"):
            toks.append(_Tok(m.group("paren"), m.group("paren")))
        elif m.group("phrase") is not None:
            if _has_token_chars(m.group("phrase")):
                toks.append(_Tok("term", m.group("phrase"), bool(m.group("pstar"))))
        elif m.group("word"):
            word = m.group("word")
            if word in OPERATORS:
                toks.append(_Tok("op", word))
                continue
            stem, stars = word.rstrip("*"), len(word) - len(word.rstrip("*"))
            if "*" in stem or stars > 1:
                raise _SyntaxProblem(f"one '*' goes at the end of a word, as in deep*: {word!r}")
            if not _has_token_chars(stem):
                if stars:
                    raise _SyntaxProblem("a lone '*' needs a word before it, as in deep*")
                continue  # punctuation only: nothing to search for
            toks.append(_Tok("term", stem, bool(stars)))
    return toks


class _Parser:
    """or := and (OR and)* ; and := not ([AND] not)* ; not := primary (NOT primary)* ;
    primary := term | '(' or ')'. Emits a fully parenthesised FTS5 expression."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> str:
        if not self.toks:
            raise _SyntaxProblem("nothing to search for")
        expr = self.or_()
        if self.peek() is not None:  # only a stray ')' can stop the parser early
            raise _SyntaxProblem("unbalanced parenthesis")
        return expr

    def or_(self) -> str:
        parts = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_(self) -> str:
        parts = [self.not_()]
        while (tok := self.peek()) is not None and (
                tok.kind in ("term", "(") or (tok.kind == "op" and tok.text == "AND")):
            if tok.kind == "op":
                self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_(self) -> str:
        expr = self.primary()
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "NOT":
            self.take()
            expr = f"({expr} NOT {self.primary()})"
        return expr

    def primary(self) -> str:
        tok = self.peek()
        if tok is None:
            raise _SyntaxProblem("the query ends with an operator")
        if tok.kind == "term":
            self.take()
            return _quote(tok.text, tok.prefix)
        if tok.kind == "(":
            self.take()
            if (nxt := self.peek()) is None:
                raise _SyntaxProblem("unbalanced parenthesis")
            if nxt.kind == ")":
                raise _SyntaxProblem("empty parentheses")
            expr = self.or_()
            if (close := self.peek()) is None or close.kind != ")":
                raise _SyntaxProblem("unbalanced parenthesis")
            self.take()
            return expr
        if tok.kind == ")":
            raise _SyntaxProblem("unbalanced parenthesis")
        if tok.text == "NOT" and self.i == 0:
            raise _SyntaxProblem("NOT needs a word on its left, as in: learning NOT deep",
                                 plain=False)
        raise _SyntaxProblem(f"{tok.text} needs a word on each side")


_PLAIN_WORD_RE = re.compile(r"[^\s\"()*]+")


_NEAR_RE = re.compile(r"\bNEAR\s*\(")
_NEAR_DISTANCE_RE = re.compile(r",\s*\d+\s*(?=\))")


def _plain_words(query: str) -> list[str]:
    """The words of a query, without operators (unless that leaves nothing)."""
    query = _NEAR_DISTANCE_RE.sub(" ", query)  # NEAR(a b, 5): 5 is not a word to find
    words = [w for w in _PLAIN_WORD_RE.findall(query) if _has_token_chars(w)]
    content = [w for w in words if w not in OPERATORS and w != "NEAR"]
    return content or words


def parse_query(query: str) -> ParsedQuery:
    """Turn what a user typed into a safe FTS5 expression.

    ``deep learning`` (both words), ``"deep learning"`` (the phrase), ``deep*``
    (prefix), ``a AND b``, ``a OR b``, ``a NOT b``, parentheses. Malformed syntax
    (an unbalanced quote or parenthesis, a bare operator, ``NEAR(``) is searched
    as its plain words, with a ``note`` saying so; a query with no words at all
    (a lone ``*``), or one starting with ``NOT``, raises ``QueryError``.
    """
    try:
        if _NEAR_RE.search(query):
            raise _SyntaxProblem("NEAR(...) is not supported")
        return ParsedQuery(_Parser(_tokenize(query)).parse())
    except _SyntaxProblem as problem:
        if not problem.plain:
            raise QueryError(f"cannot search {query!r}: {problem}") from None
        words = _plain_words(query)
        if not words:
            raise QueryError(f"nothing to search for in {query!r}: type some words") from None
        fts = " AND ".join(_quote(w) for w in words)
        return ParsedQuery(fts, note=f"{problem}; searched the plain words: {' '.join(words)}")


# --- what gets indexed ----------------------------------------------------------


def transcript_entries(transcript: Transcript) -> list[Entry]:
    """One entry per utterance with text, its turn index kept."""
    return [
        Entry("utterance", u.text, u.start, u.end, u.speaker, turn, turn)
        for turn, u in enumerate(transcript.utterances)
        if u.text.strip()
    ]


def analysis_entries(transcript: Transcript, *, library_root: Path | str,
                     slug: str) -> list[Entry] | None:
    """Segments and glossary entries from ``banana.analysis`` (with the show's own
    profile), or None when that module is not installed or the analysis cannot run
    (a malformed profile): the transcript is then indexed without them and the next
    ``update()`` tries again. The only place the index touches analysis."""
    try:
        from banana.analysis import analyse, profile_for
    except ImportError:
        return None
    try:
        result = analyse(transcript, profile=profile_for(library_root, transcript), episode=slug)
    except BananaError:
        return None
    entries: list[Entry] = []
    for seg in result.segments:
        text = seg.title or ""
        if seg.term and seg.term.lower() not in text.lower():
            text = f"{text}: {seg.term}" if text else seg.term
        if text.strip():
            entries.append(Entry("segment", text, seg.start, seg.end, None,
                                 seg.first_turn, seg.last_turn))
    for item in result.glossary:
        text = f"{item.term}: {item.explanation}" if item.explanation else item.term
        if text.strip():
            turn = _turn_at(transcript, item.start)
            entries.append(Entry("glossary", text, item.start, item.start, item.speaker,
                                 turn, turn))
    return entries


def analysis_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("banana.analysis") is not None


def _turn_at(transcript: Transcript, seconds: float) -> int | None:
    best = None
    for turn, u in enumerate(transcript.utterances):
        if u.start <= seconds + 1e-6:
            best = turn
        else:
            break
    return best


# --- the index ------------------------------------------------------------------


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


class SearchIndex:
    """The FTS5 index of one library. Cheap to construct; connects per operation."""

    def __init__(self, library, *, path: Path | str | None = None, analysis: bool = True) -> None:
        self.library = library
        self.path = Path(path) if path is not None else Path(library.root) / INDEX_FILE
        self.analysis = analysis  # index segments and glossary (when banana.analysis exists)
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    # -- connection and migrations --

    def _open(self) -> sqlite3.Connection:
        """A configured, migrated connection (WAL, busy timeout)."""
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
            raise LibraryError(f"search index {self.path} is unusable ({exc}); "
                               f"delete it and run `banana index`") from None
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own, closed afterwards (for updates)."""
        conn = self._open()
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
            conn = self._open()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's search connection (it is reopened when needed)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryError(f"search index schema {version} is newer than this Banana's "
                               f"({SCHEMA_VERSION}); upgrade Banana or delete {INDEX_FILE}")
        if version == SCHEMA_VERSION:
            return
        with _write(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under lock
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- updating --

    def update(self, *, rebuild: bool = False,
               progress: Callable[[int, int, str], None] | None = None) -> IndexReport:
        """Bring the index up to date with the library: index new and changed
        episodes, drop removed ones. ``progress(done, total, slug)`` is called after
        each episode that needed work. ``rebuild`` re-indexes everything."""
        try:
            return self._update(rebuild=rebuild, progress=progress)
        except sqlite3.Error as exc:
            raise LibraryError(f"cannot update the search index {self.path}: {exc}") from None

    def _update(self, *, rebuild, progress) -> IndexReport:
        began = time.perf_counter()
        report = IndexReport(analysed=self.analysis and analysis_available())
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
                    outcome = self._index_episode(conn, slug, force=rebuild)
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
            if len(report.added) + len(report.updated) > OPTIMIZE_MIN_SHARE * len(slugs) > 1:
                # A bulk build: merge the index into one segment for faster queries.
                with _write(conn):
                    conn.execute("INSERT INTO entries_fts(entries_fts) VALUES ('optimize')")
        counts = self.stats()
        report.episodes, report.entries = counts.pop("episodes"), counts.pop("entries")
        report.by_kind = counts
        report.seconds = time.perf_counter() - began
        return report

    def update_episode(self, slug: str) -> str:
        """Index (or drop) one episode; what ``Library.store`` calls after saving.
        Returns "added", "updated", "unchanged" or "removed"."""
        try:
            with self.connect() as conn:
                return self._index_episode(conn, slug)
        except sqlite3.Error as exc:
            raise LibraryError(f"stored {slug!r} but could not update the search index "
                               f"({exc}); run `banana index`") from None

    def _index_episode(self, conn: sqlite3.Connection, slug: str, *, force: bool = False) -> str:
        path = self.library.transcript_path(slug)
        analyse = self.analysis and analysis_available()

        def current(row, digest) -> bool:
            return (row is not None and row[1] == digest and not force
                    and (bool(row[2]) or not analyse))

        while True:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                return "removed" if self._remove(conn, slug) else "unchanged"
            except OSError as exc:
                raise LibraryError(f"cannot read {path}: {exc.strerror or exc}") from None
            digest = hashlib.sha256(data).hexdigest()
            state = _file_state(path)
            select = "SELECT id, sha256, analysed FROM episodes WHERE slug = ?"
            entries = None
            if not current(conn.execute(select, (slug,)).fetchone(), digest):
                # Parse and analyse outside the write lock: other writers keep going.
                try:
                    transcript = Transcript.from_json(data.decode("utf-8"))
                except UnicodeDecodeError:
                    raise FormatError(f"{path}: not UTF-8") from None
                entries = transcript_entries(transcript)
                extra = (analysis_entries(transcript, library_root=self.library.root, slug=slug)
                         if analyse else None)
                entries.extend(extra or ())
            with _write(conn):
                # Under the write lock nobody else can change this episode's rows, and
                # we record the hash of exactly the bytes we indexed.
                if _read_or_none(path) != data:
                    continue  # replaced or removed meanwhile: start again
                row = conn.execute(select, (slug,)).fetchone()
                if current(row, digest):  # (perhaps another process just indexed it)
                    conn.execute("UPDATE episodes SET mtime_ns = ?, size = ? WHERE id = ?",
                                 (state[0], state[1], row[0]))
                    return "unchanged"
                if entries is None:
                    continue  # indexed when we looked, changed since: build the rows
                self._write_episode(conn, row[0] if row else None, slug, transcript,
                                    entries, state, digest, analysed=extra is not None)
                return "updated" if row is not None else "added"

    @staticmethod
    def _write_episode(conn, episode_id, slug, transcript, entries, state, digest, *, analysed):
        title = transcript.title or slug
        now = time.time()
        if episode_id is None:
            episode_id = conn.execute(
                "INSERT INTO episodes (slug, title, audio_url, mtime_ns, size, sha256, analysed,"
                " entries, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (slug, title, transcript.audio_url, state[0], state[1], digest, int(analysed),
                 len(entries), now)).lastrowid
        else:
            conn.execute("DELETE FROM entries WHERE id BETWEEN ? AND ?", _id_range(episode_id))
            conn.execute(
                "UPDATE episodes SET title = ?, audio_url = ?, mtime_ns = ?, size = ?, sha256 = ?,"
                " analysed = ?, entries = ?, indexed_at = ? WHERE id = ?",
                (title, transcript.audio_url, state[0], state[1], digest, int(analysed),
                 len(entries), now, episode_id))
        positions = dict.fromkeys(KIND_CODES, 0)
        rows = []
        for e in entries:
            position = positions[e.kind]
            if position >= 1 << KIND_SHIFT:
                raise LibraryError(f"{slug}: more than {1 << KIND_SHIFT} {e.kind}s in one episode")
            positions[e.kind] += 1
            rows.append((_entry_id(episode_id, e.kind, position), e.speaker, e.start, e.end,
                         e.first_turn, e.last_turn, e.text))
        conn.executemany(
            "INSERT INTO entries (id, speaker, start, end, first_turn, last_turn, text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

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

    def remove_episode(self, slug: str) -> bool:
        """Drop an episode whose folder has left the library; True if it was indexed."""
        with self.connect() as conn:
            return self._remove(conn, slug)

    # -- reading --

    def stats(self) -> dict[str, int]:
        """Episodes and entries in the index, and entries by kind."""
        with self.connect() as conn:
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
        with self.connect() as conn:
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
        params: dict[str, Any] = {"q": parsed.fts, "kind": KIND_CODES[KINDS[within]]}
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
            rows = self._details(conn, parsed.fts, top) if top else []
        except sqlite3.OperationalError as exc:  # a safety net: parse_query should prevent it
            raise QueryError(f"cannot search {query!r}: {exc}") from None
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


def update_episode(library, slug: str) -> str:
    """Index one stored episode (``Library.store`` calls this)."""
    return SearchIndex(library).update_episode(slug)


__all__ = [
    "INDEX_FILE", "KINDS", "MIGRATIONS", "SCHEMA_VERSION", "Entry", "Hit", "IndexReport",
    "ParsedQuery", "SearchIndex", "SearchResults", "analysis_entries", "parse_query",
    "transcript_entries", "update_episode",
]
