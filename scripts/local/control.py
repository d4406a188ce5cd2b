"""Operations on a running (or not running) stack: start detached, stop, status, invoke, logs.

A detached stack is ``python -m scripts.local up --foreground`` in its own session writing to
``.local/stack.log``; ``.local/stack.json`` holds its pid, stack id and URLs. ``down`` stops the session, then
kills any process still carrying the stack's id in its environment (workers run in sessions of their own), and
checks that none is left.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from scripts.local.clients import emulator_client
from scripts.local.errors import FunctionNotFoundError, LocalStackError
from scripts.local.runtime import STACK_ID_VARIABLE
from scripts.local.stack import REPO, StackInfo, StackPaths, process_alive, read_stack_info
from scripts.local.worker import process_environments


def running_stack(paths: StackPaths) -> StackInfo | None:
    """The stack described by stack.json if its process is alive; a stale file is removed."""
    info = read_stack_info(paths)
    if info is None:
        return None
    if process_alive(info.pid):
        return info
    paths.stack_file.unlink(missing_ok=True)
    return None


def require_running(paths: StackPaths) -> StackInfo:
    info = running_stack(paths)
    if info is None:
        raise LocalStackError("the local stack is not up (start it with `make up`)")
    if info.state != "ready":
        raise LocalStackError(f"the local stack (pid {info.pid}) is still starting; see {paths.stack_log}")
    return info


def already_up_message(info: StackInfo) -> str:
    urls = ", ".join(info.api_urls.values()) or info.emulator_url or "starting"
    return f"already up (pid {info.pid}): {urls} — `make down` stops it"


def start_detached(
    paths: StackPaths, forwarded: list[str], wait_s: float, out: Callable[[str], None] = print
) -> StackInfo:
    """Start the stack in the background and return once it is ready (or raise with its error line)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "scripts.local", "--local-dir", str(paths.root), "up", "--foreground"]
    with paths.stack_log.open("w") as log:
        process = subprocess.Popen(
            [*command, *forwarded],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, STACK_ID_VARIABLE: f"stack-{uuid.uuid4().hex[:12]}"},
        )
    out(f"starting the local stack (pid {process.pid}, log {paths.stack_log}) ...")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise LocalStackError(_failure_line(paths.stack_log, code))
        info = read_stack_info(paths)
        if info is not None and info.pid == process.pid and info.state == "ready":
            return info
        time.sleep(0.25)
    stop(paths, timeout_s=15)
    raise LocalStackError(f"the stack was not ready within {wait_s:.0f} s; see {paths.stack_log}")


@dataclass
class StopReport:
    was_up: bool
    pid: int | None
    strays_killed: int


def stop(paths: StackPaths, timeout_s: float = 30.0) -> StopReport:
    info = read_stack_info(paths)
    if info is None:
        return StopReport(False, None, _kill_strays(None))
    pid = info.pid
    if process_alive(pid):
        _signal_stack(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if process_alive(pid):
            _signal_stack(pid, signal.SIGKILL)
            for _ in range(50):
                if not process_alive(pid):
                    break
                time.sleep(0.1)
    strays = _kill_strays(info.stack_id)
    paths.stack_file.unlink(missing_ok=True)
    left = _stack_processes(info.stack_id) + ([pid] if process_alive(pid) else [])
    if left:
        raise LocalStackError(f"processes of the stack are still running: {', '.join(map(str, left))}")
    return StopReport(True, pid, strays)


def status(paths: StackPaths) -> dict[str, Any]:
    info = running_stack(paths)
    if info is None:
        return {"up": False}
    return {"up": True, **info.__dict__, "processes": len(_stack_processes(info.stack_id)) + 1}


@dataclass
class InvokeOutput:
    function: str
    status_code: int
    function_error: str | None
    executed_version: str | None
    payload: bytes
    log: str
    event_file: str | None = None  # the sample event used when none was given

    @property
    def http_status(self) -> int | None:
        """The ``statusCode`` of an HTTP function's answer (API Gateway shape), else None."""
        try:
            answer = json.loads(self.payload) if self.payload else None
        except ValueError:
            return None
        status = answer.get("statusCode") if isinstance(answer, dict) else None
        return status if isinstance(status, int) else None

    @property
    def failed(self) -> bool:
        """A function error, or an HTTP function answering 5xx (a crash its resolver turned into a 500)."""
        return self.function_error is not None or (self.http_status or 0) >= 500

    def to_json(self) -> dict[str, Any]:
        try:
            payload: Any = json.loads(self.payload) if self.payload else None
        except ValueError:
            payload = self.payload.decode("utf-8", errors="replace")
        return {**asdict(self), "payload": payload}


def read_event(path: str | None) -> bytes:
    """The event file's bytes after checking it is JSON ("-" reads stdin; none means {})."""
    if path is None:
        return b"{}"
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise LocalStackError(f"cannot read event file {path}: {exc.strerror}") from exc
    try:
        json.loads(data)
    except UnicodeDecodeError as exc:
        raise LocalStackError(f"malformed event file {path}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise LocalStackError(f"malformed event file {path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return data


def invoke(paths: StackPaths, function: str, event_path: str | None, qualifier: str | None = None) -> InvokeOutput:
    """Invoke through the emulator; without ``event_path`` the function's first sample event is sent."""
    info = require_running(paths)
    client = _lambda_client(info.emulator_url)
    name = resolve_function(client, function)
    sample: str | None = None
    if event_path is None:
        event_path = sample = str(_sample_event_of(name, info).relative_to(REPO))
    payload = read_event(event_path)
    kwargs: dict[str, Any] = {"FunctionName": name, "Payload": payload, "LogType": "Tail"}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    try:
        response = client.invoke(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise LocalStackError(f"invoke {name} failed: {error.get('Code')}: {error.get('Message')}") from exc
    except EndpointConnectionError as exc:
        raise LocalStackError(f"the emulator at {info.emulator_url} does not answer: {exc}") from exc
    log = base64.b64decode(response.get("LogResult", "")).decode("utf-8", errors="replace")
    return InvokeOutput(
        function=name,
        status_code=int(response["StatusCode"]),
        function_error=response.get("FunctionError"),
        executed_version=response.get("ExecutedVersion"),
        payload=response["Payload"].read(),
        log=log,
        event_file=sample,
    )


def _sample_event_of(name: str, info: StackInfo) -> Path:
    """The sample event for deployed ``name``: its key from the stack's outputs, else each ``-``-suffix of it."""
    from scripts.local.guide import sample_event

    by_name = {v: k for k, v in (info.outputs.get("deployed_functions") or {}).items()}
    parts = name.split("-")
    keys = [by_name[name]] if name in by_name else ["-".join(parts[i:]) for i in range(len(parts))]
    for key in keys[:-1]:
        with contextlib.suppress(LocalStackError):
            return sample_event(key)
    return sample_event(keys[-1])


def resolve_function(client: Any, function: str) -> str:
    """An exact deployed name, else the one deployed name ending in ``-<function>`` (``<prefix>-<key>``)."""
    names: list[str] = []
    for page in client.get_paginator("list_functions").paginate():
        names.extend(f["FunctionName"] for f in page["Functions"])
    if function in names or function.startswith("arn:"):
        return function
    matches = [n for n in names if n.endswith(f"-{function}")]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(sorted(names)) or "none"
    if matches:
        raise FunctionNotFoundError(f"function {function!r} is ambiguous: {', '.join(matches)}")
    raise FunctionNotFoundError(f"unknown function {function!r} (deployed: {known})")


def log_file(paths: StackPaths, function: str) -> Path:
    exact = paths.logs / f"{function}.log"
    if exact.is_file():
        return exact
    found = sorted(paths.logs.glob("*.log")) if paths.logs.is_dir() else []
    matches = [p for p in found if p.stem.endswith(f"-{function}")]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(p.stem for p in found) or "none yet"
    raise FunctionNotFoundError(f"no log for {function!r} in {paths.logs} (logs: {known})")


def future_log_file(paths: StackPaths, function: str) -> Path:
    """Where a deployed function that has not run yet will log (its deployed name); one-line error if unknown."""
    info = require_running(paths)
    try:
        name = resolve_function(_lambda_client(info.emulator_url), function)
    except EndpointConnectionError as exc:
        raise LocalStackError(f"the emulator at {info.emulator_url} does not answer: {exc}") from exc
    return paths.logs / f"{name}.log"


def wait_for_file(path: Path, poll_s: float = 0.2, stop_after_s: float | None = None) -> bool:
    """Wait until ``path`` exists (like ``tail -F`` before the first line); False if ``stop_after_s`` passes."""
    started = time.monotonic()
    while not path.exists():
        if stop_after_s is not None and time.monotonic() - started >= stop_after_s:
            return False
        time.sleep(poll_s)
    return True


def tail(path: Path, lines: int, follow: bool, stop_after_s: float | None = None) -> Iterator[str]:
    """The last ``lines`` lines, then (``follow``) new lines as they are written."""
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        yield from handle.readlines()[-lines:] if lines else []
        started = time.monotonic()
        while follow and (stop_after_s is None or time.monotonic() - started < stop_after_s):
            line = handle.readline()
            if line:
                yield line
            else:
                time.sleep(0.2)


# -- process handling -----------------------------------------------------------------------------------------


def _signal_stack(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:  # detached: the stack leads its own process group
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _stack_processes(stack_id: str | None) -> list[int]:
    """Live processes whose environment carries LOCAL_STACK_ID (= stack_id, or any stack when None)."""
    return [
        pid
        for pid, env in process_environments()
        if pid != os.getpid()
        and (env.get(STACK_ID_VARIABLE) == stack_id if stack_id else STACK_ID_VARIABLE in env)
        and process_alive(pid)
    ]


def _kill_strays(stack_id: str | None) -> int:
    if stack_id is None:
        return 0
    strays = _stack_processes(stack_id)
    for pid in strays:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while strays and time.monotonic() < deadline and any(process_alive(p) for p in strays):
        time.sleep(0.05)
    return len(strays)


def _failure_line(log: Path, code: int) -> str:
    with contextlib.suppress(OSError):
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        if errors:
            return errors[-1].removeprefix("error:").strip()
        if lines:
            return f"the stack exited with code {code}: {lines[-1]} (see {log})"
    return f"the stack exited with code {code} (see {log})"


def _lambda_client(url: str) -> Any:
    once = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=930)  # an invoke may run 15 min
    return emulator_client(url, "lambda", config=once)
