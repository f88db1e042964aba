"""The transcript model every feature shares, and its one canonical JSON form.

An utterance's *turn index* is its 0-based position in ``Transcript.utterances``;
later stages (segments, glossary, search) report positions as turn indexes.

Every text field is one line of printable text, whatever made the object (a reader,
``from_dict`` on a stored or hand-edited transcript.json, a whisper run): the
constructors drop terminal escape sequences and C0/C1 control characters and collapse
whitespace (newlines included) to single spaces (``one_line``). So no command, file or
page built from a transcript can retitle or clear a terminal, hide a link, or break a
speaker name across the lines of an SRT or VTT cue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from banana.errors import FormatError

SCHEMA = 2  # version of the canonical JSON form; bump with a migration in MIGRATIONS

WORDS_PER_SECOND = 2.5  # typical conversational speaking rate (150 words per minute)
MAX_SECONDS = 48 * 3600  # no recording runs two days: a later time in a file is garbage

# ECMA-48 escape sequences, removed whole so no payload is left behind: CSI (ESC [ or
# 8-bit 0x9B, parameters, one final byte: colours, cursor moves, "clear screen"); the
# string controls OSC, DCS, SOS, PM, APC (ESC ] P X ^ _ or 0x9D 0x90 0x98 0x9E 0x9F, up
# to BEL or ST: window titles, OSC-8 hyperlinks); and other two-byte ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# C0, DEL and C1 controls that are not whitespace (tab, newline, CR, VT, FF, the
# separators 0x1C-0x1F and NEL 0x85 are whitespace, and become spaces).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_SPACE = re.compile(r"\s+")


def strip_controls(text: str) -> str:
    """``text`` without escape sequences or control characters; whitespace (tab, newline)
    is kept, for readers that split lines and paragraphs."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def one_line(text: str) -> str:
    """``text`` as one line of printable text: escape sequences and control characters
    dropped, runs of whitespace (newlines included) collapsed to one space, trimmed."""
    text = str(text)
    if text.isprintable() and "  " not in text and text == text.strip():
        return text  # the common case, untouched
    return _SPACE.sub(" ", strip_controls(text)).strip()


_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\^`{|}]")


def web_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL that a page or a terminal can show and
    link to safely (``javascript:``, relative paths, quotes, spaces, controls), or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return f"audio URL {url!r} must be an absolute http:// or https:// address"
    if _URL_UNSAFE.search(url):
        return (f"audio URL {url!r} contains a space, quote or other character a URL cannot "
                "hold; percent-encode it")
    return None


def _optional_line(text: str | None) -> str | None:
    """``one_line`` for an optional field; empty becomes None."""
    return None if text is None else one_line(text) or None


def _seconds(value: Any, what: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        raise FormatError(f"{what} must be a number of seconds, not {repr(value)[:40]}") from None
    if not 0 <= seconds <= MAX_SECONDS:  # NaN fails too
        raise FormatError(f"{what} must be seconds from 0 to {MAX_SECONDS:,} "
                          f"({MAX_SECONDS // 3600} hours), not {repr(value)[:40]}")
    return seconds


@dataclass(frozen=True)
class Word:
    """One word as the speech model timed it: seconds, its text as written (with any
    punctuation attached), and the model's probability for it when known."""

    start: float
    end: float
    text: str
    probability: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", round(float(self.start), 3))
        object.__setattr__(self, "end", round(max(float(self.end), self.start), 3))
        object.__setattr__(self, "text", one_line(self.text))
        if self.probability is not None:
            object.__setattr__(self, "probability", round(min(max(float(self.probability), 0.0), 1.0), 4))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if self.probability is not None:
            data["probability"] = self.probability
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Word:
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise FormatError("a word must be an object with 'start', 'end' and 'text'")
        start = _seconds(data.get("start"), "a word's start")
        end = _seconds(data.get("end"), "a word's end")
        probability = data.get("probability")
        if probability is not None:
            try:
                probability = float(probability)
            except (TypeError, ValueError, OverflowError):
                raise FormatError(f"a word's probability must be a number, not {probability!r}") from None
            if not 0.0 <= probability <= 1.0:
                raise FormatError(f"a word's probability must be from 0 to 1, not {probability!r}")
        return cls(start, end, data["text"], probability)


@dataclass(frozen=True)
class Utterance:
    """One speaker turn (or one timed segment), times in seconds. ``words`` are the
    speech model's timed words when it gave them (empty otherwise)."""

    start: float
    end: float
    text: str
    speaker: str | None = None  # None when the speaker is unknown
    estimated: bool = False  # True when times are estimated, not measured
    words: tuple[Word, ...] = ()

    def __post_init__(self) -> None:
        # Times are kept to the millisecond, the precision of every format we write,
        # so that write -> read gives back an equal object.
        object.__setattr__(self, "start", round(float(self.start), 3))
        object.__setattr__(self, "end", round(float(self.end), 3))
        object.__setattr__(self, "text", one_line(self.text))
        object.__setattr__(self, "speaker", _optional_line(self.speaker))
        object.__setattr__(self, "words", tuple(self.words))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
            "estimated": self.estimated,
        }
        if self.words:
            data["words"] = [w.to_dict() for w in self.words]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Utterance:
        try:
            start = float(data["start"])
            end = float(data["end"])
            text = str(data["text"])
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise FormatError(f"utterance is missing or has a bad field: {exc}") from None
        if not (0 <= start <= MAX_SECONDS and 0 <= end <= MAX_SECONDS):  # NaN fails too
            raise FormatError(f"utterance times must be seconds from 0 to {MAX_SECONDS:,} "
                              f"({MAX_SECONDS // 3600} hours), not {data['start']!r}, {data['end']!r}")
        speaker = data.get("speaker")
        words = data.get("words") or []
        if not isinstance(words, list):
            raise FormatError("an utterance's 'words' must be a list")
        return cls(
            start=start,
            end=end,
            text=text,
            speaker=None if speaker in (None, "") else str(speaker),
            estimated=bool(data.get("estimated", False)),
            words=tuple(Word.from_dict(w) for w in words),
        )

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Transcript:
    """An episode's transcript: metadata plus utterances in time order."""

    utterances: tuple[Utterance, ...] = ()
    title: str = ""
    show: str = ""
    speakers: tuple[str, ...] = ()
    language: str | None = None
    duration: float = 0.0  # seconds
    source: str = ""  # what produced it: "import:<format>:<file>", "whisper:<model>", ...
    audio_url: str | None = None  # where listeners can play the episode, if known

    def __post_init__(self) -> None:
        # Accept lists for convenience but store tuples so the object stays immutable.
        object.__setattr__(self, "utterances", tuple(self.utterances))
        object.__setattr__(self, "speakers", tuple(
            name for name in (_optional_line(s) for s in self.speakers) if name))
        object.__setattr__(self, "duration", round(float(self.duration), 3))
        for field in ("title", "show", "source"):
            object.__setattr__(self, field, one_line(getattr(self, field)))
        object.__setattr__(self, "language", _optional_line(self.language))
        object.__setattr__(self, "audio_url", _optional_line(self.audio_url))
        if self.audio_url is not None:
            problem = web_url_problem(self.audio_url)
            if problem:
                raise FormatError(problem)

    @classmethod
    def build(cls, utterances, **fields: Any) -> Transcript:
        """A transcript whose speakers and duration are derived from its utterances
        unless given explicitly."""
        utterances = tuple(utterances)
        if "speakers" not in fields:
            fields["speakers"] = speakers_in_order(utterances)
        if not fields.get("duration"):
            fields["duration"] = max((u.end for u in utterances), default=0.0)
        return cls(utterances=utterances, **fields)

    def replace(self, **changes: Any) -> Transcript:
        return replace(self, **changes)

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)

    @property
    def word_count(self) -> int:
        return sum(u.word_count for u in self.utterances)

    @property
    def estimated(self) -> bool:
        """True when any utterance's times are estimated rather than measured."""
        return any(u.estimated for u in self.utterances)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "title": self.title,
            "show": self.show,
            "speakers": list(self.speakers),
            "language": self.language,
            "duration": self.duration,
            "source": self.source,
        }
        if self.audio_url:
            data["audio_url"] = self.audio_url
        data["utterances"] = [u.to_dict() for u in self.utterances]
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Transcript:
        if not isinstance(data, dict):
            raise FormatError("canonical transcript JSON must be an object")
        data = migrate(data)
        utterances = data.get("utterances")
        if not isinstance(utterances, list) or not all(isinstance(u, dict) for u in utterances):
            raise FormatError("'utterances' must be a list of objects")
        speakers = data.get("speakers") or []
        if not isinstance(speakers, list):
            raise FormatError("'speakers' must be a list")
        try:
            duration = float(data.get("duration") or 0.0)
        except (TypeError, ValueError, OverflowError):
            raise FormatError("'duration' must be a number") from None
        if not 0 <= duration <= MAX_SECONDS:
            raise FormatError(f"'duration' must be seconds from 0 to {MAX_SECONDS:,}, not {duration!r}")
        for key in ("language", "audio_url"):
            if data.get(key) and not isinstance(data[key], str):
                raise FormatError(f"'{key}' must be a string")
        return cls(
            utterances=tuple(Utterance.from_dict(u) for u in utterances),
            title=str(data.get("title") or ""),
            show=str(data.get("show") or ""),
            speakers=tuple(str(s) for s in speakers),
            language=data.get("language") or None,
            duration=duration,
            source=str(data.get("source") or ""),
            audio_url=data.get("audio_url") or None,
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(f"invalid JSON: {exc.msg} at line {exc.lineno}") from None
        except ValueError:  # an integer past Python's 4,300-digit conversion limit
            raise FormatError("invalid JSON: a number with thousands of digits") from None
        except RecursionError:
            raise FormatError("invalid JSON: nested too deeply") from None
        return cls.from_dict(data)


def _from_schema_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 had no word timings; its utterances read as they are."""
    return {**data, "schema": 2}


# MIGRATIONS[n] turns schema n into schema n + 1; a transcript is read by running the
# migrations from its schema up to SCHEMA (llm's numbered-migration pattern).
MIGRATIONS = {1: _from_schema_1}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Canonical JSON of any schema this Banana knows, brought up to ``SCHEMA``."""
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or not 1 <= schema <= SCHEMA:
        raise FormatError(f"unsupported transcript schema {schema!r} (this Banana reads 1 to {SCHEMA})")
    while schema < SCHEMA:
        data = MIGRATIONS[schema](data)
        schema = data["schema"]
    return data


def speakers_in_order(utterances) -> tuple[str, ...]:
    """Distinct known speakers in order of first appearance."""
    seen: dict[str, None] = {}
    for u in utterances:
        if u.speaker:
            seen.setdefault(u.speaker)
    return tuple(seen)


def estimate_times(texts_and_speakers, *, start: float = 0.0,
                   words_per_second: float = WORDS_PER_SECOND) -> list[Utterance]:
    """Utterances laid end to end, each lasting its word count at a typical speaking rate."""
    out = []
    t = start
    for speaker, text in texts_and_speakers:
        seconds = max(len(text.split()), 1) / words_per_second
        out.append(Utterance(start=t, end=t + seconds, text=text, speaker=speaker, estimated=True))
        t += seconds
    return out


def format_timestamp(seconds: float, *, always_hours: bool = False) -> str:
    """``mm:ss`` or ``h:mm:ss`` (``hh:mm:ss`` with always_hours)."""
    total = int(max(seconds, 0.0))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if always_hours:
        return f"{h:02d}:{m:02d}:{s:02d}"
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
