"""``banana index`` and ``banana search`` through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from banana.cli import main
from banana.search.index import SearchIndex
from banana.library import Library
from banana.transcript import Transcript, Utterance
from tests.unprivileged import banana_as_nobody, open_folder  # noqa: F401 (a fixture)

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
    lines = result.stdout.splitlines()
    assert "Federated learning" in lines[0] and "fl-episode" in lines[0]
    assert "00:01:05" in lines[1] and "Ben Brooks" in lines[1]  # the turn starting at 65 s
    assert "(passage 00:01:05–00:02:05)" in lines[1]
    assert lines[2].strip() == "Federated learning trains a model where the data lives."
    assert "https://x.org/fl.mp3#t=65" in lines[3]
    # One passage has both words; the others with either come after it, and a note says so.
    assert "1 of 2 matches" in result.stdout
    assert result.stderr == "Note: only 1 passage has all the words; then the passages with any of them\n"
    assert "2 of 4 matches" in cli("search", "learning", "--limit", "2").output


def test_search_json_shape(cli, stored):
    cli("import", *stored)
    result = cli("search", "explaining", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["query", "total", "any_words", "results"]
    assert data["query"] == "explaining" and data["total"] == 3 and data["any_words"] is False
    assert all(list(r) == ["episode", "title", "speaker", "start", "end", "passage_start",
                           "passage_end", "snippet", "url"] for r in data["results"])
    # Three passages match; two of one episode are one stretch of talk: its best is shown.
    found = {(r["episode"], r["speaker"], r["start"], r["url"]) for r in data["results"]}
    assert found == {("fl-episode", "Anna Alvarez", 130.0, "https://x.org/fl.mp3#t=130"),
                     ("other", "Cleo Chen", 0.0, None)}
    assert any("**explained**" in r["snippet"] for r in data["results"])  # stemmed match


@pytest.mark.parametrize("args, episodes, speakers", [
    (["learning"], {"fl-episode", "other"}, {"Anna Alvarez", "Cleo Chen"}),
    (["learning", "--speaker", "ben"], {"fl-episode"}, {"Ben Brooks"}),
    (["learning", "--episode", "other"], {"other"}, {"Cleo Chen"}),
    (["learning", "--episode", "other", "--speaker", "anna"], set(), set()),
    (['"federated learning"'], {"fl-episode"}, {"Anna Alvarez"}),
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
        "query": "zeppelin", "total": 0, "any_words": False, "results": []}


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
    assert "30 passages of 30 pieces of talk, " in first.output
    shutil.rmtree(lib.episode_dir("ep-3"))
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


# --- a library this user cannot write (a real one: `nobody`, as tests run as root) ---------


def _read_only(folder: Path) -> None:
    """chmod -R a-w"""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_search_in_a_read_only_library_works_and_index_says_read_only(open_folder, stored):
    library = open_folder / "library"
    result = CliRunner().invoke(main, ["--library", str(library), "import", *map(str, stored)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    SearchIndex(Library(library)).close()
    _read_only(library)
    before = _snapshot(library)

    searched = banana_as_nobody("search", "federated", "--json", library=library, cwd=open_folder)
    assert searched.returncode == 0, searched.stderr
    assert searched.stderr == ""
    assert {r["episode"] for r in json.loads(searched.stdout)["results"]} == {"fl-episode"}
    filtered = banana_as_nobody("search", "learning", "--speaker", "cleo", "--json",
                                library=library, cwd=open_folder)
    assert [r["episode"] for r in json.loads(filtered.stdout)["results"]] == ["other"]

    updated = banana_as_nobody("index", library=library, cwd=open_folder)
    assert updated.returncode == 1
    assert updated.stderr.startswith(f"Error: library {library} is read-only: cannot update "
                                     f"its search index")
    assert len(updated.stderr.strip().splitlines()) == 1 and "Traceback" not in updated.stderr
    assert _snapshot(library) == before  # no -wal, no -shm, not a byte changed

    # While the owner has the index open (its -wal and -shm exist), searches share them.
    with sqlite3.connect(library / "index.sqlite3") as owner:
        owner.execute("SELECT count(*) FROM episodes").fetchone()
        again = banana_as_nobody("search", "bananas", "--json", library=library, cwd=open_folder)
    owner.close()
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["total"] == 2


def test_unreadable_transcript_is_named_and_the_rest_indexed(open_folder):
    library = open_folder / "library"
    lib = Library(library)
    lib.save(transcript(TURNS), "good")
    lib.save(transcript(TURNS), "secret")
    for path in [library, *library.iterdir()]:
        path.chmod(0o777)  # the other user may write the library ...
    lib.transcript_path("good").chmod(0o644)
    lib.transcript_path("secret").chmod(0o000)  # ... but not read this file
    result = banana_as_nobody("index", library=library, cwd=open_folder)
    assert result.returncode == 1
    assert (f"Error: secret: cannot read {lib.transcript_path('secret')}: Permission denied"
            in result.stderr)
    assert "(1 added, 0 updated, 0 removed, 0 unchanged, 1 failed)" in result.stderr
    assert "Traceback" not in result.stderr


# --- damaged files ----------------------------------------------------------------------

GOOD = transcript(TURNS).to_dict()


@pytest.mark.parametrize("bad, message", [
    (b"{ not json", "invalid JSON: Expecting property name"),
    (b'{"schema": 99}', "unsupported transcript schema 99"),
    (b'{"schema": 1, "title": "caf\xe9"}', "not UTF-8"),  # Latin-1
    (b"", "invalid JSON: Expecting value"),
    (b"[" * 100_000 + b"]" * 100_000, "invalid JSON: nested too deeply"),  # was a RecursionError
    (json.dumps({**GOOD, "audio_url": ["x"]}).encode(), "'audio_url' must be a string"),
    (json.dumps({**GOOD, "language": {"en": 1}}).encode(), "'language' must be a string"),
    (json.dumps({**GOOD, "utterances": [{**GOOD["utterances"][0], "start": 10 ** 400}]}).encode(),
     "int too large to convert to float"),
    (None, "transcript.json is not a file"),  # a folder named transcript.json
])
def test_one_damaged_transcript_is_named_the_rest_indexed_and_index_exits_1(cli, library, bad,
                                                                            message):
    lib = Library(library)
    lib.save(transcript(TURNS), "good")
    path = lib.transcript_path("bad")
    if bad is None:
        path.mkdir(parents=True)
    else:
        path.parent.mkdir()
        path.write_bytes(bad)
    result = cli("index")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: bad: ") and message in errors[0]
    assert "Indexed 1 episodes (1 added, 0 updated, 0 removed, 0 unchanged, 1 failed)" in result.stderr
    assert SearchIndex(lib).search("bananas").total == 1


def test_search_that_builds_the_index_names_what_it_could_not_index(cli, library):
    lib = Library(library)
    lib.save(transcript(TURNS), "good")
    lib.episode_dir("bad").mkdir()
    lib.transcript_path("bad").write_text("{ not json", encoding="utf-8")
    result = cli("search", "bananas", "--json")
    assert result.exit_code == 0
    assert "Not searched: bad: invalid JSON" in result.stderr
    assert json.loads(result.stdout)["total"] == 1


def test_damaged_index_error_suggests_rebuild_and_rebuild_sets_it_aside(cli, library, stored):
    cli("import", *stored)
    index_file = library / "index.sqlite3"
    SearchIndex(Library(library)).close()
    index_file.write_bytes(b"garbage " * 1000)
    for command in (["index"], ["search", "bananas"]):
        result = cli(*command)
        assert result.exit_code == 1
        assert result.output == (f"Error: search index {index_file} is damaged (file is not a "
                                 f"database); rebuild it with `banana index --rebuild`\n")
    rebuilt = cli("index", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    (aside,) = library.glob("index.sqlite3.corrupt-*")
    assert aside.read_bytes() == b"garbage " * 1000
    first, *rest = rebuilt.stderr.splitlines()
    assert first == (f"The search index was damaged: moved it aside to {aside} and built a "
                     f"new one.")
    assert "Indexed 2 episodes (2 added" in rest[0]
    assert json.loads(cli("search", "bananas", "--json").stdout)["total"] == 2


def test_over_long_and_deeply_nested_queries_are_one_line_errors(cli, stored):
    cli("import", *stored)
    for query, message in (("learning " * 300, "characters long; the most is 2,000"),
                           ("x" * 100_000, "the query is 100,000 characters long"),
                           ("(" * 300 + "learning" + ")" * 300, "parentheses nested 300 deep")):
        result = cli("search", query)
        assert result.exit_code == 1
        assert result.output.startswith("Error: ") and message in result.output
        assert len(result.output.strip().splitlines()) == 1 and len(result.output) < 200


def test_index_removes_leftovers_and_finishes_an_interrupted_process(cli, library, tmp_path):
    import subprocess
    import sys

    talk = tmp_path / "talk.srt"
    talk.write_text("1\n00:00:00,000 --> 00:00:40,000\nAna Lima: Welcome to the show about data.\n\n"
                    "2\n00:00:40,000 --> 00:01:30,000\nBo Chan: Today we talk about pandas.\n")
    (library / "talk" / "notes.md").mkdir(parents=True)  # the run fails half-way
    assert cli("process", talk).exit_code == 1
    (library / "talk" / "notes.md").rmdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    leftover = library / "talk" / f".chapters.json.{dead}.k3j2h1.tmp"
    leftover.write_text("half")
    (library / "empty").mkdir()
    result = cli("index")
    assert result.exit_code == 0, result.output
    assert "Removed 2 leftover" in result.output and "Finished talk" in result.output
    assert not leftover.exists() and not (library / "empty").exists()
    assert (library / "talk" / "notes.md").is_file()


# --- output and start-up ----------------------------------------------------------------------


def test_results_print_in_normal_colours_with_the_matched_words_bold(library, stored):
    runner = CliRunner()
    runner.invoke(main, ["--library", str(library), "import", *map(str, stored)])
    # As in a terminal that takes colours (FORCE_COLOR made the old rich output dim it all).
    forced = subprocess.run([sys.executable, "-m", "banana", "--library", str(library), "search",
                             "federated"], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parent.parent,
                            env={**os.environ, "FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert forced.returncode == 0 and "fl-episode" in forced.stdout
    assert "\x1b[2m" not in forced.stdout  # nothing dimmed
    coloured = runner.invoke(main, ["--library", str(library), "search", "federated"], color=True)
    assert "\x1b[2m" not in coloured.stdout
    assert "Today: \x1b[1mfederated\x1b[0m learning" in coloured.stdout  # the match, in bold
    plain = runner.invoke(main, ["--library", str(library), "search", "federated"])
    assert "\x1b[" not in plain.stdout  # not a terminal: no escape codes at all


LIGHT_SEARCH = """
import sys
from banana.cli import main
main(["--library", sys.argv[1], "search", "federated"], standalone_mode=False)
print(" ".join(sorted(m for m in sys.modules
                     if m.startswith(("banana", "rich", "importlib.metadata")))), file=sys.stderr)
"""


def test_a_search_imports_the_index_and_query_code_only(library, stored):
    """What `banana search` loads (start-up time is timed in bench/bench_search.py): no
    library, analysis, pipeline, formats, rich or package metadata; the index's reading
    half, the query code and the CLI."""
    assert CliRunner().invoke(main, ["--library", str(library), "import",
                                     *map(str, stored)]).exit_code == 0
    done = subprocess.run([sys.executable, "-c", LIGHT_SEARCH, str(library)], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parent.parent, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "fl-episode" in done.stdout
    loaded = set(done.stderr.split())
    assert loaded == {"banana", "banana.cli", "banana.cli.search", "banana.errors", "banana.fsutil",
                      "banana.search", "banana.search.archive", "banana.search.query",
                      "banana.search.ranking", "banana.search.schema", "banana.search.text",
                      "banana.transcript"}
