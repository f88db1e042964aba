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
