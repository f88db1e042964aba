"""Show profiles: the built-in default, TOML parsing, inheritance and lookup."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banana.errors import ProfileError
from banana.analysis.profile import (
    Profile,
    SegmentSpec,
    default_profile,
    load_profile,
    parse_profile,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "episodes" / "banana-data" / "show.toml"

PRACTICAL_AI = """
[show]
name = "Practical AI"
hosts = ["Daniel Whitenack", "Chris Benson"]

[segments.resources]          # the key is the segment's kind
title = "Learning resources"
cues = ["learning resources"] # phrases that open the segment
"""


def test_default_profile_knows_the_shows_segments():
    p = default_profile()
    assert p.name == "Banana Data"
    assert {"intro", "explainer", "teaser", "teaser-answer", "outro"} <= set(p.kinds)
    assert p.segment("explainer").explains
    assert p.segment("teaser").puzzle and p.segment("teaser").position == "end"
    assert p.segment("teaser-answer").answers
    assert any("english please" in c for c in p.segment("explainer").cues)
    assert p.terms and p.source == "built-in"


def test_issue_example_profile_inherits_only_intro_and_outro():
    p = parse_profile(PRACTICAL_AI, source="pai.toml", inherit=default_profile())
    assert p.name == "Practical AI"
    assert p.hosts == ("Daniel Whitenack", "Chris Benson")
    assert p.kinds == ("resources", "intro", "outro")
    assert p.segment("resources").title == "Learning resources"
    assert p.segment("resources").cues == ("learning resources",)
    assert p.segment("explainer") is None and p.segment("teaser") is None


def test_own_intro_replaces_the_inherited_one():
    text = PRACTICAL_AI + '\n[segments.intro]\ncues = ["welcome to practical ai"]\n'
    p = parse_profile(text, inherit=default_profile())
    assert p.segment("intro").cues == ("welcome to practical ai",)
    assert p.kinds.count("intro") == 1


def test_extends_built_in_keeps_every_default_segment():
    p = parse_profile('extends = "built-in"\n[segments.news]\ncues = ["in the news"]\n')
    assert set(default_profile().kinds) | {"news"} == set(p.kinds)
    assert p.segment("news").title == "News"  # from the kind when not given
    assert p.name == "Banana Data"


def test_example_profile_in_the_library_folder_reads():
    p = load_profile(EXAMPLE)
    assert p.segment("news") is not None
    assert p.segment("explainer") == default_profile().segment("explainer")


@pytest.mark.parametrize("text, message", [
    ("[show\nname = 1", "not valid TOML"),
    ("[segments.x]\ntitle = 'X'\n", "needs at least one phrase in 'cues'"),
    ("[segments.x]\ncues = 'solo'\nbogus = 1\n", "unknown key(s) bogus"),
    ("[segments.x]\ncues = [1, 2]\n", "cues must be a list of non-empty strings"),
    ("[segments.x]\ncues = ['']\n", "cues must be a list of non-empty strings"),
    ("[segments.x]\ncues = ['a']\nposition = 'middle'\n", "'position' must be one of start, end, any"),
    ("[segments.x]\ncues = ['a']\nmax_words = -3\n", "'max_words' must be a positive integer"),
    ("[segments.x]\ncues = ['a']\nexplains = 'yes'\n", "'explains' must be true or false"),
    ("[segments.topic]\ncues = ['a']\n", "reserved for topic segmentation"),
    ("[segments]\nx = 3\n", "[segments.x] must be a table"),
    ("segments = 3\n", "[segments] must be a table of tables"),
    ("schema = 9\n", "unsupported profile schema 9"),
    ("[show]\nname = 5\n", "show name must be a string"),
    ("extends = 'other'\n", "'extends' can only be 'built-in'"),
])
def test_malformed_profiles_raise_profile_error(text, message):
    with pytest.raises(ProfileError, match=None) as info:
        parse_profile(text, source="bad.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("bad.toml")


def test_load_profile_errors(tmp_path):
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(tmp_path / "missing.toml")
    with pytest.raises(ProfileError, match="is a folder"):
        load_profile(tmp_path)
    (tmp_path / "latin1.toml").write_bytes(b"[show]\nname = '\xe9'\n")
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(tmp_path / "latin1.toml")


def test_profile_round_trips_through_its_dict():
    p = default_profile()
    again = Profile.from_dict(p.to_dict(), source="built-in")
    assert again == p


_phrase = st.text(alphabet="abcdefgh *'", min_size=1, max_size=20).filter(lambda s: s.strip())


@given(cues=st.lists(_phrase, min_size=1, max_size=4),
       position=st.sampled_from(["start", "end", "any"]),
       max_words=st.one_of(st.none(), st.integers(1, 5000)),
       flags=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_segment_spec_round_trip(cues, position, max_words, flags):
    spec = SegmentSpec(kind="k", title="T", cues=tuple(c.strip() for c in cues), position=position,
                       max_words=max_words, explains=flags[0], puzzle=flags[1], answers=flags[2])
    assert SegmentSpec.from_dict("k", spec.to_dict()) == spec
