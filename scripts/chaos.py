"""``python -m scripts.chaos`` (``make chaos``): 10,000 order messages with 1% poison and 5% duplicate sends through
the orders queue of a local stack, an order_worker process killed with SIGKILL mid-run, then the audit.

    python -m scripts.chaos                               # start a stack in a temp dir, run, stop it
    python -m scripts.chaos --local-dir .local            # against a running `make up`
    python -m scripts.chaos --messages 300 --json out.json

Prints progress and a summary table; ``--json FILE`` writes the figures. Exit code 0 when the run met its
guarantees (every good order applied once, no good message and all poison in the DLQ), 1 when not, 2 for bad
arguments or a stack that cannot be reached. The logic is in ``scripts/local/chaos.py``.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.config import Config

from scripts.local.chaos import ChaosPlan, ChaosTarget, format_report, run_chaos
from scripts.local.clients import emulator_client

REPO = Path(__file__).resolve().parents[1]
TARGET_RATE = 100.0  # msg/s the queue must sustain on a 2-core machine


class ChaosSetupError(RuntimeError):
    """The stack could not be started or read; the message says what to do."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages to send (default 10000)")
    parser.add_argument("--poison-rate", type=float, default=0.01, help="share of poison messages (default 0.01)")
    parser.add_argument("--duplicate-rate", type=float, default=0.05, help="share of duplicate sends (default 0.05)")
    parser.add_argument("--kill", type=int, default=1, help="order_worker processes to SIGKILL mid-run (default 1)")
    parser.add_argument("--seed", type=int, default=13, help="shuffle seed (default 13)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the drain (default 1800)")
    parser.add_argument("--local-dir", type=Path, help="a running local stack's directory (default: start one)")
    parser.add_argument("--up-args", default="", help="extra options for `scripts.local up` when starting a stack")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON to FILE")
    return parser


def _cli(local_dir: Path, *args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scripts.local", "--local-dir", str(local_dir), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout_s, check=False)


@contextmanager
def temporary_stack(extra_args: Sequence[str]) -> Iterator[Path]:
    """A local stack in a temporary directory on free ports, stopped afterwards whatever happens."""
    with tempfile.TemporaryDirectory(prefix="chaos-stack-") as tmp:
        local_dir = Path(tmp)
        print(f"starting a local stack in {local_dir} (about 2 minutes) ...", flush=True)
        args = ["up", "--detach", "--emulator-port", "0", "--api-port", "0", "--no-watch", "--wait", "900"]
        started = _cli(local_dir, *args, *extra_args, timeout_s=960)
        try:
            if started.returncode != 0:
                detail = (started.stderr or started.stdout).strip().splitlines()[-1:] or ["no output"]
                raise ChaosSetupError(f"`scripts.local up` failed: {detail[0]} (log: {local_dir / 'stack.log'})")
            yield local_dir
        finally:
            _cli(local_dir, "down", timeout_s=120)


def read_stack(local_dir: Path) -> dict[str, Any]:
    info_file = local_dir / "stack.json"
    try:
        info: dict[str, Any] = json.loads(info_file.read_text())
    except (OSError, ValueError) as exc:
        raise ChaosSetupError(f"no running stack in {local_dir} ({exc}); start one with `make up`") from None
    if info.get("state") != "ready":
        raise ChaosSetupError(f"the stack in {local_dir} is {info.get('state')!r}, not ready")
    return info


def emulator_clients(endpoint_url: str) -> Callable[[str], Any]:
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=20)
    return functools.partial(emulator_client, endpoint_url, config=config)


def run(args: argparse.Namespace, plan: ChaosPlan, local_dir: Path) -> int:
    info = read_stack(local_dir)
    target = ChaosTarget.from_stack_info(info, emulator_clients(info["emulator_url"]))
    report = run_chaos(target, plan, progress=lambda line: print(line, flush=True), stack_pid=info.get("pid"))
    print()
    print(format_report(report, target_rate=TARGET_RATE))
    if args.json:
        args.json.write_text(report.to_json() + "\n")
        print(f"\nfigures written to {args.json}")
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        plan = ChaosPlan(
            messages=args.messages,
            poison_rate=args.poison_rate,
            duplicate_rate=args.duplicate_rate,
            kill_workers=args.kill,
            seed=args.seed,
            drain_timeout_s=args.timeout,
        )
        if args.local_dir is not None:
            return run(args, plan, args.local_dir.resolve())
        with temporary_stack(args.up_args.split()) as local_dir:
            return run(args, plan, local_dir)
    except (ValueError, ChaosSetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
