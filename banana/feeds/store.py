"""The feeds a library follows, on disk: ``<library>/.feeds/<name>/``.

* ``feed.json``: the ``FeedRecord`` (where the feed is, the HTTP validators of the last
  fetch, the feed as read, the slug each item is or will be stored under, and why an
  item failed last time);
* ``feed.xml``: the host's feed exactly as last fetched, the one ``banana feed
  publish`` copies with its tags added (the original is never written);
* ``downloads/``: enclosures being downloaded (``.part``) for transcription.

Every file is written atomically, and only when its bytes change, so an update that
finds nothing new writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banana.errors import FeedError
from banana.feeds.model import Feed
from banana.fsutil import atomic_write_bytes, stale_temp_files

FEEDS_DIR = ".feeds"
RECORD_FILE = "feed.json"
RAW_FILE = "feed.xml"
DOWNLOADS_DIR = "downloads"
RECORD_SCHEMA = 1


def _str_map(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise FeedError(f"stored feed record: {what} must map text to text")
    return dict(value)


@dataclass(frozen=True)
class FeedRecord:
    """A followed feed: ``source`` is its URL or the absolute path of a feed file;
    ``url`` where the last fetch ended after redirects; ``etag`` and ``last_modified``
    that fetch's validators (sent back as ``If-None-Match`` / ``If-Modified-Since``);
    ``slugs`` item key → episode slug; ``failures`` item key → the last error."""

    name: str
    source: str
    feed: Feed
    slugs: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str = ""  # of feed.xml

    @property
    def is_file(self) -> bool:
        return not self.source.startswith(("http://", "https://"))

    def to_dict(self) -> dict[str, Any]:
        return {"schema": RECORD_SCHEMA, "name": self.name, "source": self.source, "url": self.url,
                "etag": self.etag, "last_modified": self.last_modified, "sha256": self.sha256,
                "slugs": self.slugs, "failures": self.failures, "feed": self.feed.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> FeedRecord:
        if not isinstance(data, dict) or data.get("schema") != RECORD_SCHEMA:
            raise FeedError(f"not a feed record of schema {RECORD_SCHEMA}")
        for key in ("name", "source"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise FeedError(f"stored feed record has no {key}")
        opt = {k: data.get(k) if isinstance(data.get(k), str) else None
               for k in ("url", "etag", "last_modified")}
        return cls(name=data["name"], source=data["source"], feed=Feed.from_dict(data.get("feed")),
                   slugs=_str_map(data.get("slugs") or {}, "slugs"),
                   failures=_str_map(data.get("failures") or {}, "failures"),
                   sha256=str(data.get("sha256") or ""), **opt)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FeedStore:
    """The ``.feeds`` folder of a library."""

    def __init__(self, library_root: Path | str) -> None:
        self.root = Path(library_root) / FEEDS_DIR

    def folder(self, name: str) -> Path:
        if not name or name.startswith(".") or "/" in name or "\\" in name or "\x00" in name:
            raise FeedError(f"{name!r} is not a feed name")
        return self.root / name

    def record_path(self, name: str) -> Path:
        return self.folder(name) / RECORD_FILE

    def raw_path(self, name: str) -> Path:
        return self.folder(name) / RAW_FILE

    def downloads(self, name: str) -> Path:
        return self.folder(name) / DOWNLOADS_DIR

    def names(self) -> list[str]:
        """The feeds followed, by name."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{RECORD_FILE}") if p.is_file())

    def __contains__(self, name: str) -> bool:
        try:
            return self.record_path(name).is_file()
        except FeedError:
            return False

    def tidy(self) -> list[Path]:
        """Remove the temporary files writers that died left in the feeds' folders (a
        ``.part`` download is kept: the next update resumes it)."""
        removed = []
        for name in self.names():
            for tmp in stale_temp_files(self.folder(name)):
                try:
                    tmp.unlink()
                    removed.append(tmp)
                except OSError:
                    pass
        return removed

    def load(self, name: str) -> FeedRecord:
        if name not in self:
            followed = ", ".join(self.names()) or "none yet; add one with 'banana feed add URL'"
            raise FeedError(f"no feed {name!r} in this library (followed: {followed})")
        path = self.record_path(name)
        try:
            return FeedRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise FeedError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
        except (ValueError, RecursionError, FeedError) as exc:
            raise FeedError(f"{path}: damaged feed record: {exc}") from None

    def raw(self, name: str) -> bytes:
        path = self.raw_path(name)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise FeedError(f"{path}: cannot read the stored feed ({exc.strerror or exc})") from None

    def save(self, record: FeedRecord, raw: bytes | None = None) -> bool:
        """Write the feed's bytes (when given) and then its record, each only if it
        changed; True when anything was written."""
        written = False
        try:
            if raw is not None and _differs(self.raw_path(record.name), raw):
                atomic_write_bytes(self.raw_path(record.name), raw)
                written = True
            text = (json.dumps(record.to_dict(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            if _differs(self.record_path(record.name), text):
                atomic_write_bytes(self.record_path(record.name), text)
                written = True
        except OSError as exc:
            raise FeedError(f"cannot write in {self.folder(record.name)}: {exc.strerror or exc}") from None
        return written


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except OSError:
        return True
