"""The house's shape, checked: layers point one way (import-linter's contract in
pyproject.toml), and nothing is imported inside a function but the heavy optional
dependencies."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "banana"
# The only modules a function may import (documented in README's Architecture): big or
# optional dependencies that commands which do not need them must not pay for.
HEAVY = {"torch", "whisper", "faster_whisper", "ctranslate2", "av", "sympy", "numpy",
         "mutagen", "resemblyzer", "silero_vad", "sklearn", "ray",
         "wordfreq"}  # ~150 ms to import (ftfy, langcodes): only analysis needs it


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """import-linter's own command on the contract in ``cwd``/pyproject.toml."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("import-linter is not installed: it is in the test extra")
    return subprocess.run([command, "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"}, timeout=300)


def test_the_layers_contract_is_kept():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_fails_when_a_lower_layer_imports_a_higher_one(tmp_path):
    copy = tmp_path / "house"
    shutil.copytree(PACKAGE, copy / "banana", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", copy)
    model = copy / "banana" / "transcript.py"
    model.write_text(model.read_text(encoding="utf-8") + "\nimport banana.pipeline  # up a layer\n",
                     encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "banana.transcript -> banana.pipeline" in result.stdout


def function_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import statement inside a function of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import):
                found += [(node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def test_functions_import_only_heavy_optional_dependencies():
    light = [f"{path.relative_to(REPO)}:{line} imports {module}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for line, module in function_level_imports(path)
             if module.split(".")[0] not in HEAVY]
    assert light == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from banana import library\n    import torch\n")
    assert function_level_imports(sample) == [(4, "banana"), (5, "torch")]
