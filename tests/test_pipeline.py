"""The pipeline's own decisions: what the show's vocabulary is (for whisper's prompt)."""

from __future__ import annotations

from banana.formats import read_transcript
from banana.library import Library
from banana.pipeline import library_vocabulary
from banana.transcript import Transcript, estimate_times
from conftest import BANANA_DATA, need


def episode(*speakers: str) -> Transcript:
    return Transcript.build(estimate_times((s, "hello there") for s in speakers))


def test_hosts_are_the_speakers_of_most_episodes(library):
    lib = Library(library)
    for i in range(8):
        lib.save(episode("Ana Lima", "Bo Chen", f"Guest {i}"), f"ep-{i}")
    lib.save(episode("Ana Lima", "Cy Dee"), "ep-8")
    lib.save(episode("Cy Dee"), "ep-9")
    hosts, terms = library_vocabulary(lib)
    assert hosts == ["Ana Lima", "Bo Chen"]  # Cy Dee: 2 of 10, below a quarter
    assert terms == []  # no explainer segments


def test_one_episode_library_makes_all_its_speakers_hosts(library):
    lib = Library(library)
    lib.save(episode("Ana Lima", "Guest One"), "ep")
    assert library_vocabulary(lib)[0] == ["Ana Lima", "Guest One"]
    assert library_vocabulary(Library(library / "empty")) == ([], [])


def test_the_terms_the_show_explained_come_from_the_stored_analyses(library):
    lib = Library(library)
    lib.save(read_transcript(need(BANANA_DATA)), "s03e01")
    hosts, terms = library_vocabulary(lib)
    assert hosts == ["Triveni Gandhi", "Will Nowak"]
    assert terms[0] == "autoencoder neural networks"  # its "In English Please", then in passing
    assert lib.analysis_path("s03e01").is_file()  # computed once, stored for the next reader
