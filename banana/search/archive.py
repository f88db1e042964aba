"""The searchable archive, read: ``<library>/index.sqlite3`` opened and searched.

This is all a search imports (SQLite, the query parser, the ranking): neither the
library nor the analysis, so ``banana search`` starts in a fraction of the time the
commands that analyse do. ``banana.search.index.SearchIndex`` adds the writing half.

* A library this user cannot write is searched read-only (SQLite ``mode=ro``, or
  ``immutable`` when no process has the file open); a damaged file raises
  ``IndexCorrupt``; an index from a newer Banana is refused. Opening read-write
  migrates the schema (``schema.MIGRATIONS``; ``PRAGMA user_version`` counts them).
* ``search`` ranks passages (see ``ranking``); with ``within="segments"`` or
  ``"glossary"`` it ranks segment titles or glossary entries instead.
"""

from __future__ import annotations

import heapq
import math
import os
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banana.errors import (EpisodeNotFound, IndexCorrupt, LibraryError, QueryError,
                           ReadOnlyLibrary)
from banana.search import ranking
from banana.search.query import ParsedQuery, Term, clip_query, parse_query, quoted
from banana.search.ranking import (DEFAULT_LIMIT, HITS_PER_EPISODE, MAX_RANKED, Weights,
                                   episode_of)
from banana.search.schema import (EPISODE_SHIFT, INDEX_FILE, KIND_CODES, KIND_SHIFT,
                                  MIGRATIONS, SCHEMA_VERSION, id_range)
from banana.search.text import DEFAULT_STEMMER, STEMMERS, stemmer
from banana.transcript import format_timestamp

BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for another writer before failing

# What ``--in`` accepts -> what is searched.
KINDS = {"transcript": "passage", "segments": "segment", "glossary": "glossary"}

_CORRUPT_ERRORS = ("SQLITE_CORRUPT", "SQLITE_NOTADB")  # and their extended codes


def is_corrupt(exc: BaseException) -> bool:
    return str(getattr(exc, "sqlite_errorname", "")).startswith(_CORRUPT_ERRORS)


def is_read_only(exc: BaseException) -> bool:
    return str(getattr(exc, "sqlite_errorname", "")).startswith("SQLITE_READONLY")


@dataclass(frozen=True)
class Hit:
    """A search result: a passage of an episode, shown by its best-matching piece."""

    episode: str
    title: str
    kind: str  # "passage" | "segment" | "glossary"
    speaker: str | None
    start: float  # the best piece's start: the moment to play
    end: float
    turn: int | None  # its utterance's turn index
    snippet: str  # matched words wrapped in HIGHLIGHT_OPEN/HIGHLIGHT_CLOSE
    url: str | None
    score: float
    passage_start: float = 0.0  # the whole passage (a segment or entry: itself)
    passage_end: float = 0.0

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
            "passage_start": round(self.passage_start, 3),
            "passage_end": round(self.passage_end, 3),
            "snippet": self.snippet,
            "url": self.url,
        }


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int  # matching passages (or entries), before --limit
    hits: tuple[Hit, ...]
    note: str | None = None  # how the query was read, when not as typed
    any_words: bool = False  # no passage had all the words: ranked those with any

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "any_words": self.any_words,
                "results": [h.to_dict() for h in self.hits]}


@dataclass
class _Ranked:
    """The outcome of ranking: (row id, score) best first, how many rows matched."""

    top: list[tuple[int, float]]
    total: int
    note: str | None = None
    any_words: bool = False
    frequencies: dict[Term, int] = field(default_factory=dict)
    documents: int = 0
    required: ParsedQuery | None = None  # the words ranked on (common ones left out)


class Archive:
    """The FTS5 index of one library folder, for searching. Cheap to construct;
    connects on first use and keeps one connection per thread."""

    def __init__(self, root: Path | str, *, path: Path | str | None = None,
                 read_only: bool | None = None, weights: Weights | None = None) -> None:
        self.root = Path(root)
        self.path = Path(path) if path is not None else self.root / INDEX_FILE
        # True: open the file read-only, as for a library this user cannot write;
        # None: read-only exactly when ``writable()`` says so.
        self.read_only = read_only
        self.weights = weights or Weights()
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

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

    # -- connections and migrations --

    def _open(self, *, write: bool = True) -> sqlite3.Connection:
        """A configured, migrated connection (WAL, busy timeout). In a library this
        user cannot write, a reading connection opens the file read-only and a
        writing one is refused with ReadOnlyLibrary."""
        if self.read_only or (self.read_only is None and not self.writable()):
            if write:
                raise ReadOnlyLibrary(f"library {self.root} is read-only: cannot update "
                                      f"its search index {self.path}")
            return self._open_read_only()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot open search index {self.path}: {exc}") from None

        def set_up(conn: sqlite3.Connection) -> None:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn)

        return self._connect(self.path, set_up)

    def _open_read_only(self) -> sqlite3.Connection:
        """The index of a library this user cannot write, opened read-only: no WAL
        switch, no migration. A WAL database needs its ``-shm`` file; when it is
        not there (no process has the index open) and cannot be created, the file
        is opened ``immutable``: SQLite then takes no locks, which is safe because a
        writer would have to create that file first -- but a search that runs while
        the owner starts writing may see a half-made change (re-run it)."""
        if not self.path.is_file():
            raise ReadOnlyLibrary(f"library {self.root} is read-only and has no search "
                                  f"index; its owner can build one with `banana index`")
        shared = all(Path(f"{self.path}{suffix}").is_file() for suffix in ("-wal", "-shm"))
        uri = self.path.resolve().as_uri() + ("?mode=ro" if shared else "?mode=ro&immutable=1")

        def set_up(conn: sqlite3.Connection) -> None:
            conn.execute("PRAGMA query_only = 1")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise self._newer(version)
            if version < SCHEMA_VERSION:
                raise ReadOnlyLibrary(
                    f"search index {self.path} is from an older Banana (schema {version}, now "
                    f"{SCHEMA_VERSION}) and library {self.root} is read-only, so it "
                    f"cannot be upgraded; its owner can run `banana index`")

        return self._connect(uri, set_up, uri=True)

    def _connect(self, target: Path | str, set_up: Callable[[sqlite3.Connection], None],
                 **options: Any) -> sqlite3.Connection:
        """A connection to ``target`` with the busy timeout, then ``set_up``; closed
        again, with the error on one line, if either fails."""
        try:
            conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, **options)
        except sqlite3.Error as exc:
            raise LibraryError(f"cannot open search index {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            set_up(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._error(exc) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _error(self, exc: sqlite3.Error, doing: str = "use") -> LibraryError:
        """The LibraryError that says what went wrong with the index file."""
        if is_corrupt(exc):
            return IndexCorrupt(f"search index {self.path} is damaged ({exc}); "
                                f"rebuild it with `banana index --rebuild`")
        if is_read_only(exc):
            return ReadOnlyLibrary(f"library {self.root} is read-only ({exc}): cannot "
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
        from_version = conn.execute("PRAGMA user_version").fetchone()[0]
        if from_version > SCHEMA_VERSION:
            raise cls._newer(from_version)
        if from_version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under lock
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- reading --

    def needs_building(self) -> bool:
        """True when there is nothing to search yet: no index file, or (in a library
        this user may write) one with no episodes, as an upgrade of the schema leaves."""
        if not self.exists():
            return True
        if self.read_only or (self.read_only is None and not self.writable()):
            return False
        try:
            return self._reader().execute("SELECT count(*) FROM episodes").fetchone()[0] == 0
        except sqlite3.DatabaseError as exc:
            raise self._error(exc, "search") from None

    def stemmer_name(self, conn: sqlite3.Connection) -> str:
        """The stemmer the index's stems were written with (the default for an empty one)."""
        row = conn.execute("SELECT value FROM settings WHERE key = 'stemmer'").fetchone()
        return row[0] if row and row[0] in STEMMERS else DEFAULT_STEMMER

    def stats(self) -> dict[str, int]:
        """Episodes, passages, pieces (what was said), segments and glossary entries."""
        with self.connect(write=False) as conn:
            episodes, passages, pieces = conn.execute(
                "SELECT count(*), total(passages), total(pieces) FROM episodes").fetchone()
            by_kind = {code: n for code, n in conn.execute(
                f"SELECT (id >> {KIND_SHIFT}) & 3, count(*) FROM entries GROUP BY 1")}
        return {"episodes": episodes, "passages": int(passages), "pieces": int(pieces),
                **{kind: by_kind.get(code, 0) for kind, code in KIND_CODES.items()}}

    def search(self, query: str, *, episode: str | None = None, speaker: str | None = None,
               within: str = "transcript", limit: int = DEFAULT_LIMIT) -> SearchResults:
        """Passages matching ``query``, best first (see ``parse_query`` for syntax and
        ``ranking`` for the order).

        ``episode`` is a slug; ``speaker`` keeps what a speaker said (any part of the
        name, ignoring case); ``within`` is "transcript", "segments" or "glossary"."""
        if within not in KINDS:
            raise QueryError(f"--in must be one of {', '.join(KINDS)}, not {within!r}")
        if limit < 1:
            raise QueryError("--limit must be at least 1")
        parsed = parse_query(query)
        try:
            conn = self._reader()
            stem = stemmer(self.stemmer_name(conn))
            bounds = self._episode_bounds(conn, episode)
            per_episode = None if episode is not None else HITS_PER_EPISODE
            if within != "transcript":
                return self._search_entries(conn, query, parsed, stem, KINDS[within], bounds,
                                            speaker, limit, per_episode)
            ranked = self._rank_passages(conn, parsed, stem, bounds, speaker,
                                         limit if speaker is None
                                         else max(limit, ranking.SPEAKER_CANDIDATES),
                                         per_episode, wanted=limit)
            hits = self._passage_hits(conn, parsed, stem, ranked, speaker, limit)
        except sqlite3.DatabaseError as exc:
            if is_corrupt(exc) or not isinstance(exc, sqlite3.OperationalError):
                raise self._error(exc, "search") from None
            # A safety net: parse_query should prevent it.
            raise QueryError(f"cannot search {clip_query(query)!r}: {exc}") from None
        return SearchResults(query=query, total=ranked.total, hits=tuple(hits),
                             note=ranked.note, any_words=ranked.any_words)

    def _episode_bounds(self, conn: sqlite3.Connection,
                        episode: str | None) -> tuple[int, int] | None:
        if episode is None:
            return None
        row = conn.execute("SELECT id FROM episodes WHERE slug = ?", (episode,)).fetchone()
        if row is None:
            raise EpisodeNotFound(f"no episode {episode!r} in the search index of "
                                  f"{self.root} (run `banana index`?)")
        return id_range(row[0])

    def _rank_passages(self, conn, parsed: ParsedQuery, stem, bounds, speaker, limit,
                       per_episode, *, wanted: int) -> _Ranked:
        """The best ``limit`` passages; those with any of the words follow those with
        all of them when fewer than ``wanted`` have all."""
        w = self.weights
        note = parsed.note
        documents = self._passage_count(conn)
        frequencies = ranking.stem_frequencies(conn, parsed.terms(), stem)
        required = parsed
        if parsed.plain and len(parsed.conjuncts) > 1 and documents:
            frequent = {t for t, df in frequencies.items() if df > w.frequent_share * documents}
            if frequent and len(frequent) < len(parsed.conjuncts):
                required = parsed.without(frequent)
        term = ranking.passage_term(stem)
        where, params = [], {}
        if bounds is not None:
            where.append("f.rowid BETWEEN :lo AND :hi")  # FTS5 seeks to the range
            params["lo"], params["hi"] = bounds
        joins = ""
        if speaker is not None:
            joins = "JOIN passages p ON p.id = f.rowid"
            where.append("p.who LIKE :speaker ESCAPE '\\'")
            params["speaker"] = "%" + re.sub(r"([%_\\])", r"\\\1", speaker.strip()) + "%"
        filters = "".join(f" AND {c}" for c in where)
        weights = f"{w.words}, {w.stems}, {w.who}"

        def run(expression: str, matching: str | None) -> tuple[list[tuple[int, float]], int]:
            """(row id, score) of the passages matching ``expression`` (and ``matching``),
            scored on ``expression``."""
            args = dict(params, q=expression)
            extra = ""
            if matching is not None:
                extra = " AND f.rowid IN (SELECT rowid FROM passages_fts WHERE passages_fts MATCH :all)"
                args["all"] = matching
            sql = (f"FROM passages_fts f {joins} WHERE passages_fts MATCH :q{extra}{filters}")
            rows = conn.execute(f"SELECT f.rowid, -bm25(passages_fts, {weights}) {sql}"
                                f" LIMIT {MAX_RANKED + 1}", args).fetchall()
            total = len(rows)
            if total > MAX_RANKED:
                rows = rows[:MAX_RANKED]
                total = conn.execute(f"SELECT count(*) {sql}", args).fetchone()[0]
            return rows, total

        matching = required.expression(term) if required.scored_conjuncts else None
        scored, total = run(required.expression(term, scored=True), matching)
        phrase = ranking.phrase_expression(required.terms(), stem) if required.plain else None
        any_words = False
        rest: list[tuple[int, float]] = []
        if len(scored) < wanted and required.plain and len(required.conjuncts) > 1:
            # Too few passages have every word: after them, rank those with any of them
            # (bm25 sums what each passage has: more of the words, or rarer ones, first).
            have_all = {row_id for row_id, _ in scored}
            fill = ranking.fill_terms(required, frequencies, documents)
            anywhere, total_any = run(ParsedQuery(tuple(fill)).expression(term, any_words=True),
                                      None) if fill else ([], 0)
            rest = [row for row in anywhere if row[0] not in have_all]
            if rest:
                any_words = True
                total = len(scored) + len(rest) if total_any <= MAX_RANKED else total_any
                note = _join_notes(note, ranking.fill_note(len(scored)))
        if total > MAX_RANKED:
            note = _join_notes(note, f"{total:,} matches: ranked the first {MAX_RANKED:,} "
                                     f"in library order; add words to narrow it")
        if not scored and not rest:
            return _Ranked([], total, note, any_words, frequencies, documents, required)
        bonus: dict[int, float] = {}
        if w.proximity:
            bonus.update(dict.fromkeys(self._matching(
                conn, ranking.near_expression(required.terms(), stem, w.near_tokens), bounds),
                w.proximity))
        if w.phrase and phrase:
            bonus.update(dict.fromkeys(self._matching(conn, phrase, bounds), w.phrase))
        people = self._people_coverage(conn, required, stem) if w.people else {}
        texts: dict[int, float] = {}
        if w.episode_text:
            episode_expression = required.expression(ranking.episode_term(stem), any_words=True)
            texts = dict(conn.execute(
                f"SELECT rowid, -bm25(episodes_fts, {w.title}, 0, {w.topics}, {w.topic_stems})"
                f" FROM episodes_fts WHERE episodes_fts MATCH ?", (episode_expression,)))
        top = _top(scored, bonus, people, texts, w, limit, per_episode)
        if rest and len(top) < limit:  # after every passage with all the words
            top += _top(rest, bonus, people, texts, w, limit - len(top), per_episode,
                        taken=top)
        return _Ranked(top, total, note, any_words, frequencies, documents, required)

    def _passage_count(self, conn: sqlite3.Connection) -> int:
        """The passages in the index, counted again only when another connection has
        committed since (``PRAGMA data_version``; this one only reads)."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        kept = getattr(self._local, "passages", None)
        if kept is not None and kept[0] is conn and kept[1] == version:
            return kept[2]
        count = ranking.passage_count(conn)
        self._local.passages = (conn, version, count)
        return count

    @staticmethod
    def _people_coverage(conn: sqlite3.Connection, query: ParsedQuery,
                         stem) -> dict[int, float]:
        """episode id -> the share of the query's words that name its people (speakers,
        guests): a name query's own episodes."""
        words = [t for t in query.terms() if not t.prefix][:ranking.MAX_PEOPLE_TERMS]
        found: dict[int, int] = {}
        for t in words:
            for (episode_id,) in conn.execute(
                    "SELECT rowid FROM episodes_fts WHERE episodes_fts MATCH ?",
                    (f"people : {quoted(t)}",)):
                found[episode_id] = found.get(episode_id, 0) + 1
        return {episode_id: n / len(words) for episode_id, n in found.items()} if words else {}

    @staticmethod
    def _matching(conn: sqlite3.Connection, expression: str | None,
                  bounds: tuple[int, int] | None) -> list[int]:
        """The passages matching ``expression`` (none for None)."""
        if expression is None:
            return []
        return [row[0] for row in conn.execute(
            "SELECT rowid FROM passages_fts f WHERE passages_fts MATCH ?"
            + (" AND f.rowid BETWEEN ? AND ?" if bounds else ""), (expression, *(bounds or ())))]

    def _passage_hits(self, conn, parsed: ParsedQuery, stem, ranked: _Ranked,
                      speaker: str | None, limit: int) -> list[Hit]:
        """Hits for the ranked passages: each shown by its best piece (with --speaker,
        the speaker's best piece holding a query word, or the passage is passed over)."""
        if not ranked.top:
            return []
        matchers = ranking.matchers_for(ranked.required or parsed, stem, ranked.frequencies,
                                        ranked.documents)
        wanted = ranking.fold_name(speaker) if speaker is not None else None
        ids = [row_id for row_id, _ in ranked.top]
        marks = ", ".join("?" * len(ids))
        rows = {row[0]: row[1:] for row in conn.execute(
            f"SELECT p.id, p.start, p.end, p.words, ep.slug, ep.title, ep.audio_url"
            f" FROM passages p JOIN episodes ep ON ep.id = p.id >> {EPISODE_SHIFT}"
            f" WHERE p.id IN ({marks})", ids)}
        pieces: dict[int, list[tuple]] = defaultdict(list)
        for passage_id, *piece in conn.execute(
                f"SELECT p.id, c.turn, c.speaker, c.start, c.end, c.offset, c.length"
                f" FROM passages p JOIN pieces c ON c.id BETWEEN p.first_piece AND p.last_piece"
                f" WHERE p.id IN ({marks}) ORDER BY p.id, c.id", ids):
            pieces[passage_id].append(piece)
        hits: list[Hit] = []
        for row_id, score in ranked.top:
            if row_id not in rows:
                continue  # (removed since it was ranked)
            start, end, text, slug, title, audio_url = rows[row_id]
            best = None
            for turn, who, p_start, p_end, offset, length in pieces[row_id]:
                if wanted is not None and wanted not in ranking.fold_name(who or ""):
                    continue
                marked = ranking.mark(text[offset:offset + length], matchers, stem,
                                      stem_match=self.weights.stem_match)
                if best is None or marked.score > best[0].score:
                    best = (marked, turn, who, p_start, p_end)
            if best is None or (wanted is not None and not best[0].hits):
                continue
            marked, turn, who, p_start, p_end = best
            url = f"{audio_url}#t={int(math.floor(p_start))}" if audio_url else None
            hits.append(Hit(episode=slug, title=title, kind="passage", speaker=who,
                            start=p_start, end=p_end, turn=turn,
                            snippet=ranking.snippet(marked), url=url, score=score,
                            passage_start=start, passage_end=end))
            if len(hits) == limit:
                break
        return hits

    def _search_entries(self, conn, query: str, parsed: ParsedQuery, stem, kind: str, bounds,
                        speaker, limit, per_episode) -> SearchResults:
        """Segment titles or glossary entries matching ``query``, best first."""
        code = KIND_CODES[kind]
        term = ranking.entry_term(stem)
        where = [f"(f.rowid >> {KIND_SHIFT}) & 3 = {code}"]
        params: dict[str, Any] = {"q": parsed.expression(term)}
        if bounds is not None:
            where.append("f.rowid BETWEEN :lo AND :hi")
            params["lo"], params["hi"] = bounds
        if speaker is not None:
            where.append("e.speaker LIKE :speaker ESCAPE '\\'")
            params["speaker"] = "%" + re.sub(r"([%_\\])", r"\\\1", speaker.strip()) + "%"
        sql = (f"FROM entries_fts f JOIN entries e ON e.id = f.rowid"
               f" WHERE entries_fts MATCH :q AND {' AND '.join(where)}")
        scored = conn.execute(f"SELECT f.rowid, -bm25(entries_fts, {self.weights.words}, "
                              f"{self.weights.stems}) {sql} LIMIT {MAX_RANKED + 1}",
                              params).fetchall()
        total, note = len(scored), parsed.note
        if total > MAX_RANKED:
            scored = scored[:MAX_RANKED]
            total = conn.execute(f"SELECT count(*) {sql}", params).fetchone()[0]
        top = _top(scored, {}, {}, {}, self.weights, limit, per_episode)
        matchers = [ranking.Matcher.of(t, stem) for t in parsed.terms()]
        hits = []
        for entry_id, score in top:
            row = conn.execute(
                f"SELECT e.speaker, e.start, e.end, e.first_turn, e.text, ep.slug, ep.title,"
                f" ep.audio_url FROM entries e JOIN episodes ep ON ep.id = e.id >> {EPISODE_SHIFT}"
                f" WHERE e.id = ?", (entry_id,)).fetchone()
            if row is None:
                continue
            who, start, end, turn, text, slug, title, audio_url = row
            marked = ranking.mark(text, matchers, stem, stem_match=self.weights.stem_match)
            url = f"{audio_url}#t={int(math.floor(start))}" if audio_url else None
            hits.append(Hit(episode=slug, title=title, kind=kind, speaker=who, start=start,
                            end=end, turn=turn, snippet=ranking.snippet(marked), url=url,
                            score=score, passage_start=start, passage_end=end))
        return SearchResults(query=query, total=total, hits=tuple(hits), note=note)


def _top(scored: list[tuple[int, float]], bonus: dict[int, float], people: dict[int, float],
         texts: dict[int, float], w: Weights, limit: int, per_episode: int | None, *,
         taken: list[tuple[int, float]] = ()) -> list[tuple[int, float]]:
    """The best ``limit`` (row id, score) pairs, at most ``per_episode`` from any one
    episode counting those ``taken`` already (see ``ranking`` for the score)."""
    sums: dict[int, float] = defaultdict(float)
    for row_id, s in scored:
        sums[row_id >> EPISODE_SHIFT] += s
    boost = {ep: w.episode * math.log2(1.0 + max(total, 0.0)) + w.episode_text * texts.get(ep, 0.0)
             for ep, total in sums.items()}
    scale = {ep: 1.0 + w.people * people.get(ep, 0.0) for ep in sums}
    if bonus:
        heap = [(-(s * (1.0 + bonus.get(row_id, 0.0)) * scale[row_id >> EPISODE_SHIFT]
                   + boost[row_id >> EPISODE_SHIFT]), row_id) for row_id, s in scored]
    else:
        heap = [(-(s * scale[row_id >> EPISODE_SHIFT] + boost[row_id >> EPISODE_SHIFT]), row_id)
                for row_id, s in scored]
    heapq.heapify(heap)
    best: list[tuple[int, float]] = []
    counts: dict[int, int] = {}
    for row_id, _ in taken:
        counts[episode_of(row_id)] = counts.get(episode_of(row_id), 0) + 1
    chosen = [row_id for row_id, _ in taken]
    while heap and len(best) < limit:
        negative, row_id = heapq.heappop(heap)
        ep = episode_of(row_id)
        if per_episode is not None and counts.get(ep, 0) >= per_episode:
            continue
        if per_episode is not None and any(abs(row_id - other) < w.spread for other in chosen):
            continue  # the same stretch of talk as a better passage: one hit says it
        counts[ep] = counts.get(ep, 0) + 1
        chosen.append(row_id)
        best.append((row_id, -negative))
    return best


def _join_notes(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None
