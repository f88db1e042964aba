"""Judged search queries (bench/search_queries/*.json) and the measures taken with them.

A query file::

    {"show": "jsparty", "corpus": "changelog/jsparty", "role": "dev" | "held-out",
     "queries": [{"id": "...", "kind": "term" | "phrase" | "question" | "name",
                  "query": "what a listener types",
                  "need": "what the listener wants, in words",
                  "moments": [["episode-slug", start_s, end_s, grade], ...],
                  "not_relevant": [["episode-slug", start_s], ...],
                  "complete": true}]}

A *moment* is a stretch of one episode (seconds, as the library's transcript times it)
judged by reading: grade 2 when it is what the listener is looking for (the talk about
the topic, the answer to the question, an episode the person was on: then the whole
episode, ``0`` to ``null``), grade 1 when it is useful but not the heart of it. A long
discussion is several moments of at most a few minutes. ``not_relevant`` records hits
of either ranking that were read and judged of no use, so the pool is complete.
``complete`` says the moments are all there is (a name query: the episodes the person
was on, known from the transcripts' speakers): any other hit is not relevant.

Times are compared by utterance: a hit's time, and a moment's start, are moved back
to the start of the utterance that holds them (``Snap``), so a hit anywhere in a
judged utterance lands in its moment whichever piece of it a ranking shows (the old
ranking shows whole utterances, the new one pieces of long ones). A hit counts for the
first moment whose stretch holds its time (within ``TOLERANCE_S`` before its start);
each moment is credited once, so three hits in one moment score as one. nDCG@10 uses linear gains (the grade) over log2(rank + 1),
against the best order of the judged moments; MRR is 1 / the rank of the first hit
in any moment (0 when none is in the top 10).
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TOLERANCE_S = 5.0  # a hit this far before a moment's start still lands in it
KINDS = ("term", "phrase", "question", "name")


class Snap:
    """``snap(slug, seconds)``: the start of the utterance that holds ``seconds``."""

    def __init__(self, starts_of: Callable[[str], list[float]]) -> None:
        self.starts_of = starts_of
        self.cache: dict[str, list[float]] = {}

    def __call__(self, slug: str, seconds: float) -> float:
        starts = self.cache.get(slug)
        if starts is None:
            starts = self.cache[slug] = sorted(self.starts_of(slug))
        i = bisect.bisect_right(starts, seconds + 1.0) - 1  # (times were written rounded)
        return starts[i] if i >= 0 else seconds


def snapped(spec: dict[str, Any], snap: Snap | None) -> dict[str, Any]:
    """The queries with every moment start and not-relevant time moved back to the
    start of its utterance."""
    if snap is None:
        return spec
    for q in spec["queries"]:
        q["moments"] = [[m[0], snap(m[0], m[1]), m[2], m[3]] for m in q["moments"]]
        q["not_relevant"] = [[slug, snap(slug, t)] for slug, t in q["not_relevant"]]
    return spec


def load_queries(path: Path, snap: Snap | None = None) -> dict[str, Any]:
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    ids = [q["id"] for q in spec["queries"]]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: repeated query ids")
    for q in spec["queries"]:
        if q["kind"] not in KINDS:
            raise ValueError(f"{path}: {q['id']}: kind {q['kind']!r} is not one of {KINDS}")
        for m in q["moments"]:
            if len(m) != 4 or m[3] not in (1, 2):
                raise ValueError(f"{path}: {q['id']}: bad moment {m}")
        q.setdefault("not_relevant", [])
        q.setdefault("complete", False)
    return snapped(spec, snap)


def _inside(moment: Sequence, slug: str, seconds: float) -> bool:
    episode, start, end = moment[0], moment[1], moment[2]
    return episode == slug and start - TOLERANCE_S <= seconds <= (math.inf if end is None else end)


def covering(query: dict[str, Any], slug: str, seconds: float) -> int | None:
    """The grade of the moment a hit at ``seconds`` of ``slug`` lands in, 0 when it was
    judged not relevant (or lands in no moment of an episode judged whole), None when
    nobody has judged it yet."""
    for moment in query["moments"]:
        if _inside(moment, slug, seconds):
            return moment[3]
    for episode, start in query["not_relevant"]:
        if episode == slug and abs(start - seconds) <= TOLERANCE_S:
            return 0
    return 0 if query.get("complete") else None


def gains(query: dict[str, Any], hits: Sequence[tuple[str, float]]) -> list[int]:
    """The gain of each hit (episode, seconds), each moment credited once."""
    credited: set[int] = set()
    out = []
    for slug, seconds in hits:
        gain = 0
        for n, moment in enumerate(query["moments"]):
            if _inside(moment, slug, seconds):
                if n not in credited:
                    credited.add(n)
                    gain = moment[3]
                break
        out.append(gain)
    return out


def ndcg(query: dict[str, Any], hits: Sequence[tuple[str, float]], k: int = 10) -> float:
    got = gains(query, hits[:k])
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(got))
    ideal = sorted((m[3] for m in query["moments"]), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def reciprocal_rank(query: dict[str, Any], hits: Sequence[tuple[str, float]], k: int = 10) -> float:
    for i, g in enumerate(gains(query, hits[:k])):
        if g > 0:
            return 1.0 / (i + 1)
    return 0.0


def unjudged(query: dict[str, Any], hits: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(slug, s) for slug, s in hits if covering(query, slug, s) is None]
