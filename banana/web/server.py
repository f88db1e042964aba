"""Running the application: a listening socket, then uvicorn on it.

The socket is opened first (``listen``), so a port in use or a host that is not this
machine's is a one-line ``OptionError`` before anything starts, and ``--port 0`` can
say which free port it got. uvicorn then serves the Starlette application on it until
Ctrl-C (or SIGTERM), finishing the requests under way: in this process, or in several
worker processes that share the socket (``--workers``: searching is CPU work, and one
Python process runs its Python parts on one core at a time).
"""

from __future__ import annotations

import errno
import ipaddress
import socket

import os
from collections.abc import Sequence

import uvicorn
from uvicorn.supervisors import Multiprocess

from banana.errors import OptionError
from banana.fsutil import LIBRARY_ENV
from banana.library import Library
from banana.web.app import HOSTS_ENV, SEARCH_PROCESSES_ENV, create_app

LISTEN_BACKLOG = 128


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host``:``port`` (0: a free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise OptionError(f"--host {host!r} is not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror or exc})"
        raise OptionError(f"port {port} on {host} {why}; pick another with --port "
                          "(0 picks a free one)") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


APP_FACTORY = "banana.web.app:from_environment"  # what each worker process builds
MAX_WORKERS = 32
MAX_SEARCH_PROCESSES = 32


def default_search_processes(workers: int) -> int:
    """One search process a core for a single server process (searching is CPU work, and
    a process's Python runs on one core at a time); with several workers, each searches
    on a thread of its own, as the workers already spread over the cores."""
    return min(os.cpu_count() or 1, MAX_SEARCH_PROCESSES) if workers == 1 else 0


def run(library: Library, sock: socket.socket, *, allowed_hosts: Sequence[str] | None,
        workers: int = 1, search_processes: int | None = None) -> None:
    """Serve ``library``'s pages on ``sock`` until interrupted: in this process, or in
    ``workers`` processes sharing the socket (each builds the application from the
    environment: ``BANANA_LIBRARY``, ``BANANA_WEB_HOSTS`` and ``BANANA_SEARCH_PROCESSES``).
    Each searches in ``search_processes`` processes of its own (0: on one thread; None:
    ``default_search_processes``)."""
    if not 1 <= workers <= MAX_WORKERS:
        raise OptionError(f"--workers must be from 1 to {MAX_WORKERS}, not {workers}")
    if search_processes is None:
        search_processes = default_search_processes(workers)
    if not 0 <= search_processes <= MAX_SEARCH_PROCESSES:
        raise OptionError(f"--search-processes must be from 0 to {MAX_SEARCH_PROCESSES}, "
                          f"not {search_processes}")
    options = {"log_level": "warning", "access_log": False, "server_header": False,
               "proxy_headers": False}
    if workers == 1:
        app = create_app(library, allowed_hosts=allowed_hosts, search_processes=search_processes)
        try:
            uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])
        except KeyboardInterrupt:
            pass  # uvicorn finished the requests under way, then passed Ctrl-C on: stopped as asked
        return
    os.environ[LIBRARY_ENV] = str(library.root)
    os.environ[HOSTS_ENV] = "*" if allowed_hosts is None else ",".join(allowed_hosts)
    os.environ[SEARCH_PROCESSES_ENV] = str(search_processes)
    config = uvicorn.Config(APP_FACTORY, factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[sock]).run()
