"""``banana segments``, ``glossary`` and ``teaser`` through the CLI."""

from __future__ import annotations

import json

import pytest

from banana.formats import read_transcript
from banana.library import Library
from conftest import BANANA_DATA, PAI_PROFILE, PRACTICAL_AI, SAMPLES, need


S01E02 = "s01e02-leaderboards-and-model-drift"
S01E03 = "s01e03-synthetic-data-and-small-models"


def _store(library_path, *names):
    lib = Library(library_path)
    for name in names:
        lib.save(read_transcript(need(SAMPLES / f"{name}.txt")), name)
    return lib


@pytest.mark.parametrize("command", ["segments", "glossary", "teaser"])
def test_help_has_an_example(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and f"banana {command}" in result.output


def test_segments_json_shape(cli):
    result = cli("segments", need(BANANA_DATA), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    segs = data["segments"]
    assert [s["kind"] for s in segs if s["kind"] != "topic"] == ["intro", "explainer", "teaser", "outro"]
    for s in segs:
        assert {"kind", "title", "start", "end", "first_turn", "last_turn"} <= set(s)
    explainer = next(s for s in segs if s["kind"] == "explainer")
    assert "autoencoder" in explainer["term"]
    assert all("term" not in s for s in segs if s["kind"] != "explainer")
    assert segs[0]["first_turn"] == 0 and segs[-1]["last_turn"] == 73


def test_segments_table(cli):
    result = cli("segments", need(BANANA_DATA))
    assert result.exit_code == 0
    assert "In English Please" in result.output and "Brain teaser" in result.output
    assert "Sign-off" in result.output


def test_segments_with_a_show_profile(cli, tmp_path):
    profile = tmp_path / "pai.toml"
    profile.write_text(PAI_PROFILE, encoding="utf-8")
    result = cli("segments", need(PRACTICAL_AI / "practical-ai-16.md"), "--json", "--profile", profile)
    assert result.exit_code == 0
    kinds = [s["kind"] for s in json.loads(result.output)["segments"]]
    assert "resources" in kinds and "explainer" not in kinds and "teaser" not in kinds


def test_profile_from_the_library_folder_by_show(cli, library):
    need(PRACTICAL_AI)
    (library / "practical-ai").mkdir()
    (library / "practical-ai" / "show.toml").write_text(PAI_PROFILE, encoding="utf-8")
    t = read_transcript(PRACTICAL_AI / "practical-ai-140.md").replace(show="Practical AI")
    Library(library).save(t, "pai-140")
    result = cli("segments", "pai-140", "--json")
    assert "resources" in [s["kind"] for s in json.loads(result.output)["segments"]]


@pytest.mark.parametrize("args, message", [
    (["segments", "no-such-episode"], "not an episode"),
    (["glossary", "no-such-episode"], "not an episode"),
    (["teaser", "no-such-episode"], "not an episode"),
])
def test_bad_episode_is_one_line_error(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert result.output.startswith("Error: ")


def test_bad_profile_is_one_line_error(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[segments.quiz]\ntitle = 'Quiz'\n", encoding="utf-8")
    result = cli("segments", need(BANANA_DATA), "--profile", bad)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "needs at least one phrase in 'cues'" in result.output
    assert result.output.count("\n") == 1
    missing = cli("teaser", need(BANANA_DATA), "--profile", tmp_path / "nope.toml")
    assert missing.exit_code == 1 and "no such profile file" in missing.output


def test_glossary_of_an_empty_library(cli):
    result = cli("glossary", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"entries": [], "mentions": []}
    assert "No episodes" in cli("glossary").output


def test_glossary_across_the_library(cli, library):
    _store(library, "s01e01-faster-dataframes-and-census-privacy", S01E02, S01E03)
    data = json.loads(cli("glossary", "--json").output)
    explained = [(e["term"], e["episode"]) for e in data["entries"] if e["term"].islower()]
    assert explained[:1] == [("lazy evaluation", "s01e01-faster-dataframes-and-census-privacy")]
    assert ("gradient boosting", S01E02) in explained
    assert ("generative adversarial network", S01E03) in explained
    for e in data["entries"]:
        assert set(e) == {"term", "explanation", "episode", "speaker", "start"}
    assert {"term", "episode", "start"} <= set(data["mentions"][0])
    text = cli("glossary", "--mentions", "5").output
    assert "gradient boosting" in text and "Mentioned" in text and "more" in text


def test_teaser_not_found(cli):
    path = need(PRACTICAL_AI / "practical-ai-16.md")
    result = cli("teaser", path)
    assert result.exit_code == 0 and "No brain teaser in this episode." in result.output
    result = cli("teaser", path, "--json")
    assert result.exit_code == 0 and json.loads(result.output) is None


def test_teaser_with_the_answer_announced_later(cli, library):
    pytest.importorskip("banana.solver")
    _store(library, S01E02, S01E03)
    data = json.loads(cli("teaser", S01E02, "--json", "--limit", "3").output)
    assert data["numbers"] == [5, 5] and data["target"] == 24
    assert "wild" in data["ops"] and "gamma" in data["ops_resolved"]
    assert data["solutions"] and all(s["verified"] for s in data["solutions"])
    assert {"text", "unicode", "verified"} <= set(data["solutions"][0])
    announced = data["announced_answer"]
    assert announced["announced_in"] == S01E03 and announced["puzzle_episode"] == S01E02
    assert announced["expression"] == "5!/5" and announced["correct"] is True
    assert announced["match"] == "form"
    text = cli("teaser", S01E02).output
    assert "Announced in s01e03" in text and "include it" in text
    # the last episode: nothing announced after it
    assert json.loads(cli("teaser", S01E03, "--json").output)["announced_answer"] is None


def test_teaser_on_banana_data(cli):
    pytest.importorskip("banana.solver")
    result = cli("teaser", need(BANANA_DATA), "--json", "--limit", "2")
    data = json.loads(result.output)
    assert (data["numbers"], data["target"]) == ([2, 2], 5)
    assert len(data["solutions"]) == 2 and all(s["verified"] for s in data["solutions"])
    assert data["announced_answer"] is None


def test_library_glossary_names_a_damaged_episode_and_goes_on(cli, library):
    assert cli("import", *sorted(SAMPLES.glob("*.txt"))[:2]).exit_code == 0
    damaged = sorted(library.glob("*/transcript.json"))[0]
    damaged.write_text('{"schema": 1, "utterances": [{"start": "x"}]}')
    result = cli("glossary")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{damaged.parent.name}/transcript.json" in result.output
    assert "Glossary" in result.output or "No explained terms" in result.output
