"""Search quality on judged queries: nDCG@10 and MRR of the ranking before passages
(``search_baseline``) and the current one, in one run, by kind of query and by show.

The queries and their judged moments are in bench/search_queries/<show>.json (see
``search_judged`` for the format and the measures, and bench/README.md for how they
were made). Each show's transcripts (../shared/corpus/...) are imported once into
a library under --work (``banana import``: stored, analysed, indexed); the baseline's
index is built beside it from the same stored transcripts.

    python bench/bench_search_quality.py --work /tmp/judged          # old vs new, every show
    python bench/bench_search_quality.py --work /tmp/judged --stemmers porter2 plural none porter
    python bench/bench_search_quality.py --work /tmp/judged --weights proximity=0 episode_text=0

``--stemmers`` indexes each show again with each stemmer (``porter`` is NLTK's original
Porter algorithm, the one FTS5's tokenizer implements, registered for this run only)
and reports the new ranking with each; ``--weights name=value ...`` reports the new
ranking with ``ranking.Weights`` changed (no re-indexing), one variant per argument.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from banana.library import Library  # noqa: E402
from banana.search import text as search_text  # noqa: E402
from banana.search.index import SearchIndex  # noqa: E402
from banana.search.ranking import Weights  # noqa: E402

from search_baseline import BaselineIndex  # noqa: E402
from search_judged import KINDS, Snap, load_queries, ndcg, reciprocal_rank, unjudged  # noqa: E402

QUERIES = REPO / "bench" / "search_queries"
CORPUS = REPO.parent / "shared" / "corpus"
K = 10


def library_for(spec: dict, work: Path) -> Library:
    """The show's library under ``work``, imported with ``banana import`` the first time."""
    library = Library(work / spec["show"])
    if not library.slugs():
        files = sorted((CORPUS / spec["corpus"]).glob("*.md"))
        if not files:
            raise SystemExit(f"no transcripts in {CORPUS / spec['corpus']}")
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "banana", "--library", str(library.root),
                               "import", *map(str, files)], capture_output=True, text=True, cwd=REPO)
        if done.returncode:
            raise SystemExit(f"banana import failed for {spec['show']}: {done.stderr[-500:]}")
        print(f"imported {len(files)} {spec['show']} episodes in {time.perf_counter() - began:.0f} s",
              file=sys.stderr)
    return library


def porter_for_comparison() -> None:
    """Register NLTK's original Porter stemmer as "porter" (what FTS5's porter does)."""
    from nltk.stem.porter import PorterStemmer

    stemmer = PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)
    search_text.STEMMERS["porter"] = stemmer.stem


def utterance_starts(library: Library) -> Snap:
    return Snap(lambda slug: [u.start for u in library.load(slug).utterances if u.text.strip()])


def score(spec: dict, search, snap: Snap) -> dict[str, dict]:
    """query id -> its kind, nDCG@10, RR and unjudged hits, for a ``search(query)`` giving
    (episode, seconds) hits best first (each time moved to its utterance's start)."""
    out = {}
    for q in spec["queries"]:
        hits = [(slug, snap(slug, t)) for slug, t in search(q["query"])[:K]]
        out[q["id"]] = {"kind": q["kind"], "ndcg": ndcg(q, hits, K), "rr": reciprocal_rank(q, hits, K),
                        "unjudged": len(unjudged(q, hits))}
    return out


def summarise(scores: dict[str, dict]) -> dict[str, tuple[float, float, int]]:
    """kind (and "all") -> (mean nDCG@10, MRR, queries)."""
    rows = {}
    for kind in (*KINDS, "all"):
        chosen = [s for s in scores.values() if kind in ("all", s["kind"])]
        if chosen:
            rows[kind] = (statistics.fmean(s["ndcg"] for s in chosen),
                          statistics.fmean(s["rr"] for s in chosen), len(chosen))
    return rows


def parse_weights(text: str) -> Weights:
    known = {f.name: f.type for f in fields(Weights)}
    changes = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name not in known:
            raise SystemExit(f"--weights: no weight {name!r} (one of {', '.join(known)})")
        kind = {"near_tokens": int, "spread": int, "phrase_in_bm25": lambda v: v == "1"}
        changes[name] = kind.get(name, float)(value)
    return replace(Weights(), **changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True,
                        help="folder for the shows' libraries (kept between runs)")
    parser.add_argument("--shows", nargs="*", help="query files to use (default: all)")
    parser.add_argument("--stemmers", nargs="*", default=[],
                        help="also rank with these stemmers (re-indexes each show)")
    parser.add_argument("--weights", nargs="*", default=[],
                        help="also rank with these weight changes, e.g. proximity=0,episode=0.5")
    parser.add_argument("--per-query", action="store_true", help="print every query's figures")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    if "porter" in args.stemmers:
        porter_for_comparison()
    files = [QUERIES / f"{s}.json" for s in args.shows] if args.shows else sorted(QUERIES.glob("*.json"))
    args.work.mkdir(parents=True, exist_ok=True)
    systems: dict[str, dict[str, dict]] = {}  # system -> show -> query id -> figures
    roles = {}
    for path in files:
        library = library_for(load_queries(path), args.work)
        snap = utterance_starts(library)
        spec = load_queries(path, snap)
        show, roles[spec["show"]] = spec["show"], spec["role"]
        old = BaselineIndex(library, args.work / f"{show}.old.sqlite3")
        if not old.path.exists():
            old.build()
        new = SearchIndex(library)
        new.update()
        runs = {"old": lambda q: [(h.episode, h.start) for h in old.search(q, limit=K)],
                "new": lambda q, ix=new: [(h.episode, h.start) for h in ix.search(q, limit=K).hits]}
        for stemmer in args.stemmers:
            ix = SearchIndex(library, path=args.work / f"{show}.{stemmer}.sqlite3", stemmer=stemmer)
            ix.update()
            runs[f"new, {stemmer}"] = lambda q, ix=ix: [(h.episode, h.start)
                                                         for h in ix.search(q, limit=K).hits]
        for text in args.weights:
            ix = SearchIndex(library, weights=parse_weights(text))
            runs[f"new, {text}"] = lambda q, ix=ix: [(h.episode, h.start)
                                                      for h in ix.search(q, limit=K).hits]
        for name, search in runs.items():
            systems.setdefault(name, {})[show] = score(spec, search, snap)
    report(systems, roles, per_query=args.per_query)
    if args.json:
        args.json.write_text(json.dumps(systems, indent=1), encoding="utf-8")
    return 0


def report(systems: dict[str, dict[str, dict]], roles: dict[str, str], *, per_query: bool) -> None:
    groups = {"dev": [s for s, r in roles.items() if r == "dev"],
              "held-out": [s for s, r in roles.items() if r == "held-out"]}
    for group, shows in groups.items():
        if not shows:
            continue
        print(f"\n### {group}: {', '.join(shows)}\n")
        kinds = [k for k in (*KINDS, "all")]
        print("| system | " + " | ".join(f"{k} nDCG@10 / MRR (n)" for k in kinds) + " | unjudged in top 10 |")
        print("|---|" + "---:|" * (len(kinds) + 1))
        for name, by_show in systems.items():
            merged = {f"{show}/{qid}": fig for show in shows for qid, fig in by_show[show].items()}
            rows = summarise(merged)
            cells = [f"{rows[k][0]:.3f} / {rows[k][1]:.3f} ({rows[k][2]})" if k in rows else "—"
                     for k in kinds]
            print(f"| {name} | " + " | ".join(cells) + f" | {sum(f['unjudged'] for f in merged.values())} |")
        for show in shows:
            print(f"\n{show}: " + "; ".join(
                f"{name} {summarise(by_show[show])['all'][0]:.3f} / {summarise(by_show[show])['all'][1]:.3f}"
                for name, by_show in systems.items()))
    if per_query:
        names = list(systems)
        print("\n| query | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for show in systems[names[0]]:
            for qid in systems[names[0]][show]:
                print(f"| {show}/{qid} | " + " | ".join(
                    f"{systems[n][show][qid]['ndcg']:.2f}/{systems[n][show][qid]['rr']:.2f}"
                    f"{'*' if systems[n][show][qid]['unjudged'] else ''}" for n in names) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
