"""Measure cold starts, the build and the local data plane in one run: a JSON document and a table.

    python -m scripts.bench [--runs N] [--only NAME ...] [--skip SECTION ...] [--tracing] [--smoke] [--out FILE]

Sections: ``init`` (each function's INIT from its built zip in a Lambda-like process, its ratio to the
floor ``import aws_lambda_powertools, boto3``, and its library baseline's: its third-party imports alone),
``build`` (cold, no-op, one function changed), ``plane`` (warm invoke overhead through the Invoke API and the
HTTP gateway, SQS throughput through order_worker; uses the running `make up` stack, or starts one).
``--smoke`` is the fast shape check `make test` runs. Exit 1 when a function's INIT is over its budget (1.5x
the floor, orders_api 1.3x), 2 when a section cannot run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from scripts.measurements import BenchError, BenchOptions, run, table, verdict

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ("init", "build", "plane")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="INIT samples per function, median (default 5)")
    parser.add_argument("--invokes", type=int, default=200, help="warm invocations per data-plane path (default 200)")
    parser.add_argument("--messages", type=int, default=500, help="SQS pipeline messages (default 500; 0 skips it)")
    parser.add_argument("--only", nargs="*", default=[], metavar="NAME", help="INIT of these functions only")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS, metavar="SECTION", help="init|build|plane")
    parser.add_argument("--smoke", action="store_true", help="tiny N, one function, no data plane: shape only")
    parser.add_argument(
        "--tracing", action="store_true", help="INIT with X-Ray tracing on (default: off, POWERTOOLS_TRACE_DISABLED)"
    )
    parser.add_argument("--out", type=Path, default=REPO / ".cache" / "bench" / "bench.json", help="JSON output")
    parser.add_argument("--json", action="store_true", help="print the JSON instead of the table")
    parser.add_argument("--work", type=Path, default=REPO / ".cache" / "bench", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.invokes < 1 or args.messages < 0:
        parser.error("--runs and --invokes must be at least 1, --messages at least 0")
    options = BenchOptions(
        runs=args.runs,
        invokes=args.invokes,
        messages=args.messages,
        only=tuple(args.only),
        sections=tuple(s for s in SECTIONS if s not in args.skip),
        tracing=args.tracing,
    )
    if args.smoke:
        options = BenchOptions(
            runs=1,
            invokes=1,
            messages=0,
            only=tuple(args.only) or ("health",),
            sections=tuple(s for s in ("init", "build") if s not in args.skip),
            smoke=True,
        )

    def progress(line: str) -> None:
        if not args.json:
            print(line, file=sys.stderr, flush=True)

    try:
        document = run(REPO, args.work, options, progress)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(json.dumps(document, indent=2, sort_keys=True) if args.json else table(document))
    over = verdict(document)
    for line in over:
        print(f"over budget: {line}", file=sys.stderr)
    if not args.json:
        print(f"\n-> {args.out}", file=sys.stderr)
    return 1 if over and not options.smoke else 0


if __name__ == "__main__":
    sys.exit(main())
