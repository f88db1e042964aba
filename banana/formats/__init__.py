"""Transcript readers and writers, pluggable by name.

``read_transcript(path)`` checks the file is text (not binary, empty, huge or
mis-encoded), detects its format from the content and parses it;
``write_transcript(transcript, "srt")`` renders one. Adding a format is one class
and one line in ``READERS`` / ``WRITERS``.

A file whose extension names a format (``.srt``, ``.vtt``, ``.json``, ``.md``) must
hold that format: a ``.srt`` that is not SRT is refused with the reason, not read as
plain text. ``.txt`` and other extensions are detected from the content. Escape
sequences and control characters are dropped before any reader sees the text (and
the transcript model drops any that arrive another way).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from banana.errors import FormatError
from banana.fsutil import UnreadableFile, open_regular
from banana.formats.base import Reader, Writer
from banana.formats.captions import SrtReader, SrtWriter, VttReader, VttWriter
from banana.formats.jsonfmt import (
    CanonicalJsonReader,
    CanonicalJsonWriter,
    PodcastJsonReader,
    PodcastJsonWriter,
    WhisperJsonReader,
    load_json,
)
from banana.formats.text import MarkdownReader, MarkdownWriter, PublishedTextReader, TextWriter
from banana.transcript import Transcript, strip_controls

# Detection tries readers in this order; the first whose detect() accepts wins.
READERS: dict[str, type[Reader]] = {
    "json": CanonicalJsonReader,
    "podcast-json": PodcastJsonReader,
    "whisper-json": WhisperJsonReader,
    "vtt": VttReader,
    "srt": SrtReader,
    "md": MarkdownReader,
    "txt": PublishedTextReader,
}

WRITERS: dict[str, type[Writer]] = {
    "json": CanonicalJsonWriter,
    "srt": SrtWriter,
    "vtt": VttWriter,
    "podcast-json": PodcastJsonWriter,
    "txt": TextWriter,
    "md": MarkdownWriter,
}

EXTENSIONS = {"json": ".json", "srt": ".srt", "vtt": ".vtt", "podcast-json": ".json",
              "txt": ".txt", "md": ".md"}

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_CHARS = 100_000  # a transcript line longer than this is not a transcript (JSON excepted)

_MAGIC = [  # (prefix, what it is)
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"ID3", "an MP3 audio file (use 'banana transcribe')"),
    (b"OggS", "an Ogg audio file (use 'banana transcribe')"),
    (b"fLaC", "a FLAC audio file (use 'banana transcribe')"),
    (b"RIFF", "a RIFF (WAV/AVI) file (use 'banana transcribe' for audio)"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
]


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a transcript file as text, or a FormatError saying why they are not."""
    if not data.strip():
        raise FormatError(f"{name}: file is empty")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise FormatError(f"{name}: this is {what}, not a transcript")
    if data[4:8] == b"ftyp":
        raise FormatError(f"{name}: this is an MP4/M4A media file (use 'banana transcribe'), not a transcript")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FormatError(f"{name}: invalid UTF-16 text") from None
    if b"\x00" in data[:65536]:
        raise FormatError(f"{name}: binary data, not a transcript")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{name}: not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(2, len(sample) // 100):
        raise FormatError(f"{name}: binary data (control characters), not a transcript")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_lines(text: str, name: str) -> None:
    start = 0
    lineno = 1
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        if end - start > MAX_LINE_CHARS:
            raise FormatError(
                f"{name}: line {lineno} is {end - start:,} characters long; not a transcript"
            )
        start = end + 1
        lineno += 1


def shown_path(path: Path) -> str:
    """The path for a message: control characters in a file name shown as ``\\xNN``, so
    an error naming a hostile file cannot drive the terminal."""
    return "".join(f"\\x{ord(ch):02x}" if ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F else ch
                   for ch in str(path))


def read_bytes(path: Path) -> bytes:
    """A transcript file's bytes, or a FormatError saying in one line why not (only a
    regular file is read: see ``fsutil.open_regular``)."""
    name = shown_path(path)
    try:
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise FormatError(f"{name}: file is {size / 1e6:.0f} MB; transcripts over "
                                  f"{MAX_FILE_BYTES // 2**20} MiB are not read")
            return fh.read(MAX_FILE_BYTES + 1)
    except UnreadableFile as exc:
        what = str(exc).replace("is a directory", "is a directory, not a transcript file")
        raise FormatError(f"{name}: {what}") from None
    except OSError as exc:
        raise FormatError(f"{name}: cannot read ({exc.strerror or exc})") from None


def detect_format(text: str) -> str | None:
    for fmt, reader in READERS.items():
        if reader.detect(text):
            return fmt
    return None


JSON_FORMATS = ("json", "podcast-json", "whisper-json")

# What an extension promises, and what a file lacks when it breaks the promise.
BY_EXTENSION: dict[str, tuple[tuple[str, ...], str]] = {
    ".srt": (("srt",), "not an SRT file: no cue timing line ('00:00:01,000 --> 00:00:04,000') "
                       "in its first cues"),
    ".vtt": (("vtt",), "not a WebVTT file: it must start with a 'WEBVTT' line"),
    ".md": (("md",), "not a Markdown transcript: no '**Name:**' speaker turns"),
    ".json": (JSON_FORMATS, ""),  # the JSON refusal says why
}


def _json_refusal(text: str, name: str) -> FormatError:
    try:
        load_json(text, name)
    except FormatError as exc:
        return exc
    return FormatError(f"{name}: JSON, but not a transcript format Banana reads "
                       "(canonical, whisper or Podcasting 2.0 JSON)")


def format_for_extension(text: str, suffix: str, name: str) -> str | None:
    """The format a file with this extension holds, or None when the extension names
    none (``.txt``, others: detect from the content). Raises FormatError when the
    content is not the format the extension names."""
    formats, why = BY_EXTENSION.get(suffix.lower(), ((), ""))
    if not formats:
        return None
    detected = detect_format(text)
    if detected in formats:
        return detected
    if formats == JSON_FORMATS:
        raise _json_refusal(text, name)
    looks = f" (it looks like {detected})" if detected not in ("md", "txt", None) else ""
    raise FormatError(f"{name}: {why}{looks}")


def parse_transcript(text: str, *, name: str = "<text>", format: str | None = None) -> Transcript:
    """Parse transcript text (format detected unless given)."""
    if format is not None and format not in READERS:
        raise FormatError(f"unknown transcript format {format!r}; choose from {', '.join(READERS)}")
    text = strip_controls(text)
    if not text.strip():
        raise FormatError(f"{name}: file is empty")
    if not text.lstrip().startswith(("{", "[")):
        _check_lines(text, name)
    fmt = format or detect_format(text)
    if format is None and text.lstrip().startswith(("{", "[")) and fmt not in JSON_FORMATS:
        raise _json_refusal(text, name)
    if fmt is None:
        raise FormatError(f"{name}: not a transcript in any format Banana reads "
                          f"({', '.join(READERS)})")
    transcript = READERS[fmt]().read(text, name=name)
    if not transcript.utterances and fmt not in ("json", "whisper-json"):
        raise FormatError(f"{name}: no transcript text found (read as {fmt})")
    return transcript


def read_transcript(path: Path | str, *, format: str | None = None) -> Transcript:
    """Read any transcript file Banana knows; raises FormatError naming the file."""
    path = Path(path)
    if format is not None and format not in READERS:
        raise FormatError(f"unknown transcript format {format!r}; choose from {', '.join(READERS)}")
    name = shown_path(path)
    text = strip_controls(decode_text(read_bytes(path), name))
    if format is None and text.strip():
        format = format_for_extension(text, path.suffix, name)
    transcript = parse_transcript(text, name=name, format=format)
    if not transcript.title:
        transcript = transcript.replace(title=path.stem.replace("_", " ").replace("-", " ").strip())
    return transcript


def write_transcript(transcript: Transcript, format: str) -> str:
    """Render a transcript in one of ``WRITERS``' formats."""
    try:
        writer = WRITERS[format]()
    except KeyError:
        raise FormatError(f"unknown output format {format!r}; choose from {', '.join(WRITERS)}") from None
    out = io.StringIO()
    writer.write(transcript, out)
    return out.getvalue()
