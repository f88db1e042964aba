"""``banana process``: the main job on the bundled samples, idempotence, failures."""

from __future__ import annotations

import json

from banana.library import Library
from banana.pipeline import OUTPUTS, sample_paths
from conftest import SAMPLES


def test_process_with_no_argument_does_the_bundled_samples(cli, library):
    result = cli("process")
    assert result.exit_code == 0, result.output
    samples = sample_paths()
    assert [p.name for p in samples] == sorted(p.name for p in SAMPLES.glob("*.txt"))
    slugs = Library(library).slugs()
    assert slugs == [p.stem for p in samples]
    for slug in slugs:
        folder = library / slug
        for name in OUTPUTS:
            assert (folder / name).stat().st_size > 0, f"{slug}/{name}"
        chapters = json.loads((folder / "chapters.json").read_text())
        assert chapters["version"] == "1.2.0" and len(chapters["chapters"]) >= 3
        notes = (folder / "notes.md").read_text()
        assert len(notes) < 4000 and "In English" in notes
        assert (folder / "notes.html").read_text().lower().startswith("<!doctype html>")
        assert (folder / "transcript.vtt").read_text().startswith("WEBVTT")
    assert "3 episodes" in result.output and "3 solved" in result.output
    # the search index came along
    hits = json.loads(cli("search", "gradient boosting", "--json").stdout)
    assert hits["results"] and hits["results"][0]["episode"] == "s01e02-leaderboards-and-model-drift"


def test_process_twice_gives_the_same_files_and_rewrites_nothing(cli, library):
    assert cli("process").exit_code == 0
    files = sorted(p for p in library.rglob("*") if p.is_file() and p.suffix != ".sqlite3"
                   and "sqlite3" not in p.name)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    again = cli("process")
    assert again.exit_code == 0
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert after == before
    assert sorted(p for p in library.rglob("*") if p.is_file() and "sqlite3" not in p.name) == files


def test_process_a_transcript_and_report_a_bad_input(cli, library, tmp_path):
    good = tmp_path / "talk.srt"
    good.write_text("1\n00:00:00,000 --> 00:00:40,000\nAna Lima: Welcome to the show about data.\n\n"
                    "2\n00:00:40,000 --> 00:01:30,000\nBo Chan: Today we talk about pandas and polars.\n")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02garbage")
    result = cli("process", bad, good)
    assert result.exit_code == 1
    assert f"Error: {bad}: binary data, not a transcript" in result.output
    assert Library(library).slugs() == ["talk"]
    assert (library / "talk" / "notes.md").is_file()
    assert "Traceback" not in result.output


TALK = ("1\n00:00:00,000 --> 00:00:40,000\nAna Lima: Welcome to the show about data.\n\n"
        "2\n00:00:40,000 --> 00:01:30,000\nBo Chan: Today we talk about pandas and polars.\n")


def test_process_keeps_what_import_was_told(cli, library, tmp_path):
    talk = tmp_path / "talk.srt"
    talk.write_text(TALK)
    assert cli("import", talk, "--title", "Pilot", "--show", "Banana",
               "--audio-url", "https://cdn.example.org/pilot.mp3").exit_code == 0
    assert cli("process", talk).exit_code == 0
    stored = Library(library).load("talk")
    assert (stored.title, stored.show, stored.audio_url) == (
        "Pilot", "Banana", "https://cdn.example.org/pilot.mp3")
    assert "Pilot" in (library / "talk" / "notes.md").read_text()


def test_process_refuses_a_batch_whose_names_collide(cli, library, tmp_path):
    for name in ("ep_1.srt", "EP 1.srt"):
        (tmp_path / name).write_text(TALK)
    result = cli("process", tmp_path / "ep_1.srt", tmp_path / "EP 1.srt")
    assert result.exit_code == 1 and "would both be stored as 'ep-1'" in result.output
    assert Library(library).slugs() == []


def test_process_stores_non_latin_names_apart(cli, library, tmp_path):
    for name in ("名前.srt", "番組.srt"):
        (tmp_path / name).write_text(TALK)
    result = cli("process", tmp_path / "名前.srt", tmp_path / "番組.srt")
    assert result.exit_code == 0, result.output
    assert Library(library).slugs() == ["名前", "番組"]
    assert "2 episodes" in result.output


def test_a_write_error_fails_that_episode_only_and_the_next_run_finishes_it(cli, library, tmp_path):
    first, second = tmp_path / "first.srt", tmp_path / "second.srt"
    first.write_text(TALK)
    second.write_text(TALK.replace("pandas", "duckdb"))
    (library / "first" / "notes.md").mkdir(parents=True)  # a folder where a file should go
    result = cli("process", first, second)
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "first" in errors[0] and "notes.md" in errors[0]
    assert all((library / "second" / name).is_file() for name in OUTPUTS)
    assert "1 episodes" in result.output or "1 episode" in result.output
    # The obstacle goes; a later run, for another file, finishes what was left.
    (library / "first" / "notes.md").rmdir()
    third = tmp_path / "third.srt"
    third.write_text(TALK.replace("pandas", "arrow"))
    again = cli("process", third)
    assert again.exit_code == 0, again.output
    assert all((library / "first" / name).is_file() for name in OUTPUTS)
    assert "interrupted run" in again.output
    # Once finished, it is left alone.
    assert "interrupted run" not in cli("process", third).output


def test_process_writes_files_a_web_server_can_read(cli, library, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        talk = tmp_path / "talk.srt"
        talk.write_text(TALK)
        assert cli("process", talk).exit_code == 0
    finally:
        os.umask(old)
    for name in ("transcript.json", *OUTPUTS):
        assert stat.S_IMODE((library / "talk" / name).stat().st_mode) == 0o644, name


def test_a_transcript_longer_than_any_episode_is_stored_but_not_analysed(cli, library, tmp_path):
    from banana.analysis import MAX_ANALYSED_WORDS

    turn = "we talked about data pipelines and model drift at length " * 20
    turns = MAX_ANALYSED_WORDS // len(turn.split()) + 2
    huge = tmp_path / "marathon.txt"
    huge.write_text("\n\n".join(f"Ana Lima: {turn}" for _ in range(turns)))
    small = tmp_path / "talk.srt"
    small.write_text(TALK)
    result = cli("process", huge, small)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "more than one episode" in result.output and "Split it" in result.output
    assert Library(library).slugs() == ["marathon", "talk"]  # stored all the same
    assert (library / "talk" / "notes.md").is_file()
    hits = cli("search", "pipelines", "--episode", "marathon", "--json")
    assert hits.exit_code == 0 and '"marathon"' in hits.output
    assert "marathon" not in cli("process", small).output  # reported once, not retried each run


QUIZ_PROFILE = """
[show]
name = "Frames"
hosts = ["Maya Castellano", "Jonah Whitfield"]

[segments.eli5]
title = "Explain Like I'm Five"
explains = true
cues = ["explain like i'm five"]
end_cues = ["thanks for explaining"]
max_words = 900

[segments.quiz]
title = "The Weekly Quiz"
puzzle = true
position = "end"
cues = ["weekly quiz"]
"""


def test_a_show_that_names_its_segments_quiz_and_eli5_gets_them_by_role(cli, library, tmp_path):
    text = (SAMPLES / "s01e01-faster-dataframes-and-census-privacy.txt").read_text(encoding="utf-8")
    text = (text.replace("“In English, Please.”", "“Explain Like I'm Five.”")
                .replace("explain lazy evaluation in English please?",
                         "explain lazy evaluation, explain like I'm five?")
                .replace("with a math puzzle", "with the weekly quiz"))
    assert "english" not in text.lower() and "math puzzle" not in text
    episode = tmp_path / "frames-1.txt"
    episode.write_text(text, encoding="utf-8")
    (library / "frames").mkdir(parents=True)
    (library / "frames" / "show.toml").write_text(QUIZ_PROFILE, encoding="utf-8")
    assert cli("import", episode, "--show", "Frames").exit_code == 0
    assert cli("process", episode).exit_code == 0
    notes = (library / "frames-1" / "notes.md").read_text(encoding="utf-8")
    assert "## Explain Like I'm Five: lazy evaluation" in notes
    assert "## The Weekly Quiz" in notes and "Puzzle: make **11** from 3, 3, 3" in notes
    assert "In English Please" not in notes and "Brain teaser" not in notes
    glossary = json.loads(cli("glossary", "frames-1", "--json").output)
    assert [e["term"] for e in glossary["entries"]][0] == "lazy evaluation"
    teaser = json.loads(cli("teaser", "frames-1", "--json").output)
    assert (teaser["numbers"], teaser["target"]) == ([3, 3, 3], 11)


def test_process_twice_analyses_nothing_the_second_time(cli, library):
    assert cli("process").exit_code == 0
    stored = sorted(library.glob("*/analysis.json"))
    assert len(stored) == 3
    before = {p: p.stat().st_mtime_ns for p in stored}
    assert cli("process").exit_code == 0  # an analysis computed again would be written again
    assert {p: p.stat().st_mtime_ns for p in stored} == before
    # A changed transcript is analysed again; the others are not.
    slug = stored[0].parent.name
    text = (library / slug / "transcript.json").read_text(encoding="utf-8")
    (library / slug / "transcript.json").write_text(text.replace("Welcome", "Hello"), encoding="utf-8")
    assert cli("index").exit_code == 0
    after = {p: p.stat().st_mtime_ns for p in stored}
    assert after[stored[0]] != before[stored[0]]
    assert all(after[p] == before[p] for p in stored[1:])
