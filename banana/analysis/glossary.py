"""The glossary: terms the hosts explained, in their own words.

Two sources, one entry per term:

* **An explainer segment** (a segment whose role is ``explains``, "In English Please"
  on the home show): the term asked for, and the explaining host's own words that
  define it — the answer, never the question (on whisper text with no punctuation,
  the words after the request's last mention of the term).
* **Definitional moves anywhere in the conversation**, read sentence by sentence:
  "X is basically a …", "X is when …", "X, which is a kind of …", "a tool called X,
  which is / lets …" (or "called X. It is …"), "X means / stands for / refers to …",
  "what we call X" / "that's called X" (the sentence before is the explanation). The
  term must be a noun phrase of content words (not a pronoun or "the problem"), not one
  everyday English word ("design") and not a person talking; a term the episode says once must
  be a name or an acronym; for "X is …", a capitalised X must be a concept the episode
  also says in lower case (a company's description is not a definition).

Rules and the everyday-word threshold chosen on hand-annotated development episodes
(``python bench/bench_analysis.py --set dev``), reported on twelve others of the same five
shows (``python bench/bench_analysis.py``): figures in bench/README.md.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from banana.analysis.profile import EXPLAINS
from banana.analysis.segments import Segment
from banana.analysis.titles import TITLE_GENERIC
from banana.analysis.words import STOPWORDS, normalise, split_sentences, stem, zipf
from banana.transcript import Transcript

EXPLANATION_MAX_WORDS = 70
EXPLANATION_MAX_SENTENCES = 3
MIN_SENTENCE_WORDS = 6
MAX_SENTENCE_WORDS = 60
UNPUNCTUATED_WORDS = 45  # explanation taken from whisper text without sentence punctuation

_DEFINING = re.compile(
    r"\b(?:is|are) (?:when|where|that|basically|just|simply|a|an|the|what|how|like)\b|"
    r"\bthe (?:concept|idea|goal|point|key|trick|whole goal|whole idea) (?:of|is|here)\b|"
    r"\bmeans?\b|\bbasically\b|\bis called\b|\bstands for\b|\bthink of\b|\bimagine\b|"
    r"\bin other words\b|\bthat's (?:called )?\w+ \w+:", re.IGNORECASE)
_META = re.compile(r"\b(?:podcast|episode|segment|listeners?|we've talked)\b", re.IGNORECASE)



@dataclass(frozen=True)
class GlossaryEntry:
    """A term explained on air: in an explainer segment, or in passing."""

    term: str
    explanation: str
    episode: str
    speaker: str | None
    start: float  # seconds

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "explanation": self.explanation, "episode": self.episode,
                "speaker": self.speaker, "start": round(self.start, 3)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlossaryEntry:
        return cls(term=str(data["term"]), explanation=str(data.get("explanation", "")),
                   episode=str(data.get("episode", "")), speaker=data.get("speaker"),
                   start=float(data.get("start", 0.0)))



def _term_words(term: str) -> list[str]:
    words = [w for w in normalise(term).split() if w not in STOPWORDS]
    marks = [stem(w) for w in words if len(w) > 2]
    if len(words) >= 2:
        marks.append("".join(w[0] for w in words))
    return marks


_REQUEST = re.compile(r"\bexplain\b|\bwhat (?:is|are|'s)\b|\bbreak (?:it |that )?down\b|"
                      r"\bwhat does .{1,40} mean\b|\bthe (?:term|word) (?:today|this week)\b",
                      re.IGNORECASE)


def _request_turn(transcript: Transcript, segment: Segment, term: str | None) -> int:
    """The turn that asks for the explanation ("can you explain X in English please?"):
    the first turn of the segment that names the term, else that asks for something."""
    marks = _term_words(term or "")
    for t in segment.turns:
        norm = normalise(transcript.utterances[t].text)
        if marks and any(re.search(rf"\b{re.escape(m)}", norm) for m in marks[:2]):
            return t
    for t in segment.turns:
        if _REQUEST.search(transcript.utterances[t].text):
            return t
    return segment.first_turn


def _explaining_speaker(transcript: Transcript, segment: Segment, term: str | None) -> str | None:
    """Who talks most after the request: the host who explains."""
    asked = _request_turn(transcript, segment, term)
    words: Counter = Counter()
    for t in segment.turns:
        u = transcript.utterances[t]
        if t > asked and u.speaker:
            words[u.speaker] += len(u.text.split())
    return words.most_common(1)[0][0] if words else None


def _weights(transcript: Transcript, segment: Segment, term: str | None) -> dict[str, float]:
    """The term's words, weighted by how particular they are to the explainer: in
    "autoencoder neural networks", "autoencoder" counts more than "network"."""
    marks = _term_words(term or "")
    outside = " ".join(normalise(u.text) for t, u in enumerate(transcript.utterances)
                       if t not in segment.turns)
    return {m: 1.0 / (1 + len(re.findall(rf"\b{re.escape(m)}", outside))) for m in marks}


def explanation(transcript: Transcript, segment: Segment, term: str | None,
                *, speaker: str | None = None) -> str:
    """The explaining host's own words that best define ``term``: the defining
    sentences of the answer, in order (the first words of the answer when the
    transcript has no punctuation to split sentences by)."""
    utts = transcript.utterances
    asked = _request_turn(transcript, segment, term)
    turns = [t for t in segment.turns if t >= asked and (speaker is None or utts[t].speaker == speaker
                                                        or t == asked)]
    text = " ".join(utts[t].text for t in turns)
    if not re.search(r"[.!?]", text):
        return _opening_words(text, term)
    candidates: list[str] = []
    for t in turns:
        sentences = split_sentences(utts[t].text)
        if t == asked:  # keep only what follows the request
            after = [i for i, x in enumerate(sentences) if _REQUEST.search(x)]
            sentences = sentences[after[-1] + 1:] if after else []
            if speaker is not None and utts[t].speaker != speaker:
                sentences = []
        candidates.extend(sentences)
    if not candidates:
        return ""
    weights = _weights(transcript, segment, term)
    scored = []
    for pos, sentence in enumerate(candidates):
        words = sentence.split()
        norm = normalise(sentence)
        score = 4.0 * min(sum(w for m, w in weights.items()
                              if re.search(rf"\b{re.escape(m)}" + ("s?\\b" if len(m) <= 3 else ""), norm)),
                          1.5)
        if _DEFINING.search(sentence):
            score += 2
        score += 3.0 * math.exp(-pos / 6)  # explanations start early
        if sentence.rstrip().endswith("?"):
            score -= 3
        if len(words) < MIN_SENTENCE_WORDS:
            score -= 3
        if len(words) > MAX_SENTENCE_WORDS:
            score -= 2
        if _META.search(sentence):
            score -= 2
        scored.append((score, pos, sentence))
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked: list[tuple[int, str]] = []
    total = 0
    for score, pos, sentence in scored:
        n = len(sentence.split())
        if picked and (score <= 0 or total + n > EXPLANATION_MAX_WORDS):
            continue
        picked.append((pos, sentence))
        total += n
        if len(picked) == EXPLANATION_MAX_SENTENCES or total >= EXPLANATION_MAX_WORDS * 0.8:
            break
    picked.sort()
    return " ".join(s.strip() for _, s in picked)


def _opening_words(text: str, term: str | None) -> str:
    """Unpunctuated text: the first words of the answer, after the request's last mention
    of the term (the question is not the explanation)."""
    words = text.split()
    norm = [normalise(w) for w in words]
    marks = _term_words(term or "")
    start = 0
    for i, w in enumerate(norm[:REQUEST_MAX_WORDS]):
        if any(w.startswith(m) for m in marks if len(m) > 2):
            start = i + 1
    while start < len(words) and norm[start] in _FILLER:
        start += 1
    cut = words[start:start + UNPUNCTUATED_WORDS]
    if not cut:
        return ""
    return " ".join(cut) + ("…" if start + UNPUNCTUATED_WORDS < len(words) else "")


REQUEST_MAX_WORDS = 40  # the request for an explanation is said within this many words
_FILLER = frozenset("please so yeah yes okay ok sure well right alright um uh absolutely".split())


def glossary_entries(transcript: Transcript, segments: Sequence[Segment], *,
                     episode: str, hosts: Sequence[str] = ()) -> list[GlossaryEntry]:
    """One entry per explainer segment that names its term, then one per term defined
    in passing elsewhere in the episode (each term once)."""
    out = []
    explained: set[str] = set()
    skip: set[int] = set()
    for seg in segments:
        if seg.role != EXPLAINS:
            continue
        skip.update(seg.turns)
        if not seg.term:
            continue
        speaker = _explaining_speaker(transcript, seg, seg.term)
        out.append(GlossaryEntry(term=seg.term,
                                 explanation=explanation(transcript, seg, seg.term, speaker=speaker),
                                 episode=episode, speaker=speaker, start=seg.start))
        explained.add(normalise(seg.term))
    for term, turn, said in definitions(transcript, skip=skip, names=hosts):
        key = normalise(term)
        if key in explained:
            continue
        explained.add(key)
        u = transcript.utterances[turn]
        out.append(GlossaryEntry(term=term, explanation=said, episode=episode,
                                 speaker=u.speaker, start=u.start))
    return out


# --- definitions in passing ---------------------------------------------------------------

_NP = r"(?P<term>[A-Za-z][\w.+#'’-]*(?: [A-Za-z][\w.+#'’-]*){0,3}?)"
_HEDGE = r"(?:basically |essentially |simply |just |really |actually |kind of |sort of |literally )?"
# the start of a sentence, maybe past a connective and a short lead-in ("So by comparison, X is…")
_OPENER = r"(?:^|^(?:so|and|well|okay|now|but)[, ]+)(?:[\w' ]{1,24}, )?"
# "a lot simpler", "a big market", "a thing that I…": how much or how good, not what it is
_NOT_KIND = (r"(?! (?:lot|little|bit|big|good|great|huge|nice|cool|real|really|very|pretty|fun|bad|"
             r"whole|few|couple|long|thing|term (?:that|which|we|i|you|people))\b)")
# "is like the best…": a ranking, not an analogy
_NOT_RANK = (r"(?! (?:best|worst|only|same|most|least|first|last|biggest|greatest|coolest|hardest|"
             r"easiest|funniest|thing|whole)\b)")
# what a thing does, said in the present ("a tool called X, which lets you…")
_DOES = (r"(?:lets|helps|allows|does|makes|gives|turns|takes|runs|manages|adds|means|provides|"
         r"uses|generates|builds|compiles|converts|checks|tracks|stores|finds|works)")
# (how the explanation is taken, pattern): "is" — the defining sentence and the next;
# "call" — the sentence before and the naming one; "named" — the naming sentence and the
# next; "next" — the naming sentence and the next, which must say what it is ("a product
# called X. It is a thing that…"). "is" and "which" terms said once must be
# names; "called X" names a term however often it is said.
_NEXT_DEFINES = re.compile(rf"(?:it|this|that)(?:'s| is| {_DOES})\b", re.I)
_DEFINITIONS = [
    ("is", re.compile(rf"{_OPENER}{_NP} (?:is|are) {_HEDGE}(?:(?:a|an){_NOT_KIND}|when|where|wherein|"
                      r"how we|the idea|the concept|the process|the practice|the notion|"
                      rf"like (?:a|an){_NOT_KIND}|like the{_NOT_RANK}) ", re.I)),
    ("is", re.compile(rf"{_OPENER}{_NP} (?:is|are) (?:basically|essentially) ", re.I)),
    ("is", re.compile(rf"{_OPENER}{_NP} (?:means|stands for|refers to|is defined as) ", re.I)),
    ("which", re.compile(r"(?:\b(?:the|a|an|with|use|using|of|in|on|about|like)|^|[.,;:]) "
                         rf"{_NP},? which (?:is|are) {_HEDGE}(?:(?:a|an){_NOT_KIND}|(?:kind|sort|type) of (?:a|an|like)|"
                         rf"like (?:(?:a|an){_NOT_KIND}|the{_NOT_RANK}))\b",
                         re.I)),
    ("named", re.compile(rf"\b(?:called|known as) {_NP},? (?:which(?: [-–—]+ it)?|and it|that)"
                         rf"(?: is|'s| are) {_HEDGE}(?:(?:a|an){_NOT_KIND}|supposed to|"
                         rf"like(?: (?:a|an){_NOT_KIND}| the{_NOT_RANK}|,))", re.I)),
    ("named", re.compile(rf"\b(?:called|known as) {_NP},? (?:which(?: [-–—]+ it)?|and it) {_DOES}\b",
                         re.I)),
    ("next", re.compile(rf"\b(?:called|known as) {_NP}[.!]?$", re.I)),
    ("call", re.compile(r"\b(?:what (?:we|people|they|you|i|folks) (?:call|refer to as)|"
                        rf"(?:that's|that is|this is|it's|it is|which is|what's|what is) {_HEDGE}(?:called|known as)|"
                        r"what do (?:we|people|they|you|i|folks) call (?:that|this|it)(?: [-–—]+|,|\?)?|"
                        r"(?:heard|seen) (?:it|this|that) called|"
                        r"(?:some|some people|people|folks) call (?:this|that|it|them)) "
                        rf"(?:the |a |an )?{_NP}(?=[.,;!?]|$)", re.I)),
    # "… That's basically what a diversified ETF is.": the sentence before explains it
    ("call", re.compile(rf"\b(?:that's|that is|this is) {_HEDGE}(?:effectively |exactly )?what "
                        rf"(?:a |an |the )?{_NP} (?:is|are|means)(?=[.,;!?]|$)", re.I)),
]
_ARTICLE = re.compile(r"^(?:the|a|an|our|your|their|my|his|her) ", re.I)
# "your sensitivity is where we start": one person's, not a term
_POSSESSIVE = re.compile(r"^(?:(?:so|and|but|well|now)[, ]+)?(?:our|your|their|my|his|her) ", re.I)
# "this LLC, which is a for-profit entity, which is…": a description of the name before
_DESCRIBES = re.compile(r"\b(?:which|that|who) (?:is|are)(?: a| an| the)? *$", re.I)
# "a book called X": a title, not a term to look up
_WORK = re.compile(r"\b(?:(?:book|paper|article|post|blog|talk|song|album|movie|film|series|episode|"
                   r"chapter|section|course|newsletter|essay|show|keynote|video) |"
                   r"(?:book|paper|article|song|album|movie|film|novel|essay)\b[^.;:!?]{0,80}"
                   r"\b(?:that|which) (?:is|was) )(?:called|named|titled|known as) $", re.I)
# "an app called Cheddar currently": when, not part of the name
_TRAILING = re.compile(r" (?:currently|now|today|also|too|actually|basically|anyway|here|there|"
                       r"right now|nowadays|these days)$", re.I)
_LEAD = re.compile(r"^(?:(?:so|and|but|then|well|now|also|okay|yeah|i think|we think|you know|"
                   r"like)[, ]+)+", re.I)
# words that head no term: pronouns, quantifiers, and the nouns of talk itself
_NOT_TERMS = frozenset("""
it its that this these those they them there here he she we you i what which who whose where
when how why one some any all each every everything something nothing anything someone anyone
everyone people thing things way part kind sort lot bit idea problem point question answer
reason stuff started building using making doing getting
""".split())
DEFINITION_MIN_WORDS = 8  # a shorter explanation explains nothing
# A one-word term at least this common in English (Zipf scale: 4 is once in 100,000 words;
# "design" 5.2, "logo" 4.3, "rewrite" 3.5, "embeddings" 1.8) is an everyday word, not a
# term a listener would look up ("The design is a tough one"). Chosen on the development
# annotations (bench/annotations/dev/), never on the reported ones.
ORDINARY_ZIPF = 4.0
DEFINITION_MAX_CHARS = 400


def ordinary(term: str) -> bool:
    """One everyday English word, not an acronym: no glossary term when said in passing."""
    words = term.split()
    return len(words) == 1 and not term.isupper() and zipf(words[0].lower()) >= ORDINARY_ZIPF


def _as_term(text: str) -> str | None:
    """A candidate's noun phrase, or None when it is not one."""
    term = _TRAILING.sub("", _ARTICLE.sub("", _LEAD.sub("", text.strip(" \"'“”‘’-,."))))
    words = term.split()
    if not words or len(words) > 4:
        return None
    keys = [normalise(w) for w in words]
    if keys[0] in _NOT_TERMS or any(k in STOPWORDS and k != "of" for k in keys):
        return None
    if len(words) == 1 and (keys[0] in TITLE_GENERIC or len(keys[0]) < 3):
        return None
    return term


# "Leo, collaborative filtering. What is it?" / "what does overfitting mean?"
_QUESTION = re.compile(
    r"(?P<term>(?:[a-z][\w'-]*[ ,.]+){0,3}[a-z][\w'-]*)[.?!,]?\s+what (?:is|are) (?:it|that|they)\b"
    r"|\bwhat does (?:an? |the )?(?P<term2>[a-z][\w'-]*(?: [a-z][\w'-]*){0,3}?) (?:mean|stand for)\b",
    re.IGNORECASE)
ANSWER_WORDS = 40  # words of the answer kept as the explanation


def _phrase_counts(normalised: str) -> Counter:
    """How often each run of one to four words is said: looked up, not searched for, so
    checking every candidate term costs one pass over the episode."""
    words = normalised.split()
    counts: Counter = Counter()
    for size in range(1, 5):
        counts.update(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))
    return counts


def _asked(transcript: Transcript, phrases: Counter, names: set[str]) -> list[tuple[str, int, str]]:
    """Terms asked about ("X. What is it?") and answered: in a transcript with speakers,
    the next turn by someone else; without (whisper, where a question may straddle two
    segments), the words after the question."""
    utts = transcript.utterances
    if any(u.speaker for u in utts):
        pieces = [(turn, u.text) for turn, u in enumerate(utts)]
    else:  # one text, and a map from its characters back to segments
        pieces = [(0, " ".join(u.text for u in utts))]
    starts = list(itertools.accumulate((len(u.text) + 1 for u in utts), initial=0))
    out = []
    for first, text in pieces:
        for m in _QUESTION.finditer(text):
            raw = re.sub(r"[,.]", " ", m.group("term") or m.group("term2") or "").split()
            # what comes before the term: the end of the last sentence, or a name ("Leo,
            # collaborative filtering. What is it?" is not about Leo)
            while raw and (normalise(raw[0]) in names | STOPWORDS | _NOT_TERMS):
                raw = raw[1:]
            # the longest ending of what was said that the episode says again (a term
            # it is about is said again in the answer; a name said before it is not)
            term = next((t for k in range(len(raw)) if (t := _as_term(" ".join(raw[k:])))
                         and phrases[normalise(t)] >= 2), None)
            if term is None or ordinary(term):
                continue
            if len(pieces) > 1:
                turn = first
                nxt = next((v for v in utts[turn + 1:turn + 3] if v.speaker != utts[turn].speaker), None)
                answer = " ".join(split_sentences(nxt.text)[:2]) if nxt else ""
            else:
                turn = bisect.bisect_right(starts, m.start()) - 1
                after = text[m.end():].split()
                while after and normalise(after[0]) in _FILLER | _AFTER_QUESTION:
                    after = after[1:]
                answer = " ".join(after[:ANSWER_WORDS])
            if len(answer.split()) >= DEFINITION_MIN_WORDS:
                out.append((term, turn, answer))
    return out


# what trails a question before its answer ("what is it, minus the jargon? Okay, ...")
_AFTER_QUESTION = frozenset("minus the jargon math maths linear algebra without in plain english".split())


def definitions(transcript: Transcript, *, skip: set[int] = frozenset(),
                names: Sequence[str] = ()) -> list[tuple[str, int, str]]:
    """(term, turn, explanation) for each term defined in passing, first time each."""
    utts = transcript.utterances
    everything = " ".join(u.text for u in utts)
    normalised = normalise(everything)
    seen: set[str] = set()
    people = {part for n in (*names, *transcript.speakers) for part in normalise(n).split()}
    phrases = _phrase_counts(normalised)
    out = []
    for term, turn, said in _asked(transcript, phrases, people):
        if turn not in skip and normalise(term) not in seen:
            seen.add(normalise(term))
            out.append((term, turn, said[:DEFINITION_MAX_CHARS]))
    for turn, u in enumerate(utts):
        if turn in skip:
            continue
        sentences = split_sentences(u.text)
        for k, sentence in enumerate(sentences):
            for how, pattern in _DEFINITIONS:
                for m in pattern.finditer(sentence):
                    term = _as_term(m.group("term"))
                    if term is None or ordinary(term):
                        continue
                    before = sentence[:m.start("term")]
                    if how in ("is", "which") and (_POSSESSIVE.match(m.group("term"))
                                                   or _DESCRIBES.search(before)):
                        continue
                    if how in ("named", "next", "call") and _WORK.search(before):
                        continue
                    key = normalise(term)
                    if key in seen or set(key.split()) <= people:
                        continue  # defined already, or a person ("Debbie, which is like…")
                    said = phrases[key]
                    proper = any(c.isupper() for c in term)
                    if how in ("is", "which") and said < 2 and not proper:
                        continue  # said once and not a name: no term of the episode
                    if how == "is" and proper and not term.isupper() \
                            and not re.search(rf"\b{re.escape(term.lower())}\b", everything):
                        continue  # describing a name ("Acme is a startup"), not defining
                    if how == "next" and not (k + 1 < len(sentences)
                                              and _NEXT_DEFINES.match(sentences[k + 1])):
                        continue
                    if how == "call" and len(sentence.split()) < DEFINITION_MIN_WORDS \
                            and (k == 0 or len(sentences[k - 1].split()) < DEFINITION_MIN_WORDS):
                        continue  # "It's called X." after small talk: nothing explains X
                    window = sentences[max(k - 1, 0):k + 1] if how == "call" else sentences[k:k + 2]
                    explained = " ".join(window)
                    if len(explained.split()) < DEFINITION_MIN_WORDS:
                        continue
                    seen.add(key)
                    out.append((term, turn, explained[:DEFINITION_MAX_CHARS]))
    return out
