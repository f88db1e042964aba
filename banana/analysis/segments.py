"""An episode's structure: named segments from the show profile, topics between them.

Two stages:

1. **Named segments.** Each segment of the show profile (intro, explainer, brain
   teaser, sign-off, or a show's own) is found by its cue phrases. Matching runs on
   a normalised copy of the whole transcript (``Doc``), so it also works on whisper
   output without punctuation, case or speaker labels, where a cue may straddle two
   turns. A segment opens at its cue (moved back over a short lead-in such as "All
   right, it's the end of the episode..."), and closes at its end cue, at a
   topic-shift phrase, at the next named segment, or where the lexical cohesion of
   the text breaks.
2. **Topics** between the named segments (``topics.py``), each titled from its key
   phrases (``titles.py``).

A segment carries its *role* from the profile: ``explains`` (the glossary reads its
term), ``puzzle`` (the brain teaser is read from it) or ``answers`` (it announces the
previous puzzle's answer). Consumers select segments by role, never by kind name.
Turn indexes are 0-based positions in ``Transcript.utterances``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Sequence

from banana.analysis.doc import CUE_CONTEXT, LEAD_IN, PREVIEW, Doc, Hit
from banana.analysis.profile import ROLES, Profile, SegmentSpec, default_profile
from banana.analysis.puzzle import parse_puzzle
from banana.analysis.spoken import announces_answer, talks_puzzle
from banana.analysis.terms import explained_term
from banana.analysis.titles import Archive, topic_titles
from banana.analysis.topics import DEFAULT_METHOD, DEFAULT_SETTINGS, TopicSettings, split_topics
from banana.analysis.words import STOPWORDS, normalise, stem
from banana.transcript import Transcript

SCHEMA = 1

# --- tuning (word counts are words of transcript text) -------------------------------------
START_ZONE_FRACTION = 0.2  # an intro cue counts within the first 20% of the words ...
START_ZONE_MAX_WORDS = 900  # ... and at most this many words in
END_ZONE_FRACTION = 0.35  # a position="end" segment opens in the last 35% of the words
START_POSITION_FRACTION = 0.3  # a position="start" segment opens in the first 30% of the words
OUTRO_ZONE_FRACTION = 0.12  # a sign-off opens in the last 12% of the words ...
OUTRO_ZONE_MIN_WORDS = 250  # ... or the last 250 words, whichever is more
INTRO_TAIL_MAX_WORDS = 40  # short turns after the last intro cue that still belong to it
REACTION_MAX_WORDS = 30  # short turns after an answer that still belong to it
SHORT_TURN_WORDS = 30  # a turn this short can be part of a segment's lead-in
LEAD_IN_MAX_WORDS = 70  # how far a lead-in can reach back before a segment's cue
CLUSTER_GAP_WORDS = 150  # cue hits closer than this belong to one occurrence
REMAINDER_WORDS = 25  # new content after an end cue in the same turn starts the next segment
MIN_GAP_WORDS = 60  # a stretch shorter than this between named segments joins its neighbour
VALIDATE_WORDS = 300  # text read to check that a puzzle segment states a puzzle
TERM_SEARCH_WORDS = 120  # text read after an explainer's cue to find its term


# --- data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    """A stretch of an episode: intro, topic, a named segment or the sign-off."""

    kind: str
    title: str
    start: float  # seconds
    end: float  # seconds
    first_turn: int
    last_turn: int
    term: str | None = None  # the term an explainer segment explains
    role: str | None = None  # what the profile says the segment does (profile.ROLES), if anything

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "title": self.title,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "first_turn": self.first_turn,
            "last_turn": self.last_turn,
        }
        if self.term is not None:
            data["term"] = self.term
        if self.role is not None:
            data["role"] = self.role
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            kind=str(data["kind"]),
            title=str(data.get("title", "")),
            start=float(data.get("start", 0.0)),
            end=float(data.get("end", 0.0)),
            first_turn=int(data["first_turn"]),
            last_turn=int(data["last_turn"]),
            term=data.get("term"),
            role=data.get("role") if data.get("role") in ROLES else None,
        )

    @property
    def turns(self) -> range:
        return range(self.first_turn, self.last_turn + 1)



# --- named segments ---------------------------------------------------------------------------

@dataclass
class _Span:
    spec: SegmentSpec
    first: int
    last: int
    open_end: bool = False  # the end is still to be found by topic-shift cues or cohesion
    term: str | None = None


def _start_zone(doc: Doc, *, fraction: float = START_ZONE_FRACTION,
                cap: float | None = START_ZONE_MAX_WORDS) -> int:
    """Last turn of the opening zone."""
    limit = fraction * doc.total_words
    if cap is not None:
        limit = min(limit, cap)
    return max(doc.turn_at_word(limit), 2)


def _end_zone(doc: Doc, fraction: float, min_words: int = 0) -> int:
    """First turn of the closing zone holding the last ``fraction`` of the words."""
    tail = max(fraction * doc.total_words, min_words)
    return doc.turn_at_word(max(doc.total_words - tail, 0))


def _find_intro(doc: Doc, spec: SegmentSpec, show_name: str) -> _Span | None:
    """Turn 0 to the last intro cue in the opening zone, or to just before a phrase
    that opens the first topic ("let's dive in")."""
    zone_end = _start_zone(doc)
    cues = spec.cues + ((show_name,) if normalise(show_name) else ())
    hits = [h for h in doc.hits(cues) if h.turn <= zone_end]
    if not hits:
        return None
    first_cue = hits[0].turn
    nexts = [h for h in doc.hits(spec.next_cues) if first_cue < h.turn <= zone_end + 1]
    if nexts:
        return _Span(spec, 0, nexts[0].turn - 1)
    return _Span(spec, 0, min(hits[-1].turn, len(doc) - 2) if len(doc) > 1 else 0, open_end=True)


def _intro_tail(doc: Doc, intro: _Span, limit: int) -> None:
    """Short turns after the last intro cue ("And I'm Maya.") still belong to it."""
    last, tail = intro.last, 0
    while last + 1 <= limit and last + 1 < len(doc) - 1 and doc.words[last + 1] <= SHORT_TURN_WORDS // 2:
        tail += doc.words[last + 1]
        if tail > INTRO_TAIL_MAX_WORDS:
            break
        last += 1
    intro.last = last
    intro.open_end = False


def _drop_nested(hits_by_kind: dict[str, list[Hit]]) -> dict[str, list[Hit]]:
    """A hit inside a longer hit of another kind ("brain teaser" inside "last
    episode's brain teaser") belongs to the longer one only."""
    spans = [(h.start, h.end, kind) for kind, hits in hits_by_kind.items() for h in hits]
    out = {}
    for kind, hits in hits_by_kind.items():
        out[kind] = [h for h in hits if not any(
            k != kind and s <= h.start and h.end <= e and (e - s) > (h.end - h.start)
            for s, e, k in spans)]
    return out


def _clusters(doc: Doc, hits: list[Hit]) -> list[list[Hit]]:
    groups: list[list[Hit]] = []
    for h in hits:
        if groups and doc.words_between(groups[-1][-1].turn, h.turn) - doc.words[h.turn] \
                <= CLUSTER_GAP_WORDS:
            groups[-1].append(h)
        else:
            groups.append([h])
    return groups


def _term_marks(term: str | None) -> list[str]:
    """Stems and acronym of an explained term, to spot the turn that raised it."""
    if not term:
        return []
    words = [w for w in normalise(term).split() if w not in STOPWORDS]
    marks = [stem(w) for w in words if len(w) >= 4]
    if len(words) >= 2:
        marks.append("".join(w[0] for w in words))
    return marks


def _lead_in(doc: Doc, cue_turn: int, floor: int, *, term: str | None = None) -> int:
    """Move a segment's first turn back over a short lead-in ("Okay, that's both of our
    topics, and now we have one more thing." / "You mentioned CTGAN...")."""
    marks = _term_marks(term)
    best = cue_turn
    words = 0
    turn = cue_turn - 1
    while turn > floor and doc.words[turn] <= SHORT_TURN_WORDS:
        words += doc.words[turn]
        if words > LEAD_IN_MAX_WORDS:
            break
        text = doc.texts[turn]
        if LEAD_IN.search(text) or any(_raises(text, m) for m in marks):
            best = turn
        turn -= 1
    return best


def _raises(text: str, mark: str) -> bool:
    if len(mark) <= 3:  # an acronym: a whole word, or the end of one ("ctgan")
        return re.search(rf"{re.escape(mark)}s?\b", text) is not None
    return mark in text


def _segment_text(doc: Doc, first: int, *, words: int) -> str:
    out, count, turn = [], 0, first
    while turn < len(doc) and count < words:
        out.append(doc.transcript.utterances[turn].text)
        count += doc.words[turn]
        turn += 1
    return " ".join(out)


def _valid(spec: SegmentSpec, doc: Doc, first: int) -> bool:
    """A puzzle segment must state a puzzle; an answer segment must say some arithmetic."""
    if not (spec.puzzle or spec.answers):
        return True
    text = _segment_text(doc, first, words=spec.max_words or VALIDATE_WORDS)
    if spec.puzzle:
        return parse_puzzle(text) is not None
    return announces_answer(text)


def _find_named(doc: Doc, specs: Sequence[SegmentSpec], floor: int,
                people: Sequence[str] = ()) -> list[_Span]:
    """Cue-opened segments other than intro and sign-off."""
    end_zone = _end_zone(doc, END_ZONE_FRACTION)
    start_zone = _start_zone(doc, fraction=START_POSITION_FRACTION, cap=None)
    preview_zone = _start_zone(doc)
    hits_by_kind = {s.kind: [h for h in doc.hits(s.cues) if h.turn > floor] for s in specs}
    hits_by_kind = _drop_nested(hits_by_kind)
    spans = []
    for spec in specs:
        hits = hits_by_kind[spec.kind]
        if spec.position == "end":
            hits = [h for h in hits if h.turn >= end_zone]
        elif spec.position == "start":
            hits = [h for h in hits if h.turn <= start_zone]
        scored = []
        for group in _clusters(doc, hits):
            score = float(len(group))
            if any(CUE_CONTEXT.search(doc.context(h)) for h in group):
                score += 2
            if group[0].turn <= preview_zone and spec.position != "start":
                score -= 1  # near the top, a recurring segment is more often previewed ...
                if PREVIEW.search(doc.context(group[0], before=80, after=60)):
                    score -= 3  # ... "we'll dig into some learning resources" previews, not opens
                if score < 1:
                    continue
            if spec.position != "start":
                score += 0.5 * group[0].turn / max(len(doc), 1)  # closing segments are common
            scored.append((score, -group[0].turn, group))
        scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
        for _, _, group in scored:
            cue_turn = group[0].turn
            if not _valid(spec, doc, cue_turn):
                continue
            term = explained_term(_segment_text(doc, cue_turn, words=TERM_SEARCH_WORDS),
                                  cues=spec.cues,
                                  names=(*doc.transcript.speakers, *people)) \
                if spec.explains else None
            first = _lead_in(doc, cue_turn, floor, term=term)
            spans.append(_Span(spec, first, len(doc) - 1, open_end=True,
                               term=term))
            break
    spans.sort(key=lambda s: s.first)
    # one segment per place: when two open at the same turn, the first in the profile wins
    unique: list[_Span] = []
    for span in spans:
        if unique and unique[-1].first == span.first:
            continue
        unique.append(span)
    return unique


def _close_at_end_cue(doc: Doc, span: _Span, limit: int) -> bool:
    """End a span at its end cue; a turn that goes on to new content starts the next."""
    for h in doc.hits(span.spec.end_cues):
        if span.first < h.turn <= limit:
            rest = doc.text[h.end:doc.offsets[h.turn] + len(doc.texts[h.turn])]
            span.last = h.turn - 1 if len(rest.split()) > REMAINDER_WORDS else h.turn
            span.open_end = False
            return True
    return False


def _close_after_answer(doc: Doc, span: _Span, limit: int) -> None:
    """An answer segment lasts while the hosts talk about the puzzle, plus a short
    reaction ("Correct! Full marks." / "I'd like to thank my shower.")."""
    last = None
    turn = span.first
    budget = span.spec.max_words or VALIDATE_WORDS
    while turn <= limit and doc.words_between(span.first, turn) <= budget:
        if talks_puzzle(doc.transcript.utterances[turn].text):
            last = turn
        turn += 1
    if last is None:
        return
    words = 0
    while last + 1 <= limit and not doc.shifts(last + 1) and doc.words[last + 1] <= SHORT_TURN_WORDS // 2:
        words += doc.words[last + 1]
        if words > REACTION_MAX_WORDS:
            break
        last += 1
    span.last, span.open_end = last, False


def named_spans(doc: Doc, profile: Profile) -> list[_Span]:
    """Every named segment found, in order, not overlapping; open ends still open."""
    n = len(doc)
    if n == 0:
        return []
    spans: list[_Span] = []
    intro_spec = profile.segment("intro")
    intro = _find_intro(doc, intro_spec, profile.name) if intro_spec else None
    floor = intro.last if intro else -1
    if intro and intro.last >= 0:
        spans.append(intro)
    others = [s for s in profile.segments if s.kind not in ("intro", "outro")]
    spans.extend(_find_named(doc, others, floor, profile.hosts))
    outro_spec = profile.segment("outro")
    if outro_spec:
        zone = _end_zone(doc, OUTRO_ZONE_FRACTION, OUTRO_ZONE_MIN_WORDS)
        after = max([s.first for s in spans if s.spec.kind != "intro"] + [floor, zone - 1])
        hits = [h for h in doc.hits(outro_spec.cues) if h.turn > after]
        if hits:
            spans.append(_Span(outro_spec, hits[0].turn, n - 1))
    # each segment ends before the next begins
    for span, following in zip(spans, spans[1:]):
        span.last = min(span.last, following.first - 1)
    for i, span in enumerate(spans):
        limit = spans[i + 1].first - 1 if i + 1 < len(spans) else n - 1
        if span is intro:
            if intro.open_end:
                _intro_tail(doc, intro, limit)
            continue
        if span.spec.end_cues:
            _close_at_end_cue(doc, span, limit)
        if span.open_end:
            # a topic shift ("our second topic today...", "Okay, synthetic data.") closes it
            for turn in range(span.first + 1, limit + 1):
                if doc.shifts(turn):
                    span.last, span.open_end = turn - 1, False
                    break
        if span.open_end and span.spec.answers:
            _close_after_answer(doc, span, limit)
        if span.open_end and span.spec.max_words:
            # bounded by its longest run; cohesion may close it earlier
            last = span.first
            while last < limit and doc.words_between(span.first, last + 1) <= span.spec.max_words:
                last += 1
            span.last = last
    return [s for s in spans if s.last >= s.first]


# --- putting it together ----------------------------------------------------------------------

def find_segments(transcript: Transcript, *, profile: Profile | None = None,
                  method: str | None = None, doc: Doc | None = None,
                  settings: TopicSettings | None = None,
                  archive: Archive | None = None) -> list[Segment]:
    """The episode as consecutive segments covering every turn: named segments from the
    profile, topics between them. Explainer segments carry no term here; ``analyse``
    adds it."""
    profile = profile or default_profile()
    method = method or profile.topic_method or DEFAULT_METHOD
    if settings is None:  # the show's own granularity, else the setting chosen across shows
        settings = DEFAULT_SETTINGS if profile.topic_penalty is None \
            else replace(DEFAULT_SETTINGS, penalty=profile.topic_penalty)
    doc = doc or Doc(transcript)
    n = len(doc)
    if n == 0:
        return []
    spans = named_spans(doc, profile)
    # resolve open ends with cohesion: the first topic boundary after the span's start
    for i, span in enumerate(spans):
        if span.open_end:
            limit = spans[i + 1].first - 1 if i + 1 < len(spans) else n - 1
            cuts = split_topics(doc, span.first, limit, method=method, settings=settings,
                                min_first_words=MIN_GAP_WORDS)
            if cuts:
                span.last = min(span.last, cuts[0] - 1)
            span.open_end = False
    pieces: list[tuple[str, int, int, _Span | None]] = []
    cursor = 0
    for span in spans:
        if span.first > cursor:
            pieces.append(("topic", cursor, span.first - 1, None))
        pieces.append((span.spec.kind, span.first, span.last, span))
        cursor = span.last + 1
    if cursor < n:
        pieces.append(("topic", cursor, n - 1, None))
    # stretches too short to be a topic join the segment before (or after, at the start)
    merged: list[list[Any]] = []
    for kind, a, b, span in pieces:
        if kind == "topic" and doc.words_between(a, b) < MIN_GAP_WORDS and len(pieces) > 1:
            if merged:
                merged[-1][2] = b
            else:
                merged.append(["pending", a, b, None])
            continue
        if merged and merged[-1][0] == "pending":
            a = merged.pop()[1]
        merged.append([kind, a, b, span])
    if merged and merged[-1][0] == "pending":
        merged[-1][0] = "topic"
    # split the discussion into topics
    final: list[tuple[str, int, int, _Span | None]] = []
    for kind, a, b, span in merged:
        if kind != "topic":
            final.append((kind, a, b, span))
            continue
        starts = [a] + split_topics(doc, a, b, method=method, settings=settings) + [b + 1]
        for s_, e in zip(starts, starts[1:]):
            final.append(("topic", s_, e - 1, None))
    topic_ranges = [(a, b) for kind, a, b, _ in final if kind == "topic"]
    intro_turns = [t for kind, a, b, _ in final if kind == "intro" for t in range(a, b + 1)]
    named_titles = [span.spec.title for _, _, _, span in final if span is not None]
    titles = iter(topic_titles(transcript, topic_ranges, context_turns=intro_turns,
                               archive=archive, taken=named_titles,
                               people=(*transcript.speakers, *profile.hosts, profile.name,
                                       transcript.show)))
    utts = transcript.utterances
    out = []
    for kind, a, b, span in final:
        title = next(titles) if span is None else span.spec.title
        out.append(Segment(kind=kind, title=title, start=utts[a].start, end=utts[b].end,
                           first_turn=a, last_turn=b,
                           term=span.term if span is not None and span.spec.explains else None,
                           role=span.spec.role if span is not None else None))
    return out

