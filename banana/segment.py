"""An episode's structure: named segments from the show profile, topics between them.

Two stages:

1. **Named segments.** Each segment of the show profile (intro, explainer, brain
   teaser, sign-off, or a show's own) is found by its cue phrases. Matching runs on
   a normalised copy of the whole transcript (lower case, no punctuation, turns
   joined), so it also works on whisper output without punctuation, case or
   speaker labels, where a cue may straddle two segments. A segment opens at its
   cue (moved back over a short lead-in such as "All right, it's the end of the
   episode..."), and closes at its end cue, at a topic-shift phrase, at the next
   named segment, or where the lexical cohesion of the text breaks.
2. **Topics.** The discussion between named segments is split into coherent topics
   by an optimal partition (dynamic programming) under a multinomial language-model
   cost per topic (Utiyama & Isahara, 2001) with a prior that favours boundaries at
   topic-shift phrases. ``bench/bench_segment.py`` compares it with a
   TextTiling-style method (``method="tiling"``, kept for comparison) and NLTK's
   TextTiling; the partition wins on every annotated episode.

Each topic is titled from its key phrases. Turn indexes are 0-based positions in
``Transcript.utterances``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Sequence

from banana.profile import Profile, SegmentSpec, default_profile
from banana.transcript import Transcript

SCHEMA = 1
KINDS = ("intro", "topic", "explainer", "teaser", "teaser-answer", "outro")
METHODS = ("partition", "tiling")
DEFAULT_METHOD = "partition"

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
MIN_TOPIC_WORDS = 200  # no topic shorter than this is split off
UNIT_MIN_WORDS = 25  # turns are grouped into units at least this long for topic segmentation
MAX_TOPIC_WORDS = 6000  # the partition never considers a topic longer than this
PARTITION_PENALTY = 16.0  # cost of one more topic, in units of log(words in the region)
SHIFT_BONUS = 0.55  # fraction of the penalty waived at a turn that says "our next topic"
TILING_WINDOW_TOKENS = 60  # content words compared either side of a gap (TextTiling style)
TITLE_MAX_PHRASES = 2
TITLE_OPENING_WORDS = 120  # a topic's key phrase is often said in its first words
TITLE_MAX_RATIO = 10.0  # cap on how much rarer elsewhere makes a phrase more of a title
TITLE_SECOND_SHARE = 0.35  # a second phrase joins the title when it scores this much of the first
VALIDATE_WORDS = 300  # text read to check that a puzzle segment states a puzzle
TERM_SEARCH_WORDS = 120  # text read after an explainer's cue to find its term

# Language-level discourse markers (not a show's cues, which live in its profile):
# phrases that lead into a segment, and phrases that announce a change of topic.
LEAD_IN = re.compile(
    r"\b(?:all right|alright|okay|ok|so now|and now|now its time|one more|one last|last thing|"
    r"before we go|before we wrap|wrap (?:things )?up|end of the (?:episode|show)|closing|"
    r"speaking of|which brings|brings us to|(?:wanted|want|can i|could i|let me) ask|"
    r"you mentioned|you said|moving on|switching gears)\b")
TOPIC_SHIFT = re.compile(
    r"\b(?:(?:our|the) (?:next|second|third|fourth|other|last|final) (?:topic|story|item|subject)|"
    r"next topic|another topic|change of topic|changing topics|moving on|switching gears|"
    r"shifting gears|change gears|i want(?:ed)? to talk (?:to you )?about|"
    r"lets (?:talk|move on|turn|switch|shift) (?:about|to|on)|on to our|turning to)\b")
# "Okay, synthetic data." / "All right, leaderboards." in punctuated text
_NAMED_SHIFT = re.compile(r"(?:^|(?<=[.!?] ))(?:okay|ok|alright|all right|so|now|right)[,:]?\s+"
                          r"([A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,2})[.!]\s", re.IGNORECASE)
# "Okay, sounds good." is not "Okay, synthetic data."
_ACKNOWLEDGEMENTS = frozenset("""
sounds sound good great cool perfect fine fair awesome nice interesting exactly totally
absolutely definitely sure thanks thank cheers wow gotcha agreed true wonderful excellent
amazing brilliant lovely noted understood
""".split())
PREVIEW = re.compile(r"\b(?:well|later|going to|gonna|will|coming up|stick around)\b")
CUE_CONTEXT = re.compile(
    r"\b(?:time for|its time|lets|now|our|segment|this weeks|up next|next up|move (?:on )?(?:in)?to|"
    r"turn (?:now )?to|like to|want to|wanna|we always|as we (?:wrap|finish|close|end)|"
    r"before we (?:go|wrap|end|finish))\b")

STOPWORDS = frozenset("""
a about above actually after again against ago all almost along already also although always am
among an and another any anybody anyone anything anyway anyways are area around as ask asked
asking at away b back basically be became because become becomes been before behind being
believe below best better between big bit both but by c call called came can cant case certain
certainly come comes coming could couldnt course d day days did didnt different do does doesnt
doing done dont down during e each easy either else end enough especially even ever every
everybody everyone everything exactly example f fact fairly far feel felt few find first for
found from further g gave get gets getting give given gives go goes going gone gonna good got
gotta great guess guy guys h had hadnt happen happens hard has hasnt have havent having he hed
hell hello her here hes hey hi him himself his honestly how however huh i id ie if ill im in
indeed instead interesting into is isnt it itll its itself ive j just k keep kind kinda know
knew known knows l last later least less let lets like likely little long look looking looks
lot lots m made make makes making many may maybe me mean means meant might mine more most mostly
much must my myself n need needs never new next nice no nobody none nor not nothing now o of off
often oh ok okay old on once one ones only onto or other others otherwise our ours ourselves out
over own p part particular particularly people perhaps person place point pretty probably put q
quite r rather re really right s said same saw say saying says see seeing seem seems seen she
shes should shouldnt show since so some somebody someone something sometimes somewhat sort
sorts start stuff such sure t take taken talk talked talking tell than thank thanks that thats
the their theirs them themselves then there theres these they theyd theyll theyre theyve thing
things think thinking this those though thought three through thus time times to today together
too took totally toward towards tried true try trying turn two u uh um under unless until up
upon us use used uses using v very w want wanted wants was wasnt way ways we wed week weeks well
went were weve what whatever whats when where whether which while who whoa whole whom whos whose
why will with within without wont work works would wouldnt x y yeah year years yep yes yet you
youd youll your youre yours yourself youve z
""".split())


# Words that do not title a topic on their own (common verbs, adjectives and nouns of
# conversation); they still count inside a phrase ("data science", "model drift").
TITLE_GENERIC = frozenset("""
able absolutely access add advice agree ahead amazing answer approach argue argument aspect
bad bar bigger biggest bill bit boring bring build building built bunch buy called care case
cases cause change changed check choice choose clear close cool correct cost couple crazy
curious cut data deal decide decision deep definitely depend detail develop difference
difficult easier easily end especially exact example expect experience explain fair fake
false famous fast faster favorite feature fight fine fix focus follow forget form free friend
fun funny future general generally give goal google great group grow guess half happy hear
heard help high highly huge human idea imagine important information interest interested
issue job join key kid large late learn learned learning level life light line list listen
live lot love low main mark matter measure mention mind minute mode model models moment month
move multiple name natural nice normal number numbers obvious obviously open opinion order
past pay perfect pick piece plan play plus point possible power practice pretty private
probably problem problems process public push question questions quick quickly read ready
real reality reason record relate relevant rely remember response result rest risk run safe
saw scale science score send sense serious set short side simple simply single situation
size small smart solve sound source space speak specific spend stand stay step stick still
story strong sudden super support sure system table takeaway team term test thank thousand
tool top topic track train trick turn type understand value version view watch week
weird wonder word work world worry worth write wrong yeah year
""".split())
# verbs and adjectives that do not end or start a title phrase
TITLE_GENERIC_END = frozenset("""
add agree answer bad big build change check come correct easy fine free good great happen
help high hit large learn like little long love make need nice read real run send small
solve start stay stuck take talk tell think train try understand use want watch work write
""".split())


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
        )

    @property
    def turns(self) -> range:
        return range(self.first_turn, self.last_turn + 1)


# --- text ---------------------------------------------------------------------------------

_APOSTROPHE = re.compile(r"(?<=\w)['’‘](?=\w)")
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("you're" → "youre"), everything else that is not
    a letter or digit turned into single spaces: how cues and whisper text are compared."""
    return _NON_WORD.sub(" ", _APOSTROPHE.sub("", text.lower())).strip()


@lru_cache(maxsize=4096)
def cue_pattern(phrase: str) -> re.Pattern[str]:
    """A regex for a cue phrase over normalised text: words may run together
    ("brainteaser"), the last word may take a plural ending, ``*`` is up to three words."""
    parts = [normalise(p).split() for p in phrase.split("*")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError(f"empty cue phrase {phrase!r}")
    last = parts[-1][-1]
    if len(last) > 5 and last.endswith("s") and not last.endswith("ss"):
        parts[-1][-1] = last[:-1]  # "learning resources" also finds "a learning resource"
    first = re.escape(parts[0][0])
    pieces = [" ?".join(re.escape(w) for w in words) for words in parts]
    # the first word as a plain literal (fast to search for), then "not inside a word"
    boundary = "(?<!\\w" + "." * len(parts[0][0]) + ")"
    body = r"(?: \w+){0,3} ".join(pieces)
    return re.compile(first + boundary + body[len(first):] + r"(?:s|es)?\b")


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+(?=[\"“‘'(\[]*[A-Z0-9])")
UNPUNCTUATED_SENTENCE_WORDS = 20


def split_sentences(text: str) -> list[str]:
    """Sentences of a text; text without sentence punctuation (whisper output) is cut
    into pieces of about 20 words instead."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        words = piece.split()
        if len(words) <= 2 * UNPUNCTUATED_SENTENCE_WORDS:
            if words:
                out.append(piece.strip())
            continue
        if re.search(r"[.!?]", piece):  # long but punctuated: keep it whole
            out.append(piece.strip())
            continue
        for i in range(0, len(words), UNPUNCTUATED_SENTENCE_WORDS):
            out.append(" ".join(words[i:i + UNPUNCTUATED_SENTENCE_WORDS]))
    return out


def stem(word: str) -> str:
    """A light suffix-stripper, enough to group "deepfakes"/"deepfake", "upskilling"/"upskill"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_tokens(normalised_text: str) -> list[str]:
    """Stemmed content words of normalised text (stopwords, numbers and short words dropped)."""
    return [stem(w) for w in normalised_text.split()
            if len(w) > 2 and w not in STOPWORDS and not w.isdigit()]


@dataclass(frozen=True)
class Hit:
    turn: int
    start: int  # character offsets in Doc.text
    end: int


class Doc:
    """A transcript normalised for matching: one string, with a map back to turns."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.texts = [normalise(u.text) for u in transcript.utterances]
        self.offsets: list[int] = []
        pos = 0
        for text in self.texts:
            self.offsets.append(pos)
            pos += len(text) + 1
        self.text = " ".join(self.texts)
        self.words = [len(t.split()) for t in self.texts]
        self.cum = [0]
        for w in self.words:
            self.cum.append(self.cum[-1] + w)
        self._tokens: list[list[str]] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def total_words(self) -> int:
        return self.cum[-1]

    @property
    def tokens(self) -> list[list[str]]:
        if self._tokens is None:
            self._tokens = [content_tokens(t) for t in self.texts]
        return self._tokens

    def turn_at(self, pos: int) -> int:
        return max(bisect_right(self.offsets, pos) - 1, 0)

    def turn_at_word(self, words: float) -> int:
        """The turn holding the word at this position (0-based word index)."""
        return min(max(bisect_right(self.cum, words) - 1, 0), max(len(self) - 1, 0))

    def hits(self, phrases: Iterable[str]) -> list[Hit]:
        found = []
        for phrase in phrases:
            for m in cue_pattern(phrase).finditer(self.text):
                found.append(Hit(self.turn_at(m.start()), m.start(), m.end()))
        found.sort(key=lambda h: (h.start, -h.end))
        return found

    def words_between(self, first: int, last: int) -> int:
        """Words in turns first..last inclusive."""
        if last < first:
            return 0
        return self.cum[last + 1] - self.cum[first]

    def context(self, hit: Hit, *, before: int = 60, after: int = 20) -> str:
        return self.text[max(hit.start - before, 0):hit.end + after]

    def turn_head(self, turn: int, *, words: int = 25) -> str:
        return " ".join(self.texts[turn].split()[:words])

    def shifts(self, turn: int) -> bool:
        """Does this turn announce a new topic near its start ("our second topic
        today...", "Okay, synthetic data.")?"""
        if TOPIC_SHIFT.search(self.turn_head(turn)):
            return True
        raw = " ".join(self.transcript.utterances[turn].text.split()[:25]) + " "
        for m in _NAMED_SHIFT.finditer(raw):
            words = [normalise(w) for w in m.group(1).split()]
            if words[0] not in _ACKNOWLEDGEMENTS and not all(w in STOPWORDS for w in words):
                return True
        return False


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
    from banana import teaser  # teaser builds on this module's text helpers

    text = _segment_text(doc, first, words=spec.max_words or VALIDATE_WORDS)
    if spec.puzzle:
        return teaser.parse_puzzle(text) is not None
    return teaser.announces_answer(text)


def _find_named(doc: Doc, specs: Sequence[SegmentSpec], floor: int) -> list[_Span]:
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
            term = explained_term(_segment_text(doc, cue_turn, words=TERM_SEARCH_WORDS)) \
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
    from banana import teaser

    last = None
    turn = span.first
    budget = span.spec.max_words or VALIDATE_WORDS
    while turn <= limit and doc.words_between(span.first, turn) <= budget:
        if teaser.talks_puzzle(doc.transcript.utterances[turn].text):
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
    spans.extend(_find_named(doc, others, floor))
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


_TERM_PATTERNS = [
    re.compile(r"\bexplain(?: to (?:us|me|everyone)| for (?:us|me))?(?: what)?(?: (?:an?|the))?"
               r" (?P<term>[^.?!,;:]{2,80}?)(?: to (?:us|me|everyone))? in (?:plain )?english\b"),
    re.compile(r"\bwhat (?:is|are|s|exactly is)(?: (?:an?|the))? (?P<term>[^.?!,;:]{2,80}?)"
               r"(?:[.?!,;:]| in (?:plain )?english\b|$)"),
    re.compile(r"\bexplain(?: what)?(?: (?:an?|the))? (?P<term>[^.?!,;:]{2,80}?)(?:[.?!,;:]|$)"),
    re.compile(r"\b(?P<term>[^.?!,;:]{2,60}?) in (?:plain )?english please\b"),
]
_TERM_EDGE = re.compile(r"^(?:so|and|can you|could you|please|our|the|a|an|what|is|are)\s+|"
                        r"\s+(?:please|for us|to us|again|exactly|really|is|are)$")
TERM_MAX_WORDS = 6


def explained_term(text: str) -> str | None:
    """The term an explainer segment explains, from how it is asked for ("can you
    explain autoencoder neural networks in English please?", "what is a generative
    adversarial network? In English, please.")."""
    lowered = _APOSTROPHE.sub("'", text.lower())
    for pattern in _TERM_PATTERNS:
        for m in pattern.finditer(lowered):
            term = m.group("term").strip(" \"'“”‘’-")
            previous = None
            while previous != term:
                previous = term
                term = _TERM_EDGE.sub("", term).strip(" \"'“”‘’-")
            words = term.split()
            if not words or len(words) > TERM_MAX_WORDS:
                continue
            if all(w in STOPWORDS for w in normalise(term).split()):
                continue
            if "english" in words or "in english please" in term:
                continue
            return term
    return None


# --- topics ---------------------------------------------------------------------------------

def _units(doc: Doc, first: int, last: int) -> list[tuple[int, int]]:
    """Turns first..last grouped into (first, last) units of at least UNIT_MIN_WORDS."""
    units: list[tuple[int, int]] = []
    start = first
    words = 0
    for turn in range(first, last + 1):
        words += doc.words[turn]
        if words >= UNIT_MIN_WORDS:
            units.append((start, turn))
            start, words = turn + 1, 0
    if start <= last:
        if units and words < UNIT_MIN_WORDS:
            units[-1] = (units[-1][0], last)
        else:
            units.append((start, last))
    return units


def _unit_tokens(doc: Doc, units: list[tuple[int, int]]) -> list[list[str]]:
    return [[tok for t in range(a, b + 1) for tok in doc.tokens[t]] for a, b in units]


def _partition(doc: Doc, units: list[tuple[int, int]], *,
               min_first_words: int = MIN_TOPIC_WORDS) -> list[int]:
    """Unit indexes where topics start (besides 0): the segmentation maximising the
    Laplace-smoothed multinomial likelihood of each topic's words, minus a per-topic
    penalty that is smaller at a turn announcing a topic shift."""
    tokens = _unit_tokens(doc, units)
    vocab = {w for ts in tokens for w in ts}
    k = max(len(vocab), 1)
    n_words = doc.words_between(units[0][0], units[-1][1])
    penalty = PARTITION_PENALTY * math.log(max(n_words, 2))
    unit_words = [doc.words_between(a, b) for a, b in units]
    shift = [doc.shifts(a) for a, _ in units]
    u = len(units)
    # g[c] = c * log(c + 1); adding one more of a word seen c times adds g[c+1] - g[c]
    g = [c * math.log(c + 1) for c in range(sum(len(t) for t in tokens) + 2)]
    best = [-math.inf] * (u + 1)
    back = [0] * (u + 1)
    best[0] = 0.0
    for i in range(u):
        if best[i] == -math.inf:
            continue
        counts: dict[str, int] = defaultdict(int)
        a_sum = 0.0
        n = 0
        words = 0
        cost_start = penalty * (1 - SHIFT_BONUS) if shift[i] and i > 0 else penalty
        for j in range(i, u):
            for w in tokens[j]:
                c = counts[w]
                a_sum += g[c + 1] - g[c]
                counts[w] = c + 1
            n += len(tokens[j])
            words += unit_words[j]
            if words > MAX_TOPIC_WORDS:
                break
            shortest = min_first_words if i == 0 else MIN_TOPIC_WORDS
            if words < shortest and not (i == 0 and j == u - 1):
                continue
            score = best[i] + a_sum - n * math.log(n + k) - (cost_start if i > 0 else 0.0)
            if score > best[j + 1]:
                best[j + 1] = score
                back[j + 1] = i
    if best[u] == -math.inf:
        return []
    starts = []
    j = u
    while j > 0:
        i = back[j]
        if i > 0:
            starts.append(i)
        j = i
    return sorted(starts)


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(w, 0) for w, v in a.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _tiling(doc: Doc, units: list[tuple[int, int]], *,
            min_first_words: int = MIN_TOPIC_WORDS) -> list[int]:
    """Unit indexes where topics start: TextTiling-style block comparison at each unit
    gap, depth scores, boundaries where the depth beats mean + sd/2."""
    tokens = _unit_tokens(doc, units)
    flat = [(i, w) for i, ts in enumerate(tokens) for w in ts]
    starts_at = []
    pos = 0
    for ts in tokens:
        starts_at.append(pos)
        pos += len(ts)
    gaps = list(range(1, len(units)))
    if len(gaps) < 3:
        return []
    raw = []
    for gi in gaps:
        p = starts_at[gi]
        left = Counter(w for _, w in flat[max(p - TILING_WINDOW_TOKENS, 0):p])
        right = Counter(w for _, w in flat[p:p + TILING_WINDOW_TOKENS])
        raw.append(_cosine(left, right))
    smooth = [sum(raw[max(i - 1, 0):i + 2]) / len(raw[max(i - 1, 0):i + 2]) for i in range(len(raw))]
    depth = []
    for i, s in enumerate(smooth):
        lp, j = s, i
        while j > 0 and smooth[j - 1] >= lp:
            j -= 1
            lp = smooth[j]
        rp, j = s, i
        while j < len(smooth) - 1 and smooth[j + 1] >= rp:
            j += 1
            rp = smooth[j]
        depth.append((lp - s) + (rp - s))
    mean = sum(depth) / len(depth)
    sd = math.sqrt(sum((d - mean) ** 2 for d in depth) / len(depth))
    cutoff = mean + sd / 2
    unit_words = [doc.words_between(a, b) for a, b in units]
    chosen: list[int] = []
    for i in sorted(range(len(depth)), key=lambda i: -depth[i]):
        if depth[i] <= cutoff or depth[i] <= 0:
            break
        cand = gaps[i]
        trial = sorted(chosen + [cand])
        bounds = [0] + trial + [len(units)]
        if all(sum(unit_words[a:b]) >= (min_first_words if a == 0 else MIN_TOPIC_WORDS)
               for a, b in zip(bounds, bounds[1:])):
            chosen = trial
    return chosen


_SPLITTERS = {"partition": _partition, "tiling": _tiling}


def split_topics(doc: Doc, first: int, last: int, *, method: str = DEFAULT_METHOD,
                 min_first_words: int = MIN_TOPIC_WORDS) -> list[int]:
    """Turns (after ``first``) where a new topic starts within turns first..last; the
    first topic may be as short as ``min_first_words`` (a named segment's tail)."""
    if method not in _SPLITTERS:
        raise ValueError(f"unknown topic method {method!r} (known: {', '.join(METHODS)})")
    if doc.words_between(first, last) < min_first_words + MIN_TOPIC_WORDS:
        return []
    units = _units(doc, first, last)
    if len(units) < 2:
        return []
    return [units[i][0] for i in _SPLITTERS[method](doc, units, min_first_words=min_first_words)]


# --- titles ---------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][\w.+#'’-]*[\w+#]|[A-Za-z]")


def _phrases_of(text: str) -> Iterable[tuple[str, str]]:
    """(key, surface) for every 1-3 word phrase without stopwords at its edges."""
    for sentence in split_sentences(text):
        words = [w for w in _WORD.findall(sentence)]
        norm = [normalise(w) for w in words]
        for i in range(len(words)):
            for size in (1, 2, 3):
                if i + size > len(words):
                    break
                chunk = norm[i:i + size]
                if chunk[0] in STOPWORDS or chunk[-1] in STOPWORDS:
                    continue
                if any(not c or c.isdigit() or len(c) < 3 and size == 1 for c in chunk):
                    continue
                if size == 3 and chunk[1] in STOPWORDS and chunk[1] not in ("of", "and"):
                    continue
                if size == 2 and chunk[1] in STOPWORDS:
                    continue
                key = " ".join(stem(c) for c in chunk)
                yield key, " ".join(words[i:i + size])


def _surface(forms: Counter) -> str:
    """The most common spelling; a lower-case one when the word is not a name."""
    best = forms.most_common(1)[0][0]
    lower = sum(v for f, v in forms.items() if f == f.lower())
    if lower * 2 >= sum(forms.values()):
        best = max((f for f in forms if f == f.lower()), key=lambda f: forms[f])
    return best


def topic_titles(transcript: Transcript, ranges: Sequence[tuple[int, int]],
                 *, context_turns: Sequence[int] = ()) -> list[str]:
    """A short title per range of turns from its key phrases: frequent in the range,
    rare in the episode's other topics, and preferably named in the episode's title or
    intro (``context_turns``) and at the range's start, where hosts introduce a topic."""
    utts = transcript.utterances
    counts: list[Counter] = []
    forms: dict[str, Counter] = defaultdict(Counter)
    opening: list[set[str]] = []
    for first, last in ranges:
        c: Counter = Counter()
        seen_open: set[str] = set()
        budget = 0
        for t in range(first, last + 1):
            for key, surface in _phrases_of(utts[t].text):
                c[key] += 1
                forms[key][surface] += 1
                if budget < TITLE_OPENING_WORDS:
                    seen_open.add(key)
            budget += len(utts[t].text.split())
        counts.append(c)
        opening.append(seen_open)
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    context: set[str] = set()
    for text in [transcript.title] + [utts[t].text for t in context_turns]:
        for key, _ in _phrases_of(text):
            context.add(key)
    titles = []
    for idx, c in enumerate(counts):
        picked = _key_phrases(c, total, opening[idx], context, len(ranges))
        if not picked:
            titles.append("Discussion")
            continue
        title = " and ".join(_surface(forms[key]) for key in picked)
        titles.append(title[0].upper() + title[1:])
    return titles


def _key_phrases(c: Counter, total: Counter, opening: set[str], context: set[str],
                 n_ranges: int) -> list[str]:
    effective = Counter()
    for key, tf in c.items():
        words = key.split()
        if len(words) == 1 and (key in TITLE_GENERIC or len(key) < 3):
            continue
        if len(words) > 1 and (words[-1] in TITLE_GENERIC_END or words[0] in TITLE_GENERIC_END):
            continue
        effective[key] = tf
    # a word mostly said inside a phrase ("synthetic" in "synthetic data") gives way to it
    for key, tf in list(effective.items()):
        words = key.split()
        if len(words) == 1:
            continue
        for w in words:
            if w in effective and tf >= 0.5 * c[w]:
                effective[w] -= tf
    scored = []
    for key, tf in effective.items():
        if tf < 2 and not (tf >= 1 and key in context):
            continue
        outside = total[key] - c[key]
        ratio = min((c[key] + 0.5) / (outside + 0.5) * n_ranges, TITLE_MAX_RATIO)
        score = tf * (1 + math.log1p(ratio))
        if len(key.split()) > 1:
            score *= 1.3
        if key in opening:
            score *= 1.3
        if key in context:
            score *= 3
        scored.append((score, key))
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked: list[tuple[float, str]] = []
    for score, key in scored:
        words = set(key.split())
        if any(words & set(k.split()) for _, k in picked):
            continue
        if picked and score < TITLE_SECOND_SHARE * picked[0][0]:
            break
        picked.append((score, key))
        if len(picked) == TITLE_MAX_PHRASES:
            break
    return [k for _, k in picked]


# --- putting it together ----------------------------------------------------------------------

def find_segments(transcript: Transcript, *, profile: Profile | None = None,
                  method: str = DEFAULT_METHOD, doc: Doc | None = None) -> list[Segment]:
    """The episode as consecutive segments covering every turn: named segments from the
    profile, topics between them. Explainer segments carry no term here; ``analyse``
    adds it."""
    profile = profile or default_profile()
    doc = doc or Doc(transcript)
    n = len(doc)
    if n == 0:
        return []
    spans = named_spans(doc, profile)
    # resolve open ends with cohesion: the first topic boundary after the span's start
    for i, span in enumerate(spans):
        if span.open_end:
            limit = spans[i + 1].first - 1 if i + 1 < len(spans) else n - 1
            cuts = split_topics(doc, span.first, limit, method=method,
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
        starts = [a] + split_topics(doc, a, b, method=method) + [b + 1]
        for s_, e in zip(starts, starts[1:]):
            final.append(("topic", s_, e - 1, None))
    topic_ranges = [(a, b) for kind, a, b, _ in final if kind == "topic"]
    intro_turns = [t for kind, a, b, _ in final if kind == "intro" for t in range(a, b + 1)]
    titles = iter(topic_titles(transcript, topic_ranges, context_turns=intro_turns))
    utts = transcript.utterances
    out = []
    for kind, a, b, span in final:
        title = next(titles) if span is None else span.spec.title
        out.append(Segment(kind=kind, title=title, start=utts[a].start, end=utts[b].end,
                           first_turn=a, last_turn=b,
                           term=span.term if span is not None and span.spec.explains else None))
    return out


# --- evaluation -----------------------------------------------------------------------------

def boundaries(segments: Iterable[Any]) -> set[int]:
    """Turn indexes where a segment starts (excluding turn 0), from Segments or dicts."""
    out = set()
    for s in segments:
        first = s["first_turn"] if isinstance(s, dict) else s.first_turn
        if first > 0:
            out.add(first)
    return out


def _window(ref: set[int], n: int, k: int | None) -> int:
    if k is None:
        k = max(round(n / (len(ref) + 1) / 2), 1)
    return min(k, max(n - 1, 1))


def pk(ref: set[int], hyp: set[int], n: int, *, k: int | None = None) -> float:
    """Beeferman's Pk over n turns: the chance that two turns k apart are wrongly put
    in the same or different segments. ``ref``/``hyp`` are the turns that start a
    segment; k defaults to half the mean reference segment length."""
    k = _window(ref, n, k)
    ref_id = _segment_ids(ref, n)
    hyp_id = _segment_ids(hyp, n)
    windows = n - k
    if windows <= 0:
        return 0.0
    wrong = sum((ref_id[i] == ref_id[i + k]) != (hyp_id[i] == hyp_id[i + k]) for i in range(windows))
    return wrong / windows


def windowdiff(ref: set[int], hyp: set[int], n: int, *, k: int | None = None) -> float:
    """Pevzner & Hearst's WindowDiff: windows whose boundary counts differ."""
    k = _window(ref, n, k)
    ref_b = [1 if i in ref else 0 for i in range(n)]
    hyp_b = [1 if i in hyp else 0 for i in range(n)]
    windows = n - k
    if windows <= 0:
        return 0.0
    wrong = sum(sum(ref_b[i + 1:i + k + 1]) != sum(hyp_b[i + 1:i + k + 1]) for i in range(windows))
    return wrong / windows


def _segment_ids(starts: set[int], n: int) -> list[int]:
    ids = []
    current = 0
    for i in range(n):
        if i in starts and i > 0:
            current += 1
        ids.append(current)
    return ids
