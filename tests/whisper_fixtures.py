"""Test material for audio and whisper: audio files written through PyAV, a tiny
randomly initialised whisper checkpoint (no downloaded weights), and whisper-like
text made from a published transcript. The benchmarks import it too.

Import the fixtures into a test module: ``from whisper_fixtures import tiny_checkpoint``,
and use ``one_torch_thread`` in modules that run the model.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from banana.transcript import Transcript, Utterance

# extension -> (encoder, sample rate the file is written at)
CODECS = {
    "wav": ("pcm_s16le", 44100),
    "mp3": ("libmp3lame", 44100),
    "ogg": ("libopus", 48000),
    "flac": ("flac", 22050),
    "m4a": ("aac", 44100),
}

TINY_DIMS = dict(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2, n_audio_layer=1,
                 n_vocab=51865, n_text_ctx=448, n_text_state=64, n_text_head=2, n_text_layer=1)
CHECKPOINT_SEED = 0

WHISPER_CHUNK_WORDS = 12  # words per segment in whisper-like text

# Options that keep a random model fast: one greedy pass, a short decode per window.
FAST = ("--temperature", "0", "--max-tokens", "24", "--language", "en")


def tone(seconds: float, *, rate: int, freq_hz: float = 440.0, amplitude: float = 0.4) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def noise(seconds: float, *, rate: int, amplitude: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amplitude * rng.standard_normal(int(round(seconds * rate)))).clip(-1, 1).astype(np.float32)



def whisperize(t: Transcript, *, size: int = WHISPER_CHUNK_WORDS) -> Transcript:
    """What whisper gives: lower case, no punctuation, no speakers, fixed-size segments."""
    words = []
    for u in t.utterances:
        ws = re.sub(r"[^\w\s]", "", u.text.lower()).split()
        step = (u.end - u.start) / max(len(ws), 1)
        words.extend((u.start + i * step, w) for i, w in enumerate(ws))
    utts = []
    for i in range(0, len(words), size):
        chunk = words[i:i + size]
        end = words[i + size][0] if i + size < len(words) else chunk[-1][0] + 0.4
        utts.append(Utterance(chunk[0][0], end, " ".join(w for _, w in chunk)))
    return Transcript.build(utts, title=t.title)

def write_audio(path: Path, samples: np.ndarray, *, rate: int | None = None, codec: str | None = None,
                channels: int = 1) -> Path:
    """Encode mono float samples with PyAV (the codec and rate follow the file's
    extension unless given); ``channels=2`` writes the same signal on both sides."""
    import av

    default_codec, default_rate = CODECS[path.suffix.lstrip(".")]
    codec = codec or default_codec
    rate = rate or default_rate
    layout = "stereo" if channels == 2 else "mono"
    planar = np.ascontiguousarray(np.tile(samples, (channels, 1)), dtype=np.float32)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        step = 1024
        for i in range(0, planar.shape[1], step):
            frame = av.AudioFrame.from_ndarray(planar[:, i:i + step], format="fltp", layout=layout)
            frame.sample_rate = rate
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def make_checkpoint(path: Path, *, seed: int = CHECKPOINT_SEED, **dims) -> Path:
    """A randomly initialised whisper model saved the way ``whisper.load_model`` reads it."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(seed)
    model_dims = ModelDimensions(**{**TINY_DIMS, **dims})
    model = Whisper(model_dims)
    # whisper leaves the decoder's positional embedding as torch.empty (a real
    # checkpoint overwrites it); fill it so the checkpoint does not depend on
    # whatever memory it was given
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0.0, 0.01)
    torch.save({"dims": asdict(model_dims), "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def one_torch_thread():
    """A 64-wide model decodes several times faster on one thread than on two that
    contend with the rest of the machine; put the setting back afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("whisper") / "tiny-random.pt")
