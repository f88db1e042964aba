"""How a query ranks passages, and how a hit is shown: the query-time half of search.

A query's terms are written twice into the FTS5 expression, once for the exact words
(``words`` and ``who`` columns, unstemmed) and once for their stems (``stems``), so a
passage holding the very word scores in both and one holding only a relative of it
("generate" for "generics", when a stemmer joins them) in one. The score of a passage:

    bm25(words × W_WORDS, stems × W_STEMS, who × W_WHO)
        × (1 + PHRASE when the query's words stand side by side, in order,
              else PROXIMITY when they stand within NEAR_TOKENS words of each other)
        × (1 + PEOPLE × the share of the query's words that name the episode's people)
    + EPISODE × log2(1 + Σ of the scores of the episode's matching passages)
    + EPISODE_TEXT × bm25 of the query over the episode's title and topics
      (title × W_TITLE, topics × W_TOPICS, their stems × W_TOPIC_STEMS)

The first line prefers the passage that says the words, exactly and close together;
the third the episodes a person was on (a guest's name finds their episodes before the
trivia other episodes tell about them); the fourth the episode that is about the query
(it talks about it in many passages); the last the episode whose title or chapters
name it. A plain query of several words requires only those that are
not in more than ``FREQUENT_SHARE`` of the passages ("how do you handle errors in go"
requires "handle", "errors" and "go"); when fewer passages than asked for have all
it requires, the passages with any of its ``FILL_TERMS`` rarest words (none less than
half as telling, by idf, as the rarest) are ranked after those (bm25 sums what each
has), and a note says so.

Two hits of one episode are ``SPREAD`` passages apart at least (unless the search is
within one episode): the passage right after a hit is most often the same discussion,
and one hit says where it is.

A hit is a passage, shown by its best piece (the one holding the most query words,
rarest first, exact before stems), with that piece's speaker and start time and a
snippet of it around the matches, the matched words between HIGHLIGHT_OPEN and
HIGHLIGHT_CLOSE.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from banana.search.query import ParsedQuery, Term, quoted
from banana.search.schema import EPISODE_SHIFT
from banana.search.text import STEM_KEEPS, fold, spans_and_words, stems, words

DEFAULT_LIMIT = 10
HITS_PER_EPISODE = 3  # results from one episode, unless the search is within one episode
MAX_RANKED = 20_000  # a query matching more passages ranks only the first this many
HIGHLIGHT_OPEN = "**"  # marks a matched word in a snippet
HIGHLIGHT_CLOSE = "**"
SNIPPET_WORDS = 36  # the most words of a snippet
SNIPPET_LEAD_WORDS = 6  # words shown before the first match, when the piece is cut
SPEAKER_CANDIDATES = 200  # with --speaker, passages looked at for the speaker's own words
MAX_PEOPLE_TERMS = 8  # query words looked up among the episodes' people
FILL_TERMS = 3  # the passages after those with every word have one of this many rarest words


@dataclass(frozen=True)
class Weights:
    """The ranking's constants (see the module docstring). bench/bench_search_quality.py
    measures them on judged queries."""

    words: float = 2.0
    stems: float = 1.0
    who: float = 1.0
    phrase: float = 0.5
    proximity: float = 0.0
    near_tokens: int = 10
    episode: float = 1.0
    people: float = 2.0
    episode_text: float = 0.5
    title: float = 2.0
    topics: float = 1.0
    topic_stems: float = 0.5
    frequent_share: float = 0.5
    spread: int = 5  # two hits of one episode are at least this many passages apart
    stem_match: float = 0.5  # a piece's stem match counts this much of an exact one


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _column_term(columns: str, stem: Callable[[str], str]) -> Callable[[Term], str]:
    """A term over ``columns``: its words there, or (not a prefix) its stems."""
    def term(t: Term) -> str:
        exact = f"{columns} : {quoted(t)}"
        if t.prefix:
            return exact
        return f"({exact} OR stems : {_quote(stems(t.text, stem))})"
    return term


def passage_term(stem: Callable[[str], str]) -> Callable[[Term], str]:
    """A term over the passages: its words in ``words`` or ``who``, or its stems."""
    return _column_term("{words who}", stem)


def episode_term(stem: Callable[[str], str]) -> Callable[[Term], str]:
    """A term over the episodes' own text."""
    return _column_term("{title people topics}", stem)


def entry_term(stem: Callable[[str], str]) -> Callable[[Term], str]:
    """A term over segment titles and glossary entries."""
    return _column_term("text", stem)


def near_expression(terms: Sequence[Term], stem: Callable[[str], str], tokens: int) -> str | None:
    """``stems : NEAR(...)`` over the query's terms, or None for fewer than two."""
    phrases = [_quote(stems(t.text, stem)) for t in terms if not t.prefix]
    phrases = [p for p in dict.fromkeys(phrases) if p != '""']
    if len(phrases) < 2:
        return None
    return f"stems : NEAR({' '.join(phrases)}, {tokens})"


def phrase_expression(terms: Sequence[Term], stem: Callable[[str], str]) -> str | None:
    """``stems : "a b c"``: the query's terms side by side, in order (None for fewer
    than two, or with a prefix among them)."""
    if len(terms) < 2 or any(t.prefix for t in terms):
        return None
    return f"stems : {_quote(' '.join(stems(t.text, stem) for t in terms))}"


# --- document frequencies -------------------------------------------------------------------


def passage_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT total(passages) FROM episodes").fetchone()[0]


def stem_frequencies(conn: sqlite3.Connection, terms: Sequence[Term],
                     stem: Callable[[str], str]) -> dict[Term, int]:
    """Passages holding each single-word term's stem (phrases and prefixes: left out)."""
    keys = {t: stems(t.text, stem) for t in terms if not t.prefix}
    keys = {t: k for t, k in keys.items() if k and " " not in k}
    if not keys:
        return {}
    marks = ", ".join("?" * len(set(keys.values())))
    found = dict(conn.execute(f"SELECT term, docs FROM stem_docs WHERE term IN ({marks})",
                              tuple(set(keys.values()))))
    return {t: found.get(k, 0) for t, k in keys.items()}


def idf(documents: int, df: int) -> float:
    return math.log(1.0 + (documents - df + 0.5) / (df + 0.5))


def fill_terms(query: ParsedQuery, frequencies: dict[Term, int], documents: int) -> list[Term]:
    """The words that choose the passages ranked after those with every word: the
    query's FILL_TERMS rarest that some passage has, none less than half as telling (idf)
    as the rarest (an OR of common words would walk most of the archive's rows). A
    phrase's or hyphenated word's frequency is not counted: they come only when no
    single word does."""
    counted = sorted((t for t in query.conjuncts if frequencies.get(t, 0) > 0),
                     key=lambda t: frequencies[t])
    if counted:
        floor = idf(documents, frequencies[counted[0]]) / 2
        counted = [t for t in counted if idf(documents, frequencies[t]) >= floor]
    chosen = counted or [t for t in query.conjuncts if isinstance(t, Term) and t not in frequencies]
    return chosen[:FILL_TERMS]


def fill_note(with_all: int) -> str:
    """What the note says when passages without every word were ranked."""
    if not with_all:
        return "no passage has all the words; ranked the passages with any of them"
    have = "passage has" if with_all == 1 else "passages have"
    return f"only {with_all} {have} all the words; then the passages with any of them"


# --- the pieces of a hit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """One query term, matched against the words of a piece of text."""

    words: tuple[str, ...]  # folded
    stems: tuple[str, ...]
    prefix: bool
    weight: float = 1.0

    @classmethod
    def of(cls, term: Term, stem: Callable[[str], str], weight: float = 1.0) -> Matcher:
        folded = tuple(words(term.text))
        return cls(folded, tuple(stem(w) for w in folded), term.prefix, weight)

    def find(self, tokens: Sequence[str], token_stems: Sequence[str]) -> list[tuple[int, int, bool]]:
        """``(first, last, exact)`` for each place the term stands in ``tokens``."""
        n = len(self.words)
        found: list[tuple[int, int, bool]] = []
        if not n:
            return found
        first, first_stem = self.words[0], self.stems[0]
        for i in range(len(tokens) - n + 1):
            token = tokens[i]
            if n == 1:
                if self.prefix:
                    if token.startswith(first):
                        found.append((i, i, True))
                elif token == first:
                    found.append((i, i, True))
                elif token_stems[i] == first_stem:
                    found.append((i, i, False))
                continue
            if token != first and token_stems[i] != first_stem:
                continue
            if self.prefix:
                if (tuple(tokens[i:i + n - 1]) == self.words[:-1]
                        and tokens[i + n - 1].startswith(self.words[-1])):
                    found.append((i, i + n - 1, True))
            elif tuple(tokens[i:i + n]) == self.words:
                found.append((i, i + n - 1, True))
            elif tuple(token_stems[i:i + n]) == self.stems:
                found.append((i, i + n - 1, False))
        return found


@dataclass(frozen=True)
class Marked:
    """A piece of text with the places the query's terms stand in it."""

    text: str
    spans: list[tuple[int, int]]  # character span of each word
    hits: list[tuple[int, int, bool, int]]  # (first word, last word, exact, matcher index)
    score: float


def mark(text: str, matchers: Sequence[Matcher], stem: Callable[[str], str], *,
         stem_match: float) -> Marked:
    """Find ``matchers`` in ``text``: where, and a score (each term found counts its
    weight, a stem match ``stem_match`` of it; repeats add a little)."""
    spans, tokens = spans_and_words(text)
    # Only a word that begins as a query stem begins can stem to it (STEM_KEEPS).
    heads = {s[:STEM_KEEPS] for m in matchers for s in m.stems}
    token_stems = [stem(t) if t[:STEM_KEEPS] in heads else t for t in tokens]
    hits: list[tuple[int, int, bool, int]] = []
    score = 0.0
    for k, matcher in enumerate(matchers):
        found = matcher.find(tokens, token_stems)
        if found:
            best = 1.0 if any(exact for _, _, exact in found) else stem_match
            score += matcher.weight * (best + 0.1 * (len(found) - 1))
            hits.extend((i, j, exact, k) for i, j, exact in found)
    hits.sort()
    return Marked(text, spans, hits, score)


def snippet(marked: Marked, *, max_words: int = SNIPPET_WORDS,
            lead: int = SNIPPET_LEAD_WORDS) -> str:
    """The words of ``marked`` around its matches, at most ``max_words`` of them, "…"
    where cut, matched words wrapped in HIGHLIGHT_OPEN/HIGHLIGHT_CLOSE (a phrase, or
    matched words next to each other, as one run)."""
    spans, text = marked.spans, marked.text
    if not spans:
        return text
    n = len(spans)
    first = 0
    if n > max_words and marked.hits:
        # The window of max_words words holding the most matched words, begun a few
        # words before its first match.
        starts = [i for i, _, _, _ in marked.hits]
        best_count, best_start = -1, 0
        for s in starts:
            count = sum(1 for t in starts if s <= t < s + max_words - lead)
            if count > best_count:
                best_count, best_start = count, s
        first = max(0, min(best_start - lead, n - max_words))
    last = min(n, first + max_words) - 1
    matched = [False] * n
    for i, j, _, _ in marked.hits:
        for w in range(i, j + 1):
            matched[w] = True
    out: list[str] = []
    cursor = spans[first][0]
    end_char = spans[last][1]
    if last == n - 1:
        end_char = len(text)
    elif end_char < len(text) and text[end_char] in ".,;:!?":
        end_char += 1
    w = first
    while w <= last:
        if not matched[w]:
            w += 1
            continue
        run_end = w
        while run_end + 1 <= last and matched[run_end + 1] and text[
                spans[run_end][1]:spans[run_end + 1][0]].isspace():
            run_end += 1
        out.append(text[cursor:spans[w][0]])
        out.append(HIGHLIGHT_OPEN + text[spans[w][0]:spans[run_end][1]] + HIGHLIGHT_CLOSE)
        cursor = spans[run_end][1]
        w = run_end + 1
    out.append(text[cursor:end_char])
    body = "".join(out).strip()
    return ("…" if first > 0 else "") + body + ("…" if last < n - 1 else "")


def episode_of(row_id: int) -> int:
    return row_id >> EPISODE_SHIFT


def matchers_for(parsed: ParsedQuery, stem: Callable[[str], str],
                 frequencies: dict[Term, int], documents: int) -> list[Matcher]:
    """A matcher per positive term, weighted by rarity (a term of unknown frequency,
    such as a phrase, as the rarest)."""
    rarest = max((idf(documents, df) for df in frequencies.values()), default=1.0)
    return [Matcher.of(t, stem, idf(documents, frequencies[t]) if t in frequencies else rarest)
            for t in parsed.scored_terms()]


def fold_name(name: str) -> str:
    return " ".join(fold(w) for w in name.split())
