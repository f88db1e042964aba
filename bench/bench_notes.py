"""Show notes and chapters: summary quality and speed. ``python bench/bench_notes.py [--quick]``.

Quality: ROUGE-1 recall (content words, stemmed) of the 3-sentence extractive summary
against the episode's published blurb (the paragraph above the transcript: the three
bundled samples and the banana-data episode), for

* ``textrank`` — ``banana.summary.summarise`` (centrality + one sentence per segment),
* ``lead-3``   — the first three eligible sentences (the classic news baseline),
* ``random-3`` — three random eligible sentences (mean of 20 draws),

all restricted to the same eligible sentences (intro and topic segments).

Speed, on one-hour transcripts (the longest Practical AI episodes, ~11-12k words;
the samples repeated when the shared corpus is missing):

* the similarity graph through an inverted index (what ``summarise`` does) against
  the naive all-pairs comparison of the same vectors (the in-process baseline; the
  two graphs are checked equal);
* ``analyse`` + ``build_notes`` (teaser left unsolved: the solver is benchmarked on
  its own) + Markdown/HTML/JSON + all four chapter formats.

Rendering alone, the notes built once (the two one-hour episodes and the banana-data
episode, whose notes have every section): Markdown, HTML and JSON at the default limit,
and Markdown at half its untrimmed length, where the trimming loop lays the notes out
again after every step (the parts trimmed are listed). The baseline is ``render_json``, the
same notes dumped by the standard library.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from banana.analysis import analyse  # noqa: E402
from banana.publish.chapters import FORMATS as CHAPTER_FORMATS  # noqa: E402
from banana.publish.chapters import episode_chapters, write_chapters  # noqa: E402
from banana.formats import read_transcript  # noqa: E402
from banana.publish.notes import MIN_MAX_CHARS, build_notes, render  # noqa: E402
from banana.analysis.words import content_tokens, normalise  # noqa: E402
from banana.analysis.summary import (SUMMARY_KINDS, _candidate, _similarities, _tfidf, sentences,  # noqa: E402
                            summarise)
from banana.transcript import Transcript, Utterance  # noqa: E402

SAMPLES = REPO / "episodes" / "samples"
SHARED = REPO.parent / "shared" / "corpus"
BANANA_DATA = SHARED / "banana-data"
PRACTICAL_AI = SHARED / "practicalai"
RANDOM_DRAWS = 20
RENDER_REPEAT = 50  # rendering takes about a millisecond: best of this many runs (5 with --quick)
TIGHT_FRACTION = 0.5  # the tight Markdown limit, as a fraction of the untrimmed length
_SPEAKER_LINE = re.compile(r"^[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}: \S")


def blurb(path: Path) -> str:
    """The longest paragraph above the first speaker turn of a published transcript."""
    head = []
    for para in path.read_text(encoding="utf-8").split("\n\n"):
        if _SPEAKER_LINE.match(para.strip()):
            break
        head.append(para.strip())
    return max(head, key=len) if head else ""


def rouge1_recall(candidate: str, reference: str) -> float:
    ref = content_tokens(normalise(reference))
    got = set(content_tokens(normalise(candidate)))
    return sum(1 for t in ref if t in got) / len(ref) if ref else 0.0


def eligible(transcript: Transcript, segments) -> list:
    turns = {t for s in segments if s.kind in SUMMARY_KINDS for t in s.turns}
    out = []
    for s in sentences(transcript):
        if s.turn in turns and _candidate(s, content_tokens(normalise(s.text))):
            out.append(s)
    return out


def quality() -> None:
    paths = sorted(SAMPLES.glob("*.txt")) + sorted(BANANA_DATA.glob("*.txt"))
    rows = []
    for path in paths:
        reference = blurb(path)
        transcript = read_transcript(path)
        segments = analyse(transcript).segments
        pool = eligible(transcript, segments)
        ours = " ".join(s.text for s in summarise(transcript, segments=segments))
        lead = " ".join(s.text for s in pool[:3])
        rng = random.Random(7)
        rand = statistics.mean(rouge1_recall(" ".join(s.text for s in rng.sample(pool, 3)), reference)
                               for _ in range(RANDOM_DRAWS))
        rows.append((path.stem[:40], rouge1_recall(ours, reference), rouge1_recall(lead, reference), rand))
    print("ROUGE-1 recall against the published blurb (higher is better)")
    print(f"{'episode':42} {'textrank':>9} {'lead-3':>8} {'random-3':>9}")
    for name, a, b, c in rows:
        print(f"{name:42} {a:9.3f} {b:8.3f} {c:9.3f}")
    means = [statistics.mean(r[i] for r in rows) for i in (1, 2, 3)]
    print(f"{'mean':42} {means[0]:9.3f} {means[1]:8.3f} {means[2]:9.3f}")


def naive_similarities(vectors):
    graph = [dict() for _ in vectors]
    for i in range(len(vectors)):
        vi = vectors[i]
        for j in range(i + 1, len(vectors)):
            vj = vectors[j]
            small, big = (vi, vj) if len(vi) <= len(vj) else (vj, vi)
            w = sum(x * big[t] for t, x in small.items() if t in big)
            if w:
                graph[i][j] = w
                graph[j][i] = w
    return graph


def hour_long() -> list[tuple[str, Transcript]]:
    if PRACTICAL_AI.is_dir():
        longest = sorted(PRACTICAL_AI.glob("*.md"), key=lambda p: p.stat().st_size)[-2:]
        return [(p.stem, read_transcript(p)) for p in longest]
    utts, t = [], 0.0
    for _ in range(4):
        for path in sorted(SAMPLES.glob("*.txt")):
            for u in read_transcript(path).utterances:
                utts.append(Utterance(t, t + u.end - u.start, u.text, u.speaker))
                t += u.end - u.start
    return [("samples x4", Transcript.build(utts, title="samples x4"))]


def timed(fn, repeat: int):
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def speed(quick: bool) -> None:
    repeat = 1 if quick else 3
    print("\nSpeed (best of %d)" % repeat)
    for name, transcript in hour_long():
        segments = analyse(transcript).segments
        pool = eligible(transcript, segments)
        tokens = [content_tokens(normalise(s.text)) for s in sentences(transcript)]
        vectors = _tfidf(tokens)[:len(pool)]  # same size as the candidate set
        fast, g1 = timed(lambda: _similarities(vectors), repeat)
        slow, g2 = timed(lambda: naive_similarities(vectors), 1 if quick else repeat)
        assert len(g1) == len(g2) and all(
            set(a) == set(b) and all(abs(a[k] - b[k]) < 1e-9 for k in a) for a, b in zip(g1, g2))
        t_sum, _ = timed(lambda: summarise(transcript, segments=segments), repeat)

        def everything():
            analysis = analyse(transcript)
            notes = build_notes(transcript, analysis, solutions=())
            for fmt in ("md", "html", "json"):
                render(notes, fmt)
            for fmt in CHAPTER_FORMATS:
                try:
                    write_chapters(episode_chapters(transcript, analysis), fmt)
                except Exception:  # noqa: BLE001 - a too-short episode for YouTube is not timed
                    pass

        t_all, _ = timed(everything, repeat)
        print(f"{name}: {transcript.word_count:,} words, {len(pool):,} candidate sentences")
        print(f"  similarity graph: inverted index {fast * 1000:.0f} ms, all pairs {slow * 1000:.0f} ms "
              f"({slow / fast:.1f}x)")
        print(f"  summarise: {t_sum * 1000:.0f} ms; analyse + notes (md, html, json) + 4 chapter "
              f"formats: {t_all * 1000:.0f} ms")


def render_speed(quick: bool) -> None:
    repeat = 5 if quick else RENDER_REPEAT
    print("\nRendering, notes built once (best of %d, ms)" % repeat)
    print(f"{'episode':28} {'json':>6} {'html':>6} {'md':>6} {'md tight':>9} {'chars':>13}  trimmed")
    episodes = hour_long() + [(p.stem[:28], read_transcript(p)) for p in sorted(BANANA_DATA.glob("*.txt"))]
    for name, transcript in episodes:
        notes = build_notes(transcript, analyse(transcript), solutions=())
        full = render(notes, "md", max_chars=10 ** 9)
        tight = max(MIN_MAX_CHARS, int(len(full) * TIGHT_FRACTION))
        t_json, _ = timed(lambda: render(notes, "json"), repeat)
        t_html, _ = timed(lambda: render(notes, "html"), repeat)
        t_md, _ = timed(lambda: render(notes, "md"), repeat)
        t_tight, md = timed(lambda: render(notes, "md", max_chars=tight), repeat)
        trimmed = md.splitlines()[-1].split(": ")[-1].removesuffix(" trimmed.*")
        print(f"{name:28} {t_json * 1000:6.2f} {t_html * 1000:6.2f} {t_md * 1000:6.2f} "
              f"{t_tight * 1000:9.2f} {len(full):>6,}→{len(md):<6,} {trimmed}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timing run instead of three")
    args = parser.parse_args(argv)
    quality()
    speed(args.quick)
    render_speed(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
