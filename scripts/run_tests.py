"""Run the whole pytest suite the way `make test` does.

The end-to-end suite owns one local stack, so it runs in its own pytest process, concurrently with the rest
of the suite under pytest-xdist (``--dist loadfile``: module and session fixtures are built once per file).
The multi-region failover drill (its own two-region stack) runs after it in the same background lane, so the
two stacks never build or apply at the same time. Most of the time in both lanes goes to waiting on the
emulator and Terraform, so they overlap well on 2 cores.

    python -m scripts.run_tests [--workers N] [-- PYTEST_ARGS...]

Exit code 5 ("no tests collected") counts as a failure: a suite that collects nothing is broken, not green.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NO_TESTS_COLLECTED = 5
# (name, tests, log): the suites that each start their own local stack, run one after the other beside the rest.
STACK_SUITES = (
    ("e2e suite", "tests/e2e", "e2e-pytest.log"),
    ("multi-region drill", "tests/multiregion", "multiregion-pytest.log"),
)


def verdict(name: str, code: int) -> tuple[int, str | None]:
    """The exit code to report for one pytest run, and an error line when it failed."""
    if code == 0:
        return 0, None
    if code == NO_TESTS_COLLECTED:
        return 1, f"error: {name}: pytest collected no tests"
    return code, f"error: {name}: pytest exited with {code}"


class StackLane:
    """Runs the stack suites one after the other on a thread, each into its own log; :meth:`stop` ends it."""

    def __init__(self, pytest: list[str], logs: Path) -> None:
        self._pytest, self._logs = pytest, logs
        self.codes: dict[str, int] = {}
        self._current: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="stack-suites", daemon=True)

    def start(self) -> StackLane:
        self._logs.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        for name, tests, log in STACK_SUITES:
            with (self._logs / log).open("w") as handle, self._lock:
                if self._stopped.is_set():
                    return
                self._current = subprocess.Popen(
                    [*self._pytest, tests], cwd=REPO, stdout=handle, stderr=subprocess.STDOUT
                )
            self.codes[name] = self._current.wait()

    def wait(self) -> dict[str, int]:
        self._thread.join()
        return self.codes

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            if self._current is not None and self._current.poll() is None:
                self._current.terminate()
                self._current.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.run_tests", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="2", help="pytest-xdist workers for the non-e2e suite (default 2)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    pytest = [sys.executable, "-m", "pytest", *args.pytest_args]
    logs = REPO / ".cache"
    lane = StackLane(pytest, logs).start()
    ignored = [f"--ignore={tests}" for _, tests, _ in STACK_SUITES]
    try:
        rest = subprocess.run([*pytest, "-n", args.workers, "--dist", "loadfile", *ignored], cwd=REPO)
        lane_codes = lane.wait()
    except BaseException:
        lane.stop()
        raise
    for name, tests, log in STACK_SUITES:
        print(f"\n--- {name} ({tests}, its own local stack; log {(logs / log).relative_to(REPO)}) ---", flush=True)
        print((logs / log).read_text() if (logs / log).exists() else "(not run)\n", end="", flush=True)
    worst = 0
    results = [("suite", rest.returncode)] + [(name, lane_codes.get(name, 1)) for name, _, _ in STACK_SUITES]
    for name, code in results:
        code, message = verdict(name, code)
        if message:
            print(message, file=sys.stderr)
        worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main())
