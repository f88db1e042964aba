"""``banana align`` and ``banana.align``: measured times for a published transcript.

The timed side is made from the published transcript itself: every word gets a known
time (speaking rate varying by turn, pauses between turns and at random), then the
words are damaged the way speech recognition damages them (substitutions, drops,
insertions of fillers) and grouped into cues that ignore turn boundaries, some
merged, some split with interpolated times, and written as SRT. Alignment must put
each utterance's start within a second of the truth.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banana.audio.align import TimedWord, align, normalise, words_from_transcript, words_from_whisper
from banana.errors import FormatError
from banana.formats import read_transcript
from banana.formats.base import clock
from banana.library import Library
from banana.transcript import Transcript, Utterance, estimate_times
from conftest import BANANA_DATA, need

TOLERANCE_SECONDS = 1.0
REQUIRED_SHARE = 0.95
SUBSTITUTES = ["banana", "gizmo", "zebra", "quartz", "pickle"]
FILLERS = ["um", "uh", "like", "you know"]
PUNCTUATION = ".,?!;:"


def speak(published: Transcript, rng: random.Random) -> tuple[list[list], list[float]]:
    """Known word times for a published transcript: ``[[start, end, word], ...]`` and
    each utterance's true start."""
    t = rng.uniform(0.5, 3.0)
    words, starts = [], []
    for u in published.utterances:
        t += rng.uniform(0.2, 1.0)  # the gap between turns
        rate = rng.uniform(0.8, 1.25)  # this turn's speaker is slower or faster
        for k, w in enumerate(u.text.split()):
            if k and rng.random() < 0.05:
                t += rng.uniform(0.3, 0.8)  # a pause to think
            if k == 0:
                starts.append(t)
            seconds = (0.08 + 0.045 * len(w)) * rate * rng.uniform(0.8, 1.2)
            words.append([t, t + seconds, w])
            t += seconds
            if w[-1] in ".?!":
                t += rng.uniform(0.05, 0.4)
    return words, starts


def mishear(words: list[list], rng: random.Random, *, sub=0.06, drop=0.04, insert=0.03) -> list[list]:
    out: list[list] = []
    for start, end, w in words:
        tail = w[len(w.rstrip(PUNCTUATION)):]  # recognisers keep the sentence's punctuation
        r = rng.random()
        if r < drop:
            if out and tail:
                out[-1][2] += tail
            continue
        if r < drop + sub:
            w = rng.choice(SUBSTITUTES) + tail
        out.append([start, end, w])
        if rng.random() < insert:
            out.append([end, end + 0.2, rng.choice(FILLERS)])
    return out


def cue(words: list[list]) -> list:
    return [words[0][0], words[-1][1], " ".join(w[2] for w in words)]


def to_cues(words: list[list], rng: random.Random, *, merge=0.05, split=0.05) -> list[list]:
    """Cues of 5-18 words regardless of turns; some merged, some split in two with the
    split time interpolated by characters (not known)."""
    groups, i = [], 0
    while i < len(words):
        n = rng.randint(5, 18)
        groups.append(words[i:i + n])
        i += n
    cues: list[list] = []
    for group in groups:
        if cues and rng.random() < merge:
            cues[-1] = [cues[-1][0], group[-1][1], cues[-1][2] + " " + cue(group)[2]]
        elif len(group) > 3 and rng.random() < split:
            k = rng.randint(1, len(group) - 1)
            first, second = cue(group[:k]), cue(group[k:])
            whole = cue(group)
            mid = whole[0] + (whole[1] - whole[0]) * len(first[2]) / (len(whole[2]) or 1)
            cues += [[whole[0], mid, first[2]], [mid, whole[1], second[2]]]
        else:
            cues.append(cue(group))
    return cues


def srt(cues: list[list]) -> str:
    return "".join(f"{n}\n{clock(s, sep=',')} --> {clock(e, sep=',')}\n{text}\n\n"
                   for n, (s, e, text) in enumerate(cues, 1))


def timed_srt(published: Transcript, seed: int) -> tuple[str, list[float]]:
    rng = random.Random(seed)
    words, starts = speak(published, rng)
    return srt(to_cues(mishear(words, rng), rng)), starts


def synthetic_published(seed: int = 0, turns: int = 80) -> Transcript:
    """Two speakers, sentences of ordinary words, estimated times: a published page."""
    rng = random.Random(seed)
    vocabulary = ("the a model data we our you it is was to of and in that for on with as "
                  "training people think really question because network learning deploy "
                  "trust feature label bias metric production pipeline notebook cluster").split()
    texts = []
    for _ in range(turns):
        sentences = []
        for _ in range(rng.randint(1, 4)):
            words = [rng.choice(vocabulary) for _ in range(rng.randint(3, 16))]
            sentences.append(" ".join(words).capitalize() + rng.choice(".?!"))
        texts.append(" ".join(sentences))
    speakers = ["Ana Lima", "Bo Chen"]
    return Transcript.build(estimate_times((speakers[i % 2], t) for i, t in enumerate(texts)),
                            title="Synthetic", source="synthetic")


def share_within(transcript: Transcript, truth: list[float]) -> float:
    starts = [u.start for u in transcript.utterances]
    assert len(starts) == len(truth)
    return sum(abs(s - t) <= TOLERANCE_SECONDS for s, t in zip(starts, truth)) / len(truth)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_align_recovers_starts_of_the_banana_data_episode(cli, library, tmp_path, seed):
    published_path = need(BANANA_DATA)
    published = read_transcript(published_path)
    text, truth = timed_srt(published, seed)
    (tmp_path / "whisper.srt").write_text(text)
    result = cli("align", published_path, tmp_path / "whisper.srt", "--slug", "ep")
    assert result.exit_code == 0, result.output
    stored = Library(library).load("ep")
    assert share_within(stored, truth) >= REQUIRED_SHARE
    assert [u.text for u in stored.utterances] == [u.text for u in published.utterances]
    assert [u.speaker for u in stored.utterances] == [u.speaker for u in published.utterances]
    assert "% of words matched" in result.output and "% of utterances timed" in result.output


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_align_recovers_starts_of_a_synthetic_episode(cli, library, tmp_path, seed):
    published = synthetic_published(seed)
    (tmp_path / "published.json").write_text(published.to_json())
    text, truth = timed_srt(published, seed + 100)
    (tmp_path / "timed.srt").write_text(text)
    result = cli("align", tmp_path / "published.json", tmp_path / "timed.srt", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    stored = Library(library).load(figures["slug"])
    assert figures["slug"] == "published"
    assert share_within(stored, truth) >= REQUIRED_SHARE
    # about 10 % of the words were damaged; the figures say so
    assert 0.80 <= figures["word_share"] <= 0.97
    assert figures["utterances"] == len(published.utterances)
    assert figures["utterances_timed"] == sum(not u.estimated for u in stored.utterances)


def test_alignment_without_damage_is_exact_at_cue_starts():
    published = synthetic_published(5, turns=30)
    rng = random.Random(5)
    words, truth = speak(published, rng)
    # one cue per turn: every utterance start is a cue start, so it is exact
    cues, i = [], 0
    for u in published.utterances:
        n = len(u.text.split())
        cues.append(Utterance(words[i][0], words[i + n - 1][1], u.text))
        i += n
    result = align(published, Transcript.build(cues))
    assert result.word_share == 1.0 and result.utterance_share == 1.0
    assert [u.start for u in result.transcript.utterances] == pytest.approx(truth, abs=1e-3)
    assert not result.transcript.estimated


def test_word_timestamps_from_whisper_json_are_used(cli, library, tmp_path):
    published = synthetic_published(7, turns=40)
    rng = random.Random(7)
    words, truth = speak(published, rng)
    # whisper JSON with word timings and one segment per 30 words (segment times useless)
    segments = []
    for k in range(0, len(words), 30):
        chunk = words[k:k + 30]
        segments.append({"start": chunk[0][0], "end": chunk[-1][1], "text": " ".join(w[2] for w in chunk),
                         "words": [{"word": " " + w[2], "start": w[0], "end": w[1]} for w in chunk]})
    (tmp_path / "ep.json").write_text(json.dumps({"text": "", "segments": segments, "language": "en"}))
    (tmp_path / "published.json").write_text(published.to_json())
    result = cli("align", tmp_path / "published.json", tmp_path / "ep.json", "--slug", "ep")
    assert result.exit_code == 0, result.output
    starts = [u.start for u in Library(library).load("ep").utterances]
    assert starts == pytest.approx(truth, abs=1e-3)


def test_slugs_work_on_both_sides_and_the_published_episode_is_replaced(cli, library, tmp_path):
    published = synthetic_published(3, turns=20)
    lib = Library(library)
    lib.store(published, "ep-3")
    text, truth = timed_srt(published, 3)
    (tmp_path / "timed.srt").write_text(text)
    assert cli("import", tmp_path / "timed.srt", "--slug", "ep-3-whisper").exit_code == 0
    result = cli("align", "ep-3", "ep-3-whisper", "--export", "srt,vtt")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ep-3"
    aligned = lib.load("ep-3")
    assert aligned.speakers == published.speakers and aligned.source.startswith("align:")
    assert share_within(aligned, truth) >= 0.9
    assert read_transcript(library / "ep-3" / "transcript.vtt").speakers == published.speakers
    assert (library / "ep-3" / "transcript.srt").is_file()


def test_different_episodes_do_not_align(cli, library, tmp_path):
    (tmp_path / "a.json").write_text(synthetic_published(1).to_json())
    other = Transcript.build([Utterance(0, 5, "completely unrelated words about cooking pasta tonight")])
    (tmp_path / "b.json").write_text(other.to_json())
    result = cli("align", tmp_path / "a.json", tmp_path / "b.json")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "same episode" in result.output
    assert Library(library).slugs() == []


@pytest.mark.parametrize("args, code, words", [
    (("nope.txt", "nope.srt"), 1, "not an episode"),
    (("{pub}", "{pub}", "--slug", "Bad Slug"), 2, "not a valid slug"),
    (("{pub}", "{pub}", "--export", "docx"), 2, "unknown format"),
])
def test_bad_arguments(cli, tmp_path, args, code, words):
    pub = tmp_path / "pub.json"
    pub.write_text(synthetic_published(2, turns=5).to_json())
    result = cli("align", *[a.format(pub=pub) for a in args])
    assert result.exit_code == code and words in result.output


@pytest.mark.parametrize("text, words", [
    ("Don't use A.I. — it's well-known!", ["dont", "use", "a", "i", "its", "well", "known"]),
    ("Résumé CAFÉ naïve", ["resume", "cafe", "naive"]),
    ("“Quoted,” she said; 3.5 percent", ["quoted", "she", "said", "3", "5", "percent"]),
    ("don’t", ["dont"]),
    ("— ... —", []),
])
def test_normalise(text, words):
    assert normalise(text) == words


def test_words_spread_over_a_cue_with_pauses_at_sentence_ends():
    timed = Transcript.build([Utterance(10.0, 20.0, "One two three. Four five six")])
    words = words_from_transcript(timed)
    assert [w.text for w in words] == ["one", "two", "three", "four", "five", "six"]
    assert words[0].start == 10.0 and words[-1].end == pytest.approx(20.0)
    gaps = [b.start - a.end for a, b in zip(words, words[1:])]
    assert gaps[2] == max(gaps) and gaps[2] > 0  # the pause falls after "three."
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))


def test_words_from_whisper_split_hyphenated_words_and_skip_bad_entries():
    result = {"segments": [{"words": [{"word": " well-known", "start": 1.0, "end": 1.5},
                                      {"word": " fact.", "start": 1.5, "end": 2.0}]}]}
    assert words_from_whisper(result) == [TimedWord(1.0, 1.5, "well"), TimedWord(1.0, 1.5, "known"),
                                          TimedWord(1.5, 2.0, "fact")]
    assert words_from_whisper({"segments": [{"words": [{"word": "x"}]}]}) == []
    assert words_from_whisper({"segments": [{"text": "no words"}]}) == []


def test_utterances_without_matches_are_interpolated_and_marked_estimated():
    published = Transcript.build(estimate_times([
        ("A", "alpha beta gamma delta"), ("B", "zzz qqq xxx"), ("A", "epsilon zeta eta theta")]))
    timed = Transcript.build([Utterance(10, 12, "alpha beta gamma delta"),
                              Utterance(20, 22, "epsilon zeta eta theta")])
    result = align(published, timed)
    first, middle, last = result.transcript.utterances
    assert (first.start, last.start) == (10, 20) and not first.estimated and not last.estimated
    assert middle.estimated and first.end <= middle.start <= middle.end <= last.start
    assert (result.utterances_timed, result.words_matched, result.words) == (2, 8, 11)


def test_empty_sides_are_format_errors():
    words = Transcript.build([Utterance(0, 1, "hello there")])
    with pytest.raises(FormatError, match="published transcript has no words"):
        align(Transcript.build([Utterance(0, 1, "—")]), words)
    with pytest.raises(FormatError, match="timed transcript has no words"):
        align(words, Transcript.build([Utterance(0, 1, "...")]))


WORD = st.sampled_from("alpha beta gamma delta epsilon zeta eta theta iota kappa".split())


@settings(max_examples=60, deadline=None)
@given(turns=st.lists(st.lists(WORD, min_size=0, max_size=8), min_size=1, max_size=12),
       edits=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["drop", "sub", "ins"])), max_size=15),
       cue_size=st.integers(1, 9), seed=st.integers(0, 1000))
def test_alignment_invariants(turns, edits, cue_size, seed):
    """Whatever the damage: one output utterance per input, in order, starts never
    decrease, every time within the audio, counts consistent."""
    published = Transcript.build(estimate_times(("S", " ".join(t)) for t in turns))
    flat = [w for t in turns for w in t]
    for at, kind in edits:
        if not flat:
            break
        at %= len(flat)
        if kind == "drop":
            del flat[at]
        elif kind == "sub":
            flat[at] = "omega"
        else:
            flat.insert(at, "omega")
    rng = random.Random(seed)
    cues, t = [], rng.uniform(0, 5)
    for k in range(0, len(flat), cue_size):
        text = " ".join(flat[k:k + cue_size])
        length = rng.uniform(0.5, 4)
        cues.append(Utterance(t, t + length, text))
        t += length + rng.uniform(0, 2)
    timed = Transcript.build(cues)
    try:
        result = align(published, timed)
    except FormatError as exc:
        assert "\n" not in str(exc)
        return
    out = result.transcript.utterances
    assert [u.text for u in out] == [u.text for u in published.utterances]
    assert all(a.start <= b.start for a, b in zip(out, out[1:]))
    assert all(0 <= u.start <= u.end <= result.transcript.duration for u in out)
    assert result.transcript.duration >= timed.duration
    assert 0 < result.words_matched <= result.words and result.utterances_timed <= result.utterances
