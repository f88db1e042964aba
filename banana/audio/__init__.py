"""Audio: the first stage — decoding audio files with PyAV (``decode``), whisper
transcription (``transcribe``, which loads torch and whisper only when called), and
aligning a published transcript to the audio's timed one (``align``)."""
