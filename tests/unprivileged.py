"""Run ``banana`` as an unprivileged user, for what root cannot see: files it may not
read, folders it may not write. Tests run as root on CI, where every permission check
passes; ``setpriv`` drops to ``nobody`` for one real command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
USER = "nobody"

# The project first, the dependencies after the interpreter's own library (a backport
# such as PyPI's "typing" in site-packages must never shadow the standard library).
_LAUNCH = ("import sys; sys.path.insert(0, sys.argv[1]); sys.path.append(sys.argv[2]); "
           "del sys.argv[1:3]; from banana.cli import main; main()")


def _interpreter() -> list[str]:
    """A Python that ``nobody`` can execute, with the project and its dependencies on
    the path (this one, unless it sits in a folder nobody may enter)."""
    site = sysconfig.get_paths()["purelib"]
    for python in (sys.executable, shutil.which("python3.11") or "", "/usr/bin/python3"):
        if python and _runs_as_nobody([python, "-c", "pass"]):
            return [python, "-c", _LAUNCH, str(REPO), site]
    return []


def _runs_as_nobody(argv: list[str]) -> bool:
    try:
        return subprocess.run(_drop(argv), capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _drop(argv: list[str]) -> list[str]:
    return ["setpriv", f"--reuid={USER}", "--regid=nogroup", "--clear-groups", *argv]


def banana_as_nobody(*args, library: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``banana ARGS`` as user nobody (skips the test where that cannot be arranged)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run a command as an unprivileged user")
    launcher = _interpreter()
    if not launcher:
        pytest.skip("no Python interpreter the user nobody may run")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "BANANA_LIBRARY": str(library),
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(_drop([*launcher, *map(str, args)]), cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def open_folder():
    """A fresh folder under /tmp that the unprivileged user may enter and write
    (pytest's own temp folders belong to root alone)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="banana-nobody-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
