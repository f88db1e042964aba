"""Readers and writers against real-world slips and hostile input: every stamp form the
Changelog transcripts use, caption files with bad times, control characters, injected
cues, and files whose content is not the format their extension names."""

from __future__ import annotations

import html
import re

import pytest

from banana.formats import parse_transcript, read_transcript
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
