"""``banana transcribe`` end to end: audio written through PyAV, a tiny random whisper
checkpoint, the real decode → whisper → library path (nothing mocked)."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import whisper

from banana.audio.decode import SAMPLE_RATE_HZ, load_audio
from banana.formats import read_transcript
from banana.library import Library
from banana.transcript import Transcript, estimate_times
from whisper_fixtures import FAST, noise, one_torch_thread, tiny_checkpoint, tone, write_audio  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@functools.cache
def whisper_model(checkpoint):
    return whisper.load_model(str(checkpoint), device="cpu")


def whisper_result(checkpoint, samples, **options):
    """What whisper itself makes of the samples with the same model and FAST options."""
    return whisper.transcribe(whisper_model(checkpoint), samples, fp16=False, language="en", temperature=0.0,
                              sample_len=24, condition_on_previous_text=False, **options)


def whisper_segments(checkpoint, samples):
    result = whisper_result(checkpoint, samples)
    return [(s["start"], s["end"], " ".join(s["text"].split())) for s in result["segments"] if s["text"].strip()]


def audio_file(tmp_path, name, seconds=3.0, seed=0):
    ext = name.rsplit(".", 1)[1]
    rate = {"wav": 16000, "mp3": 44100, "ogg": 48000}[ext]
    mix = noise(seconds, rate=rate, amplitude=0.15, seed=seed) + tone(seconds, rate=rate, amplitude=0.2)
    return write_audio(tmp_path / name, mix, rate=rate)


def test_transcribe_stores_the_models_segments_with_the_audio_duration(cli, library, tmp_path,
                                                                        tiny_checkpoint):  # noqa: F811
    """wav, mp3 and ogg (each written through PyAV) in one batch."""
    paths = [audio_file(tmp_path, f"episode-{ext}.{ext}", seed=k) for k, ext in enumerate(["wav", "mp3", "ogg"])]
    result = cli("transcribe", *paths, "--model", tiny_checkpoint, *FAST)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["episode-wav", "episode-mp3", "episode-ogg"]
    for path in paths:
        stored = Library(library).load(path.stem)
        samples = load_audio(path)
        assert stored.duration == pytest.approx(len(samples) / SAMPLE_RATE_HZ, abs=1e-3)
        assert stored.duration == pytest.approx(3.0, abs=0.07)
        assert stored.source == f"whisper:{tiny_checkpoint}" and "tiny-random.pt" in stored.source
        expected = whisper_segments(tiny_checkpoint, samples)
        assert expected, "the random model produced no text; the test would prove nothing"
        assert [(u.start, u.end, u.text) for u in stored.utterances] == [
            (pytest.approx(s), pytest.approx(min(e, stored.duration)), text) for s, e, text in expected]
        assert stored.title == path.stem.replace("-", " ") and stored.language == "en"
        assert f"Transcribing {path}" in result.stderr and f"Stored {path.stem}: " in result.stderr


def test_batch_reports_each_bad_file_on_one_line_and_goes_on(cli, library, tmp_path, tiny_checkpoint):  # noqa: F811
    good = audio_file(tmp_path, "good.wav")
    quiet = write_audio(tmp_path / "quiet.wav", np.zeros(2 * 16000, dtype=np.float32), rate=16000)
    (tmp_path / "notes.mp3").write_text("These are show notes, not audio.\n")
    (tmp_path / "folder.mp3").mkdir()
    cut = audio_file(tmp_path, "cut.mp3", seconds=4.0)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    broken = audio_file(tmp_path, "broken.ogg", seconds=4.0)
    data = bytearray(broken.read_bytes())
    data[len(data) // 4: len(data) // 2] = np.random.default_rng(1).integers(
        0, 256, len(data) // 2 - len(data) // 4, dtype=np.uint8).tobytes()
    broken.write_bytes(bytes(data))
    files = [tmp_path / "notes.mp3", good, tmp_path / "missing.wav", tmp_path / "folder.mp3", cut, broken, quiet]
    result = cli("transcribe", *files, "--model", tiny_checkpoint, *FAST)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        f"Error: {tmp_path / 'notes.mp3'}: is a text file, not audio",
        f"Error: {tmp_path / 'missing.wav'}: no such file",
        f"Error: {tmp_path / 'folder.mp3'}: is a directory, not an audio file",
        f"Error: {cut}: truncated or corrupt: decoded 2.0 s of the 4.0 s the file declares",
        f"Error: {broken}: truncated or corrupt: decoded 2.0 s of the 4.0 s the file declares",
    ]
    assert "Traceback" not in result.output and "5 of 7 files failed." in result.stderr
    lib = Library(library)
    assert lib.slugs() == ["good", "quiet"] and result.stdout.split() == ["good", "quiet"]
    silent = lib.load("quiet")  # silence is an empty transcript, not an error
    assert silent.utterances == () and silent.duration == 2.0 and silent.source.startswith("whisper:")
    assert lib.load("good").utterances
    leftovers = [p for p in library.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]
    assert leftovers == []


def test_exports_are_written_beside_the_stored_transcript(cli, library, tmp_path, tiny_checkpoint):  # noqa: F811
    path = audio_file(tmp_path, "ep.wav")
    result = cli("transcribe", path, "--model", tiny_checkpoint, *FAST, "--slug", "s01e01",
                 "--title", "Pilot", "--show", "Banana", "--export", "srt,vtt,podcast-json,txt")
    assert result.exit_code == 0, result.output
    folder = library / "s01e01"
    assert sorted(p.name for p in folder.iterdir()) == [
        "analysis.json", "episode.json", "transcript.json", "transcript.podcast.json", "transcript.srt", "transcript.txt", "transcript.vtt"]
    stored = Library(library).load("s01e01")
    assert (stored.title, stored.show) == ("Pilot", "Banana")
    for name in ("transcript.srt", "transcript.vtt", "transcript.podcast.json"):
        back = read_transcript(folder / name)
        assert back.text == stored.text and back.utterances[0].start == pytest.approx(stored.utterances[0].start)


def test_prompt_from_library_uses_the_hosts(cli, library, tmp_path, tiny_checkpoint):  # noqa: F811
    Library(library).save(Transcript.build(estimate_times([("Ana Lima", "hi"), ("Bo Chen", "hello")])), "ep-0")
    result = cli("transcribe", audio_file(tmp_path, "ep-1.wav"), "--model", tiny_checkpoint, *FAST,
                 "--prompt", "Banana Data", "--prompt-from-library")
    assert result.exit_code == 0, result.output
    assert "Prompt: Banana Data. Welcome to the show with Ana Lima and Bo Chen." in result.stderr
    assert Library(library).load("ep-1").source == f"whisper:{tiny_checkpoint}"


def test_align_to_stores_the_published_words_with_whispers_times(cli, library, tmp_path,
                                                                  tiny_checkpoint):  # noqa: F811
    """With --word-timestamps the published words take whisper's word times."""
    path = audio_file(tmp_path, "ep.wav", seconds=1.0)  # see test_word_timestamps_give_words...
    segment = next(s for s in whisper_result(tiny_checkpoint, load_audio(path), word_timestamps=True)["segments"]
                   if s["text"].strip())
    start = segment["words"][0]["start"]
    published = Transcript.build(estimate_times([("Ana Lima", segment["text"])]), title="Pilot")
    (tmp_path / "published.json").write_text(published.to_json())
    result = cli("transcribe", path, "--model", tiny_checkpoint, *FAST, "--word-timestamps",
                 "--align-to", tmp_path / "published.json")
    assert result.exit_code == 0, result.output
    stored = Library(library).load("ep")
    assert stored.title == "Pilot" and stored.speakers == ("Ana Lima",)
    assert stored.utterances[0].start == pytest.approx(start) and not stored.utterances[0].estimated
    assert stored.source == f"align:{tmp_path / 'published.json'} to whisper:{tiny_checkpoint}"
    assert "100.0% of words matched" in result.stderr


def test_align_to_a_different_episode_fails_cleanly(cli, library, tmp_path, tiny_checkpoint):  # noqa: F811
    published = Transcript.build(estimate_times([("Ana Lima", "nothing like what the model said")]))
    (tmp_path / "published.json").write_text(published.to_json())
    result = cli("transcribe", audio_file(tmp_path, "ep.wav"), "--model", tiny_checkpoint, *FAST,
                 "--align-to", tmp_path / "published.json")
    assert result.exit_code == 1 and "same episode" in result.stderr
    assert Library(library).slugs() == []


def test_a_missing_model_offline_is_one_line_naming_the_file(cli, library, tmp_path, monkeypatch):
    for var in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    path = audio_file(tmp_path, "ep.wav")
    result = cli("transcribe", path, "--model", "base", "--model-dir", tmp_path / "models")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: faster-whisper model 'base' is not in ")
    assert f"directory (model.bin, config.json, tokenizer.json) at {tmp_path / 'models' / 'base'}" in lines[-1]
    result = cli("transcribe", path, "--model", "base", "--model-dir", tmp_path / "models", "--engine", "whisper")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: whisper model 'base' is not in ")
    assert f"put it at {tmp_path / 'models' / 'base.pt'}" in lines[-1]
    assert Library(library).slugs() == []


@pytest.mark.parametrize("args, words", [
    (("a.wav", "b.wav", "--slug", "x"), "--slug applies to a single audio file"),
    (("a.wav", "b.wav", "--align-to", "p.txt"), "--align-to applies to a single audio file"),
    (("a.wav", "--slug", "Not A Slug"), "not a valid slug"),
    (("a.wav", "--export", "srt,docx"), "unknown format 'docx'"),
    (("a.wav", "--language", "klingon"), "whisper does not know the language 'klingon'"),
    (("a.wav", "--temperature", "3"), "3"),
])
def test_usage_errors_come_before_any_work(cli, library, args, words):
    result = cli("transcribe", *args)
    assert result.exit_code == 2 and words in result.output
    assert Library(library).slugs() == []


def test_two_files_for_one_slug_are_refused_before_any_work(cli, library):
    result = cli("transcribe", "a.wav", "sub/a.mp3")
    assert result.exit_code == 1 and "would both be stored as 'a'" in result.output
    assert Library(library).slugs() == []


def test_unknown_model_is_reported_before_decoding(cli, tmp_path):
    result = cli("transcribe", tmp_path / "missing.wav", "--model", "tiniest")
    assert result.exit_code == 1 and "unknown whisper model 'tiniest'" in result.output
    assert "missing.wav" not in result.output


def test_an_over_long_prompt_is_refused(cli, library, tmp_path, tiny_checkpoint):  # noqa: F811
    result = cli("transcribe", audio_file(tmp_path, "ep.wav"), "--model", tiny_checkpoint, *FAST,
                 "--prompt", "banana " * 400)
    assert result.exit_code == 2 and "whisper reads at most 223" in result.output
    assert Library(library).slugs() == []


def test_ctrl_c_leaves_no_partial_transcript(library, tmp_path, tiny_checkpoint):  # noqa: F811
    """A real SIGINT to a real ``banana transcribe`` while whisper is running (with no
    ffmpeg on PATH: the first file is transcribed from PyAV's decoding alone)."""
    done = audio_file(tmp_path, "first.wav", seconds=2.0)
    long = write_audio(tmp_path / "second.wav", noise(480.0, rate=16000, amplitude=0.2), rate=16000)
    # an empty PATH: no ffmpeg (or anything else) to fall back on; PyAV decodes
    env = {**os.environ, "BANANA_LIBRARY": str(library), "OMP_NUM_THREADS": "1", "PATH": str(tmp_path / "bin")}
    # started as from a terminal: SIGINT at its default, whatever this test runner was
    # started with (a shell's background job ignores SIGINT, and Python then never turns
    # it into KeyboardInterrupt, so Ctrl-C would not reach the command at all)
    proc = subprocess.Popen(
        [sys.executable, "-m", "banana", "transcribe", str(done), str(long), "--model", str(tiny_checkpoint),
         *FAST],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if line.startswith("Transcribing") and "second.wav" in line or not line:
            break
    time.sleep(0.2)  # well inside whisper's decoding of sixteen 30-second windows
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    err = "".join(lines) + err
    assert proc.returncode == 130, err
    assert f"Error: interrupted; nothing stored for {long} (1 file done before it)" in err
    assert "Traceback" not in err and out.split() == ["first"]
    assert Library(library).slugs() == ["first"]
    assert not (library / "second").exists()
    assert [p for p in library.rglob("*.tmp")] == []
