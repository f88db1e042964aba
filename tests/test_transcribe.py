"""``banana.transcribe``: model resolution and loading, the prompt, and whisper's
output turned into a Transcript — with a tiny random checkpoint, never real weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import whisper

from banana.audio import transcribe as tr
from banana.audio.decode import SAMPLE_RATE_HZ, load_audio
from banana.errors import ModelError
from banana.formats import read_transcript
from banana.library import Library
from banana.transcript import Transcript, Utterance, estimate_times
from conftest import BANANA_DATA, need
from whisper_fixtures import noise, one_torch_thread, tiny_checkpoint, tone, write_audio  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

OFFLINE_PROXY = "http://127.0.0.1:9"  # the discard port: every download is refused at once


@pytest.fixture(scope="module")
def model(tiny_checkpoint):  # noqa: F811
    return tr.load_model(tr.resolve_model(str(tiny_checkpoint)), device="cpu")


@pytest.fixture
def offline(monkeypatch):
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(var, OFFLINE_PROXY)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)


# -- resolving and loading models ---------------------------------------------------

@pytest.mark.parametrize("name, file", [("tiny", "tiny.pt"), ("base.en", "base.en.pt"),
                                        ("large", "large-v3.pt"), ("turbo", "large-v3-turbo.pt")])
def test_official_names_expect_whispers_file_in_the_model_dir(tmp_path, name, file):
    spec = tr.resolve_model(name, model_dir=tmp_path, engine="whisper")
    assert spec.checkpoint is None and spec.expected_file == tmp_path / file
    assert spec.label == f"whisper:{name}" and spec.url.endswith("/" + file)


def test_faster_whisper_looks_for_a_model_directory_named_after_the_model(tmp_path):
    spec = tr.resolve_model("tiny.en", model_dir=tmp_path, engine="faster-whisper")
    assert spec.expected_file == tmp_path / "tiny.en" and spec.label == "faster-whisper:tiny.en"
    assert not spec.present


def test_the_default_engine_is_the_fastest_installed_that_has_the_model(tmp_path):
    assert tr.installed_engines() == ("faster-whisper", "whisper")
    assert tr.resolve_model("tiny", model_dir=tmp_path).engine == "faster-whisper"  # neither has it
    (tmp_path / "tiny.pt").write_bytes(b"")  # openai-whisper's file is there
    assert tr.resolve_model("tiny", model_dir=tmp_path).engine == "whisper"
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "model.bin").write_bytes(b"")
    (tmp_path / "tiny" / "config.json").write_text("{}")
    assert tr.resolve_model("tiny", model_dir=tmp_path).engine == "faster-whisper"  # both: the faster


def test_a_ctranslate2_directory_is_a_model_for_faster_whisper_only(tmp_path, tiny_checkpoint):  # noqa: F811
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"")
    (folder / "config.json").write_text("{}")
    spec = tr.resolve_model(str(folder))
    assert spec.engine == "faster-whisper" and spec.checkpoint == folder
    assert tr.resolve_model(str(folder / "model.bin")).checkpoint == folder
    assert tr.resolve_model("my-model", model_dir=tmp_path).checkpoint == folder
    with pytest.raises(ModelError, match="--engine whisper cannot load .* it is a CTranslate2 model "
                                         "directory; use --engine faster-whisper"):
        tr.resolve_model(str(folder), engine="whisper")
    with pytest.raises(ModelError, match="it is an openai-whisper checkpoint; use --engine whisper"):
        tr.resolve_model(str(tiny_checkpoint), engine="faster-whisper")
    with pytest.raises(ModelError, match="is a directory but not a CTranslate2 model"):
        tr.resolve_model(str(tmp_path))


def test_default_model_and_cache_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(tr.MODEL_ENV, raising=False)
    assert tr.resolve_model().name == tr.DEFAULT_MODEL
    monkeypatch.setenv(tr.MODEL_ENV, "small.en")
    assert tr.resolve_model().name == "small.en"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert tr.resolve_model().download_root == tmp_path / "whisper"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert tr.default_download_root() == tmp_path / "home" / ".cache" / "whisper"


def test_checkpoints_by_path_or_by_name_in_the_model_dir(tmp_path, tiny_checkpoint):  # noqa: F811
    by_path = tr.resolve_model(str(tiny_checkpoint))
    assert by_path.checkpoint == tiny_checkpoint and by_path.label == f"whisper:{tiny_checkpoint}"
    by_name = tr.resolve_model("tiny-random", model_dir=tiny_checkpoint.parent)
    assert by_name.checkpoint == tiny_checkpoint.parent / "tiny-random.pt"


@pytest.mark.parametrize("model, words", [
    ("tiniest", "unknown whisper model 'tiniest'"),
    ("models/nope.pt", "no such checkpoint file"),
    (".", "is a directory"),
])
def test_unknown_models_are_model_errors(model, words):
    with pytest.raises(ModelError, match=words):
        tr.resolve_model(model)


def test_a_missing_model_offline_names_the_file_and_where_to_put_it(tmp_path, offline):
    spec = tr.resolve_model("tiny", model_dir=tmp_path / "models", engine="whisper")
    with pytest.raises(ModelError) as info:
        tr.load_model(spec, device="cpu")
    message = str(info.value)
    assert "\n" not in message and "could not be downloaded" in message
    assert f"put it at {tmp_path / 'models' / 'tiny.pt'}" in message
    assert "openaipublic" in message and "--model-dir" in message
    assert not (tmp_path / "models" / "tiny.pt").exists()  # no partial download left behind


def test_a_missing_ctranslate2_model_offline_names_the_folder_to_put_it_in(tmp_path, offline):
    spec = tr.resolve_model("tiny.en", model_dir=tmp_path / "models")
    assert spec.engine == "faster-whisper"
    with pytest.raises(ModelError) as info:
        tr.load_model(spec, device="cpu")
    message = str(info.value)
    assert "\n" not in message and "could not be downloaded" in message
    assert f"put the CTranslate2 model directory (model.bin, config.json, tokenizer.json) at " \
           f"{tmp_path / 'models' / 'tiny.en'}" in message
    assert not (tmp_path / "models" / "tiny.en").exists()  # no partial download left behind


def test_a_corrupt_checkpoint_is_a_model_error(tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"PK\x03\x04 definitely not torch")
    with pytest.raises(ModelError, match="not a whisper checkpoint"):
        tr.load_model(tr.resolve_model(str(bad)), device="cpu")


class _NotWeights:
    """Something no weights-only loader accepts: a pickled object of a test class."""


def test_a_pickled_object_is_refused_without_suggesting_the_unsafe_load(tmp_path):
    import torch

    bad = tmp_path / "pickled.pt"
    torch.save({"dims": _NotWeights(), "model_state_dict": {}}, bad)
    with pytest.raises(ModelError) as info:
        tr.load_model(tr.resolve_model(str(bad)), device="cpu")
    message = str(info.value)
    assert "not a whisper checkpoint" in message and "\n" not in message
    assert "weights_only" not in message and "False" not in message
    assert "loads weights only" in message


def test_cuda_is_refused_when_absent():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert tr.pick_device(None) == "cpu" and tr.pick_device("auto") == "cpu"
    with pytest.raises(ModelError, match="CUDA is not available"):
        tr.pick_device("cuda")


def test_checkpoint_loads_on_cpu(model):
    assert model.device == "cpu" and model.engine == "whisper" and model.model.dims.n_text_state == 64


@pytest.mark.parametrize("given, code", [("en", "en"), ("English", "en"), (" german ", "de"), (None, None)])
def test_languages(given, code):
    assert tr.normalise_language(given) == code


def test_unknown_language():
    with pytest.raises(ValueError, match="klingon"):
        tr.normalise_language("klingon")


# -- the prompt ---------------------------------------------------------------------

def test_prompt_budget_is_half_the_text_context(model):
    assert tr.prompt_budget_tokens(model) == 448 // 2 - 1


def test_prompt_tokens_are_counted_with_the_models_tokenizer(model):
    from whisper.tokenizer import get_tokenizer

    text = "Triveni Gandhi, Will Nowak, autoencoder, deepfakes"
    tokenizer = get_tokenizer(True, num_languages=model.model.num_languages)
    assert tr.count_prompt_tokens(model, text) == len(tokenizer.encode(" " + text))


def test_library_prompt_is_a_sentence_naming_the_show_the_hosts_and_the_terms(model):
    prompt = tr.library_prompt(model, show="Banana Data", hosts=["Triveni Gandhi", "Will Nowak"],
                               terms=["autoencoder neural networks", "deepfakes"])
    assert prompt == ("Welcome to the Banana Data podcast with Triveni Gandhi and Will Nowak. "
                      "Today we talk about autoencoder neural networks and deepfakes.")
    assert tr.library_prompt(model, hosts=["Ana Lima"]) == "Welcome to the show with Ana Lima."
    assert tr.library_prompt(model, show="The Changelog Podcast") == "Welcome to The Changelog Podcast."
    assert tr.library_prompt(model, hosts=["Ana Lima"], lead="Banana Data") == \
        "Banana Data. Welcome to the show with Ana Lima."
    assert tr.library_prompt(model) == ""


def test_library_prompt_keeps_the_terms_that_fit_the_budget_in_order_without_repeats(model):
    terms = ["lazy evaluation", "Lazy Evaluation"] + [f"term{i} with several extra words" for i in range(200)]
    prompt = tr.library_prompt(model, show="Banana Data", hosts=["Ana Lima", "Bo Chen"], terms=terms)
    assert prompt.startswith("Welcome to the Banana Data podcast with Ana Lima and Bo Chen. Today we "
                             "talk about lazy evaluation, term0 with several extra words, term1 with")
    assert prompt.lower().count("lazy evaluation") == 1 and prompt.endswith(".")
    used = tr.count_prompt_tokens(model, prompt)
    assert tr.prompt_budget_tokens(model) - 12 < used <= tr.prompt_budget_tokens(model)


# -- transcription ------------------------------------------------------------------

FAST = dict(language="en", temperature=0.0, max_tokens=24, beam_size=1)


def test_transcript_is_whispers_segments_with_the_audio_duration(model, tiny_checkpoint):  # noqa: F811
    samples = noise(35.0, rate=SAMPLE_RATE_HZ, amplitude=0.2, seed=3)  # two 30-second windows
    seen: list[float] = []
    t = tr.transcribe(model, samples, source="whisper:test", title="Noise", progress=seen.append,
                      word_timestamps=False, **FAST)
    expected = whisper.transcribe(model.model, samples, fp16=False, language="en", temperature=0.0,
                                  sample_len=24, condition_on_previous_text=False)
    segments = [s for s in expected["segments"] if s["text"].strip()]
    assert segments, "the random model produced no text; the test would prove nothing"
    assert [u.text for u in t.utterances] == [" ".join(s["text"].split()) for s in segments]
    assert [(u.start, u.end) for u in t.utterances] == [
        (pytest.approx(s["start"]), pytest.approx(min(s["end"], 35.0))) for s in segments]
    assert t.duration == 35.0 and t.source == "whisper:test" and t.title == "Noise" and t.language == "en"
    assert all(u.speaker is None and not u.estimated for u in t.utterances)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(35.0)  # progress in audio seconds
    assert all(u.words == () for u in t.utterances)


def test_word_timestamps_give_words_inside_the_segments(model):
    # one second: with word timestamps whisper seeks to the last word's end, and a random
    # model's words end early, so longer audio means many more windows (and seconds)
    samples = tone(1.0, rate=SAMPLE_RATE_HZ, freq_hz=300.0)
    t = tr.transcribe(model, samples, source="s", word_timestamps=True, **FAST)
    words = [w for u in t.utterances for w in u.words]
    assert words, "word timestamps were asked for"
    assert all(0.0 <= w.start <= w.end <= 1.0 for w in words)
    assert all(u.start - 0.01 <= w.start <= u.end + 0.01 for u in t.utterances for w in u.words)


def test_silence_gives_an_empty_transcript_without_running_the_model(tmp_path):
    path = write_audio(tmp_path / "quiet.wav", np.zeros(3 * 16000, dtype=np.float32), rate=16000)
    samples = load_audio(path)
    t = tr.transcribe(None, samples, source="whisper:none")  # model is never touched
    assert t.utterances == () and t.duration == 3.0


def test_segments_are_clamped_to_the_audio_and_blank_ones_dropped():
    result = {"language": "en", "segments": [
        {"start": 0.0, "end": 1.0, "text": "  hello  world "},
        {"start": 1.0, "end": 1.0, "text": ""},
        {"start": 1.5, "end": 9.0, "text": "runs past the end"}]}
    t = tr.to_transcript(result, duration=2.0, source="whisper:x")
    assert t.utterances == (Utterance(0.0, 1.0, "hello world"), Utterance(1.5, 2.0, "runs past the end"))
    assert t.duration == 2.0 and t.language == "en"


def test_progress_hook_is_removed_after_a_failure(model):
    import importlib

    module = importlib.import_module("whisper.transcribe")
    original = module.tqdm

    def stop(seconds):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tr.transcribe(model, noise(2.0, rate=SAMPLE_RATE_HZ, amplitude=0.2), source="s", progress=stop,
                      word_timestamps=False, **FAST)
    assert module.tqdm is original


def _speech_after(seconds: float, total: float) -> np.ndarray:
    """Silence, then a tone standing for speech from ``seconds`` on."""
    quiet = np.zeros(int(seconds * SAMPLE_RATE_HZ), dtype=np.float32)
    return np.concatenate([quiet, tone(total - seconds, rate=SAMPLE_RATE_HZ)])


def test_speech_starts_where_the_audio_first_gets_loud():
    assert tr.speech_onset(_speech_after(5.0, 20.0)) == pytest.approx(5.0, abs=0.1)
    assert tr.speech_onset(_speech_after(0.0, 5.0)) == 0.0


@pytest.mark.parametrize("segments, skipped", [
    ([tr.Segment(5.2, 9.0, "Welcome to the show.")], False),
    ([tr.Segment(5.0, 9.0, " "), tr.Segment(9.5, 12.0, "the first words, late")], True),  # 4.5 s in
    ([tr.Segment(5.0, 33.0, "Only this sentence.")], True),  # a whole window, four words
    ([tr.Segment(5.0, 33.0, " ".join(["word"] * 40))], False),  # a whole window of talk
    ([], True),
])
def test_a_decode_that_skipped_the_start_of_the_speech_is_recognised(segments, skipped):
    assert tr.skipped_speech(segments, onset=5.0) is skipped


class _SkipsWhenPrompted(tr.SpeechModel):
    """Whisper as it behaves with a prompt that resembles the opening words: the first
    words it gives come well after the speech starts. No real model can be made to do
    this on demand, so this one is scripted; what is tested is what ``transcribe`` does
    with such a decode."""

    def __init__(self) -> None:
        super().__init__(tr.ModelSpec("scripted", None, Path(".")), None, "cpu")
        self.decodes: list[tuple[str | None, str | None]] = []

    def segments(self, samples, options, *, progress=None):
        self.decodes.append((options.prompt, options.hotwords))
        duration = len(samples) / SAMPLE_RATE_HZ
        if progress is not None:
            progress(duration)
        if options.prompt:
            return [tr.Segment(14.0, 18.0, "halfway through, the prompt's words")], "en"
        return [tr.Segment(5.0, 9.0, "Welcome to the show."),
                tr.Segment(14.0, 18.0, "halfway through")], "en"


def test_a_prompted_decode_that_skipped_speech_is_decoded_again_without_the_prompt():
    model, told, again = _SkipsWhenPrompted(), [], []
    t = tr.transcribe(model, _speech_after(5.0, 20.0), source="s", prompt="Welcome to the show.",
                      hotwords="In English Please", progress=told.append, retry_progress=again.append)
    assert t.utterances[0].text == "Welcome to the show." and t.utterances[0].start == 5.0
    # the first decode without the prompt did not skip: the hotwords are kept, no third decode
    assert model.decodes == [("Welcome to the show.", "In English Please"), (None, "In English Please")]
    assert told == [20.0] and again == [0.0, 20.0]  # the retry's progress, from the start


def test_a_decode_without_a_prompt_is_never_decoded_again():
    model = _SkipsWhenPrompted()
    tr.transcribe(model, _speech_after(5.0, 20.0), source="s")
    assert model.decodes == [(None, None)]
