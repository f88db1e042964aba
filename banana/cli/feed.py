"""``banana feed``: follow a podcast's RSS feed, import its episodes, publish back into it."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from banana.audio.transcribe import DEFAULT_BEAM_SIZE, normalise_language
from banana.cli import pass_library
from banana.cli.audio import engine_options
from banana.cli._render import console, err_console, print_error, print_json, progress_bar
from banana.feeds.fetch import FetchPolicy
from banana.feeds.store import FeedRecord
from banana.library import Library
from banana.pipeline.feeds import (FeedItemStatus, RayOptions, add_feed, feed_records, feed_status,
                                   publish_feed, update_feeds)
from banana.transcript import format_timestamp

MB = 1024 * 1024


@click.group()
def feed() -> None:
    """Follow a podcast's RSS feed: import its episodes (the transcripts it links, or
    its audio, transcribed) and publish transcripts and chapters back into it.

    \b
    Examples:
      banana feed add https://example.com/podcast/rss
      banana feed update
      banana feed show my-show
      banana feed publish --base-url https://example.com/files public/
    """


def _summary(record: FeedRecord) -> str:
    items = record.feed.items
    linked = sum(1 for i in items if i.transcripts)
    audio = sum(1 for i in items if not i.transcripts and i.enclosure and i.enclosure.kind in ("audio", "video"))
    live = f", {record.feed.live_items} live items passed over" if record.feed.live_items else ""
    return (f"{record.name}: {record.feed.title or '(untitled)'}: {len(items)} items "
            f"({linked} with a transcript, {audio} to transcribe){live}")


@feed.command("add")
@click.argument("source", metavar="URL|FILE")
@click.option("--name", help="What to call the feed in this library [default: from the show's title].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for a stalled server.")
@pass_library
def add(library: Library, source: str, name: str | None, timeout: float) -> None:
    """Follow a podcast feed (its URL, or a feed file): read the show and its items.
    'banana feed update' then imports the episodes.

    \b
    Examples:
      banana feed add https://example.com/podcast/rss
      banana feed add downloaded-feed.xml --name my-show
    """
    record = add_feed(library, source, name=name, policy=FetchPolicy(timeout_seconds=timeout))
    console.print(escape(_summary(record)))


@feed.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_library
def list_(library: Library, as_json: bool) -> None:
    """List the feeds this library follows.

    \b
    Example:
      banana feed list
    """
    records = feed_records(library)
    if as_json:
        print_json({"feeds": [{"name": r.name, "title": r.feed.title, "source": r.source,
                               "items": len(r.feed.items), "failed": len(r.failures)} for r in records]})
        return
    if not records:
        err_console.print("No feeds followed yet. Try 'banana feed add URL'.")
        return
    table = Table("name", "show", "items", "failed", "source")
    for r in records:
        table.add_row(escape(r.name), escape(r.feed.title), str(len(r.feed.items)), str(len(r.failures)),
                      escape(r.source))
    console.print(table)


def _row(status: FeedItemStatus) -> dict:
    return {**status.item.to_dict(), "slug": status.slug, "imported": status.imported,
            "error": status.error}


@feed.command("show")
@click.argument("name", metavar="FEED")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_library
def show(library: Library, name: str, as_json: bool) -> None:
    """Show a followed feed: the show, and each item with its date, duration,
    enclosure, transcript links, chapters, persons and whether it is imported.

    \b
    Examples:
      banana feed show my-show
      banana feed show my-show --json
    """
    record, rows = feed_status(library, name)
    if as_json:
        f = record.feed
        print_json({"name": record.name, "source": record.source, "url": record.url,
                    "title": f.title, "author": f.author, "image": f.image, "link": f.link,
                    "language": f.language, "live_items": f.live_items,
                    "items": [_row(r) for r in rows]})
        return
    console.print(f"[bold]{escape(record.feed.title)}[/bold]")
    about = [record.feed.author or "", record.source, f"{len(rows)} items",
             f"{sum(r.imported for r in rows)} imported"]
    console.print("[dim]" + escape(" · ".join(a for a in about if a)) + "[/dim]")
    table = Table("published", "#", "title", "length", "transcripts", "episode")
    for r in rows:
        item = r.item
        number = f"{item.season}x{item.episode}" if item.season and item.episode else str(item.episode or "")
        kinds = ", ".join(t.type.split("/")[-1] for t in item.best_transcripts)
        state = (escape(r.slug or "") if r.imported else
                 ("[red]failed[/red]" if r.error else
                  ("audio" if item.enclosure and not item.transcripts else "-")))
        table.add_row((item.published or "")[:10], number, escape(item.title),
                      format_timestamp(item.duration) if item.duration else "", escape(kinds), state)
    console.print(table)
    for r in rows:
        if r.error:
            print_error(f"{r.item.title!r}: {r.error}")


@feed.command("update")
@click.argument("names", nargs=-1, metavar="[FEED]...")
@engine_options
@click.option("--language", help="Spoken language of items to transcribe [default: detect].")
@click.option("--word-timestamps/--no-word-timestamps", default=True, show_default=True,
              help="Time every word of transcribed items.")
@click.option("--beam-size", type=click.IntRange(1, 16), default=DEFAULT_BEAM_SIZE, show_default=True,
              help="Beam search width for transcribed items (1 is greedy, fastest).")
@click.option("--temperature", type=click.FloatRange(0.0, 1.0), help="Decode once at this temperature.")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Longest decode per 30 s window, in tokens.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Run items on Ray with this many workers (a local Ray, started for the run; "
                   "with --ray-address, default: one per GPU, else per CPU of the cluster).")
@click.option("--ray-address", metavar="ADDRESS",
              help="Run items on the Ray cluster at ADDRESS (e.g. ray://head:10001, or 'auto').")
@click.option("--gpus-per-worker", type=click.FloatRange(min=0.0),
              help="GPUs each Ray worker takes [default: 1 when the cluster has GPUs, else 0].")
@click.option("--limit", type=click.IntRange(min=1), help="Import at most this many items per feed.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for a stalled server.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Tries after the first for timeouts, dropped connections and 5xx answers.")
@click.option("--max-audio-mb", type=click.IntRange(min=1), default=2048, show_default=True,
              help="Refuse an enclosure larger than this.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (each item's outcome).")
@pass_library
def update(library: Library, names: tuple[str, ...], engine: str | None, model: str | None,
           model_dir: Path | None, speakers: int | str | None, language: str | None, word_timestamps: bool,
           beam_size: int, temperature: float | None, max_tokens: int | None,
           workers: int | None, ray_address: str | None, gpus_per_worker: float | None,
           limit: int | None, timeout: float, retries: int, max_audio_mb: int, as_json: bool) -> None:
    """Fetch followed feeds (each FEED, or all) and import every new item: the
    transcript the feed links (speakers kept), else the audio enclosure, downloaded
    and transcribed. Requests are conditional, so an unchanged feed costs one small
    request. A failed item is reported on one line and tried again next time.

    A back catalogue runs on Ray with --workers N (a local Ray) or --ray-address
    (a cluster; GPU workers where it has GPUs); a killed run resumes where it stopped.

    \b
    Examples:
      banana feed update
      banana feed update my-show --model small
      banana feed update my-show --workers 8
      banana feed update --ray-address ray://head:10001 --workers 32 --model large-v3
    """
    whisper = {"engine": engine, "model": model, "model_dir": model_dir, "speakers": speakers,
               "language": _language(language), "word_timestamps": word_timestamps, "beam_size": beam_size,
               "temperature": temperature, "max_tokens": max_tokens}
    ray = RayOptions(workers=workers, address=ray_address, gpus_per_worker=gpus_per_worker) \
        if (workers or ray_address) else None
    if ray is not None:
        ray.check()
    policy = FetchPolicy(timeout_seconds=timeout, retries=retries, max_audio_bytes=max_audio_mb * MB)
    with progress_bar(not as_json) as progress:
        task = progress.add_task("Updating", total=None)

        def tick(what: str, done: int, total: int) -> None:
            progress.update(task, description=escape(what[:60]), completed=done, total=total or None)

        results = update_feeds(library, names, policy=policy, whisper=whisper, ray=ray, progress=tick,
                               limit=limit)
    failed = 0
    for r in results:  # each failure on one line of its own, whatever the output
        for error in ([f"{r.name}: {r.error}"] if r.error else
                      [f"{o.label}: {o.error}" for o in r.outcomes if o.error]):
            failed += 1
            print_error(error)
    if as_json:
        print_json({"feeds": [{"name": r.name, "status": r.status, "changed": r.changed, "error": r.error,
                               "refreshed": r.refreshed, "skipped": r.skipped,
                               "items": [{"key": o.key, "slug": o.slug, "how": o.how, "error": o.error}
                                         for o in r.outcomes]} for r in results]})
    else:
        table = Table("feed", "fetched", "imported", "transcribed", "updated", "failed",
                      title=f"Feeds updated in {escape(str(library.root))}")
        for r in results:
            if r.error:
                continue
            fetched = "not modified" if r.status == 304 else ("changed" if r.changed else "unchanged")
            table.add_row(escape(r.name), fetched, str(sum(o.how == "transcript" for o in r.outcomes)),
                          str(sum(o.how == "transcribed" for o in r.outcomes)), str(r.refreshed),
                          str(sum(o.how == "failed" for o in r.outcomes)))
        console.print(table)
    if failed:
        err_console.print(f"{failed} failed; they are tried again on the next update.")
        raise click.exceptions.Exit(1)


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_language(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--language") from None


@feed.command("publish")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path), metavar="OUT/")
@click.option("--base-url", required=True, metavar="URL",
              help="Where OUT/ will be served from: the feed links the files under it.")
@click.option("--feed", "name", metavar="FEED", help="Which feed [default: the one this library follows].")
@pass_library
def publish(library: Library, out: Path, base_url: str, name: str | None) -> None:
    """Write each imported episode's transcript (SRT, VTT, Podcasting 2.0 JSON) and
    chapters to OUT/<slug>/, and OUT/feed.xml: a copy of the feed with
    <podcast:transcript> and <podcast:chapters> tags linking them added to each item,
    every other byte as the host wrote it. Upload OUT/ to --base-url and point
    your host at the new feed (or copy the tags); the original is never overwritten.

    \b
    Example:
      banana feed publish --base-url https://example.com/files public/
    """
    result = publish_feed(library, out, base_url=base_url, name=name)
    for note in result.skipped:
        err_console.print(escape(note))
    kept = f", {result.kept_chapters} items kept their own chapters" if result.kept_chapters else ""
    console.print(escape(f"Wrote {result.feed}: {result.transcripts} transcript and {result.chapters} "
                         f"chapters tags on {result.episodes} episodes{kept} "
                         f"({len(result.written)} files changed)"))
