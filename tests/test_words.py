"""Cue phrases as speech recognition hears them (banana/analysis/words.py, Doc.hits)."""

from __future__ import annotations

import pytest

from banana.analysis.doc import Doc
from banana.analysis.words import cue_pattern, normalise, swappable_positions
from banana.transcript import Transcript, Utterance


@pytest.mark.parametrize("cue, text, found", [
    # tiny.en on espeak speech: "Let's do In English Please." came out like this
    ("in english please", "For you, let's do the English please. So can you", True),
    ("in english please", "let's do an English, please", True),
    ("in english please", "explain it in plain English. Please do", False),  # not a short word
    ("in english please", "the English. Thanks, please", False),  # the words must stay in order
    ("answer to * brain teaser", "the answer of last week's brain teaser", True),
    ("solution to * puzzle", "the solution for this puzzle", True),
    # cues of common words only get no tolerance: "see you next time" stays exact
    ("see you next time", "see the next time", False),
    ("thanks for listening", "thanks and listening", False),
    # two-word cues neither
    ("brain teaser", "a teaser", False),
])
def test_tolerant_cue_pattern(cue, text, found):
    assert bool(cue_pattern(cue, tolerant=True).search(normalise(text))) is found


def test_only_short_stopwords_of_cues_carried_by_content_words_are_swappable():
    assert swappable_positions("in english please") == [(0, 0)]
    assert swappable_positions("answer to * brain teaser") == [(0, 1)]
    assert swappable_positions("see you next time") == []  # nothing but stopwords
    assert swappable_positions("thanks for listening") == []  # one content word
    assert swappable_positions("brain teaser") == []  # too short to tell


def test_the_plain_cue_pattern_stays_exact():
    """Mentions and teasers read cue_pattern without tolerance."""
    assert not cue_pattern("in english please").search("lets do the english please")


def test_doc_hits_find_a_cue_heard_with_a_function_word_swapped():
    transcript = Transcript.build([
        Utterance(0.0, 4.0, "It is the most normal thing in the world."),
        Utterance(4.0, 9.0, "For you, let's do the English please. So can you explain it?"),
    ])
    hits = Doc(transcript).hits(["in english please"])
    assert [h.turn for h in hits] == [1]
