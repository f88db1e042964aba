"""HTTP for feeds, with httpx: a feed fetched conditionally, a transcript fetched whole,
an enclosure streamed to disk.

Every request follows redirects (at most ``max_redirects``), times out when the
server stalls for ``timeout_seconds``, and is tried again after a timeout, a dropped
or cut-short connection, a 5xx, 408 or 429 answer, waiting ``backoff_seconds`` and
twice as long each time (or what ``Retry-After`` asks, up to ``max_backoff_seconds``).
A 4xx answer, a body over its size cap and a content type that cannot be what was
asked for (an HTML page where audio should be) fail at once. Every failure is a
``FetchError`` of one line naming the URL.

An enclosure is streamed to ``<dest>.part`` and renamed into place only once complete,
so nothing half-downloaded is ever used: a cut-short or interrupted download is
resumed by the next try (or the next run) with a ``Range`` request, guarded by
``If-Range`` so a file that changed on the server starts over. The finished file's
SHA-256 is written beside it (``<dest>.sha256``) and checked before the file is used
again.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from banana import __version__
from banana.errors import FetchError
from banana.feeds.parse import MAX_FEED_BYTES
from banana.fsutil import atomic_write_text

USER_AGENT = f"Banana/{__version__} (podcast toolkit)"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
PART_SUFFIX = ".part"
SUM_SUFFIX = ".sha256"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one run's requests (sizes in bytes, times in seconds)."""

    timeout_seconds: float = 30.0
    retries: int = 3  # tries after the first
    backoff_seconds: float = 1.0  # the first wait; doubled at each further try
    max_backoff_seconds: float = 60.0
    max_redirects: int = 10
    max_feed_bytes: int = MAX_FEED_BYTES
    max_transcript_bytes: int = 50 * 1024 * 1024
    max_audio_bytes: int = 2 * 1024 * 1024 * 1024  # ~35 hours of 128 kb/s MP3


@dataclass(frozen=True)
class Fetched:
    """A whole response: ``status`` 200, or 304 (not modified: ``content`` empty)."""

    url: str  # where the request ended, after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str
    resumed_from: int = 0  # bytes already on disk from an earlier try (0: from scratch)
    reused: bool = False  # the complete file was already here, checksum verified


class _Retry(Exception):
    """A failure worth another try; ``after`` seconds asked for by the server."""

    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def audio_type_problem(content_type: str) -> str | None:
    """Why a response of this type cannot be an enclosure's audio (an HTML error page,
    JSON, an image), or None. Hosts serve audio as ``audio/*``, ``video/*``, octet
    streams and worse, so only what is surely not audio is refused."""
    kind, _, sub = content_type.partition("/")
    if kind in ("text", "image") or sub in ("json", "xml", "html", "xhtml+xml", "rss+xml", "atom+xml"):
        return f"wrong content type {content_type} (expected audio)"
    return None


def transcript_type_problem(content_type: str, declared: str = "") -> str | None:
    """Why a response of this type cannot be the transcript the feed links (audio, an
    image, or an HTML page where the feed promised another format), or None."""
    kind = content_type.partition("/")[0]
    if kind in ("audio", "video", "image"):
        return f"wrong content type {content_type} (expected a transcript)"
    if content_type in ("text/html", "application/xhtml+xml") and \
            declared.split(";")[0].strip().lower() not in ("text/html", "application/xhtml+xml"):
        return f"wrong content type {content_type} (the feed says {declared or 'another type'})"
    return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Fetcher:
    """One run's HTTP client (connections are reused); ``requests`` counts what was sent."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    sleep: Callable[[float], None] = time.sleep
    requests: int = field(init=False, default=0)
    conditional_requests: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            follow_redirects=True, max_redirects=self.policy.max_redirects,
            timeout=httpx.Timeout(self.policy.timeout_seconds),
            headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the retry loop --

    def _tries(self, url: str, attempt: Callable[[], object]):
        delay = self.policy.backoff_seconds
        tries = self.policy.retries + 1
        for n in range(1, tries + 1):
            try:
                return attempt()
            except _Retry as exc:
                if n == tries:
                    raise FetchError(f"{url}: {exc}" + (f" ({tries} tries)" if tries > 1 else "")) from None
                wait = exc.after if exc.after is not None else delay
                self.sleep(min(wait, self.policy.max_backoff_seconds))
                delay *= 2
            except httpx.TooManyRedirects:
                raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects") from None
            except httpx.InvalidURL as exc:
                raise FetchError(f"{url}: not a URL that can be fetched ({exc})") from None
            except httpx.UnsupportedProtocol:
                raise FetchError(f"{url}: not an http:// or https:// URL") from None

    def _send(self, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
        """Send and read the status; transport failures become ``_Retry``."""
        self.requests += 1
        if "If-None-Match" in headers or "If-Modified-Since" in headers:
            self.conditional_requests += 1
        try:
            request = self._client.build_request(method, url, headers=headers)
            return self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise _Retry(f"timed out after {self.policy.timeout_seconds:g} s") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retry(f"connection failed ({exc or type(exc).__name__})") from None

    def _check_status(self, response: httpx.Response, ok: tuple[int, ...]) -> None:
        if response.status_code in ok:
            return
        reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
        response.close()
        if response.status_code in RETRY_STATUSES:
            raise _Retry(reason, _retry_after(response))
        raise FetchError(f"{response.url}: {reason}")

    @staticmethod
    def _read(response: httpx.Response, max_bytes: int, timeout: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            response.close()
            raise FetchError(f"{response.url}: too large ({_mb(int(declared))}; the cap is {_mb(max_bytes)})")
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{response.url}: too large (over the cap of {_mb(max_bytes)})")
        except httpx.TimeoutException:
            raise _Retry(f"timed out after {timeout:g} s") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError):
            raise _Retry(f"cut short after {len(body):,} bytes" +
                         (f" of {int(declared):,}" if declared.isdigit() else "")) from None
        finally:
            response.close()
        return bytes(body)

    # -- what callers use --

    def get(self, url: str, *, max_bytes: int, etag: str | None = None,
            last_modified: str | None = None,
            type_problem: Callable[[str], str | None] | None = None) -> Fetched:
        """The whole body of ``url`` (a feed, a transcript): 304 when ``etag`` /
        ``last_modified`` are given and the server says nothing changed."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        def attempt() -> Fetched:
            response = self._send("GET", url, headers)
            self._check_status(response, (200, 304) if headers else (200,))
            final = str(response.url)
            if response.status_code == 304:
                response.close()
                return Fetched(final, 304, etag=etag, last_modified=last_modified)
            media = _media_type(response)
            problem = type_problem(media) if type_problem else None
            if problem:
                response.close()
                raise FetchError(f"{final}: {problem}")
            content = self._read(response, max_bytes, self.policy.timeout_seconds)
            return Fetched(final, 200, content, media, response.headers.get("etag"),
                           response.headers.get("last-modified"))

        return self._tries(url, attempt)

    def download(self, url: str, dest: Path, *, max_bytes: int | None = None,
                 type_problem: Callable[[str], str | None] = audio_type_problem) -> Downloaded:
        """Stream ``url`` to ``dest`` (see the module docstring): resumed from an earlier
        ``.part``, capped at ``max_bytes`` (the policy's audio cap by default), checked."""
        cap = self.policy.max_audio_bytes if max_bytes is None else max_bytes
        reused = verified(dest)
        if reused is not None:
            return Downloaded(dest, dest.stat().st_size, reused, reused=True)
        part = dest.with_name(dest.name + PART_SUFFIX)
        state_path = dest.with_name(dest.name + PART_SUFFIX + ".json")
        dest.parent.mkdir(parents=True, exist_ok=True)
        starts: list[int] = []

        def attempt() -> None:
            have, validator = _resumable(part, state_path, url)
            headers = {"Accept-Encoding": "identity"}  # byte ranges count the bytes on disk
            if have and validator:
                headers.update({"Range": f"bytes={have}-", "If-Range": validator})
            response = self._send("GET", url, headers)
            self._check_status(response, (200, 206))
            final = str(response.url)
            problem = type_problem(_media_type(response))
            if problem:
                response.close()
                raise FetchError(f"{final}: {problem}")
            if response.status_code == 206 and not _range_starts_at(response, have):
                response.close()
                _discard(part, state_path)
                raise _Retry("the server sent another range than asked; starting over")
            start = have if response.status_code == 206 else 0
            length = response.headers.get("content-length", "")
            total = start + int(length) if length.isdigit() else None
            if total is not None and total > cap:
                response.close()
                _discard(part, state_path)
                raise FetchError(f"{final}: too large ({_mb(total)}; the cap is {_mb(cap)})")
            starts.append(start)
            atomic_write_text(state_path, json.dumps({
                "url": url, "etag": response.headers.get("etag"),
                "last_modified": response.headers.get("last-modified"), "total": total}))
            size = start
            try:
                with open(part, "ab" if start else "wb") as out:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > cap:
                            raise FetchError(f"{final}: too large (over the cap of {_mb(cap)})")
                        out.write(chunk)
            except FetchError:
                _discard(part, state_path)
                raise
            except httpx.TimeoutException:
                raise _Retry(f"timed out after {self.policy.timeout_seconds:g} s") from None
            except (httpx.NetworkError, httpx.RemoteProtocolError):
                raise _Retry(f"cut short after {size:,} bytes" +
                             (f" of {total:,}" if total is not None else "")) from None
            finally:
                response.close()
            if total is not None and size != total:
                raise _Retry(f"cut short after {size:,} bytes of {total:,}")

        self._tries(url, attempt)
        digest = file_sha256(part)
        size = part.stat().st_size
        atomic_write_text(dest.with_name(dest.name + SUM_SUFFIX), f"{digest}  {size}\n")
        os.replace(part, dest)
        state_path.unlink(missing_ok=True)
        return Downloaded(dest, size, digest, resumed_from=starts[-1] if starts else 0)


def verified(dest: Path) -> str | None:
    """The SHA-256 of a complete download whose recorded checksum and size it still
    matches, else None (and a file that no longer matches is removed)."""
    record = dest.with_name(dest.name + SUM_SUFFIX)
    try:
        digest, size = record.read_text(encoding="ascii").split()
        if dest.stat().st_size == int(size) and file_sha256(dest) == digest:
            return digest
    except (OSError, ValueError):
        pass
    for path in (dest, record):
        path.unlink(missing_ok=True)
    return None


def remove_download(dest: Path) -> None:
    """Remove a finished download and its checksum (and any ``.part`` of it)."""
    for suffix in ("", SUM_SUFFIX, PART_SUFFIX, PART_SUFFIX + ".json"):
        dest.with_name(dest.name + suffix).unlink(missing_ok=True)


def _resumable(part: Path, state_path: Path, url: str) -> tuple[int, str | None]:
    """(bytes on disk, the validator for If-Range) of an earlier try's ``.part`` of this
    URL; (0, None) when there is none or it cannot be resumed safely."""
    try:
        have = part.stat().st_size
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, None
    if not isinstance(state, dict) or state.get("url") != url or not have:
        return 0, None
    validator = state.get("etag") or state.get("last_modified")
    if not isinstance(validator, str) or validator.startswith("W/"):  # weak ETags cannot guard a range
        return 0, None
    return have, validator


def _range_starts_at(response: httpx.Response, offset: int) -> bool:
    value = response.headers.get("content-range", "")  # bytes 100-199/200
    try:
        return int(value.split()[1].split("-")[0]) == offset
    except (IndexError, ValueError):
        return False


def _discard(part: Path, state_path: Path) -> None:
    part.unlink(missing_ok=True)
    state_path.unlink(missing_ok=True)
