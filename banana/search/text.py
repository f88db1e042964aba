"""Text as the index sees it: plain text without Markdown markup, the words SQLite
FTS5's ``unicode61`` tokenizer finds in it, and the stemmers the index can use.

* ``plain_text`` removes the markup transcripts carry from their published Markdown
  (``[text](https://…)`` links keep their text, ``*emphasis*`` and ``code`` lose their
  marks), so snippets and passages read as speech.
* ``words`` / ``word_spans`` split text the way ``unicode61 remove_diacritics 2`` does
  (letters and digits of any script, lower-cased, accents dropped), so a column of
  stems written here lines up word for word with the column of words FTS5 tokenizes
  itself: a phrase finds the same positions in both.
* Stemmers (``STEMMERS``): ``porter2`` is the Snowball English stemmer (Porter's
  second algorithm), less eager than the original Porter stemmer FTS5 ships: it
  keeps "generics" apart from "generate" and "general", and "community" from
  "communication", while joining "explained" and "explaining"; ``plural`` only
  undoes plurals (Harman's S-stemmer); ``none`` keeps each word.
  bench/bench_search_quality.py measures them on judged queries. Each only rewrites a
  word's end, so a stem begins with its word's first ``STEM_KEEPS`` letters: the
  highlighter stems only the words that could match a query's stems.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

# --- markup -------------------------------------------------------------------------------

_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|mailto:|/|#|www\.)[^)\s]*(?:\s+\"[^\"]*\")?\)")
_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_CODE = re.compile(r"`+([^`\n]+?)`+")
# *a*, **a**, ***a***, _a_, __a__ around text that starts and ends with a non-space
# (so "2 * 3 * 4" and snake_case_names keep their characters).
_STAR_EMPHASIS = re.compile(r"(?<![\w*])(\*{1,3})(?=\S)([^*\n]+?)(?<=\S)\1(?![\w*])")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w_])(_{1,3})(?=\S)([^_\n]+?)(?<=\S)\1(?![\w_])")
_SPACES = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """``text`` without Markdown markup: links and images keep their text, emphasis and
    code spans lose their marks, runs of spaces become one. HTML-looking words such as
    ``<div>`` are left alone: in a transcript they are what was said."""
    if not any(ch in text for ch in "[*_`<"):
        return text
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for _ in range(2):  # nested: **bold with *italics* inside**
        text = _STAR_EMPHASIS.sub(r"\2", text)
        text = _UNDERSCORE_EMPHASIS.sub(r"\2", text)
    return _SPACES.sub(" ", text).strip()


# --- words ----------------------------------------------------------------------------------

# unicode61's token characters: letters and numbers of every script ("_" is not one).
_WORD = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """A word as ``unicode61 remove_diacritics 2`` stores it: lower case, accents dropped."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    return "".join(ch for ch in unicodedata.normalize("NFD", lowered)
                   if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of ``text``, as FTS5 tokenizes it."""
    return [fold(m) for m in _WORD.findall(text)]


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, folded word)`` for each word of ``text``, in order."""
    for m in _WORD.finditer(text):
        yield m.start(), m.end(), fold(m.group())


def spans_and_words(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """The character span and the folded word of each word of ``text``: ``word_spans``
    as two lists, in one pass of the lower-cased text when it is ASCII (a snippet's
    every word is looked at, so this is the highlighter's inner loop)."""
    if not text.isascii():
        found = list(word_spans(text))
        return [(start, end) for start, end, _ in found], [word for _, _, word in found]
    found = list(_WORD.finditer(text.lower()))
    return [m.span() for m in found], [m.group() for m in found]


# --- stemmers ------------------------------------------------------------------------------

_VOWELS = frozenset("aeiouy")
_DOUBLES = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")
_LI_ENDINGS = frozenset("cdeghkmnrt")
_EXCEPTIONS = {
    "skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
    "idly": "idl", "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli",
    "singly": "singl", "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas",
    "cosmos": "cosmos", "bias": "bias", "andes": "andes",
}
_AFTER_1A = frozenset(("inning", "outing", "canning", "herring", "earring", "proceed",
                       "exceed", "succeed"))
_STEP2 = (  # longest first
    ("ization", "ize"), ("ational", "ate"), ("fulness", "ful"), ("ousness", "ous"),
    ("iveness", "ive"), ("tional", "tion"), ("biliti", "ble"), ("lessli", "less"),
    ("entli", "ent"), ("ation", "ate"), ("alism", "al"), ("aliti", "al"), ("ousli", "ous"),
    ("iviti", "ive"), ("fulli", "ful"), ("enci", "ence"), ("anci", "ance"), ("abli", "able"),
    ("izer", "ize"), ("ator", "ate"), ("alli", "al"), ("bli", "ble"), ("ogi", "og"), ("li", ""),
)
_STEP3 = (
    ("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"),
    ("ative", ""), ("ical", "ic"), ("ness", ""), ("ful", ""),
)
_STEP4 = ("ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti",
          "ous", "ive", "ize", "ion", "al", "er", "ic")


def _region_after(word: str, start: int) -> int:
    """Where the region after the first non-vowel following a vowel, from ``start``, begins."""
    for i in range(start + 1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return i + 1
    return len(word)


def _short_syllable_at_end(word: str) -> bool:
    n = len(word)
    if n >= 3:
        return (word[-3] not in _VOWELS and word[-2] in _VOWELS
                and word[-1] not in _VOWELS and word[-1] not in "wxY")
    return n == 2 and word[0] in _VOWELS and word[1] not in _VOWELS


def porter2(word: str) -> str:
    """The Snowball English stemmer (Porter2) of one folded word."""
    if len(word) <= 2 or not word.isalpha() or not word.isascii():
        return word
    if word in _EXCEPTIONS:
        return _EXCEPTIONS[word]
    w = word.lstrip("'")
    if w.startswith("y"):
        w = "Y" + w[1:]
    marked = list(w)
    for i in range(1, len(marked)):
        if marked[i] == "y" and marked[i - 1] in _VOWELS:
            marked[i] = "Y"
    w = "".join(marked)
    if w.startswith(("gener", "arsen")):
        r1 = 5
    elif w.startswith("commun"):
        r1 = 6
    else:
        r1 = _region_after(w, 0)
    r2 = _region_after(w, r1)

    # Step 1a
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith(("ied", "ies")):
        w = w[:-2] if len(w) > 4 else w[:-1]
    elif w.endswith(("us", "ss")):
        pass
    elif w.endswith("s") and any(ch in _VOWELS for ch in w[:-2]):
        w = w[:-1]
    if w in _AFTER_1A:
        return w

    # Step 1b
    for suffix in ("eedly", "ingly", "edly", "eed", "ing", "ed"):
        if not w.endswith(suffix):
            continue
        if suffix in ("eed", "eedly"):
            if len(w) - len(suffix) >= r1:
                w = w[: -len(suffix)] + "ee"
        elif any(ch in _VOWELS for ch in w[: -len(suffix)]):
            w = w[: -len(suffix)]
            if w.endswith(("at", "bl", "iz")):
                w += "e"
            elif w.endswith(_DOUBLES):
                w = w[:-1]
            elif r1 >= len(w) and _short_syllable_at_end(w):
                w += "e"
        break

    # Step 1c
    if len(w) > 2 and w[-1] in "yY" and w[-2] not in _VOWELS:
        w = w[:-1] + "i"

    # Step 2
    for suffix, replacement in _STEP2:
        if w.endswith(suffix):
            if len(w) - len(suffix) >= r1:
                if suffix == "ogi":
                    if len(w) > 3 and w[-4] == "l":
                        w = w[:-1]
                elif suffix == "li":
                    if len(w) > 2 and w[-3] in _LI_ENDINGS:
                        w = w[:-2]
                else:
                    w = w[: -len(suffix)] + replacement
            break

    # Step 3
    for suffix, replacement in _STEP3:
        if w.endswith(suffix):
            if len(w) - len(suffix) >= r1:
                if suffix == "ative":
                    if len(w) - len(suffix) >= r2:
                        w = w[: -len(suffix)]
                else:
                    w = w[: -len(suffix)] + replacement
            break

    # Step 4
    for suffix in _STEP4:
        if w.endswith(suffix):
            if len(w) - len(suffix) >= r2:
                if suffix == "ion":
                    if len(w) > 3 and w[-4] in "st":
                        w = w[:-3]
                else:
                    w = w[: -len(suffix)]
            break

    # Step 5
    if w.endswith("e"):
        if len(w) - 1 >= r2 or (len(w) - 1 >= r1 and not _short_syllable_at_end(w[:-1])):
            w = w[:-1]
    elif w.endswith("l") and len(w) - 1 >= r2 and w.endswith("ll"):
        w = w[:-1]
    return w.replace("Y", "y")


def plural(word: str) -> str:
    """Harman's S-stemmer: plurals only ("queries" → "query", "buses" → "buse",
    "models" → "model"; "gas", "this", "class" and "status" unchanged)."""
    if len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith(("us", "ss", "is")):
        return word
    return word[:-1]


def unstemmed(word: str) -> str:
    return word


STEM_KEEPS = 1  # letters every stemmer here leaves at the start of a word ("dying" -> "die")

STEMMERS: dict[str, Callable[[str], str]] = {"porter2": porter2, "plural": plural,
                                              "none": unstemmed}
DEFAULT_STEMMER = "porter2"


_MEMOISED: dict[Callable[[str], str], Callable[[str], str]] = {}


def stemmer(name: str) -> Callable[[str], str]:
    """The stemmer called ``name``, memoised for the process (a transcript repeats its
    words, and so do the searches of a long-lived process)."""
    stem = STEMMERS[name]
    if stem not in _MEMOISED:
        _MEMOISED[stem] = functools.lru_cache(maxsize=1 << 17)(stem)
    return _MEMOISED[stem]


def stems(text: str, stem: Callable[[str], str]) -> str:
    """The stems of ``text``'s words, space-separated, one per word (so positions line
    up with the words FTS5 finds in ``text``)."""
    return " ".join(stem(w) for w in words(text))
