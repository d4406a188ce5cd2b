"""Which Python runs a function: the runtime's version (python3.13 → a python3.13 binary) when installed.

Looked up, in order: ``LOCAL_LAMBDA_PYTHON3_13`` (env, for the python3.13 runtime), ``python3.13`` on PATH,
pyenv's versions, the usual system locations. Each candidate is checked by running it, because a pyenv shim
exists on PATH even when that version is not selected. Without one, the current interpreter runs the
function and the data plane says so once in the function's log.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.local.errors import LocalStackError


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # "3.13"
    exact: bool  # False when the runtime's version was not found and another one stands in


@functools.cache
def interpreter_for(runtime: str) -> Interpreter:
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    if match is None:
        raise LocalStackError(f"runtime {runtime!r} is not a Python runtime; the local data plane runs python3.x only")
    version = f"{match.group(1)}.{match.group(2)}"
    for candidate in _candidates(version):
        real = _real_executable(candidate, version)
        if real:
            return Interpreter(path=real, version=version, exact=True)
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Interpreter(path=sys.executable, version=current, exact=current == version)


def _candidates(version: str) -> list[str]:
    found: list[str] = []
    override = os.environ.get(f"LOCAL_LAMBDA_PYTHON{version.replace('.', '_')}")
    if override:
        found.append(override)
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv_builds = sorted((pyenv_root / "versions").glob(f"{version}*/bin/python{version}"), reverse=True)
    found.extend(str(p) for p in pyenv_builds)
    found.extend(f"{prefix}/bin/python{version}" for prefix in ("/usr/local", "/usr", "/opt/python"))
    return found


def _real_executable(path: str, version: str) -> str | None:
    """The interpreter binary behind ``path`` (a pyenv shim costs ~200 ms per start) if it is ``version``."""
    if not os.access(path, os.X_OK):
        return None
    try:
        completed = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = completed.stdout.split()
    if completed.returncode != 0 or len(lines) != 2 or lines[0] != version:
        return None
    return lines[1]
