"""``banana.audio``: PyAV decoding to 16 kHz mono, and the bad files it refuses."""

from __future__ import annotations


import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banana.audio.decode import SAMPLE_RATE_HZ, is_silent, load_audio, probe
from banana.errors import AudioError
from whisper_fixtures import CODECS, noise, tone, write_audio

SECONDS = 2.0


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * SAMPLE_RATE_HZ / len(samples))


@pytest.mark.parametrize("ext", sorted(CODECS))
@pytest.mark.parametrize("channels", [1, 2])
def test_decodes_every_format_to_16k_mono_float(tmp_path, ext, channels):
    rate = CODECS[ext][1]
    path = write_audio(tmp_path / f"tone.{ext}", tone(SECONDS, rate=rate, freq_hz=440.0, amplitude=0.4),
                       channels=channels)
    samples = load_audio(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    # lossy codecs pad or trim a frame or two at the edges (aac: 1024 samples, opus: 312)
    assert len(samples) / SAMPLE_RATE_HZ == pytest.approx(SECONDS, abs=0.07)
    assert abs(dominant_hz(samples) - 440.0) < 2.0  # resampled, not sped up or slowed down
    middle = samples[len(samples) // 4: 3 * len(samples) // 4]
    assert np.max(np.abs(middle)) == pytest.approx(0.4, abs=0.05)  # stereo is averaged, not summed


def test_resamples_exactly_from_common_rates(tmp_path):
    for rate in (8000, 16000, 22050, 44100, 48000):
        path = write_audio(tmp_path / f"r{rate}.wav", tone(1.0, rate=rate, freq_hz=1000.0), rate=rate)
        samples = load_audio(path)
        assert len(samples) == SAMPLE_RATE_HZ  # one second of wav is exactly 16000 samples
        assert abs(dominant_hz(samples) - 1000.0) < 2.0


def test_probe_reads_the_container_without_decoding(tmp_path):
    path = write_audio(tmp_path / "ep.mp3", tone(3.0, rate=44100))
    info = probe(path)
    assert info.format_name == "mp3" and info.codec.startswith("mp3")
    assert info.sample_rate_hz == 44100 and info.channels == 1
    assert info.duration_seconds == pytest.approx(3.0, abs=0.05)


def test_progress_reports_seconds_decoded(tmp_path):
    path = write_audio(tmp_path / "ep.flac", noise(3.0, rate=22050))
    seen: list[float] = []
    samples = load_audio(path, progress=seen.append)
    assert seen == sorted(seen) and len(set(seen)) >= 3  # whole seconds as they are resampled
    assert seen[-1] == len(samples) / SAMPLE_RATE_HZ


def truncated(path, share=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])
    return path


def scrambled(path, seed=1):
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    a, b = len(data) // 4, len(data) // 2
    data[a:b] = rng.integers(0, 256, b - a, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def encoded(tmp_path, ext, seconds=4.0):
    return write_audio(tmp_path / f"ep.{ext}", noise(seconds, rate=CODECS[ext][1], amplitude=0.2))


def written(path, data: bytes):
    path.write_bytes(data)
    return path


def folder(path):
    path.mkdir()
    return path


BAD = {  # name -> (make the file in tmp_path, words the one-line error must contain)
    "missing": (lambda d: d / "nope.mp3", "no such file"),
    "directory": (lambda d: folder(d / "folder.mp3"), "is a directory"),
    "empty": (lambda d: written(d / "empty.wav", b""), "file is empty"),
    "text named .mp3": (lambda d: written(d / "notes.mp3", b"Episode notes\nnot audio\n"),
                        "text file, not audio"),
    "random bytes named .wav": (lambda d: written(d / "x.wav", np.random.default_rng(7).bytes(2048)),
                                "not an audio file"),
    "truncated wav": (lambda d: truncated(encoded(d, "wav")), "truncated"),
    "truncated mp3": (lambda d: truncated(encoded(d, "mp3")), "truncated"),
    "truncated ogg": (lambda d: truncated(encoded(d, "ogg")), "truncated"),
    "truncated flac": (lambda d: truncated(encoded(d, "flac")), "corrupt"),
    "truncated m4a": (lambda d: truncated(encoded(d, "m4a")), "not an audio file"),
    "corrupt mp3": (lambda d: scrambled(encoded(d, "mp3")), "corrupt"),
    "corrupt flac": (lambda d: scrambled(encoded(d, "flac")), "corrupt"),
    "corrupt ogg": (lambda d: scrambled(encoded(d, "ogg")), "corrupt"),
    "corrupt m4a": (lambda d: scrambled(encoded(d, "m4a")), "corrupt"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_audio_is_a_one_line_audio_error_naming_the_file(tmp_path, case):
    make, words = BAD[case]
    path = make(tmp_path)
    with pytest.raises(AudioError) as info:
        load_audio(path)
    message = str(info.value)
    assert message.startswith(str(path)) and words in message and "\n" not in message


def test_a_wav_still_being_recorded_is_not_called_truncated(tmp_path):
    """Recorders that never finish the header write a data size of 0 or 0xFFFFFFFF."""
    path = write_audio(tmp_path / "live.wav", tone(1.0, rate=16000), rate=16000)
    data = bytearray(path.read_bytes())
    at = data.find(b"data")
    data[at + 4: at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    assert len(load_audio(path)) == pytest.approx(SAMPLE_RATE_HZ, abs=2)


@pytest.mark.parametrize("samples, silent", [
    (np.zeros(SAMPLE_RATE_HZ, dtype=np.float32), True),
    (np.zeros(10, dtype=np.float32), True),
    (noise(1.0, rate=SAMPLE_RATE_HZ, amplitude=10 ** (-75 / 20)), True),  # -75 dBFS hiss
    (noise(1.0, rate=SAMPLE_RATE_HZ, amplitude=10 ** (-30 / 20)), False),  # speech-level
    (np.concatenate([np.zeros(SAMPLE_RATE_HZ * 5), tone(0.2, rate=SAMPLE_RATE_HZ)]).astype(np.float32), False),
])
def test_silence_is_judged_by_the_loudest_window(samples, silent):
    assert is_silent(samples) is silent


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.sampled_from([b"", b"ID3\x04\x00\x00\x00\x00\x00\x00", b"RIFF\x24\x00\x00\x00WAVEfmt ",
                             b"OggS\x00\x02", b"fLaC", b"\x00\x00\x00\x20ftypM4A "]),
       body=st.binary(min_size=0, max_size=3000))
def test_garbage_never_crashes_the_decoder(tmp_path, head, body):
    path = tmp_path / "garbage.mp3"
    path.write_bytes(head + body)
    try:
        samples = load_audio(path)
    except AudioError as exc:
        assert "\n" not in str(exc)
    else:
        assert samples.dtype == np.float32 and samples.ndim == 1 and len(samples) > 0


def test_a_fifo_or_a_link_loop_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "live.mp3"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block forever
    with pytest.raises(AudioError, match="named pipe"):
        probe(fifo)
    loop = tmp_path / "loop.mp3"
    loop.symlink_to(loop)
    with pytest.raises(AudioError, match="symbolic link loop"):
        load_audio(loop)
