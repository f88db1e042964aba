"""The searchable archive, written: ``SearchIndex`` keeps ``<library>/index.sqlite3``
up to date with the library (the reading half, and the schema, are in ``archive`` and
``schema``).

* Each episode becomes pieces of talk, passages over them (the unit a search ranks),
  and its own text: title, people, topics (``documents``); with ``banana.analysis``
  (``analysis=True``) passages never cross a segment boundary, and segment titles and
  glossary entries are indexed too.
* Stems are written with one stemmer (``text.STEMMERS``, ``porter2`` unless given),
  recorded in the index; updating with another re-indexes every episode.
* ``update()`` is incremental: an episode is re-read only when its ``transcript.json``
  changed size or mtime, re-indexed only when its SHA-256 changed, and dropped when it
  left the library.
* Each episode's rows are replaced inside one ``BEGIN IMMEDIATE`` transaction, from
  the bytes on disk at that moment, so a process killed half-way leaves a consistent
  index (some episodes current, others stale or missing) that the next ``update()``
  completes. WAL and a busy timeout let several processes import while others search.
* A big episode's rows are written ``INSERT_CHUNK_ROWS`` at a time, with progress; an
  episode ``banana.analysis`` refuses (``AnalysisError``: longer than any episode) is
  indexed without segments and glossary, and not retried.
* A library this user cannot write raises ``ReadOnlyLibrary`` on update; a damaged
  file raises ``IndexCorrupt``, and ``update(rebuild=True)`` moves it aside
  (``index.sqlite3.corrupt-<time>``) and builds a new one.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
from collections import Counter
import itertools
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banana.analysis import Analysis
from banana.errors import AnalysisError, BananaError, FormatError, IndexCorrupt, LibraryError
from banana.library import Library
from banana.search import documents
from banana.search.archive import KINDS, Archive, Hit, SearchResults, is_corrupt
from banana.search.query import ParsedQuery, parse_query
from banana.search.ranking import Weights
from banana.search.schema import (EPISODE_SHIFT, INDEX_FILE, KIND_CODES, KIND_SHIFT,
                                  MIGRATIONS, SCHEMA_VERSION, entry_id, id_range, row_id)
from banana.search.text import DEFAULT_STEMMER, STEMMERS, plain_text, stemmer, stems
from banana.transcript import Transcript

OPTIMIZE_MIN_SHARE = 0.5  # merge FTS segments after re-indexing at least this share of the index
INSERT_CHUNK_ROWS = 2_000  # rows per executemany (and per progress report) in one episode
FTS_TABLES = ("passages_fts", "episodes_fts", "entries_fts")


@dataclass(frozen=True)
class Entry:
    """A segment title or a glossary entry, searchable with ``--in``."""

    kind: str  # "segment" | "glossary"
    text: str
    start: float
    end: float
    speaker: str | None = None
    first_turn: int | None = None
    last_turn: int | None = None


@dataclass
class IndexReport:
    """What ``update()`` did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (slug, message)
    episodes: int = 0  # in the index afterwards
    by_kind: dict[str, int] = field(default_factory=dict)  # "passages" -> rows, ...
    analysed: bool = False  # segments and glossary were indexed
    # (slug, why) for episodes banana.analysis refuses as they are (AnalysisError: more
    # words than one episode has): indexed without segments and glossary, not retried.
    unanalysed: list[tuple[str, str]] = field(default_factory=list)
    set_aside: Path | None = None  # where a damaged index file was moved (``rebuild``)
    path: Path | None = None  # the index file
    stemmer: str = DEFAULT_STEMMER
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return len(self.added) + len(self.updated) + len(self.removed)


# --- what gets indexed ----------------------------------------------------------


def analysis_entries(transcript: Transcript, analysis: Analysis) -> list[Entry]:
    """The searchable entries of an episode's analysis: its segments (titled, with the
    explained term) and its glossary entries."""
    entries: list[Entry] = []
    for seg in analysis.segments:
        text = plain_text(seg.title or "")
        if seg.term and seg.term.lower() not in text.lower():
            text = f"{text}: {seg.term}" if text else seg.term
        if text.strip():
            entries.append(Entry("segment", text, seg.start, seg.end, None,
                                 seg.first_turn, seg.last_turn))
    turn_at = _turn_finder(transcript)
    for item in analysis.glossary:
        text = plain_text(f"{item.term}: {item.explanation}" if item.explanation else item.term)
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


@dataclass(frozen=True)
class _Episode:
    """Everything one episode writes into the index."""

    title: str
    audio_url: str | None
    people: str
    topics: str
    stems: str
    pieces: list[documents.Piece]
    passages: list[documents.Passage]
    entries: list[Entry]

    @property
    def rows(self) -> int:
        return len(self.pieces) + len(self.passages) + len(self.entries)


def _episode(slug: str, transcript: Transcript, analysis: Analysis | None,
             stem: Callable[[str], str], listed: list[str]) -> _Episode:
    parts = documents.pieces(transcript)
    topics = documents.topics(analysis)
    title = transcript.title or slug
    return _Episode(
        title=title, audio_url=transcript.audio_url,
        people="\n".join(documents.people(transcript, parts, listed)),
        topics="\n".join(topics),
        stems=stems(" ".join([transcript.title, *topics]), stem),
        pieces=parts,
        passages=documents.passages(parts, documents.segment_starts(analysis)),
        entries=analysis_entries(transcript, analysis) if analysis is not None else [])


# --- the index ------------------------------------------------------------------


SQLITE_HEADER = b"SQLite format 3\x00"  # the first bytes of every SQLite database


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


class SearchIndex(Archive):
    """The FTS5 index of one library: searched as an ``Archive``, kept up to date by
    ``update``. Cheap to construct; connects per operation."""

    def __init__(self, library: Library, *, path: Path | str | None = None, analysis: bool = True,
                 read_only: bool | None = None, stemmer: str | None = None,
                 weights: Weights | None = None) -> None:
        super().__init__(library.root, path=path, read_only=read_only, weights=weights)
        self.library = library
        self.analysis = analysis  # index segments and glossary (and passages within segments)
        if stemmer is not None and stemmer not in STEMMERS:
            raise LibraryError(f"unknown stemmer {stemmer!r}: one of {', '.join(STEMMERS)}")
        self.stemmer = stemmer  # None: the one the index was written with (or the default)

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
            if is_corrupt(exc):
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
        rows of a big episode (over ``INSERT_CHUNK_ROWS``) are written.
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
                        and (isinstance(exc, IndexCorrupt) or is_corrupt(exc))):
                    raise
                # Damage the quick check cannot see (in FTS5's own pages): start afresh.
                set_aside = self.set_aside()
                report = run()
        except sqlite3.Error as exc:
            raise self._error(exc, "update") from None
        report.set_aside = set_aside
        return report

    def _writing_stemmer(self, conn: sqlite3.Connection) -> tuple[str, bool]:
        """The stemmer to write with, recorded in the index, and whether it differs
        from the one the index holds (every episode's stems are then stale)."""
        with _write(conn):
            row = conn.execute("SELECT value FROM settings WHERE key = 'stemmer'").fetchone()
            held = row[0] if row else None
            name = self.stemmer or held or DEFAULT_STEMMER
            if name != held:
                conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('stemmer', ?)",
                             (name,))
        return name, held is not None and name != held

    def _update(self, *, rebuild, progress, entry_progress) -> IndexReport:
        began = time.perf_counter()
        report = IndexReport(analysed=self.analysis, path=self.path)
        slugs = self.library.slugs()
        with self.connect() as conn:
            report.stemmer, restem = self._writing_stemmer(conn)
            rebuild = rebuild or restem
            stem = stemmer(report.stemmer)
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
                    outcome = self._index_episode(conn, slug, stem, force=rebuild,
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
                # A bulk build: merge each FTS index into one segment for faster queries.
                with _write(conn):
                    for table in FTS_TABLES:
                        conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        counts = self.stats()
        report.episodes = counts.pop("episodes")
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
                name, restem = self._writing_stemmer(conn)
                if restem:  # every episode's stems are stale: index them all again
                    self._update_all(conn)
                return self._index_episode(conn, slug, stemmer(name))
        except sqlite3.Error as exc:
            raise LibraryError(f"stored {slug!r} but could not update the search index "
                               f"({self._error(exc)})") from None

    def _update_all(self, conn: sqlite3.Connection) -> None:
        with _write(conn):
            # Indexed again by the next update (its file state and hash no longer match).
            conn.execute("UPDATE episodes SET mtime_ns = -1, sha256 = ''")

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

    def _listed_people(self, slug: str) -> list[str]:
        """The people the episode's feed item lists (``podcast:person``), if it has one."""
        try:
            origin = self.library.feed_origin(slug)
        except LibraryError:  # a damaged record: the episode is indexed without it
            return []
        return [person.name for person in origin.item.persons] if origin is not None else []

    def _index_episode(self, conn: sqlite3.Connection, slug: str,
                       stem: Callable[[str], str], *, force: bool = False,
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
            episode, analysed = None, False
            if transcript is not None and not current(row, digest):
                # Analyse and build the rows outside the write lock: other writers keep going.
                analysis = None
                if analyse:
                    try:
                        analysis = self.library.analysis(slug)
                        analysed = True
                    except AnalysisError as exc:
                        # Refused for what these bytes are: as analysed as they will
                        # be, so the next update does not read them again for it.
                        analysed = True
                        if unanalysed is not None:
                            unanalysed.append((slug, str(exc)))
                    except BananaError:
                        pass  # (a malformed profile) indexed without; the next update tries again
                episode = _episode(slug, transcript, analysis, stem, self._listed_people(slug))
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
                if episode is None:
                    continue  # indexed when we looked, changed since: build the rows
                self._write_episode(conn, row[0] if row else None, slug, episode, stem,
                                    state, digest, analysed=analysed,
                                    entry_progress=entry_progress)
                return "updated" if row is not None else "added"

    @staticmethod
    def _write_episode(conn, episode_id, slug, episode: _Episode, stem, state, digest, *,
                       analysed, entry_progress=None):
        """Replace an episode's rows: the episode, its pieces, passages and entries,
        inserted INSERT_CHUNK_ROWS at a time."""
        now = time.time()
        values = (episode.title, episode.audio_url, state[0], state[1], digest, int(analysed),
                  len(episode.pieces), len(episode.passages), len(episode.entries), now,
                  episode.people, episode.topics, episode.stems)
        if episode_id is None:
            episode_id = conn.execute(
                "INSERT INTO episodes (slug, title, audio_url, mtime_ns, size, sha256, analysed,"
                " pieces, passages, entries, indexed_at, people, topics, stems)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (slug, *values)).lastrowid
        else:
            _delete_rows(conn, episode_id)
            conn.execute(
                "UPDATE episodes SET title = ?, audio_url = ?, mtime_ns = ?, size = ?, sha256 = ?,"
                " analysed = ?, pieces = ?, passages = ?, entries = ?, indexed_at = ?,"
                " people = ?, topics = ?, stems = ? WHERE id = ?", (*values, episode_id))
        if len(episode.pieces) >= 1 << EPISODE_SHIFT or any(
                sum(e.kind == kind for e in episode.entries) >= 1 << KIND_SHIFT for kind in KIND_CODES):
            raise LibraryError(f"{slug}: more than {1 << KIND_SHIFT:,} rows of one kind in one "
                               f"episode")

        stem_docs: Counter[str] = Counter()

        def rows() -> Iterator[tuple[str, tuple]]:
            offsets: list[tuple[int, int]] = []
            for n, passage in enumerate(episode.passages):
                texts = [episode.pieces[i].text for i in range(passage.first, passage.last + 1)]
                text = " ".join(texts)
                stemmed = stems(text, stem)
                stem_docs.update(set(stemmed.split()))
                offset = 0
                for piece_text in texts:
                    offsets.append((offset, len(piece_text)))
                    offset += len(piece_text) + 1
                who = "\n".join(dict.fromkeys(
                    episode.pieces[i].speaker for i in range(passage.first, passage.last + 1)
                    if episode.pieces[i].speaker))
                yield "passage", (row_id(episode_id, n), row_id(episode_id, passage.first),
                                  row_id(episode_id, passage.last), passage.start, passage.end,
                                  text, stemmed, who)
            for n, piece in enumerate(episode.pieces):
                yield "piece", (row_id(episode_id, n), piece.turn, piece.speaker, piece.start,
                                piece.end, *offsets[n])
            positions = dict.fromkeys(KIND_CODES, 0)
            for e in episode.entries:
                position = positions[e.kind]
                positions[e.kind] += 1
                yield "entry", (entry_id(episode_id, e.kind, position), e.speaker, e.start,
                                e.end, e.first_turn, e.last_turn, e.text, stems(e.text, stem))

        inserts = {
            "passage": "INSERT INTO passages (id, first_piece, last_piece, start, end, words,"
                       " stems, who) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "piece": "INSERT INTO pieces (id, turn, speaker, start, end, offset, length)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
            "entry": "INSERT INTO entries (id, speaker, start, end, first_turn, last_turn, text,"
                     " stems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        }
        total = episode.rows
        report = entry_progress if entry_progress and total > INSERT_CHUNK_ROWS else None
        done = 0
        if report:
            report(slug, 0, total)
        for chunk in _chunks(rows(), INSERT_CHUNK_ROWS):
            for kind, group in itertools.groupby(chunk, key=lambda item: item[0]):
                conn.executemany(inserts[kind], [values for _, values in group])
            done += len(chunk)
            if report:
                report(slug, done, total)
        _count_stems(conn, stem_docs)

    def _remove(self, conn: sqlite3.Connection, slug: str) -> bool:
        """Drop an episode whose transcript is gone (checked under the write lock: a
        concurrent import may have saved and indexed it since we listed the library)."""
        with _write(conn):
            row = conn.execute("SELECT id FROM episodes WHERE slug = ?", (slug,)).fetchone()
            if row is None or self.library.transcript_path(slug).exists():
                return False
            _delete_rows(conn, row[0])
            conn.execute("DELETE FROM episodes WHERE id = ?", (row[0],))
            return True

    # -- checking --

    def episode_counts(self, kind: str | None = None) -> dict[str, int]:
        """slug -> rows stored for it: of one kind ("piece", "passage", "segment",
        "glossary"), or all of them."""
        tables = {"piece": ("pieces", None), "passage": ("passages", None),
                  **{k: ("entries", code) for k, code in KIND_CODES.items()}}
        chosen = [tables[kind]] if kind is not None else list(tables.values())
        counts: dict[str, int] = {}
        with self.connect(write=False) as conn:
            for table, code in chosen:
                if code is None:
                    lo, hi = 0, (1 << EPISODE_SHIFT) - 1
                else:
                    lo = code << KIND_SHIFT
                    hi = lo + (1 << KIND_SHIFT) - 1
                for slug, n in conn.execute(
                        f"SELECT ep.slug, (SELECT count(*) FROM {table} WHERE id BETWEEN"
                        f" (ep.id << {EPISODE_SHIFT}) + ? AND (ep.id << {EPISODE_SHIFT}) + ?)"
                        " FROM episodes ep", (lo, hi)):
                    counts[slug] = counts.get(slug, 0) + n
        return counts

    def integrity_check(self) -> None:
        """Raise LibraryError unless SQLite and FTS5 both find the index sound and every
        episode's recorded row counts match its rows."""
        with self.connect() as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise LibraryError(f"search index is corrupt: {result}")
            for table in FTS_TABLES:
                try:
                    conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
                except sqlite3.DatabaseError as exc:
                    raise LibraryError(f"search index is out of sync ({table}): {exc}") from None
            recorded = {slug: (pieces, passages, entries) for slug, pieces, passages, entries
                        in conn.execute("SELECT slug, pieces, passages, entries FROM episodes")}
            orphans = sum(conn.execute(
                f"SELECT count(*) FROM {table} WHERE id >> {EPISODE_SHIFT} NOT IN"
                f" (SELECT id FROM episodes)").fetchone()[0]
                for table in ("pieces", "passages", "entries"))
        pieces, passages = self.episode_counts("piece"), self.episode_counts("passage")
        entries = {slug: sum(self.episode_counts(k).get(slug, 0) for k in KIND_CODES)
                   for slug in recorded}
        bad = sorted(slug for slug, counts in recorded.items()
                     if counts != (pieces.get(slug), passages.get(slug), entries.get(slug)))
        with self.connect(write=False) as conn:
            counted: Counter[str] = Counter()
            for (stemmed,) in conn.execute("SELECT stems FROM passages"):
                counted.update(set(stemmed.split()))
            stored = dict(conn.execute("SELECT term, docs FROM stem_docs"))
        if stored != dict(counted):
            wrong = sorted(set(stored.items()) ^ set(counted.items()))[:3]
            raise LibraryError(f"search index stem counts do not match its passages: {wrong}")
        if bad or orphans:
            raise LibraryError(f"search index rows do not match: {len(bad)} episodes with wrong "
                               f"counts ({', '.join(bad[:3])}), {orphans} orphan rows")


def _delete_rows(conn: sqlite3.Connection, episode_id: int) -> None:
    """Delete an episode's passages, pieces and entries (triggers keep FTS5 in step),
    and take its passages out of the stem counts."""
    lo, hi = id_range(episode_id)
    gone: Counter[str] = Counter()
    for (stemmed,) in conn.execute("SELECT stems FROM passages WHERE id BETWEEN ? AND ?", (lo, hi)):
        gone.update(set(stemmed.split()))
    _count_stems(conn, gone, sign=-1)
    for table in ("passages", "pieces", "entries"):
        conn.execute(f"DELETE FROM {table} WHERE id BETWEEN ? AND ?", (lo, hi))


def _count_stems(conn: sqlite3.Connection, counts: Counter[str], *, sign: int = 1) -> None:
    """Add (or, ``sign=-1``, take away) passages holding each stem to ``stem_docs``."""
    conn.executemany(
        "INSERT INTO stem_docs (term, docs) VALUES (?, ?)"
        " ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs",
        ((term, sign * n) for term, n in counts.items()))
    if sign < 0:
        conn.executemany("DELETE FROM stem_docs WHERE term = ? AND docs <= 0",
                         ((term,) for term in counts))


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
]
