"""``banana feed``: a podcast's RSS feed followed by the library. ``add_feed`` reads a feed
and stores it (``.feeds/<name>/``, see banana.feeds.store) with the slug each item will
have; ``update_feeds`` fetches it again (conditionally) and imports every item not yet
stored: the published transcript the feed links, else the audio enclosure, downloaded
and transcribed; each episode is stored with its feed item (``FeedOrigin``), analysed,
and the index is brought up to date once at the end. Per-item work is a ``FeedJob``
run by ``run_feed_job``, in this process (the default) or on Ray workers
(``workers``/``ray_address``): the job writes its episode itself, atomically
(transcript.json last), so a killed run loses nothing finished and the next run does
only what is missing; one failing item never stops the others. ``publish_feed`` writes
the transcripts and chapters for upload and a copy of the feed that links them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote

from banana.audio.decode import load_audio
from banana.errors import BananaError, FeedError, LibraryError, OptionError
from banana.feeds.fetch import Fetcher, FetchPolicy, remove_download, transcript_type_problem
from banana.feeds.html import html_transcript_text
from banana.feeds.model import CHAPTERS_TYPE, ChaptersLink, Feed, Item, TranscriptLink
from banana.feeds.parse import parse_feed
from banana.feeds.rewrite import Tags, add_podcast_tags
from banana.feeds.store import FeedRecord, FeedStore, sha256_hex
from banana.formats import decode_text, parse_transcript, write_transcript
from banana.fsutil import UnreadableFile, open_regular, write_if_changed
from banana.library import SLUG_MAX_CHARS, FeedOrigin, Library, check_slug, slugify
from banana.pipeline import AUDIO_SUFFIXES, Transcriber, analyse_stored, update_index
from banana.publish.chapters import episode_chapters, write_chapters
from banana.transcript import Transcript, web_url_problem

FEED_SLUG_SUFFIX_MAX = 10_000  # "-2", "-3", ... for items whose titles give one slug
_AUDIO_EXTENSIONS = {"audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg",
                     "audio/opus": ".opus", "audio/flac": ".flac", "audio/wav": ".wav",
                     "audio/x-wav": ".wav", "video/mp4": ".mp4", "video/webm": ".webm",
                     "audio/webm": ".webm"}
FeedProgress = Callable[[str, int, int], None]  # (what, done, total)


def is_feed_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _read_feed_file(path: Path, cap: int) -> bytes:
    try:
        with open_regular(path) as fh:
            data = fh.read(cap + 1)
    except UnreadableFile as exc:
        raise FeedError(f"{path}: {exc}") from None
    except OSError as exc:
        raise FeedError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise FeedError(f"{path}: larger than any podcast feed (over {cap // 2**20} MiB)")
    return data


def _feed_name(feed: Feed, source: str) -> str:
    return slugify(feed.title) or slugify(Path(source.rstrip("/")).stem) or "feed"


def _claimed_slugs(library: Library, store: FeedStore, name: str) -> set[str]:
    """Slugs another feed's items hold (stored or not yet stored)."""
    claimed: set[str] = set()
    for other in store.names():
        if other != name:
            try:
                claimed.update(store.load(other).slugs.values())
            except FeedError:
                continue
    return claimed


def _carry_slugs(old: FeedRecord | None, feed: Feed) -> dict[str, str]:
    """The slugs of items an earlier read of the feed already named: by key, else (a
    guid that became shared, a guid the host changed) by guid and enclosure together,
    else by enclosure URL and title."""
    if old is None:
        return {}
    by_key = dict(old.slugs)
    by_guid_url: dict[tuple, str] = {}
    by_url_title: dict[tuple, str] = {}
    for item in old.feed.items:
        slug = old.slugs.get(item.key)
        if slug and item.enclosure:
            by_guid_url.setdefault((item.guid, item.enclosure.url), slug)
            by_url_title.setdefault((item.enclosure.url, item.title), slug)
    carried = {}
    used: set[str] = set()
    for item in feed.items:
        url = item.enclosure.url if item.enclosure else None
        for slug in (by_key.get(item.key), by_guid_url.get((item.guid, url)) if url else None,
                     by_url_title.get((url, item.title)) if url else None):
            if slug and slug not in used:
                carried[item.key] = slug
                used.add(slug)
                break
    return carried


def _item_slugs(library: Library, store: FeedStore, name: str, feed: Feed,
                old: FeedRecord | None) -> dict[str, str]:
    """Each item's slug: the one it had, else one from its title that no other
    episode, folder or feed item holds (``-2``, ``-3``... when titles repeat), given
    oldest first so the first of a repeated title keeps the plain slug."""
    slugs = _carry_slugs(old, feed)
    taken = set(slugs.values()) | _claimed_slugs(library, store, name)
    for item in sorted(feed.items, key=lambda i: i.order_key):
        if item.key in slugs:
            continue
        base = slugify(item.title) or f"{name}-{len(feed.items) - item.position}"
        for n in range(1, FEED_SLUG_SUFFIX_MAX):
            slug = base if n == 1 else f"{base[:SLUG_MAX_CHARS - 6].rstrip('-')}-{n}"
            if slug in taken:
                continue
            if (library.root / slug).exists():
                origin = _origin_or_none(library, slug)
                if origin is None or origin.feed != name or not _same_item(origin.item, item):
                    continue  # an episode or folder of something else
            break
        else:  # pragma: no cover - ten thousand items of one title
            raise FeedError(f"{name}: too many items titled {item.title!r}")
        slugs[item.key] = slug
        taken.add(slug)
    return slugs


def _origin_or_none(library: Library, slug: str) -> FeedOrigin | None:
    try:
        return library.feed_origin(slug)
    except (LibraryError, OSError):
        return None


def add_feed(library: Library, source: str, *, name: str | None = None,
             policy: FetchPolicy | None = None) -> FeedRecord:
    """``banana feed add``: read a feed (a URL, fetched; or a file), store it and the
    slug each item will have. Adding a feed again reads it again (same name, same
    source); a name another feed holds is refused."""
    policy = policy or FetchPolicy()
    store = FeedStore(library.root)
    if name is not None:
        check_slug(name)
    if is_feed_url(source):
        with Fetcher(policy) as fetcher:
            got = fetcher.get(source, max_bytes=policy.max_feed_bytes)
        raw, base, validators = got.content, got.url, (got.etag, got.last_modified)
    else:
        path = Path(source).expanduser().resolve()
        raw, base, validators, source = _read_feed_file(path, policy.max_feed_bytes), None, (None, None), str(path)
    feed = parse_feed(raw, base_url=base, name=source)
    name = name or _feed_name(feed, source)
    old = store.load(name) if name in store else None
    if old is not None and old.source != source:
        raise FeedError(f"a feed named {name!r} is followed already (from {old.source}); "
                        "give this one another --name")
    record = FeedRecord(name=name, source=source, feed=feed,
                        slugs=_item_slugs(library, store, name, feed, old),
                        failures=old.failures if old else {}, url=base,
                        etag=validators[0], last_modified=validators[1], sha256=sha256_hex(raw))
    store.save(record, raw)
    return record


def feed_records(library: Library) -> list[FeedRecord]:
    """``banana feed list``: every feed the library follows."""
    store = FeedStore(library.root)
    return [store.load(name) for name in store.names()]


@dataclass(frozen=True)
class FeedItemStatus:
    item: Item
    slug: str | None
    imported: bool
    error: str | None = None  # why the last update could not import it


def feed_status(library: Library, name: str) -> tuple[FeedRecord, list[FeedItemStatus]]:
    """``banana feed show``: the feed as stored, and each item's state in the library."""
    record = FeedStore(library.root).load(name)
    rows = [FeedItemStatus(item, record.slugs.get(item.key),
                           _is_imported(library, record, item), record.failures.get(item.key))
            for item in record.feed.items]
    return record, rows


def _is_imported(library: Library, record: FeedRecord, item: Item) -> bool:
    slug = record.slugs.get(item.key)
    if not slug or slug not in library:
        return False
    origin = _origin_or_none(library, slug)
    return origin is not None and origin.feed == record.name and _same_item(origin.item, item)


def _same_item(stored: Item, item: Item) -> bool:
    """One item across two reads of its feed: the same key, or (its key changed because
    another item copied its guid, or the host changed the guid) the same guid and
    enclosure, or the same enclosure and title."""
    if stored.key == item.key:
        return True
    if stored.enclosure is None or item.enclosure is None or stored.enclosure.url != item.enclosure.url:
        return False
    return stored.guid == item.guid or stored.title == item.title


def item_label(feed: str, item: Item) -> str:
    """How a message names an item: ``feed: "title" (guid)``."""
    ident = item.guid or item.key
    return f"{feed}: {item.title or '(untitled)'!r} ({ident})"


@dataclass(frozen=True)
class FeedJob:
    """One item to bring into the library: everything a worker needs, picklable."""

    library_root: str
    feed: str
    show: str
    item: Item
    slug: str
    downloads: str  # folder for the enclosure while it is transcribed

    @property
    def label(self) -> str:
        return item_label(self.feed, self.item)


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one item: ``how`` is ``transcript`` (the feed's, imported),
    ``transcribed`` (the enclosure, by whisper) or ``failed`` (``error`` says why)."""

    feed: str
    key: str
    label: str
    slug: str
    how: str
    error: str | None = None


def needs_audio(item: Item) -> bool:
    """True when the item would be transcribed (no transcript link, an audio or video
    enclosure)."""
    return not item.transcripts and item.enclosure is not None and item.enclosure.kind in ("audio", "video")


def nothing_to_import(item: Item) -> bool:
    """An item with no transcript link and no audio or video enclosure (a text post, an
    image): passed over, not a failure."""
    return not item.transcripts and (item.enclosure is None or item.enclosure.kind not in ("audio", "video"))


def importable_problem(item: Item) -> str | None:
    """Why an item has nothing to import, or None."""
    if item.transcripts:
        return None
    if item.enclosure is None:
        return "no transcript link and no enclosure"
    if item.enclosure.kind not in ("audio", "video"):
        return f"no transcript link, and the enclosure is {item.enclosure.media_type or 'of no known type'}, not audio"
    if web_url_problem(item.enclosure.url):
        return f"enclosure URL {item.enclosure.url!r} cannot be fetched (relative, with no feed address to resolve it)"
    return None


def _published_transcript(fetcher: Fetcher, item: Item) -> Transcript:
    """The richest published transcript of the item that can be fetched and read;
    the first link's error when none can."""
    errors = []
    for link in item.best_transcripts:
        try:
            got = fetcher.get(link.url, max_bytes=fetcher.policy.max_transcript_bytes,
                              type_problem=lambda media, link=link: transcript_type_problem(media, link.type))
            text = decode_text(got.content, got.url)
            html = "html" in (got.content_type or link.type)
            if html:  # as "[time] Speaker: text" paragraphs, which the published-text reader takes
                text = html_transcript_text(text, name=got.url)
            transcript = parse_transcript(text, name=got.url, format="txt" if html else None)
        except BananaError as exc:
            errors.append(str(exc))
            continue
        if link.language and not transcript.language:
            transcript = transcript.replace(language=link.language)
        return transcript
    more = f" (and {len(errors) - 1} more transcript links failed)" if len(errors) > 1 else ""
    raise FeedError(f"{errors[0]}{more}")


def _download_path(job: FeedJob) -> Path:
    enclosure = job.item.enclosure
    suffix = Path(enclosure.url.split("?")[0]).suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        suffix = _AUDIO_EXTENSIONS.get(enclosure.media_type, ".audio")
    return Path(job.downloads) / f"{job.slug}{suffix}"


def run_feed_job(job: FeedJob, *, fetcher: Fetcher, transcriber: Transcriber | None,
                 library: Library | None = None) -> ItemOutcome:
    """Import one item (its published transcript, else its enclosure transcribed),
    store it with its feed item and analyse it. Any failure is this item's outcome;
    nothing is stored for a failed item, and a download is kept (``.part``) to resume.
    ``library`` is the job's library when the caller has it open already."""
    library = library if library is not None and str(library.root) == job.library_root \
        else Library(job.library_root)
    origin = FeedOrigin(job.feed, job.show, job.item)
    try:
        problem = importable_problem(job.item)
        if problem:
            raise FeedError(problem)
        if job.item.transcripts:
            transcript, how, audio = _published_transcript(fetcher, job.item), "transcript", None
        else:
            if transcriber is None:
                raise OptionError("this item needs transcribing: give a whisper --model")
            audio = fetcher.download(job.item.enclosure.url, _download_path(job)).path
            transcript = transcriber(library, load_audio(audio), title=job.item.title, show=job.show)
            how = "transcribed"
        library.store(transcript, job.slug, origin=origin)
        analyse_stored(library, job.slug)
        if audio is not None:
            remove_download(audio)
    except BananaError as exc:
        return ItemOutcome(job.feed, job.item.key, job.label, job.slug, "failed", one_line_error(exc))
    except OSError as exc:
        where = exc.filename2 or exc.filename
        return ItemOutcome(job.feed, job.item.key, job.label, job.slug, "failed",
                           f"cannot write {where or ''}: {exc.strerror or exc}")
    return ItemOutcome(job.feed, job.item.key, job.label, job.slug, how)


def one_line_error(exc: BaseException) -> str:
    return " ".join(str(exc).split())


class FeedWorker:
    """A Ray actor's state: one HTTP client and one whisper model for all its jobs (the
    model is loaded on its first audio item, on the worker's own GPU when it has one)."""

    def __init__(self, policy: FetchPolicy, transcriber_options: dict | None) -> None:
        self.fetcher = Fetcher(policy)
        self.options = transcriber_options
        self.transcriber: Transcriber | None = None
        self.library: Library | None = None

    def run(self, job: FeedJob) -> ItemOutcome:
        if self.transcriber is None and self.options is not None and needs_audio(job.item):
            self.transcriber = Transcriber(**self.options)
        if self.library is None or str(self.library.root) != job.library_root:
            self.library = Library(job.library_root)
        return run_feed_job(job, fetcher=self.fetcher, transcriber=self.transcriber, library=self.library)


def _transcriber_options(transcriber: Transcriber | None) -> dict | None:
    """What a worker needs to make the same Transcriber; the device is left for each
    worker to pick (its GPU, where it has one)."""
    if transcriber is None:
        return None
    options = {f.name: getattr(transcriber, f.name) for f in fields(transcriber) if f.init}
    options["device"] = None
    return options


@dataclass(frozen=True)
class RayOptions:
    """Where per-item jobs run: ``workers`` Ray actors (one CPU each, and one GPU each
    when the cluster has GPUs and ``gpus_per_worker`` is None), on a local Ray started
    for the run (``workers`` CPUs, 2 by default) or on the cluster at ``address`` (as
    many workers as it has GPUs, else CPUs, by default)."""

    workers: int | None = None
    address: str | None = None
    gpus_per_worker: float | None = None

    def check(self) -> None:
        """Refuse the options before any work when Ray is not installed."""
        if find_spec("ray") is None:
            raise OptionError("--workers and --ray-address need Ray: pip install 'banana[scale]'")


LOCAL_RAY_WORKERS = 2
RAY_NICENESS_ENV = "RAY_worker_niceness"  # read by the Ray it starts


def _run_on_ray(jobs: Sequence[FeedJob], options: RayOptions, policy: FetchPolicy,
                transcriber: Transcriber | None, done: Callable[[ItemOutcome], None]) -> None:
    import ray  # the optional 'scale' extra, loaded only for a run on Ray

    started = False
    if not ray.is_initialized():
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        try:
            quiet = dict(log_to_driver=False, logging_level=logging.ERROR)  # Ray's notices are not ours
            if options.address:
                ray.init(address=options.address, **quiet)
            else:
                # A local Ray listens on loopback only: nothing of it is reachable from
                # elsewhere. Its workers are this command's own work, so they run at the
                # command's priority (Ray's default, niceness 15, hands their CPU to any
                # other work on the machine: slower than no Ray at all when it is busy).
                os.environ.setdefault(RAY_NICENESS_ENV, "0")
                ray.init(num_cpus=options.workers or LOCAL_RAY_WORKERS, include_dashboard=False,
                         _node_ip_address="127.0.0.1", **quiet)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise OptionError(f"cannot start or reach Ray ({one_line_error(exc)})") from None
        started = True
    try:
        resources = ray.cluster_resources()
        count = options.workers or max(1, int(resources.get("GPU", 0) or resources.get("CPU", 1)))
        gpus = options.gpus_per_worker
        if gpus is None:
            available = resources.get("GPU", 0)
            gpus = min(1.0, available / count) if available else 0
        actor = ray.remote(num_cpus=1, num_gpus=gpus, max_restarts=1)(FeedWorker)
        worker_options = _transcriber_options(transcriber)
        queue = list(reversed(jobs))
        running: dict = {}

        def give(worker) -> None:
            if queue:
                job = queue.pop()
                running[worker.run.remote(job)] = (worker, job)

        for _ in range(min(count, len(jobs))):
            give(actor.remote(policy, worker_options))
        while running:
            ready, _ = ray.wait(list(running), num_returns=1)
            worker, job = running.pop(ready[0])
            try:
                outcome = ray.get(ready[0])
            except ray.exceptions.RayError as exc:  # the worker died (memory, a crash): a new one
                outcome = ItemOutcome(job.feed, job.item.key, job.label, job.slug, "failed",
                                      f"the worker running it failed ({type(exc).__name__})")
                ray.kill(worker, no_restart=True)
                worker = actor.remote(policy, worker_options)
            done(outcome)
            give(worker)
    finally:
        if started:
            ray.shutdown()


@dataclass(frozen=True)
class FeedUpdate:
    """What ``update_feeds`` did to one feed: ``status`` of its fetch (200, 304, or
    None for a feed file), whether its bytes changed, items whose metadata changed
    (their episodes re-stored), and each item it tried to import."""

    name: str
    status: int | None = None
    changed: bool = False
    outcomes: tuple[ItemOutcome, ...] = ()
    refreshed: int = 0
    skipped: int = 0  # items with nothing to import (no transcript, no audio)
    error: str | None = None  # the feed itself could not be fetched or read


def _refetch(record: FeedRecord, fetcher: Fetcher) -> tuple[bytes | None, int | None, FeedRecord]:
    """The feed's new bytes (None when unchanged), the fetch's status, and the record
    with the new validators."""
    if record.is_file:
        raw = _read_feed_file(Path(record.source), fetcher.policy.max_feed_bytes)
        return (None if sha256_hex(raw) == record.sha256 else raw), None, record
    got = fetcher.get(record.source, max_bytes=fetcher.policy.max_feed_bytes,
                      etag=record.etag, last_modified=record.last_modified)
    record = replace(record, url=got.url, etag=got.etag or record.etag,
                     last_modified=got.last_modified or record.last_modified)
    if got.status == 304 or sha256_hex(got.content) == record.sha256:
        return None, got.status, record
    return got.content, got.status, record


def update_feeds(library: Library, names: Sequence[str] = (), *, policy: FetchPolicy | None = None,
                 whisper: dict | None = None, ray: RayOptions | None = None,
                 progress: FeedProgress | None = None, limit: int | None = None) -> list[FeedUpdate]:
    """``banana feed update``: for each feed (all when none named) fetch it again
    (conditionally), record what changed, and import every item not yet in the
    library (``limit``: at most this many per feed), in this process or on Ray; then
    update the search index once. ``whisper`` holds the ``Transcriber``'s options for
    items that must be transcribed (the model is resolved, and a bad one refused,
    before the first such item). A feed that cannot be fetched is reported and the
    rest go on; a failed item is reported, recorded, and tried again next time."""
    policy = policy or FetchPolicy()
    store = FeedStore(library.root)
    library.tidy()  # what a killed run left: temp files, empty episode folders
    store.tidy()
    tick = progress or (lambda what, done, total: None)
    results = []
    stored_any = False
    transcriber: Transcriber | None = None
    with Fetcher(policy) as fetcher:
        for name in names or store.names():
            record = store.load(name)
            try:
                raw, status, record = _refetch(record, fetcher)
                if raw is not None:
                    feed = parse_feed(raw, base_url=record.url, name=record.source)
                    record = replace(record, feed=feed, sha256=sha256_hex(raw),
                                     slugs=_item_slugs(library, store, name, feed, record))
                store.save(record, raw)
            except BananaError as exc:
                results.append(FeedUpdate(name, error=one_line_error(exc)))
                continue
            refreshed = _refresh_imported(library, record)
            todo, skipped = [], 0
            for item in sorted(record.feed.items, key=lambda i: i.order_key):
                if _is_imported(library, record, item):
                    continue
                if nothing_to_import(item):
                    skipped += 1  # a text post, a video-less image: not a failure
                    continue
                todo.append(FeedJob(str(library.root), name, record.feed.title, item,
                                    record.slugs[item.key], str(store.downloads(name))))
            if limit is not None:
                todo = todo[:limit]
            if transcriber is None and any(needs_audio(job.item) for job in todo):
                transcriber = Transcriber(**(whisper or {}))
            outcomes: list[ItemOutcome] = []

            def done(outcome: ItemOutcome) -> None:
                outcomes.append(outcome)
                tick(outcome.label, len(outcomes), len(todo))

            tick(name, 0, len(todo))
            if ray is not None and todo:
                ray.check()
                _run_on_ray(todo, ray, policy, transcriber, done)
            else:
                for job in todo:
                    done(run_feed_job(job, fetcher=fetcher, transcriber=transcriber, library=library))
            failures = {k: v for k, v in record.failures.items() if k in record.slugs}
            for o in outcomes:
                if o.error:
                    failures[o.key] = o.error
                else:
                    failures.pop(o.key, None)
            store.save(replace(record, failures=failures))
            stored_any = stored_any or refreshed > 0 or any(o.error is None for o in outcomes)
            results.append(FeedUpdate(name, status, raw is not None, tuple(outcomes), refreshed, skipped))
    if stored_any:
        tick("index", 0, 0)
        update_index(library)
    return results


def _refresh_imported(library: Library, record: FeedRecord) -> int:
    """Store again the episodes whose feed item changed (a corrected title, a new
    enclosure URL): their title, show and links follow the feed. Returns how many."""
    count = 0
    for item in record.feed.items:
        if not _is_imported(library, record, item):
            continue
        slug = record.slugs[item.key]
        origin = FeedOrigin(record.name, record.feed.title, item)
        if library.feed_origin(slug) != origin:
            library.store(library.load(slug), slug, origin=origin)
            analyse_stored(library, slug)
            count += 1
    return count


# - publishing into the feed -

@dataclass(frozen=True)
class FeedPublished:
    feed: Path  # the copy of the feed, with the tags added
    episodes: int
    transcripts: int  # <podcast:transcript> tags added
    chapters: int  # <podcast:chapters> tags added
    kept_chapters: int  # items that had chapters of their own, kept
    written: tuple[Path, ...]  # files whose bytes changed this run
    skipped: tuple[str, ...] = ()  # why an episode got no chapters


def _write_bytes_if_changed(path: Path, data: bytes) -> bool:
    try:
        return write_if_changed(path, data)
    except OSError as exc:
        raise FeedError(f"{path}: cannot write ({exc.strerror or exc})") from None


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash, or a FeedError when it is not an absolute
    http(s) URL the published files can be linked from."""
    problem = web_url_problem(base_url)
    if problem:
        raise FeedError(problem.replace("audio URL", "--base-url"))
    return base_url.rstrip("/")


def publish_feed(library: Library, out: Path, *, base_url: str, name: str | None = None) -> FeedPublished:
    """``banana feed publish``: each imported episode's transcript (SRT, VTT and
    Podcasting 2.0 JSON) and chapters (Podcasting 2.0 JSON) in ``out/<slug>/``, and
    ``out/feed.xml``: the host's feed as last fetched, with ``<podcast:transcript>`` and
    ``<podcast:chapters>`` linking them from ``base_url`` added to each item (see
    ``banana.feeds.rewrite``). The original feed is never written."""
    base = check_base_url(base_url)
    store = FeedStore(library.root)
    names = store.names()
    if name is None:
        if len(names) != 1:
            raise FeedError("this library follows " + (f"{len(names)} feeds ({', '.join(names)}): name one "
                                                       "with --feed" if names else "no feed: add one first"))
        name = names[0]
    record = store.load(name)
    raw = store.raw(name)
    target = (out / "feed.xml").resolve()
    protected = {store.raw_path(name).resolve()}
    if record.is_file:
        protected.add(Path(record.source).resolve())
    if target in protected:
        raise FeedError(f"{target} is the original feed: publish into another folder")
    written: list[Path] = []
    additions: dict[str, Tags] = {}
    skipped: list[str] = []
    for item in record.feed.items:
        if not _is_imported(library, record, item):
            continue
        slug = record.slugs[item.key]
        transcript = library.load(slug)
        folder = out / slug
        url = f"{base}/{quote(slug)}"
        language = transcript.language or record.feed.language
        captions = None if transcript.estimated else "captions"
        files = {
            "transcript.vtt": (write_transcript(transcript, "vtt"), TranscriptLink(
                f"{url}/transcript.vtt", "text/vtt", language, captions)),
            "transcript.srt": (write_transcript(transcript, "srt"), TranscriptLink(
                f"{url}/transcript.srt", "application/x-subrip", language, captions)),
            "transcript.json": (write_transcript(transcript, "podcast-json"), TranscriptLink(
                f"{url}/transcript.json", "application/json", language)),
        }
        chapters = None
        try:
            found = episode_chapters(transcript, library.analysis(slug))
            files["chapters.json"] = (write_chapters(found, "podcast-json", title=transcript.title), None)
            chapters = ChaptersLink(f"{url}/chapters.json", CHAPTERS_TYPE)
        except BananaError as exc:
            skipped.append(f"{slug}: no chapters ({one_line_error(exc)})")
        for file_name, (text, _) in files.items():
            if _write_bytes_if_changed(folder / file_name, text.encode("utf-8")):
                written.append(folder / file_name)
        additions[item.key] = Tags(tuple(link for _, link in files.values() if link), chapters)
    rewritten = add_podcast_tags(raw, additions, name=name)
    if _write_bytes_if_changed(target, rewritten.content):
        written.append(target)
    return FeedPublished(target, len(additions), rewritten.transcripts, rewritten.chapters,
                         rewritten.kept_chapters, tuple(written), tuple(skipped))
