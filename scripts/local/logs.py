"""Function logs: one file per function under .local/logs/ plus an interleaved, prefixed console stream."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

_COLORS = ("36", "33", "35", "32", "34", "91", "96", "93", "95", "92")


class LogHub:
    """Thread-safe sink for log lines of many functions (workers, gateway, pollers)."""

    def __init__(self, logs_dir: Path | None, console: TextIO | None = None, *, color: bool = False) -> None:
        self.logs_dir = logs_dir
        self._console = console
        self._color = color
        self._lock = threading.Lock()
        self._files: dict[str, TextIO] = {}
        self._width = 12
        if logs_dir is not None:
            logs_dir.mkdir(parents=True, exist_ok=True)

    def path(self, function_name: str) -> Path | None:
        return self.logs_dir / f"{function_name}.log" if self.logs_dir else None

    def line(self, source: str, text: str) -> None:
        now = datetime.now(UTC)
        with self._lock:
            log_file = self._file(source)
            if log_file is not None:
                log_file.write(f"{now.isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {text}\n")
                log_file.flush()
            if self._console is not None:
                self._width = max(self._width, min(len(source), 28))
                label = source.ljust(self._width)
                if self._color:
                    label = f"\033[{_COLORS[hash(source) % len(_COLORS)]}m{label}\033[0m"
                self._console.write(f"{now:%H:%M:%S.%f}"[:-3] + f" {label} | {text}\n")
                self._console.flush()

    def close(self) -> None:
        with self._lock:
            for handle in self._files.values():
                handle.close()
            self._files.clear()

    def _file(self, source: str) -> TextIO | None:
        if self.logs_dir is None:
            return None
        handle = self._files.get(source)
        if handle is None:
            handle = (self.logs_dir / f"{source}.log").open("a", encoding="utf-8")
            self._files[source] = handle
        return handle
