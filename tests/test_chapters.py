"""Chapters: Podcasting 2.0 JSON, YouTube/Spotify lines, WebVTT, FFMETADATA1, ID3 CHAP/CTOC."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banana.analysis import Analysis, analyse
from banana.analysis.segments import Segment
from banana.errors import AudioError, ChapterError
from banana.formats import parse_transcript, read_transcript
from banana.publish.chapters import (Chapter, chapters_from_segments, embed_chapters,
                                     episode_chapters, ffmetadata_escape, shorten, write_chapters,
                                     youtube_chapters)
from banana.transcript import Transcript, Utterance

from conftest import BANANA_DATA, need


def seg(kind, title, start, end, first=0, last=0, term=None):
    return Segment(kind=kind, title=title, start=start, end=end, first_turn=first, last_turn=last,
                   term=term)


EPISODE = [
    seg("intro", "Intro", 2.5, 40.0, 0, 3),
    seg("topic", "Deepfakes and trust", 40.0, 400.0, 4, 20),
    seg("explainer", "In English Please", 400.0, 560.0, 21, 27, term="autoencoder"),
    seg("topic", "Upskilling in data science", 560.0, 1500.0, 28, 60),
    seg("teaser", "Brain teaser", 1500.0, 1560.0, 61, 66),
    seg("outro", "Sign-off", 1560.0, 1600.0, 67, 70),
]


# --- Podcasting 2.0 JSON ----------------------------------------------------------------------

def check_podcast_json(text: str, *, duration: float | None = None) -> list[dict]:
    """The Podcasting 2.0 chapters rules: version 1.2.0, chapters with numeric
    startTime and a title, ascending, the first at 0."""
    data = json.loads(text)
    assert data["version"] == "1.2.0"
    chapters = data["chapters"]
    assert isinstance(chapters, list) and chapters
    for c in chapters:
        assert set(c) >= {"startTime", "title"}
        assert isinstance(c["startTime"], (int, float)) and not isinstance(c["startTime"], bool)
        assert isinstance(c["title"], str) and c["title"].strip()
        assert "\n" not in c["title"]
        if "endTime" in c:
            assert c["endTime"] >= c["startTime"]
    starts = [c["startTime"] for c in chapters]
    assert starts[0] == 0
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    if duration is not None:
        assert chapters[-1]["endTime"] == pytest.approx(duration)
    return chapters


@pytest.mark.parametrize("segments, titles", [
    (EPISODE, ["Intro", "Deepfakes and trust", "In English Please: autoencoder",
               "Upskilling in data science", "Brain teaser", "Sign-off"]),
    # out of order, and two segments starting together: one chapter, ascending
    ([seg("topic", "B", 50, 90), seg("intro", "A", 0, 50), seg("topic", "B2", 50, 60)], ["A", "B"]),
    # a title with a newline and a tab is one line
    ([seg("topic", "Line one\nline\ttwo", 7, 30)], ["Line one line two"]),
    # no title: the kind
    ([seg("teaser-answer", "", 0, 30)], ["Teaser answer"]),
])
def test_podcast_json_required_fields_and_order(segments, titles):
    chapters = chapters_from_segments(segments, duration=2000.0)
    out = check_podcast_json(write_chapters(chapters, "podcast-json"), duration=2000.0)
    assert [c["title"] for c in out] == titles
    # each chapter ends where the next starts
    for a, b in zip(out, out[1:]):
        assert a["endTime"] == b["startTime"]


def test_podcast_json_keeps_segment_starts():
    chapters = check_podcast_json(write_chapters(chapters_from_segments(EPISODE), "podcast-json"))
    assert [c["startTime"] for c in chapters] == [0, 40, 400, 560, 1500, 1560]
    assert chapters[-1]["endTime"] == 1600


segments_strategy = st.lists(
    st.tuples(st.floats(0, 5000, allow_nan=False), st.floats(0, 300, allow_nan=False),
              st.text(min_size=0, max_size=60)),
    min_size=1, max_size=25,
).map(lambda rows: [seg("topic", title, start, start + length) for start, length, title in rows])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments_strategy)
def test_podcast_json_rules_hold_for_any_segments(segments):
    check_podcast_json(write_chapters(chapters_from_segments(segments), "podcast-json"))


# --- YouTube / Spotify ------------------------------------------------------------------------

_LINE = re.compile(r"^(?:(\d+):)?(\d{2}):(\d{2}) (\S.*)$")


def check_youtube(text: str, duration: float) -> list[tuple[float, str]]:
    """YouTube's chapter rules: first at 00:00, at least three, each at least 10 s long
    (the last up to the end of the episode), titles under 40 characters, no < >."""
    rows = []
    for line in text.splitlines():
        m = _LINE.match(line)
        assert m, f"not a chapter line: {line!r}"
        h, mm, ss, title = m.groups()
        rows.append((int(h or 0) * 3600 + int(mm) * 60 + int(ss), title))
    assert text.splitlines()[0].startswith("00:00 ")
    assert len(rows) >= 3
    starts = [r[0] for r in rows] + [duration]
    for a, b in zip(starts, starts[1:]):
        assert b - a >= 10, f"chapter at {a} s is shorter than 10 s"
    for _, title in rows:
        assert 0 < len(title) < 40
        assert "<" not in title and ">" not in title
    return rows


def test_youtube_rules_on_an_episode():
    chapters = chapters_from_segments(EPISODE)
    rows = check_youtube(write_chapters(chapters, "youtube"), 1600)
    assert [t for _, t in rows] == ["Intro", "Deepfakes and trust", "In English Please: autoencoder",
                                    "Upskilling in data science", "Brain teaser", "Sign-off"]


def test_youtube_merges_short_chapters_and_shortens_titles():
    segments = [
        seg("intro", "Intro", 0, 4),  # too short: merged into the next
        seg("topic", "A very long topic title about differential privacy in the census", 4, 300),
        seg("topic", "Blip", 300, 306),  # too short: merged into a neighbour
        seg("topic", "Polars <and> pandas", 306, 600),
        seg("topic", "Census", 600, 900),
        seg("outro", "Bye", 900, 905),  # too short at the end: merged into the one before
    ]
    text = write_chapters(chapters_from_segments(segments), "youtube")
    rows = check_youtube(text, 905)
    assert [start for start, _ in rows] == [0, 300, 600]  # Blip joined its shorter neighbour
    long_title = rows[0][1]
    assert long_title.endswith("…")
    # shortened at a word boundary: what is left is a prefix of the title, ending a word
    original = "A very long topic title about differential privacy in the census"
    assert original.startswith(long_title[:-1]) and original[len(long_title) - 1] == " "
    assert [title for _, title in rows[1:]] == ["Polars ‹and› pandas", "Census"]


@pytest.mark.parametrize("segments", [
    [seg("topic", "Everything", 0, 35)],
    [seg("intro", "Hi", 0, 15), seg("topic", "Talk", 15, 60)],
    [seg("intro", "Hi", 0, 14), seg("topic", "Talk", 14, 30)],
])
def test_youtube_never_pads_with_made_up_chapters(segments):
    chapters = chapters_from_segments(segments)
    with pytest.raises(ChapterError, match=r"at least 3 of 10 s or more; this episode has"):
        write_chapters(chapters, "youtube")
    assert "continued" not in write_chapters(chapters, "podcast-json")


@pytest.mark.parametrize("duration", [5.0, 20.0, 29.9])
def test_youtube_too_short_episode_is_a_clear_error(duration):
    chapters = chapters_from_segments([seg("intro", "Intro", 0, duration / 2),
                                       seg("topic", "Talk", duration / 2, duration)])
    with pytest.raises(ChapterError, match=r"at least 3 chapters of 10 s"):
        write_chapters(chapters, "youtube")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments_strategy)
def test_youtube_rules_hold_or_a_clear_error(segments):
    chapters = chapters_from_segments(segments)
    duration = chapters[-1].end
    try:
        out = youtube_chapters(chapters)
    except ChapterError:
        # too short, or fewer than three chapters of 10 s once short ones are merged
        merged = [c for c in chapters if c.end - c.start >= 10]
        assert duration < 30 or len(merged) < 3 or len(chapters) < 3
        return
    assert out[0].start == 0 and len(out) >= 3
    assert all(c.end - c.start >= 10 for c in out)
    assert all(a.end == b.start for a, b in zip(out, out[1:]))
    assert all(0 < len(c.title) < 40 for c in out)
    # whole seconds as printed still satisfy the rules
    check_youtube(write_chapters(chapters, "youtube"), duration)


@pytest.mark.parametrize("text, limit, expected", [
    ("short", 10, "short"),
    ("one two three four", 12, "one two…"),
    ("one two, three", 10, "one two…"),
    ("Supercalifragilistic", 8, "Superca…"),  # one long word: cut inside, still marked
])
def test_shorten(text, limit, expected):
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


# --- WebVTT -----------------------------------------------------------------------------------

def test_vtt_chapters_read_back_as_cues():
    chapters = chapters_from_segments(
        EPISODE[:2] + [seg("topic", "Q&A <with> --> arrows", 400, 500)], duration=500)
    text = write_chapters(chapters, "vtt")
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:40.000\nIntro\n")
    assert "Q&amp;A &lt;with&gt; --&gt; arrows" in text
    assert text.count("-->") == len(chapters)  # only in timing lines
    back = parse_transcript(text, format="vtt")
    assert [u.text for u in back.utterances] == [c.title for c in chapters]
    assert [u.start for u in back.utterances] == [c.start for c in chapters]
    assert [u.end for u in back.utterances] == [c.end for c in chapters]


# --- FFMETADATA1 -----------------------------------------------------------------------------

def ffmetadata_unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value, flags=re.DOTALL)


def parse_ffmetadata(text: str) -> tuple[dict, list[dict]]:
    """A small FFMETADATA1 reader: global tags and [CHAPTER] sections (escapes honoured)."""
    assert text.startswith(";FFMETADATA1\n")
    # join escaped newlines back into their value
    lines, buf = [], ""
    for raw in text.split("\n")[1:]:
        buf += raw
        if re.search(r"(?<!\\)(?:\\\\)*\\\Z", buf):
            buf = buf[:-1] + "\\\n"
            continue
        lines.append(buf)
        buf = ""
    head: dict = {}
    chapters: list[dict] = []
    current = head
    for line in lines:
        if not line or line.startswith((";", "#")):
            continue
        if line == "[CHAPTER]":
            current = {}
            chapters.append(current)
            continue
        key, value = re.match(r"((?:[^=\\]|\\.)*)=(.*)$", line, re.DOTALL).groups()
        current[ffmetadata_unescape(key)] = ffmetadata_unescape(value)
    return head, chapters


@pytest.mark.parametrize("raw, escaped", [
    ("plain", "plain"),
    ("a=b", "a\\=b"),
    ("x;y", "x\\;y"),
    ("#1", "\\#1"),
    ("back\\slash", "back\\\\slash"),
    ("two\nlines", "two\\\nlines"),
])
def test_ffmetadata_escape(raw, escaped):
    assert ffmetadata_escape(raw) == escaped


def test_ffmetadata_chapters():
    chapters = chapters_from_segments(EPISODE, duration=1600)
    text = write_chapters(chapters, "ffmetadata", title="Deepfakes = trust; #1 \\ season")
    head, sections = parse_ffmetadata(text)
    assert head == {"title": "Deepfakes = trust; #1 \\ season"}
    assert len(sections) == len(chapters)
    for section, c in zip(sections, chapters):
        assert section["TIMEBASE"] == "1/1000"
        assert int(section["START"]) == round(c.start * 1000)
        assert int(section["END"]) == round(c.end * 1000)
        assert section["title"] == c.title
    assert sections[0]["START"] == "0" and sections[-1]["END"] == "1600000"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
               max_size=40))
def test_ffmetadata_round_trips_any_title(title):
    text = write_chapters([Chapter(0, 10, "x")], "ffmetadata", title=title)
    head, _ = parse_ffmetadata(text)
    expected = re.sub(r"[\x01-\x09\x0b-\x1f\x7f]", " ", title)
    assert head.get("title", "") == expected


# --- through an analysed transcript -----------------------------------------------------------

def render_chapters(transcript, analysis, fmt):
    return write_chapters(episode_chapters(transcript, analysis), fmt, title=transcript.title)


def test_chapters_of_an_analysis():
    t = Transcript.build([Utterance(0, 1600, "words")], title="T")
    analysis = Analysis(segments=EPISODE)
    for fmt in ("podcast-json", "youtube", "vtt", "ffmetadata"):
        assert render_chapters(t, analysis, fmt=fmt)
    with pytest.raises(ChapterError, match="unknown chapter format"):
        render_chapters(t, analysis, fmt="mp4")


def test_banana_data_chapters_match_its_segments():
    transcript = read_transcript(need(BANANA_DATA))
    analysis = analyse(transcript)
    chapters = check_podcast_json(render_chapters(transcript, analysis, fmt="podcast-json"),
                                  duration=transcript.duration)
    assert len(chapters) == len(analysis.segments)
    assert [c["startTime"] for c in chapters[1:]] == [s.start for s in analysis.segments[1:]]
    check_youtube(render_chapters(transcript, analysis, fmt="youtube"), transcript.duration)


# --- ID3 chapters -----------------------------------------------------------------------------

MP3_SECONDS = 40
MP3_RATE = 16000


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> Path:
    """A 40 s mono MP3 tone encoded with PyAV (libmp3lame)."""
    pytest.importorskip("av", reason="PyAV is needed to encode a test MP3")
    from whisper_fixtures import tone, write_audio

    path = tmp_path_factory.mktemp("mp3") / "episode.mp3"
    return write_audio(path, tone(MP3_SECONDS, rate=MP3_RATE, amplitude=0.2), rate=MP3_RATE)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CHAPTERS = [Chapter(0, 12.5, "Intro"), Chapter(12.5, 30, "Deepfakes & trust"),
            Chapter(30, 40, "Brain teaser")]


def read_id3_chapters(path: Path):
    from mutagen.id3 import ID3

    tags = ID3(path)
    chaps = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    tocs = tags.getall("CTOC")
    return chaps, tocs


def test_embed_writes_chap_and_ctoc_into_a_copy(mp3, tmp_path):
    from mutagen.id3 import CTOCFlags

    before = _digest(mp3)
    out = tmp_path / "with-chapters.mp3"
    assert embed_chapters(mp3, out, CHAPTERS, title="Episode 1") == 3
    assert _digest(mp3) == before  # the original is untouched
    chaps, tocs = read_id3_chapters(out)
    assert [(c.start_time, c.end_time) for c in chaps] == [(0, 12500), (12500, 30000), (30000, 40000)]
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == ["Intro", "Deepfakes & trust", "Brain teaser"]
    assert len(tocs) == 1
    toc = tocs[0]
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert toc.sub_frames["TIT2"].text[0] == "Episode 1"
    # still a playable MP3 of the same length
    from mutagen.mp3 import MP3

    assert MP3(out).info.length == pytest.approx(MP3(mp3).info.length, abs=0.05)
    # embedding again replaces the chapters rather than adding more
    again = tmp_path / "again.mp3"
    embed_chapters(out, again, CHAPTERS[:2])
    chaps, tocs = read_id3_chapters(again)
    assert len(chaps) == 2 and len(tocs) == 1
    assert chaps[-1].end_time == 30000


def test_embed_clips_the_last_chapter_to_the_audio(mp3, tmp_path):
    out = tmp_path / "clipped.mp3"
    embed_chapters(mp3, out, [Chapter(0, 20, "A"), Chapter(20, 55, "B")])
    chaps, _ = read_id3_chapters(out)
    from mutagen.mp3 import MP3

    assert chaps[-1].end_time == round(MP3(mp3).info.length * 1000)


def test_embed_refuses_the_original_as_output(mp3, tmp_path):
    before = _digest(mp3)
    for same in (mp3, Path(str(mp3.parent) + "/./" + mp3.name)):
        with pytest.raises(AudioError, match="not the input"):
            embed_chapters(mp3, same, CHAPTERS)
    link = tmp_path / "link.mp3"
    link.symlink_to(mp3)
    with pytest.raises(AudioError, match="not the input"):
        embed_chapters(mp3, link, CHAPTERS)
    assert _digest(mp3) == before


def test_embed_refuses_a_file_that_is_not_mp3(tmp_path):
    fake = tmp_path / "notes.mp3"
    fake.write_text("this is not audio\n" * 50)
    out = tmp_path / "out.mp3"
    with pytest.raises(AudioError, match="MP3"):
        embed_chapters(fake, out, CHAPTERS)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [fake]  # no temp file left behind


def test_embed_refuses_chapters_past_the_end_of_the_audio(mp3, tmp_path):
    out = tmp_path / "out.mp3"
    with pytest.raises(ChapterError, match="only 00:40 long"):
        embed_chapters(mp3, out, [Chapter(0, 100, "A"), Chapter(100, 200, "B")])
    assert not out.exists()
