"""Reader and writer base classes and the text helpers they share."""

from __future__ import annotations

import re
from typing import TextIO

from banana.transcript import Transcript

_SPACE = re.compile(r"\s+")

# "Triveni Gandhi", "Will", "Dr. Jane O'Neil-Smith": one to four capitalised words.
SPEAKER_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*| (?:de|van|von|da|del|la|le|bin|al)){0,3}"


def clean(text: str) -> str:
    """Collapse runs of whitespace to single spaces and trim."""
    return _SPACE.sub(" ", text).strip()


def parse_clock(stamp: str) -> float:
    """``"1:02:03.5"``, ``"02:03,500"``, ``"12:13"`` → seconds."""
    stamp = stamp.strip().replace(",", ".")
    parts = stamp.split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"bad timestamp {stamp!r}")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


# An inline time stamp as transcribers type it: ``mm:ss``, ``h:mm:ss``, ``mm:ss.ff``,
# ``hh:mm:ss.ff``, with the slips found in the Changelog transcripts: a space or a bold
# marker around a colon (``00:32: 14.03``, ``00:11**:** 51.07``), a one-digit second
# (``00:31:2.01``), a dot for a colon (``01:01.04.06``), a colon before the frames
# (``00:16:16:05``). Fields are read by count, see ``stamp_seconds``.
_STAMP_SEP = r"\s*(?:\*\*)?[:.](?:\*\*)?\s*"
STAMP = rf"\d{{1,2}}\s*(?:\*\*)?:(?:\*\*)?\s*\d{{2}}(?:{_STAMP_SEP}\d{{1,2}})?(?:[:.]\d{{1,3}})?"
_STAMP_FIELD = re.compile(r"\d+|[:.]")

# Video timecode counts frames after the seconds (``hh:mm:ss.ff``, ff 00-29 at 30 fps),
# as the Changelog transcribers do; a file whose two-digit fractions all stay below
# TIMECODE_FPS is read as timecode, any other as decimal fractions of a second.
TIMECODE_FPS = 30


def _stamp_fields(stamp: str) -> tuple[int, str]:
    """(whole seconds, fraction digits or "") of one ``STAMP``."""
    tokens = _STAMP_FIELD.findall(stamp)
    fields, seps = [int(t) for t in tokens[0::2]], tokens[1::2]
    fraction = ""
    if len(fields) == 4 or (len(fields) == 3 and seps[1] == "."):
        fraction = tokens[-1]
        fields = fields[:-1]
    whole = 0
    for field in fields:
        whole = whole * 60 + field
    return whole, fraction


def stamp_seconds(stamps: list[str]) -> list[float]:
    """Seconds of each of one file's ``STAMP`` matches. The fractions are read together:
    as frames when every one is two digits below TIMECODE_FPS, else as decimals."""
    parsed = [_stamp_fields(s) for s in stamps]
    fractions = [f for _, f in parsed if f]
    frames = bool(fractions) and all(len(f) == 2 and int(f) < TIMECODE_FPS for f in fractions)
    return [whole + ((int(f) / TIMECODE_FPS if frames else float(f"0.{f}")) if f else 0.0)
            for whole, f in parsed]


def clock(seconds: float, *, sep: str = ".") -> str:
    """Seconds → ``HH:MM:SS.mmm`` (``sep=","`` for SRT)."""
    ms = int(round(max(seconds, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


class Reader:
    """Parses one transcript format."""

    @staticmethod
    def detect(text: str) -> bool:  # pragma: no cover - every reader overrides
        raise NotImplementedError

    def read(self, text: str, *, name: str) -> Transcript:  # pragma: no cover
        raise NotImplementedError


class Writer:
    """Renders a transcript in one format to a text stream."""

    def write(self, transcript: Transcript, out: TextIO) -> None:  # pragma: no cover
        raise NotImplementedError
