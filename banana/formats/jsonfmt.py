"""JSON transcripts: Banana's canonical form, whisper's output, Podcasting 2.0 JSON."""

from __future__ import annotations

import json
import math
from typing import Any, TextIO

from banana.errors import FormatError
from banana.formats.base import Reader, Writer, clean
from banana.transcript import MAX_SECONDS, Transcript, Utterance, Word

PODCAST_JSON_VERSION = "1.0.0"


def load_json(text: str, name: str) -> Any:
    """Parsed JSON, or a one-line FormatError naming the file and saying why not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        raise FormatError(f"{name}: invalid JSON (a number with thousands of digits)") from None
    except RecursionError:
        raise FormatError(f"{name}: JSON nested too deeply") from None


def _peek(text: str) -> Any:
    """The parsed JSON object when ``text`` is JSON, else None (for detection)."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None
    return data if isinstance(data, dict) else None


def _with_segments(text: str) -> tuple[dict | None, dict]:
    """(the JSON object, its first segment or {}) when ``text`` is JSON with a
    ``segments`` list, else (None, {})."""
    data = _peek(text)
    if data is None or not isinstance(data.get("segments"), list):
        return None, {}
    first = next(iter(data["segments"]), None)
    return data, first if isinstance(first, dict) else {}


def _seconds(value: Any, what: str, name: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        raise FormatError(f"{name}: {what} is not a number: {repr(value)[:40]}") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        raise FormatError(f"{name}: {what} must be a number of seconds from 0 to "
                          f"{MAX_SECONDS:,} ({MAX_SECONDS // 3600} hours), not {repr(value)[:40]}")
    return seconds


def _segments(data: dict, name: str) -> list[dict]:
    segments = data.get("segments")
    if not isinstance(segments, list) or not all(isinstance(s, dict) for s in segments):
        raise FormatError(f"{name}: 'segments' must be a list of objects")
    return segments


class CanonicalJsonReader(Reader):
    @staticmethod
    def detect(text: str) -> bool:
        data = _peek(text)
        return data is not None and "schema" in data and "utterances" in data

    def read(self, text: str, *, name: str) -> Transcript:
        try:
            return Transcript.from_dict(load_json(text, name))
        except FormatError as exc:
            raise FormatError(f"{name}: {exc}") from None


class CanonicalJsonWriter(Writer):
    def write(self, transcript: Transcript, out: TextIO) -> None:
        out.write(transcript.to_json())


def _whisper_words(seg: dict) -> tuple[Word, ...]:
    """A whisper segment's word timings (``--word_timestamps True``): {"word", "start",
    "end", "probability"}; none when the list is missing or malformed (the segment's
    own times still stand)."""
    words = seg.get("words")
    if not isinstance(words, list):
        return ()
    out = []
    for w in words:
        try:
            start, end, text = float(w["start"]), float(w["end"]), str(w["word"])
            probability = w.get("probability")
            probability = None if probability is None else float(probability)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            return ()
        if not (0 <= start <= MAX_SECONDS and 0 <= end <= MAX_SECONDS) or (
                probability is not None and not 0 <= probability <= 1):
            return ()
        if text.strip():
            out.append(Word(start, end, clean(text), probability))
    return tuple(out)


class WhisperJsonReader(Reader):
    """openai-whisper's ``--output_format json``: {"text", "segments": [{"start", "end", "text",
    "words"?}], "language"}; word timings, when present, are kept with each utterance."""

    @staticmethod
    def detect(text: str) -> bool:
        data, first = _with_segments(text)
        return data is not None and ("text" in data or ("start" in first and "text" in first))

    def read(self, text: str, *, name: str) -> Transcript:
        data = load_json(text, name)
        utterances = []
        for i, seg in enumerate(_segments(data, name)):
            body = clean(str(seg.get("text", "")))
            if not body:
                continue
            start = _seconds(seg.get("start"), f"segment {i} start", name)
            end = max(start, _seconds(seg.get("end", start), f"segment {i} end", name))
            speaker = seg.get("speaker")  # whisperX-style diarised output carries one
            utterances.append(Utterance(start, end, body, speaker=str(speaker) if speaker else None,
                                        words=_whisper_words(seg)))
        language = data.get("language")
        return Transcript.build(utterances, language=str(language) if language else None,
                               source=f"import:whisper-json:{name}")


class PodcastJsonReader(Reader):
    """Podcasting 2.0 JSON: {"version", "segments": [{"speaker", "startTime", "endTime", "body"}]}.

    Word-level files (one word a segment) are joined into turns: a turn ends where the
    speaker changes or a body ends with a newline, as the spec's example shows.
    """

    @staticmethod
    def detect(text: str) -> bool:
        data, first = _with_segments(text)
        return data is not None and ("version" in data or "body" in first)

    def read(self, text: str, *, name: str) -> Transcript:
        data = load_json(text, name)
        cues = []
        for i, seg in enumerate(_segments(data, name)):
            raw = str(seg.get("body", ""))
            body = clean(raw)
            if not body:
                continue
            start = _seconds(seg.get("startTime"), f"segment {i} startTime", name)
            end = start if seg.get("endTime") is None else _seconds(seg["endTime"], f"segment {i} endTime", name)
            speaker = seg.get("speaker")
            cues.append((Utterance(start, max(start, end), body, speaker=str(speaker) if speaker else None),
                         raw.endswith("\n")))
        word_level = bool(cues) and sorted(u.word_count for u, _ in cues)[len(cues) // 2] <= 2
        utterances: list[Utterance] = []
        closed = True
        for cue, ends_turn in cues:
            prev = utterances[-1] if utterances else None
            if word_level and prev is not None and not closed and prev.speaker == cue.speaker:
                utterances[-1] = Utterance(prev.start, cue.end, f"{prev.text} {cue.text}", prev.speaker)
            else:
                utterances.append(cue)
            closed = ends_turn
        return Transcript.build(utterances, source=f"import:podcast-json:{name}")


class PodcastJsonWriter(Writer):
    """One segment per utterance (phrase-level fidelity), each body ending in a newline."""

    def write(self, transcript: Transcript, out: TextIO) -> None:
        segments = []
        for u in transcript.utterances:
            seg: dict[str, Any] = {}
            if u.speaker:
                seg["speaker"] = u.speaker
            # A body ending in a newline closes the turn, as in the spec's example, so
            # readers that join word-level segments keep our utterances apart.
            seg.update(startTime=u.start, endTime=u.end, body=u.text + "\n")
            segments.append(seg)
        json.dump({"version": PODCAST_JSON_VERSION, "segments": segments}, out,
                  ensure_ascii=False, indent=2)
        out.write("\n")
