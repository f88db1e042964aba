"""Readers and writers against real-world slips and hostile input: every stamp form the
Changelog transcripts use, caption files with bad times, control characters, injected
cues, and files whose content is not the format their extension names."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banana.errors import FormatError
from banana.formats import parse_transcript, read_transcript, write_transcript
from banana.formats.captions import _cues
from banana.transcript import Transcript, Utterance, one_line
from conftest import PRACTICAL_AI, SHARED_CORPUS, need

# --- 1. Markdown time stamps --------------------------------------------------------

# (stamp as written, seconds it means). Fractions are frames at 30 fps in a file whose
# two-digit fractions all stay below 30 (Changelog's timecode), decimals otherwise.
STAMPS = [
    (r"\[12:13\]", 733.0),
    (r"\[1:02:03\]", 3723.0),
    (r"\[01:00:04.15\]", 3604.5),  # hh:mm:ss.ff, 15 frames
    (r"\[59:58.50\]", 3598.5),  # mm:ss.ff, 50 hundredths
    (r"[01:02:03]", 3723.0),  # unescaped
    (r"[00:16:16:05]", 976 + 5 / 30),  # a colon before the frames
    (r"\[\\01:00:56.15\]", 3656.5),  # stray backslashes, as in js-party-5
    (r"\[\01:00:56.15\]", 3656.5),
    (r"\[01:00:04.15\\\]", 3604.5),
    (r"\[ 00:32:05.15\]", 1925.5),
    (r"\[00:32: 14.15\]", 1934.5),  # practical-ai-16
    (r"\[00:11**:** 51.15\]", 711.5),
    (r"\[00:31:2.15\]", 1862.5),  # one-digit second, practical-ai-169
    (r"\[01:01.04.15\]", 3664.5),  # a dot for a colon, js-party-109
    (r"\[unintelligible 00:04:57.15\]", 297.5),
    (r"\[song excerpt, Corey Heart - Sunglasses at night 00:03:41.15\]", 221.5),
    (r"\[unintelligible00:14:07.15\]", 847.5),
    (r" 0:12:14.15\]", 734.5),  # lost its opening bracket, practical-ai-129
]

CLOCK_LEFT = re.compile(r"\d\s*:\s*\d\d")


@pytest.mark.parametrize("stamp, seconds", STAMPS, ids=[s for s, _ in STAMPS])
def test_every_markdown_stamp_form_anchors_its_text_and_leaves_none(stamp, seconds):
    md = f"**Ana Lima:** Hello there.\n\n**Ben Ode:** {stamp} So here we go, at last.\n"
    t = parse_transcript(md)
    assert [u.speaker for u in t.utterances] == ["Ana Lima", "Ben Ode"]
    assert not any(CLOCK_LEFT.search(u.text) for u in t.utterances), t.utterances
    assert t.utterances[1].start == pytest.approx(seconds, abs=0.001)
    assert not t.utterances[1].estimated
    assert t.utterances[1].text.endswith("So here we go, at last.")


def test_a_note_with_a_stamp_keeps_the_note_and_anchors_it_mid_turn():
    md = ("**Ana Lima:** one two three four five six \\[unintelligible 00:01:00.00\\] seven eight\n\n"
          "**Ben Ode:** \\[01:10\\] nine\n")
    first, second = parse_transcript(md).utterances
    assert first.text == "one two three four five six [unintelligible] seven eight"
    assert first.start == 0.0 and first.end == second.start == 70.0
    assert first.estimated and not second.estimated  # 0 s is a guess; 70 s is measured


def test_fractions_are_frames_only_when_every_one_is_below_30():
    frames = "**A B:** \\[00:00:10.15\\] x\n\n**C D:** \\[00:00:20.29\\] y\n"
    decimal = "**A B:** \\[00:00:10.15\\] x\n\n**C D:** \\[00:00:20.75\\] y\n"
    assert [u.start for u in parse_transcript(frames).utterances] == [10.5, pytest.approx(20.967, abs=0.001)]
    assert [u.start for u in parse_transcript(decimal).utterances] == [10.15, 20.75]


def test_one_stamp_too_far_ahead_costs_that_stamp_not_every_later_one():
    md = ("**A B:** \\[10:00\\] a b c\n\n**C D:** \\[58:00\\] d e f\n\n**A B:** \\[11:00\\] g h i\n\n"
          "**C D:** \\[12:00\\] j k l\n")
    starts = [u.start for u in parse_transcript(md).utterances]
    assert starts[0] == 600 and starts[2:] == [660, 720]
    assert 600 < starts[1] < 660  # the typo is dropped and its turn interpolated


def test_a_label_line_without_a_blank_line_before_it_starts_a_turn():
    md = "**Ana Lima:** Hello there.\n**Ben Ode:** Hi Ana.\n\n**Ana Lima:** Bye.\n"
    t = parse_transcript(md)
    assert [(u.speaker, u.text) for u in t.utterances] == [
        ("Ana Lima", "Hello there."), ("Ben Ode", "Hi Ana."), ("Ana Lima", "Bye.")]


@pytest.mark.parametrize("stamp, seconds", [("[01:02:03]", 3723), ("[01:00:04.50]", 3604.5),
                                            ("(12:13)", 733), ("\\[59:58.50\\]", 3598.5)])
def test_published_text_leading_stamp_takes_the_same_forms(stamp, seconds):
    text = f"Title\n\nAnn Lee: Hello and welcome.\n\n{stamp} Bo Chan: Hi Ann.\n"
    t = parse_transcript(text, format="txt")
    assert [u.speaker for u in t.utterances] == ["Ann Lee", "Bo Chan"]
    assert t.utterances[1].start == seconds and t.utterances[1].text == "Hi Ann."


# The real transcripts. An oracle independent of the reader: find every bracketed clock
# in the raw file, the words that follow it, those words in the transcript, and the
# utterance that holds them.
CHANGELOG_SHOWS = ("jsparty", "shipit", "founderstalk", "brainscience")
RAW_STAMP = re.compile(r"(?:\\*\[([^\[\]\n\d]{0,80}?)|(?<=[\s\]]))(\d{1,2})\s*(?:\*\*)?:(?:\*\*)?\s*(\d{2})"
                       r"(?:\s*([:.])\s*(\d{1,2}))?(?:[:.](\d{1,3}))?\s*\\*\]")
RAW_LABEL = re.compile(r"\*\*[^*\n]+\*\*:?")
TOKEN = re.compile(r"\w+")


def raw_seconds(m: re.Match) -> float:
    """Whole seconds (and a fraction read as hundredths: within 0.7 s of frames)."""
    a, b, sep, c, d = m.group(2, 3, 4, 5, 6)
    if c is None:
        return int(a) * 60 + int(b)
    if sep == "." and d is None:  # mm:ss.ff
        return int(a) * 60 + int(b) + int(c) / 100
    return int(a) * 3600 + int(b) * 60 + int(c) + int(d or 0) / 100


def corpus_markdown_files():
    files = sorted(need(PRACTICAL_AI).glob("*.md"))
    for show in CHANGELOG_SHOWS:
        files += sorted(need(SHARED_CORPUS / "changelog" / show).glob("*.md"))
    return files


def check_stamps(path) -> dict:
    raw = path.read_text()
    t = read_transcript(path)
    tokens, owner, firsts = [], [], set()
    for i, u in enumerate(t.utterances):
        firsts.add(len(tokens))
        for w in TOKEN.findall(u.text.lower()):
            tokens.append(w)
            owner.append(i)
    where: dict[str, list[int]] = {}
    for j, w in enumerate(tokens):
        where.setdefault(w, []).append(j)
    stamps = list(RAW_STAMP.finditer(raw))
    times = [raw_seconds(m) for m in stamps]
    out = dict(stamps=len(stamps), anchored=0, too_short=0, not_found=0, ambiguous=0,
               out_of_order=0, wrong=[], left=[], last=times[-1] if times else None,
               duration=t.duration, words_after=None)
    cursor = 0
    for k, m in enumerate(stamps):
        end = stamps[k + 1].start() if k + 1 < len(stamps) else len(raw)
        after = RAW_LABEL.sub(" ", html.unescape(raw[m.end():end]))
        want = (TOKEN.findall((m.group(1) or "").lower()) + TOKEN.findall(after.lower()))[:10]
        if len(want) < 2:  # a stamp followed at once by another (a break, then a turn)
            out["too_short"] += 1
            continue
        hits = [j for j in where.get(want[0], ()) if j >= cursor and tokens[j:j + len(want)] == want]
        if len(hits) != 1:
            out["ambiguous" if hits else "not_found"] += 1
            continue
        p = cursor = hits[0]
        u, s = t.utterances[owner[p]], times[k]
        if (abs(u.start - s) <= 1) if p in firsts else (u.start - 1 <= s <= u.end + 1):
            out["anchored"] += 1
        elif not (times[k - 1] if k else 0) <= s <= (times[k + 1] if k + 1 < len(times) else s):
            out["out_of_order"] += 1  # the file's own typo: it disagrees with its neighbours
        else:
            out["wrong"].append((m.group(0), s, u.start, u.end))
    out["left"] = [u.text for u in t.utterances if re.search(r"\d\s*:\s*\d\d(?:[:.]\d+)*\s*\\*\]|"
                                                             r"\[[^\]]*\d:\d\d", u.text)]
    if stamps:
        out["words_after"] = len(RAW_LABEL.sub(" ", raw[stamps[-1].end():]).split())
    return out


def test_every_stamp_in_the_real_transcripts_anchors_its_text():
    """All 871 Markdown transcripts: every stamp the oracle can place (its next words are
    found once in the transcript) anchors them within 1 s, unless the file's own stamps
    go back in time there; no stamp text is left; the duration is the last stamp plus
    the words after it at a speaking rate."""
    files = corpus_markdown_files()
    assert len(files) == 871
    total = dict(stamps=0, anchored=0, too_short=0, not_found=0, ambiguous=0, out_of_order=0)
    wrong, left, tails, near_end = [], [], [], []
    for path in files:
        r = check_stamps(path)
        for key in total:
            total[key] += r[key]
        wrong += [(path.name, *w) for w in r["wrong"]]
        left += [(path.name, text[:80]) for text in r["left"]]
        if r["last"] is None:
            continue
        tail_seconds = r["words_after"] / 2.5  # WORDS_PER_SECOND
        tails.append((abs(r["duration"] - (r["last"] + tail_seconds)), path.name))
        if tail_seconds <= 0.005 * r["last"]:  # the last stamp is near the end
            near_end.append((abs(r["duration"] - r["last"]) / r["last"], path.name))
    assert wrong == [] and left == []
    placed = total["anchored"] + total["out_of_order"]
    assert total["stamps"] > 15_000 and placed / total["stamps"] > 0.98, total
    assert total["out_of_order"] <= 5, total
    assert len(tails) == 870 and max(tails)[0] <= 2.0, max(tails)
    assert len(near_end) >= 40 and max(near_end)[0] <= 0.01, max(near_end)


# --- 2. caption timings ----------------------------------------------------------------

def srt(*cues: tuple[str, str, str]) -> str:
    return "".join(f"{n}\n{start} --> {end}\n{text}\n\n" for n, (start, end, text) in enumerate(cues, 1))


def vtt(*cues: tuple[str, str, str]) -> str:
    return "WEBVTT\n\n" + "".join(f"{start.replace(',', '.')} --> {end.replace(',', '.')}\n{text}\n\n"
                                  for start, end, text in cues)


CAPTIONS = {"srt": srt, "vtt": vtt}


@pytest.mark.parametrize("fmt", sorted(CAPTIONS))
@pytest.mark.parametrize("bad, why", [
    ("-00:00:01,000", "negative time"),
    ("99999999:00:00,000", "time past 48 hours"),
    ("48:00:00,001", "time past 48 hours"),
    ("00:00:0x,000", "bad timing line"),
])
def test_a_bad_cue_time_is_refused_naming_the_cue(fmt, bad, why):
    text = CAPTIONS[fmt](("00:00:01,000", "00:00:02,000", "Ana: one"),
                         (bad, "00:00:04,000", "Ana: two"), ("00:00:05,000", "00:00:06,000", "three"))
    with pytest.raises(FormatError) as caught:
        parse_transcript(text, name="ep.x", format=fmt)
    message = str(caught.value)
    assert message.startswith("ep.x: cue 2: " + why) and "\n" not in message


@pytest.mark.parametrize("fmt", sorted(CAPTIONS))
def test_cues_out_of_order_are_read_in_time_order(fmt):
    text = CAPTIONS[fmt](("00:00:05,000", "00:00:06,000", "three"), ("00:00:01,000", "00:00:02,000", "one"),
                         ("00:00:03,000", "00:00:04,000", "two"))
    t = parse_transcript(text, format=fmt)
    assert [(u.start, u.text) for u in t.utterances] == [(1, "one"), (3, "two"), (5, "three")]
    assert t.duration == 6


@pytest.mark.parametrize("fmt", sorted(CAPTIONS))
def test_an_end_before_its_start_gets_its_reading_time_up_to_the_next_cue(fmt):
    text = CAPTIONS[fmt](("00:00:01,000", "00:00:00,500", "five words take two seconds"),
                         ("00:00:10,000", "00:00:09,000", "a b c d e f g h i j k l m n o"),
                         ("00:00:12,000", "00:00:13,000", "last"))
    first, second, last = parse_transcript(text, format=fmt).utterances
    assert (first.start, first.end, first.estimated) == (1.0, 3.0, True)  # 5 words at 2.5 a second
    assert (second.start, second.end, second.estimated) == (10.0, 12.0, True)  # cut at the next cue
    assert (last.end, last.estimated) == (13.0, False)


def test_srt_block_without_timing_continues_the_cue_before_it():
    text = ("1\n00:00:01,000 --> 00:00:02,000\nAna: first part\n\nsecond part\n\n"
            "2\n00:00:03,000 --> 00:00:04,000\nBen: hi\n")
    t = parse_transcript(text, format="srt")
    assert [(u.speaker, u.text) for u in t.utterances] == [("Ana", "first part second part"), ("Ben", "hi")]


@pytest.mark.parametrize("text", [
    '{"segments": [{"start": 0, "end": 360000000000, "text": "x"}], "text": "x"}',
    '{"version": "1.0.0", "segments": [{"startTime": -1, "endTime": 2, "body": "x"}]}',
    '{"schema": 1, "utterances": [{"start": 0, "end": 1e12, "text": "x"}]}',
    '{"schema": 1, "duration": 1e12, "utterances": [{"start": 0, "end": 1, "text": "x"}]}',
])
def test_json_times_past_48_hours_or_negative_are_refused(text):
    with pytest.raises(FormatError, match="from 0 to 172,800"):
        parse_transcript(text, name="ep.json")


@pytest.mark.parametrize("number, why", [("1" + "0" * 400, "not a number"), ("1" * 5000, "thousands of digits")])
def test_json_numbers_too_big_for_a_float_or_an_int_are_refused(number, why):
    with pytest.raises(FormatError, match=why):
        parse_transcript(f'{{"segments": [{{"start": {number}, "end": 1, "text": "x"}}], "text": "x"}}')
    with pytest.raises(FormatError, match=why if why != "not a number" else "not a transcript format"):
        parse_transcript(f"[{number}]")
    with pytest.raises(FormatError):
        Transcript.from_json(f'{{"schema": 1, "utterances": [{{"start": {number}, "end": 1, "text": "x"}}]}}')


# --- 3. control characters --------------------------------------------------------------

HOSTILE = {  # what each does in a terminal
    "osc-title": "\x1b]0;pwned\x07",  # retitles the window
    "clear": "\x1b[2J\x1b[H",  # clears the screen
    "osc-8": "\x1b]8;;https://evil.example/\x1b\\",  # starts a hidden link
    "c1-csi": "\x9b31m",  # 8-bit CSI: red text
    "c1-osc": "\x9d0;pwned\x9c",
    "bel": "\x07",
    "nel": "\x85",
    "del": "\x7f",
}
EVIL = "".join(HOSTILE.values())


def assert_clean(t):
    """No control character and no escape payload anywhere in a transcript."""
    fields = [t.title, t.show, t.language or "", t.audio_url or "", *t.speakers]
    fields += [s for u in t.utterances for s in (u.text, u.speaker or "")]
    for value in [*fields, t.source]:  # the source names the file, its controls shown as \xNN
        assert not any(ord(ch) < 32 or 0x7f <= ord(ch) <= 0x9f for ch in value), repr(value)
    for value in fields:
        assert "pwned" not in value and "evil.example" not in value and "[2J" not in value, repr(value)


def hostile_files() -> dict[str, str]:
    """One file per reader, ESC/BEL/CSI/OSC/C1 in its title, speaker and text."""
    filler = " and so we went on talking about the weather for a while" * 30  # a real-sized file
    bodies = {"Ana Lima": f"Hello {EVIL}there.{filler}", "Ben Ode": f"Hi{EVIL} Ana.{filler}"}
    evil_name = f"Ana{HOSTILE['clear']} Lima{HOSTILE['osc-title']}"
    utterances = [{"start": 0, "end": 5, "speaker": evil_name, "text": bodies["Ana Lima"]},
                  {"start": 5, "end": 9, "speaker": "Ben Ode", "text": bodies["Ben Ode"]}]
    import json
    canonical = {"schema": 1, "title": f"Ep{EVIL} 1", "show": f"Show{EVIL}", "language": f"en{EVIL}",
                 "speakers": [evil_name, "Ben Ode"], "duration": 9, "source": f"x{EVIL}",
                 "audio_url": f"https://example.org/a.mp3{EVIL}", "utterances": utterances}
    return {
        "json": json.dumps(canonical),
        "podcast-json": json.dumps({"version": "1.0.0", "segments": [
            {"speaker": u["speaker"], "startTime": u["start"], "endTime": u["end"], "body": u["text"]}
            for u in utterances]}),
        "whisper-json": json.dumps({"text": "x", "language": f"en{EVIL}", "segments": [
            {"start": u["start"], "end": u["end"], "text": u["text"], "speaker": u["speaker"]}
            for u in utterances]}),
        "vtt": (f"WEBVTT\n\n00:00.000 --> 00:05.000\n<v {evil_name}>{bodies['Ana Lima']}\n\n"
                f"00:05.000 --> 00:09.000\n<v Ben Ode>{bodies['Ben Ode']}\n"),
        "srt": (f"1\n00:00:00,000 --> 00:00:05,000\nAna Lima: {bodies['Ana Lima']}\n\n"
                f"2\n00:00:05,000 --> 00:00:09,000\n{HOSTILE['clear']}Ben Ode: {bodies['Ben Ode']}\n"),
        "md": (f"# Episode {EVIL} 1\n\n**{evil_name}:** \\[00:01\\] {bodies['Ana Lima']}\n\n"
               f"**Ben Ode:** {bodies['Ben Ode']} &#27;&#x9b;&#133;&#7;\n"),  # entities too
        "txt": (f"Episode{EVIL} 1\n\nBy someone\n\nAna Lima: {bodies['Ana Lima']}\n\n"
                f"Ben{HOSTILE['bel']} Ode: {bodies['Ben Ode']}\n\nAna Lima: Bye{EVIL}.\n"),
    }


@pytest.mark.parametrize("fmt", ["json", "podcast-json", "whisper-json", "vtt", "srt", "md", "txt"])
def test_every_reader_strips_control_characters_from_title_speaker_and_text(tmp_path, fmt):
    extension = {"podcast-json": ".json", "whisper-json": ".json"}.get(fmt, f".{fmt}")
    path = tmp_path / f"ep{HOSTILE['osc-title']}{HOSTILE['c1-csi']}-1{extension}"  # the title if none inside
    path.write_text(hostile_files()[fmt])
    t = read_transcript(path)
    assert_clean(t)
    assert len(t.utterances) >= 2 and t.title
    assert t.utterances[0].text.startswith("Hello there.") or fmt == "txt"


def test_a_stored_transcript_json_is_cleaned_by_from_dict():
    import json
    t = Transcript.from_json(hostile_files()["json"])
    assert_clean(t)
    assert (t.title, t.show, t.language, t.speakers[0]) == ("Ep 1", "Show", "en", "Ana Lima")
    assert t.audio_url == "https://example.org/a.mp3"
    assert Transcript.from_json(t.to_json()) == t
    assert json.loads(t.to_json())["utterances"][0]["speaker"] == "Ana Lima"


def test_the_model_keeps_ordinary_unicode_and_drops_only_controls():
    u = Utterance(0, 1, "Café\tnaïve — “quoted” 日本語 \x00\x1b[1mbold\x1b[0m", speaker="  José\nMaría  ")
    assert u.text == "Café naïve — “quoted” 日本語 bold"
    assert u.speaker == "José María"
    assert Utterance(0, 1, "x", speaker=" \x07 ").speaker is None
    assert Transcript(speakers=["A\x1b[2J", "", "\x07"]).speakers == ("A",)


# --- 4. speaker names and texts cannot inject cues --------------------------------------

INJECTIONS = ["\n", "\n\n", "-->", "--->", " --> ", "99\n00:00:00,000 --> 00:00:05,000\n", "\r\n\r\n",
              "WEBVTT\n\n", "NOTE ", "<v Eve>", "</v>", "&amp;", "\x1b[2J", "\u2028", "\x85", "1"]
hostile_strings = st.lists(st.one_of(st.sampled_from(INJECTIONS),
                                     st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)),
                           min_size=1, max_size=6).map("".join)


def hostile_transcripts(speakers: bool):
    texts = hostile_strings.filter(lambda s: one_line(s) != "")
    speaker = texts if speakers else st.none()  # a speaker that cleans to nothing is None
    return st.lists(st.tuples(speaker, texts), min_size=1, max_size=6).map(
        lambda rows: Transcript.build([Utterance(i * 10, i * 10 + 9, text, speaker=who)
                                       for i, (who, text) in enumerate(rows)]))


TIMING_LINE = re.compile(r"^(?:\d\d:)?\d\d:\d\d[.,]\d{3} --> (?:\d\d:)?\d\d:\d\d[.,]\d{3}$")


@settings(max_examples=200, deadline=None)
@pytest.mark.parametrize("fmt", ["srt", "vtt"])
@given(t=hostile_transcripts(speakers=True))
def test_hostile_speakers_and_texts_never_add_or_lose_a_cue(fmt, t):
    out = write_transcript(t, fmt)
    blocks = [b.split("\n") for b in out.strip("\n").split("\n\n")]
    if fmt == "vtt":
        assert blocks[0] == ["WEBVTT"]
        blocks = blocks[1:]
    timing_lines = [line for line in out.split("\n") if "-->" in line]
    # every block is one cue: (number,) timing line, then one or two text lines
    for block in blocks:
        timing = block[1] if fmt == "srt" else block[0]
        assert TIMING_LINE.match(timing), block
        assert 1 <= len(block) - (2 if fmt == "srt" else 1) <= 2, block
    assert len(timing_lines) == len(blocks)
    assert len(_cues(out, "t", continue_blocks=fmt == "srt")) == len(blocks) >= len(t.utterances)
    back = parse_transcript(out, format=fmt)
    if fmt == "vtt":  # every utterance has a voice tag: turn for turn
        assert [(u.speaker, u.text) for u in back.utterances] == [(u.speaker, u.text) for u in t.utterances]


@settings(max_examples=100, deadline=None)
@given(t=hostile_transcripts(speakers=False))
def test_hostile_texts_read_back_text_for_text_in_vtt(t):
    back = parse_transcript(write_transcript(t, "vtt"), format="vtt")
    assert " ".join(u.text for u in back.utterances) == t.text


# --- 5. a file that is not what its extension says -------------------------------------

NOT_WHAT_IT_SAYS = {  # name: (content, what the one-line error says)
    "title-only.txt": ("My Great Episode\n", "one line of text and nothing after it"),
    "answer.json": ("42\n", "JSON, but not a transcript format"),
    "null.json": ("null", "JSON, but not a transcript format"),
    "hello.json": ('"hello"', "JSON, but not a transcript format"),
    "notes.json": ("Ana Lima: hi\n\nBen Ode: hello\n", "invalid JSON"),
    "answer.txt": ("42\n", "one line of text and nothing after it"),
    "bad-time.srt": ("1\n00:00:0x,000 --> 00:00:02,000\nAna: hi\n\n2\n00:00:03,000 --> 00:00:04,000\nBo: yo\n",
                     "cue 1: bad timing line"),
    "prose.srt": ("Ana Lima: hi there\n\nBen Ode: hello\n", "not an SRT file"),
    "webvtt-inside.srt": ("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>hi\n", "not an SRT file"),
    "no-header.vtt": ("1\n00:00:01,000 --> 00:00:02,000\n<v Ana>hi\n", "not a WebVTT file"),
    "bad-header.vtt": ("WEBVTTX\n\n00:01.000 --> 00:02.000\n<v Ana>hi\n", "not a WebVTT file"),
    "readme.md": ("# A README\n\nSome prose about a project.\n\nMore prose.\n", "not a Markdown transcript"),
    "captions.md": ("1\n00:00:01,000 --> 00:00:02,000\nAna: hi\n", "not a Markdown transcript"),
}


@pytest.mark.parametrize("name", sorted(NOT_WHAT_IT_SAYS))
def test_a_file_that_is_not_what_its_extension_says_is_refused(tmp_path, name):
    content, why = NOT_WHAT_IT_SAYS[name]
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(FormatError) as caught:
        read_transcript(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and why in message and "\n" not in message


@pytest.mark.parametrize("name, looks", [("no-header.vtt", "srt"), ("webvtt-inside.srt", "vtt"),
                                         ("captions.md", "srt")])
def test_the_refusal_says_what_the_file_looks_like(tmp_path, name, looks):
    path = tmp_path / name
    path.write_text(NOT_WHAT_IT_SAYS[name][0])
    with pytest.raises(FormatError, match=rf"\(it looks like {looks}\)$"):
        read_transcript(path)


def test_one_long_line_of_speech_is_a_transcript_not_a_title(tmp_path):
    path = tmp_path / "clip.txt"
    path.write_text(" ".join(["so we talked about the weather"] * 20) + "\n")
    t = read_transcript(path)
    assert len(t.utterances) == 1 and t.word_count == 120 and t.title == "clip"


def test_a_forced_format_or_a_txt_extension_still_reads_by_content(tmp_path):
    srt_text = "1\n00:00:01,000 --> 00:00:02,000\nAna: hi\n"
    (tmp_path / "captions.txt").write_text(srt_text)
    assert read_transcript(tmp_path / "captions.txt").source.startswith("import:srt:")
    (tmp_path / "captions.data").write_text(srt_text)
    assert read_transcript(tmp_path / "captions.data").utterances[0].speaker == "Ana"
    (tmp_path / "captions.md").write_text(srt_text)
    assert read_transcript(tmp_path / "captions.md", format="srt").utterances[0].text == "hi"


@pytest.mark.parametrize("header", ["WEBVTT", "WEBVTT - My talk", "WEBVTT\tx", "\ufeffWEBVTT", "\n\nWEBVTT"])
def test_webvtt_headers_the_spec_allows_are_read(tmp_path, header):
    path = tmp_path / "talk.vtt"
    path.write_text(f"{header}\n\n00:01.000 --> 00:02.000\n<v Ana>hi\n")
    assert [(u.speaker, u.text) for u in read_transcript(path).utterances] == [("Ana", "hi")]


def test_the_bundled_samples_still_read():
    from conftest import SAMPLES
    paths = sorted(SAMPLES.glob("*.txt"))
    assert len(paths) >= 3
    for path in paths:
        t = read_transcript(path)
        assert t.title and len(t.utterances) > 10 and t.speakers


caption_like = st.lists(st.sampled_from(["1", "00:00:01,000 --> 00:00:02,000", "-00:00:01,000", "WEBVTT",
                                         "<v Ana>", "Ana: hi", "**Ana:**", "\\[01:00:00.15\\]", "{", "}", "[",
                                         '"segments"', "", "\x1b[2J", "-->", "99999999:00:00,000"]),
                        max_size=12).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(body=st.one_of(caption_like, st.text(max_size=300)),
       suffix=st.sampled_from([".srt", ".vtt", ".json", ".md", ".txt", ""]))
def test_any_text_under_any_extension_is_a_transcript_or_a_one_line_format_error(body, suffix):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_text(body, encoding="utf-8", errors="surrogatepass")
        try:
            t = read_transcript(path)
        except FormatError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(str(path))
            return
        assert t.utterances or t.source.startswith(("import:json", "import:whisper-json"))
        assert_clean(t)
