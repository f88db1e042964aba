"""Small filesystem helpers: atomic writes, so a crash never leaves a half-written file.

``atomic_path(path)`` hands out a temporary file in the target's folder and, when the
block ends without an error, fsyncs it and renames it over the target (``os.replace``),
so readers see the old file or the new one, never a mix. What the result looks like:

* a **new** file gets the mode the user's umask gives any new file (``0o644`` under
  umask 022), not ``mkstemp``'s private ``0o600``, so a web server can read published
  notes and chapters;
* an **existing** file keeps its mode;
* a **symlink** is written through: the file it points to is replaced and the link
  stays a link;
* temporary files are named ``.<name>.<pid>.<random>.tmp``, so ``stale_temp_files``
  can tell one left by a killed process from one a live writer is still filling.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# Where the library is when no --library is given: $BANANA_LIBRARY, else episodes/. Here,
# at the bottom of the house, so a command can find the folder without loading the library.
DEFAULT_LIBRARY = "episodes"
LIBRARY_ENV = "BANANA_LIBRARY"

TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 24 * 3600  # a temp file this old is stale even if its pid is reused
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def default_library_path() -> Path:
    """The library folder when none is given: ``$BANANA_LIBRARY``, else ``episodes/``."""
    return Path(os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY)


def current_umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic read-and-restore
    os.umask(mask)
    return mask


def _target(path: Path) -> Path:
    """The file a write to ``path`` should replace: through symlinks, to their target."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path to fill; on success it replaces ``path`` atomically (see
    the module docstring for modes and symlinks); on any error it is removed."""
    target = _target(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                               suffix=TEMP_SUFFIX)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _mode_for(target))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_path``)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path | str, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly
    those bytes; whether it wrote (a file that cannot be read is written)."""
    try:
        if Path(path).read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def file_state(path: Path | str) -> tuple[int, int] | None:
    """(modification time in ns, size) of ``path``, or None when it cannot be read: what a
    cache compares to know a file is unchanged."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temp_files(folder: Path | str, *, now: float | None = None) -> list[Path]:
    """Temporary files under ``folder`` (one level of subfolders deep) left by writers
    that died: their process is gone, or they are older than STALE_TEMP_SECONDS."""
    now = time.time() if now is None else now
    folder = Path(folder)
    found = []
    for candidate in (*folder.glob(f".*{TEMP_SUFFIX}"), *folder.glob(f"*/.*{TEMP_SUFFIX}")):
        m = _TEMP_NAME.match(candidate.name)
        if not m or not candidate.is_file():
            continue
        try:
            age = now - candidate.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > STALE_TEMP_SECONDS or not _pid_alive(int(m.group(1))):
            found.append(candidate)
    return sorted(found)


class UnreadableFile(Exception):
    """Why a path cannot be read as a file, in a few words (callers add the path)."""


_NOT_REGULAR = ((stat.S_ISDIR, "is a directory"), (stat.S_ISFIFO, "is a named pipe (FIFO)"),
                (stat.S_ISSOCK, "is a socket"), (stat.S_ISCHR, "is a character device"),
                (stat.S_ISBLK, "is a block device"))


def open_regular(path: Path | str) -> BinaryIO:
    """Open a regular file for reading, or raise UnreadableFile saying why not.

    A FIFO or a device would block or never end, so only a regular file is read. The
    file is opened without blocking and checked once open (fstat), so a file swapped for
    a pipe after a first look cannot hang the reader."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise UnreadableFile("no such file (a symbolic link to a missing file)"
                             if path.is_symlink() else "no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile("symbolic link loop, not a file") from None
        if exc.errno == errno.EISDIR:
            raise UnreadableFile("is a directory") from None
        raise UnreadableFile(f"cannot read ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    for test, what in _NOT_REGULAR:
        if test(mode):
            os.close(fd)
            raise UnreadableFile(what)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")
