"""Run the whole pytest suite the way `make test` does.

The end-to-end suite owns one local stack, so it runs in its own pytest process, concurrently with the rest
of the suite under pytest-xdist (``--dist loadfile``: module and session fixtures are built once per file).
Most of the time in both goes to waiting on the emulator and Terraform, so they overlap well on 2 cores.

    python -m scripts.run_tests [--workers N] [-- PYTEST_ARGS...]

Exit code 5 ("no tests collected") counts as a failure: a suite that collects nothing is broken, not green.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NO_TESTS_COLLECTED = 5


def verdict(name: str, code: int) -> tuple[int, str | None]:
    """The exit code to report for one pytest run, and an error line when it failed."""
    if code == 0:
        return 0, None
    if code == NO_TESTS_COLLECTED:
        return 1, f"error: {name}: pytest collected no tests"
    return code, f"error: {name}: pytest exited with {code}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.run_tests", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="2", help="pytest-xdist workers for the non-e2e suite (default 2)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    pytest = [sys.executable, "-m", "pytest", *args.pytest_args]
    log = REPO / ".cache" / "e2e-pytest.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        e2e = subprocess.Popen([*pytest, "tests/e2e"], cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)
        try:
            rest = subprocess.run([*pytest, "-n", args.workers, "--dist", "loadfile", "--ignore=tests/e2e"], cwd=REPO)
            e2e_code = e2e.wait()
        except BaseException:
            e2e.terminate()
            e2e.wait()
            raise
    print(f"\n--- end-to-end suite (tests/e2e, one local stack; log {log.relative_to(REPO)}) ---", flush=True)
    print(log.read_text(), end="", flush=True)
    worst = 0
    for name, code in (("suite", rest.returncode), ("e2e suite", e2e_code)):
        code, message = verdict(name, code)
        if message:
            print(message, file=sys.stderr)
        worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main())
