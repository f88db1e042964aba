"""``banana index`` and ``banana search`` through the CLI."""

from __future__ import annotations

import json

import pytest

from banana.index import SearchIndex
from banana.library import Library
from banana.transcript import Transcript, Utterance

TURNS = [
    ("Anna Alvarez", "Welcome back! Today: federated learning, explained slowly."),
    ("Ben Brooks", "Federated learning trains a model where the data lives."),
    ("Anna Alvarez", "So deep learning on phones, explaining nothing to the server?"),
    ("Ben Brooks", "Exactly. Bananas stay in the kitchen."),
]


def transcript(turns, **fields) -> Transcript:
    return Transcript.build([Utterance(start=65.0 * i, end=65.0 * i + 60, text=text, speaker=who)
                             for i, (who, text) in enumerate(turns)], **fields)


@pytest.fixture
def stored(library, tmp_path):
    """Two episodes imported through ``banana import`` (which indexes them)."""
    files = []
    for name, fields in (("fl-episode", {"title": "Federated learning", "audio_url": "https://x.org/fl.mp3"}),
                         ("other", {"title": "Other things"})):
        turns = TURNS if name == "fl-episode" else [("Cleo Chen", "We explained bananas, not learning.")]
        path = tmp_path / f"{name}.json"
        path.write_text(transcript(turns, **fields).to_json(), encoding="utf-8")
        files.append(path)
    return files


def test_import_then_search_prints_title_speaker_time_snippet_and_url(cli, stored):
    assert cli("import", *stored).exit_code == 0
    result = cli("search", "federated", "model")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Federated learning" in lines[0] and "fl-episode" in lines[0]
    assert "00:01:05" in lines[1] and "Ben Brooks" in lines[1]  # the turn starting at 65 s
    assert "Federated learning trains a model" in lines[2]
    assert "https://x.org/fl.mp3#t=65" in lines[3]
    assert "1 match" in result.output
    assert "2 of 4 matches" in cli("search", "learning", "--limit", "2").output


def test_search_json_shape(cli, stored):
    cli("import", *stored)
    result = cli("search", "explaining", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["query", "total", "results"]
    assert data["query"] == "explaining" and data["total"] == 3
    assert all(list(r) == ["episode", "title", "speaker", "start", "end", "snippet", "url"]
               for r in data["results"])
    found = {(r["episode"], r["speaker"], r["start"], r["url"]) for r in data["results"]}
    assert found == {("fl-episode", "Anna Alvarez", 0.0, "https://x.org/fl.mp3#t=0"),
                     ("fl-episode", "Anna Alvarez", 130.0, "https://x.org/fl.mp3#t=130"),
                     ("other", "Cleo Chen", 0.0, None)}
    assert any("**explained**" in r["snippet"] for r in data["results"])  # stemmed match


@pytest.mark.parametrize("args, episodes, speakers", [
    (["learning"], {"fl-episode", "other"}, {"Anna Alvarez", "Ben Brooks", "Cleo Chen"}),
    (["learning", "--speaker", "ben"], {"fl-episode"}, {"Ben Brooks"}),
    (["learning", "--episode", "other"], {"other"}, {"Cleo Chen"}),
    (["learning", "--episode", "other", "--speaker", "anna"], set(), set()),
    (['"federated learning"'], {"fl-episode"}, {"Anna Alvarez", "Ben Brooks"}),
    (["banana*", "NOT", "learning"], {"fl-episode"}, {"Ben Brooks"}),
    (["learning", "--in", "glossary"], set(), set()),
])
def test_search_filters(cli, stored, args, episodes, speakers):
    cli("import", *stored)
    result = cli("search", *args, "--json")
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    assert {r["episode"] for r in results} == episodes
    assert {r["speaker"] for r in results} == speakers


@pytest.mark.parametrize("query, note", [
    ('"federated learning', "unbalanced quote"),
    ("learning AND", "ends with an operator"),
    ("AND learning", "needs a word on each side"),
    ("NEAR(learning", "NEAR(...) is not supported"),
    ("NEAR(federated learning, 3)", "NEAR(...) is not supported"),
    ("learning )", "unbalanced parenthesis"),
    ("learn**", "at the end of a word"),
])
def test_malformed_query_is_searched_as_plain_words(cli, stored, query, note):
    cli("import", *stored)
    result = cli("search", query, "--json")
    assert result.exit_code == 0
    assert note in result.stderr and "plain words" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(result.stdout)["total"] > 0
    assert "Traceback" not in result.output


@pytest.mark.parametrize("query, message", [
    ("*", "nothing to search for"),
    ("NOT learning", "NOT needs a word on its left"),
    ("( )", "nothing to search for"),
])
def test_query_with_nothing_to_search_is_a_one_line_error(cli, stored, query, message):
    cli("import", *stored)
    result = cli("search", query)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("args, code, message", [
    (["learning", "--episode", "nope"], 1, "Error: no episode 'nope'"),
    (["learning", "--limit", "0"], 2, "--limit"),
    (["learning", "--in", "everything"], 2, "--in"),
])
def test_bad_options(cli, stored, args, code, message):
    cli("import", *stored)
    result = cli("search", *args)
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output


def test_no_matches(cli, stored):
    cli("import", *stored)
    result = cli("search", "zeppelin")
    assert result.exit_code == 0 and "No matches for 'zeppelin'" in result.output
    assert json.loads(cli("search", "zeppelin", "--json").stdout) == {
        "query": "zeppelin", "total": 0, "results": []}


def test_search_on_an_empty_library_says_what_to_do(cli):
    result = cli("search", "anything")
    assert result.exit_code == 1
    assert "no episodes in" in result.output and "banana import" in result.output


def test_search_builds_a_missing_index(cli, library):
    Library(library).save(transcript(TURNS, title="Saved by hand"), "by-hand")  # not indexed
    assert not SearchIndex(Library(library)).exists()
    result = cli("search", "bananas", "--json")
    assert result.exit_code == 0
    assert [r["episode"] for r in json.loads(result.stdout)["results"]] == ["by-hand"]


def test_index_command_reports_changes(cli, library):
    lib = Library(library)
    for n in range(12):  # enough for the progress bar path
        lib.save(transcript(TURNS[: 1 + n % 4]), f"ep-{n}")
    first = cli("index")
    assert first.exit_code == 0
    assert "Indexed 12 episodes (12 added, 0 updated, 0 removed, 0 unchanged)" in first.output
    assert "30 utterances, " in first.output
    lib.remove("ep-3")
    lib.save(transcript(TURNS), "ep-0")
    second = cli("index")
    assert "Indexed 11 episodes (0 added, 1 updated, 1 removed, 10 unchanged)" in second.output
    rebuilt = cli("index", "--rebuild")
    assert "(0 added, 11 updated, 0 removed, 0 unchanged)" in rebuilt.output


def test_index_command_fails_for_an_unreadable_episode_but_indexes_the_rest(cli, library):
    lib = Library(library)
    lib.save(transcript(TURNS), "good")
    lib.episode_dir("bad").mkdir()
    lib.transcript_path("bad").write_text('{"schema": 99}', encoding="utf-8")
    result = cli("index")
    assert result.exit_code == 1
    assert "Error: bad: unsupported transcript schema" in result.output
    assert "1 added" in result.output and "1 failed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["index", "search"])
def test_help_has_examples(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0 and "Example" in result.output
    assert f"banana {command}" in result.output
