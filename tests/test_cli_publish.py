"""``banana notes`` and ``banana chapters`` through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import SAMPLES
from test_chapters import check_podcast_json, check_youtube, mp3, parse_ffmetadata, read_id3_chapters  # noqa: F401
from test_notes import check_page

pytest.importorskip("banana.analysis", reason="episode analysis not available yet")

EP1 = "s01e01-faster-dataframes-and-census-privacy"
EP2 = "s01e02-leaderboards-and-model-drift"

SHORT_SRT = """1
00:00:00,000 --> 00:00:05,000
Welcome to the Banana Data podcast, I'm Maya and today we talk about dataframes.

2
00:00:05,000 --> 00:00:12,000
Let's dive in. Pandas and Polars both load tables of data into memory for analysis.

3
00:00:12,000 --> 00:00:20,000
Now it's time for In English Please. A dataframe is a table with named columns.

4
00:00:20,000 --> 00:00:28,000
Time for the brain teaser: make five using the number two twice.

5
00:00:28,000 --> 00:00:36,000
That's all for today, thanks for listening.
"""


@pytest.fixture
def samples(cli):
    result = cli("import", SAMPLES / f"{EP1}.txt", SAMPLES / f"{EP2}.txt")
    assert result.exit_code == 0, result.output
    return EP1, EP2


def short_file(tmp_path: Path, seconds: float = 36.0) -> Path:
    """A short episode as SRT; ``seconds`` scales its times."""
    scale = seconds / 36.0

    def stamp(match):
        total = (int(match.group(1)) * 60 + int(match.group(2))) * scale
        return f"00:{int(total) // 60:02d}:{int(total) % 60:02d},{round(total % 1 * 1000):03d}"

    path = tmp_path / f"short-{int(seconds)}.srt"
    path.write_text(re.sub(r"00:(\d\d):(\d\d),000", stamp, SHORT_SRT), encoding="utf-8")
    return path


# --- notes ---------------------------------------------------------------------------------------

def test_notes_markdown_html_json(cli, samples, tmp_path):
    result = cli("notes", EP2)
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("# Leaderboards")
    assert len(md) < 4000
    for part in ("## Chapters", "## In English Please: gradient boosting", "## Brain teaser",
                 "<details>", "## Last episode's brain teaser", "`(3+.3)/.3` ✓"):
        assert part in md
    out = tmp_path / "out" / "notes.md"
    result = cli("notes", EP2, "-o", out)
    assert result.exit_code == 0 and out.read_text(encoding="utf-8") == md
    assert f"Wrote {out}" in result.stderr
    assert [p.name for p in out.parent.iterdir()] == ["notes.md"]  # no temp file left

    page = tmp_path / "notes.html"
    assert cli("notes", EP2, "--format", "html", "-o", page).exit_code == 0
    check_page(page.read_text(encoding="utf-8"))

    data = json.loads(cli("notes", EP2, "--format", "json").stdout)
    chapters = json.loads(cli("chapters", EP2).stdout)["chapters"]
    assert [c["title"] for c in data["chapters"]] == [c["title"] for c in chapters]
    assert data["previous_answer"]["correct"] is True
    assert data["teaser"]["numbers"] == [5, 5] and data["teaser"]["solutions"]
    assert all(s["verified"] for s in data["teaser"]["solutions"])


def test_notes_max_chars(cli, tmp_path):
    path = short_file(tmp_path)
    result = cli("notes", path, "--max-chars", 500)
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 500
    result = cli("notes", path, "--max-chars", 499)
    assert result.exit_code == 2
    assert "499 is not in the range x>=500" in result.output


def test_notes_bad_input_is_one_line(cli, tmp_path):
    result = cli("notes", "no-such-episode")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no-such-episode: not an episode")
    assert len(result.output.strip().splitlines()) == 1
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = cli("notes", short_file(tmp_path), "-o", blocker / "notes.md")
    assert result.exit_code == 1 and "cannot write" in result.output
    assert blocker.read_text() == "x"


# --- chapters --------------------------------------------------------------------------------------

def test_chapters_every_format(cli, samples, tmp_path):
    chapters = check_podcast_json(cli("chapters", EP1).stdout)
    assert len(chapters) >= 5
    assert chapters[0]["title"] == "Intro"
    assert any(c["title"].startswith("In English Please") for c in chapters)

    youtube = cli("chapters", EP1, "--format", "youtube")
    assert youtube.exit_code == 0
    check_youtube(youtube.stdout, chapters[-1]["endTime"])

    vtt = cli("chapters", EP1, "--format", "vtt").stdout
    assert vtt.startswith("WEBVTT\n") and vtt.count(" --> ") == len(chapters)

    out = tmp_path / "chapters.txt"
    result = cli("chapters", EP1, "--format", "ffmetadata", "-o", out)
    assert result.exit_code == 0 and f"Wrote {out}" in result.stderr
    _, sections = parse_ffmetadata(out.read_text(encoding="utf-8"))
    assert [s["title"] for s in sections] == [c["title"] for c in chapters]
    assert [int(s["START"]) for s in sections] == [round(c["startTime"] * 1000) for c in chapters]


def test_youtube_chapters_of_a_too_short_episode(cli, tmp_path):
    result = cli("chapters", short_file(tmp_path, 24.0), "--format", "youtube")
    assert result.exit_code == 1
    assert result.output == ("Error: the episode is 24.0 s long; YouTube chapters need at least "
                             "3 chapters of 10 s each (30 s)\n")
    padded = cli("chapters", short_file(tmp_path, 36.0), "--format", "youtube")
    assert padded.exit_code == 1 and "YouTube shows chapters only when there are at least 3" in padded.output


def test_chapters_bad_format_is_a_usage_error(cli, tmp_path):
    result = cli("chapters", short_file(tmp_path), "--format", "mp4")
    assert result.exit_code == 2 and "'mp4' is not one of" in result.output


# --- --embed ----------------------------------------------------------------------------------------

def test_embed_into_a_copy(cli, tmp_path, mp3):
    episode = short_file(tmp_path)
    before = mp3.read_bytes()
    out = tmp_path / "episode-chapters.mp3"
    result = cli("chapters", episode, "--embed", mp3, "-o", out)
    assert result.exit_code == 0, result.output
    assert "ID3 chapters" in result.stderr and "unchanged" in result.stderr
    assert mp3.read_bytes() == before
    expected = check_podcast_json(cli("chapters", episode).stdout)
    chaps, tocs = read_id3_chapters(out)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == [c["title"] for c in expected]
    assert [c.start_time for c in chaps] == [round(c["startTime"] * 1000) for c in expected]
    assert len(tocs) == 1 and list(tocs[0].child_element_ids) == [c.element_id for c in chaps]


def test_embed_refuses_to_change_the_original(cli, tmp_path, mp3):
    episode = short_file(tmp_path)
    before = mp3.read_bytes()
    result = cli("chapters", episode, "--embed", mp3)
    assert result.exit_code == 2 and "--embed needs -o" in result.output
    result = cli("chapters", episode, "--embed", mp3, "-o", mp3)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "not the input" in result.output
    assert mp3.read_bytes() == before
    result = cli("chapters", episode, "--embed", tmp_path / "missing.mp3", "-o", tmp_path / "x.mp3")
    assert result.exit_code == 1 and "no such file" in result.output


def test_embed_chapters_longer_than_the_audio(cli, samples, tmp_path, mp3):
    out = tmp_path / "x.mp3"
    result = cli("chapters", EP1, "--embed", mp3, "-o", out)
    assert result.exit_code == 1
    assert "is only 00:40 long; is it this episode's audio?" in result.output
    assert not out.exists()


@pytest.mark.parametrize("command", ["notes", "chapters"])
def test_help_has_examples(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"banana {command} " in result.output


def test_previous_answer_checked_against_the_previous_episode(cli, tmp_path):
    """When the hosts do not restate last episode's puzzle, the previous episode in the
    library supplies it."""
    text = (SAMPLES / f"{EP2}.txt").read_text(encoding="utf-8")
    restated = "You asked us to make eleven using the number three exactly three times."
    assert restated in text
    copy = tmp_path / "s01e02-no-restatement.txt"
    copy.write_text(text.replace(restated, "You know the one."), encoding="utf-8")
    assert cli("import", SAMPLES / f"{EP1}.txt", copy).exit_code == 0
    data = json.loads(cli("notes", "s01e02-no-restatement", "--format", "json").stdout)
    assert data["previous_answer"]["puzzle_episode"] == EP1
    assert data["previous_answer"]["puzzle"] == "make 11 from 3, 3, 3"
    assert data["previous_answer"]["correct"] is True
    # as a lone file there is no previous episode: an answer said is shown, unchecked
    data = json.loads(cli("notes", copy, "--format", "json").stdout)
    assert data["previous_answer"]["expression"]
    assert data["previous_answer"]["correct"] is None and data["previous_answer"]["puzzle"] is None
