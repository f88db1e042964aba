"""Analysis quality and speed on shows it was not tuned for: ``python bench/bench_analysis.py``.

* **Mentions** and **glossary** against the hand annotations in
  ``bench/annotations/real/`` (12 episodes of five shows, annotated by reading, never by
  running Banana). A mention is right when it is an annotated name (strict), or when one
  of the two names holds the other ("Hinton" / "Geoffrey Hinton": lenient); a glossary
  entry is right when its term overlaps an annotated term explained within three turns.
* **Speed**: ``analyse`` on a ~45-minute and a four-times-longer transcript (episodes of
  Practical AI end to end), best of three: the ratio shows whether the cost grows
  linearly.

Topic segmentation has its own benchmark (``bench/bench_topics.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from banana.analysis import analyse  # noqa: E402
from banana.analysis.words import normalise  # noqa: E402
from banana.formats import read_transcript  # noqa: E402
from banana.transcript import Transcript, Utterance  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
ANNOTATIONS = HERE / "annotations"
TURN_SLACK = 3  # a glossary entry may sit this many turns from the annotated one


def _holds(a: str, b: str) -> bool:
    """The words of ``b`` appear in ``a``, in a row."""
    x, y = a.split(), b.split()
    return any(x[i:i + len(y)] == y for i in range(len(x) - len(y) + 1))


def quality(folder: Path) -> None:
    totals: Counter = Counter()
    print("| episode | mentions | strict | lenient | recall | glossary | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        transcript = read_transcript(CORPUS / data["file"])
        analysis = analyse(transcript)
        gold = {normalise(m["name"]) for m in data["mentions"]}
        said = [normalise(m.term) for m in analysis.mentions]
        strict = sum(1 for m in said if m in gold)
        lenient = sum(1 for m in said if any(_holds(g, m) or _holds(m, g) for g in gold))
        found = sum(1 for g in gold if any(_holds(g, m) or _holds(m, g) for m in said))
        starts = [u.start for u in transcript.utterances]
        terms = [(normalise(g["term"]), g["turn"]) for g in data["glossary"]]
        entries = [(normalise(e.term), max(i for i, s in enumerate(starts) if s <= e.start + 1e-6))
                   for e in analysis.glossary]

        def near(term: str, turn: int, other: str, other_turn: int) -> bool:
            return (term in other or other in term) and abs(turn - other_turn) <= TURN_SLACK

        right = sum(1 for e in entries if any(near(*e, *g) for g in terms))
        recalled = sum(1 for g in terms if any(near(*e, *g) for e in entries))
        totals.update(said=len(said), strict=strict, lenient=lenient, gold=len(gold),
                      found=found, entries=len(entries), right=right, terms=len(terms),
                      recalled=recalled)
        print(f"| {path.stem} | {len(said)} | {strict / max(len(said), 1):.2f} | "
              f"{lenient / max(len(said), 1):.2f} | {found / max(len(gold), 1):.2f} | "
              f"{len(entries)} | {right / max(len(entries), 1):.2f} | "
              f"{recalled / max(len(terms), 1):.2f} |")
    t = totals
    print(f"| **all** | {t['said']} | **{t['strict'] / t['said']:.3f}** | "
          f"**{t['lenient'] / t['said']:.3f}** | {t['found'] / t['gold']:.3f} | {t['entries']} | "
          f"**{t['right'] / max(t['entries'], 1):.3f}** | {t['recalled'] / t['terms']:.3f} |")


def long_transcript(words: int) -> Transcript:
    utts: list[Utterance] = []
    offset = 0.0
    count = 0
    for path in sorted((CORPUS / "practicalai").glob("*.md"))[100:160]:
        t = read_transcript(path)
        for u in t.utterances:
            utts.append(Utterance(u.start + offset, u.end + offset, u.text, u.speaker))
            count += len(u.text.split())
            if count >= words:
                return Transcript.build(utts, title="end to end")
        offset += t.duration
    return Transcript.build(utts, title="end to end")


def speed(repeat: int) -> None:
    times = {}
    for words in (8_000, 32_000):
        t = long_transcript(words)
        analyse(t)  # warm up (regular expressions, lazy tables)
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            analyse(t)
            runs.append(time.perf_counter() - started)
        times[words] = min(runs)
        print(f"  {t.word_count:,} words ({t.duration / 3600:.1f} h): {min(runs):.2f} s "
              f"(median {statistics.median(runs):.2f} s)")
    print(f"  4× the words: {times[32_000] / times[8_000]:.2f}× the time")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timing run")
    parser.add_argument("--set", choices=("real", "dev"), default="real",
                        help="the annotations reported (real, default) or the development set "
                             "settings are chosen on (dev)")
    parser.add_argument("--no-speed", action="store_true", help="quality only")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"{CORPUS} is missing: nothing to measure")
        return 0
    print("Mentions and glossary on hand-annotated episodes\n")
    quality(ANNOTATIONS / args.set)
    if not args.no_speed:
        print("\nSpeed of analyse()")
        speed(1 if args.quick else 3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
