"""A real HTTP server on loopback for the feed tests and the feed benchmark: a thread
running ``http.server``, serving routes the test sets (bodies, types, validators,
redirects, delays, cut-short bodies, ranges) and logging every request it gets.

Also: podcast feeds shaped like the ones hosting platforms write, generated.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from banana.transcript import Transcript, Utterance


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    redirect: str | None = None  # a path or URL: answered with ``status`` (301 by default) and Location
    delay_seconds: float = 0.0  # before the headers
    cut_after: int | None = None  # send this many body bytes, then close (``cuts`` times)
    cuts: int = 1
    ranges: bool = True  # answer Range requests with 206
    declared_length: bool = True  # send Content-Length


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.server.lock:
            self.server.log.append(Seen("GET", self.path, headers))
            route = self.server.routes.get(self.path)
        try:
            self._answer(route, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _answer(self, route: Route | None, headers: dict[str, str]) -> None:
        if route is None:
            self.send_error(404, "Not Found")
            return
        if route.delay_seconds:
            time.sleep(route.delay_seconds)
        if route.redirect is not None:
            self.send_response(route.status if route.status in (301, 302, 303, 307, 308) else 301)
            self.send_header("Location", route.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route.status != 200:
            self.send_error(route.status)
            return
        if (route.etag and headers.get("if-none-match") == route.etag) or \
                (route.last_modified and headers.get("if-modified-since") == route.last_modified):
            self.send_response(304)
            self._validators(route)
            self.end_headers()
            return
        body, status, extra = route.body, 200, {}
        wanted = headers.get("range", "")
        if_range = headers.get("if-range")
        if route.ranges and wanted.startswith("bytes=") and wanted.endswith("-") and \
                (if_range is None or if_range in (route.etag, route.last_modified)):
            start = int(wanted[6:-1])
            if start < len(body):
                extra["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
                body, status = body[start:], 206
        self.send_response(status)
        self.send_header("Content-Type", route.content_type)
        if route.declared_length:
            self.send_header("Content-Length", str(len(body)))
        if route.ranges:
            self.send_header("Accept-Ranges", "bytes")
        for k, v in extra.items():
            self.send_header(k, v)
        self._validators(route)
        self.end_headers()
        if route.cut_after is not None and route.cuts > 0:
            route.cuts -= 1
            self.wfile.write(body[:route.cut_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def _validators(self, route: Route) -> None:
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.log: list[Seen] = []
        self.lock = threading.Lock()


@dataclass
class FeedServer:
    """``with FeedServer() as server: server.routes["/feed.xml"] = Route(...)``."""

    _server: _Server = field(default_factory=_Server)

    def __enter__(self) -> FeedServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def routes(self) -> dict[str, Route]:
        return self._server.routes

    @property
    def log(self) -> list[Seen]:
        return self._server.log

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, prefix: str = "") -> list[Seen]:
        return [s for s in self.log if s.path.startswith(prefix)]


# -- feeds shaped like real ones --

def episode_transcript(n: int, *, turns: int = 6) -> Transcript:
    """A short two-host episode with speakers and measured times."""
    speakers = ["Ada Host", "Bob Guest"]
    lines = [f"Welcome to episode {n}, today we talk about topic number {n} and data.",
             f"Thanks for having me, episode {n} is a good one about models.",
             "Let us start with the first question about pipelines and feeds.",
             "Pipelines are how data moves from one stage to the next one.",
             "And feeds are how a podcast reaches every app out there.",
             f"That is all for episode {n}, thanks for listening."]
    utts, t = [], 0.0
    for i in range(turns):
        text = lines[i % len(lines)]
        utts.append(Utterance(t, t + 4.0, text, speakers[i % 2]))
        t += 4.5
    return Transcript.build(utts, title=f"Episode {n}")


def rss_date(n: int, *, start: float = 1_600_000_000.0) -> str:
    """A weekly RFC 822 date for episode ``n`` (1 is the oldest)."""
    return formatdate(start + n * 7 * 86400, usegmt=True)


def podcast_feed(items: list[dict], *, title: str = "Loopback Show", base: str = "",
                 namespace: str = "https://podcastindex.org/namespace/1.0") -> bytes:
    """An RSS 2.0 podcast feed with iTunes and Podcasting 2.0 tags; items newest first
    as dicts: n, title, guid, date, enclosure (url, type, length), transcripts [(url,
    type)], extra (raw XML)."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
           f'xmlns:podcast="{namespace}" xmlns:atom="http://www.w3.org/2005/Atom">\n'
           f'  <channel>\n    <title>{escape(title)}</title>\n'
           f'    <link>{base or "https://example.org/"}</link>\n'
           f'    <description><![CDATA[A <b>show</b> about data & feeds.]]></description>\n'
           f'    <language>en-us</language>\n    <itunes:author>Ada Host</itunes:author>\n'
           f'    <itunes:image href="https://example.org/art.jpg"/>\n'
           f'    <podcast:person role="host">Ada Host</podcast:person>\n']
    for it in items:
        out.append("    <item>\n")
        out.append(f"      <title>{escape(it['title'])}</title>\n")
        if it.get("guid") is not None:
            out.append(f'      <guid isPermaLink="false">{escape(it["guid"])}</guid>\n')
        if it.get("date"):
            out.append(f"      <pubDate>{it['date']}</pubDate>\n")
        if it.get("n") is not None:
            out.append(f"      <itunes:episode>{it['n']}</itunes:episode>\n")
            out.append("      <itunes:duration>00:27</itunes:duration>\n")
        if it.get("enclosure"):
            url, typ, length = it["enclosure"]
            type_attr = f' type="{typ}"' if typ else ""
            out.append(f'      <enclosure url="{escape(url)}" length="{length}"{type_attr}/>\n')
        for url, typ in it.get("transcripts", []):
            out.append(f'      <podcast:transcript url="{escape(url)}" type="{typ}"/>\n')
        out.append(it.get("extra", ""))
        out.append("    </item>\n")
    out.append("  </channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def serve_audio_show(server: FeedServer, folder, count: int, *, seconds: float = 1.5,
                     path: str = "/audio-feed.xml", title: str = "Audio Show") -> list[bytes]:
    """``count`` short generated episodes (noise and a tone, each its own, as MP3)
    served as enclosures of a feed at ``path``, for transcription; returns the audio."""
    from whisper_fixtures import noise, tone, write_audio

    rate = 16000
    clips, items = [], []
    for n in range(1, count + 1):
        mix = noise(seconds, rate=rate, amplitude=0.15, seed=n) + \
            tone(seconds, rate=rate, freq_hz=220.0 + 20 * n, amplitude=0.2)
        data = write_audio(folder / f"ep{n}.mp3", mix, rate=rate).read_bytes()
        clips.append(data)
        server.routes[f"/audio/ep{n}.mp3"] = Route(data, "audio/mpeg", etag=f'"ep{n}"')
        items.append(dict(n=n, title=f"Episode {n}", guid=f"ep-{n}", date=rss_date(n),
                          enclosure=(server.url(f"/audio/ep{n}.mp3"), "audio/mpeg", len(data))))
    server.routes[path] = Route(podcast_feed(items[::-1], title=title), "application/rss+xml", etag='"af1"')
    return clips
