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
    hits = json.loads(cli("search", "gradient boosting", "--json").output)
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
