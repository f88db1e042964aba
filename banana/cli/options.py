"""Options several commands share, each checked by the library's own rule."""

from __future__ import annotations

from pathlib import Path

import click

from banana.errors import LibraryError
from banana.library import check_audio_url, check_slug


# Input files of a batch: click checks nothing (not even that a file is readable), so
# that a file that cannot be read is reported on its own line by its reader and the
# rest of the batch still runs.
INPUT_FILES = click.Path(path_type=Path, readable=False)


def _checked(check):
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check(value)
        except LibraryError as exc:
            raise click.BadParameter(str(exc)) from None
    return callback


def slug_option(help_text: str):
    """``--slug``: a valid episode slug (letters, digits and '-')."""
    return click.option("--slug", callback=_checked(check_slug), help=help_text)


def audio_url_option(help_text: str):
    """``--audio-url``: an absolute http(s) URL."""
    return click.option("--audio-url", callback=_checked(check_audio_url), metavar="URL",
                        help=help_text)
