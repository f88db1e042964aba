"""``banana serve`` and ``banana site``: the library as web pages, served or written."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from banana.cli import load, pass_library
from banana.cli._render import err_console, print_error, progress_bar
from banana.library import Library
from banana.search.archive import Archive
from banana.web.app import LOOPBACK_HOSTS
from banana.web.server import MAX_SEARCH_PROCESSES, MAX_WORKERS, is_loopback, listen, run, url_of
from banana.web.site import build_site, check_base_url

BUILD = "banana.cli.index:build_for_search"  # run when there is no index to search yet
PROGRESS_MIN_EPISODES = 10


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every network this machine is on).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=1, show_default=True,
              help="Processes answering requests (about one per core for a busy server).")
@click.option("--search-processes", type=click.IntRange(0, MAX_SEARCH_PROCESSES), default=None,
              help="Processes searching for each worker (default: one per core with one worker, "
                   "0 with more; 0 searches on a thread of the worker).")
@pass_library
def serve(library: Library, host: str, port: int, workers: int,
          search_processes: int | None) -> None:
    """Serve the library as web pages: search every episode and hear the exact moment.

    Pages: / (episodes, newest first), /search?q=..., /episodes/SLUG (#t=SECONDS
    opens it at that moment), /glossary and /solve; JSON at /api/search?q=...
    and /api/episodes/SLUG. An episode plays its audio URL, or a recording kept
    in its folder as audio.mp3 (or .m4a, .ogg, .opus, .flac, .wav, .webm).
    Builds the search index first when there is none. Ctrl-C stops it.

    \b
    Examples:
      banana serve
      banana --library ~/podcasts serve --port 8080
      banana serve --host 0.0.0.0 --port 80 --search-processes 4
    """
    sock = listen(host, port)
    try:
        if library.slugs() and Archive(library.root).needs_building():
            load(BUILD)(library.root)
        err_console.print(f"Serving {escape(str(library.root))} at {url_of(sock)} (Ctrl-C to stop)",
                          soft_wrap=True)
        run(library, sock, allowed_hosts=LOOPBACK_HOSTS if is_loopback(host) else None,
            workers=workers, search_processes=search_processes)
    finally:
        sock.close()


def _base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else check_base_url(value)


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL", callback=_base_url,
              help="Where the site will be published (links then start with its path) "
                   "[default: links relative to each page].")
@pass_library
def site(library: Library, out: Path, base_url: str | None) -> None:
    """Write the library as a static site into OUT: the same pages as 'banana serve',
    searched in the browser by Pagefind, for GitHub Pages, Netlify or any web host.

    Run it again after adding episodes: only the pages of new and changed episodes
    are rendered and only files whose content changed are written; the search
    index is rebuilt only when a page changed.

    \b
    Examples:
      banana site site/
      banana site public/ --base-url https://example.org/podcast/
    """
    slugs = library.slugs()
    with progress_bar(len(slugs) >= PROGRESS_MIN_EPISODES) as bar:
        task = bar.add_task("Writing", total=len(slugs))

        def advance(done: int, total: int, slug: str) -> None:
            bar.update(task, completed=done, total=total)

        report = build_site(library, out, base_url=base_url, progress=advance)
    for slug, why in report.failed:
        print_error(f"{slug}: {why}")
    parts = [f"{len(report.rendered)} rendered", f"{report.episodes - len(report.rendered) - len(report.failed)} unchanged"]
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    search = f"; search index: {report.pagefind or 'rebuilt'}" if report.indexed else "; search index unchanged"
    episodes = f"{report.episodes} episode{'' if report.episodes == 1 else 's'}"
    err_console.print(f"Site in {escape(str(report.out))}: {episodes} "
                      f"({', '.join(parts)}), {len(report.written)} files written, "
                      f"{len(report.removed)} removed{escape(search)} ({report.seconds:.1f} s)",
                      soft_wrap=True)
    if report.failed:
        raise click.exceptions.Exit(1)
