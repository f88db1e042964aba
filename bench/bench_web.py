"""Benchmark for the web pages: ``banana serve`` under load, a long episode's page, and
``banana site`` for the Practical AI archive.

1. Search under load. The synthetic archive of ``bench_search.py`` (2,000 episodes of
   10,000 words: a Zipf vocabulary, topic phrases, hosts and guests) is indexed, and
   ``banana serve`` is started on it as a user would (a subprocess on a free loopback
   port): one worker searching on one thread (``--search-processes 0``), one worker with
   its default search processes (one a core), and two workers (``--workers``, each
   searching on its thread; ``--workers 1:2 2:1`` picks others). Then bounded load
   loops: N client processes (8 by default) start together, each sending a fixed number
   of requests one after another over a kept-alive connection. Latency per request
   (p50, p95, p99, max), throughput, and the server's CPU per request, for:
   queries never asked before (every request a different query, so the server's kept
   results cannot answer any: the search work itself), on the results page
   (``/search?q=``) and the JSON API (``/api/search?q=``), from 8 clients and from one;
   and ``Synthetic.queries()``'s fixed mix of 17 repeated, as popular queries are (the
   server keeps the results of its last 512 searches while the index is unchanged); and
   new queries from 8 *paced* clients, each asking at most one every 0.25 s (listeners
   typing and reading, 32 queries a second in all, not a flood). In
   the same run: ``banana search`` on the command line for each query of the mix (Python
   start-up included, what a listener pays without a server), and ``Archive.search`` in
   process.

2. A 3-hour episode's page. A 27,000-word transcript (3 hours at 2.5 words/s) in two
   shapes: speaker turns (513 lines) and whisper-like segments of about ten words (2,626
   lines), stored and analysed first (as ``banana import`` does). The page is asked for
   from the application in process: the first time (the episode read and its notes
   gathered: summary, chapters, glossary, the teaser solved) and again (kept); its size
   before and after gzip.

3. ``banana site`` for the 299 Practical AI transcripts (../shared/corpus/practicalai),
   imported first with ``banana import`` (analysis stored) unless kept from an earlier
   run (--work): the first build into an empty folder, then a second run with nothing
   changed, both as the command (a subprocess), with every file's modification time
   compared before and after the second run.

    python bench/bench_web.py                       # all three (the archive build takes minutes)
    python bench/bench_web.py --quick               # 200 synthetic episodes, 40 Practical AI
    python bench/bench_web.py --work bench/out/web  # keep (and reuse) the libraries
    python bench/bench_web.py --only search         # or page, site
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_search import PRACTICAL_AI, TOPICS, Synthetic, percentile, write_synthetic  # noqa: E402
from procfs import descendants  # noqa: E402

from banana.library import EpisodeMeta, Library  # noqa: E402
from banana.pipeline import import_files  # noqa: E402
from banana.search.archive import Archive  # noqa: E402
from banana.search.index import SearchIndex  # noqa: E402
from banana.transcript import Transcript, Utterance  # noqa: E402
from banana.web.app import create_app  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

CLIENTS = 8
REQUESTS_PER_CLIENT = 60  # the load loop is bounded: this many requests per client
PACE_S = 0.25  # a paced client's requests: at most one every this many seconds
CLI_REPEATS = 3
PAGE_REPEATS = 20
START_TIMEOUT_S = 120
THREE_HOURS_WORDS = 27_000  # 3 h at 2.5 words/s
SEGMENT_WORDS = 10  # a whisper-like line


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, workers: int, search: int | None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    extra = [] if search is None else ["--search-processes", str(search)]
    process = subprocess.Popen([sys.executable, "-m", "banana", "--library", str(root), "serve",
                                "--port", str(port), "--workers", str(workers), *extra], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"banana serve exited: {process.stderr.read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/static/banana.css")
            if conn.getresponse().status == 200:
                conn.close()
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("banana serve did not start")


def client(port: int, paths: list[str], requests: int, offset: int, start_at: float,
           interval: float = 0.0) -> list[float]:
    """One client: ``requests`` requests on one connection, one after another (``interval``
    0) or each at most every ``interval`` seconds (a paced client: the next request waits
    for the answer and for its turn)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.time() < start_at:
        time.sleep(0.001)
    latencies = []
    for i in range(requests):
        if interval:
            time.sleep(max(0.0, start_at + i * interval - time.time()))
        path = paths[(offset + i) % len(paths)]
        began = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - began)
        if response.status != 200 or not body:
            raise SystemExit(f"{path}: HTTP {response.status}")
    conn.close()
    return latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its descendants (workers, search
    processes) so far (Linux /proc)."""
    total = 0.0
    for proc in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def distinct_queries(synth: Synthetic, count: int, seed: int = 7) -> list[str]:
    """``count`` different queries, none asked twice (so no kept result can answer one):
    two common-ish words, one word of any frequency, a topic's words with another word,
    a prefix, drawn with a fixed seed."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        kind = rng.random()
        if kind < 0.4:
            query = f"{synth.rank(rng.randint(100, 5_000))} {synth.rank(rng.randint(100, 5_000))}"
        elif kind < 0.7:
            query = synth.rank(rng.randint(1_000, 40_000))
        elif kind < 0.9:
            query = f"{rng.choice(TOPICS)} {synth.rank(rng.randint(100, 3_000))}"
        else:
            query = synth.rank(rng.randint(500, 5_000))[:4] + "*"
        if query not in seen:
            seen.add(query)
            out.append(query)
    return out


def load_loop(port: int, paths: list[str], *, clients: int, requests: int, server: int,
              spread: int = 3, interval: float = 0.0) -> dict:
    """``clients`` processes, each sending ``requests`` requests from ``paths`` (client k
    starts at path k x ``spread``), all starting together (paced clients: staggered over
    one ``interval``); latencies over all of them."""
    start_at = time.time() + 1.0  # every client starts together
    with ProcessPoolExecutor(clients) as pool:
        cpu = cpu_seconds(server)
        futures = [pool.submit(client, port, paths, requests, k * spread,
                               start_at + k * interval / clients, interval)
                   for k in range(clients)]
        latencies = [x for f in futures for x in f.result()]
        elapsed = time.time() - start_at
        cpu = cpu_seconds(server) - cpu
    return {"clients": clients, "requests": len(latencies), "interval_s": interval,
            "server_cpu_ms_per_request": cpu * 1000 / len(latencies),
            "p50_ms": percentile(latencies, 0.5) * 1000, "p95_ms": percentile(latencies, 0.95) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000, "max_ms": max(latencies) * 1000,
            "per_second": len(latencies) / max(elapsed, 1e-9), "load_average": load_average()}


def cli_times(root: Path, queries: list[str], repeats: int) -> dict:
    per_query, every = {}, []
    for query in queries:
        runs = []
        for _ in range(repeats):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "banana", "--library", str(root), "search", query],
                           check=True, capture_output=True, cwd=REPO)
            runs.append(time.perf_counter() - began)
        per_query[query] = statistics.median(runs) * 1000
        every += runs
    return {"p50_ms": percentile(every, 0.5) * 1000, "p95_ms": percentile(every, 0.95) * 1000,
            "per_query_ms": per_query}


def in_process_times(root: Path, queries: list[str], repeats: int = 1) -> dict:
    """``Archive.search`` of each query in this process: wall and CPU milliseconds (the
    work a server's request pays beside HTTP and the page)."""
    archive = Archive(root)
    archive.search("warm")  # the connection opened
    wall, cpu = [], []
    for _ in range(repeats):
        for query in queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            archive.search(query)
            wall.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
    return {"p50_ms": percentile(wall, 0.5) * 1000, "p95_ms": percentile(wall, 0.95) * 1000,
            "cpu_mean_ms": statistics.mean(cpu) * 1000, "cpu_p95_ms": percentile(cpu, 0.95) * 1000}


def bench_search(work: Path, *, episodes: int, words: int, clients: int, requests: int,
                 servers: tuple[str, ...]) -> dict:
    synth = Synthetic()
    library = Library(work / f"synthetic-{episodes}x{words}")
    index = SearchIndex(library, analysis=False)
    if len(library.slugs()) != episodes or not index.exists():
        print(f"writing {episodes} synthetic episodes to {library.root}…", file=sys.stderr)
        write_synthetic(library, synth, episodes=episodes, words=words)
        began = time.perf_counter()
        index.update()
        print(f"indexed in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    else:
        index.update()
    queries = [q for q, _ in synth.queries()]
    fresh = distinct_queries(synth, 4 * clients * requests + requests)
    result = {"episodes": episodes, "words_per_episode": words, "queries": len(queries)}
    for server in servers:
        workers, _, search = server.partition(":")
        unseen = iter(fresh)  # each load loop asks queries no loop asked before

        def paths(prefix: str, n: int) -> list[str]:
            return [f"{prefix}?" + urlencode({"q": next(unseen)}) for _ in range(n)]

        process, port = start_server(library.root, int(workers), int(search) if search else None)
        try:
            mix = ["/search?" + urlencode({"q": q}) for q in queries]
            client(port, mix, len(mix), 0, 0)  # warm: the fixed mix once, kept from now on
            client(port, paths("/search", 8), 8, 0, 0)  # and every worker's connection
            result[f"workers_{workers}" + (f"_search_{search}" if search else "")] = {
                "one_client_new_queries": load_loop(port, paths("/search", requests), clients=1,
                                                    requests=requests, server=process.pid),
                "page_new_queries": load_loop(port, paths("/search", clients * requests),
                                              clients=clients, requests=requests, server=process.pid,
                                              spread=requests),
                "api_new_queries": load_loop(port, paths("/api/search", clients * requests),
                                             clients=clients, requests=requests, server=process.pid,
                                             spread=requests),
                "page_fixed_mix": load_loop(port, mix, clients=clients, requests=requests,
                                            server=process.pid),
                # listeners, not a flood: each client asks a new query every PACE_S
                "page_new_queries_paced": load_loop(port, paths("/search", clients * requests),
                                                    clients=clients, requests=requests,
                                                    server=process.pid, spread=requests,
                                                    interval=PACE_S),
            }
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    result["cli"] = cli_times(library.root, queries, CLI_REPEATS)
    result["in_process_fixed_mix"] = in_process_times(library.root, queries, repeats=5)
    result["in_process_new_queries"] = in_process_times(library.root, fresh[-requests:])
    return result


# -- 2. a 3-hour episode's page -------------------------------------------------------------------

def three_hours(synth: Synthetic) -> tuple[Transcript, Transcript]:
    turns = synth.episode(7, words=THREE_HOURS_WORDS)
    lines = []
    for u in turns.utterances:
        words = u.text.split()
        parts = max(1, len(words) // SEGMENT_WORDS)
        step = (u.end - u.start) / parts
        for k in range(parts):
            text = " ".join(words[k * len(words) // parts:(k + 1) * len(words) // parts])
            lines.append(Utterance(u.start + k * step, u.start + (k + 1) * step, text, u.speaker))
    segments = Transcript.build(lines, title=turns.title, show=turns.show, audio_url=turns.audio_url)
    return turns, segments


def bench_page(work: Path) -> dict:
    library = Library(work / "three-hours")
    shutil.rmtree(library.root, ignore_errors=True)
    result = {}
    for name, transcript in zip(("turns", "segments"), three_hours(Synthetic(vocabulary=20_000))):
        library.save(transcript, name)
        library.analysis(name)  # stored, as `banana import` leaves it
        with TestClient(create_app(library), base_url="http://127.0.0.1") as web:
            web.get("/static/banana.css")  # the app started
            cpu, began = time.process_time(), time.perf_counter()
            first = web.get(f"/episodes/{name}")
            first_ms = (time.perf_counter() - began) * 1000
            first_cpu_ms = (time.process_time() - cpu) * 1000
            again = []
            for _ in range(PAGE_REPEATS):
                began = time.perf_counter()
                web.get(f"/episodes/{name}")
                again.append(time.perf_counter() - began)
        body = first.content
        result[name] = {"lines": len(transcript.utterances), "hours": transcript.duration / 3600,
                        "words": transcript.word_count,
                        "first_ms": first_ms, "first_cpu_ms": first_cpu_ms,
                        "again_p50_ms": percentile(again, 0.5) * 1000,
                        "bytes": len(body), "gzip_bytes": len(gzip.compress(body)),
                        "status": first.status_code, "load_average": load_average()}
    return result


# -- 3. banana site --------------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def run_site(root: Path, out: Path) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "banana", "--library", str(root), "site", str(out)],
                          check=True, capture_output=True, text=True, cwd=REPO)
    return time.perf_counter() - began, done.stderr.strip().splitlines()[-1]


def bench_site(work: Path, *, limit: int | None) -> dict | None:
    if not PRACTICAL_AI.is_dir():
        print(f"{PRACTICAL_AI} not found: skipping banana site", file=sys.stderr)
        return None
    files = sorted(PRACTICAL_AI.glob("*.md"))[:limit]
    library = Library(work / f"practicalai-{len(files)}")
    imported = None
    if len(library.slugs()) != len(files):
        began = time.perf_counter()
        import_files(library, files, meta=EpisodeMeta(show="Practical AI"))
        imported = time.perf_counter() - began
    out = work / f"site-{len(files)}"
    shutil.rmtree(out, ignore_errors=True)
    first_s, first_said = run_site(library.root, out)
    before = snapshot(out)
    second_s, second_said = run_site(library.root, out)
    after = snapshot(out)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    size = sum((out / k).stat().st_size for k in after)
    return {"episodes": len(files), "import_s": imported, "first_s": first_s, "first": first_said,
            "second_s": second_s, "second": second_said, "files": len(after),
            "changed_by_second_run": changed, "site_mb": size / 1e6,
            "load_average": load_average()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 synthetic, 40 Practical AI episodes")
    parser.add_argument("--episodes", type=int, help="synthetic episodes [2000; quick 200]")
    parser.add_argument("--words", type=int, default=10_000, help="words per synthetic episode")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--requests", type=int, default=REQUESTS_PER_CLIENT, help="per client")
    parser.add_argument("--workers", nargs="+", default=["1:0", "1", "2"],
                        help="banana serve --workers for each load run, W or W:S for "
                             "--workers W --search-processes S [1:0 1 2]")
    parser.add_argument("--only", choices=("search", "page", "site"))
    parser.add_argument("--work", type=Path, help="keep the libraries here instead of a temp dir")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    episodes = args.episodes or (200 if args.quick else 2000)
    words = 2_000 if args.quick and args.words == 10_000 else args.words
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-web-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    try:
        if args.only in (None, "search"):
            results["search"] = bench_search(work, episodes=episodes, words=words,
                                             clients=args.clients, requests=args.requests,
                                             servers=tuple(args.workers))
        if args.only in (None, "page"):
            results["page"] = bench_page(work)
        if args.only in (None, "site"):
            results["site"] = bench_site(work, limit=40 if args.quick else None)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
