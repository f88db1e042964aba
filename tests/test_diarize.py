"""Diarization parts that need no speech model: the error rate against pyannote.metrics,
the speaker encoder against Resemblyzer's own, naming from self-introductions, splitting
utterances where the speaker changes; and the transcript schema that keeps word timings."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from banana.audio import diarize as dz
from banana.errors import FormatError
from banana.transcript import SCHEMA, Transcript, Utterance, Word
from der import der, der_components

# A worked example: reference A 0-10, B 10-20, A 20-30; hypothesis x 0-12, y 12-18,
# x 18-27 (3 s of A missed at the end), z 27-29 (false alarm over missed speech? no: A is
# speaking, z is mapped to nothing, so confusion).
REFERENCE = [(0, 10, "A"), (10, 20, "B"), (20, 30, "A")]
HYPOTHESIS = [(0, 12, "x"), (12, 18, "y"), (18, 27, "x"), (27, 29, "z"), (31, 32, "x")]


def test_der_of_the_worked_example_by_hand():
    parts = der_components(REFERENCE, HYPOTHESIS)
    # x->A, y->B. Confusion: 10-12 (x on B) 2 s, 18-20 (x on B) 2 s, 27-29 (z on A) 2 s.
    # Missed: 29-30, 1 s. False alarm: 31-32, 1 s. Total reference 30 s.
    assert parts["total"] == pytest.approx(30.0)
    assert parts["confusion"] == pytest.approx(6.0) and parts["missed"] == pytest.approx(1.0)
    assert parts["false_alarm"] == pytest.approx(1.0)
    assert parts["der"] == pytest.approx(8 / 30)


@pytest.mark.parametrize("collar", [0.0, 0.5, 1.0])
def test_der_equals_pyannote_metrics(collar):
    metrics = pytest.importorskip("pyannote.metrics.diarization")
    from pyannote.core import Annotation, Segment

    def annotation(segments):
        a = Annotation()
        for start, end, label in segments:
            a[Segment(start, end)] = label
        return a

    expected = metrics.DiarizationErrorRate(collar=collar)(annotation(REFERENCE), annotation(HYPOTHESIS))
    assert der(REFERENCE, HYPOTHESIS, collar=collar) == pytest.approx(expected, abs=1e-3)


def test_the_encoder_gives_resemblyzers_embeddings(monkeypatch):
    """Resemblyzer's import needs pkg_resources (through webrtcvad); a stand-in lets the
    original run here, to check the rebuilt mel frames and network against it."""
    pytest.importorskip("librosa")
    monkeypatch.setitem(sys.modules, "pkg_resources", types.SimpleNamespace(
        get_distribution=lambda name: types.SimpleNamespace(version="0")))
    resemblyzer = pytest.importorskip("resemblyzer")
    import torch

    rng = np.random.default_rng(0)
    t = np.arange(3 * 16000) / 16000
    wav = (0.2 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t)) +
           0.02 * rng.standard_normal(t.size)).astype(np.float32)
    theirs = resemblyzer.audio.wav_to_mel_spectrogram(wav)
    ours = dz.mel_frames(wav)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-5 * theirs.max()
    encoder = resemblyzer.VoiceEncoder("cpu", verbose=False)
    with torch.no_grad():
        expected = encoder(torch.from_numpy(theirs[None, :160])).numpy()
    assert np.abs(dz.SpeakerEncoder().embed(ours[None, :160]) - expected).max() < 1e-4


HOSTS = ["Triveni Gandhi", "Will Nowak"]


@pytest.mark.parametrize("text, host", [
    ("You're listening to the Banana Data podcast. I'm Triveni.", "Triveni Gandhi"),
    ("And I'm Will.", "Will Nowak"),
    ("My name is Will Nowak and this is the show", "Will Nowak"),
    ("i am triveny", "Triveni Gandhi"),  # misheard, close enough
    ("I'm not sure about that.", None),
    ("Will is right, I'm afraid.", None),
])
def test_self_introductions_name_a_host(text, host):
    assert dz.introduced_host(text, HOSTS) == host


def test_words_take_their_speaker_and_utterances_split_where_it_changes():
    words = [Word(0.0, 0.4, "I'm"), Word(0.4, 0.9, "Triveni."), Word(1.2, 1.5, "And"),
             Word(1.5, 1.8, "I'm"), Word(1.8, 2.2, "Will.")]
    transcript = Transcript.build([Utterance(0.0, 2.2, "I'm Triveni. And I'm Will.", words=tuple(words)),
                                   Utterance(3.0, 4.0, "Something else.")])
    found = dz.Diarization((dz.Turn(0.0, 1.0, 0), dz.Turn(1.1, 2.3, 1), dz.Turn(2.9, 4.1, 2)), 3)
    labelled = dz.label_transcript(transcript, found, hosts=HOSTS)
    assert [(u.start, u.end, u.speaker, u.text) for u in labelled.utterances] == [
        (0.0, 0.9, "Triveni Gandhi", "I'm Triveni."),
        (1.2, 2.2, "Will Nowak", "And I'm Will."),
        (3.0, 4.0, "Speaker 1", "Something else."),
    ]
    assert labelled.speakers == ("Triveni Gandhi", "Will Nowak", "Speaker 1")
    assert labelled.utterances[1].words == tuple(words[2:])


@pytest.mark.parametrize("value, parsed", [("auto", "auto"), ("2", 2), ("none", None), ("0", None)])
def test_speakers_option(value, parsed):
    assert dz.parse_speakers(value) == parsed


@pytest.mark.parametrize("value", ["two", "-1", "999"])
def test_bad_speakers_option(value):
    with pytest.raises(ValueError, match="--speakers must be auto, none or a number"):
        dz.parse_speakers(value)


def test_clustering_finds_two_groups():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=256), rng.normal(size=256)
    points = np.stack([a + 0.1 * rng.normal(size=256) for _ in range(10)] +
                      [b + 0.1 * rng.normal(size=256) for _ in range(10)])
    labels = dz.cluster(points, "auto")
    assert len(set(labels[:10])) == 1 and len(set(labels[10:])) == 1 and labels[0] != labels[10]
    assert len(set(dz.cluster(points, 3).tolist())) == 3


# -- the transcript schema: word timings, schema 1 still read -------------------------

def test_word_timings_round_trip_in_the_canonical_json():
    t = Transcript.build([Utterance(0.0, 1.0, "Hello there.", words=(
        Word(0.0, 0.4, "Hello", 0.91), Word(0.5, 1.0, "there.")))])
    data = t.to_dict()
    assert data["schema"] == SCHEMA == 2
    assert data["utterances"][0]["words"] == [{"start": 0.0, "end": 0.4, "text": "Hello", "probability": 0.91},
                                              {"start": 0.5, "end": 1.0, "text": "there."}]
    assert Transcript.from_json(t.to_json()) == t


def test_schema_1_is_read_by_its_migration():
    old = '{"schema": 1, "title": "Old", "utterances": [{"start": 0, "end": 1, "text": "hi", "speaker": "A"}]}'
    t = Transcript.from_json(old)
    assert t.title == "Old" and t.utterances == (Utterance(0.0, 1.0, "hi", speaker="A"),)
    assert '"schema": 2' in t.to_json()


@pytest.mark.parametrize("data, words", [
    ('{"schema": 3, "utterances": []}', "unsupported transcript schema 3"),
    ('{"schema": "2", "utterances": []}', "unsupported transcript schema '2'"),
    ('{"schema": 2, "utterances": [{"start": 0, "end": 1, "text": "x", "words": [{"start": 0}]}]}',
     "a word must be an object"),
    ('{"schema": 2, "utterances": [{"start": 0, "end": 1, "text": "x", "words": '
     '[{"start": 0, "end": 1e12, "text": "x"}]}]}', "a word's end must be seconds"),
    ('{"schema": 2, "utterances": [{"start": 0, "end": 1, "text": "x", "words": '
     '[{"start": 0, "end": 1, "text": "x", "probability": 3}]}]}', "probability must be from 0 to 1"),
    ('{"schema": 2, "utterances": [{"start": 0, "end": 1, "text": "x", "words": 7}]}', "must be a list"),
])
def test_bad_word_timings_are_format_errors(data, words):
    with pytest.raises(FormatError, match=words):
        Transcript.from_json(data)
