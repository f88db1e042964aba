"""Glossary entries from explainer segments, and mentions of technical terms."""

from __future__ import annotations

import re

import pytest

from banana.analysis import Analysis, analyse
from banana.analysis.profile import EXPLAINS, default_profile
from banana.formats import parse_transcript, read_transcript
from banana.analysis.glossary import GlossaryEntry
from banana.analysis.mentions import Mention
from banana.analysis.terms import explained_term
from banana.transcript import Transcript, Utterance, estimate_times
from conftest import BANANA_DATA, PRACTICAL_AI, SAMPLES, need


@pytest.mark.parametrize("asked, term", [
    ("Will, can you explain autoencoder neural networks in English please?", "autoencoder neural networks"),
    ("Maya, can you explain lazy evaluation in English please?", "lazy evaluation"),
    ("Maya, what is a generative adversarial network? In English, please.", "generative adversarial network"),
    ("jonah can you explain gradient boosting in english please", "gradient boosting"),
    ("It's time for In English Please: what are embeddings?", "embeddings"),
    ("Explain to us what a transformer is in plain English.", "transformer is"),
    ("In English please!", None),
])
def test_explained_term(asked, term):
    got = explained_term(asked, cues=default_profile().with_role(EXPLAINS)[0].cues)
    if term == "transformer is":  # "what a transformer is" keeps its verb; the term is still there
        assert got is not None and got.startswith("transformer")
    else:
        assert got == term


def test_banana_data_glossary():
    t = read_transcript(need(BANANA_DATA))
    a = analyse(t, episode="s03e01")
    entry = a.glossary[0]  # the explainer segment's; "Deepfake is basically when..." follows
    assert [g.term for g in a.glossary[1:]] == ["Deepfake"]
    assert "autoencoder" in entry.term and "neural network" in entry.term
    assert entry.speaker == "Will Nowak" and entry.episode == "s03e01"
    explainer = a.with_role(EXPLAINS)[0]
    assert entry.start == explainer.start
    words = entry.explanation.split()
    assert 10 <= len(words) <= 90
    assert "autoencoder" in entry.explanation.lower()
    # the host's own words: every sentence is in the transcript
    text = " ".join(u.text for u in t.utterances)
    for sentence in re.split(r"(?<=[.!?])\s+", entry.explanation):
        assert sentence in text


@pytest.mark.parametrize("name, term, speaker", [
    ("s01e01-faster-dataframes-and-census-privacy.txt", "lazy evaluation", "Maya Castellano"),
    ("s01e02-leaderboards-and-model-drift.txt", "gradient boosting", "Jonah Whitfield"),
    ("s01e03-synthetic-data-and-small-models.txt", "generative adversarial network", "Maya Castellano"),
])
def test_sample_glossary(name, term, speaker):
    a = analyse(read_transcript(need(SAMPLES / name)))
    # the explainer segment's term first; terms defined in passing may follow
    assert (a.glossary[0].term, a.glossary[0].speaker) == (term, speaker)
    assert a.glossary[0].explanation
    assert term not in [g.term.lower() for g in a.glossary[1:]]


def test_practical_ai_has_no_glossary_but_mentions():
    a = analyse(read_transcript(need(PRACTICAL_AI / "practical-ai-16.md")))
    assert a.glossary == ()  # no explainer segment, and nothing defined in passing
    names = {m.term for m in a.mentions}
    assert {"PyTorch", "TensorFlow"} <= names
    assert not names & {"Daniel", "Chris", "Daniel Whitenack", "Chris Benson"}


def _t(turns):
    return Transcript.build(estimate_times(turns), title="t")


def test_mentions_first_timestamp_and_filters():
    t = _t([("Ann Lee", "Yesterday I tried TensorFlow on my laptop. Ann is my name."),
            ("Bo Chen", "Stack Overflow says TensorFlow is fine, Ann. Machine learning rocks."),
            ("Ann Lee", "So I moved to PyTorch. Yesterday was long.")])
    a = analyse(t, episode="ep")
    found = {m.term: m for m in a.mentions}
    assert found["TensorFlow"].turn == 0 and found["TensorFlow"].count == 2
    assert found["Stack Overflow"].start == t.utterances[1].start
    assert found["PyTorch"].turn == 2
    assert "Yesterday" not in found  # only ever capitalised at a sentence start
    assert "Ann" not in found and "Bo Chen" not in found  # speakers are not mentions
    assert all(m.episode == "ep" for m in a.mentions)


def test_mentions_in_whisper_text_come_from_the_vocabulary_where_the_context_fits():
    t = Transcript.build([Utterance(0, 5, "so we trained it with pytorch on a gpu"),
                          Utterance(5, 9, "and then kubernetes ran the neural networks"),
                          Utterance(9, 14, "she had a spark in her eyes when it worked")])
    terms = {m.term: m.start for m in analyse(t).mentions}
    # names of tools near one another; "a spark in her eyes" is not Spark, and concepts
    # ("neural networks") or ordinary abbreviations ("gpu") are not names
    assert terms == {"pytorch": 0, "kubernetes": 5}


def test_mentions_are_real_names_ranked_by_salience():
    t = _t([("Ann Lee", "Remember Etherpad? We used Etherpad for years."),
            ("Bo Chen", "Is Kubernetes hard? At HashiCorp they think Kubernetes is fine."),
            ("Ann Lee", "I watched Game of Thrones, and the CEO of HashiCorp said the API is ok. "
                        "Then we ran Kubernetes."),
            ("Bo Chen", "Kubernetes again, and Kubernetes once more, then Etherpad.")])
    found = [m.term for m in analyse(t, episode="ep").mentions]
    assert found[0] == "Kubernetes"  # said in the most turns, though not first
    assert set(found) == {"Kubernetes", "Etherpad", "HashiCorp", "Game of Thrones"}


def test_mentions_merge_plurals_and_drop_adjective_compounds():
    t = _t([("Ann Lee", "We used Prisma with Next.js the Styled JSX way. Prisma is an ORM, "
                        "and ORMs were big. Our ORM was fine."),
            ("Bo Chen", "Half of it was AI-generated, with NASA-grade checks. I asked NASA "
                        "about the ORM and about Prisma again.")])
    found = {m.term: m for m in analyse(t, episode="ep").mentions}
    assert "ORMs" not in found and found["ORM"].count == 2  # one mention, two turns
    assert {"Next.js", "Styled JSX", "NASA", "Prisma"} <= set(found)
    assert not any("-" in term or " the " in term for term in found)


def test_explained_term_is_not_also_a_mention():
    turns = [("A", "Welcome to the show.")] + [("A", "We use gradient boosting a lot. " * 20)] + [
        ("A", "Time for In English Please. Can you explain gradient boosting in English please?"),
        ("B", "Gradient boosting is when many small trees fix each other's mistakes. " * 5),
        ("A", "Thanks for explaining that in English.")]
    a = analyse(_t(turns))
    assert [g.term for g in a.glossary] == ["gradient boosting"]
    assert "gradient boosting" not in {m.term.lower() for m in a.mentions}


def test_records_round_trip():
    e = GlossaryEntry("gan", "two models", "ep", None, 12.5)
    m = Mention("PyTorch", "ep", 3.0, 2, 4)
    assert GlossaryEntry.from_dict(e.to_dict()) == e
    assert Mention.from_dict(m.to_dict()) == m
    a = analyse(_t([("A", "Hello. We like PyTorch."), ("B", "Me too.")]))
    assert Analysis.from_dict(a.to_dict()) == a


@pytest.mark.parametrize("said, term", [
    ("Lazy evaluation is when you read the whole list first and only then go to the store, "
     "which saves you trips. We love lazy evaluation.", "Lazy evaluation"),
    ("They built what they called the TopDown Algorithm, which adds calibrated random noise to "
     "the counts before anything is published.", "TopDown Algorithm"),
    ("You add a little noise to each answer so no single person stands out. That's called "
     "differential privacy.", "differential privacy"),
    ("Tree shaking is basically when the bundler drops the code nobody imports, so the "
     "bundle gets smaller. We rely on tree shaking.", "Tree shaking"),
    # a short lead-in before the term; no comma before "which"; "called X. It is…"
    ("So by comparison, apko is a tool that we developed to build images from a list of "
     "packages. We run apko nightly.", "apko"),
    ("The idea is that we would use mmdebstrap which is kind of an improved version of "
     "Debootstrap for building images. Then mmdebstrap got faster.", "mmdebstrap"),
    ("They started with a product that is now called Chainguard Enforce. It is a thing you plug "
     "into Kubernetes that verifies what runs.", "Chainguard Enforce"),
    ("Glibc has these things called indirect functions, which means the function you call is "
     "picked when the program loads.", "indirect functions"),
    # the explanation first, then its name; an analogy
    ("You buy every stock in the market, good or bad, and hold it for decades. That's basically "
     "what an index fund is.", "index fund"),
    ("People post twenty tweets in a row to make one long argument. Some call them tweet storms.",
     "tweet storms"),
    ("A service mesh is like the post office of your cluster: every call goes through it. "
     "We added a service mesh last year.", "service mesh"),
    # "kind of like" is an analogy; the time after a name is not part of it
    ("We grow them on chiplets, which are kind of like tiny circuit boards stacked inside one "
     "package. Chiplets are everywhere.", "chiplets"),
    ("I work on a tool called Quarry now. It is a query runner for the terminal that keeps your "
     "history.", "Quarry"),
    # "called X, that is a…"; "which is basically called X"; "what do they call that - X"
    ("The kit has a helper called mountRoutes, that is a single call which wires every page "
     "into the router for you.", "mountRoutes"),
    ("You draw a rectangle around every car in the picture and name what is inside it. Which "
     "is basically called box tagging.", "box tagging"),
    ("You stack the plates and cups before the waiter even comes to the table. What do they "
     "call that - pretidying.", "pretidying"),
])
def test_terms_defined_in_passing_are_found(said, term):
    t = _t([("Ana Lima", "Welcome back to the show."), ("Bo Chen", said),
            ("Ana Lima", "Interesting, tell me more.")])
    found = {g.term: g for g in analyse(t).glossary}
    assert term in found and found[term].speaker == "Bo Chen"
    assert len(found[term].explanation.split()) >= 8


@pytest.mark.parametrize("said", [
    "The problem is a big one for everybody who ships software.",
    "It is a thing that happens when you are not careful at all.",
    "Acme is a startup from Berlin that sells shoes to runners.",
    "I learned data visualization with a library called Vega, which - that was fun.",
    "I wanted to talk about a startup called Atestiv that is committed to fighting fakes.",
    # everyday words are not terms, however they are introduced (Zipf frequency >= 4)
    "The design is a tough one, and the design is what everybody sees first in the product.",
    "People call this passion, and passion is what keeps founders going through the bad years.",
    # how much or how good, not what it is
    "Dark mode is like the best feature of the release, and dark mode is on everywhere now.",
    "We sweeten it with stevia, which is like the best natural sweetener there is, honestly.",
    "Basically, Musl is a lot simpler in terms of how it is implemented than the others.",
    "And Crypto is a big market you are launching into now with the whole team behind it.",
    # a person is not a term (the speaker's own name)
    "You just dropped a big one, Ana, which is like multi-browser support for every test.",
    # "called X, which had…": a story about X, not what X is
    "Then we bought a company called Zentrix, which had some fantastic relationships upstream.",
    # a title of a work is not a term to look up
    "Then I read this book by a professor in Ohio, which is called Paradigms of Graph Mining, and it is long.",
    "I wrote a recipes section called Structuring Stores, which gives guidelines for big apps.",
    # one person's thing; an evaluation; a name's description of its own description; talk about words
    "Your hyperfocus is where we start, and then your hyperfocus goes up or down with practice.",
    "They would hit the robot arms with rubber ducks, which is kind of crazy. The rubber ducks won.",
    "They set up this holding company, which is a limited partnership, which is a subsidiary of the fund. A limited partnership it is.",
    "Graph mining is a term that we use a lot, and graph mining is what we call it at work.",
])
def test_descriptions_and_pronouns_are_not_definitions(said):
    t = _t([("Ana Lima", "Welcome back."), ("Bo Chen", said), ("Ana Lima", "Nice.")])
    assert analyse(t).glossary == ()


EXPLAINER_REQUEST = ("We're doing it. It's time for a new segment we're calling “In English, Please.” "
                     "Maya, can you explain lazy evaluation in English please?")
PHRASINGS = [
    "We're doing it. It's In English Please time. Today's word is lazy evaluation.",
    "We're doing it. Maya, can you break down lazy evaluation for us, in English please?",
    "We're doing it. In English please: what does lazy evaluation mean?",
    "We're doing it. Time for In English Please. The term today is lazy evaluation.",
    "We're doing it. Maya, lazy evaluation. What is it, minus the jargon?",
]


@pytest.mark.parametrize("form", ["published", "whisper"])
@pytest.mark.parametrize("request_said", PHRASINGS)
def test_explainer_requests_in_many_phrasings(request_said, form):
    from whisper_fixtures import whisperize

    text = (SAMPLES / "s01e01-faster-dataframes-and-census-privacy.txt").read_text(encoding="utf-8")
    assert EXPLAINER_REQUEST in text
    t = parse_transcript(text.replace(EXPLAINER_REQUEST, request_said), name="s01e01.txt")
    if form == "whisper":
        t = whisperize(t, size=20)
    glossary = analyse(t).glossary
    assert "lazy evaluation" in [g.term.lower() for g in glossary]
    entry = next(g for g in glossary if g.term.lower() == "lazy evaluation")
    assert "?" not in entry.explanation  # the answer, not the question
    assert "eager" in entry.explanation.lower() or "list" in entry.explanation.lower()
