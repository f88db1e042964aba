"""Chapters from an episode's segments, in the formats podcast platforms take.

One chapter per segment (the intro, each topic, "In English Please", the brain
teaser, the sign-off). Writers are picked by name from ``WRITERS``:

``podcast-json``
    Podcasting 2.0 chapters: ``{"version": "1.2.0", "chapters": [{"startTime",
    "title", "endTime"}]}``, ascending, the first at 0.
``youtube``
    description lines (``00:00 Intro``) that YouTube and Spotify turn into
    chapters: the first at 00:00, at least three, each at least 10 s long, titles
    under 40 characters. Short chapters are merged into a neighbour, long titles
    shortened at a word, and too few chapters split; an episode under 30 s cannot
    have such chapters and raises ``ChapterError``.
``vtt``
    WebVTT chapters (one cue per chapter).
``ffmetadata``
    ffmpeg's FFMETADATA1 with ``[CHAPTER]`` sections in milliseconds.

``embed_chapters`` writes ID3 CHAP/CTOC frames (mutagen) into a copy of an MP3.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from banana.analysis import Analysis
from banana.analysis.segments import Segment
from banana.errors import AudioError, ChapterError
from banana.fsutil import atomic_path
from banana.transcript import Transcript, format_timestamp

PODCAST_CHAPTERS_VERSION = "1.2.0"
YOUTUBE_MIN_CHAPTERS = 3
YOUTUBE_MIN_SECONDS = 10.0
YOUTUBE_TITLE_MAX_CHARS = 39  # "under 40 characters"
TITLE_MAX_CHARS = 120  # any chapter title, any format
ELLIPSIS = "…"
MS_PER_SECOND = 1000
ID3_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets "not used": players go by time
TOC_ELEMENT_ID = "toc"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Chapter:
    """One chapter: a title and where it starts and ends, in seconds."""

    start: float
    end: float
    title: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "title": self.title}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chapter:
        return cls(start=float(data["start"]), end=float(data["end"]), title=str(data["title"]))

    @property
    def seconds(self) -> float:
        return self.end - self.start


def clean_title(text: str, *, max_chars: int = TITLE_MAX_CHARS) -> str:
    """One line, no control characters, at most ``max_chars`` (shortened at a word, with …)."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return shorten(text, max_chars)


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters at a word boundary, marked with "…".
    A single word longer than the limit is cut inside the word (still marked with "…")."""
    if len(text) <= max_chars:
        return text
    if max_chars <= len(ELLIPSIS):
        return ELLIPSIS[:max_chars]
    room = max_chars - len(ELLIPSIS)
    cut = text[:room + 1].rsplit(" ", 1)[0] if " " in text[:room + 1] else ""
    cut = cut.rstrip(" ,;:-–—") if len(cut) <= room else ""
    if not cut:
        cut = text[:room]
    return cut + ELLIPSIS


def segment_title(segment: Segment) -> str:
    """A chapter title for a segment: its title, with the term for an explainer."""
    title = segment.title or segment.kind.replace("-", " ").capitalize()
    term = segment.term
    if term and term.lower() not in title.lower():
        title = f"{title}: {term}"
    return title


def chapters_from_segments(segments: Sequence[Segment], *, duration: float | None = None) -> list[Chapter]:
    """One chapter per segment, ascending, the first at 0, each ending where the next
    starts and the last at ``duration`` (the last segment's end by default).
    Segments that start at the same time as the one before are folded into it."""
    ordered = sorted(segments, key=lambda s: (s.start, s.first_turn))
    out: list[Chapter] = []
    for seg in ordered:
        title = clean_title(segment_title(seg)) or "Chapter"
        start = max(round(float(seg.start), 3), 0.0)  # to the millisecond, as written
        if out and start <= out[-1].start:
            continue
        out.append(Chapter(start=start, end=start, title=title))
    if not out:
        return []
    out[0] = replace(out[0], start=0.0)
    last_end = round(max([float(s.end) for s in ordered] + [out[-1].start, float(duration or 0.0)]), 3)
    ends = [c.start for c in out[1:]] + [last_end]
    return [replace(c, end=e) for c, e in zip(out, ends)]


def episode_chapters(transcript: Transcript, analysis: Analysis) -> list[Chapter]:
    """The chapters of an analysed episode (one per segment)."""
    return chapters_from_segments(analysis.segments, duration=transcript.duration)


# --- YouTube / Spotify description chapters -------------------------------------------------

def youtube_chapters(chapters: Sequence[Chapter]) -> list[Chapter]:
    """Chapters that satisfy YouTube's rules: the first at 0, at least three, each at
    least 10 s, titles under 40 characters (and no angle brackets, which YouTube
    refuses in descriptions). A chapter under 10 s merges into its shorter
    neighbour (shortest first; the merged chapter keeps the longer one's title);
    with fewer than three left, a ChapterError: no chapter is made up to pad them."""
    if not chapters:
        raise ChapterError("no chapters: the episode has no segments")
    total = chapters[-1].end
    needed = YOUTUBE_MIN_CHAPTERS * YOUTUBE_MIN_SECONDS
    if total < needed:
        raise ChapterError(
            f"the episode is {total:.1f} s long; YouTube chapters need at least "
            f"{YOUTUBE_MIN_CHAPTERS} chapters of {YOUTUBE_MIN_SECONDS:.0f} s each ({needed:.0f} s)")
    items = [replace(c, title=_youtube_title(c.title)) for c in chapters]
    items[0] = replace(items[0], start=0.0)
    # merge every chapter shorter than the minimum into a neighbour, shortest first
    while len(items) > 1:
        short = [i for i, c in enumerate(items) if c.seconds < YOUTUBE_MIN_SECONDS]
        if not short:
            break
        i = min(short, key=lambda k: (items[k].seconds, k))
        if i == 0:
            j = 1
        elif i == len(items) - 1:
            j = i - 1
        else:  # into the shorter neighbour, so merged chapters stay balanced
            j = i - 1 if items[i - 1].seconds <= items[i + 1].seconds else i + 1
        a, b = sorted((i, j))
        keep = items[j] if items[j].seconds >= items[i].seconds else items[i]
        items[a:b + 1] = [Chapter(start=items[a].start, end=items[b].end, title=keep.title)]
    if len(items) < YOUTUBE_MIN_CHAPTERS:
        # made-up chapters ("Talk (continued)") would name nothing: refuse instead
        raise ChapterError(
            f"YouTube shows chapters only when there are at least {YOUTUBE_MIN_CHAPTERS} of "
            f"{YOUTUBE_MIN_SECONDS:.0f} s or more; this episode has {len(items)}: publish it "
            "without chapters, or use another --format")
    return items


def _youtube_title(title: str) -> str:
    title = title.replace("<", "‹").replace(">", "›")
    return clean_title(title, max_chars=YOUTUBE_TITLE_MAX_CHARS) or "Chapter"


def youtube_timestamp(seconds: float) -> str:
    return format_timestamp(seconds)


# --- writers ---------------------------------------------------------------------------------

def write_podcast_json(chapters: Sequence[Chapter], *, title: str = "") -> str:
    data = {
        "version": PODCAST_CHAPTERS_VERSION,
        "chapters": [
            {"startTime": _seconds(c.start), "endTime": _seconds(c.end), "title": c.title}
            for c in chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_youtube(chapters: Sequence[Chapter], *, title: str = "") -> str:
    return "".join(f"{youtube_timestamp(c.start)} {c.title}\n" for c in youtube_chapters(chapters))


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * MS_PER_SECOND)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt_escape(text: str) -> str:
    """Cue text: ``&``, ``<`` and ``>`` as character references, so "-->" cannot appear."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_vtt(chapters: Sequence[Chapter], *, title: str = "") -> str:
    lines = ["WEBVTT", ""]
    for n, c in enumerate(chapters, 1):
        lines += [str(n), f"{_vtt_time(c.start)} --> {_vtt_time(c.end)}", vtt_escape(c.title), ""]
    return "\n".join(lines)


_FFMETA_SPECIAL = re.compile(r"([=;#\\\n])")


def ffmetadata_escape(text: str) -> str:
    """A metadata value for FFMETADATA1: ``=``, ``;``, ``#``, ``\\`` and newline escaped
    with a backslash (other control characters dropped)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", " ", text)
    return _FFMETA_SPECIAL.sub(r"\\\1", text)


def write_ffmetadata(chapters: Sequence[Chapter], *, title: str = "") -> str:
    lines = [";FFMETADATA1"]
    if title:
        lines.append(f"title={ffmetadata_escape(title)}")
    for c in chapters:
        start, end = _ms(c.start), _ms(c.end)
        lines += ["", "[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={max(end, start)}",
                  f"title={ffmetadata_escape(c.title)}"]
    return "\n".join(lines) + "\n"


def _seconds(value: float) -> float | int:
    value = round(value, 3)
    return int(value) if value == int(value) else value


def _ms(seconds: float) -> int:
    return round(seconds * MS_PER_SECOND)


WRITERS: dict[str, Callable[..., str]] = {
    "podcast-json": write_podcast_json,
    "youtube": write_youtube,
    "vtt": write_vtt,
    "ffmetadata": write_ffmetadata,
}
FORMATS = tuple(WRITERS)


def write_chapters(chapters: Sequence[Chapter], fmt: str, *, title: str = "") -> str:
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise ChapterError(f"unknown chapter format {fmt!r} (known: {', '.join(FORMATS)})") from None
    if not chapters:
        raise ChapterError("no chapters: the episode has no segments")
    return writer(chapters, title=title)


# --- ID3 chapters in an MP3 ------------------------------------------------------------------

def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_embed_paths(mp3_in: Path | str, mp3_out: Path | str) -> None:
    """Refuse an input that is not a file, and an output that is the input."""
    src, dst = Path(mp3_in), Path(mp3_out)
    if not src.is_file():
        raise AudioError(f"{src}: no such file")
    if _same_file(src, dst):
        raise AudioError(f"{dst}: the output must be a new file, not the input (the original "
                         "is never changed in place)")


def embed_chapters(mp3_in: Path | str, mp3_out: Path | str, chapters: Sequence[Chapter], *,
                   title: str = "") -> int:
    """Copy ``mp3_in`` to ``mp3_out`` with ID3 CHAP frames (one per chapter, with a TIT2
    title) and a top-level ordered CTOC; chapters already in the file are replaced.
    The original is never modified; the copy appears atomically. Chapters are clipped
    to the audio's length (a chapter starting after the audio ends is an error).
    Returns the number of chapters written."""
    from mutagen.id3 import CHAP, CTOC, ID3, TIT2, CTOCFlags, ID3NoHeaderError
    from mutagen.mp3 import MP3, HeaderNotFoundError

    src, dst = Path(mp3_in), Path(mp3_out)
    check_embed_paths(src, dst)
    if not chapters:
        raise ChapterError("no chapters to embed")
    try:
        length = MP3(src).info.length
    except HeaderNotFoundError:
        raise AudioError(f"{src}: not an MP3 file (no MPEG audio frame found)") from None
    except Exception as exc:  # mutagen raises its own error types for damaged files
        raise AudioError(f"{src}: cannot read as MP3: {exc}") from None
    late = [c for c in chapters if c.start >= length]
    if late:
        raise ChapterError(
            f"chapter {late[0].title!r} starts at {format_timestamp(late[0].start)} but "
            f"{src.name} is only {format_timestamp(length)} long; is it this episode's audio?")
    length_ms = _ms(length)
    try:
        with atomic_path(dst) as tmp:
            shutil.copyfile(src, tmp)
            try:
                tags = ID3(tmp)
            except ID3NoHeaderError:
                tags = ID3()
            tags.delall("CHAP")
            tags.delall("CTOC")
            ids = []
            for n, c in enumerate(chapters):
                element_id = f"chp{n}"
                ids.append(element_id)
                start_ms = _ms(c.start)
                end_ms = min(max(_ms(c.end), start_ms), length_ms)
                tags.add(CHAP(element_id=element_id, start_time=start_ms, end_time=end_ms,
                              start_offset=ID3_NO_OFFSET, end_offset=ID3_NO_OFFSET,
                              sub_frames=[TIT2(encoding=3, text=[c.title])]))
            toc_frames = [TIT2(encoding=3, text=[title])] if title else []
            tags.add(CTOC(element_id=TOC_ELEMENT_ID, flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                          child_element_ids=ids, sub_frames=toc_frames))
            tags.save(tmp, v2_version=4)
    except OSError as exc:
        raise AudioError(f"{dst}: cannot write ({exc.strerror or exc})") from None
    return len(chapters)
