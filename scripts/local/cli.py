"""``python -m scripts.local up|down|invoke|logs|token|seed|status`` — the local stack from the command line.

``--help`` on each command says what it does. ``invoke`` exits 1 on a function error or a 5xx answer; other
errors are one line on stderr with exit code 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from scripts.local import control, guide, seed
from scripts.local.clients import emulator_client
from scripts.local.errors import FunctionNotFoundError, LocalStackError
from scripts.local.stack import REPO, Stack, StackInfo, StackOptions, StackPaths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.local",
        description="Run the whole system on this machine: emulator, Terraform, Lambda data plane, API gateway.",
    )
    parser.add_argument("--local-dir", type=Path, default=REPO / ".local", help="state directory (default: .local)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start the stack (foreground unless --detach)")
    up.add_argument("--detach", action="store_true", help="run in the background and return once it is ready")
    up.add_argument("--foreground", action="store_true", help=argparse.SUPPRESS)  # what --detach runs
    up.add_argument("--emulator-port", type=int, default=4566, help="emulator port (default 4566; 0 = any free)")
    up.add_argument("--api-port", type=int, default=3000, help="API gateway port (default 3000; 0 = any free)")
    up.add_argument(
        "--payment-port", type=int, default=0, help="payment API sandbox port (default 0 = any free; Terraform gets it)"
    )
    up.add_argument("--no-build", action="store_true", help="skip `python -m scripts.build --host`")
    up.add_argument("--no-terraform", action="store_true", help="do not apply terraform/environments/local")
    up.add_argument("--terraform-dir", type=Path, help="Terraform root module (default terraform/environments/local)")
    up.add_argument("--dist-dir", type=Path, help="built zips + manifest.json (default .cache/host-dist)")
    up.add_argument(
        "--extra-region",
        action="append",
        default=[],
        metavar="REGION",
        help="also run this region's functions and APIs (repeatable; see terraform/environments/local_two_region)",
    )
    up.add_argument("--no-events", action="store_true", help="do not start SQS pollers, schedules, async retries")
    up.add_argument("--no-watch", action="store_true", help="do not redeploy when the manifest changes")
    up.add_argument("--time-scale", type=float, default=1.0, help="async retry delays × this (default 1.0)")
    up.add_argument("--wait", type=float, default=900.0, help="--detach: seconds to wait for readiness")

    commands.add_parser("down", help="stop the stack and every process it started")

    invoke = commands.add_parser("invoke", help="invoke a function in the running stack")
    invoke.add_argument("function", help="function name (or the key after the prefix, e.g. health)")
    invoke.add_argument(
        "event", nargs="?", help="JSON event file ('-' = stdin; default: the function's first sample event)"
    )
    invoke.add_argument("--qualifier", help="version or alias")
    invoke.add_argument("--json", action="store_true", help="print one JSON object (payload, error, log)")

    logs = commands.add_parser("logs", help="tail a function's log")
    logs.add_argument("function")
    logs.add_argument("-n", "--lines", type=int, default=50, help="lines of history (default 50)")
    logs.add_argument("--no-follow", action="store_true", help="print and exit")

    token = commands.add_parser("token", help="print an ID token of the local user pool (only the token)")
    token.add_argument("--user", help="the user's email (default: a fresh confirmed user; created if unknown)")
    token.add_argument("--password", help="the user's password (needed for an existing user)")

    commands.add_parser("seed", help="reset the stock of the sample SKUs in the running stack's inventory table")
    stat = commands.add_parser("status", help="is the stack up, and where")
    stat.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = StackPaths(args.local_dir.resolve())
    try:
        return _COMMANDS[args.command](args, paths)
    except LocalStackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _up(args: argparse.Namespace, paths: StackPaths) -> int:
    running = control.running_stack(paths)
    if running is not None and running.pid != os.getpid():
        print(control.already_up_message(running))
        return 0
    if args.detach:
        info = control.start_detached(paths, _forwarded_options(args), args.wait)
        print(f"emulator: {info.emulator_url}\npayment API (sandbox): {info.payment_api_url}")
        print(f"stack log: {paths.stack_log}")
        print("\n".join(guide.next_steps(info, paths.root, _user_pool_or_none(info))))
        return 0
    options = StackOptions(
        local_dir=paths.root,
        emulator_port=args.emulator_port,
        api_port=args.api_port,
        payment_port=args.payment_port,
        build=not args.no_build,
        terraform_dir=None if args.no_terraform else (args.terraform_dir or StackOptions.terraform_dir),
        dist_dir=args.dist_dir or StackOptions.dist_dir,
        watch=not args.no_watch,
        events=not args.no_events,
        time_scale=args.time_scale,
        extra_regions=tuple(args.extra_region),
        color=sys.stdout.isatty(),
    )
    stop_event = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop_event.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    Stack(options, out=lambda line: print(line, flush=True)).serve(stop_event)
    return 0


def _forwarded_options(args: argparse.Namespace) -> list[str]:
    forwarded = ["--emulator-port", str(args.emulator_port), "--api-port", str(args.api_port)]
    forwarded += ["--payment-port", str(args.payment_port)]
    forwarded += ["--time-scale", str(args.time_scale)]
    for flag in ("no_build", "no_terraform", "no_events", "no_watch"):
        if getattr(args, flag):
            forwarded.append("--" + flag.replace("_", "-"))
    if args.terraform_dir:
        forwarded += ["--terraform-dir", str(args.terraform_dir.resolve())]
    if args.dist_dir:
        forwarded += ["--dist-dir", str(args.dist_dir.resolve())]
    for region in args.extra_region:
        forwarded += ["--extra-region", region]
    return forwarded


def _down(args: argparse.Namespace, paths: StackPaths) -> int:
    report = control.stop(paths)
    if not report.was_up:
        print("not up")
    else:
        extra = f", {report.strays_killed} stray process(es) killed" if report.strays_killed else ""
        print(f"stopped (pid {report.pid}{extra})")
    return 0


def _user_pool_or_none(info: StackInfo) -> guide.UserPool | None:
    """The stack's user pool, or None when it has none (e.g. started with --no-terraform)."""
    try:
        return guide.user_pool(_cognito(info), info.outputs)
    except LocalStackError:
        return None


def _cognito(info: StackInfo) -> Any:
    return emulator_client(info.emulator_url, "cognito-idp")


def _token(args: argparse.Namespace, paths: StackPaths) -> int:
    info = control.require_running(paths)
    cognito = _cognito(info)
    signed_in = guide.id_token(cognito, guide.user_pool(cognito, info.outputs), args.user, args.password)
    if args.user and signed_in.generated_password:
        print(f"created {signed_in.username} with password {signed_in.generated_password}", file=sys.stderr)
    print(signed_in.id_token)
    return 0


def _invoke(args: argparse.Namespace, paths: StackPaths) -> int:
    output = control.invoke(paths, args.function, args.event, args.qualifier)
    if output.event_file:
        print(f"event: {output.event_file} (the first sample event; EVENT=<file> sends another)", file=sys.stderr)
    if args.json:
        print(json.dumps(output.to_json(), indent=2))
    else:
        if output.log:
            print(output.log.rstrip("\n"), file=sys.stderr)
        try:
            print(json.dumps(json.loads(output.payload), indent=2))
        except ValueError:
            print(output.payload.decode("utf-8", errors="replace"))
    if output.failed:
        reason = f"function error ({output.function_error})" if output.function_error else f"HTTP {output.http_status}"
        print(f"error: {output.function} failed: {reason}", file=sys.stderr)
    return 1 if output.failed else 0


def _logs(args: argparse.Namespace, paths: StackPaths) -> int:
    try:
        path = control.log_file(paths, args.function)
    except FunctionNotFoundError:
        path = control.future_log_file(paths, args.function)  # deployed but not run yet; else the one-line error
        if args.no_follow:
            print(f"{path.stem} has not logged yet", file=sys.stderr)
            return 0
        print(f"{path.stem} has not run yet; waiting for its first log line (Ctrl-C stops)", file=sys.stderr)
        control.wait_for_file(path)
    for line in control.tail(path, args.lines, follow=not args.no_follow):
        sys.stdout.write(line)
        sys.stdout.flush()
    return 0


def _seed(args: argparse.Namespace, paths: StackPaths) -> int:
    info = control.require_running(paths)
    table = seed.inventory_table(info.outputs)
    if table is None:
        print("error: the running stack has no inventory table (started without Terraform?)", file=sys.stderr)
        return 1
    count = seed.seed_inventory(emulator_client(info.emulator_url, "dynamodb"), table)
    print(f"seed: {count} sample SKUs stocked in {table}")
    return 0


def _status(args: argparse.Namespace, paths: StackPaths) -> int:
    report = control.status(paths)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    elif not report["up"]:
        print("not up")
    else:
        print(f"{report['state']} (pid {report['pid']}, {report['processes']} process(es))")
        print(f"  emulator  {report['emulator_url']}")
        for name, url in report["api_urls"].items():
            print(f"  API {name}  {url}")
        print(f"  payment API (sandbox)  {report.get('payment_api_url') or '-'}")
    return 0


_COMMANDS = {
    "up": _up,
    "down": _down,
    "invoke": _invoke,
    "logs": _logs,
    "token": _token,
    "seed": _seed,
    "status": _status,
}
