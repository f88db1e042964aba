"""Readers and writers: detection, real corpus files, round trips (Hypothesis), garbage."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from banana.errors import FormatError
from banana.formats import READERS, WRITERS, detect_format, parse_transcript, read_transcript, write_transcript
from banana.formats.captions import SRT_LINE_CHARS, SRT_TAG, VTT_LINE_CHARS
from banana.transcript import Transcript, Utterance
from conftest import BANANA_DATA, PRACTICAL_AI, need

# --- strategies -------------------------------------------------------------------

names = st.lists(st.sampled_from(["Ada", "Grace", "Alan", "Mary", "Lovelace", "Hopper", "O'Neil", "Le"]),
                 min_size=1, max_size=3).map(" ".join).filter(lambda n: n[0].isupper())
words = st.text(alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters="'.,?!-&<>\"é"),
                min_size=1, max_size=14)
texts = st.lists(words, min_size=1, max_size=40).map(" ".join).filter(lambda t: "-->" not in t)


@st.composite
def transcripts(draw, speakers=True):
    n = draw(st.integers(min_value=1, max_value=12))
    t = draw(st.integers(min_value=0, max_value=10_000)) / 1000
    utterances = []
    for _ in range(n):
        length = draw(st.integers(min_value=200, max_value=60_000)) / 1000
        gap = draw(st.integers(min_value=0, max_value=5_000)) / 1000
        speaker = draw(names) if speakers else None
        utterances.append(Utterance(t, t + length, draw(texts), speaker=speaker))
        t += length + gap
    return Transcript.build(utterances, title=draw(texts))


def runs(transcript):
    """(speaker, text, start, end) per utterance: what every timed format must keep."""
    return [(u.speaker, u.text, u.start, u.end) for u in transcript.utterances]


# --- round trips --------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(transcripts())
def test_canonical_json_round_trip_is_exact(t):
    assert Transcript.from_json(t.to_json()) == t
    assert parse_transcript(write_transcript(t, "json")) == t


@settings(max_examples=60, deadline=None)
@pytest.mark.parametrize("fmt", ["srt", "vtt", "podcast-json"])
@given(t=transcripts())
def test_timed_formats_round_trip_turn_for_turn(fmt, t):
    # SRT has no escaping: text that looks like SRT markup is markup there.
    assume(fmt != "srt" or not any(SRT_TAG.search(u.text) for u in t.utterances))
    back = parse_transcript(write_transcript(t, fmt), format=fmt)
    assert runs(back) == runs(t)


@settings(max_examples=40, deadline=None)
@pytest.mark.parametrize("fmt", ["srt", "vtt"])
@given(t=transcripts(speakers=False))
def test_captions_without_speakers_keep_text_and_cue_times(fmt, t):
    back = parse_transcript(write_transcript(t, fmt), format=fmt)
    assert " ".join(u.text for u in back.utterances) == " ".join(u.text for u in t.utterances)
    assert {u.start for u in t.utterances} <= {u.start for u in back.utterances}
    assert all(u.speaker is None for u in back.utterances)


@settings(max_examples=30, deadline=None)
@pytest.mark.parametrize("fmt", ["txt", "md"])
@given(t=transcripts())
def test_text_formats_keep_speakers_text_and_seconds(fmt, t):
    back = parse_transcript(write_transcript(t, fmt), format=fmt)
    assert [(u.speaker, u.text) for u in back.utterances] == [(u.speaker, u.text) for u in t.utterances]
    assert [int(u.start) for u in back.utterances] == [int(u.start) for u in t.utterances]


# --- writers follow the Podcasting 2.0 guidance -------------------------------------

def sample_transcript():
    long = ("So the thing about gradient boosting is that every new tree is trained on the "
            "mistakes of the trees before it, which is why it keeps getting better. ") * 3
    return Transcript.build([
        Utterance(0.0, 20.0, long.strip(), speaker="Maya Okafor"),
        Utterance(20.0, 24.0, "Right, and then what?", speaker="Leo Brandt"),
        Utterance(24.0, 30.0, "Then you stop before it overfits.", speaker="Leo Brandt"),
    ], title="Boosting")


def test_srt_cues_are_short_and_name_the_speaker_where_a_turn_starts():
    srt = write_transcript(sample_transcript(), "srt")
    blocks = [b.split("\n") for b in srt.strip().split("\n\n")]
    assert len(blocks) > 3
    for i, block in enumerate(blocks, 1):
        assert block[0] == str(i)
        assert " --> " in block[1] and "," in block[1]
        assert 1 <= len(block[2:]) <= 2
        assert all(len(line) <= SRT_LINE_CHARS for line in block[2:])
    starts = [b[2] for b in blocks if b[2].split(":")[0] in ("Maya Okafor", "Leo Brandt")]
    assert starts[0].startswith("Maya Okafor: ") and len(starts) == 3


def test_vtt_has_header_voice_tags_and_escapes_markup():
    t = Transcript.build([Utterance(0, 2, "x < y & <b>z</b>", speaker="Ana")])
    vtt = write_transcript(t, "vtt")
    assert vtt.startswith("WEBVTT\n")
    assert "<v Ana>x &lt; y &amp; &lt;b&gt;z&lt;/b&gt;" in vtt
    assert parse_transcript(vtt).utterances[0].text == "x < y & <b>z</b>"
    long_vtt = write_transcript(sample_transcript(), "vtt")
    cue_lines = [line for line in long_vtt.splitlines() if line and "-->" not in line and line != "WEBVTT"]
    assert all(len(line.replace("<v Maya Okafor>", "").replace("<v Leo Brandt>", "")) <= VTT_LINE_CHARS
               for line in cue_lines[2:])


def test_podcast_json_has_version_and_segments():
    data = json.loads(write_transcript(sample_transcript(), "podcast-json"))
    assert data["version"] == "1.0.0"
    assert [s["speaker"] for s in data["segments"]] == ["Maya Okafor", "Leo Brandt", "Leo Brandt"]
    assert {"startTime", "endTime", "body"} <= set(data["segments"][0])


# --- readers on foreign files -------------------------------------------------------

FOREIGN = {
    "srt": ("1\n00:00:01,000 --> 00:00:03,500\nSarah: In today's episode,\nyou'll learn\n\n"
            "2\n00:00:03,500 --> 00:00:06,000\nwhy trailers matter.\n\n"
            "3\n00:00:06,200 --> 00:00:08,000\nGillian: Hi there.\n"),
    "vtt": ("WEBVTT\n\nNOTE a comment\n\n00:01.000 --> 00:03.500 align:start\n<v John>Podcasting 2.0 is"
            " changing the game.\n\n00:03.500 --> 00:05.000\nIt really is.\n\n"
            "intro-3\n00:05.000 --> 00:06.000\n<v.loud Tom>Yeah, <i>absolutely</i> &amp; more.</v>\n"),
    "whisper-json": json.dumps({"text": " Hello there. General Kenobi.", "language": "en", "segments": [
        {"id": 0, "start": 0.0, "end": 1.5, "text": " Hello there."},
        {"id": 1, "start": 1.5, "end": 3.25, "text": " General Kenobi."}]}),
    "podcast-json": json.dumps({"version": "1.0.0", "segments": [
        {"speaker": "Darth Vader", "startTime": 0.5, "endTime": 0.75, "body": "I"},
        {"speaker": "Darth Vader", "startTime": 1, "endTime": 1.25, "body": "am"},
        {"speaker": "Darth Vader", "startTime": 1.5, "endTime": 2.0, "body": "your"},
        {"speaker": "Darth Vader", "startTime": 2.25, "endTime": 2.5, "body": "father.\n"},
        {"speaker": "Luke", "startTime": 2.75, "endTime": 3.0, "body": "Nooooo"}]}),
    "md": ("# Episode 9\n\n**Ana Lima:** Welcome back. \\[00:05\\] Today: &quot;models&quot;.\n\n"
           "**Ben Ode**: Hi \\[laughs\\].\n\n**Break:** \\[01:00\\]\n\nAnd we are back.\n"),
}

EXPECTED = {  # (speaker, text, start) per utterance
    "srt": [("Sarah", "In today's episode, you'll learn why trailers matter.", 1.0),
            ("Gillian", "Hi there.", 6.2)],
    "vtt": [("John", "Podcasting 2.0 is changing the game. It really is.", 1.0),
            ("Tom", "Yeah, absolutely & more.", 5.0)],
    "whisper-json": [(None, "Hello there.", 0.0), (None, "General Kenobi.", 1.5)],
    "podcast-json": [("Darth Vader", "I am your father.", 0.5), ("Luke", "Nooooo", 2.75)],
    "md": [("Ana Lima", 'Welcome back. Today: "models".', 0.0), ("Ben Ode", "Hi [laughs].", None),
           ("Ben Ode", "And we are back.", 60.0)],
}


@pytest.mark.parametrize("fmt", sorted(FOREIGN))
def test_foreign_files_are_detected_and_read(fmt):
    text = FOREIGN[fmt]
    assert detect_format(text) == fmt
    got = [(u.speaker, u.text, u.start) for u in parse_transcript(text).utterances]
    want = EXPECTED[fmt]
    assert [(s, t) for s, t, _ in got] == [(s, t) for s, t, _ in want]
    for (_, _, start), (_, _, expected) in zip(got, want):
        if expected is not None:
            assert start == pytest.approx(expected)


def test_markdown_interpolates_between_anchors_by_word_count():
    md = "**A B:** one two three four \\[00:10\\] five six\n\n**C D:** seven eight \\[00:20\\] nine\n"
    u = parse_transcript(md).utterances
    assert u[0].start == 0.0 and u[0].estimated
    # "seven" is word 6, between anchors (4 words, 10 s) and (8 words, 20 s)
    assert u[1].start == pytest.approx(15.0) and u[1].estimated
    assert parse_transcript("**A B:** \\[01:02:03\\] hi there\n").utterances[0].start == 3723.0


def test_published_text_drops_header_and_footer_and_estimates_times():
    text = ("My Title\n\nBy Someone\n\nA blurb about the show.\n\nNot a podcast person?\n\n"
            "Ann Lee: Hello and welcome.\n\nBo Chan: Hi Ann.\n\nA second paragraph by Bo.\n\n"
            "You May Also Like\n\nSome article\n\nRead More\n")
    t = parse_transcript(text, format="txt")
    assert t.title == "My Title"
    assert [(u.speaker, u.text) for u in t.utterances] == [
        ("Ann Lee", "Hello and welcome."), ("Bo Chan", "Hi Ann. A second paragraph by Bo.")]
    assert all(u.estimated for u in t.utterances)
    assert t.utterances[1].start == t.utterances[0].end > 0


def test_banana_data_transcript_has_two_speakers_and_74_turns():
    t = read_transcript(need(BANANA_DATA))
    assert t.title == "Deepfakes and Data Upskilling"
    assert t.speakers == ("Triveni Gandhi", "Will Nowak")
    assert len(t.utterances) == 74
    header_footer = ("Not a podcast person", "No problem, we get it", "You May Also Like", "Read More",
                     "Scaling AI", "In an ever-evolving technology landscape")
    assert not any(h in u.text for u in t.utterances for h in header_footer)
    assert all(u.estimated for u in t.utterances)
    assert 20 * 60 < t.duration < 50 * 60  # ~5,000 words at a speaking rate


def test_practical_ai_100_anchor_at_12_13():
    t = read_transcript(need(PRACTICAL_AI) / "practical-ai-100.md")
    raw = (PRACTICAL_AI / "practical-ai-100.md").read_text()
    after = raw.split("\\[12:13\\]", 1)[1].split()[:6]
    hits = [u for u in t.utterances if " ".join(after) in u.text]
    assert len(hits) == 1 and abs(hits[0].start - 733) <= 1


def test_every_practical_ai_file_reads():
    files = sorted(need(PRACTICAL_AI).glob("*.md"))
    assert len(files) == 299
    for path in files:
        t = read_transcript(path)
        assert t.utterances and t.speakers, path
        starts = [u.start for u in t.utterances]
        assert starts == sorted(starts), path


# --- garbage -------------------------------------------------------------------------

GARBAGE = {
    "binary.bin": bytes(range(256)) * 20,
    "empty.txt": b"",
    "blank.vtt": b"\n\n   \n",
    "image.srt": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    "long.txt": b"a" * 5_000_000,
    "latin1.txt": "Caf\u00e9 con leche: s\u00ed".encode("latin-1"),
    "broken.json": b'{"schema": 1, "utterances": [',
    "other.json": b'{"hello": "world"}',
    "badtimes.srt": b"1\n00:00:01,000 --> 00:00:02,000\nBob: hi\n\n2\n00:99:01,000 --> x\n",
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_raises_format_error_naming_the_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(GARBAGE[name])
    with pytest.raises(FormatError) as caught:  # a malformed cue anywhere is refused, not skipped
        read_transcript(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and "\n" not in message


def test_directory_and_missing_file(tmp_path):
    with pytest.raises(FormatError, match="is a directory"):
        read_transcript(tmp_path)
    with pytest.raises(FormatError, match="no such file"):
        read_transcript(tmp_path / "nope.srt")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(data):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.txt"
        path.write_bytes(data)
        try:
            t = read_transcript(path)
        except FormatError:
            return
        assert isinstance(t, Transcript)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_forced_format_on_wrong_content_is_a_clear_error_or_a_transcript(fmt):
    try:
        parse_transcript("Just some words: nothing else here.\n", format=fmt)
    except FormatError as exc:
        assert "\n" not in str(exc)


def test_unknown_formats_are_rejected():
    with pytest.raises(FormatError, match="unknown"):
        write_transcript(Transcript(), "docx")
    with pytest.raises(FormatError, match="unknown"):
        parse_transcript("x", format="docx")
    assert set(WRITERS) == {"json", "srt", "vtt", "podcast-json", "txt", "md"}
