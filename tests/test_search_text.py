"""banana/search/text.py: plain text from transcript markup, words as FTS5 sees them,
and the stemmers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banana.search.text import (STEM_KEEPS, STEMMERS, plain_text, plural, porter2, stemmer, stems,
                                spans_and_words, word_spans, words)

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("markdown, plain", [
    ("I work with [Anne van Kesteren](https://en.wikipedia.org/wiki/Anne_van_Kesteren) on it.",
     "I work with Anne van Kesteren on it."),
    ("It's called [Chaosbot](https://github.com/Chaosthebot/Chaos), a social experiment.",
     "It's called Chaosbot, a social experiment."),
    ("See ![the chart](https://x.org/c.png) and <https://x.org/a>.", "See the chart and https://x.org/a."),
    ("[episode #49][1] was good", "episode #49 was good"),
    ("Use `const` and `let`, never `var`.", "Use const and let, never var."),
    ("That's *bleep* and **really** ***loud*** and _quiet_ and __strong__.",
     "That's bleep and really loud and quiet and strong."),
    ("**bold with *italics* inside**", "bold with italics inside"),
    # What is not markup stays: arithmetic, snake_case, element names, bare brackets.
    ("2 * 3 * 4 is 24", "2 * 3 * 4 is 24"),
    ("call my_function_name here", "call my_function_name here"),
    ("the <div> and the <p> tag", "the <div> and the <p> tag"),
    ("[laughter] okay [unintelligible]", "[laughter] okay [unintelligible]"),
    ("a [link](javascript:alert(1)) stays as written", "a [link](javascript:alert(1)) stays as written"),
])
def test_plain_text_removes_markdown_markup_only(markdown, plain):
    assert plain_text(markdown) == plain


def test_words_are_what_fts5_unicode61_finds():
    """Our words, in order, are the tokens SQLite's own tokenizer makes of the text, so
    a stems column written here lines up with the words column FTS5 tokenizes."""
    text = "Café-au-lait, naïve O'Brien's ES6 résumé: über_cool 3.14 ŞİŞLİ Ünïcödé"
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE VIRTUAL TABLE v USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO v VALUES (?)", (text,))
        conn.execute("CREATE VIRTUAL TABLE i USING fts5vocab(v, 'instance')")
        tokens = [t for t, in conn.execute("SELECT term FROM i ORDER BY offset")]
    assert words(text) == tokens
    assert [(a, b, w) for a, b, w in word_spans("Hi, Bób!")] == [(0, 2, "hi"), (4, 7, "bob")]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_stems_line_up_one_per_word(text):
    for name in STEMMERS:
        stemmed = stems(text, stemmer(name))
        assert len(stemmed.split()) == len(words(text)) if stemmed else not words(text)


def test_porter2_keeps_apart_what_porter_joins():
    assert porter2("generics") == porter2("generic") == "generic"
    assert len({porter2(w) for w in ("generics", "generate", "general")}) == 3
    assert porter2("community") != porter2("communication")
    assert porter2("news") != porter2("new")
    # ... and still joins the inflections.
    assert porter2("explaining") == porter2("explained") == porter2("explains") == "explain"
    assert porter2("models") == porter2("model")


def test_porter2_agrees_with_nltk_snowball_english():
    snowball = pytest.importorskip("nltk.stem.snowball").SnowballStemmer("english")
    vocabulary = {w for path in sorted((REPO / "episodes" / "samples").glob("*.txt"))
                  for w in words(path.read_text(encoding="utf-8")) if w.isalpha() and w.isascii()}
    assert len(vocabulary) > 1_000
    differ = {w: (porter2(w), snowball.stem(w)) for w in vocabulary if porter2(w) != snowball.stem(w)}
    # nltk drops R2 after some step-2 replacements ("realization" -> "realize"); Snowball's
    # own algorithm keeps the regions where they were ("realiz"). No other differences.
    assert all(ours == theirs[:len(ours)] and theirs[len(ours):] == "e"
               for ours, theirs in differ.values()), differ


@pytest.mark.parametrize("word, stem", [
    ("queries", "query"), ("models", "model"), ("buses", "buse"), ("gas", "gas"),
    ("this", "this"), ("class", "class"), ("status", "status"), ("analysis", "analysis"),
    ("generics", "generic"), ("explained", "explained"),
])
def test_plural_stemmer_undoes_plurals_only(word, stem):
    assert plural(word) == stem


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=16))
def test_every_stemmer_keeps_the_first_letters_the_highlighter_relies_on(word):
    for name in STEMMERS:
        assert stemmer(name)(word)[:STEM_KEEPS] == word[:STEM_KEEPS]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
       | st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_spans_and_words_are_word_spans(text):
    spans, folded = spans_and_words(text)
    assert len(spans) == len(folded)
    assert [(start, end, word) for (start, end), word in zip(spans, folded)] == list(word_spans(text))
