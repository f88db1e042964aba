"""Feeds: ``python bench/bench_feeds.py [--quick] [--only feed|scale] [--workers N]``.

1. **A 300-item feed on loopback** (a thread running ``http.server``), each item
   linking its transcript (VTT, SRT and Podcasting 2.0 JSON in turn, with speakers):
   ``banana feed add`` and ``banana feed update`` as a user runs them (two processes),
   timed together; then a second ``banana feed update``: every request it made (the
   server's log: all conditional?) and every library file it changed (none?).
2. **A back catalogue on Ray vs one process**: the same generated episodes
   (``--episodes``, ``--seconds`` each) transcribed by ``banana feed update`` without
   Ray, and with ``--workers N`` on a local Ray, in this one run: wall time (process
   start to exit, Ray's start-up included), episodes a minute, audio seconds per wall
   second, and whether both libraries hold the same bytes. The model is a randomly
   initialised checkpoint of whisper's ``tiny`` dimensions (no weights downloaded),
   greedy, 110 tokens a 30-second window (about what speech takes; a random model
   never stops by itself). The one-process path is timed with one thread (the setting
   each Ray worker gets, so the bytes stored must be the same) and with torch's default
   threads (all cores). Ray's workers run at niceness 0 here (see RAY_NOT_NICED).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the loopback server, feed and audio generators

from banana.formats import write_transcript  # noqa: E402
from feed_server import (FeedServer, Route, episode_transcript, podcast_feed, rss_date,  # noqa: E402
                         serve_audio_show)
from whisper_fixtures import TINY_DIMS, make_checkpoint  # noqa: E402

FORMATS = [("vtt", "text/vtt"), ("srt", "application/x-subrip"), ("podcast-json", "application/json")]
TINY = dict(n_audio_state=384, n_audio_head=6, n_audio_layer=4, n_text_state=384, n_text_head=6,
            n_text_layer=4)  # whisper's published tiny model
TOKENS_PER_WINDOW = 110
# Ray runs its workers at niceness 15 (they yield to its own daemons and to everything else):
# on a machine shared with other work that hands their CPU away, so they run at 0 here, like
# the one-process run they are compared with.
RAY_NOT_NICED = {"RAY_worker_niceness": "0"}


def cpu_seconds() -> float:
    """CPU time of the finished child processes (and theirs), user and system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU_USED: list[float] = []  # of each ``banana`` call, in order


def banana(library: Path, *args, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    started, cpu = time.perf_counter(), cpu_seconds()
    result = subprocess.run([sys.executable, "-m", "banana", "--library", str(library), *map(str, args)],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    CPU_USED.append(cpu_seconds() - cpu)
    if result.returncode != 0:
        raise SystemExit(f"banana {' '.join(map(str, args))} failed:\n{result.stderr[-2000:]}")
    return seconds, result


def snapshot(library: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(library)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in library.rglob("*") if p.is_file()}


def bench_feed(work: Path, items: int, turns: int, workers: int) -> None:
    words = sum(len(u.text.split()) for u in episode_transcript(1, turns=turns).utterances)
    print(f"\n## A {items}-item feed on loopback, transcripts linked ({turns} turns, {words:,} words each)\n")
    with FeedServer() as server:
        entries = []
        for n in range(items, 0, -1):
            fmt, typ = FORMATS[n % 3]
            path = f"/t/{n}.{fmt}"
            server.routes[path] = Route(write_transcript(episode_transcript(n, turns=turns), fmt).encode(), typ,
                                        etag=f'"t{n}"')
            entries.append(dict(n=n, title=f"Episode {n}: topic {n}", guid=f"guid-{n}", date=rss_date(n),
                                enclosure=(f"/audio/{n}.mp3", "audio/mpeg", 1000),
                                transcripts=[(server.url(path), typ)]))
        feed = podcast_feed(entries, base=server.base)
        server.routes["/feed.xml"] = Route(feed, "application/rss+xml", etag='"feed-1"',
                                           last_modified="Sun, 29 Nov 2026 10:00:00 GMT")
        on_ray = work / f"feed-library-{turns}-ray"
        banana(on_ray, "feed", "add", server.url("/feed.xml"))
        ray_s, _ = banana(on_ray, "feed", "update", "--json", "--workers", workers, env=RAY_NOT_NICED)
        ray_stored = len(list(on_ray.glob("*/transcript.json")))
        library = work / f"feed-library-{turns}"
        add_s, _ = banana(library, "feed", "add", server.url("/feed.xml"))
        update_s, result = banana(library, "feed", "update", "--json")
        update_cpu = CPU_USED[-1]
        imported = sum(i["how"] == "transcript" for f in json.loads(result.stdout)["feeds"] for i in f["items"])
        stored = len(list(library.glob("*/transcript.json")))
        before, seen = snapshot(library), len(server.log)
        again_s, result = banana(library, "feed", "update", "--json")
        requests = server.log[seen:]
        changed = sorted(k for k, v in snapshot(library).items() if before.get(k) != v)
        changed += sorted(set(before) - set(snapshot(library)))
        print(f"feed: {len(feed) / 1e6:.2f} MB, {items} items")
        print("| step | wall time | result |\n| --- | ---: | --- |")
        print(f"| `feed add` | {add_s:.2f} s | {items} items read |")
        print(f"| `feed update` | {update_s:.2f} s | {imported} imported, {stored} episodes stored; "
              f"{update_cpu:.1f} CPU s |")
        print(f"| add + update | **{add_s + update_s:.2f} s** | {stored / (add_s + update_s):.0f} episodes/s |")
        print(f"| `feed update --workers {workers}` (Ray; another library) | {ray_s:.2f} s | "
              f"{ray_stored} episodes stored |")
        print(f"| second `feed update` | {again_s:.2f} s | {len(requests)} request(s), "
              f"{sum(r.conditional for r in requests)} conditional, "
              f"{len(json.loads(result.stdout)['feeds'][0]['items'])} items imported, "
              f"{len(changed)} files changed |")
        if changed:
            print("changed:", ", ".join(changed[:10]))


def bench_scale(work: Path, episodes: int, seconds: float, workers: int, one_thread_only: bool) -> None:
    print(f"\n## Back catalogue: {episodes} episodes of {seconds:g} s, one process vs Ray with {workers} workers\n")
    checkpoint = make_checkpoint(work / "tiny-dims-random.pt", **{**TINY_DIMS, **TINY})
    args = ["feed", "update", "--json", "--model", checkpoint, "--temperature", "0", "--max-tokens",
            TOKENS_PER_WINDOW, "--language", "en", "--beam-size", "1", "--no-word-timestamps",
            "--speakers", "none"]
    runs = [("one process, 1 thread", [], {"OMP_NUM_THREADS": "1"}),
            (f"Ray, {workers} workers (1 CPU, 1 thread each)", ["--workers", workers], RAY_NOT_NICED),
            ("one process, torch's default threads", [], {})][:2 if one_thread_only else 3]
    with FeedServer() as server:
        serve_audio_show(server, work, episodes, seconds=seconds)
        results = []
        for label, extra, env in runs:
            library = work / f"scale-{len(results)}"
            banana(library, "feed", "add", server.url("/audio-feed.xml"))
            wall, result = banana(library, *args, *extra, env=env)
            done = sum(i["how"] == "transcribed" for f in json.loads(result.stdout)["feeds"] for i in f["items"])
            results.append((label, library, wall, done))
    base = results[0][2]
    print("| run | wall time | episodes | episodes/min | audio s per wall s | vs one process, 1 thread |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, _, wall, done in results:
        print(f"| {label} | {wall:.1f} s | {done} | {60 * done / wall:.1f} | {done * seconds / wall:.1f} | "
              f"{base / wall:.2f}x |")
    files = {name: {str(p.relative_to(lib)): p.read_bytes() for p in lib.glob("*/*.json")}
             for name, lib, _, _ in results}
    first = files[results[0][0]]
    for name, got in list(files.items())[1:]:  # a model's floats depend on its thread count
        differ = sum(got.get(k) != v for k, v in first.items())
        print(f"{name}: {len(got)} episode files, " + ("byte-identical to the one-thread run" if not differ
              else f"{differ} differ from the one-thread run"))


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller feed, fewer and shorter episodes")
    parser.add_argument("--only", choices=["feed", "scale"])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--turns", type=int, nargs="+", default=[24, 600],
                        help="speaker turns per linked transcript (600 is about an hour, 7,000 words)")
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each generated episode")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one-thread-only", action="store_true",
                        help="skip the one-process run with torch's default threads (slow on a busy machine)")
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.episodes, args.seconds, args.turns = 60, 8, 10.0, [24]
    print(f"machine: {os.cpu_count()} cores, {load()} at the start")
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
        if args.only in (None, "feed"):
            for turns in args.turns:
                bench_feed(Path(tmp), args.items, turns, args.workers)
        if args.only in (None, "scale"):
            bench_scale(Path(tmp), args.episodes, args.seconds, args.workers, args.one_thread_only)
    print(f"\n{load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
