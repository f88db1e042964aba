"""Benchmark for the searchable archive (banana index / banana search).

Two archives, in one run:

1. The 299 Practical AI transcripts (../shared/corpus/practicalai): import them all
   (``Library.store`` = save + index that episode), then ``--rebuild`` the index.
2. A synthetic archive of 2,000 episodes (about 20 M words) generated here: a Zipf
   vocabulary (real function words at the top, pseudo-words below), topic phrases
   planted in their episodes, hosts and guests, short and long turns, times at
   2.5 words per second.

For each: index time, database size, and the latency (p50/p95) of a fixed query set
through ``SearchIndex.search`` (rank passages, episode signals, snippets), against the
same queries answered by ``grep -ril`` over the raw files, in the same run; long
queries (200 words of pasted transcript, 200 x "the") against a short one, as a
ratio; and ``banana search`` end to end in a subprocess (start-up included) beside a
bare ``python -c pass``, with the modules a search imports.

3. With ``--big-mb 50``: one ~50 MB canonical transcript (every Practical AI episode
   in turn, read with ``banana.formats.read_transcript`` and cycled), indexed by
   ``banana index`` in a subprocess under ``/usr/bin/time -v``: wall time, max RSS.

    python bench/bench_search.py            # full: 299 + 2,000 episodes (a few minutes)
    python bench/bench_search.py --quick    # 40 real + 200 synthetic episodes
    python bench/bench_search.py --quick --skip-practical-ai --big-mb 50
    python bench/bench_search.py --work /tmp/bench-search   # keep (and reuse) the archives
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from banana.search.index import INDEX_FILE, SearchIndex  # noqa: E402
from banana.library import Library  # noqa: E402
from banana.transcript import MAX_SECONDS, Transcript, Utterance  # noqa: E402

PRACTICAL_AI = REPO.parent / "shared" / "corpus" / "practicalai"
WORDS_PER_SECOND = 2.5
REPEATS = 7  # runs of each query; latencies are taken over all runs of all queries
GREP_REPEATS = 3
IMPORT_TIMEOUT_S = 300

# (search query, grep -ril pipeline over {dir} answering the same question per file)
PRACTICAL_AI_QUERIES = [
    ("federated learning", "grep -ril federated {dir} | xargs -r grep -il learning"),
    ('"federated learning"', "grep -ril -F 'federated learning' {dir}"),
    ("explaining", "grep -ril -e explaining -e explained -e explains {dir}"),
    ("deep*", "grep -ril deep {dir}"),
    ("GPU OR TPU", "grep -ril -e gpu -e tpu {dir}"),
    ("bias NOT gender", "grep -ril bias {dir} | xargs -r grep -iL gender"),
    ('"reinforcement learning"', "grep -ril -F 'reinforcement learning' {dir}"),
    ("transformers attention", "grep -ril transformers {dir} | xargs -r grep -il attention"),
    ("kubernetes", "grep -ril kubernetes {dir}"),
    ('"data scientist"', "grep -ril -F 'data scientist' {dir}"),
    ('"hugging face"', "grep -ril -F 'hugging face' {dir}"),
    ("ethics AND privacy", "grep -ril ethics {dir} | xargs -r grep -il privacy"),
]

FUNCTION_WORDS = ("the and to of a i you that it is in we like so know this for was "
                  "think but what they be have on just with about yeah there are do "
                  "not one can really if some or at as all my right it's get things "
                  "well people from me an thing more how kind going when which your").split()
TOPICS = ["federated learning", "protein folding", "speech recognition", "graph neural networks",
          "edge devices", "model compression", "data labeling", "synthetic data",
          "machine translation", "reinforcement learning", "computer vision", "recommender systems",
          "anomaly detection", "time series forecasting", "autonomous vehicles", "medical imaging",
          "language models", "knowledge graphs", "active learning", "differential privacy",
          "model monitoring", "feature stores", "vector databases", "prompt engineering",
          "robotic grasping", "satellite imagery", "fraud detection", "climate modeling",
          "music generation", "code generation", "sign language", "crop yields",
          "drug discovery", "chip design", "energy forecasting", "legal documents",
          "quantum annealing", "sports analytics", "wildlife tracking", "search ranking"]
HOSTS = ["Morgan Reyes", "Sam Okafor"]
FIRST = "Alex Priya Jonas Mei Tomasz Aisha Carlos Hannah Kenji Fatima Lars Noor Diego Ingrid Kwame Yuki".split()
LAST = "Nakamura Schmidt Haddad Lindqvist Osei Moreau Petrov Castillo Brennan Iyer Kowalski Abe".split()


# --- the synthetic archive --------------------------------------------------------------


def _pseudo_words(count: int, rng: random.Random) -> list[str]:
    onsets = "b c d f g h j k l m n p r s t v w z br cr dr fl gr pl st tr ch sh th".split()
    vowels = "a e i o u ai ea io ou".split()
    codas = ["", "", "n", "r", "s", "l", "m", "t", "nd", "st", "ck"]
    seen = set(FUNCTION_WORDS) | {w for t in TOPICS for w in t.split()}
    out = []
    while len(out) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.choice((1, 2, 2, 3))))
        word += rng.choice(codas)
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


class Synthetic:
    """Deterministic synthetic episodes: ``episode(n)`` is the same for the same seed."""

    def __init__(self, *, vocabulary: int = 60_000, seed: int = 2024) -> None:
        import numpy as np

        self.np = np
        rng = random.Random(seed)
        self.seed = seed
        self.words = np.array(FUNCTION_WORDS + _pseudo_words(vocabulary - len(FUNCTION_WORDS), rng))
        weights = 1.0 / np.arange(1, len(self.words) + 1) ** 1.05  # Zipf
        self.cdf = np.cumsum(weights / weights.sum())
        self.guests = [f"{f} {l}" for f in FIRST for l in LAST]

    def rank(self, r: int) -> str:
        return str(self.words[r])

    def episode(self, n: int, *, words: int) -> Transcript:
        np = self.np
        rng = np.random.default_rng((self.seed, n))
        topic = TOPICS[n % len(TOPICS)]
        guest = self.guests[int(rng.integers(len(self.guests)))]
        speakers = [*HOSTS, guest]
        utterances, t, total = [], 0.0, 0
        while total < words:
            short = rng.random() < 0.2
            length = int(rng.integers(1, 5)) if short else int(min(400, max(5, rng.lognormal(4.0, 0.7))))
            idx = np.searchsorted(self.cdf, rng.random(length))
            idx[idx >= len(self.words)] = len(self.words) - 1
            tokens = self.words[idx].tolist()
            if not short and rng.random() < 0.25:
                tokens.insert(int(rng.integers(len(tokens))), topic)
            elif not short and rng.random() < 0.004:
                tokens.insert(int(rng.integers(len(tokens))), TOPICS[int(rng.integers(len(TOPICS)))])
            for cut in range(12, len(tokens), 14):  # sentences
                tokens[cut] += "."
            text = " ".join(tokens)
            text = text[0].upper() + text[1:] + ("?" if rng.random() < 0.15 else ".")
            seconds = max(length, 1) / WORDS_PER_SECOND
            speaker = speakers[int(rng.integers(3))] if utterances else HOSTS[0]
            utterances.append(Utterance(start=round(t, 2), end=round(t + seconds, 2), text=text,
                                        speaker=speaker))
            t += seconds + 0.3
            total += length
        return Transcript.build(utterances, title=f"Episode {n}: {topic.title()}", show="Synthetic Show",
                                audio_url=f"https://example.com/audio/{n}.mp3",
                                source="bench:synthetic")

    def queries(self) -> list[tuple[str, str]]:
        """A fixed mix: topic words and phrases, rare and mid-frequency words,
        prefixes and boolean combinations, each with its grep -ril equivalent."""
        rare = [self.rank(r) for r in (4_000, 9_000, 20_000, 40_000)]
        mid = [self.rank(r) for r in (600, 1_500)]
        return [
            ("federated learning", "grep -ril federated {dir} | xargs -r grep -il learning"),
            ('"protein folding"', "grep -ril -F 'protein folding' {dir}"),
            ('"graph neural networks"', "grep -ril -F 'graph neural networks' {dir}"),
            ("quantum annealing", "grep -ril quantum {dir} | xargs -r grep -il annealing"),
            *[(w, f"grep -ril -w {w} {{dir}}") for w in rare],
            *[(w, f"grep -ril -w {w} {{dir}}") for w in mid],
            (f"{rare[0][:4]}*", f"grep -ril -w -E '{rare[0][:4]}[a-z]*' {{dir}}"),
            ("satell*", "grep -ril satell {dir}"),
            (f"{rare[1]} OR {rare[2]}", f"grep -ril -w -e {rare[1]} -e {rare[2]} {{dir}}"),
            (f"fraud NOT {mid[0]}", f"grep -ril fraud {{dir}} | xargs -r grep -iLw {mid[0]}"),
            (f'"sign language" AND {mid[1]}',
             f"grep -ril -F 'sign language' {{dir}} | xargs -r grep -ilw {mid[1]}"),
            ("how do you handle errors in speech recognition",
             "grep -ril speech {dir} | xargs -r grep -il recognition"),
            (self.guests[3], f"grep -ril -F '{self.guests[3]}' {{dir}}"),
        ]


def write_synthetic(library: Library, synth: Synthetic, *, episodes: int, words: int) -> int:
    total = 0
    for n in range(episodes):
        t = synth.episode(n, words=words)
        total += t.word_count
        library.save(t, f"synthetic-{n}")
    return total


# --- measuring --------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def db_size(library: Library) -> int:
    return sum(p.stat().st_size for p in library.root.glob(INDEX_FILE + "*"))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_queries(ix: SearchIndex, queries, raw_dir: Path) -> dict:
    """Each query through one SearchIndex (its connection reused, as in any long-lived
    process) and through a fresh one (a new connection, as in each `banana search`),
    and its grep -ril pipeline; wall-clock and CPU time (the machine is shared, so CPU
    time is the steadier measure of the work)."""
    rows, walls, cpus, fresh = [], [], [], []
    for query, grep in queries:
        wall, cpu = [], []
        for _ in range(REPEATS):
            began, began_cpu = time.perf_counter(), time.process_time()
            results = ix.search(query, limit=10)
            wall.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        walls.extend(wall)
        cpus.extend(cpu)
        for _ in range(REPEATS):
            began = time.perf_counter()
            SearchIndex(ix.library, analysis=False).search(query, limit=10)
            fresh.append(time.perf_counter() - began)
        command = grep.format(dir=raw_dir)
        grep_wall, grep_cpu = [], []
        for _ in range(GREP_REPEATS):
            began, began_cpu = time.perf_counter(), _children_cpu()
            out = subprocess.run(command, shell=True, capture_output=True, text=True)
            grep_wall.append(time.perf_counter() - began)
            grep_cpu.append(_children_cpu() - began_cpu)
        rows.append({"query": query, "hits": results.total,
                     "episodes_top10": len({h.episode for h in results.hits}),
                     "fts_ms": statistics.median(wall) * 1000,
                     "fts_cpu_ms": statistics.median(cpu) * 1000,
                     "grep_files": len(out.stdout.split()),
                     "grep_ms": statistics.median(grep_wall) * 1000,
                     "grep_cpu_ms": statistics.median(grep_cpu) * 1000})
    ratios = [r["grep_ms"] / r["fts_ms"] for r in rows]
    cpu_ratios = [r["grep_cpu_ms"] / max(r["fts_cpu_ms"], 1e-3) for r in rows]
    return {"queries": rows,
            "fts_p50_ms": percentile(walls, 0.5) * 1000,
            "fts_p95_ms": percentile(walls, 0.95) * 1000,
            "fts_cpu_p50_ms": percentile(cpus, 0.5) * 1000,
            "fts_cpu_p95_ms": percentile(cpus, 0.95) * 1000,
            "fresh_connection_p50_ms": percentile(fresh, 0.5) * 1000,
            "fresh_connection_p95_ms": percentile(fresh, 0.95) * 1000,
            "grep_p50_ms": statistics.median(r["grep_ms"] for r in rows),
            "grep_cpu_p50_ms": statistics.median(r["grep_cpu_ms"] for r in rows),
            "speedup_query_set": sum(r["grep_ms"] for r in rows) / sum(r["fts_ms"] for r in rows),
            "speedup_median_query": statistics.median(ratios),
            "speedup_worst_query": min(ratios),
            "speedup_cpu_query_set": (sum(r["grep_cpu_ms"] for r in rows)
                                      / sum(r["fts_cpu_ms"] for r in rows)),
            "speedup_cpu_median_query": statistics.median(cpu_ratios)}


def long_queries(ix: SearchIndex, transcript: Transcript, *, short: str = "federated learning",
                 repeats: int = REPEATS) -> dict:
    """Median latency (ms) of a short query and of long ones built from a real
    ``transcript``: its first 200 words as typed (punctuation and all: searched as
    plain words; they span turns, so nothing matches), the same without
    punctuation, the first 200 words of its longest turn (which match it), 200 x
    "the", and 40 x five function words; each as a ratio to the short query.
    ``all_terms_scored_ms`` is the ranking statement alone when bm25 scores every
    word of the longest turn's query, as before MAX_SCORED_TERMS (bm25 walks each
    term's rows for its IDF)."""
    import re
    import sqlite3

    from banana.search.index import parse_query

    words = transcript.text.split()[:200]
    longest = max(transcript.utterances, key=lambda u: u.word_count).text
    queries = {
        "short": short,
        "200_words_as_typed": " ".join(words),
        "200_words_plain": " ".join(re.findall(r"\w+", " ".join(words))[:200]),
        "200_words_of_one_turn": " ".join(re.findall(r"\w+", longest)[:200]),
        "200_x_the": " ".join(["the"] * 200),
        "40_x_five_function_words": " ".join(["the", "a", "and", "to", "of"] * 40),
    }
    out: dict[str, float | int] = {}
    for name, query in queries.items():
        ix.search(query)
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            results = ix.search(query)
            times.append(time.perf_counter() - began)
        out[f"{name}_ms"] = statistics.median(times) * 1000
        out[f"{name}_hits"] = results.total
    for name in queries:
        if name != "short":
            out[f"{name}_vs_short"] = out[f"{name}_ms"] / out["short_ms"]
    fts = parse_query(queries["200_words_of_one_turn"]).fts
    with sqlite3.connect(f"file:{ix.path}?mode=ro", uri=True) as conn:
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            conn.execute("SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts "
                         "MATCH ?", (fts,)).fetchall()
            times.append(time.perf_counter() - began)
    conn.close()
    out["all_terms_scored_ms"] = statistics.median(times) * 1000
    return out


def common_word(ix: SearchIndex, word: str) -> float:
    """Latency of a word in most utterances: the worst case, not in the query set."""
    ix.search(word)
    began = time.perf_counter()
    ix.search(word)
    return (time.perf_counter() - began) * 1000


class _Skip(Exception):
    pass


CLI_REPEATS = 7  # runs of each command for the start-up figures


def cli_seconds(library: Library, query: str, repeats: int = 3) -> float:
    """`banana search QUERY` end to end, Python start-up included (median of ``repeats``)."""
    return statistics.median(_run_times([sys.executable, "-m", "banana", "--library",
                                         str(library.root), "search", query], repeats))


def _run_times(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=REPO)
        times.append(time.perf_counter() - began)
    return times


def cli_startup(library: Library, queries: list[str], *, repeats: int = CLI_REPEATS) -> dict:
    """`banana search` end to end for each query (wall seconds, all runs), a bare
    `python -c pass` the same number of times, interleaved so both see the same load;
    and the modules a search imports, and `python -X importtime`'s total for them."""
    search, bare = [], []
    for _ in range(repeats):
        for query in queries:
            search += _run_times([sys.executable, "-m", "banana", "--library", str(library.root),
                                  "search", query], 1)
            bare += _run_times([sys.executable, "-c", "pass"], 1)
    probe = ("import sys, time\nfrom banana.cli import main\n"
             "main(['--library', sys.argv[1], 'search', sys.argv[2]], standalone_mode=False)\n"
             "print(len([m for m in sys.modules]), ' '.join(sorted(m for m in sys.modules "
             "if m.startswith('banana'))), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", probe, str(library.root),
                           queries[0]], capture_output=True, text=True, cwd=REPO)
    lines = done.stderr.splitlines()
    imports_us = sum(int(line.split("|")[0].split(":")[1]) for line in lines
                     if line.startswith("import time:") and line.split("|")[0].split(":")[1].strip().isdigit())
    modules = lines[-1] if lines else ""
    return {"cli_search_p50_ms": percentile(search, 0.5) * 1000,
            "cli_search_p95_ms": percentile(search, 0.95) * 1000,
            "cli_search_max_ms": max(search) * 1000,
            "bare_python_p50_ms": percentile(bare, 0.5) * 1000,
            "cli_over_bare_python": percentile(search, 0.5) / percentile(bare, 0.5),
            "imports_ms": imports_us / 1000,
            "modules_loaded": modules}


def bench_practical_ai(work: Path, *, limit: int | None, run_import: bool = True) -> dict | None:
    if not PRACTICAL_AI.is_dir():
        print(f"skipping Practical AI: {PRACTICAL_AI} not found")
        return None
    from banana.formats import read_transcript

    files = sorted(PRACTICAL_AI.glob("*.md"))
    if limit:
        files = [f for f in files if f.stem in ("practical-ai-153", "practical-ai-160")] + \
                [f for f in files if f.stem not in ("practical-ai-153", "practical-ai-160")][:limit - 2]
    # 1. What `banana import` does (read, save, index with segments and glossary), as
    #    the real command in a subprocess, so a stuck analysis cannot stall the run.
    imported = Library(work / "practical-ai-import")
    began = time.perf_counter()
    import_seconds: float | str = "not run (--no-import)"
    try:
        if not run_import:
            raise _Skip
        done = subprocess.run([sys.executable, "-m", "banana", "--library", str(imported.root),
                               "import", *map(str, files)], capture_output=True, text=True,
                              cwd=REPO, timeout=IMPORT_TIMEOUT_S)
        import_seconds = time.perf_counter() - began
        if done.returncode:
            import_seconds = f"exit {done.returncode} after {import_seconds:.0f} s: {done.stderr[-300:]}"
    except subprocess.TimeoutExpired:
        import_seconds = f"timed out after {IMPORT_TIMEOUT_S} s at {len(imported.slugs())} episodes"
    except _Skip:
        pass
    # 2. Transcripts only: the search index's own cost.
    library = Library(work / "practical-ai")
    ix = SearchIndex(library, analysis=False)
    began = time.perf_counter()
    words = 0
    for path in files:
        transcript = read_transcript(path)
        words += transcript.word_count
        library.save(transcript, path.stem)
        ix.update_episode(path.stem)
    transcripts_seconds = time.perf_counter() - began
    report = ix.update(rebuild=True)
    utterance_words = [u.word_count for slug in library.slugs() for u in library.load(slug).utterances]
    result = {
        "episodes": len(files), "words": words, "passages": report.by_kind["passages"],
        "pieces": report.by_kind["pieces"],
        "banana_import_s": import_seconds,
        "import_and_index_transcripts_only_s": transcripts_seconds,
        "rebuild_index_transcripts_only_s": report.seconds,
        "db_mb": db_size(library) / 1e6,
        "raw_mb": sum(f.stat().st_size for f in files) / 1e6,
        "utterance_words_median": statistics.median(utterance_words),
        "utterances_under_5_words": sum(w < 5 for w in utterance_words) / len(utterance_words),
        "federated_first": ix.search("federated learning").hits[0].episode,
        "first_hits_federated_learning": [h.episode for h in ix.search("federated learning").hits[:6]],
        "common_word_ms": common_word(ix, "the"),
        "cli_search_ms": cli_seconds(library, "federated learning") * 1000,
    }
    result.update(long_queries(ix, library.load("practical-ai-153")))
    raw = work / "practical-ai-raw"  # the same files grep reads, copied (grep -r skips symlinks)
    raw.mkdir()
    for f in files:
        shutil.copyfile(f, raw / f.name)
    result.update(measure_queries(ix, PRACTICAL_AI_QUERIES, raw))
    return result


def bench_synthetic(work: Path, *, episodes: int, words: int) -> dict:
    synth = Synthetic()
    library = Library(work / "synthetic")
    built = work / f"synthetic-{episodes}x{words}.json"  # the build figures, when kept (--work)
    ix = SearchIndex(library, analysis=False)
    if built.is_file() and ix.exists() and len(library.slugs()) == episodes:
        first = json.loads(built.read_text(encoding="utf-8"))
        report = ix.update()
        print(f"reusing the synthetic archive in {library.root}", file=sys.stderr)
    else:
        began = time.perf_counter()
        total_words = write_synthetic(library, synth, episodes=episodes, words=words)
        generate_seconds = time.perf_counter() - began
        # The FTS index of 20 M words; segments and glossary (banana.analysis) are timed
        # on a sample below, since analysing 2,000 episodes would take the shared cores
        # for minutes and tells nothing about search.
        report = ix.update()
        first = {"words": total_words, "generate_s": generate_seconds, "index_s": report.seconds}
        built.write_text(json.dumps(first), encoding="utf-8")
    raw_bytes = sum(library.transcript_path(s).stat().st_size for s in library.slugs())
    again = ix.update()
    startup = cli_startup(library, [synth.queries()[0][0], "how do you handle errors in speech "
                                    "recognition", synth.guests[3]])
    # One changed episode: what `banana import` pays per episode on a big archive.
    other = episodes + 1 if library.load("synthetic-0").title == synth.episode(0, words=1).title \
        else episodes + 2  # (a kept archive changed it last time: change it again)
    library.save(synth.episode(other, words=words), "synthetic-0")
    began = time.perf_counter()
    ix.update()
    one_changed = time.perf_counter() - began
    result = {
        "episodes": episodes, "words": first["words"], "passages": report.by_kind["passages"],
        "pieces": report.by_kind["pieces"],
        "generate_s": first["generate_s"], "index_s": first["index_s"],
        "noop_update_s": again.seconds, "one_changed_update_s": one_changed,
        "db_mb": db_size(library) / 1e6, "raw_mb": raw_bytes / 1e6,
        "common_word_ms": common_word(ix, "the"),
        "analysis_s_per_episode": analysis_seconds(library, sample=ANALYSIS_SAMPLE),
        "rebuild_damage_check_s": damage_check_seconds(ix),
        **startup,
    }
    result.update(long_queries(ix, library.load(library.slugs()[0]),
                               short=synth.queries()[0][0]))
    # grep reads the transcripts only, not the index sitting beside them.
    queries = [(q, g.replace("grep -ril", "grep -ril --include=transcript.json", 1))
               for q, g in synth.queries()]
    result.update(measure_queries(ix, queries, library.root))
    return result


ANALYSIS_SAMPLE = 20


def damage_check_seconds(ix: SearchIndex) -> float:
    """What ``update(rebuild=True)`` pays up front to find a damaged file (quick_check)."""
    began = time.perf_counter()
    assert not ix._damaged()
    return time.perf_counter() - began


def write_big_transcript(library: Library, *, megabytes: float) -> dict:
    """One canonical transcript of about ``megabytes``: the Practical AI episodes,
    each read with ``read_transcript``, laid end to end and cycled (its times
    squeezed into MAX_SECONDS)."""
    from banana.formats import read_transcript

    files = sorted(PRACTICAL_AI.glob("*.md"))
    utterances, offset, size, n = [], 0.0, 0, 0
    while size < megabytes * 1e6:
        source = read_transcript(files[n % len(files)])
        n += 1
        utterances.extend(Utterance(start=u.start + offset, end=u.end + offset, text=u.text,
                                    speaker=u.speaker) for u in source.utterances)
        offset += source.duration + 1
        size += len(source.to_json().encode())
    # Squeezed into MAX_SECONDS: a transcript's times may not run past two days.
    scale = min(1.0, 0.95 * MAX_SECONDS / offset)
    utterances = [Utterance(start=u.start * scale, end=u.end * scale, text=u.text,
                            speaker=u.speaker) for u in utterances]
    big = Transcript.build(utterances, title=f"Practical AI, {n} episodes end to end",
                           audio_url="https://example.com/big.mp3")
    path = library.save(big, "big")
    return {"episodes_joined": n, "utterances": len(utterances), "words": big.word_count,
            "file_mb": path.stat().st_size / 1e6}


def timed_index(library: Library, *args: str) -> dict:
    """`banana index ARGS` in a subprocess: wall seconds and, under /usr/bin/time -v,
    the maximum resident set size."""
    command = [sys.executable, "-m", "banana", "--library", str(library.root), "index", *args]
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        command = [str(gnu_time), "-v", *command]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - began
    rss = [line.split(":")[-1].strip() for line in done.stderr.splitlines()
           if "Maximum resident set size" in line]
    summary = [line for line in done.stderr.splitlines() if line.startswith("Indexed ")
               and " episodes (" in line]
    return {"exit": done.returncode, "wall_s": seconds,
            "max_rss_mb": int(rss[0]) / 1024 if rss else None,
            "summary": summary[0] if summary else done.stderr[-300:]}


def bench_big(work: Path, *, megabytes: float) -> dict | None:
    if not PRACTICAL_AI.is_dir():
        print(f"skipping the big transcript: {PRACTICAL_AI} not found")
        return None
    library = Library(work / "big")
    result = write_big_transcript(library, megabytes=megabytes)
    result["index"] = timed_index(library)
    result["index_again_nothing_to_do"] = timed_index(library)
    return result


def analysis_seconds(library: Library, *, sample: int) -> float | None:
    """Mean time to analyse one episode (segments, glossary: what `banana import` adds
    to indexing), on a sample; the analysis is stored, so it is paid once."""
    slugs = library.slugs()[:sample]
    began = time.perf_counter()
    for slug in slugs:
        library.analysis(slug)
    return (time.perf_counter() - began) / len(slugs)


def print_report(name: str, r: dict) -> None:
    print(f"\n## {name}")
    for key, value in r.items():
        if key != "queries":
            print(f"- {key}: {value:.3f}" if isinstance(value, float) else f"- {key}: {value}")
    if "analysis_s_per_episode" in r and r["analysis_s_per_episode"]:
        print(f"- banana index with segments and glossary ≈ {r['index_s'] + r['episodes'] * r['analysis_s_per_episode']:.0f} s (estimated)")
    print("\n| query | hits | search ms (cpu) | grep -ril ms (cpu) | files | speed-up (cpu) |")
    print("|---|---:|---:|---:|---:|---:|")
    for q in r["queries"]:
        print(f"| `{q['query']}` | {q['hits']} | {q['fts_ms']:.1f} ({q['fts_cpu_ms']:.1f}) | "
              f"{q['grep_ms']:.0f} ({q['grep_cpu_ms']:.0f}) | {q['grep_files']} | "
              f"{q['grep_ms'] / q['fts_ms']:.0f}× ({q['grep_cpu_ms'] / max(q['fts_cpu_ms'], 1e-3):.0f}×) |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 real + 200 synthetic episodes")
    parser.add_argument("--episodes", type=int, help="synthetic episodes [2000; quick 200]")
    parser.add_argument("--words", type=int, default=10_000, help="words per synthetic episode")
    parser.add_argument("--work", type=Path, help="keep the libraries here instead of a temp dir")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--skip-practical-ai", action="store_true", help="only the synthetic archive")
    parser.add_argument("--no-import", action="store_true",
                        help="skip timing `banana import` (with segment and glossary analysis)")
    parser.add_argument("--big-mb", type=float,
                        help="also index one transcript of this many MB (e.g. 50)")
    args = parser.parse_args(argv)
    episodes = args.episodes or (200 if args.quick else 2000)
    words = 2_000 if args.quick and args.words == 10_000 else args.words

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        results["practical_ai"] = None if args.skip_practical_ai else bench_practical_ai(
            work, limit=40 if args.quick else None, run_import=not args.no_import)
        results["synthetic"] = bench_synthetic(work, episodes=episodes, words=words)
        if args.big_mb:
            results["big"] = bench_big(work, megabytes=args.big_mb)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if results["practical_ai"]:
        print_report("Practical AI", results["practical_ai"])
    print_report("Synthetic", results["synthetic"])
    if results.get("big"):
        print("\n## One big transcript\n")
        for key, value in results["big"].items():
            print(f"- {key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
