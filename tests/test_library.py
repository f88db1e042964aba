"""The library: slugs, what the user set on purpose, paths that stay inside, tidying."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banana.errors import EpisodeNotFound, LibraryError
from banana.fsutil import atomic_write_text, stale_temp_files
from banana.library import (EpisodeMeta, Library, assign_slugs, check_audio_url, is_slug,
                            slugify)
from banana.transcript import Transcript, Utterance


def tiny(text: str = "hello there", **fields) -> Transcript:
    return Transcript.build([Utterance(0.0, 2.0, text, speaker="Ana")], **fields)


# --- slugs ----------------------------------------------------------------------------


@pytest.mark.parametrize("name, slug", [
    ("Deepfakes & Data Upskilling!", "deepfakes-data-upskilling"),
    ("Café Été", "cafe-ete"),
    ("名前", "名前"),
    ("番組 第2回", "番組-第2回"),
    ("Привет мир", "привет-мир"),
    ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
    ("ｴﾋﾟｿｰﾄﾞ", "エピソード"),
    ("ep_1", "ep-1"),
    ("..", ""),
])
def test_slugs_keep_the_letters_of_every_script(name, slug):
    assert slugify(name) == slug


@given(st.text())
def test_a_slug_is_its_own_slug_and_never_a_path(text):
    slug = slugify(text)
    assert slugify(slug) == slug
    assert "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert not slug.startswith("-") and not slug.endswith("-")


def test_non_latin_names_no_longer_all_become_episode():
    batch = assign_slugs([Path("名前.txt"), Path("番組.txt")])
    assert [slug for _, slug in batch] == ["名前", "番組"]


@pytest.mark.parametrize("names", [("ep_1.txt", "EP 1.txt"), ("a.txt", "sub/a.md"),
                                   ("!!!.txt", "???.srt")])
def test_a_batch_whose_names_collide_is_refused(names):
    with pytest.raises(LibraryError, match="would both be stored as"):
        assign_slugs([Path(n) for n in names])


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "../x", "", "Not A Slug", "x/../.."])
def test_names_that_are_not_slugs_never_reach_the_disk(library, bad):
    lib = Library(library)
    (library.parent / "transcript.json").write_text(tiny().to_json())  # bait beside the library
    assert bad not in lib
    with pytest.raises((LibraryError, EpisodeNotFound)):
        lib.load(bad)
    with pytest.raises(LibraryError):
        lib.save(tiny(), bad)


# --- what the user set ------------------------------------------------------------------


def test_metadata_given_once_stays_until_changed(library):
    lib = Library(library)
    lib.store(tiny(title="From the file"), "ep",
              meta=EpisodeMeta(title="Pilot", show="Banana", audio_url="https://x.org/1.mp3"))
    lib.store(tiny("a new version", title="From the file"), "ep")  # a re-import
    kept = lib.load("ep")
    assert (kept.title, kept.show, kept.audio_url) == ("Pilot", "Banana", "https://x.org/1.mp3")
    assert kept.utterances[0].text == "a new version"
    lib.store(tiny(title="From the file"), "ep", meta=EpisodeMeta(title="Renamed"))
    changed = lib.load("ep")
    assert (changed.title, changed.show) == ("Renamed", "Banana")
    assert json.loads(lib.meta_path("ep").read_text())["title"] == "Renamed"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "file:///etc/passwd",
                                 "//example.org/a.mp3", "ep.mp3", 'https://x.org/a.mp3" onmouseover="x',
                                 "https://x.org/a b.mp3", "https://x.org/\x1b[2J", "data:audio/mp3,AAAA"])
def test_audio_urls_must_be_absolute_http(url):
    with pytest.raises(LibraryError):
        check_audio_url(url)
    with pytest.raises(LibraryError):
        EpisodeMeta(audio_url=url)


@pytest.mark.parametrize("url", ["https://cdn.example.org/ep%201.mp3?x=1&y=2#t=5",
                                 "http://localhost:8000/a.mp3"])
def test_plain_http_urls_are_accepted(url):
    assert check_audio_url(url) == url


def test_damaged_transcript_is_named(library):
    lib = Library(library)
    lib.save(tiny(), "ep")
    lib.transcript_path("ep").write_text("{not json")
    with pytest.raises(LibraryError, match=r"ep/transcript.json"):
        lib.load("ep")


# --- files Banana writes -----------------------------------------------------------------


def test_new_files_get_the_umask_mode_and_existing_files_keep_theirs(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "notes.md"
        atomic_write_text(fresh, "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        private = tmp_path / "private.md"
        private.write_text("old")
        private.chmod(0o600)
        atomic_write_text(private, "new")
        assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
        os.umask(0o077)
        atomic_write_text(tmp_path / "secret.md", "x")
        assert stat.S_IMODE((tmp_path / "secret.md").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_writing_to_a_symlink_writes_through_and_keeps_the_link(tmp_path):
    real = tmp_path / "site" / "notes.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "notes.md"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    dangling = tmp_path / "later.md"
    dangling.symlink_to(tmp_path / "site" / "later.md")
    atomic_write_text(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "site" / "later.md").read_text() == "made"


FULL_DISK = """
import resource, signal, sys
from banana.library import Library
from banana.transcript import Transcript, Utterance
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))  # files over 64 bytes: as on a full disk
try:
    Library(sys.argv[1]).save(Transcript.build([Utterance(0, 1, "words " * 50)]), "fresh-one")
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_a_failed_save_leaves_no_empty_episode_folder(library):
    out = subprocess.run([sys.executable, "-c", FULL_DISK, str(library)], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("LibraryError") and "cannot write" in out
    assert list(library.iterdir()) == []  # no folder, no temp file


def test_tidy_removes_what_killed_writers_left(library):
    lib = Library(library)
    lib.save(tiny(), "ep")
    # A writer killed mid-write: its temp file names a process that is gone.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = library / "ep" / f".transcript.json.{dead}.abc123.tmp"
    left.write_text("half")
    alive = library / "ep" / f".notes.md.{os.getpid()}.xyz789.tmp"  # a live writer's
    alive.write_text("in progress")
    (library / "empty-episode").mkdir()
    (library / "show-profile").mkdir()
    (library / "show-profile" / "show.toml").write_text("")
    assert stale_temp_files(library) == [left]
    removed = lib.tidy()
    assert set(removed) == {left, library / "empty-episode"}
    assert alive.exists() and (library / "show-profile" / "show.toml").exists()
    assert lib.slugs() == ["ep"]


def test_a_stored_transcript_with_a_script_url_is_refused(library):
    lib = Library(library)
    lib.save(tiny(), "ep")
    data = json.loads(lib.transcript_path("ep").read_text())
    data["audio_url"] = "javascript:alert(document.cookie)"
    lib.transcript_path("ep").write_text(json.dumps(data))
    with pytest.raises(LibraryError, match="http"):
        lib.load("ep")


def test_a_shows_profile_is_found_in_the_library_by_its_name(library):
    from banana.analysis.profile import default_profile

    lib = Library(library)
    assert lib.profile_path("Practical AI") == library / "practical-ai" / "show.toml"
    assert lib.profile_path("") is None
    episode = tiny(show="Practical AI")
    assert lib.profile_for(episode) is default_profile()
    own = library / "practical-ai" / "show.toml"
    own.parent.mkdir()
    own.write_text('[show]\nname = "Practical AI"\n', encoding="utf-8")
    assert lib.profile_for(episode).name == "Practical AI"
    assert lib.profile_for(tiny(show="Other Show")) is default_profile()
    explicit = library.parent / "x.toml"  # an explicit --profile wins over the library's
    explicit.write_text('[segments.quiz]\ncues = ["quiz time"]\n', encoding="utf-8")
    assert lib.profile_for(episode, path=explicit).kinds[0] == "quiz"
