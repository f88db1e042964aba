"""SRT and WebVTT, written the way the Podcasting 2.0 transcript guidance asks.

SRT: at most two lines of 32 characters a cue, ``Name:`` at the start of a cue
where a turn starts. VTT: lines of at most 42 characters (the guidance allows 65),
two lines a cue, ``<v Name>`` on the cue where a turn starts. Readers take a cue
without a speaker mark as the continuation of the current turn when the file marks
speakers at all, so a transcript written here reads back turn for turn.

Reading decides bad timings as a captions editor would (Subtitle Edit's "fix common
errors"), the same for SRT and VTT:

- cues are taken in order of start time (a stable sort: equal starts keep file order),
  whatever order the file lists them in;
- a timing line (any of a block's first lines holding ``-->``) that does not parse, a
  negative time, or a time past ``MAX_SECONDS`` (48 h: no recording runs two days, and
  ``99999999:00:00,000`` would make the episode ten thousand years long) is refused:
  a one-line FormatError naming the file and the cue (its SRT number or VTT
  identifier, else its position);
- a cue that ends before it starts is given the time its words take at a speaking
  rate, cut at the next cue's start, and marked estimated (not clamped to nothing);
- in SRT, a block with no timing line after a cue is that cue's text continued (a
  blank line typed inside a cue); VTT drops such blocks, as the WebVTT parser does.

Writing never lets a text break a cue: speakers and text are one line (the model
keeps them so, and the writers make sure), a cue line never holds ``-->`` (SRT, which
has no escaping, writes ``->``; VTT escapes ``>``).
"""

from __future__ import annotations

import bisect
import html
import re
from typing import TextIO

from banana.errors import FormatError
from banana.formats.base import SPEAKER_NAME, Reader, Writer, clean, clock, parse_clock
from banana.transcript import MAX_SECONDS, WORDS_PER_SECOND, Transcript, Utterance, one_line

SRT_LINE_CHARS = 32
VTT_LINE_CHARS = 42
LINES_PER_CUE = 2

_TIME = r"-?(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"  # the sign only so it can be refused
_TIMING = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})(?:\s.*)?$")
_TIMING_LIKE = re.compile(r"^\s*-?\d.*-->")
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t\n]|$)")
_SRT_SPEAKER = re.compile(rf"^({SPEAKER_NAME}):\s+(.*)$", re.S)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_VTT_TAG = re.compile(r"</?(?:c|i|b|u|v|ruby|rt|lang)\b[^>]*>|<\d[\d:.]*>")
SRT_TAG = re.compile(r"</?(?:i|b|u|font)\b[^>]*>|\{\\[^}]*\}")


def wrap_cues(text: str, line_chars: int, *, first_prefix: str = "") -> list[list[str]]:
    """Split text into cues of at most LINES_PER_CUE lines of ``line_chars`` characters.
    ``first_prefix`` (a speaker label) counts against the first line's width; a word
    longer than a line gets a line of its own."""
    cues: list[list[str]] = []
    lines: list[str] = []
    line, has_word = first_prefix, False
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= line_chars or not has_word:
            line, has_word = candidate, True
            continue
        lines.append(line)
        if len(lines) == LINES_PER_CUE:
            cues.append(lines)
            lines = []
        line = word
    if has_word:
        lines.append(line)
    if lines:
        cues.append(lines)
    return cues


def _split_times(u: Utterance, cues: list[list[str]]) -> list[tuple[float, float]]:
    """Share an utterance's time span among its cues in proportion to their length."""
    lengths = [sum(len(line) for line in cue) for cue in cues]
    total = sum(lengths) or 1
    spans = []
    t = u.start
    for i, n in enumerate(lengths):
        end = u.end if i == len(lengths) - 1 else u.start + (u.end - u.start) * (sum(lengths[: i + 1]) / total)
        spans.append((t, end))
        t = end
    return spans


def _blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cues(text: str, name: str, *, continue_blocks: bool) -> list[tuple[float, float, str, bool]]:
    """(start, end, raw text, end estimated) of every timed block, in order of start;
    see the module docstring for the timings refused or mended. ``continue_blocks``:
    a block without a timing line continues the cue before it (SRT)."""
    cues: list[tuple[float, float, str]] = []
    for block in _blocks(text):
        i = next((i for i, line in enumerate(block[:3]) if "-->" in line), None)
        if i is None:
            if continue_blocks and cues:
                start, end, body = cues[-1]
                cues[-1] = (start, end, "\n".join([body, *block]))
            continue
        label = f"cue {one_line(block[0])[:20]}" if i else f"cue {len(cues) + 1}"  # SRT number, VTT id
        line = block[i].strip()
        m = _TIMING.match(line)
        if not m:
            raise FormatError(f"{name}: {label}: bad timing line {line[:80]!r}")
        if m.group(1).startswith("-") or m.group(2).startswith("-"):
            raise FormatError(f"{name}: {label}: negative time in {line[:80]!r}")
        start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
        if max(start, end) > MAX_SECONDS:
            raise FormatError(f"{name}: {label}: time past {MAX_SECONDS // 3600} hours in {line[:80]!r}")
        cues.append((start, end, "\n".join(block[i + 1:])))
    cues.sort(key=lambda cue: cue[0])
    starts = [start for start, _, _ in cues]
    out = []
    for start, end, body in cues:
        estimated = end < start
        if estimated:  # as long as its words take to say, but not past the next cue
            end = start + max(len(body.split()), 1) / WORDS_PER_SECOND
            k = bisect.bisect_right(starts, start)
            end = min(end, starts[k]) if k < len(starts) else end
        out.append((start, end, body, estimated))
    return out


def _join_turns(cues: list[tuple[float, float, str | None, str, bool, bool]]) -> list[Utterance]:
    """cues: (start, end, speaker, text, starts_turn, estimated). When any cue marks a
    turn, unmarked cues continue the current turn; otherwise every cue is its own utterance."""
    marked = any(starts for *_, starts, _ in cues)
    utterances: list[Utterance] = []
    speaker = None
    for start, end, cue_speaker, body, starts_turn, estimated in cues:
        if not body:
            continue
        if starts_turn:
            speaker = cue_speaker
        if marked and not starts_turn and utterances:
            prev = utterances[-1]
            utterances[-1] = Utterance(prev.start, max(prev.end, end), f"{prev.text} {body}", prev.speaker,
                                       estimated=prev.estimated or estimated)
        else:
            utterances.append(Utterance(start, end, body, speaker=speaker, estimated=estimated))
    return utterances


class SrtReader(Reader):
    @staticmethod
    def detect(text: str) -> bool:
        # A timing line among the first cues' first lines, well-formed or not, so that
        # a bad one is refused naming its cue rather than read as plain text.
        blocks = _blocks(text[:10_000])[:3]
        return any(_TIMING_LIKE.match(line) for block in blocks for line in block[:2])

    def read(self, text: str, *, name: str) -> Transcript:
        cues = []
        for start, end, raw, estimated in _cues(text, name, continue_blocks=True):
            body = clean(SRT_TAG.sub("", raw))
            m = _SRT_SPEAKER.match(body)
            if m:
                cues.append((start, end, m.group(1), clean(m.group(2)), True, estimated))
            else:
                cues.append((start, end, None, body, False, estimated))
        if not cues:
            raise FormatError(f"{name}: no SRT cues found")
        return Transcript.build(_join_turns(cues), source=f"import:srt:{name}")


class VttReader(Reader):
    @staticmethod
    def detect(text: str) -> bool:
        # The WebVTT header: "WEBVTT" then the end of the line, a space or a tab.
        return _VTT_HEADER.match(text.lstrip("\ufeff \n")) is not None

    def read(self, text: str, *, name: str) -> Transcript:
        if not self.detect(text):
            raise FormatError(f"{name}: a WebVTT file must start with 'WEBVTT'")
        cues = []
        for start, end, raw, estimated in _cues(text, name, continue_blocks=False):
            voice = _VOICE.search(raw)
            body = clean(html.unescape(_VTT_TAG.sub("", raw)))
            if voice:
                cues.append((start, end, clean(html.unescape(voice.group(1))), body, True, estimated))
            else:
                cues.append((start, end, None, body, False, estimated))
        return Transcript.build(_join_turns(cues), source=f"import:vtt:{name}")


_ARROW = re.compile(r"-{2,}>")


def _cue_line(text: str) -> str:
    """One line that cannot end a cue or start a new one: no newline, no ``-->``."""
    return _ARROW.sub("->", one_line(text))


class SrtWriter(Writer):
    def write(self, transcript: Transcript, out: TextIO) -> None:
        n = 0
        for u in transcript.utterances:
            prefix = f"{_cue_line(u.speaker)}:" if u.speaker else ""
            cues = wrap_cues(u.text, SRT_LINE_CHARS, first_prefix=prefix)
            for (start, end), lines in zip(_split_times(u, cues), cues):
                n += 1
                out.write(f"{n}\n{clock(start, sep=',')} --> {clock(end, sep=',')}\n")
                out.write("\n".join(_cue_line(line) for line in lines) + "\n\n")


class VttWriter(Writer):
    def write(self, transcript: Transcript, out: TextIO) -> None:
        out.write("WEBVTT\n")
        if transcript.title:
            out.write(f"\nNOTE\n{_cue_line(transcript.title)}\n")
        for u in transcript.utterances:
            cues = wrap_cues(u.text, VTT_LINE_CHARS)
            for i, ((start, end), lines) in enumerate(zip(_split_times(u, cues), cues)):
                # escaping ">" is what keeps "-->" out of a cue here
                body = "\n".join(html.escape(one_line(line), quote=False) for line in lines)
                if i == 0 and u.speaker:
                    body = f"<v {html.escape(one_line(u.speaker), quote=False)}>{body}"
                out.write(f"\n{clock(start)} --> {clock(end)}\n{body}\n")
