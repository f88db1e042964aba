"""What a listener types, turned into a safe SQLite FTS5 expression.

``deep learning`` (both words), ``"deep learning"`` (the phrase), ``deep*``
(prefix), ``a AND b``, ``a OR b``, ``a NOT b``, parentheses. Malformed syntax (an
unbalanced quote or parenthesis, a bare operator, ``NEAR(``) is searched as its plain
words, with a note saying so; a query with no words at all, or one starting with
``NOT``, raises ``QueryError``. SQLite never sees raw user syntax.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from banana.errors import QueryError

# Query bounds. 200 words of English are about 1,200 characters; a longer query is
# pasted text, not a search. Nesting is bounded so the parser (recursive descent,
# four frames a level) and FTS5 (expression trees at most 256 deep) stay far from
# their limits.
MAX_QUERY_CHARS = 2_000  # characters in one search query
MAX_QUERY_DEPTH = 16  # parentheses inside parentheses
ECHO_QUERY_CHARS = 60  # characters of the query quoted back in an error or note
# A query of more words still matches on all of them, but only this many (its
# longest) are scored. bm25 computes each term's IDF by walking every row that
# holds it, so 100 words of pasted text (the, and, of, ...) cost the sum of their
# document frequencies -- about 60 times a two-word query on 40 episodes, and more
# the bigger the archive -- while matching on them all stays cheap (FTS5 skips
# through the doclists). The rows found are the same; only their order may differ.
MAX_SCORED_TERMS = 8

OPERATORS = ("AND", "OR", "NOT")


@dataclass(frozen=True)
class Term:
    """A word, a quoted phrase (several words) or a prefix (``deep*``), as typed."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Group:
    """``op`` ("AND" or "OR") over two or more parts."""

    op: str
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``kept NOT (excluded[0] OR excluded[1] ...)``."""

    kept: Node
    excluded: tuple[Node, ...]


Node = Term | Group | Not
TermRenderer = Callable[[Term], str]


def quoted(term: Term) -> str:
    """A term as a plain FTS5 string (any column, as its tokenizer reads it)."""
    return _quote(term.text, term.prefix)


def render(node: Node, term: TermRenderer = quoted) -> str:
    """The FTS5 expression of ``node``, each term written by ``term``."""
    if isinstance(node, Term):
        return term(node)
    if isinstance(node, Group):
        return "(" + f" {node.op} ".join(render(p, term) for p in node.parts) + ")"
    return f"({render(node.kept, term)} NOT {render(_joined(node.excluded, 'OR'), term)})"


def positive_terms(node: Node) -> list[Term]:
    """The terms a matching row may contain (those under NOT excluded)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Group):
        return [t for p in node.parts for t in positive_terms(p)]
    return positive_terms(node.kept)


@dataclass(frozen=True)
class ParsedQuery:
    """A query as conjuncts: a matching row matches every one of them."""

    conjuncts: tuple[Node, ...]
    note: str | None = None  # why the query was searched as plain words, if it was
    # For a query of more than MAX_SCORED_TERMS conjuncts: the longest few of them,
    # which rank (bm25) and highlight the rows that all conjuncts match. None: all do.
    scored_conjuncts: tuple[Node, ...] | None = None
    operators: bool = False  # the user wrote AND, OR or NOT (or parentheses)

    @property
    def fts(self) -> str:
        """The query as one FTS5 MATCH expression (every column, as tokenized)."""
        return self.expression()

    @property
    def rank_fts(self) -> str | None:
        if self.scored_conjuncts is None:
            return None
        return render(_joined(self.scored_conjuncts, "AND"))

    @property
    def scored(self) -> str:
        """The expression bm25 and snippets use."""
        return self.rank_fts or self.fts

    def expression(self, term: TermRenderer = quoted, *, scored: bool = False,
                   any_words: bool = False) -> str:
        """The query with each term written by ``term``: all conjuncts (``scored``: the
        scored few), or any of them (``any_words``)."""
        parts = self.scored_conjuncts if scored and self.scored_conjuncts else self.conjuncts
        return render(_joined(parts, "OR" if any_words else "AND"), term)

    @property
    def plain(self) -> bool:
        """True for a list of words and phrases as typed (no operators, no prefixes)."""
        return not self.operators and all(isinstance(c, Term) and not c.prefix
                                          for c in self.conjuncts)

    def terms(self) -> list[Term]:
        """The terms rows are matched (and highlighted) on, in query order."""
        seen: dict[Term, None] = {}
        for c in self.conjuncts:
            for t in positive_terms(c):
                seen.setdefault(t)
        return list(seen)

    def scored_terms(self) -> list[Term]:
        """The terms ranking and highlighting go by: a long query's scored few."""
        if self.scored_conjuncts is None:
            return self.terms()
        return ParsedQuery(self.scored_conjuncts).terms()

    def without(self, dropped: set[Term]) -> ParsedQuery:
        """The query without some of its conjuncts (each a plain term)."""
        kept = tuple(c for c in self.conjuncts if c not in dropped)
        scored = None if self.scored_conjuncts is None else tuple(
            c for c in self.scored_conjuncts if c not in dropped)
        return ParsedQuery(kept, note=self.note, scored_conjuncts=scored or None,
                           operators=self.operators)


@dataclass(frozen=True)
class _Tok:
    kind: str  # "term" | "op" | "(" | ")"
    text: str
    prefix: bool = False


class _SyntaxProblem(Exception):
    """The query is not valid search syntax; ``plain`` says whether its words may
    still be searched (False when that would invert the user's meaning)."""

    def __init__(self, message: str, *, plain: bool = True) -> None:
        super().__init__(message)
        self.plain = plain


def _has_token_chars(text: str) -> bool:
    """True when FTS5's unicode61 tokenizer would find a word in ``text``."""
    return any(unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co"
               for ch in text)


def _quote(text: str, prefix: bool = False) -> str:
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")


def _key(node: Node) -> str:
    return render(node).lower()


def _distinct(parts: list[Node]) -> list[Node]:
    """``parts`` without repeats, first occurrence kept, ignoring case as FTS5 does.

    Repeating a term in an AND or OR list never changes which rows match, but it
    costs: FTS5's bm25 and snippet walk every instance of every phrase in each
    matching row, merging the phrases' position lists, so a word given k times is
    k times the instances merged k ways (200 × "the" took 1.2 s, one "the" 6 ms).
    """
    seen: dict[str, Node] = {}
    for part in parts:
        seen.setdefault(_key(part), part)
    return list(seen.values())


def clip_query(text: str, chars: int = ECHO_QUERY_CHARS) -> str:
    """``text`` for quoting back to the user: at most ``chars`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _check_depth(toks: list[_Tok]) -> None:
    depth = deepest = 0
    for tok in toks:
        if tok.kind == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif tok.kind == ")":
            depth = max(depth - 1, 0)
    if deepest > MAX_QUERY_DEPTH:
        raise QueryError(f"parentheses nested {deepest} deep; the most is {MAX_QUERY_DEPTH}")


_TOKEN_RE = re.compile(r'\s+|"(?P<phrase>[^"]*)"(?P<pstar>\*)?|(?P<paren>[()])|(?P<word>[^\s"()]+)|(?P<quote>")')


def _tokenize(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN_RE.finditer(query):
        if m.group("quote"):
            raise _SyntaxProblem("unbalanced quote")
        if m.group("paren"):
            toks.append(_Tok(m.group("paren"), m.group("paren")))
        elif m.group("phrase") is not None:
            if _has_token_chars(m.group("phrase")):
                toks.append(_Tok("term", m.group("phrase"), bool(m.group("pstar"))))
        elif m.group("word"):
            word = m.group("word")
            if word in OPERATORS:
                toks.append(_Tok("op", word))
                continue
            stem, stars = word.rstrip("*"), len(word) - len(word.rstrip("*"))
            if "*" in stem or stars > 1:
                raise _SyntaxProblem(f"one '*' goes at the end of a word, as in deep*: {word!r}")
            if not _has_token_chars(stem):
                if stars:
                    raise _SyntaxProblem("a lone '*' needs a word before it, as in deep*")
                continue  # punctuation only: nothing to search for
            toks.append(_Tok("term", stem, bool(stars)))
    return toks


class _Parser:
    """or := and (OR and)* ; and := not ([AND] not)* ; not := primary (NOT primary)* ;
    primary := term | '(' or ')'. Emits a fully parenthesised FTS5 expression."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> list[Node]:
        """The query's conjuncts: every matching row matches each of them."""
        if not self.toks:
            raise _SyntaxProblem("nothing to search for")
        alternatives = [self.and_parts()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            alternatives.append(self.and_parts())
        if self.peek() is not None:  # only a stray ')' can stop the parser early
            raise _SyntaxProblem("unbalanced parenthesis")
        if len(alternatives) == 1:
            return _distinct(alternatives[0])
        return [_joined([_joined(parts, "AND") for parts in alternatives], "OR")]

    def or_(self) -> Node:
        parts = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            parts.append(self.and_())
        return _joined(parts, "OR")

    def and_(self) -> Node:
        return _joined(self.and_parts(), "AND")

    def and_parts(self) -> list[Node]:
        parts = [self.not_()]
        while (tok := self.peek()) is not None and (
                tok.kind in ("term", "(") or (tok.kind == "op" and tok.text == "AND")):
            if tok.kind == "op":
                self.take()
            parts.append(self.not_())
        return parts

    def not_(self) -> Node:
        """``a NOT b NOT c`` is ``a NOT (b OR c)``: one flat node, however many NOTs
        (nesting them would grow FTS5's expression tree one level per NOT)."""
        expr = self.primary()
        excluded = []
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "NOT":
            self.take()
            excluded.append(self.primary())
        return Not(expr, tuple(_distinct(excluded))) if excluded else expr

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise _SyntaxProblem("the query ends with an operator")
        if tok.kind == "term":
            self.take()
            return Term(tok.text, tok.prefix)
        if tok.kind == "(":
            self.take()
            if (nxt := self.peek()) is None:
                raise _SyntaxProblem("unbalanced parenthesis")
            if nxt.kind == ")":
                raise _SyntaxProblem("empty parentheses")
            expr = self.or_()
            if (close := self.peek()) is None or close.kind != ")":
                raise _SyntaxProblem("unbalanced parenthesis")
            self.take()
            return expr
        if tok.kind == ")":
            raise _SyntaxProblem("unbalanced parenthesis")
        if tok.text == "NOT" and self.i == 0:
            raise _SyntaxProblem("NOT needs a word on its left, as in: learning NOT deep",
                                 plain=False)
        raise _SyntaxProblem(f"{tok.text} needs a word on each side")


def _joined(parts: list[Node] | tuple[Node, ...], op: str) -> Node:
    """``parts`` under ``op``, repeats dropped; a single part stands alone."""
    distinct = _distinct(list(parts))
    return distinct[0] if len(distinct) == 1 else Group(op, tuple(distinct))


def _parsed(conjuncts: list[Node], note: str | None = None, *,
            operators: bool = False) -> ParsedQuery:
    """The query matching every conjunct; ranked by the MAX_SCORED_TERMS longest
    when there are more (see MAX_SCORED_TERMS)."""
    conjuncts = _distinct(conjuncts)
    rank = None
    if len(conjuncts) > MAX_SCORED_TERMS:
        # Longest first (a proxy for rarest: no document frequencies are at hand
        # before the query runs), exact words before prefixes, then query order.
        keys = [render(c) for c in conjuncts]
        order = sorted(range(len(conjuncts)),
                       key=lambda i: (keys[i].endswith("*"), -len(keys[i]), i))
        rank = tuple(conjuncts[i] for i in sorted(order[:MAX_SCORED_TERMS]))
    return ParsedQuery(tuple(conjuncts), note=note, scored_conjuncts=rank, operators=operators)


_PLAIN_WORD_RE = re.compile(r"[^\s\"()*]+")


_NEAR_RE = re.compile(r"\bNEAR\s*\(")
_NEAR_DISTANCE_RE = re.compile(r",\s*\d+\s*(?=\))")


def _plain_words(query: str) -> list[str]:
    """The words of a query, without operators (unless that leaves nothing)."""
    query = _NEAR_DISTANCE_RE.sub(" ", query)  # NEAR(a b, 5): 5 is not a word to find
    words = [w for w in _PLAIN_WORD_RE.findall(query) if _has_token_chars(w)]
    content = [w for w in words if w not in OPERATORS and w != "NEAR"]
    return content or words


def parse_query(query: str) -> ParsedQuery:
    """Turn what a user typed into conjuncts that render as safe FTS5 expressions.

    ``deep learning`` (both words), ``"deep learning"`` (the phrase), ``deep*``
    (prefix), ``a AND b``, ``a OR b``, ``a NOT b``, parentheses. Malformed syntax
    (an unbalanced quote or parenthesis, a bare operator, ``NEAR(``) is searched
    as its plain words, with a ``note`` saying so; a query with no words at all
    (a lone ``*``), or one starting with ``NOT``, raises ``QueryError``, and so does
    one longer than ``MAX_QUERY_CHARS`` or nested deeper than ``MAX_QUERY_DEPTH``.
    A word repeated (in any case) is searched once: it changes no match.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(query):,} characters long; the most is "
                         f"{MAX_QUERY_CHARS:,}: search for a few distinctive words")
    try:
        if _NEAR_RE.search(query):
            raise _SyntaxProblem("NEAR(...) is not supported")
        toks = _tokenize(query)
        _check_depth(toks)
        return _parsed(_Parser(toks).parse(),
                       operators=any(tok.kind in ("op", "(", ")") for tok in toks))
    except _SyntaxProblem as problem:
        if not problem.plain:
            raise QueryError(f"cannot search {clip_query(query)!r}: {problem}") from None
        terms = _distinct([Term(w) for w in _plain_words(query)])
        if not terms:
            raise QueryError(f"nothing to search for in {clip_query(query)!r}: type some words") from None
        words = " ".join(t.text for t in terms if isinstance(t, Term))
        return _parsed(terms, note=f"{problem}; searched the plain words: "
                                   f"{clip_query(words, 4 * ECHO_QUERY_CHARS)}")
