"""Shared fixtures: every test gets its own empty library folder, never the real one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
sys.path.insert(0, str(REPO / "bench"))  # the segmentation metrics live with the benchmarks


def pytest_report_header(config) -> list[str]:
    """Say once, at the top of the run, whether the real transcripts are here: without
    them the tests that read them are skipped, and a skip is not a pass."""
    if SHARED_CORPUS.is_dir():
        return [f"corpus: {SHARED_CORPUS} (tests on real transcripts run)"]
    return [f"corpus: {SHARED_CORPUS} is missing; the tests that read real transcripts are "
            "SKIPPED (put the shared corpus beside the checkout to run them)"]
BANANA_DATA = SHARED_CORPUS / "banana-data" / "s03e01-deepfakes-and-data-upskilling.txt"
PRACTICAL_AI = SHARED_CORPUS / "practicalai"
SAMPLES = REPO / "episodes" / "samples"

# A profile for the Practical AI show, naming its closing "learning resources" segment.
PAI_PROFILE = """
[show]
name = "Practical AI"
hosts = ["Daniel Whitenack", "Chris Benson"]

[segments.resources]
title = "Learning resources"
cues = ["learning resources"]
"""


@pytest.fixture(autouse=True)
def library(tmp_path_factory, monkeypatch) -> Path:
    """Point BANANA_LIBRARY at a fresh temp folder for every test."""
    path = tmp_path_factory.mktemp("library")
    monkeypatch.setenv("BANANA_LIBRARY", str(path))
    monkeypatch.delenv("BANANA_DEBUG", raising=False)
    return path


@pytest.fixture
def cli():
    """Run ``banana ARGS...`` in-process; returns the click Result."""
    from banana.cli import main

    runner = CliRunner()

    def run(*args, input=None, catch_exceptions=False):
        return runner.invoke(main, [str(a) for a in args], input=input,
                             catch_exceptions=catch_exceptions)

    return run


def need(path: Path) -> Path:
    """Skip a test that needs the shared corpus when it is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path
