"""CLI: ``python -m scripts.emulator [--host H] [--port N] [--json]`` — run the emulator until Ctrl-C/SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Sequence

from scripts.emulator.server import EmulatorStartError, start_emulator


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.emulator",
        description="Run the embedded AWS emulator (moto server + the project's gap fills) until Ctrl-C/SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    parser.add_argument("--json", action="store_true", help='print {"url": ..., "port": ...} instead of the URL')
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        emulator = start_emulator(args.host, args.port)
    except EmulatorStartError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stop_requested: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        # A plain flag: setting a threading.Event from a handler can deadlock on the Event's own lock.
        signal.signal(signum, lambda received, _frame: stop_requested.append(received))
    print(json.dumps({"url": emulator.url, "port": emulator.port}) if args.json else emulator.url, flush=True)
    try:
        while not stop_requested:
            time.sleep(0.2)
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
