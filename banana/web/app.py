"""``banana serve``'s application: the library's pages and a small JSON API, on Starlette.

URLs (stable, so people can share them and tools can rely on them):

``/``                       the episodes, newest first (``?page=N``)
``/search?q=…``             results as ``banana search`` ranks them (``in``, ``speaker``,
                            ``episode``, ``page``), each linking to its moment
``/episodes/<slug>``        the episode; ``#t=SECONDS`` opens it at that moment
``/episodes/<slug>/audio``  the episode's local recording, with HTTP Range requests
``/glossary``               every term the hosts explained
``/solve``                  the puzzle solver (``numbers``, ``target``, ``ops``, ``use``)
``/api/search?q=…``         ``banana search --json``'s object (``limit`` as ``--limit``)
``/api/episodes/<slug>``    the episode: card, transcript (``banana show --json``), notes
                            (``banana notes --format json``)
``/static/<file>``          the pages' CSS and JavaScript

Endpoints are plain functions, run in Starlette's thread pool; searches are handed to one
thread of their own, with one search connection, or (``banana serve``) to a pool of search
processes that use every core (see ``ResultsCache``). A slug is
checked by the library's own rule before any file is touched, so ``..`` or an encoded
``%2e%2e%2f`` never names a path; the only file served from the library is an episode's
``audio.<ext>``, and only when it resolves inside the library. Every response carries
the Content-Security-Policy and its companions; errors are pages (or JSON under
``/api/``) with the CLI's one-line message.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import multiprocessing
import os
import signal
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from banana.errors import BananaError, EpisodeNotFound, PuzzleError, QueryError
from banana.fsutil import default_library_path, file_state
from banana.library import Library
from banana.search.archive import Archive, SearchResults
from banana.search.ranking import DEFAULT_LIMIT
from banana.solver import PRESETS, resolve_ops, solve
from banana.transcript import one_line
from banana.web.render import (HEADER_CSP, Links, page_language, render, static_files,
                               static_version)
from banana.web.views import (AUDIO_TYPES, CACHED_VIEWS, EPISODES_PER_PAGE, Catalog, EpisodeView,
                              local_audio)

RESULTS_PER_PAGE = 10
MAX_RESULT_PAGES = 50  # a search page asks the index for at most this many pages of hits
MAX_API_LIMIT = 500  # results /api/search returns at most
SOLUTIONS_SHOWN = 10
CACHED_SEARCHES = 512  # searches whose results are kept (a few KB each)
SEARCHER_START_S = 60  # a search process not started by then never will be
HOSTS_ENV = "BANANA_WEB_HOSTS"  # for worker processes: the Host names answered ("*": any)
SEARCH_PROCESSES_ENV = "BANANA_SEARCH_PROCESSES"  # for worker processes: their search processes
KIND_LABELS = {"transcript": "what was said", "segments": "chapter titles", "glossary": "the glossary"}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "content-security-policy": HEADER_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _int(text: str | None, default: int, low: int, high: int) -> int:
    """A page or limit number from a URL; anything else is the default."""
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return min(max(value, low), high)


_SEARCHER: Archive | None = None  # a search process's own archive


def _start_searcher(root: str, path: str, weights) -> None:
    """A search process's start: its archive (one warm connection), and Ctrl-C left to
    the server, which shuts the pool down (the terminal sends it to every process)."""
    global _SEARCHER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SEARCHER = Archive(root, path=path, weights=weights)


def _search_in_process(query: str, **options) -> SearchResults:
    return _SEARCHER.search(query, **options)


class ResultsCache:
    """The last ``size`` searches' results, each kept while the index is unchanged (its
    file and its write-ahead log keep their size and modification time: a commit or a
    checkpoint changes one of them). A query many listeners ask is searched once.

    A search runs on one thread of its own (``processes`` 0), or in one of ``processes``
    search processes, each with its own connection, one search at a time. Never on
    several threads of one process: SQLite lets go of the GIL at every row it steps, so
    searches run side by side in threads pass it back and forth thousands of times each
    (measured: 2.5x the CPU a request, fewer requests a second than one client alone),
    and one thread keeps one connection warm (its statements prepared, its pages cached)
    where each of a pool's threads would open its own. Processes use every core whichever
    connection a request came on (``--workers``' processes each keep the connections they
    accepted). A search process that dies is replaced, and the search asked again once."""

    def __init__(self, archive: Archive, *, size: int = CACHED_SEARCHES, processes: int = 0) -> None:
        self.archive = archive
        self.size = size
        self.processes = processes
        self.hits = self.misses = 0
        self._lock = threading.Lock()
        self._searcher: Executor | None = None
        self._kept: OrderedDict[tuple, tuple[tuple, SearchResults]] = OrderedDict()

    def _executor(self) -> Executor:
        with self._lock:
            if self._searcher is None:
                if self.processes:
                    self._searcher = ProcessPoolExecutor(
                        self.processes, mp_context=multiprocessing.get_context("spawn"),
                        initializer=_start_searcher,
                        initargs=(str(self.archive.root), str(self.archive.path),
                                  self.archive.weights))
                else:
                    self._searcher = ThreadPoolExecutor(1, thread_name_prefix="banana-search")
            return self._searcher

    def _run(self, query: str, options: dict) -> SearchResults:
        if not self.processes:
            return self._executor().submit(self.archive.search, query, **options).result()
        executor = self._executor()
        try:
            return executor.submit(_search_in_process, query, **options).result()
        except BrokenProcessPool:  # a search process died (killed, out of memory): a new pool
            with self._lock:
                if self._searcher is executor:
                    self._searcher = None
            executor.shutdown(wait=False, cancel_futures=True)
        return self._executor().submit(_search_in_process, query, **options).result()

    def start(self) -> None:
        """Start the searchers now (a process pool's first search would wait for them).
        Where processes cannot be started (no POSIX semaphores, a process limit), searches
        run on one thread, with a one-line warning."""
        if not self.processes:
            return
        try:
            futures = [self._executor().submit(os.getpid) for _ in range(self.processes)]
            for future in futures:
                future.result(timeout=SEARCHER_START_S)
        except (OSError, BrokenProcessPool, TimeoutError) as exc:
            print(f"warning: cannot start {self.processes} search processes ({exc or type(exc).__name__}); "
                  "searching on one thread", file=sys.stderr)
            self.close()
            self.processes = 0

    def close(self) -> None:
        with self._lock:
            searcher, self._searcher = self._searcher, None
        if searcher is not None:
            searcher.shutdown(wait=True, cancel_futures=True)

    def generation(self) -> tuple:
        return file_state(self.archive.path), file_state(Path(f"{self.archive.path}-wal"))

    def search(self, query: str, **options) -> SearchResults:
        """``Archive.search(query, **options)``, or the same search's kept results."""
        key = (query, *sorted(options.items()))
        generation = self.generation()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == generation:
                self._kept.move_to_end(key)
                self.hits += 1
                return kept[1]
        results = self._run(query, options)
        with self._lock:
            self.misses += 1
            if self.generation() != generation:
                return results  # the index changed (or its log was made) meanwhile: not kept
            self._kept[key] = (generation, results)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return results


class Web:
    """The pages of one library (``app`` builds the Starlette application around it)."""

    def __init__(self, library: Library, *, archive: Archive | None = None,
                 catalog: Catalog | None = None, search_processes: int = 0) -> None:
        self.library = library
        self.archive = archive or Archive(library.root)
        self.results = ResultsCache(self.archive, processes=search_processes)
        self.catalog = catalog or Catalog(library)
        self.links = Links(root="/", version=static_version())
        self._static = {name: (data, hashlib.sha256(data).hexdigest()[:16])
                        for name, data in static_files().items()}
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, tuple[EpisodeView, str, str]] = OrderedDict()  # rendered

    # -- helpers --

    def site_name(self) -> str:
        return self.catalog.name()

    def page(self, template: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.render(template, **context), status_code=status)

    def render(self, template: str, **context) -> str:
        context.setdefault("site_name", self.site_name())
        return render(template, links=self.links, **context)

    def error_page(self, status: int, heading: str, message: str) -> HTMLResponse:
        return self.page("error.html", status, here="error", heading=heading, message=message)

    # -- pages --

    def home(self, request: Request) -> Response:
        slugs = self.catalog.slugs()
        pages = max(1, math.ceil(len(slugs) / EPISODES_PER_PAGE))
        page = _int(request.query_params.get("page"), 1, 1, pages)
        shown = slugs[(page - 1) * EPISODES_PER_PAGE:page * EPISODES_PER_PAGE]
        cards, failed = self.catalog.cards(shown)
        shows = sorted({c.show for c in cards if c.show})
        return self.page("home.html", here="home", cards=cards, failed=failed, total=len(slugs),
                         shows=shows, page=page, pages=pages)

    def search(self, request: Request) -> Response:
        params = request.query_params
        query = params.get("q", "").strip()
        within = params.get("in") or "transcript"
        speaker = params.get("speaker", "").strip()
        episode = params.get("episode", "").strip()
        page = _int(params.get("page"), 1, 1, MAX_RESULT_PAGES)
        context = dict(here="search", query=query, within=within, speaker=speaker,
                       episode=episode, kinds=list(KIND_LABELS.items()), results=None, hits=[],
                       total=0, first=1, page=page, error=None, note=None, prev_page=None,
                       next_page=None)
        if not query:
            return self.page("search.html", **context)
        try:
            results = self.results.search(query, episode=episode or None, speaker=speaker or None,
                                          within=within, limit=page * RESULTS_PER_PAGE)
        except (QueryError, EpisodeNotFound) as exc:
            return self.page("search.html", 400, **{**context, "error": one_line(str(exc))})
        except BananaError as exc:
            return self.error_page(500, "The search index cannot be read", one_line(str(exc)))
        first = (page - 1) * RESULTS_PER_PAGE
        hits = results.hits[first:first + RESULTS_PER_PAGE]
        filters = {"in": within if within != "transcript" else None, "speaker": speaker or None,
                   "episode": episode or None}
        more = len(results.hits) == page * RESULTS_PER_PAGE and results.total > page * RESULTS_PER_PAGE
        context.update(results=results, hits=hits, total=results.total, first=first + 1,
                       note=one_line(results.note) if results.note else None,
                       prev_page=self.links.search(query, **filters, page=page - 1 if page > 2 else None)
                       if page > 1 else None,
                       next_page=self.links.search(query, **filters, page=page + 1)
                       if more and page < MAX_RESULT_PAGES else None)
        return self.page("search.html", **context)

    def episode(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        try:
            view = self.catalog.view(slug)
        except EpisodeNotFound:
            return self.not_found(request)
        except BananaError as exc:
            return self.error_page(500, "This episode cannot be shown", one_line(str(exc)))
        name = self.site_name()
        with self._lock:
            kept = self._pages.get(slug)
        if kept is not None and kept[0] is view and kept[1] == name:
            return HTMLResponse(kept[2])
        html = self.render("episode.html", here="episode", view=view, audio=self.links.audio(view),
                           lang=page_language(view.transcript.language), site_name=name)
        with self._lock:
            self._pages[slug] = (view, name, html)
            self._pages.move_to_end(slug)
            while len(self._pages) > CACHED_VIEWS:
                self._pages.popitem(last=False)
        return HTMLResponse(html)

    def audio(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        if slug not in self.catalog:
            return self.not_found(request)
        path = local_audio(self.library, slug)
        if path is None:
            return self.not_found(request)
        return FileResponse(path, media_type=AUDIO_TYPES[path.suffix.lower()],
                            headers={"cache-control": "no-cache"})

    def glossary(self, request: Request) -> Response:
        shows = self.catalog.glossary()
        return self.page("glossary.html", here="glossary", shows=shows)

    def solver(self, request: Request) -> Response:
        params = request.query_params
        form = {"numbers": params.get("numbers", ""), "target": params.get("target", ""),
                "ops": params.get("ops", "") or "classic",
                "use": "some" if params.get("use") == "some" else "all"}
        context = dict(here="solve", form=form, presets=sorted(PRESETS), result=None, error=None)
        if not form["numbers"].strip() and not form["target"].strip():
            return self.page("solve.html", **context)
        try:
            if not form["target"].strip():
                raise PuzzleError("give a target: the value to reach, like 24 or 7/3")
            result = solve(form["numbers"].replace(",", " ").split(), form["target"],
                           ops=resolve_ops(form["ops"]), use=form["use"], all_solutions=True,
                           limit=SOLUTIONS_SHOWN)
        except PuzzleError as exc:
            return self.page("solve.html", 400, **{**context, "error": one_line(str(exc))})
        return self.page("solve.html", **{**context, "result": result})

    def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        found = self._static.get(name)
        if found is None:
            return self.not_found(request)
        data, etag = found
        headers = {"etag": f'"{etag}"', "cache-control": "public, max-age=3600"}
        if request.headers.get("if-none-match") == f'"{etag}"':
            return Response(status_code=304, headers=headers)
        suffix = name[name.rfind("."):]
        return Response(data, media_type=STATIC_TYPES[suffix], headers=headers)

    # -- the JSON API --

    def api_search(self, request: Request) -> Response:
        params = request.query_params
        query = params.get("q", "").strip()
        if not query:
            return JSONResponse({"error": "give a query: /api/search?q=words"}, status_code=400)
        try:
            results = self.results.search(
                query, episode=params.get("episode") or None, speaker=params.get("speaker") or None,
                within=params.get("in") or "transcript",
                limit=_int(params.get("limit"), DEFAULT_LIMIT, 1, MAX_API_LIMIT))
        except (QueryError, EpisodeNotFound) as exc:
            return JSONResponse({"error": one_line(str(exc))}, status_code=400)
        except BananaError as exc:
            return JSONResponse({"error": one_line(str(exc))}, status_code=500)
        data = results.to_dict()
        if results.note:
            data["note"] = one_line(results.note)
        return JSONResponse(data)

    def api_episode(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        try:
            view = self.catalog.view(slug)
        except EpisodeNotFound:
            return JSONResponse({"error": f"no episode {slug!r}"}, status_code=404)
        except BananaError as exc:
            return JSONResponse({"error": one_line(str(exc))}, status_code=500)
        return JSONResponse(view.to_dict())

    # -- errors --

    def not_found(self, request: Request, exc: Exception | None = None) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not found"}, status_code=404)
        return self.error_page(404, "Not found",
                               "There is no page at this address: the episode may have been "
                               "renamed or removed.")

    def server_error(self, request: Request, exc: Exception) -> Response:
        """A plain 500 (the traceback goes to the server's log, not to the page). Starlette
        answers it outside the middleware, so it carries the security headers itself."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "internal error"}, status_code=500,
                                headers=SECURITY_HEADERS)
        return HTMLResponse("<!doctype html><title>Error</title><p>Something went wrong; "
                            "the server's log says what.</p>", status_code=500,
                            headers=SECURITY_HEADERS)

    def routes(self) -> list[Route]:
        return [
            Route("/", self.home, methods=["GET", "HEAD"]),
            Route("/search", self.search, methods=["GET", "HEAD"]),
            Route("/episodes/{slug}", self.episode, methods=["GET", "HEAD"]),
            Route("/episodes/{slug}/audio", self.audio, methods=["GET", "HEAD"]),
            Route("/glossary", self.glossary, methods=["GET", "HEAD"]),
            Route("/solve", self.solver, methods=["GET", "HEAD"]),
            Route("/static/{name}", self.static, methods=["GET", "HEAD"]),
            Route("/api/search", self.api_search, methods=["GET", "HEAD"]),
            Route("/api/episodes/{slug}", self.api_episode, methods=["GET", "HEAD"]),
        ]


def create_app(library: Library, *, allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
               archive: Archive | None = None, catalog: Catalog | None = None,
               search_processes: int = 0) -> Starlette:
    """The application for ``library``. ``allowed_hosts``: the Host headers answered
    (loopback names by default, so a web page elsewhere cannot reach the server through
    a name it points at 127.0.0.1); None answers any. ``search_processes``: searches run
    in that many processes of their own (started with the application), or on one thread
    of this process (0)."""
    web = Web(library, archive=archive, catalog=catalog, search_processes=search_processes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        web.results.start()
        try:
            yield
        finally:
            web.results.close()

    async def not_found(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return web.not_found(request, exc)
        return Response(status_code=exc.status_code, headers=exc.headers)

    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(routes=web.routes(), middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: not_found, 500: web.server_error})
    app.state.web = web
    return app


def from_environment() -> Starlette:
    """The application for the library ``BANANA_LIBRARY`` names, answering the Host names
    ``BANANA_WEB_HOSTS`` lists, searching in ``BANANA_SEARCH_PROCESSES`` processes: what
    each worker process of ``banana serve --workers N`` builds (uvicorn starts workers from
    an import string)."""
    hosts = os.environ.get(HOSTS_ENV, ",".join(LOOPBACK_HOSTS))
    allowed = None if hosts.strip() == "*" else [h for h in hosts.split(",") if h]
    processes = os.environ.get(SEARCH_PROCESSES_ENV, "0")
    return create_app(Library(default_library_path()), allowed_hosts=allowed,
                      search_processes=int(processes) if processes.isdigit() else 0)
