"""Topic segmentation across shows, settings chosen leave-one-show-out.

    python bench/bench_topics.py            # the full run (a few minutes)
    python bench/bench_topics.py --quick    # fewer documents, a smaller grid

Data (the shared corpus beside the checkout; nothing of it is copied):

* **stitched documents** — 4 to 8 chunks of 10 to 25 consecutive turns, each from a
  different episode, boundaries known by construction (Choi-style), fixed seed:
  per show (chunks from different episodes of that one show), and mixed (chunks from
  episodes of all five shows);
* **annotated episodes** — the hand annotations in ``bench/annotations/real/`` (12
  episodes of five shows: topic boundaries read by people, not by Banana) and the home
  show's four in ``bench/annotations/``; the 20 development episodes of
  ``bench/annotations/dev/`` (four a show) are reported in their own columns and never
  used to choose a setting; and six of these episodes annotated a second time, by another
  annotator who did not see the first annotation (``bench/annotations/agreement/``): how
  far apart two readers' chapters are, beside dcm.

For every setting of the grid the ``dcm`` method segments every document once; then,
for each show, the setting with the lowest mean Pk on the *other* shows (their
stitched documents and annotated episodes together) is the one reported for that show.
The mixed documents are reported with the setting chosen without them. Baselines in the
same table: no boundary, evenly spaced boundaries with the true count, the previous
method (``partition``, the Utiyama-Isahara penalty of 16 fitted on the home show), and
NLTK's TextTiling. Stitched documents measure topic splitting alone (``split_topics``);
annotated episodes go through ``find_segments`` (named segments from the built-in
profile, topics between them), as ``banana process`` does.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import itertools
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from banana.analysis.doc import Doc  # noqa: E402
from banana.analysis.segments import find_segments  # noqa: E402
from banana.analysis.topics import DEFAULT_SETTINGS, TopicSettings, split_topics  # noqa: E402
from banana.analysis.words import STOPWORDS  # noqa: E402
from banana.formats import read_transcript  # noqa: E402
from banana.transcript import Transcript, Utterance  # noqa: E402
from metrics import boundaries, pk  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
SHOWS = {
    "practicalai": CORPUS / "practicalai",
    "jsparty": CORPUS / "changelog" / "jsparty",
    "shipit": CORPUS / "changelog" / "shipit",
    "founderstalk": CORPUS / "changelog" / "founderstalk",
    "brainscience": CORPUS / "changelog" / "brainscience",
}
PREFIXES = {"practical-ai": "practicalai", "js-party": "jsparty", "ship-it": "shipit",
            "founders-talk": "founderstalk", "brain-science": "brainscience"}
HOME = "home"  # the show Banana was first built for (Banana Data and its samples)
GRID = {"penalty": (0.5, 1.0, 2.0, 4.0), "alpha": (0.5, 1.0), "min_topic_words": (120, 200)}
QUICK_GRID = {"penalty": (0.5, 1.0, 2.0), "alpha": (1.0,), "min_topic_words": (200,)}


@functools.lru_cache(maxsize=None)
def episode(path: Path) -> tuple[Utterance, ...]:
    return read_transcript(path).utterances


def stitched(files: list[Path], count: int, seed: int) -> list[tuple[Transcript, set[int]]]:
    """Documents of 4-8 chunks of 10-25 turns from different episodes."""
    rng = random.Random(seed)
    docs: list[tuple[Transcript, set[int]]] = []
    while len(docs) < count:
        utts: list[Utterance] = []
        ref: set[int] = set()
        t = 0.0
        for path in rng.sample(files, rng.randint(4, 8)):
            turns = episode(path)
            size = rng.randint(10, 25)
            if len(turns) < size + 30:
                continue
            first = rng.randint(10, len(turns) - size - 10)
            if utts:
                ref.add(len(utts))
            for u in turns[first:first + size]:
                length = max(u.end - u.start, 0.1)
                utts.append(Utterance(t, t + length, u.text, u.speaker))
                t += length
        if len(ref) >= 3:
            docs.append((Transcript.build(utts), ref))
    return docs


def annotated(folder: str = "real") -> list[tuple[str, str, Transcript, set[int]]]:
    """(show, name, transcript, reference boundaries) of every annotated episode of
    ``annotations/<folder>/`` (and, for "real", the home show's four)."""
    out = []
    for path in sorted((HERE / "annotations" / folder).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        source = CORPUS / data["file"]
        if not source.exists():
            continue
        show = next(s for p, s in PREFIXES.items() if path.stem.startswith(p))
        ref = {t["first_turn"] for t in data["topics"] if t["first_turn"] > 0}
        out.append((show, path.stem, read_transcript(source), ref))
    for path in sorted((HERE / "annotations").glob("*.json")) if folder == "real" else ():
        data = json.loads(path.read_text(encoding="utf-8"))
        source = Path(data["file"])
        source = source if source.is_absolute() else (REPO / source).resolve()
        if source.exists():
            out.append((HOME, path.stem, read_transcript(source), boundaries(data["segments"])))
    return out


def even(t: Transcript, ref: set[int]) -> set[int]:
    n, k = len(t.utterances), len(ref) + 1
    return {round(i * n / k) for i in range(1, k)}


def nltk_boundaries(t: Transcript) -> set[int]:
    """NLTK TextTiling, one paragraph per turn (Banana's stopwords: NLTK's corpus
    cannot be downloaded here)."""
    from nltk.tokenize.texttiling import TextTilingTokenizer

    texts = [u.text.replace("\n", " ") for u in t.utterances]
    starts, pos = [], 0
    for x in texts:
        starts.append(pos)
        pos += len(x) + 2
    try:
        sections = TextTilingTokenizer(stopwords=sorted(STOPWORDS)).tokenize("\n\n".join(texts))
    except ValueError:
        return set()
    out, pos = set(), 0
    for section in sections[:-1]:
        pos += len(section)
        turn = bisect.bisect_right(starts, pos) - 1
        out.add(turn if starts[turn] >= pos - 2 else turn + 1)
    return {b for b in out if 0 < b < len(texts)}


def topics_only(t: Transcript, *, method: str = "dcm",
                settings: TopicSettings = DEFAULT_SETTINGS) -> set[int]:
    d = Doc(t)
    return set(split_topics(d, 0, len(d) - 1, method=method, settings=settings))


def whole(t: Transcript, *, method: str = "dcm",
          settings: TopicSettings = DEFAULT_SETTINGS) -> set[int]:
    return boundaries(find_segments(t, method=method, settings=settings))


def agreement() -> None:
    """Two annotators of the same episodes (``annotations/agreement/<stem>.B.json``, written
    without seeing the first annotation): Pk of one against the other, beside dcm's Pk
    against each and no boundary's."""
    rows = []
    print("\nAgreement between two annotators (Pk, mean of both directions)")
    print("| episode | topics A / B / dcm | A vs B | dcm vs A, B | no boundary |")
    print("|---|---|---:|---:|---:|")
    for second in sorted((HERE / "annotations" / "agreement").glob("*.B.json")):
        stem = second.name.split(".")[0]
        first = next((f for f in (HERE / "annotations" / d / f"{stem}.json" for d in ("real", "dev"))
                      if f.exists()), None)
        if first is None:
            continue
        a, b = (json.loads(f.read_text(encoding="utf-8")) for f in (first, second))
        source = CORPUS / a["file"]
        if not source.exists():
            continue
        t = read_transcript(source)
        n = len(t.utterances)
        ra, rb = ({x["first_turn"] for x in d["topics"] if x["first_turn"] > 0} for d in (a, b))
        hyp = whole(t)
        row = ((pk(ra, rb, n) + pk(rb, ra, n)) / 2, (pk(ra, hyp, n) + pk(rb, hyp, n)) / 2,
               (pk(ra, set(), n) + pk(rb, set(), n)) / 2)
        rows.append(row)
        print(f"| {stem} ({first.parent.name}) | {len(ra) + 1} / {len(rb) + 1} / {len(hyp) + 1} | "
              f"{row[0]:.3f} | {row[1]:.3f} | {row[2]:.3f} |")
    if rows:
        means = [statistics.mean(r[i] for r in rows) for i in range(3)]
        print(f"| **mean** | | **{means[0]:.3f}** | **{means[1]:.3f}** | {means[2]:.3f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--docs", type=int, default=12, help="stitched documents per show")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"{CORPUS} is missing: nothing to measure")
        return 0
    per_show = 6 if args.quick else args.docs
    grid_spec = QUICK_GRID if args.quick else GRID
    grid = [TopicSettings(penalty=p, alpha=a, min_topic_words=m)
            for p, a, m in itertools.product(*grid_spec.values())]

    # (kind, show, name, transcript, reference, segmenter)
    items: list[tuple[str, str, str, Transcript, set[int], object]] = []
    for number, (show, folder) in enumerate(SHOWS.items()):
        for k, (t, ref) in enumerate(stitched(sorted(folder.glob("*.md")), per_show, seed=11 + number)):
            items.append(("stitched", show, f"{show}-{k}", t, ref, topics_only))
    mixed_files = [f for folder in SHOWS.values() for f in sorted(folder.glob("*.md"))]
    for k, (t, ref) in enumerate(stitched(mixed_files, 2 * per_show, seed=7)):
        items.append(("mixed", "mixed", f"mixed-{k}", t, ref, topics_only))
    for show, name, t, ref in annotated():
        items.append(("annotated", show, name, t, ref, whole))
    for show, name, t, ref in annotated("dev"):  # reported, never used to choose
        items.append(("dev", show, name, t, ref, whole))
    print(f"{sum(1 for i in items if i[0] == 'stitched')} stitched documents "
          f"({per_show} a show), {sum(1 for i in items if i[0] == 'mixed')} mixed, "
          f"{sum(1 for i in items if i[0] == 'annotated')} annotated episodes, "
          f"{sum(1 for i in items if i[0] == 'dev')} development episodes (reported only); "
          f"{len(grid)} settings\n")

    started = time.perf_counter()
    score: dict[tuple[int, str], float] = {}  # (setting index, item name) -> Pk
    for g, settings in enumerate(grid):
        for kind, show, name, t, ref, segmenter in items:
            score[g, name] = pk(ref, segmenter(t, settings=settings), len(t.utterances))
    grid_seconds = time.perf_counter() - started

    shows = [*SHOWS, HOME]

    def chosen_without(excluded: set[str]) -> int:
        def loss(g: int) -> float:
            used = [name for kind, show, name, *_ in items
                    if show not in excluded and kind not in ("mixed", "dev")]
            return statistics.mean(score[g, name] for name in used)
        return min(range(len(grid)), key=loss)

    baselines = {
        "no boundary": lambda t, ref, seg: set(),
        "even (true count)": lambda t, ref, seg: even(t, ref),
        "NLTK TextTiling": lambda t, ref, seg: nltk_boundaries(t),
        "partition (before)": lambda t, ref, seg: seg(t, method="partition"),
        # weights fitted on the development episodes (bench/fit_topic_questions.py)
        "questions (interviews)": lambda t, ref, seg: seg(t, method="questions"),
    }
    rows: dict[str, dict[tuple[str, str], float]] = {name: {} for name in baselines}
    rows["dcm, leave-one-show-out"] = {}
    choices = {}
    for show in [*shows, "mixed"]:
        # mixed documents are never used to choose: their setting is the per-show data's
        g = chosen_without({show} if show != "mixed" else set())
        choices[show] = grid[g]
        for kind in ("stitched", "annotated", "dev", "mixed"):
            members = [(name, t, ref, seg) for k, s, name, t, ref, seg in items
                       if k == kind and s == show]
            if not members:
                continue
            rows["dcm, leave-one-show-out"][kind, show] = statistics.mean(
                score[g, name] for name, *_ in members)
            for base, fn in baselines.items():
                rows[base][kind, show] = statistics.mean(
                    pk(ref, fn(t, ref, seg), len(t.utterances)) for _, t, ref, seg in members)

    columns = [(k, s) for k in ("stitched", "annotated", "dev") for s in shows
               if any((k, s) in r for r in rows.values())] + [("mixed", "mixed")]
    head = " | ".join(f"{k[:5]} {s}" for k, s in columns)
    print(f"Pk (lower is better)\n| method | {head} | stitched mean | annotated mean | dev mean |")
    print("|---" * (len(columns) + 4) + "|")
    for method, values in rows.items():
        cells = " | ".join(f"{values[c]:.3f}" if c in values else "–" for c in columns)
        st = statistics.mean(v for (k, s), v in values.items() if k == "stitched")
        an = statistics.mean(v for (k, s), v in values.items() if k == "annotated")
        dv = statistics.mean(v for (k, s), v in values.items() if k == "dev")
        print(f"| {method} | {cells} | {st:.3f} | {an:.3f} | {dv:.3f} |")
    print("\nSettings chosen without each show (penalty, alpha, min topic words):")
    for show, s in choices.items():
        print(f"  {show:13} penalty {s.penalty}, alpha {s.alpha}, min_topic_words {s.min_topic_words}")
    every = grid[chosen_without(set())]
    print(f"\nChosen on every show (the shipped DEFAULT_SETTINGS should be this): penalty "
          f"{every.penalty}, alpha {every.alpha}, min_topic_words {every.min_topic_words}; "
          f"shipped: {DEFAULT_SETTINGS}")
    print(f"({len(grid)} settings × {len(items)} documents in {grid_seconds:.0f} s)")
    agreement()
    return 0


if __name__ == "__main__":
    sys.exit(main())
