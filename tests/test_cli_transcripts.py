"""``banana import / export / show / list`` through the CLI, and the group itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from banana.cli import COMMANDS, main
from banana.formats import read_transcript
from banana.library import Library, natural_key
from banana.transcript import Transcript
from conftest import BANANA_DATA, PRACTICAL_AI, SAMPLES, need
from unprivileged import open_folder  # noqa: F401 (a fixture)


def snapshot(root):
    """Every file under the library with its bytes, to check nothing changed."""
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_import_stores_canonical_json_and_prints_slug(cli, library):
    result = cli("import", need(BANANA_DATA))
    slug = "s03e01-deepfakes-and-data-upskilling"
    assert result.exit_code == 0 and result.output.strip() == slug
    stored = json.loads((library / slug / "transcript.json").read_text())
    assert stored["schema"] == 2 and len(stored["utterances"]) == 74
    assert set(stored) >= {"schema", "title", "show", "speakers", "language", "duration", "source", "utterances"}
    assert set(stored["utterances"][0]) == {"start", "end", "speaker", "text", "estimated"}
    assert Transcript.from_dict(stored) == read_transcript(BANANA_DATA)


def test_reimport_replaces_instead_of_duplicating(cli, library, tmp_path):
    src = tmp_path / "ep.srt"
    src.write_text("1\n00:00:00,000 --> 00:00:02,000\nAna Lima: first version\n")
    assert cli("import", src).exit_code == 0
    src.write_text("1\n00:00:00,000 --> 00:00:02,000\nAna Lima: second version\n")
    assert cli("import", src, "--title", "Ep").exit_code == 0
    lib = Library(library)
    assert lib.slugs() == ["ep"]
    assert lib.load("ep").utterances[0].text == "second version" and lib.load("ep").title == "Ep"


def test_import_options_slug_show_and_audio_url(cli, library):
    r = cli("import", need(BANANA_DATA), "--slug", "s3e1", "--show", "Banana Data",
            "--audio-url", "https://example.org/ep.mp3")
    assert r.exit_code == 0
    t = Library(library).load("s3e1")
    assert (t.show, t.audio_url) == ("Banana Data", "https://example.org/ep.mp3")
    bad = cli("import", BANANA_DATA, "--slug", "Not A Slug")
    assert bad.exit_code == 2 and "not a valid slug" in bad.output


GARBAGE = {
    "binary.bin": os.urandom(4096).replace(b"\x00", b"\x01") + b"\x00",
    "empty.txt": b"",
    "picture.srt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    "oneline.txt": b"x" * (5 * 1024 * 1024),
    "latin1.txt": "Ren\u00e9e: bonjour \u00e0 tous".encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(GARBAGE) + ["a-directory", "missing.md"])
def test_garbage_gives_one_line_error_and_leaves_library_alone(cli, library, tmp_path, name):
    assert cli("import", need(BANANA_DATA)).exit_code == 0
    before = snapshot(library)
    path = tmp_path / name
    if name in GARBAGE:
        path.write_bytes(GARBAGE[name])
    elif name == "a-directory":
        path.mkdir()
    result = cli("import", path)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and str(path) in lines[0]
    assert "Traceback" not in result.output
    assert snapshot(library) == before


def test_batch_import_keeps_going_past_a_bad_file(cli, library, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = cli("import", bad, need(BANANA_DATA))
    assert result.exit_code == 1
    assert Library(library).slugs() == ["s03e01-deepfakes-and-data-upskilling"]


@pytest.mark.parametrize("fmt", ["json", "srt", "vtt", "podcast-json", "txt", "md"])
def test_export_writes_a_file_that_reads_back(cli, library, tmp_path, fmt):
    cli("import", need(BANANA_DATA), "--slug", "ep")
    out = tmp_path / f"ep.{fmt}"
    result = cli("export", "ep", "--format", fmt, "-o", out)
    assert result.exit_code == 0
    back = read_transcript(out)
    original = Library(library).load("ep")
    assert back.speakers == original.speakers
    assert " ".join(back.text.split()) == " ".join(original.text.split())


def test_export_accepts_a_path_and_writes_stdout(cli, tmp_path):
    src = tmp_path / "talk.vtt"
    src.write_text("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>Hello.\n")
    result = cli("export", src, "--format", "srt")
    assert result.exit_code == 0
    assert result.output == "1\n00:00:01,000 --> 00:00:02,000\nAna: Hello.\n\n"


def test_unknown_episode_is_a_one_line_error(cli):
    result = cli("export", "no-such-episode")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no-such-episode: not an episode in " \
        f"{os.environ['BANANA_LIBRARY']} nor a transcript file"


def test_show_prints_speakers_and_times_and_json(cli):
    cli("import", need(BANANA_DATA), "--slug", "ep")
    text = cli("show", "ep").output
    assert "Deepfakes and Data Upskilling" in text
    assert "~00:00:00 Triveni Gandhi: You're listening to the Banana Data podcast" in text
    data = json.loads(cli("show", "ep", "--json").output)
    assert data["schema"] == 2 and data["speakers"] == ["Triveni Gandhi", "Will Nowak"]


def test_list_and_library_option(cli, tmp_path):
    other = tmp_path / "elsewhere"
    cli("--library", other, "import", need(BANANA_DATA), "--slug", "x")
    listing = json.loads(cli("--library", other, "list", "--json").output)
    assert [e["slug"] for e in listing["episodes"]] == ["x"]
    assert json.loads(cli("list", "--json").output) == {"episodes": []}


def test_practical_ai_transcripts_import_in_one_batch(cli, library):
    # Every one of the 299 files is read in test_formats; importing (and indexing) them
    # all is timed in bench/bench_search.py. Here: a spread of them, through the CLI.
    files = sorted(need(PRACTICAL_AI).glob("*.md"))[::25]
    result = cli("import", *files)
    assert result.exit_code == 0
    assert result.output.split() == [f.stem for f in files]
    assert Library(library).slugs() == sorted((f.stem for f in files), key=natural_key)
    assert json.loads(cli("search", "the", "--json").output)["total"] > 0


def test_samples_import():
    samples = sorted(SAMPLES.glob("*.txt"))
    assert len(samples) >= 2
    for path in samples:
        t = read_transcript(path)
        assert len(t.speakers) == 2 and t.word_count >= 2000 and t.title


def test_every_command_has_help_with_an_example(cli):
    names = main.list_commands(None)
    assert set(names) <= set(COMMANDS) and {"import", "export", "show"} <= set(names)
    for name in names:
        result = cli(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"'banana {name} --help' shows no example"


def test_version_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "banana", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("banana, version ")


def test_core_does_not_import_torch_or_whisper():
    code = ("import sys; from banana.cli import main; "
            "[main.get_command(None, n) for n in main.list_commands(None) if n not in ('transcribe', 'align')]; "
            "heavy = [m for m in ('torch', 'whisper', 'av') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_list_names_a_damaged_episode_and_lists_the_rest(cli, library, tmp_path):
    for name in ("good.srt", "broken.srt"):
        (tmp_path / name).write_text("1\n00:00:00,000 --> 00:00:02,000\nAna Lima: hello\n")
        assert cli("import", tmp_path / name).exit_code == 0
    (library / "broken" / "transcript.json").write_text('{"schema": 1, "utterances": 42}')
    result = cli("list")
    assert result.exit_code == 1
    assert "broken/transcript.json" in result.output and "good" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["javascript:alert(1)", 'https://x.org/a.mp3"><script>', "ep.mp3"])
def test_import_refuses_an_audio_url_that_is_not_http(cli, library, url):
    result = cli("import", need(BANANA_DATA), "--audio-url", url)
    assert result.exit_code == 2 and "audio URL" in result.output
    assert Library(library).slugs() == []


def test_episode_argument_cannot_leave_the_library(cli, library):
    (library.parent / "transcript.json").write_text(Transcript.build([]).to_json())
    for name in ("..", "../", "."):
        result = cli("show", name)
        assert result.exit_code == 1 and "Traceback" not in result.output


def test_emoji_codes_and_markup_in_a_transcript_print_as_written(cli, library, tmp_path):
    src = tmp_path / "ep.srt"
    src.write_text("1\n00:00:00,000 --> 00:00:02,000\nAna Lima: the score was 3:x:1 [bold]not bold[/bold] :smile:\n")
    assert cli("import", src, "--title", "Score :thumbs_up:").exit_code == 0
    shown = cli("show", "ep").output
    assert "3:x:1 [bold]not bold[/bold] :smile:" in shown and "Score :thumbs_up:" in shown
    assert "❌" not in shown and "😄" not in shown and "👍" not in shown
    assert "Score :thumbs_up:" in cli("list").output


def test_an_unreadable_file_is_reported_and_the_rest_imported(open_folder):
    from unprivileged import banana_as_nobody

    files = []
    for sample in sorted(SAMPLES.glob("*.txt")):
        copy = open_folder / sample.name
        copy.write_bytes(sample.read_bytes())
        copy.chmod(0o644)
        files.append(copy)
    files[1].chmod(0o000)
    result = banana_as_nobody("import", *files, library=open_folder / "lib", cwd=open_folder)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr
    assert f"Error: {files[1]}: cannot read (Permission denied)" in result.stderr
    assert result.stdout.split() == [files[0].stem, files[2].stem]


def test_a_fifo_and_a_symlink_loop_are_each_one_line_and_the_batch_goes_on(tmp_path, library):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    dangling = tmp_path / "gone.txt"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    good = tmp_path / "good.srt"
    good.write_text("1\n00:00:00,000 --> 00:00:02,000\nAna Lima: hello\n")
    # A separate process, so a FIFO that blocked would fail the test instead of hanging it.
    result = subprocess.run([sys.executable, "-m", "banana", "import", fifo, loop, dangling, good],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "BANANA_LIBRARY": str(library)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Error: {fifo}: is a named pipe (FIFO)" in result.stderr
    assert f"Error: {loop}: symbolic link loop" in result.stderr
    assert f"Error: {dangling}: no such file (a symbolic link to a missing file)" in result.stderr
    assert result.stdout.split() == ["good"]


def test_error_messages_never_carry_terminal_controls(cli, tmp_path):
    hostile = "\x1b]0;pwned\x07\x1b[2Jep\x9b31m"
    result = cli("show", hostile)
    assert result.exit_code == 1 and "Error:" in result.output
    assert not any(ch in result.output for ch in "\x1b\x07\x9b")
    batch = cli("import", tmp_path / f"{hostile}.txt")
    assert batch.exit_code == 1 and not any(ch in batch.output for ch in "\x1b\x07\x9b")
