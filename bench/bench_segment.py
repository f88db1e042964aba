"""Segmentation quality and speed: ``python bench/bench_segment.py [--quick]``.

Quality: Pk and WindowDiff at turn level (lower is better) against the annotated
episodes in ``bench/annotations/`` (every segment boundary: intro, topics, named
segments, sign-off), for

* ``partition`` — named segments from the profile + optimal partition of the topics
  (the default),
* ``tiling``    — named segments + TextTiling-style block comparison for topics,
* ``named-only``— named segments, one topic per gap (how much topics add),
* ``nltk``      — NLTK's TextTilingTokenizer on the same text, one paragraph per turn,

on the published transcripts and on a whisper-like version of each (lower case, no
punctuation, no speakers, 12-word segments; reference boundaries moved to the
segment holding the annotated turn's start time).

Topic splitting alone is also measured Choi-style: documents made of 2-5 stretches
of 10-25 turns from different Practical AI episodes (shared corpus; skipped when it
is missing), boundaries known by construction.

Speed: ``analyse()`` on a one-hour (~10,000-word) transcript, published and whisper
form, against NLTK TextTiling on the same text as the in-process baseline.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # shared test material: whisper-like text

from banana.analysis import analyse  # noqa: E402
from whisper_fixtures import whisperize  # noqa: E402
from banana.formats import read_transcript  # noqa: E402
from banana.analysis.doc import Doc  # noqa: E402
from banana.analysis.segments import find_segments  # noqa: E402
from banana.analysis.topics import split_topics  # noqa: E402
from banana.analysis.words import STOPWORDS  # noqa: E402
from metrics import boundaries, pk, windowdiff  # noqa: E402
from banana.transcript import Transcript, Utterance  # noqa: E402

ANNOTATIONS = HERE / "annotations"
PRACTICAL_AI = REPO.parent / "shared" / "corpus" / "practicalai"



def map_boundaries(ref: set[int], source: Transcript, target: Transcript) -> set[int]:
    """Turn boundaries of ``source`` as boundaries of ``target`` (by start time)."""
    starts = [u.start for u in target.utterances]
    out = {max(bisect.bisect_right(starts, source.utterances[b].start + 1e-6) - 1, 0) for b in ref}
    out.discard(0)
    return out


NLTK_TUNED = {"w": 40, "k": 20}  # the best of a few settings tried on the annotated episodes


def nltk_boundaries(t: Transcript, **options) -> set[int]:
    """NLTK TextTiling with one paragraph per turn; turns where its sections start.
    NLTK's stopword corpus cannot be downloaded here, so it gets Banana's list."""
    from nltk.tokenize.texttiling import TextTilingTokenizer

    texts = [u.text.replace("\n", " ") for u in t.utterances]
    text = "\n\n".join(texts)
    para_starts = []
    pos = 0
    for x in texts:
        para_starts.append(pos)
        pos += len(x) + 2
    try:
        sections = TextTilingTokenizer(stopwords=sorted(STOPWORDS), **options).tokenize(text)
    except ValueError:  # too short for its windows
        return set()
    out = set()
    pos = 0
    for section in sections[:-1]:
        pos += len(section)
        turn = bisect.bisect_right(para_starts, pos) - 1
        if 0 < turn < len(texts):
            out.add(turn if para_starts[turn] >= pos - 2 else turn + 1)
    return {b for b in out if 0 < b < len(texts)}


def named_only(t: Transcript) -> set[int]:
    import banana.analysis.topics as seg

    saved = seg.PARTITION_PENALTY
    seg.PARTITION_PENALTY = 1e9
    try:
        return boundaries(find_segments(t))
    finally:
        seg.PARTITION_PENALTY = saved


SYSTEMS = {
    "partition": lambda t: boundaries(find_segments(t, method="partition")),
    "tiling": lambda t: boundaries(find_segments(t, method="tiling")),
    "named-only": named_only,
    "nltk": nltk_boundaries,
    "nltk-tuned": lambda t: nltk_boundaries(t, **NLTK_TUNED),
}


def annotated() -> list[tuple[str, Transcript, set[int]]]:
    out = []
    for path in sorted(ANNOTATIONS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        source = Path(data["file"])
        if not source.is_absolute():
            source = (REPO / source).resolve()
        if not source.exists():
            print(f"  (skipping {path.name}: {source} missing)")
            continue
        out.append((path.stem, read_transcript(source), boundaries(data["segments"])))
    return out


def choi_documents(count: int, *, seed: int = 1) -> list[tuple[Transcript, set[int]]]:
    files = sorted(PRACTICAL_AI.glob("*.md"))
    if not files:
        return []
    rng = random.Random(seed)
    docs = []
    while len(docs) < count:
        utts: list[Utterance] = []
        ref: set[int] = set()
        t = 0.0
        for f in rng.sample(files, rng.randint(2, 5)):
            us = read_transcript(f).utterances
            size = rng.randint(10, 25)
            if len(us) < size + 20:
                continue
            first = rng.randint(10, len(us) - size - 5)
            if utts:
                ref.add(len(utts))
            for u in us[first:first + size]:
                utts.append(Utterance(t, t + (u.end - u.start), u.text, u.speaker))
                t += u.end - u.start
        if ref:
            docs.append((Transcript.build(utts), ref))
    return docs


def topic_only(doc_t: Transcript, method: str) -> set[int]:
    if method == "nltk":
        return nltk_boundaries(doc_t)
    if method == "nltk-tuned":
        return nltk_boundaries(doc_t, **NLTK_TUNED)
    d = Doc(doc_t)
    return set(split_topics(d, 0, len(d) - 1, method=method))


def ten_thousand_words() -> Transcript:
    """A one-hour transcript: the Practical AI episode closest to 10,000 words, or
    the sample episodes end to end."""
    files = sorted(PRACTICAL_AI.glob("*.md"))
    if files:
        best = min(files[:120], key=lambda f: abs(read_transcript(f).word_count - 10_000))
        return read_transcript(best)
    utts: list[Utterance] = []
    t = 0.0
    samples = sorted((REPO / "episodes" / "samples").glob("*.txt"))
    while sum(len(u.text.split()) for u in utts) < 10_000:
        for f in samples:
            for u in read_transcript(f).utterances:
                utts.append(Utterance(t, t + u.end - u.start, u.text, u.speaker, True))
                t += u.end - u.start
    return Transcript.build(utts, title="samples end to end")


def timed(fn, repeat: int) -> float:
    fn()  # warm up (regex compilation, lazy imports)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer Choi documents and repeats")
    args = parser.parse_args(argv)

    episodes = annotated()
    print(f"Annotated episodes: {len(episodes)}")
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for form in ("published", "whisper"):
        print(f"\n{form} transcripts — Pk / WindowDiff per episode (lower is better)")
        print(f"  {'episode':30} " + " ".join(f"{name:>15}" for name in SYSTEMS))
        for name, t, ref in episodes:
            if form == "whisper":
                w = whisperize(t)
                ref_f, t_f = map_boundaries(ref, t, w), w
            else:
                ref_f, t_f = ref, t
            n = len(t_f.utterances)
            cells = []
            for system, fn in SYSTEMS.items():
                hyp = fn(t_f)
                scores = (pk(ref_f, hyp, n), windowdiff(ref_f, hyp, n))
                results.setdefault(form, {}).setdefault(system, []).append(scores)
                cells.append(f"{scores[0]:.3f} / {scores[1]:.3f}")
            print(f"  {name[:30]:30} " + " ".join(f"{c:>15}" for c in cells))
        means = []
        for system in SYSTEMS:
            rows = results[form][system]
            means.append(f"{statistics.mean(r[0] for r in rows):.3f} / "
                         f"{statistics.mean(r[1] for r in rows):.3f}")
        print(f"  {'mean':30} " + " ".join(f"{m:>15}" for m in means))

    docs = choi_documents(10 if args.quick else 40)
    if docs:
        print(f"\nTopic splitting alone, Choi-style: {len(docs)} documents of 2-5 Practical AI "
              f"stretches — mean Pk / WindowDiff")
        for method in ("partition", "tiling", "nltk", "nltk-tuned"):
            scores = []
            for d, ref in docs:
                hyp = topic_only(d, method)
                n = len(d.utterances)
                scores.append((pk(ref, hyp, n), windowdiff(ref, hyp, n)))
            print(f"  {method:11} {statistics.mean(s[0] for s in scores):.3f} / "
                  f"{statistics.mean(s[1] for s in scores):.3f}")
    else:
        print("\n(Choi-style documents skipped: shared Practical AI corpus missing)")

    long = ten_thousand_words()
    repeat = 3 if args.quick else 7
    print(f"\nSpeed: analyse() on {long.word_count} words (median of {repeat}); baseline: "
          f"tokenising the same transcript (Doc + content words)")
    for label, t in (("published", long), ("whisper", whisperize(long))):
        ours = timed(lambda: analyse(t), repeat)
        base = timed(lambda: Doc(t).tokens, repeat)
        started = time.perf_counter()
        nltk_boundaries(t)
        nltk_time = time.perf_counter() - started
        print(f"  {label:9} {len(t.utterances):4} turns: analyse {ours * 1000:5.0f} ms = "
              f"{ours / base:4.1f} x tokenising ({base * 1000:.0f} ms); "
              f"NLTK TextTiling once: {nltk_time * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
