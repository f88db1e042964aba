"""A back catalogue on Ray: 40 short generated episodes transcribed by ``banana feed
update --workers 2`` (a local Ray with 2 CPUs), killed with SIGKILL mid-run, resumed
(only what was missing is done), and byte for byte what the same run without Ray
stores. The runs are real ``banana`` processes, so the kill is a real kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib.util import find_spec

import pytest

from conftest import REPO
from feed_server import FeedServer, serve_audio_show
from whisper_fixtures import FAST, make_checkpoint

pytestmark = pytest.mark.skipif(find_spec("ray") is None, reason="Ray is not installed (the 'scale' extra)")

EPISODES = 40
STOP_WAITING_SECONDS = 600  # a bound on each wait below, never an assertion
EPISODE_FILES = ("transcript.json", "feed-item.json", "analysis.json")


@pytest.fixture(scope="module")
def show(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audio-show")
    checkpoint = make_checkpoint(folder / "tiny-random.pt")
    with FeedServer() as server:
        serve_audio_show(server, folder, EPISODES, seconds=1.0)
        yield server.url("/audio-feed.xml"), checkpoint


def banana(library, *args) -> list[str]:
    return [sys.executable, "-m", "banana", "--library", str(library), *map(str, args)]


ENV = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}  # one torch thread per model


def run(library, *args) -> subprocess.CompletedProcess:
    return subprocess.run(banana(library, *args), cwd=REPO, env=ENV, capture_output=True, text=True,
                          timeout=STOP_WAITING_SECONDS)


def update_args(checkpoint) -> list:
    return ["feed", "update", "--json", "--model", checkpoint, *FAST]


def stored(library) -> dict[str, bytes]:
    return {str(p.relative_to(library)): p.read_bytes() for name in EPISODE_FILES
            for p in library.glob(f"*/{name}")}


def worker_niceness(sid: int) -> list[int]:
    """The niceness of each of the run's Ray workers (``ray::FeedWorker`` processes)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
            title = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and b"FeedWorker" in title:
            found.append(int(fields[16]))
    return found


def session_processes(sid: int) -> list[str]:
    """Live (not zombie) processes still in the killed run's session."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(stat[:80])
    return found


def test_a_ray_run_killed_mid_way_resumes_only_what_was_missing_and_matches_the_run_without_ray(
        show, tmp_path):
    url, checkpoint = show
    on_ray, plain = tmp_path / "on-ray", tmp_path / "plain"
    for library in (on_ray, plain):
        assert run(library, "feed", "add", url).returncode == 0
    # a Ray run, killed (the driver and everything in its session) once a few episodes are stored
    process = subprocess.Popen(banana(on_ray, *update_args(checkpoint), "--workers", 2), cwd=REPO, env=ENV,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + STOP_WAITING_SECONDS
    while len(list(on_ray.glob("*/transcript.json"))) < 6 and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    # the workers are the command's own work: not niced below it (Ray's default is 15,
    # which on a busy machine hands their CPU to everything else)
    assert set(worker_niceness(process.pid)) == {os.nice(0)}
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # Ray's daemons die with the driver; its workers (process groups of their own) notice
    # and exit: wait for the session to be empty before looking at what was stored
    deadline = time.monotonic() + 60
    while session_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_processes(process.pid) == []
    done = {p.parent.name: p.stat().st_mtime_ns for p in on_ray.glob("*/transcript.json")}
    assert 6 <= len(done) < EPISODES, "the run must be killed part way for this test to mean anything"
    # resumed on Ray: only the missing episodes are done, and those done before are not touched
    resumed = run(on_ray, *update_args(checkpoint), "--workers", 2)
    assert resumed.returncode == 0, resumed.stderr
    [feed] = json.loads(resumed.stdout)["feeds"]
    assert sorted(i["slug"] for i in feed["items"]) == sorted(
        f"episode-{n}" for n in range(1, EPISODES + 1) if f"episode-{n}" not in done)
    assert {i["how"] for i in feed["items"]} == {"transcribed"}
    assert {slug: (on_ray / slug / "transcript.json").stat().st_mtime_ns for slug in done} == done
    assert not list(on_ray.glob("**/*.tmp")) and not list(on_ray.glob(".feeds/*/downloads/*"))
    # the same run without Ray stores the same bytes
    single = run(plain, *update_args(checkpoint))
    assert single.returncode == 0, single.stderr
    assert len(json.loads(single.stdout)["feeds"][0]["items"]) == EPISODES
    ray_files, plain_files = stored(on_ray), stored(plain)
    assert len(plain_files) == EPISODES * len(EPISODE_FILES)
    assert sorted(ray_files) == sorted(plain_files)
    assert [name for name in plain_files if ray_files[name] != plain_files[name]] == []
    # and a further update on Ray finds nothing to do
    again = run(on_ray, *update_args(checkpoint), "--workers", 2)
    assert json.loads(again.stdout)["feeds"][0]["items"] == []
