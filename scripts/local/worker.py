"""Warm execution environments: one ``bootstrap.py`` subprocess each, and the per-function pool of them.

A :class:`Worker` owns one process (in its own process group, so a timeout kill takes its children too),
two pipes for requests and responses, and a reader thread that turns the process's stdout+stderr into log
lines. A :class:`FunctionPool` hands out concurrency slots (reserved concurrency throttles, the local default
only queues) and reuses idle workers whose fingerprint matches the function version being invoked.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.local.errors import TooManyRequestsError

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
SENTINEL = "\x1e"  # bootstrap.SENTINEL: end of one invocation's output

LineSink = Callable[[str], None]


def process_environments() -> Iterator[tuple[int, dict[str, str]]]:
    """Every readable process's pid and environment (how `down` and the chaos run find a stack's workers)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "environ").read_bytes()
        except OSError:
            continue
        pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
        yield int(entry.name), {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


@dataclass
class Reply:
    """What one invocation produced inside a worker."""

    payload: bytes = b""
    error: dict[str, Any] | None = None
    timed_out: bool = False
    crashed: bool = False
    duration_ms: float = 0.0
    max_memory_mb: int = 0
    log_lines: list[str] = field(default_factory=list)


@dataclass
class InitOutcome:
    init_ms: float
    error: dict[str, Any] | None = None
    timed_out: bool = False
    log_lines: list[str] = field(default_factory=list)


class _Timeout(Exception):
    pass


class Worker:
    """One warm execution environment for one function version (identified by ``fingerprint``)."""

    def __init__(
        self,
        *,
        function_name: str,
        version: str,
        fingerprint: str,
        argv: list[str],
        env: dict[str, str],
        cwd: Path,
        sink: LineSink,
        tmp_dir: Path | None = None,
    ) -> None:
        self.function_name = function_name
        self.version = version
        self.fingerprint = fingerprint
        self.last_used = time.monotonic()
        self.invocations = 0
        self._argv, self._env, self._cwd, self._sink = argv, env, cwd, sink
        self._tmp_dir = tmp_dir  # this environment's /tmp, removed with it
        self.runtime_note = ""  # shown on INIT_START when the interpreter differs from the configured runtime
        self._proc: subprocess.Popen[bytes] | None = None
        self._request_fd = -1
        self._response_fd = -1
        self._reader: threading.Thread | None = None
        self._capture: list[str] | None = None
        self._capture_lock = threading.Lock()
        self._output_done = threading.Event()
        self._awaited_request = ""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, init_timeout_s: float) -> InitOutcome:
        """Spawn the process and wait for its init phase (handler import) to finish."""
        request_r, request_w = os.pipe()
        response_r, response_w = os.pipe()
        self._capture = []
        self._output_done.clear()
        self._awaited_request = "init"
        started = time.perf_counter()
        try:
            self._proc = subprocess.Popen(
                [*self._argv, str(request_r), str(response_w)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(request_r, response_w),
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        finally:
            os.close(request_r)
            os.close(response_w)
        self._request_fd, self._response_fd = request_w, response_r
        self._reader = threading.Thread(target=self._read_output, name=f"log-{self.function_name}", daemon=True)
        self._reader.start()
        try:
            message = self._receive(time.monotonic() + init_timeout_s)
        except _Timeout:
            self.kill()
            return InitOutcome(_ms_since(started), timed_out=True, log_lines=self._take_capture())
        if message is None:
            code = self._exit_status()
            return InitOutcome(_ms_since(started), error=_exit_error(None, code), log_lines=self._take_capture())
        self._output_done.wait(timeout=2.0)
        # Lambda's Init Duration covers starting the runtime too, not just the handler import.
        init_ms = _ms_since(started)
        if message["type"] == "init_error":
            self.kill()
            return InitOutcome(init_ms, error=message["error"], log_lines=self._take_capture())
        return InitOutcome(init_ms, log_lines=self._take_capture())

    def invoke(self, request: dict[str, Any], timeout_s: float) -> Reply:
        """Run one invocation; on timeout or crash the process is gone afterwards (``alive`` is False)."""
        self.invocations += 1
        request_id = request["request_id"]
        with self._capture_lock:
            self._capture = []
        self._output_done.clear()
        self._awaited_request = request_id
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        try:
            self._send(request)
            message = self._receive(deadline)
        except _Timeout:
            self.kill()
            return Reply(timed_out=True, duration_ms=_ms_since(started), log_lines=self._take_capture())
        except BrokenPipeError:
            message = None
        duration = _ms_since(started)
        if message is None:
            code = self._exit_status()
            lines = self._take_capture()
            return Reply(crashed=True, error=_exit_error(request_id, code), duration_ms=duration, log_lines=lines)
        self._output_done.wait(timeout=2.0)
        self.last_used = time.monotonic()
        reply = Reply(duration_ms=duration, max_memory_mb=int(message.get("max_memory_mb", 0)))
        if message["type"] == "error":
            reply.error = message["error"]
            reply.payload = json.dumps(message["error"]).encode()
        else:
            reply.payload = message["payload"].encode()
        reply.log_lines = self._take_capture()
        return reply

    def kill(self) -> None:
        """Stop the process group now (SIGKILL, like Lambda ending a sandbox) and release the pipes."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        for fd in (self._request_fd, self._response_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._request_fd = self._response_fd = -1
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=2.0)
        if self._tmp_dir is not None and (proc is None or proc.poll() is not None):
            shutil.rmtree(self._tmp_dir, ignore_errors=True)

    def _exit_status(self) -> int | None:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        return code

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            view = view[os.write(self._request_fd, view) :]

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        header = self._read_exact(4, deadline)
        if header is None:
            return None
        body = self._read_exact(struct.unpack(">I", header)[0], deadline)
        if body is None:
            return None
        message: dict[str, Any] = json.loads(body)
        return message

    def _read_exact(self, size: int, deadline: float) -> bytes | None:
        chunks: list[bytes] = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            ready, _, _ = select.select([self._response_fd], [], [], remaining)
            if not ready:
                raise _Timeout
            chunk = os.read(self._response_fd, min(size, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _read_output(self) -> None:
        assert self._proc is not None
        assert self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if SENTINEL in line:
                line, request_id = line.split(SENTINEL, 1)
                if line:
                    self._deliver(line)
                if request_id == self._awaited_request:
                    self._output_done.set()
                continue
            self._deliver(line)
        self._proc.stdout.close()

    def _deliver(self, line: str) -> None:
        with self._capture_lock:
            if self._capture is not None:
                self._capture.append(line)
        self._sink(line)

    def _take_capture(self) -> list[str]:
        with self._capture_lock:
            lines, self._capture = self._capture or [], None
        return lines


class FunctionPool:
    """Concurrency slots and idle workers of one function (all its versions share reserved concurrency)."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self._cond = threading.Condition()
        self._busy = 0
        self._idle: list[Worker] = []
        self._busy_workers: set[Worker] = set()
        self._generation = 0
        self._worker_generation: dict[int, int] = {}

    def acquire_slot(self, limit: int, *, throttle: bool, wait_s: float) -> None:
        """Take one concurrency slot. Reserved concurrency throttles at once, like Lambda's 429."""
        with self._cond:
            if throttle and self._busy >= limit:
                raise TooManyRequestsError(
                    f"function {self.function_name} is at its reserved concurrency ({limit}): "
                    "Rate Exceeded (ReservedFunctionConcurrentInvocationLimitExceeded)"
                )
            if not self._cond.wait_for(lambda: self._busy < limit, timeout=wait_s):
                raise TooManyRequestsError(
                    f"function {self.function_name}: no free worker within {wait_s:.0f} s (local pool of {limit})"
                )
            self._busy += 1

    def release_slot(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify()

    def take_idle(self, version: str, fingerprint: str, limit: int) -> Worker | None:
        """An idle warm worker for this fingerprint, else None after making room for a new one.

        Idle workers of the same version with another fingerprint run replaced code or configuration:
        they can never serve again and are stopped here."""
        stale: list[Worker] = []
        found: Worker | None = None
        with self._cond:
            for worker in list(self._idle):
                if not worker.alive:
                    self._idle.remove(worker)
                elif worker.fingerprint == fingerprint and found is None:
                    self._idle.remove(worker)
                    found = worker
                elif worker.version == version and worker.fingerprint != fingerprint:
                    self._idle.remove(worker)
                    stale.append(worker)
            if found is None:
                # Keep live processes within the limit: drop the least recently used other-version workers.
                self._idle.sort(key=lambda w: w.last_used)
                while self._idle and self._busy + len(self._idle) > limit:
                    stale.append(self._idle.pop(0))
            else:
                self._busy_workers.add(found)
        for worker in stale:
            worker.kill()
        return found

    def track(self, worker: Worker) -> None:
        with self._cond:
            self._busy_workers.add(worker)
            self._worker_generation[id(worker)] = self._generation

    def give_back(self, worker: Worker) -> None:
        """Return a worker after an invocation: kept warm if alive and not recycled meanwhile."""
        with self._cond:
            self._busy_workers.discard(worker)
            current = self._worker_generation.get(id(worker)) == self._generation
            keep = worker.alive and current
            if keep:
                self._idle.append(worker)
            else:
                self._worker_generation.pop(id(worker), None)
        if not keep:
            worker.kill()

    def recycle(self) -> int:
        """Retire every worker: idle ones now, busy ones when their invocation ends. Returns how many."""
        with self._cond:
            self._generation += 1
            idle, self._idle = self._idle, []
            count = len(idle) + len(self._busy_workers)
        for worker in idle:
            worker.kill()
        return count

    def reap_idle(self, older_than_s: float) -> int:
        now = time.monotonic()
        with self._cond:
            old = [w for w in self._idle if now - w.last_used > older_than_s]
            self._idle = [w for w in self._idle if w not in old]
        for worker in old:
            worker.kill()
        return len(old)

    def pids(self) -> list[int]:
        with self._cond:
            workers = [*self._idle, *self._busy_workers]
        return [w.pid for w in workers if w.alive and w.pid is not None]

    def shutdown(self) -> None:
        with self._cond:
            workers, self._idle = [*self._idle, *self._busy_workers], []
            self._busy_workers.clear()
            self._generation += 1
        for worker in workers:
            worker.kill()


def _exit_error(request_id: str | None, code: int | None) -> dict[str, Any]:
    if code is None:
        status = "unknown status"
    elif code < 0:
        names = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted"}
        number = signal.Signals(-code)
        status = f"signal: {names.get(number, number.name.removeprefix('SIG').lower())}"
    else:
        status = f"exit status {code}"
    prefix = f"RequestId: {request_id} " if request_id else ""
    return {"errorType": "Runtime.ExitError", "errorMessage": f"{prefix}Error: Runtime exited with error: {status}"}


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
