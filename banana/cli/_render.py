"""Shared rich consoles and small rendering helpers for the CLI."""

from __future__ import annotations

import json

from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_json(data) -> None:
    """Machine-readable JSON on stdout, never wrapped or coloured."""
    click_echo(json.dumps(data, ensure_ascii=False, indent=2))


def click_echo(text: str) -> None:
    import click

    click.echo(text)
