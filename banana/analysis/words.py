"""The word toolkit every analysis module shares: normalised text, cue phrases,
sentences, a light stemmer and the stopword list.

Text is compared *normalised* (``normalise``): lower case, apostrophes dropped, every
other non-letter a single space, so cue phrases match published text and whisper
output (no punctuation, no case) alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

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



_APOSTROPHE = re.compile(r"(?<=\w)['’‘](?=\w)")
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("you're" → "youre"), everything else that is not
    a letter or digit turned into single spaces: how cues and whisper text are compared."""
    return _NON_WORD.sub(" ", _APOSTROPHE.sub("", text.lower())).strip()


# Cue phrases as speech recognition hears them: a short function word of a cue is often
# heard as another one ("In English Please" → "the English please"), while the words that
# carry the cue come through. A tolerant cue lets one such word be any other short word.
SWAPPABLE_WORD_LETTERS = 3  # a cue word this short (and a stopword) may be heard as another
HEARD_AS_LETTERS = 4  # ... as a word of up to this many letters ("in" → "the", "and")
TOLERANCE_MIN_CONTENT_WORDS = 2  # the other words must carry the cue: at least two non-stopwords
_ANY_SHORT_WORD = r"\w{1,%d}" % HEARD_AS_LETTERS


def _cue_regex(parts: list[list[str | None]]) -> str:
    """The regex of a cue given as ``*``-separated runs of words; ``None`` stands for
    any short word (a swapped one), which stays a word of its own."""
    runs = []
    for words in parts:
        run = ""
        for i, word in enumerate(words):
            if i:
                run += " " if word is None or words[i - 1] is None else " ?"
            run += _ANY_SHORT_WORD if word is None else re.escape(word)
        runs.append(run)
    body = r"(?: \w+){0,3} ".join(runs)
    first = parts[0][0]
    if first is None:
        return r"(?<!\w)" + body + r"(?:s|es)?\b"
    # the first word as a plain literal (fast to search for), then "not inside a word"
    head = re.escape(first)
    boundary = "(?<!\\w" + "." * len(first) + ")"
    return head + boundary + body[len(head):] + r"(?:s|es)?\b"


def swappable_positions(phrase: str) -> list[tuple[int, int]]:
    """(run, word) positions of the cue words that a tolerant match lets be heard as
    another short word: short stopwords of a cue of three or more words whose other
    words include at least two that are not stopwords ("in" of "in english please";
    nothing of "see you next time", whose words are all common)."""
    parts = [normalise(p).split() for p in phrase.split("*")]
    parts = [p for p in parts if p]
    words = [(r, i, w) for r, run in enumerate(parts) for i, w in enumerate(run)]
    if len(words) < 3:
        return []
    out = []
    for r, i, w in words:
        if len(w) > SWAPPABLE_WORD_LETTERS or w not in STOPWORDS:
            continue
        content = sum(1 for r2, i2, w2 in words if (r2, i2) != (r, i) and w2 not in STOPWORDS)
        if content >= TOLERANCE_MIN_CONTENT_WORDS:
            out.append((r, i))
    return out


@lru_cache(maxsize=4096)
def cue_pattern(phrase: str, *, tolerant: bool = False) -> re.Pattern[str]:
    """A regex for a cue phrase over normalised text: words may run together
    ("brainteaser"), the last word may take a plural ending, ``*`` is up to three words.
    ``tolerant`` also matches the cue as speech recognition mishears it: one of its short
    function words heard as another short word (``swappable_positions``), so "in english
    please" finds "the english please" but not "plain english please"."""
    parts = [normalise(p).split() for p in phrase.split("*")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError(f"empty cue phrase {phrase!r}")
    last = parts[-1][-1]
    if len(last) > 5 and last.endswith("s") and not last.endswith("ss"):
        parts[-1][-1] = last[:-1]  # "learning resources" also finds "a learning resource"
    variants: list[list[list[str | None]]] = [[list(run) for run in parts]]
    if tolerant:
        for r, i in swappable_positions(phrase):
            variant: list[list[str | None]] = [list(run) for run in parts]
            variant[r][i] = None
            variants.append(variant)
    return re.compile("|".join(_cue_regex(v) for v in variants))


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


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common ``word`` is in English on the Zipf scale (wordfreq's small English list:
    4 is once in 100,000 words, "design" 5.2, "logo" 4.3, "embeddings" 1.8; 0 when the
    list does not hold it). wordfreq takes ~150 ms to import (ftfy, langcodes): loaded on
    the first call, so commands that never analyse do not pay for it."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en", wordlist="small")


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
