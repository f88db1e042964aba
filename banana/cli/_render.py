"""Shared rich consoles and rendering helpers for the CLI."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from banana.transcript import one_line

# emoji=False: ":x:" in a transcript prints as written, never as an emoji.
console = Console(highlight=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)  # one error, one line


def print_error(message: str) -> None:
    """``Error: message`` on stderr, on one line, for a failure that does not stop a batch."""
    click.secho("Error: ", fg="red", err=True, nl=False)
    click.echo(one_line(message), err=True)


def print_json(data) -> None:
    """Machine-readable JSON on stdout, never wrapped or coloured."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def progress_bar(enabled: bool = True, *, unit_column=None) -> Progress:
    """A rich progress bar on stderr (a no-op when disabled or not a terminal)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        unit_column or MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=True,
    )
