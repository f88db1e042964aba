"""banana/search/ranking.py through SearchIndex: what ranks first, on small archives made
for each case (the judged queries on real shows are in bench/bench_search_quality.py)."""

from __future__ import annotations

import pytest

from banana.library import Library
from banana.search.index import SearchIndex
from banana.search.ranking import HIGHLIGHT_OPEN, SNIPPET_WORDS
from banana.search.text import STEMMERS
from banana.transcript import WORDS_PER_SECOND, Transcript, Utterance

FILLER = ("so that was the week and we talked about the weather, the coffee machine, the "
          "conference badges and the trains that never come on time").split()


def talk(*turns: tuple[str | None, str], title: str = "") -> Transcript:
    """A transcript of (speaker, text) turns, each as long as its words take to say."""
    out, t = [], 0.0
    for speaker, text in turns:
        seconds = max(len(text.split()), 1) / WORDS_PER_SECOND
        out.append(Utterance(start=t, end=t + seconds, text=text, speaker=speaker))
        t += seconds
    return Transcript.build(out, title=title)


def filler(n: int, offset: int = 0) -> str:
    return " ".join(FILLER[(offset + i) % len(FILLER)] for i in range(n))


def build(library_path, episodes: dict[str, Transcript], **options) -> SearchIndex:
    lib = Library(library_path)
    for slug, transcript in episodes.items():
        lib.save(transcript, slug)
    ix = SearchIndex(lib, analysis=False, **options)
    ix.update()
    return ix


def words_of(snippet: str) -> set[str]:
    return {w.strip(".,!?*…").lower() for w in snippet.split()}


# --- over-stemming: "generics" is not "generate" ---------------------------------------------

GENERICS = {
    "go-generics": talk(
        ("Host", f"{filler(30)}. Today the topic is generics in Go."),
        ("Guest", f"Generics let you write one function for many types. {filler(40, 3)}"),
        ("Host", f"{filler(50, 7)}. Before generics we used interfaces and code generation.")),
    "codegen": talk(
        ("Host", f"We generate code. {filler(20, 2)}"),
        ("Guest", f"Generated code is generally fine; generate it once. {filler(30, 5)}"),
        ("Host", f"Generating, generation, generator: we generated everything. {filler(40, 9)}"),
        ("Guest", f"And general purpose generators generate general code. {filler(30, 1)}")),
    "more-codegen": talk(("Host", f"Generate, generate, generate! {filler(12)}")),
}


@pytest.mark.parametrize("stemmer", sorted(STEMMERS))
def test_generics_finds_generics_first_whatever_the_stemmer(library, stemmer):
    ix = build(library, GENERICS, stemmer=stemmer)
    hits = ix.search("generics").hits
    assert hits and all("generics" in words_of(h.snippet) for h in hits)
    assert {h.episode for h in hits} == {"go-generics"}


def test_exact_words_rank_above_words_of_the_same_stem(library):
    # Both passages say a form of "model" as often; the one saying "models" comes first
    # for "models", the one saying "model" for "model".
    episodes = {f"other-{n}": talk(("A", filler(60, n))) for n in range(8)}
    episodes["plural"] = talk(("A", f"Models, models and more models. {filler(60)}"))
    episodes["singular"] = talk(("A", f"Model, model and more model. {filler(60)}"))
    ix = build(library, episodes)
    assert [h.episode for h in ix.search("models").hits] == ["plural", "singular"]
    assert [h.episode for h in ix.search("model").hits] == ["singular", "plural"]


# --- a one-line turn no longer outranks the discussion ----------------------------------------

def test_a_discussion_outranks_a_one_line_turn(library):
    discussion = talk(
        ("Host", f"{filler(20)}. Let's talk about fuzzing."),
        ("Guest", "Fuzzing feeds random inputs to a program until it crashes. A fuzzer keeps "
                  "the inputs that reach new code and mutates them, so fuzzing finds bugs."),
        ("Host", "So how long do you run the fuzzing for, and what does it find?"),
        ("Guest", "We run fuzzing in CI for ten minutes on every change, and the corpus of "
                  "inputs grows. Fuzzing found a panic in the parser last week."),
        ("Host", f"{filler(40, 4)}"))
    one_liner = talk(("Host", filler(45)), ("Guest", "Based on fuzzing."), ("Host", filler(45, 6)))
    ix = build(library, {"fuzzing-episode": discussion, "trivia": one_liner})
    hits = ix.search("fuzzing").hits
    assert hits[0].episode == "fuzzing-episode"
    assert "**fuzzing**" in hits[0].snippet.lower() and hits[0].speaker == "Guest"
    # Each hit is a passage of talk; the one-liner is ranked inside its own.
    trivia = [h for h in hits if h.episode == "trivia"]
    assert trivia and trivia[0].passage_end - trivia[0].passage_start > 20
    assert trivia[0].snippet == "Based on **fuzzing**."


def test_a_passage_is_shown_by_its_best_piece_with_that_piece_s_time(library):
    t = talk(("Ann", filler(20)), ("Bob", "Federated learning keeps the data on the phone."),
             ("Ann", "And federated averaging?"), ("Bob", filler(30, 2)))
    ix = build(library, {"fl": t})
    (hit,) = ix.search("federated learning").hits
    assert (hit.speaker, hit.turn, hit.start) == ("Bob", 1, t.utterances[1].start)
    assert hit.passage_start == 0.0 and hit.passage_end == t.utterances[-1].end
    assert hit.snippet == "**Federated learning** keeps the data on the phone."


# --- proximity ----------------------------------------------------------------------------------

def test_words_close_together_rank_above_the_same_words_apart(library):
    ix = build(library, {
        "apart": talk(("A", f"Static pages. {filler(25)} A site. {filler(25, 3)} Generators.")),
        "together": talk(("A", f"{filler(25)} Static site generators. {filler(27, 3)}")),
    })
    assert [h.episode for h in ix.search("static site generators").hits] == ["together", "apart"]


# --- sentence-shaped queries -----------------------------------------------------------------

def test_a_question_finds_passages_without_its_common_words(library):
    episodes = {f"chat-{n}": talk(("A", f"How do you do it? {filler(50, n)}"),
                                  ("B", f"You do it in the morning. {filler(50, n + 1)}"))
                for n in range(8)}
    episodes["errors"] = talk(("A", f"{filler(30)} Errors are values: handle errors where "
                                    f"they happen. {filler(20, 5)}"))
    ix = build(library, episodes)
    results = ix.search("how do you handle errors")
    assert results.hits[0].episode == "errors" and not results.any_words
    assert "**handle errors**" in results.hits[0].snippet


def test_when_no_passage_has_all_the_words_any_words_are_ranked_and_a_note_says_so(library):
    ix = build(library, {
        "errors": talk(("A", f"{filler(30)} Wrap errors with context. {filler(20, 5)}")),
        "panics": talk(("A", f"{filler(30)} A panic is not an error value. {filler(20, 5)}")),
        "weather": talk(("A", filler(60))),
    })
    results = ix.search("wrapping errors and panic recovery")
    assert results.any_words and "any of them" in results.note
    assert {h.episode for h in results.hits} == {"errors", "panics"}
    assert results.to_dict()["any_words"] is True
    # A query with operators means what it says: no fallback.
    assert ix.search("errors AND recovery").total == 0
    assert ix.search('"panic errors"').total == 0


# --- names: a guest's name finds their episodes ------------------------------------------------

def test_a_guest_s_name_finds_the_episodes_they_were_on_before_trivia(library):
    guest = "Ada Lovelace"
    episodes = {
        "with-ada": talk(("Host", f"My guest today is {guest}. Welcome!"),
                         (guest, f"Thanks for having me. {filler(40)}"),
                         ("Host", f"{filler(60, 2)}"), (guest, f"{filler(60, 4)}"),
                         title="Programs before computers"),
        "ada-again": talk(("Host", f"Back again: {guest}."), (guest, f"{filler(50, 1)}"),
                          title="Notes on the engine"),
        "unlabelled": talk((None, f"Welcome back. Joining us this week is {guest}. {filler(30)}"),
                           (None, f"{filler(60, 3)}"), title="Looms"),
    }
    for n in range(6):  # others talk *about* her, often and in short turns
        episodes[f"trivia-{n}"] = talk(
            ("Host", f"Fun fact: {guest} wrote notes on the Analytical Engine."),
            ("Cohost", f"{guest}, {guest}! Lovelace was ahead of her time."),
            ("Host", filler(60, n)))
    ix = build(library, episodes)
    hits = ix.search(guest).hits
    firsts = list(dict.fromkeys(h.episode for h in hits))[:3]
    assert set(firsts) == {"with-ada", "ada-again", "unlabelled"}


# --- snippets -------------------------------------------------------------------------------------

def test_snippets_are_plain_text_of_bounded_length_with_the_words_highlighted(library):
    long_turn = (f"{filler(40)} you can read about it at [the Flower docs](https://flower.dev/docs) "
                 f"and the **federated** `learning` paper, {filler(40, 4)}")
    ix = build(library, {"fl": talk(("A", long_turn))})
    (hit,) = ix.search("federated learning").hits
    assert "https://" not in hit.snippet and "](" not in hit.snippet and "`" not in hit.snippet
    assert "the Flower docs and the **federated learning** paper" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet.replace(HIGHLIGHT_OPEN, "").split()) <= SNIPPET_WORDS + 2


def test_speaker_filter_shows_the_speaker_s_own_words(library):
    ix = build(library, {"ep": talk(("Ann", "Bananas are berries, botanically."),
                                    ("Bob", "Are bananas really berries?"),
                                    ("Ann", filler(30)))})
    assert [(h.speaker, h.turn) for h in ix.search("bananas", speaker="bob").hits] == [("Bob", 1)]
    assert [(h.speaker, h.turn) for h in ix.search("bananas", speaker="ann").hits] == [("Ann", 0)]
    assert ix.search("weather", speaker="bob").hits == ()  # Bob's passage, Ann's words
