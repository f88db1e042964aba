"""Named segments, topics, titles and the Pk / WindowDiff metrics."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banana.formats import read_transcript
from banana.analysis.profile import default_profile, load_profile, parse_profile
from banana.analysis.segments import Segment, find_segments
from banana.analysis.words import cue_pattern, normalise, split_sentences
from metrics import boundaries, pk, windowdiff
from banana.transcript import Transcript, estimate_times
from conftest import BANANA_DATA, PAI_PROFILE, PRACTICAL_AI, REPO, need
from whisper_fixtures import whisperize

ANNOTATIONS = REPO / "bench" / "annotations"
# The home show's own profile: its chapters are coarse (a few named segments, two topics).
HOME_PROFILE = load_profile(REPO / "episodes" / "banana-data" / "show.toml")



def kinds(segments) -> list[str]:
    return [s.kind for s in segments]


def annotated():
    out = []
    for path in sorted(ANNOTATIONS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        source = Path(data["file"])
        out.append(pytest.param(source if source.is_absolute() else (REPO / source).resolve(),
                                data["segments"], id=path.stem))
    return out


# --- cue matching --------------------------------------------------------------------------

@pytest.mark.parametrize("cue, text, found", [
    ("brain teaser", "So our first Brainteaser of season three", True),
    ("brain teaser", "now we're going to do math brain teasers", True),
    ("brain teaser", "a brain-teaser for you", True),
    ("in english please", "Now it's time for “In English, Please.”", True),
    ("in english please", "our In English Please segment", True),
    ("in english please", "it's time for in english please so", True),
    ("in english please", "explain it in plain English. Please do", False),
    ("you're listening to", "youre listening to the banana data podcast", True),
    ("answer to * brain teaser", "the answer to last week's brain teaser", True),
    ("answer to * brain teaser", "the answer to a very long winded brain teaser", False),
    ("learning resources", "we like to share a learning resource", True),
    ("learning resources", "machinelearning resources", False),
    ("kick off", "let's kickoff the show", True),
    ("kick off", "a quick offer", False),
])
def test_cue_pattern(cue, text, found):
    assert bool(cue_pattern(cue).search(normalise(text))) is found


def test_normalise_drops_apostrophes_and_punctuation():
    assert normalise("You're listening — to “Banana Data”!") == "youre listening to banana data"


def test_split_sentences_cuts_unpunctuated_text():
    words = " ".join(f"w{i}" for i in range(100))
    pieces = split_sentences(words)
    assert len(pieces) == 5 and all(len(p.split()) == 20 for p in pieces)
    assert split_sentences("One two. Three four? Five!") == ["One two.", "Three four?", "Five!"]


# --- the metrics -----------------------------------------------------------------------------

def _as_string(starts: set[int], n: int) -> str:
    return "".join("1" if i in starts else "0" for i in range(n))


@settings(deadline=None)
@given(st.data())
def test_pk_and_windowdiff_agree_with_nltk(data):
    """Same windows as NLTK's pk/windowdiff, except that NLTK also counts one window
    hanging past the last turn (n - k + 1 windows where Beeferman has n - k)."""
    from nltk.metrics import segmentation as nltk_seg

    n = data.draw(st.integers(10, 80))
    ref = set(data.draw(st.lists(st.integers(1, n - 1), max_size=6)))
    hyp = set(data.draw(st.lists(st.integers(1, n - 1), max_size=6)))
    k = data.draw(st.integers(1, n // 3))
    # NLTK marks a boundary at the last turn of a segment; ours is the first turn of the next
    ref_s = _as_string({b - 1 for b in ref}, n)
    hyp_s = _as_string({b - 1 for b in hyp}, n)
    ours = round(pk(ref, hyp, n, k=k) * (n - k))
    theirs = round(nltk_seg.pk(ref_s, hyp_s, k=k) * (n - k + 1))
    assert theirs - ours in (0, 1)
    ours = round(windowdiff(ref, hyp, n, k=k) * (n - k))
    theirs = round(nltk_seg.windowdiff(ref_s, hyp_s, k) * (n - k + 1))
    assert theirs - ours in (0, 1)


@pytest.mark.parametrize("ref, hyp, expected", [
    ({10, 20}, {10, 20}, 0.0),
    ({10}, set(), None),
    (set(), set(), 0.0),
])
def test_pk_edges(ref, hyp, expected):
    value = pk(ref, hyp, 30)
    if expected is None:
        assert 0 < value <= 1
    else:
        assert value == expected


# --- built transcripts (no shared data needed) --------------------------------------------

def _episode(turns: list[tuple[str, str]]) -> Transcript:
    return Transcript.build(estimate_times(turns), title="Test episode")


FILLER_A = ("Bees build hives from wax and the colony keeps the hive warm in winter. "
            "The queen lays eggs while worker bees collect nectar and pollen from flowers. ") * 4
FILLER_B = ("Volcanoes erupt when magma rises through the crust and lava flows down the slopes. "
            "Ash clouds from an eruption can ground planes and cool the climate. ") * 4


def test_custom_profile_segment_is_found_on_built_transcript():
    profile = parse_profile('[segments.mailbag]\ntitle = "Mailbag"\ncues = ["mailbag"]\n',
                            inherit=default_profile())
    t = _episode([("Ann", "Welcome to the Bee Show, I'm Ann."), ("Bob", "And I'm Bob.")]
                 + [("Ann", FILLER_A), ("Bob", FILLER_A)] * 3
                 + [("Ann", "Okay, time for the mailbag. A listener asks about volcanoes."),
                    ("Bob", FILLER_B), ("Ann", FILLER_B),
                    ("Bob", "That's all for today, thanks for listening.")])
    segs = find_segments(t, profile=profile)
    assert kinds(segs) == ["intro", "topic", "mailbag", "outro"]
    mailbag = segs[2]
    assert (mailbag.first_turn, mailbag.last_turn, mailbag.title) == (8, 10, "Mailbag")
    assert segs[0].first_turn == 0 and segs[-1].last_turn == len(t.utterances) - 1


def test_two_topics_are_split_and_titled_from_their_key_phrases():
    t = _episode([("Ann", FILLER_A), ("Bob", FILLER_A)] * 4 + [("Ann", FILLER_B), ("Bob", FILLER_B)] * 4)
    segs = find_segments(t)
    assert kinds(segs) == ["topic", "topic"]
    assert segs[1].first_turn == 8
    assert "bee" in segs[0].title.lower() or "hive" in segs[0].title.lower()
    assert "volcano" in segs[1].title.lower() or "ash" in segs[1].title.lower() \
        or "lava" in segs[1].title.lower() or "eruption" in segs[1].title.lower()


def test_empty_and_tiny_transcripts():
    assert find_segments(Transcript()) == []
    one = _episode([("A", "Hello there.")])
    assert [(s.kind, s.first_turn, s.last_turn) for s in find_segments(one)] == [("topic", 0, 0)]


def test_segment_round_trips_through_its_dict():
    s = Segment("explainer", "In English Please", 1.5, 9.25, 3, 7, term="autoencoder")
    assert Segment.from_dict(s.to_dict()) == s
    assert "term" not in Segment("topic", "T", 0, 1, 0, 0).to_dict()


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", None]), _text), min_size=1, max_size=40))
def test_segments_always_cover_every_turn_in_order(turns):
    t = Transcript.build(estimate_times(turns))
    segs = find_segments(t)
    assert segs[0].first_turn == 0 and segs[-1].last_turn == len(turns) - 1
    for a, b in zip(segs, segs[1:]):
        assert b.first_turn == a.last_turn + 1
    assert all(s.first_turn <= s.last_turn for s in segs)


# --- the show's episodes ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def banana_data() -> Transcript:
    return read_transcript(need(BANANA_DATA))


def test_banana_data_structure(banana_data):
    segs = find_segments(banana_data, profile=HOME_PROFILE)
    assert [k for k in kinds(segs) if k != "topic"] == ["intro", "explainer", "teaser", "outro"]
    explainer = next(s for s in segs if s.kind == "explainer")
    assert explainer.term and "autoencoder" in explainer.term
    # where a listener puts the news topics (bench/annotations/banana-data-s03e01.json):
    # deepfakes from turn 8, upskilling from turn 40 (which may run in two chapters)
    topics = [s for s in segs if s.kind == "topic"]
    deepfakes = topics[0]
    assert abs(deepfakes.first_turn - 8) <= 3 and abs(deepfakes.last_turn - 32) <= 3
    assert any(abs(t.first_turn - 40) <= 3 for t in topics)
    assert segs[-1].kind == "outro" and segs[-1].last_turn == len(banana_data.utterances) - 1


@pytest.mark.parametrize("path, reference", annotated())
def test_annotated_episodes_segment_within_pk_target(path, reference):
    t = read_transcript(need(path))
    n = len(t.utterances)
    segs = find_segments(t, profile=HOME_PROFILE)
    assert pk(boundaries(reference), boundaries(segs), n) <= 0.15
    assert [s["kind"] for s in reference if s["kind"] != "topic"] == \
        [s.kind for s in segs if s.kind != "topic"]


@pytest.mark.parametrize("path, reference", annotated())
def test_whisper_output_gives_the_same_structure(path, reference):
    published = read_transcript(need(path))
    whisper = whisperize(published)
    a = [s for s in find_segments(published) if s.kind != "topic"]
    b = [s for s in find_segments(whisper) if s.kind != "topic"]
    assert kinds(a) == kinds(b)
    for x, y in zip(a, b):  # same place, give or take a sentence or two
        assert abs(x.start - y.start) <= 30, (x, y)


# --- another show ----------------------------------------------------------------------------

PAI_SAMPLE = ["practical-ai-16.md", "practical-ai-140.md", "practical-ai-172.md",
              "practical-ai-200.md", "practical-ai-271.md", "practical-ai-1.md"]


@pytest.mark.parametrize("name", PAI_SAMPLE)
def test_practical_ai_has_no_explainer_or_teaser(name):
    t = read_transcript(need(PRACTICAL_AI / name))
    found = set(kinds(find_segments(t)))
    assert not found & {"explainer", "teaser", "teaser-answer"}


@pytest.mark.parametrize("name", ["practical-ai-16.md", "practical-ai-140.md", "practical-ai-172.md",
                                  "practical-ai-10.md"])
def test_practical_ai_learning_resources_found_with_its_profile(name):
    t = read_transcript(need(PRACTICAL_AI / name))
    profile = parse_profile(PAI_PROFILE, inherit=default_profile())
    segs = find_segments(t, profile=profile)
    resources = [s for s in segs if s.kind == "resources"]
    assert len(resources) == 1
    n = len(t.utterances)
    assert resources[0].first_turn > n * 0.5  # the closing segment, not the intro's preview
    assert resources[0].title == "Learning resources"
    assert "learning resource" in " ".join(
        t.utterances[i].text for i in range(resources[0].first_turn, resources[0].first_turn + 5)
    ).lower()


def test_reworded_cues_are_found():
    turns = [("A", "Hi everyone, welcome to the show.")] + [("A", FILLER_A), ("B", FILLER_A)] * 3 + [
        ("A", "Now it's time for our In English, Please segment. What is a hive?"),
        ("B", "A hive is where bees live. " * 10),
        ("A", "Thanks for explaining that in English."),
    ] + [("A", FILLER_B), ("B", FILLER_B)] * 3 + [
        ("A", "All right, it's the end of the episode, so here's the math puzzle."),
        ("A", "Make the number ten using the number three exactly three times, anything goes."),
        ("B", "See you next time."),
    ]
    t = _episode(turns)
    segs = find_segments(t)
    assert kinds(segs) == ["intro", "topic", "explainer", "topic", "teaser", "outro"]
    assert segs[2].term == "a hive" or segs[2].term == "hive"


FILLER_C = ("Trains run on steel rails and the locomotive pulls freight cars across the country. "
            "Signals keep two trains from sharing one block of track at the same time. ") * 4
SAME_SUBJECT = ["And how long does that usually take?", "Interesting. Why does that happen?",
                "What surprised you most about it?"]


def _interview() -> Transcript:
    """A host asks, a guest answers at length: three subjects, four questions each."""
    turns = []
    for opening, answer in (("So tell me, where did your interest in bees start?", FILLER_A),
                            ("Let's talk about volcanoes. How do they erupt?", FILLER_B),
                            ("Switching gears: how do trains share one track?", FILLER_C)):
        for question in (opening, *SAME_SUBJECT):
            turns += [("Ann Host", question), ("Bob Guest", answer)]
    return _episode(turns)


def test_questions_method_starts_a_chapter_at_the_question_that_changes_subject():
    t = _interview()
    topics = find_segments(t, method="questions")
    assert [s.first_turn for s in topics] == [0, 8, 16]  # not at the same-subject questions
    # chosen by the show's profile as well
    profile = parse_profile('[topics]\nmethod = "questions"\n', inherit=default_profile())
    assert profile.topic_method == "questions"
    assert [s.first_turn for s in find_segments(t, profile=profile)] == [0, 8, 16]
    again = type(profile).from_dict(profile.to_dict(), inherit=default_profile())
    assert again.topic_method == "questions" and again.fingerprint == profile.fingerprint
    # without speakers nobody is seen asking: the words decide, as with dcm
    anonymous = Transcript.build([replace(u, speaker=None) for u in t.utterances], title="w")
    assert [s.first_turn for s in find_segments(anonymous, method="questions")] == \
        [s.first_turn for s in find_segments(anonymous, method="dcm")]


def test_profile_topic_methods_are_known_and_a_wrong_one_is_one_clear_line():
    from banana.analysis.profile import TOPIC_METHODS
    from banana.analysis.topics import METHODS
    from banana.errors import ProfileError
    assert set(TOPIC_METHODS) <= set(METHODS)
    with pytest.raises(ProfileError, match=r"\[topics\] method must be one of 'dcm', "
                                           r"'questions', not 'chapters'") as info:
        parse_profile('[topics]\nmethod = "chapters"\n', source="show.toml")
    assert "\n" not in str(info.value)
