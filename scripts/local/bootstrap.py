"""Worker bootstrap: one warm Lambda execution environment, run as ``python bootstrap.py REQ_FD RESP_FD``.

It plays the part of the Lambda Python runtime (awslambdaric): the data plane starts it with the Lambda
environment variables already set and ``LOCAL_LAMBDA_PATHS`` listing the code dir, then the layers' python
dirs, then the runtime-provided packages — the order of Lambda's ``sys.path`` (/var/task, /opt/python,
/var/runtime). It imports the handler once (the init phase), reports ready, then serves invocations read
from REQ_FD and answers on RESP_FD; stdout and stderr are the function's log stream.

Messages both ways are a 4-byte big-endian length and a UTF-8 JSON object. This file uses the standard
library only: it runs under the function's interpreter (python3.13 for the Lambda target), not the dev venv.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import resource
import struct
import sys
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scripts.lambda_context import LambdaContext

SENTINEL = "\x1e"  # written after an invocation's output so the data plane knows its log is complete


class FaultError(Exception):
    """A runtime-level failure with Lambda's errorType (Runtime.ImportModuleError and friends)."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.stack = stack or []


def _load_context_class() -> type[LambdaContext]:
    """``scripts/lambda_context.py``'s class, loaded by path: that folder stays off the handler's sys.path."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda_context.py")
    spec = importlib.util.spec_from_file_location("_lambda_context", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the Lambda context class from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolves the class's module through sys.modules
    spec.loader.exec_module(module)
    context_class: type[LambdaContext] = module.LambdaContext
    return context_class


_CONTEXT = _load_context_class()


def send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd: int) -> dict[str, Any] | None:
    header = read_exact(fd, 4)
    if header is None:
        return None
    body = read_exact(fd, struct.unpack(">I", header)[0])
    if body is None:
        return None
    message: dict[str, Any] = json.loads(body)
    return message


def read_exact(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def load_handler(handler: str) -> Callable[[Any, LambdaContext], Any]:
    """Import ``module.function`` the way awslambdaric does, with its error types and messages."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from exc
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from exc
    except SyntaxError as exc:
        stack = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", stack
        ) from exc
    target = getattr(module, function_name, None)
    if target is None:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return target


def error_payload(exc: BaseException, request_id: str | None) -> dict[str, Any]:
    if isinstance(exc, FaultError):
        error_type, stack = exc.error_type, exc.stack
    else:
        error_type = type(exc).__name__
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
    payload: dict[str, Any] = {"errorMessage": str(exc), "errorType": error_type}
    if request_id:
        payload["requestId"] = request_id
    payload["stackTrace"] = stack
    return payload


def log_error(payload: dict[str, Any]) -> None:
    # Lambda's Python runtime logs "[ERROR] Type: message" followed by the traceback.
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}"]
    if payload["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in payload["stackTrace"])
    print("\n".join(lines), file=sys.stderr, flush=True)


def end_of_output(request_id: str) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"{SENTINEL}{request_id}\n".encode())


def max_memory_mb() -> int:
    # VmHWM is this process's own peak; ru_maxrss would carry the data plane's peak over from fork.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def invoke(handler: Callable[[Any, LambdaContext], Any], message: dict[str, Any]) -> dict[str, Any]:
    request_id = message["request_id"]
    os.environ["_X_AMZN_TRACE_ID"] = message.get("trace_id") or ""
    try:
        event = json.loads(message["payload"]) if message["payload"] else {}
        context = _CONTEXT.from_environment(
            aws_request_id=request_id,
            invoked_function_arn=message["invoked_function_arn"],
            deadline_ms=int(message["deadline_ms"]),
            identity=message.get("identity"),
            client_context=message.get("client_context"),
        )
        result = handler(event, context)
    except Exception as exc:  # noqa: BLE001 - every handler failure becomes Lambda's error payload
        payload = error_payload(exc, request_id)
        log_error(payload)
        return {"type": "error", "error": payload, "max_memory_mb": max_memory_mb()}
    try:
        body = json.dumps(result)
    except (TypeError, ValueError) as exc:
        payload = {
            "errorMessage": f"Unable to marshal response: {exc}",
            "errorType": "Runtime.MarshalError",
            "requestId": request_id,
            "stackTrace": [],
        }
        log_error(payload)
        return {"type": "error", "error": payload, "max_memory_mb": max_memory_mb()}
    return {"type": "result", "payload": body, "max_memory_mb": max_memory_mb()}


def main(argv: list[str]) -> int:
    request_fd, response_fd = int(argv[1]), int(argv[2])
    paths = [p for p in os.environ.pop("LOCAL_LAMBDA_PATHS", "").split(os.pathsep) if p]
    # Lambda's order: code, layers, runtime packages, then the interpreter's own library.
    sys.path[:] = [*paths, *[p for p in sys.path[1:] if p and "site-packages" not in p]]
    os.chdir(os.environ["LAMBDA_TASK_ROOT"])

    started = time.perf_counter()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as exc:  # noqa: BLE001 - an init failure is reported, then this environment ends
        payload = error_payload(exc, None)
        log_error(payload)
        end_of_output("init")
        send(response_fd, {"type": "init_error", "error": payload, "init_ms": _ms_since(started)})
        return 1
    end_of_output("init")
    send(response_fd, {"type": "ready", "init_ms": _ms_since(started)})

    while True:
        message = receive(request_fd)
        if message is None:  # the data plane closed the pipe: this environment is being shut down
            return 0
        response = invoke(handler, message)
        end_of_output(message["request_id"])
        send(response_fd, response)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.exit(main(sys.argv))
