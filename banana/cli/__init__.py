"""The ``banana`` command: a click group whose subcommands load lazily.

Each command lives in a module of this package, named in ``COMMANDS``; a module is
imported only when its command runs (or help lists it), so ``banana --help`` never
pulls in torch or whisper. Library errors (``BananaError``) become one-line
``Error: ...`` messages with exit code 1; set ``BANANA_DEBUG=1`` for tracebacks.

The group hands commands the library folder (``LibraryFolder``, ``pass_folder``); the
``Library`` object, whose module loads the analysis, is built only for the commands
that take it (``pass_library``), so ``banana search`` imports nothing but the index
and the query code.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

import banana
from banana.errors import BananaError, OptionError
from banana.fsutil import LIBRARY_ENV, default_library_path
from banana.transcript import one_line

# command name -> "module:attribute"; adding a command is one line here.
COMMANDS = {
    "process": "banana.cli.process:process",
    "import": "banana.cli.transcripts:import_",
    "export": "banana.cli.transcripts:export",
    "show": "banana.cli.transcripts:show",
    "list": "banana.cli.transcripts:list_",
    "transcribe": "banana.cli.audio:transcribe",
    "align": "banana.cli.audio:align",
    "segments": "banana.cli.analysis:segments",
    "glossary": "banana.cli.analysis:glossary",
    "teaser": "banana.cli.analysis:teaser",
    "index": "banana.cli.index:index",
    "search": "banana.cli.search:search",
    "notes": "banana.cli.publish:notes",
    "chapters": "banana.cli.publish:chapters",
    "solve": "banana.cli.solve:solve",
    "feed": "banana.cli.feed:feed",
    "serve": "banana.cli.web:serve",
    "site": "banana.cli.web:site",
}


def _available(target: str) -> bool:
    return importlib.util.find_spec(target.partition(":")[0]) is not None


def load(target: str) -> Any:
    """The object a ``"module:attribute"`` target names, its module imported on first use
    (how commands, and the library for the commands that take one, load lazily)."""
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class BananaGroup(click.Group):
    """Lazy subcommands, and BananaError mapped to a clean one-line error."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in COMMANDS.items() if _available(target)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None or not _available(target):
            return None
        return load(target)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BananaError as exc:
            if os.environ.get("BANANA_DEBUG"):
                raise
            if isinstance(exc, OptionError):
                raise click.UsageError(one_line(str(exc))) from None
            raise click.ClickException(one_line(str(exc))) from None


@dataclass(frozen=True)
class LibraryFolder:
    """The folder of the library a command works on: ``--library``, else
    ``$BANANA_LIBRARY``, else ``episodes/``."""

    root: Path


pass_folder = click.make_pass_decorator(LibraryFolder)
LIBRARY = "banana.library:Library"  # built for the commands that take a library


def pass_library(command):
    """Call ``command`` with a ``banana.library.Library`` for the group's folder as its
    first argument."""
    @click.pass_context
    def with_library(ctx: click.Context, *args, **kwargs):
        folder = ctx.find_object(LibraryFolder) or LibraryFolder(default_library_path())
        return ctx.invoke(command, load(LIBRARY)(folder.root), *args, **kwargs)
    return functools.update_wrapper(with_library, command)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"banana, version {banana.__version__}")
        ctx.exit()


@click.group(cls=BananaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and exit.")
@click.option(
    "--library",
    type=click.Path(file_okay=False, path_type=str),
    envvar=LIBRARY_ENV,
    help="Library folder holding one folder per episode [default: episodes/, or $BANANA_LIBRARY].",
)
@click.pass_context
def main(ctx: click.Context, library: str | None) -> None:
    """Banana: turn podcast episodes into transcripts, chapters, show notes and a
    searchable archive, and solve the brain teasers.

    \b
    Quick tour:
      banana process                      # the bundled sample episodes, end to end
      banana import episode.md            # store a transcript you already have
      banana search "federated learning"  # land on the exact moment
      banana solve 2 2 --target 5 --ops wild
    """
    ctx.obj = LibraryFolder(Path(library) if library is not None else default_library_path())
