"""The README's examples run: every ``banana ...`` line in its shell blocks that names
only the bundled sample episodes (no files of the reader's own) must succeed."""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import REPO

OWN_FILE = re.compile(r"[~*/]|\.(mp3|m4a|ogg|wav|txt|md|srt|vtt|json|toml|pt)$")
NEEDS_ELSEWHERE = {"transcribe", "align"}  # need audio or whisper weights of the reader's own


def readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("banana "):
                lines.append(line)
    return lines


def runnable(line: str) -> bool:
    args = shlex.split(line)[1:]
    if not args or args[0] in NEEDS_ELSEWHERE or args[0] == "--library":
        return False
    outputs = {args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")}
    return not any(OWN_FILE.search(a) for a in args if a not in outputs)


EXAMPLES = [line for line in readme_examples() if runnable(line)]


def test_the_readme_has_examples_for_the_main_commands():
    commands = {shlex.split(line)[1] for line in EXAMPLES}
    assert {"process", "export", "show", "search", "segments", "glossary", "teaser", "notes",
            "chapters", "solve", "index"} <= commands


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    import os

    from click.testing import CliRunner

    from banana.cli import main

    library = tmp_path_factory.mktemp("readme-library")
    old = os.environ.get("BANANA_LIBRARY")
    os.environ["BANANA_LIBRARY"] = str(library)
    try:
        assert CliRunner().invoke(main, ["process"]).exit_code == 0
    finally:
        if old is None:
            del os.environ["BANANA_LIBRARY"]
        else:
            os.environ["BANANA_LIBRARY"] = old
    return library


@pytest.mark.parametrize("line", EXAMPLES)
def test_readme_example_runs(line, processed, monkeypatch, tmp_path, cli):
    monkeypatch.setenv("BANANA_LIBRARY", str(processed))
    monkeypatch.chdir(tmp_path)  # where -o files land
    args = shlex.split(line)[1:]
    if "--embed" in args:
        pytest.skip("needs an MP3 of the reader's own")
    result = cli(*args)
    assert result.exit_code == 0, f"{line}\n{result.output}"
    assert "Traceback" not in result.output
