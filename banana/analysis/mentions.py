"""Mentions: the real names said in an episode — tools, products, companies, people,
places, works — ranked by how much the episode is about them.

Where the transcript has case, a name is a run of capitalised words ("Stack Overflow",
"TensorFlow", "AWS"), with the small words titles keep inside them ("Game of Thrones",
"Bank of America"). Capitals alone are not enough, so the episode itself is the
evidence (nothing here is fitted to a show):

* a word that opens a sentence is capitalised by grammar, not because it is a name:
  it stays only if the episode also capitalises it mid-sentence ("So Google..." keeps
  Google when Google is said elsewhere; "Remember Etherpad" loses "Remember", which the
  episode says in lower case);
* a word the episode also says in lower case, more often than capitalised, is a common
  word ("Product", "Web"), unless it is part of a longer name;
* short all-capital words that are ordinary abbreviations (CEO, API, CPU, MB) are not
  names, however often they are said;
* the show's own name and the people talking (hosts, guests) are not mentions of the
  episode; nationalities said as adjectives ("Chinese researchers") are not names.

Where the transcript has no case (whisper output), names come from the show profile's
vocabulary (``[mentions] terms``), each kept only where the context fits: said at least
twice, or near another name of the vocabulary ("a spark in their eyes" is not Spark).

A name that is only ever said as part of a longer one ("Google" in "Google Cloud") is
that longer name; a plural said beside its singular is the singular ("ORMs", "ORM"); a
hyphen and an English word make an adjective of a name ("NASA-grade" is NASA). Each mention gets a kind (``person``, ``place`` or ``name``) and is
ranked by salience: the number of turns that say it, then how early it first appears.
Everything is one pass over the words (linear in the transcript's length).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

from banana.analysis.doc import Doc
from banana.analysis.profile import EXPLAINS, Profile
from banana.analysis.segments import Segment
from banana.analysis.words import STOPWORDS, cue_pattern, normalise, zipf
from banana.transcript import Transcript

# Capitalised words that are never names in themselves: pronouns, days, months.
_NOT_NAMES = frozenset("""
i im ive id ill okay ok mr mrs ms dr monday tuesday wednesday thursday friday saturday
sunday january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec god christmas easter halloween
thanksgiving
""".split())
# Ordinary abbreviations of English (job titles, units, generic computing terms): said in
# capitals, but not names of anything in particular.
GENERIC_ABBREVIATIONS = frozenset("""
ceo ceos cfo cto coo cmo vp vps hr pr prs it qa ux ui gui api apis cpu cpus gpu gpus tpu ram
rom ssd hdd os vm vms mb gb tb kb pb fps tv pc pcs usb dns ip tcp http https url urls html css
json xml sql sdk sdks ide cli ci cd sla slas kpi kpis roi faq faqs diy asap aka etc ai ml nlp
iot saas paas iaas b2b b2c vc vcs ipo m&a llc inc ltd phd md mba ba bs ms msc us usa uk eu un
am pm est pst utc gmt ok id lol tl dr tldr fyi btw imo imho eta ar vr xr 3d 2d p2p poc mvp
oss foss gpl mit bsd rfc rfcs spa pwa seo cms crm erp oem oems gdpr ssh ssl tls cdn led leds
lcd dvd cd cds mp3 pdf csv lte 4g 5g wifi gps atm atms ga rfp rfps ha ppm ppb gc xyz ast
vdi sso dmz slo sla sre nda sku mrr arr cac ltv okr okrs qps rps ttl ttfb lts eol
""".split())


def _generic(key: str) -> bool:
    """An ordinary abbreviation, also in the plural ("CEOs", "OSes")."""
    compact = key.replace(" ", "")
    return any(form in GENERIC_ABBREVIATIONS
               for form in (compact, compact.removesuffix("s"), compact.removesuffix("es")))
# Nationalities and languages said as adjectives ("Chinese researchers"): not names.
DEMONYMS = frozenset("""
american americans canadian chinese japanese indian iranian pakistani french german spanish
russian korean british european african asian australian brazilian mexican italian israeli
english latin arabic dutch swedish norwegian danish finnish polish irish scottish greek
turkish egyptian nigerian kenyan ukrainian western eastern northern southern
""".split())
# Places: names, of kind "place".
_PLACES = frozenset("""
africa america american americans asia australia australian brazil canada canadian chinese
china europe european france french germany german india indian ireland italy japan japanese
london mexico new york paris russia russian san francisco spain spanish uk united states
usa west western east eastern north south silicon valley seattle boston california texas
atlanta arabic english latin houston austin chicago berlin tokyo israel africa korea korean
""".split())
# Small words a name may keep inside it ("Game of Thrones", "Bank of America").
# "the" only after "of" ("Lord of the Rings"): "Next.js the Styled JSX" is two names.
_CONNECTORS = frozenset("of the de la van von du &".split())
_WORD = r"(?:[A-Z][\w.+#'’-]*[\w+#]|[A-Z])"
_CAPITALISED = re.compile(
    rf"(?<![\w.@/])({_WORD}(?:\s+(?:(?:of(?:\s+the)?|de|la|van|von|du|&)\s+)?{_WORD})*)")
_SENTENCE_END_BEFORE = re.compile(r"(?:[.!?…]\s+|[\"“(]\s*|[:;—–]\s*)$")


def _opens_sentence(text: str, start: int) -> bool:
    """Does the word at ``start`` open a sentence? (Looks at the few characters before
    it only, so a long turn costs no more per word than a short one.)"""
    before = text[max(start - 8, 0):start]
    if start <= 8 and not before.strip():
        return True  # the turn's first word
    return _SENTENCE_END_BEFORE.search(before) is not None
_PERSON_CUE = re.compile(
    r"\b(?:i'?m|my name is|my guest|our guest|joined by|welcome|thanks?|thank you|said|says|"
    r"told|asked|wrote|tweeted|with|from)\s+$", re.IGNORECASE)
VOCABULARY_NEAR_WORDS = 15  # a vocabulary term counts once if another is said this close
_COMMON_NOUN = re.compile(r"\b(?:a|an)\s+$")  # "a spark": an ordinary noun, not Spark


@dataclass(frozen=True)
class Mention:
    """A name said in an episode: ``count`` turns say it, the first at ``start``."""

    term: str
    episode: str
    start: float  # seconds, first mention
    turn: int  # turn of the first mention
    count: int  # how many turns outside explainer segments say it
    kind: str = "name"  # "person", "place" or "name" (a tool, product, company, work...)

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "episode": self.episode, "start": round(self.start, 3),
                "turn": self.turn, "count": self.count, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mention:
        return cls(term=str(data["term"]), episode=str(data.get("episode", "")),
                   start=float(data.get("start", 0.0)), turn=int(data.get("turn", 0)),
                   count=int(data.get("count", 1)), kind=str(data.get("kind", "name")))


@dataclass
class _Said:
    surface: Counter  # spellings
    turns: list[int]  # turns saying it, in order, one entry per turn
    person_cue: bool = False


def _case_counts(transcript: Transcript) -> tuple[Counter, Counter, Counter]:
    """How often each word is said in lower case, capitalised mid-sentence, and
    capitalised mid-sentence on its own (not beside another capitalised word)."""
    lower: Counter = Counter()
    capital_inside: Counter = Counter()
    alone: Counter = Counter()
    for u in transcript.utterances:
        words = list(re.finditer(r"[A-Za-z](?:[\w'’-]|\.(?=\w))*", u.text))  # "Next.js" one word
        for i, m in enumerate(words):
            word = m.group(0)
            key = normalise(word)
            if word[0].islower():
                lower[key] += 1
            elif not _opens_sentence(u.text, m.start()):
                capital_inside[key] += 1
                neighbours = [words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
                if not any(n.group(0)[0].isupper() and _adjacent(u.text, m, n) for n in neighbours):
                    alone[key] += 1
    return lower, capital_inside, alone


def _adjacent(text: str, a: re.Match, b: re.Match) -> bool:
    """Two words with only spaces between them (not across a comma or a full stop)."""
    first, second = (a, b) if a.start() < b.start() else (b, a)
    return not text[first.end():second.start()].strip()


_SUFFIX_WORD = re.compile(r"^(.+?)-([a-z]+)$")  # "CSS-like", "React-based", "AI-first"
_VARIABLE = re.compile(r"^[A-Za-z]\d+$")  # "X1", "W2": algebra, not names
# what follows a name's hyphen when it makes an adjective of it
_SUFFIXES = frozenset("""
like based related owned first destined driven powered native style oriented friendly
specific compatible aware enabled centric heavy free ready esque ish emitting
""".split())


def _name_words(text: str) -> list[str]:
    """A capitalised run's words, each without a possessive or an adjective suffix
    ("React-based" → "React", "AI-generated" → "AI")."""
    out = []
    for word in re.sub(r"['’]s\b", "", text).strip(" .-").split():
        m = _SUFFIX_WORD.match(word)
        out.append(m.group(1) if m and (m.group(2) in _SUFFIXES or _english(m.group(2)))
                   else word)
    return out


def _english(word: str) -> bool:
    """Any word of wordfreq's English list ("generated", "derived", "grade", "wide")."""
    return len(word) > 2 and zipf(word) > 0


def _names(transcript: Transcript, skip_turns: set[int], exclude: set[str]) -> dict[str, _Said]:
    lower, capital_inside, alone = _case_counts(transcript)
    connectors = _CONNECTORS

    def standalone_name(word: str) -> bool:
        """Said on its own, capitalised mid-sentence, at least as often as in lower case."""
        key = normalise(word)
        return bool(key) and key not in STOPWORDS | _NOT_NAMES and alone[key] >= 1 \
            and lower[key] <= alone[key]

    inside_spans = {normalise(" ".join(_name_words(m.group(1))))
                    for u in transcript.utterances for m in _CAPITALISED.finditer(u.text)
                    if not _opens_sentence(u.text, m.start())}
    found: dict[str, _Said] = {}
    for t, u in enumerate(transcript.utterances):
        if t in skip_turns:
            continue
        for m in _CAPITALISED.finditer(u.text):
            words = _name_words(m.group(1))
            if _opens_sentence(u.text, m.start()) and len(words) > 1:
                # capitalised by grammar: drop an opening word the episode also says in
                # lower case, or never capitalises mid-sentence when the rest is a name
                # said mid-sentence elsewhere ("Remember Etherpad" → "Etherpad"); a lone
                # word must pass standalone_name below
                while len(words) > 1 and (
                        lower[normalise(words[0])] > capital_inside[normalise(words[0])]
                        or (capital_inside[normalise(words[0])] == 0
                            and normalise(" ".join(words[1:])) in inside_spans)):
                    words = words[1:]
            while words and (normalise(words[0]) in STOPWORDS | _NOT_NAMES | connectors
                             or (len(words) > 1 and _generic(normalise(words[0])))):
                words = words[1:]  # "So Google", "CEO of HashiCorp"
            while words and normalise(words[-1]) in _NOT_NAMES | connectors:
                words = words[:-1]
            if not words:
                continue
            key = normalise(" ".join(words))
            if not key or len(key) < 2 or key.isdigit() or key in exclude:
                continue
            keys = key.split()
            if key in DEMONYMS or all(w in exclude for w in keys):
                continue
            if all(_generic(w) or w in STOPWORDS | connectors for w in keys) or _generic(key):
                continue  # "MB of RAM", "U.S."
            if len(words) == 1 and (not standalone_name(words[0]) or _VARIABLE.match(words[0])):
                continue
            said = found.setdefault(key, _Said(Counter(), []))
            said.surface[" ".join(words)] += 1
            if not said.turns or said.turns[-1] != t:
                said.turns.append(t)
            if _PERSON_CUE.search(u.text[:m.start()][-40:]):
                said.person_cue = True
    return found


def _vocabulary(doc: Doc, profile: Profile, skip: set[int]) -> dict[str, _Said]:
    """The profile's vocabulary terms, where the context fits: not after "a"/"an" (an
    ordinary noun), and said in two turns or more, or within VOCABULARY_NEAR_WORDS
    words of another vocabulary term."""
    hits: list[tuple[int, str, str, int]] = []  # (word position, key, term, turn)
    for term in profile.terms:
        key = normalise(term)
        for m in cue_pattern(term).finditer(doc.text):
            t = doc.turn_at(m.start())
            if t not in skip and not _COMMON_NOUN.search(doc.text[max(m.start() - 4, 0):m.start()]):
                hits.append((doc.text.count(" ", 0, m.start()), key, term, t))
    hits.sort()
    turns_of: dict[str, set[int]] = defaultdict(set)
    for _, key, _, t in hits:
        turns_of[key].add(t)
    out: dict[str, _Said] = {}
    for i, (pos, key, term, t) in enumerate(hits):
        near = any(abs(pos - p) <= VOCABULARY_NEAR_WORDS and k != key
                   for p, k, _, _ in hits[max(i - 3, 0):i + 4])
        if len(turns_of[key]) < 2 and not near:
            continue
        said = out.setdefault(key, _Said(Counter(), []))
        said.surface[term] += 1
        if t not in said.turns:
            said.turns.append(t)
    return out


def _kind(key: str, said: _Said, people: set[str]) -> str:
    words = key.split()
    if all(w in _PLACES for w in words):
        return "place"
    if key in people or (said.person_cue and len(words) in (2, 3)
                         and all(w.isalpha() for w in words)):
        return "person"
    return "name"


def mentions(transcript: Transcript, segments: Sequence[Segment], profile: Profile, *,
             episode: str, doc: Doc | None = None) -> list[Mention]:
    """The names said outside explainer segments, most salient first."""
    doc = doc or Doc(transcript)
    skip = {t for s in segments if s.role == EXPLAINS for t in s.turns}
    explained = {normalise(s.term) for s in segments if s.role == EXPLAINS and s.term}
    # the people in the conversation (hosts, guests) and the show itself are not mentions
    speakers = {normalise(s) for s in (*transcript.speakers, *profile.hosts)}
    people = speakers | {part for s in speakers for part in s.split()}
    exclude = people | {normalise(transcript.show), normalise(profile.name)}
    found = _names(transcript, skip, exclude - {""})
    for key, said in _vocabulary(doc, profile, skip).items():
        if key in found:
            found[key].turns = sorted(set(found[key].turns) | set(said.turns))
            found[key].surface.update(said.surface)
        else:
            found[key] = said
    merged = _merge_contained(_merge_plurals(found))
    out = []
    for key, said in merged.items():
        if not said.turns or key in explained:
            continue
        # prefer a spelling with capitals ("TensorFlow") over the vocabulary's lower case
        surface = max(said.surface, key=lambda f: (f != f.lower(), said.surface[f]))
        first = said.turns[0]
        out.append(Mention(term=surface, episode=episode,
                           start=transcript.utterances[first].start, turn=first,
                           count=len(said.turns), kind=_kind(key, said, people)))
    out.sort(key=lambda m: (-m.count, m.start, m.term.lower()))
    return out


def _merge_plurals(found: dict[str, _Said]) -> dict[str, _Said]:
    """"ORMs" and "ORM" are one mention, under the singular."""
    out = dict(found)
    for key, said in found.items():
        one = key[:-1] if key.endswith("s") else None
        if one and one in out and one != key:
            kept = out[one]
            kept.turns = sorted(set(kept.turns) | set(said.turns))
            kept.person_cue = kept.person_cue or said.person_cue
            del out[key]
    return out


def _merge_contained(found: dict[str, _Said]) -> dict[str, _Said]:
    """"Google" said only as part of "Google Cloud" is one mention, not two: a name whose
    every turn is a turn of longer names containing it goes into them. Each longer name
    lists its contiguous sub-names once, so this is linear in the names' words."""
    inside: dict[str, list[str]] = defaultdict(list)  # sub-name -> longer names holding it
    for key in found:
        words = key.split()
        for size in range(1, len(words)):
            for i in range(len(words) - size + 1):
                inside[" ".join(words[i:i + size])].append(key)
    out = dict(found)
    for key, said in found.items():
        longer = inside.get(key)
        if not longer:
            continue
        covered = {t for k in longer for t in found[k].turns}
        if set(said.turns) <= covered:
            del out[key]
    return out
