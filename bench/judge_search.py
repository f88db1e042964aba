"""Helpers for judging search results by reading (how bench/search_queries/*.json were made).

    python bench/judge_search.py grep LIBRARY 'regex' [--max 40]
        every utterance matching the regex (case-insensitive), by episode, with its time:
        the candidates to read for a query, found without either ranking
    python bench/judge_search.py clusters LIBRARY 'regex' [--gap 180 --min 1]
        the same utterances grouped into stretches of talk (mentions less than GAP
        seconds apart), biggest first: where a topic is discussed, to read and grade
    python bench/judge_search.py context LIBRARY EPISODE SECONDS [--before 60 --after 120]
        the talk around a moment, to judge it and set its start and end
    python bench/judge_search.py pool QUERIES.json LIBRARY [--id ID] [--stemmers plural none porter]
        the top 10 of the old and the new ranking for each query, each hit marked with the
        moment it falls in (its grade), as judged not relevant, or as NOT JUDGED YET (with
        its context to read): the pool every hit of either ranking is judged from

    python bench/judge_search.py review QUERIES.json LIBRARY
        every hit judged not relevant, shown around its query words: to check the verdicts

LIBRARY is a library folder built from the show's transcripts (bench_search_quality.py
--work DIR keeps them as DIR/<show>).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from banana.library import Library  # noqa: E402
from banana.transcript import format_timestamp  # noqa: E402

from search_baseline import BaselineIndex  # noqa: E402
from search_judged import Snap, covering, load_queries  # noqa: E402


def _grep(library: Library, pattern: str, limit: int) -> None:
    regex = re.compile(pattern, re.I)
    total = 0
    for slug in library.slugs():
        found = [(u.start, u.speaker, u.text) for u in library.load(slug).utterances
                 if regex.search(u.text)]
        if not found:
            continue
        total += len(found)
        print(f"== {slug}: {len(found)}")
        for start, speaker, text in found[:limit]:
            m = regex.search(text)
            lo = max(0, m.start() - 150)
            print(f"  {start:7.0f} {format_timestamp(start):>8} {speaker}: …{text[lo:m.end() + 150]}…")
    print(f"{total} utterances")


def _clusters(library: Library, pattern: str, gap: float, least: int, limit: int,
              samples: int = 2, width: int = 160) -> None:
    regex = re.compile(pattern, re.I)
    found = []
    for slug in library.slugs():
        run: list = []
        for u in library.load(slug).utterances:
            if not regex.search(u.text):
                continue
            if run and u.start - run[-1].start > gap:
                found.append((slug, run))
                run = []
            run.append(u)
        if run:
            found.append((slug, run))
    found = [(slug, run) for slug, run in found if len(run) >= least]
    found.sort(key=lambda item: -len(item[1]))
    print(f"{len(found)} stretches in {len({s for s, _ in found})} episodes")
    for slug, run in found[:limit]:
        print(f"== {slug} {run[0].start:.0f}-{run[-1].end:.0f} "
              f"({format_timestamp(run[0].start)}-{format_timestamp(run[-1].end)}): {len(run)}")
        for u in run[:samples]:
            m = regex.search(u.text)
            lo = max(0, m.start() - width // 2)
            print(f"    {u.start:6.0f} {u.speaker}: …{u.text[lo:m.end() + width // 2]}…")


def _context(library: Library, slug: str, seconds: float, before: float, after: float) -> None:
    for turn, u in enumerate(library.load(slug).utterances):
        if seconds - before <= u.start <= seconds + after:
            mark = ">>" if u.start <= seconds < u.end or abs(u.start - seconds) < 1 else "  "
            print(f"{mark}{u.start:7.0f} {format_timestamp(u.start):>8} [{turn}] {u.speaker}: {u.text}")


def _around(utterances, seconds: float, query: str, width: int) -> str:
    """The words of the utterance holding ``seconds`` around the first query word said
    at or after that moment (a long utterance's hit may lie deep inside it)."""
    from banana.search.query import parse_query
    from banana.search.ranking import Matcher, mark
    from banana.search.text import porter2

    said = None
    for u in utterances:  # the last one starting by then (times may overlap)
        if u.start <= seconds + 1 and u.text.strip():
            said = u
    if said is None:
        return ""
    matchers = [Matcher.of(t, porter2) for t in parse_query(query).terms()]
    marked = mark(said.text, matchers, porter2, stem_match=0.5)
    share = (seconds - said.start) / (said.end - said.start) if said.end > said.start else 0.0
    estimate = int(share * len(said.text))
    starts = [marked.spans[i][0] for i, _, _, _ in marked.hits]
    at = min(starts, key=lambda c: abs(c - estimate)) if starts else estimate
    lo = max(0, at - width // 2)
    return f"{said.speaker}: …{said.text[lo:at + width // 2]}…"


def _review(queries_file: Path, root: Path, width: int) -> None:
    """Every hit judged not relevant, shown around its query words, to check the verdicts."""
    spec = load_queries(queries_file)
    library = Library(root)
    texts: dict[str, list] = {}
    for q in spec["queries"]:
        if not q["not_relevant"]:
            continue
        print(f"\n##### {q['id']} {q['query']!r}: {q['need']}")
        for slug, start in q["not_relevant"]:
            utterances = texts.setdefault(slug, library.load(slug).utterances)
            print(f"  [{slug!r}, {start}] {_around(utterances, start, q['query'], width)}")


def _pool(queries_file: Path, root: Path, only: str | None, width: int,
          stemmers: list[str]) -> None:
    from banana.search.index import SearchIndex

    library = Library(root)
    snap = Snap(lambda slug: [u.start for u in library.load(slug).utterances if u.text.strip()])
    spec = load_queries(queries_file, snap)
    new = SearchIndex(library)
    if "porter" in stemmers:
        from bench_search_quality import porter_for_comparison
        porter_for_comparison()
    variants = {name: SearchIndex(library, path=root.parent / f"{root.name}.{name}.sqlite3",
                                  stemmer=name) for name in stemmers}
    old = BaselineIndex(library, root.parent / f"{root.name}.old.sqlite3")
    if not old.path.exists():
        old.build()
    texts: dict[str, list] = {}
    for q in spec["queries"]:
        if only and q["id"] != only:
            continue
        hits = [("old", h.episode, h.start) for h in old.search(q["query"])]
        hits += [("new", h.episode, h.start) for h in new.search(q["query"]).hits]
        for name, ix in variants.items():
            hits += [(name, h.episode, h.start) for h in ix.search(q["query"]).hits]
        todo = {}
        for system, slug, start in hits:
            if covering(q, slug, snap(slug, start)) is None:
                todo.setdefault((slug, round(start)), []).append(system)
        if not todo:
            continue
        print(f"\n##### {q['id']} [{q['kind']}] {q['query']!r}: {q['need']}")
        for (slug, start), systems in todo.items():
            utterances = texts.setdefault(slug, library.load(slug).utterances)
            print(f"  [{slug!r}, {start}] {'+'.join(systems)} "
                  f"{_around(utterances, start, q['query'], width)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grep")
    g.add_argument("library", type=Path)
    g.add_argument("pattern")
    g.add_argument("--max", type=int, default=40)
    r = sub.add_parser("review")
    r.add_argument("queries", type=Path)
    r.add_argument("library", type=Path)
    r.add_argument("--width", type=int, default=240)
    k = sub.add_parser("clusters")
    k.add_argument("library", type=Path)
    k.add_argument("pattern")
    k.add_argument("--gap", type=float, default=180)
    k.add_argument("--min", type=int, default=1)
    k.add_argument("--max", type=int, default=30)
    k.add_argument("--samples", type=int, default=2)
    k.add_argument("--width", type=int, default=160)
    c = sub.add_parser("context")
    c.add_argument("library", type=Path)
    c.add_argument("episode")
    c.add_argument("seconds", type=float)
    c.add_argument("--before", type=float, default=60)
    c.add_argument("--after", type=float, default=120)
    p = sub.add_parser("pool")
    p.add_argument("queries", type=Path)
    p.add_argument("library", type=Path)
    p.add_argument("--id")
    p.add_argument("--width", type=int, default=260)
    p.add_argument("--stemmers", nargs="*", default=[],
                   help="also pool the new ranking with these stemmers' indexes (built by "
                        "bench_search_quality.py --stemmers)")
    args = parser.parse_args(argv)
    if args.command == "grep":
        _grep(Library(args.library), args.pattern, args.max)
    elif args.command == "review":
        _review(args.queries, args.library, args.width)
    elif args.command == "clusters":
        _clusters(Library(args.library), args.pattern, args.gap, args.min, args.max,
                  args.samples, args.width)
    elif args.command == "context":
        _context(Library(args.library), args.episode, args.seconds, args.before, args.after)
    else:
        _pool(args.queries, args.library, args.id, args.width, args.stemmers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
