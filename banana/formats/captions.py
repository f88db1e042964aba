"""SRT and WebVTT, written the way the Podcasting 2.0 transcript guidance asks.

SRT: at most two lines of 32 characters a cue, ``Name:`` at the start of a cue
where a turn starts. VTT: lines of at most 42 characters (the guidance allows 65),
two lines a cue, ``<v Name>`` on the cue where a turn starts. Readers take a cue
without a speaker mark as the continuation of the current turn when the file marks
speakers at all, so a transcript written here reads back turn for turn.
"""

from __future__ import annotations

import html
import re
from typing import TextIO

from banana.errors import FormatError
from banana.formats.base import SPEAKER_NAME, Reader, Writer, clean, clock, parse_clock
from banana.transcript import Transcript, Utterance

SRT_LINE_CHARS = 32
VTT_LINE_CHARS = 42
LINES_PER_CUE = 2

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})(?:\s.*)?$")
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


def _cues(text: str, name: str) -> list[tuple[float, float, str]]:
    """(start, end, raw text) of every timed block."""
    cues = []
    for block in _blocks(text):
        for i, line in enumerate(block[:3]):
            m = _TIMING.match(line)
            if m:
                try:
                    start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
                except ValueError:
                    raise FormatError(f"{name}: bad cue timing {line.strip()!r}") from None
                cues.append((start, max(start, end), "\n".join(block[i + 1:])))
                break
    return cues


def _join_turns(cues: list[tuple[float, float, str | None, str, bool]]) -> list[Utterance]:
    """cues: (start, end, speaker, text, starts_turn). When any cue marks a turn, unmarked
    cues continue the current turn; otherwise every cue is its own utterance."""
    marked = any(starts for *_, starts in cues)
    utterances: list[Utterance] = []
    speaker = None
    for start, end, cue_speaker, body, starts_turn in cues:
        if not body:
            continue
        if starts_turn:
            speaker = cue_speaker
        if marked and not starts_turn and utterances:
            prev = utterances[-1]
            utterances[-1] = Utterance(prev.start, max(prev.end, end), f"{prev.text} {body}", prev.speaker)
        else:
            utterances.append(Utterance(start, end, body, speaker=speaker))
    return utterances


class SrtReader(Reader):
    @staticmethod
    def detect(text: str) -> bool:
        blocks = _blocks(text)[:3]
        return any(_TIMING.match(line) for block in blocks for line in block[:2])

    def read(self, text: str, *, name: str) -> Transcript:
        cues = []
        for start, end, raw in _cues(text, name):
            body = clean(SRT_TAG.sub("", raw))
            m = _SRT_SPEAKER.match(body)
            if m:
                cues.append((start, end, m.group(1), clean(m.group(2)), True))
            else:
                cues.append((start, end, None, body, False))
        if not cues:
            raise FormatError(f"{name}: no SRT cues found")
        return Transcript.build(_join_turns(cues), source=f"import:srt:{name}")


class VttReader(Reader):
    @staticmethod
    def detect(text: str) -> bool:
        return text.lstrip("\ufeff \n").startswith("WEBVTT")

    def read(self, text: str, *, name: str) -> Transcript:
        if not self.detect(text):
            raise FormatError(f"{name}: a WebVTT file must start with 'WEBVTT'")
        cues = []
        for start, end, raw in _cues(text, name):
            voice = _VOICE.search(raw)
            body = clean(html.unescape(_VTT_TAG.sub("", raw)))
            if voice:
                cues.append((start, end, clean(html.unescape(voice.group(1))), body, True))
            else:
                cues.append((start, end, None, body, False))
        return Transcript.build(_join_turns(cues), source=f"import:vtt:{name}")


class SrtWriter(Writer):
    def write(self, transcript: Transcript, out: TextIO) -> None:
        n = 0
        for u in transcript.utterances:
            prefix = f"{u.speaker}:" if u.speaker else ""
            cues = wrap_cues(u.text, SRT_LINE_CHARS, first_prefix=prefix)
            for (start, end), lines in zip(_split_times(u, cues), cues):
                n += 1
                out.write(f"{n}\n{clock(start, sep=',')} --> {clock(end, sep=',')}\n")
                out.write("\n".join(lines) + "\n\n")


class VttWriter(Writer):
    def write(self, transcript: Transcript, out: TextIO) -> None:
        out.write("WEBVTT\n")
        if transcript.title:
            out.write(f"\nNOTE\n{clean(transcript.title).replace('-->', '->')}\n")
        for u in transcript.utterances:
            cues = wrap_cues(u.text, VTT_LINE_CHARS)
            for i, ((start, end), lines) in enumerate(zip(_split_times(u, cues), cues)):
                body = "\n".join(html.escape(line, quote=False) for line in lines)
                if i == 0 and u.speaker:
                    body = f"<v {html.escape(u.speaker, quote=False)}>{body}"
                out.write(f"\n{clock(start)} --> {clock(end)}\n{body}\n")
