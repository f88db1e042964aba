"""Text transcripts: published web-page text, Markdown with inline timestamps, plain text.

Published text (as copied from a show's site): a title line, byline and blurb, then
one ``Full Name: text`` paragraph per turn, then a site footer. Times are estimated
from word counts unless a paragraph starts with a ``[h:mm:ss]`` stamp (any form the
Markdown reader takes, ``[01:02:03.04]`` too). A file of one short line and nothing
else, without a speaker label or a stamp, is a title with no transcript, and refused.

Markdown (as in the Changelog transcripts): ``**Name:** text`` turns, unlabelled
paragraphs continuing the last speaker, inline ``\\[mm:ss\\]`` stamps that anchor the
time of the text where they stand (interpolated between anchors by word count),
``**Break:**`` markers, HTML entities. Stamps come in every form ``base.STAMP`` reads
(``\\[01:00:04.02\\]`` past the first hour, with the transcribers' slips), anywhere in
a turn, also inside a note (``\\[unintelligible 00:04:57.05\\]`` anchors the
``[unintelligible]`` it leaves in the text); no stamp is left in the text.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from typing import TextIO

from banana.errors import FormatError
from banana.formats.base import SPEAKER_NAME, STAMP, Reader, Writer, clean, stamp_seconds
from banana.transcript import WORDS_PER_SECOND, Transcript, Utterance, format_timestamp

TITLE_WORDS = 30  # longer than an episode title: a single longer line is read as speech
_PARA_SPLIT = re.compile(r"\n\s*\n")
_LEADING_STAMP = re.compile(rf"^\\*[\[(]\\*\s*({STAMP})\s*\\*[\])]\s*")
_LABEL = re.compile(rf"^({SPEAKER_NAME}|[A-Z][A-Z .'-]{{1,40}}):\s+(\S.*)$", re.S)
_FOOTER = re.compile(
    r"^(you may also like|read more|related (posts|articles|episodes)|share this( (post|episode|article))?|"
    r"subscribe to (our|the) newsletter|more from|recommended for you)\b", re.I)

_MD_LABEL = re.compile(r"^\*\*([^*\n]+?)\*\*:?\s*(.*)$", re.S)
# A stamp in brackets, escaped or not (``\\[12:13\\]``, ``[00:16:16:05]``, stray
# backslashes ``\\[\\\\01:00:56.04\\]``), maybe after a transcriber's note
# (``\\[unintelligible 00:04:57.05\\]``, ``\\[song sample 00:02:40.07\\]``), or a stamp
# that lost its opening bracket but keeps the escaped closing one (``... 0:12:14.27\\]``).
_MD_STAMP = re.compile(rf"(?:(?P<open>\\*\[)\\*\s*(?:(?P<note>[^\s\d\[\]\\][^\[\]\n\\]*?)\s*)?"
                       rf"|(?<![\w:.\\]))(?P<clock>{STAMP})\s*(?(open)\\*\]|\\+\])")
_MD_BREAK = {"break"}
_MD_TURN_LINE = re.compile(r"\n(?=\*\*[^*\n]+(?::\*\*|\*\*:))")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>])")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _PARA_SPLIT.split(text) if p.strip()]


def _md_paragraphs(text: str) -> list[str]:
    """Paragraphs, and a line that opens with a ``**Name:**`` label starts one too (a
    missing blank line must not give a turn to the previous speaker)."""
    return [p.strip() for para in _paragraphs(text) for p in _MD_TURN_LINE.split(para) if p.strip()]


class PublishedTextReader(Reader):
    """Speaker-labelled paragraphs (or plain paragraphs), with header and footer dropped."""

    @staticmethod
    def detect(text: str) -> bool:
        return True  # the last resort: any readable text

    def read(self, text: str, *, name: str) -> Transcript:
        paras = _paragraphs(text)
        labels, stamped = [], set()
        for p in paras:
            m = _LABEL.match(_LEADING_STAMP.sub("", p))
            labels.append(m.group(1) if m else None)
            if m and _LEADING_STAMP.match(p):
                stamped.add(m.group(1))
        counts = Counter(label for label in labels if label)
        # A label is a speaker if it recurs, is a multi-word name or follows a time stamp
        # ("Note: ..." once is not).
        speakers = {label for label, n in counts.items() if n >= 2 or " " in label} | stamped
        first = next((i for i, label in enumerate(labels) if label in speakers), None)

        title = ""
        if (first is None and len(paras) == 1 and "\n" not in paras[0] and not _LEADING_STAMP.match(paras[0])
                and len(paras[0].split()) <= TITLE_WORDS):
            raise FormatError(f"{name}: one line of text and nothing after it: a title, not a transcript")
        if first is None:  # plain paragraphs, no speakers: each paragraph an utterance
            body = paras
        else:
            header = paras[:first]
            title = clean(header[0].split("\n")[0]) if header else ""
            body = paras[first:]
            labels = labels[first:]
        turns: list[tuple[str | None, str, str | None]] = []  # (speaker, text, stamp)
        for i, para in enumerate(body):
            if _FOOTER.match(para):
                break
            stamp = _LEADING_STAMP.match(para)
            para = _LEADING_STAMP.sub("", para)
            label = labels[i] if first is not None else None
            if label in speakers:
                m = _LABEL.match(para)
                turns.append((m.group(1), clean(m.group(2)), stamp and stamp.group(1)))
            elif turns and first is not None:  # an unlabelled paragraph continues the turn
                speaker, prev, t = turns[-1]
                turns[-1] = (speaker, f"{prev} {clean(para)}", t)
            else:
                turns.append((None, clean(para), stamp and stamp.group(1)))
        seconds = iter(stamp_seconds([s for _, _, s in turns if s]))
        timed = [(speaker, text, next(seconds) if s else None) for speaker, text, s in turns]
        return Transcript.build(_time_turns(timed), title=title, source=f"import:txt:{name}")


def _time_turns(turns: list[tuple[str | None, str, float | None]]) -> list[Utterance]:
    """Utterances from (speaker, text, stamp seconds or None): stamped turns start at
    their stamp (measured); the rest follow on at a typical speaking rate (estimated)."""
    out: list[Utterance] = []
    t = 0.0
    for i, (speaker, text, stamp) in enumerate(turns):
        measured = stamp is not None and stamp >= (out[-1].start if out else 0.0)
        start = stamp if measured else t
        length = max(len(text.split()), 1) / WORDS_PER_SECOND
        nxt = next((s for _, _, s in turns[i + 1:i + 2] if s is not None), None)
        end = nxt if nxt is not None and nxt >= start else start + length
        out.append(Utterance(start, end, text, speaker=speaker, estimated=not measured))
        t = end
    return out


class MarkdownReader(Reader):
    @staticmethod
    def detect(text: str) -> bool:
        return sum(1 for p in _md_paragraphs(text)[:40] if _MD_LABEL.match(p)) >= 1

    def read(self, text: str, *, name: str) -> Transcript:
        title = ""
        # Pieces of text with their speaker; stamps as (word offset, stamp text).
        pieces: list[tuple[str | None, list[str]]] = []
        stamps: list[tuple[int, str]] = []
        words_so_far = 0
        speaker: str | None = None
        for para in _md_paragraphs(text):
            if para.startswith("#"):
                title = title or clean(html.unescape(para.lstrip("#")))
                continue
            m = _MD_LABEL.match(para)
            rest = para
            if m:
                label, rest = m.group(1).strip(), m.group(2)
                if ":" in label:  # "**Chris Benson: I**" — the colon fell inside the bold
                    label, _, spill = label.partition(":")
                    rest = f"{spill.strip()} {rest}"
                label = label.strip().rstrip(":")
                if label.lower() in _MD_BREAK:
                    stamps.extend((words_so_far, s["clock"]) for s in _MD_STAMP.finditer(rest))
                    continue
                speaker = label
            words: list[str] = []
            done = 0
            for stamp in _MD_STAMP.finditer(rest):
                words.extend(_md_words(rest[done:stamp.start()]))
                stamps.append((words_so_far + len(words), stamp["clock"]))
                if stamp["note"]:  # "\[unintelligible 00:04:57.05\]": the note stays, timed
                    words.extend(_md_words(f"[{stamp['note']}]"))
                done = stamp.end()
            words.extend(_md_words(rest[done:]))
            if words:
                pieces.append((speaker, words))
                words_so_far += len(words)
        seconds = stamp_seconds([s for _, s in stamps])
        times = _Interpolator([(word, t) for (word, _), t in zip(stamps, seconds)])
        utterances = []
        offset = 0
        for spk, words in pieces:
            start, measured = times.at(offset)
            offset += len(words)
            end = times.at(offset)[0]  # after the last stamp, at a typical speaking rate
            utterances.append(Utterance(start, max(start, end), " ".join(words), speaker=spk,
                                        estimated=not measured))
        return Transcript.build(utterances, title=title, source=f"import:md:{name}")


def _md_words(markdown: str) -> list[str]:
    return clean(html.unescape(_MD_ESCAPE.sub(r"\1", markdown))).split()


class _Interpolator:
    """Time at a word offset, linear between anchors; before the first anchor from 0 s,
    after the last at a typical speaking rate. Anchors that go back in time are typos
    (a jingle stamped with its own clock, ``42:18`` for ``48:18``): the fewest are dropped
    so that the rest run forward (a longest non-decreasing run, in word order), so one
    stamp too far ahead costs that stamp, not every stamp after it."""

    def __init__(self, anchors: list[tuple[int, float]]) -> None:
        kept: list[tuple[int, float]] = [(0, 0.0)]
        for word, seconds in _forward_in_time(sorted(anchors, key=lambda a: a[0])):
            if word == kept[-1][0]:
                kept[-1] = (word, seconds)
            else:
                kept.append((word, seconds))
        self.words = [w for w, _ in kept]
        self.anchors = kept
        self.exact = {w for w, _ in anchors} & set(self.words)

    def at(self, word: int) -> tuple[float, bool]:
        i = bisect.bisect_right(self.words, word) - 1
        w0, t0 = self.anchors[i]
        if i + 1 < len(self.anchors):
            w1, t1 = self.anchors[i + 1]
            seconds = t0 + (t1 - t0) * (word - w0) / (w1 - w0)
        else:
            seconds = t0 + (word - w0) / WORDS_PER_SECOND
        return seconds, word in self.exact


def _forward_in_time(anchors: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """A longest subsequence of ``anchors`` whose times never decrease (patience sorting,
    O(n log n))."""
    tails: list[float] = []  # tails[k]: the least last time of a kept run of k + 1 anchors
    tail_at: list[int] = []  # ... and the index of that anchor
    previous = [-1] * len(anchors)
    for i, (_, seconds) in enumerate(anchors):
        k = bisect.bisect_right(tails, seconds)
        if k == len(tails):
            tails.append(seconds)
            tail_at.append(i)
        else:
            tails[k], tail_at[k] = seconds, i
        previous[i] = tail_at[k - 1] if k else -1
    run = []
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        run.append(anchors[i])
        i = previous[i]
    return run[::-1]


class TextWriter(Writer):
    """Plain text: the title, then ``[h:mm:ss] Name: text`` paragraphs (reads back with times)."""

    def write(self, transcript: Transcript, out: TextIO) -> None:
        if transcript.title:
            out.write(f"{transcript.title}\n\n")
        for u in transcript.utterances:
            label = f"{u.speaker}: " if u.speaker else ""
            out.write(f"[{format_timestamp(u.start, always_hours=True)}] {label}{u.text}\n\n")


class MarkdownWriter(Writer):
    """``# Title`` then ``**Name:** \\[mm:ss\\] text`` per utterance."""

    def write(self, transcript: Transcript, out: TextIO) -> None:
        if transcript.title:
            out.write(f"# {transcript.title}\n\n")
        for u in transcript.utterances:
            text = _md_escape(u.text)
            label = f"**{u.speaker}:** " if u.speaker else ""
            out.write(f"{label}\\[{format_timestamp(u.start)}\\] {text}\n\n")


def _md_escape(text: str) -> str:
    """Escape Markdown syntax, and ``&`` so the reader's entity decoding gives the text back."""
    return re.sub(r"([\\`*_\[\]<>#])", r"\\\1", text.replace("&", "&amp;"))
