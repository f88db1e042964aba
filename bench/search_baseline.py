"""The search ranking Banana had before passages (schema 1, commit 7e658f4), kept here
so bench_search_quality.py can judge it beside the current one in the same run.

One FTS5 row per utterance, its text as stored (Markdown and all), tokenized
``porter unicode61``; a query's rows ranked by bm25 plus ``log2(1 + the sum of its
episode's matching bm25s)``, at most three per episode; a hit is the utterance, at its
start. Query syntax is the current parser's (it renders the same FTS5 expression as
then). ``python bench/bench_search_quality.py --check-baseline OLD_TREE`` compares this
copy with the code of that commit on the judged queries.
"""

from __future__ import annotations

import heapq
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from banana.library import Library
from banana.search.query import parse_query

EPISODE_SHIFT = 21
KIND_SHIFT = 19
MAX_RANKED = 20_000
HITS_PER_EPISODE = 3
EPISODE_WEIGHT = 1.0

SCHEMA = [
    "CREATE TABLE episodes (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, title TEXT)",
    "CREATE TABLE entries (id INTEGER PRIMARY KEY, speaker TEXT, start REAL NOT NULL, "
    "end REAL NOT NULL, turn INTEGER, text TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE entries_fts USING fts5(text, content='entries', content_rowid='id', "
    "tokenize='porter unicode61')",
]


@dataclass(frozen=True)
class OldHit:
    episode: str
    start: float
    speaker: str | None
    turn: int
    text: str
    score: float


class BaselineIndex:
    """The utterance-per-row index of a library, in its own file."""

    def __init__(self, library: Library, path: Path) -> None:
        self.library = library
        self.path = Path(path)
        self.conn: sqlite3.Connection | None = None

    def build(self) -> None:
        self.path.unlink(missing_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("BEGIN")
        for statement in SCHEMA:
            conn.execute(statement)
        for episode_id, slug in enumerate(self.library.slugs(), 1):
            transcript = self.library.load(slug)
            conn.execute("INSERT INTO episodes VALUES (?, ?, ?)", (episode_id, slug,
                                                                   transcript.title or slug))
            rows = [((episode_id << EPISODE_SHIFT) | turn, u.speaker, u.start, u.end, turn, u.text)
                    for turn, u in enumerate(transcript.utterances) if u.text.strip()]
            conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)", rows)
            conn.executemany("INSERT INTO entries_fts(rowid, text) VALUES (?, ?)",
                             [(r[0], r[5]) for r in rows])
        conn.execute("INSERT INTO entries_fts(entries_fts) VALUES ('optimize')")
        conn.execute("COMMIT")
        conn.close()

    def search(self, query: str, *, limit: int = 10) -> list[OldHit]:
        if self.conn is None:
            self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        parsed = parse_query(query)
        params = {"q": parsed.scored}
        extra = ""
        if parsed.rank_fts is not None:
            extra = " AND f.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH :all)"
            params["all"] = parsed.fts
        scored = self.conn.execute(
            f"SELECT f.rowid, -bm25(entries_fts) FROM entries_fts f WHERE entries_fts MATCH :q"
            f"{extra} AND (f.rowid >> {KIND_SHIFT}) & 3 = 0 LIMIT {MAX_RANKED + 1}",
            params).fetchall()[:MAX_RANKED]
        top = _rank(scored, limit)
        hits = []
        for entry_id, score in top:
            slug, = self.conn.execute("SELECT slug FROM episodes WHERE id = ?",
                                      (entry_id >> EPISODE_SHIFT,)).fetchone()
            speaker, start, turn, text = self.conn.execute(
                "SELECT speaker, start, turn, text FROM entries WHERE id = ?", (entry_id,)).fetchone()
            hits.append(OldHit(slug, start, speaker, turn, text, score))
        return hits


def _rank(scored: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """As schema 1 ranked: bm25 + EPISODE_WEIGHT * log2(1 + the episode's summed bm25),
    at most HITS_PER_EPISODE from one episode."""
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
        if taken.get(ep, 0) >= HITS_PER_EPISODE:
            continue
        taken[ep] = taken.get(ep, 0) + 1
        best.append((entry_id, -negative))
    return best
