"""`make typecheck`: mypy, strict for the shared package, checked (untyped bodies too) for functions and scripts.

Every function folder is its own import root (``functions/<name>/<package>``), so the folders go on mypy's
path and each package is checked by name; their tests are left to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def function_packages(root: Path = REPO / "functions") -> list[tuple[Path, str]]:
    """(folder, package) for every function folder: the folder's sub-directory holding handler.py."""
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        packages = [p.name for p in folder.iterdir() if (p / "handler.py").is_file()]
        if len(packages) != 1:
            raise SystemExit(f"typecheck: {folder.relative_to(REPO)} has no single <package>/handler.py")
        found.append((folder, packages[0]))
    return found


def runs() -> list[tuple[str, list[str], dict[str, str]]]:
    """(what, mypy arguments, extra environment) for each mypy invocation."""
    functions = function_packages()
    path = os.pathsep.join(str(folder) for folder, _ in functions)
    checked = ["--check-untyped-defs", "-p", "scripts"]
    for _, package in functions:
        checked += ["-p", package]
    return [
        ("shared (strict)", ["--strict", "-p", "shared"], {}),
        ("functions and scripts", checked, {"MYPYPATH": path}),
    ]


def main() -> int:
    failed = []
    for what, args, extra in runs():
        print(f"typecheck: {what}", flush=True)
        env = {**os.environ, **extra}
        result = subprocess.run([sys.executable, "-m", "mypy", "--python-version", "3.11", *args], cwd=REPO, env=env)
        if result.returncode != 0:
            failed.append(what)
    if failed:
        print(f"typecheck: mypy found errors in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
