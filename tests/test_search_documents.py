"""banana/search/documents.py: pieces of talk, passages over them, an episode's people."""

from __future__ import annotations

import pytest

from banana.search.documents import (PASSAGE_MAX_SECONDS, PASSAGE_MIN_SECONDS, PIECE_MAX_SECONDS,
                                     Piece, intro_names, passages, people, pieces)
from banana.transcript import Transcript, Utterance


def timed(*turns: tuple[str, str, float]) -> Transcript:
    """(speaker, text, seconds) turns laid end to end."""
    out, t = [], 0.0
    for speaker, text, seconds in turns:
        out.append(Utterance(start=t, end=t + seconds, text=text, speaker=speaker))
        t += seconds
    return Transcript.build(out)


def test_a_piece_is_a_turn_with_its_markup_removed_and_blank_turns_dropped():
    t = timed(("Ann", "See [Flower](https://flower.dev) and *this*.", 5), ("Bo", "  ", 1),
              ("Bo", "Okay.", 1))
    assert [(p.turn, p.speaker, p.text) for p in pieces(t)] == [
        (0, "Ann", "See Flower and this."), (2, "Bo", "Okay.")]


def test_a_long_turn_is_cut_at_sentence_ends_with_times_shared_by_words():
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(30)]  # 210 words
    t = timed(("Ann", "Hi.", 1), ("Bob", " ".join(sentences), 84.0))  # 2.5 words a second
    parts = pieces(t)[1:]
    assert len(parts) == 3 and all(p.turn == 1 and p.speaker == "Bob" for p in parts)
    assert all(p.seconds <= PIECE_MAX_SECONDS for p in parts)
    assert all(p.text.endswith("words.") for p in parts)  # whole sentences
    assert " ".join(p.text for p in parts) == " ".join(sentences)
    assert parts[0].start == 1.0 and parts[-1].end == pytest.approx(85.0)
    for a, b in zip(parts, parts[1:]):
        assert a.end == pytest.approx(b.start)
        assert a.seconds == pytest.approx(len(a.text.split()) / 2.5)


def test_a_sentence_longer_than_a_piece_is_cut_between_words():
    t = timed(("Ann", " ".join(["word"] * 300), 120.0))
    parts = pieces(t)
    assert [len(p.text.split()) for p in parts] == [100, 100, 100]


def _piece(turn: int, seconds: float) -> Piece:
    return Piece(turn, "X", turn * 100.0, turn * 100.0 + seconds, "w " * int(seconds))


def test_passages_hold_20_to_60_seconds_of_talk():
    parts = [_piece(i, s) for i, s in enumerate([2, 5, 3, 14, 30, 25, 8, 1, 40, 4, 45, 2])]
    grouped = passages(parts)
    spans = [(p.first, p.last) for p in grouped]
    assert spans[0] == (0, 4)  # 2+5+3+14 = 24 s, then 30 fits (54 s)
    assert [p for p in grouped if p.first <= 3 <= p.last][0].first == 0
    for p in grouped:
        talk = sum(parts[i].seconds for i in range(p.first, p.last + 1))
        assert talk >= PASSAGE_MIN_SECONDS or p.first == p.last
        assert talk <= PASSAGE_MAX_SECONDS + PASSAGE_MIN_SECONDS
    assert [i for p in grouped for i in range(p.first, p.last + 1)] == list(range(len(parts)))


def test_a_one_line_turn_joins_the_talk_around_it():
    parts = [_piece(0, 15), _piece(1, 1), _piece(2, 15)]
    assert [(p.first, p.last) for p in passages(parts)] == [(0, 2)]


def test_passages_never_cross_a_segment_boundary_and_a_short_tail_joins_its_segment():
    parts = [_piece(i, 12) for i in range(9)]
    grouped = passages(parts, boundaries=[4])
    spans = [(p.first, p.last) for p in grouped]
    assert all(not (p.first < 4 <= p.last) for p in grouped)
    assert (0, 3) in spans  # 48 s; a lone 12 s tail of segment 1 would be too short...
    assert spans[-1][1] == 8
    parts = [_piece(i, 25) for i in range(3)] + [_piece(3, 5)] + [_piece(4, 30)]
    assert [(p.first, p.last) for p in passages(parts, boundaries=[4])] == [(0, 1), (2, 3), (4, 4)]
    # ... while a 5 s tail joins the passage before it in its segment:
    parts = [_piece(i, 25) for i in range(2)] + [_piece(2, 5)] + [_piece(3, 30)]
    assert [(p.first, p.last) for p in passages(parts, boundaries=[3])] == [(0, 2), (3, 3)]


@pytest.mark.parametrize("opening, names", [
    ("Welcome to the show. My guest today is Ada Lovelace, who wrote the first program.",
     ["Ada Lovelace"]),
    ("I'm joined as always by my co-host, Chris Benson, who is a strategist.", ["Chris Benson"]),
    ("Today we've got Remy Muhire, Jenny Zhang and Josh Meyer with us.",
     ["Remy Muhire", "Jenny Zhang", "Josh Meyer"]),
    ("We have a special guest, Fred K. Schott, joining us.", ["Fred K. Schott"]),
    ("We're talking to my old colleague and still great friend, Joe Doliner.", ["Joe Doliner"]),
    ("With me today is Nick Nisi. Hello.", ["Nick Nisi"]),
    ("Welcome to Practical AI. Welcome to another Fully Connected episode.", []),
    ("Joyce works at the Makerere Lab, a startup called Hugging Face.", []),
    ("I've been using Kubernetes at Google for years.", []),
])
def test_intro_names(opening, names):
    assert intro_names([Piece(0, "Host", 0, 10, opening)]) == names


def test_an_intro_name_the_episode_says_in_lower_case_is_a_phrase_not_a_person():
    parts = [Piece(0, None, 0, 10, "Welcome to another Fully Connected episode. My guest today "
                                   "is Ada Lovelace, and we're joined by Bare Metal."),
             Piece(1, None, 10, 20, "Is the metal bare? Bare metal servers, bare metal clouds.")]
    assert intro_names(parts) == ["Ada Lovelace"]


def test_people_are_speakers_then_the_guests_the_intro_names():
    t = timed(("Host", "My guest today is Ada Lovelace. Hi Ada.", 5), (None, "Hello!", 1),
              ("Host Two", "And I'm joined by Host Two.", 3))
    assert people(t, pieces(t)) == ["Host", "Host Two", "Ada Lovelace"]
