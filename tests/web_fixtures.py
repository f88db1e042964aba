"""A small library for the web tests: the three bundled sample episodes (chapters, a
glossary, a brain teaser, an announced answer) and one generated episode with exact
times, a local recording and hostile text.

The generated episode, "A moment to hear" (``MOMENT_SLUG``), has 60 turns of two
seconds, two topics (birds, then databases: two chapters), the phrase ``PHRASE`` in
turn ``MOMENT_TURN`` only, and a ``<script>`` and an ``onerror=`` in its text
(``XSS_SCRIPT``, ``XSS_IMG``). Its recording, ``audio.wav``, is ``AUDIO_SECONDS`` of
quiet 8 kHz PCM made here.
"""

from __future__ import annotations

import math
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from banana.library import Library
from banana.pipeline import import_files, store_episode
from banana.transcript import Transcript, Utterance
from banana.web.server import listen

from conftest import SAMPLES
from procfs import descendants

MOMENT_SLUG = "a-moment-to-hear"
PHRASE = "pelican rhubarb"
MOMENT_TURN = 37
TURN_SECONDS = 2.0
AUDIO_SECONDS = 130
SPEAKERS = ("Ana Lima", "Ben Okafor")
PWNED = "PWNED"
XSS_SCRIPT = f'<script>document.title="{PWNED}"</script>'
XSS_IMG = '<img src=x onerror="document.body.dataset.pwned=1">'
XSS_TURNS = (10, 11)

BIRDS = ["Pelicans scoop fish with the pouch under their long bills.",
         "The flock glides low over the harbour at dawn.",
         "Gulls steal whatever the pelicans drop on the pier.",
         "Birdwatchers count the nests along the estuary every spring.",
         "A pelican can hold three gallons of water in its pouch.",
         "Migration routes follow the coastline south in autumn."]
DATABASES = ["The database stores every order in one table.",
             "An index makes the lookup by customer fast.",
             "Transactions keep the ledger consistent when two writers collide.",
             "We vacuum the tables at night to reclaim space.",
             "Replication copies each write to a second server.",
             "Query plans show whether the index is used at all."]


def moment_transcript() -> Transcript:
    turns = []
    for i in range(60):
        pool = BIRDS if i < 30 else DATABASES
        text = f"{pool[i % len(pool)]} {pool[(i + 2) % len(pool)]}"
        if i == MOMENT_TURN:
            text = f"Here is the {PHRASE} moment everyone asks about."
        elif i == XSS_TURNS[0]:
            text = f"Someone pasted {XSS_SCRIPT} into the chat."
        elif i == XSS_TURNS[1]:
            text = f"And then {XSS_IMG} as well."
        turns.append(Utterance(i * TURN_SECONDS, i * TURN_SECONDS + 1.9, text, SPEAKERS[i % 2]))
    return Transcript.build(turns, title="A moment to hear", show="Banana Data")


def write_wav(path: Path, seconds: float, *, rate: int = 8000) -> Path:
    """Quiet 8-bit mono PCM (a faint 220 Hz hum), ``seconds`` long."""
    frames = bytes(128 + int(3 * math.sin(2 * math.pi * 220 * n / rate))
                   for n in range(int(rate * seconds)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def make_library(root: Path) -> Library:
    """The samples and the generated episode, analysed and indexed."""
    library = Library(root)
    results = import_files(library, sorted(SAMPLES.glob("*.txt")))
    assert all(r.slug for r in results), [r.error for r in results]
    store_episode(library, moment_transcript(), MOMENT_SLUG)
    write_wav(library.episode_dir(MOMENT_SLUG) / "audio.wav", AUDIO_SECONDS)
    return library


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """``app`` on uvicorn in a thread, on a free loopback port: its base URL."""
    sock = listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            thread.join(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def search_processes(pid: int) -> list[int]:
    """The processes ``pid`` started, but multiprocessing's resource tracker (which stays
    for the life of the process that started it)."""
    def command(child: int) -> bytes:
        try:
            return Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            return b""
    return [child for child in descendants(pid) if b"resource_tracker" not in command(child)]
