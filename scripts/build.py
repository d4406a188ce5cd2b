"""Build every function and layer into deterministic zips and dist/manifest.json.

    python -m scripts.build [--jobs N] [--only NAME ...] [--force] [--json] [--host] [--require-bytecode]

Unchanged artifacts (same input key, zip intact) are reported as cached and not rebuilt.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from scripts.artifacts import Builder, BuildError, Result, host_target

REPO = Path(__file__).resolve().parent.parent


def _megabytes(result: Result, key: str) -> float:
    value = result.entry.get(key)
    return value / 1e6 if isinstance(value, int) else 0.0


def _line(result: Result) -> str:
    if result.status == "failed":
        return f"  failed  {result.kind:<8} {result.name:<22} {result.seconds:6.2f}s  {result.error}"
    return (
        f"  {result.status:<7} {result.kind:<8} {result.name:<22} {_megabytes(result, 'size'):7.2f} MB "
        f"({_megabytes(result, 'unzipped_size'):6.2f} MB unzipped) {result.seconds:6.2f}s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel builds (default: CPUs)")
    parser.add_argument("--only", nargs="*", default=[], metavar="NAME", help="build only these functions/layers")
    parser.add_argument("--force", action="store_true", help="rebuild even when the input key is unchanged")
    parser.add_argument("--json", action="store_true", help="print a JSON report instead of the table")
    parser.add_argument(
        "--host",
        action="store_true",
        help="build for this machine's Python and CPU into .cache/host-dist (local runs and zip tests)",
    )
    parser.add_argument(
        "--require-bytecode",
        action="store_true",
        help="fail when the target runtime's Python is missing instead of shipping zips without .pyc (CI)",
    )
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    cache = Path(os.environ.get("LAMBDA_WHEEL_CACHE", repo / ".cache" / "wheels"))
    lock = threading.Lock()

    def progress(result: Result) -> None:
        if not args.json:
            with lock:
                print(_line(result), flush=True)

    start = time.perf_counter()
    target = host_target() if args.host else None
    dist = repo / ".cache" / "host-dist" if args.host else repo / "dist"
    builder = Builder(
        repo,
        dist,
        cache,
        jobs=max(1, args.jobs),
        force=args.force,
        progress=progress,
        target=target,
        require_bytecode=args.require_bytecode,
    )
    try:
        _, results = builder.build(args.only)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in builder.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    elapsed = time.perf_counter() - start
    failed = [r for r in results if r.status == "failed"]
    if args.json:
        report = {
            "seconds": round(elapsed, 3),
            "artifacts": [
                {"kind": r.kind, "name": r.name, "status": r.status, "seconds": round(r.seconds, 3), "error": r.error}
                | {k: r.entry[k] for k in ("path", "sha256", "size", "unzipped_size", "bytecode") if k in r.entry}
                for r in results
            ],
        }
        print(json.dumps(report, indent=2))
    else:
        counts = {s: sum(r.status == s for r in results) for s in ("built", "cached", "failed")}
        print(
            f"{counts['built']} built, {counts['cached']} cached, {counts['failed']} failed "
            f"in {elapsed:.2f}s -> {dist.relative_to(repo)}/manifest.json"
        )
    for r in failed:
        print(f"error: {r.kind} {r.name}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
