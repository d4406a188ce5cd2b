"""The default run collects every test module in the repository: none is left out by a directory's name.

pytest's default ``norecursedirs`` skips any directory named ``build``, which silently kept ``tests/build``
(the builder's and the bench's tests) out of ``make test``; pyproject.toml now lists the defaults without it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_test_module_in_git_is_collected_by_the_default_run() -> None:
    # Given every test module git knows of
    listed = subprocess.run(
        ["git", "ls-files", "--", "*test_*.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    modules = {path for path in listed if Path(path).name.startswith("test_")}
    # When pytest collects with the project's configuration (no paths: its testpaths)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    collected = {line.split("::", 1)[0] for line in proc.stdout.splitlines() if "::" in line}
    # Then every module has at least one collected test
    assert sorted(modules - collected) == []
