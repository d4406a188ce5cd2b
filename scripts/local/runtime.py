"""The local Lambda data plane: invoke what the emulator says is deployed, in warm worker processes.

``DataPlane.invoke(name_or_arn, payload, qualifier)`` resolves the function version through the emulator's
Lambda API (catalog), finds and unpacks its zip and layers (codestore), takes a concurrency slot from the
function's pool, reuses a warm worker or starts one (cold start, init duration measured), runs the
invocation under the function's timeout and returns a Lambda-shaped :class:`InvokeResult`. START / END /
REPORT lines go to the function's log with the worker's own output in between.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.config import Config

from scripts.local.catalog import Catalog, FunctionSpec
from scripts.local.clients import emulator_client
from scripts.local.codestore import CodeStore
from scripts.local.errors import InvalidRequestContentError, TooManyRequestsError
from scripts.local.interpreters import Interpreter, interpreter_for
from scripts.local.logs import LogHub
from scripts.local.metrics import LambdaMetrics
from scripts.local.worker import BOOTSTRAP, FunctionPool, InitOutcome, Reply, Worker

MAX_SYNC_RESPONSE_BYTES = 6 * 1024 * 1024
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit for on-demand functions
LOG_TAIL_BYTES = 4096  # what Invoke with LogType=Tail returns
STACK_ID_VARIABLE = "LOCAL_STACK_ID"  # marks every process a stack starts, so `down` can find strays
# Variables Lambda sets itself; a function's own environment cannot override them.
RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

# (function_name, payload, qualifier), e.g. scripts.local.events AsyncInvoker.submit
AsyncDispatcher = Callable[[str, bytes, "str | None"], object]


@dataclass(frozen=True)
class InvokeResult:
    """One invocation's outcome, shaped like Lambda's Invoke response."""

    request_id: str
    payload: bytes
    function_error: str | None  # "Unhandled" when the function failed, else None
    error_type: str | None
    log: str
    duration_ms: float
    init_duration_ms: float | None  # set on a cold start
    timed_out: bool
    executed_version: str = "$LATEST"

    @property
    def log_tail(self) -> str:
        """The last 4 KB of the log, as Invoke with LogType=Tail returns it."""
        return self.log.encode()[-LOG_TAIL_BYTES:].decode("utf-8", errors="ignore")


class DataPlane:
    """Runs the emulator's deployed Lambda functions in local warm worker processes."""

    def __init__(
        self,
        emulator_url: str,
        *,
        run_dir: Path,
        dist_dir: Path | None = None,
        logs: LogHub | None = None,
        region: str = "us-east-1",
        default_concurrency: int = 4,
        config_ttl_s: float = 1.0,
        idle_ttl_s: float = 600.0,
        queue_wait_s: float = 60.0,
    ) -> None:
        self.emulator_url = emulator_url.rstrip("/")
        self.region = region
        self.run_dir = run_dir
        self.logs = logs or LogHub(None)
        self.default_concurrency = default_concurrency
        self.queue_wait_s = queue_wait_s
        self.idle_ttl_s = idle_ttl_s
        self.async_dispatcher: AsyncDispatcher | None = None
        self.metrics: LambdaMetrics | None = None  # set by the local stack: Lambda's CloudWatch metrics
        pooled = Config(retries={"max_attempts": 2, "mode": "standard"}, max_pool_connections=32)
        self.lambda_client = emulator_client(self.emulator_url, "lambda", region, pooled)
        self.catalog = Catalog(self.lambda_client, ttl_s=config_ttl_s)
        self.code = CodeStore(run_dir, dist_dir)
        self._pools: dict[str, FunctionPool] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap_idle_workers, name="dataplane-reaper", daemon=True)
        self._reaper.start()

    # -- public API ---------------------------------------------------------------------------------------

    def invoke(self, function_name_or_arn: str, payload: bytes, qualifier: str | None = None) -> InvokeResult:
        """Invoke synchronously (RequestResponse). Raises FunctionNotFoundError, InvalidRequestContentError,
        TooManyRequestsError or CodeNotFoundError for what Lambda answers with an API error."""
        spec, used_qualifier = self.catalog.resolve(function_name_or_arn, qualifier)
        _check_json(payload)
        pool = self._pool(spec.name)
        limit = spec.reserved_concurrency if spec.reserved_concurrency is not None else self.default_concurrency
        metrics = self.metrics
        try:
            pool.acquire_slot(limit, throttle=spec.reserved_concurrency is not None, wait_s=self.queue_wait_s)
        except TooManyRequestsError:
            if metrics is not None:
                metrics.throttled(spec.name, used_qualifier)
            raise
        if metrics is not None:
            metrics.started(spec.name)
        result: InvokeResult | None = None
        try:
            result = self._invoke_in_slot(pool, spec, used_qualifier, payload, limit)
            return result
        finally:
            pool.release_slot()
            if metrics is not None:
                metrics.finished(
                    spec.name,
                    used_qualifier,
                    executed_version=result.executed_version if result else None,
                    duration_ms=result.duration_ms if result else None,
                    error=bool(result and result.function_error),
                )

    def concurrency_limit(self, function_name_or_arn: str) -> int:
        """How many invocations of the function can run at once here: its reserved concurrency, else the local
        default. Event sources size their pollers to it, so no batch waits for a worker while its messages'
        visibility timeout runs out."""
        spec, _ = self.catalog.resolve(function_name_or_arn, None)
        return spec.reserved_concurrency if spec.reserved_concurrency is not None else self.default_concurrency

    def invoke_async(self, function_name_or_arn: str, payload: bytes, qualifier: str | None = None) -> None:
        """InvocationType=Event: validated now, run later by the async dispatcher (retries, destinations).

        Without a dispatcher (the events package registers one), the event runs once on a thread and a
        failure is written to the function's log."""
        spec, used_qualifier = self.catalog.resolve(function_name_or_arn, qualifier)
        _check_json(payload)
        if self.async_dispatcher is not None:
            self.async_dispatcher(spec.name, payload, used_qualifier)
            return

        def run() -> None:
            result = self.invoke(spec.name, payload, used_qualifier)
            if result.function_error:
                self.logs.line(spec.name, f"async invocation {result.request_id} failed with no dispatcher")

        threading.Thread(target=run, name=f"async-{spec.name}", daemon=True).start()

    def recycle(self, function_name: str | None = None) -> int:
        """Retire warm workers (all, or one function's) so the next invocation starts from fresh code."""
        self.catalog.invalidate(function_name)
        return sum(pool.recycle() for pool in self._pools_of(function_name))

    def worker_pids(self, function_name: str | None = None) -> list[int]:
        return [pid for pool in self._pools_of(function_name) for pid in pool.pids()]

    def register_with_emulator(self) -> bool:
        """Make the emulator's Invoke API (and its internal callers) run functions here."""
        try:
            from scripts.emulator import hooks  # optional: absent until the emulator lands
        except ImportError:
            return False
        hooks.set_lambda_invoker(EmulatorInvoker(self, hooks.InvokeOutcome))
        return True

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown()

    def __enter__(self) -> DataPlane:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- one invocation -----------------------------------------------------------------------------------

    def _invoke_in_slot(
        self, pool: FunctionPool, spec: FunctionSpec, qualifier: str | None, payload: bytes, limit: int
    ) -> InvokeResult:
        request_id = str(uuid.uuid4())
        lines: list[str] = []
        init: InitOutcome | None = None
        worker = pool.take_idle(spec.version, spec.fingerprint, limit)
        if worker is None:
            worker = self._new_worker(spec)
            pool.track(worker)
            init = self._start(spec, worker)
            lines.extend(init.log_lines)
        try:
            self._emit(spec.name, lines, f"START RequestId: {request_id} Version: {spec.version}")
            if init is not None and (init.error or init.timed_out):
                reply = Reply(error=init.error, timed_out=init.timed_out, duration_ms=0.0)
                if init.error:
                    reply.payload = json.dumps({**init.error, "requestId": request_id}).encode()
            else:
                deadline_ms = int(time.time() * 1000) + spec.timeout_s * 1000
                request = {
                    "request_id": request_id,
                    "payload": payload.decode("utf-8"),
                    "deadline_ms": deadline_ms,
                    "invoked_function_arn": spec.qualified_arn(qualifier),
                    "trace_id": _trace_id(),
                }
                reply = worker.invoke(request, spec.timeout_s)
                lines.extend(reply.log_lines)
        finally:
            pool.give_back(worker)
        return self._finish(spec, request_id, reply, init, lines)

    def _finish(
        self, spec: FunctionSpec, request_id: str, reply: Reply, init: InitOutcome | None, lines: list[str]
    ) -> InvokeResult:
        error_type: str | None = None
        payload = reply.payload
        status = ""
        if reply.timed_out:
            error_type = "Sandbox.Timedout"
            message = f"RequestId: {request_id} Error: Task timed out after {spec.timeout_s:.2f} seconds"
            payload = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            self._emit(spec.name, lines, f"{stamp} {request_id} Task timed out after {spec.timeout_s:.2f} seconds")
            status = "\tStatus: timeout"
        elif reply.error is not None:
            error_type = str(reply.error.get("errorType"))
            if reply.crashed or error_type.startswith("Runtime."):
                message = str(reply.error["errorMessage"])
                shown = message if message.startswith("RequestId:") else f"RequestId: {request_id} Error: {message}"
                self._emit(spec.name, lines, shown)
                self._emit(spec.name, lines, error_type)
                payload = json.dumps(reply.error).encode()
                status = f"\tStatus: error\tError Type: {error_type}"
        elif len(payload) > MAX_SYNC_RESPONSE_BYTES:
            error_type = "Function.ResponseSizeTooLarge"
            payload = json.dumps(
                {
                    "errorMessage": f"Response payload size ({len(payload)} bytes) exceeded maximum allowed "
                    f"payload size ({MAX_SYNC_RESPONSE_BYTES} bytes).",
                    "errorType": error_type,
                }
            ).encode()
        duration = spec.timeout_s * 1000.0 if reply.timed_out else reply.duration_ms
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {math.ceil(duration)} ms"
            f"\tMemory Size: {spec.memory_mb} MB\tMax Memory Used: {reply.max_memory_mb} MB"
        )
        if init is not None:
            report += f"\tInit Duration: {init.init_ms:.2f} ms"
        self._emit(spec.name, lines, f"END RequestId: {request_id}")
        self._emit(spec.name, lines, report + status)
        return InvokeResult(
            request_id=request_id,
            payload=payload,
            function_error="Unhandled" if error_type else None,
            error_type=error_type,
            log="\n".join(lines) + "\n",
            duration_ms=duration,
            init_duration_ms=init.init_ms if init is not None else None,
            timed_out=reply.timed_out,
            executed_version=spec.version,
        )

    # -- workers ------------------------------------------------------------------------------------------

    def _new_worker(self, spec: FunctionSpec) -> Worker:
        deployment = self.code.deployment(spec)
        # Code built for another Python than the configured runtime (a host build) runs on the one it was built for.
        interpreter = interpreter_for(deployment.built_for or spec.runtime)
        tmp_dir = self.run_dir / "tmp" / f"{spec.name}-{secrets.token_hex(4)}"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        env = self._environment(spec, deployment.code_dir, deployment.runtime_dir, tmp_dir)
        env["LOCAL_LAMBDA_PATHS"] = os.pathsep.join(deployment.sys_path(interpreter.version))
        env["PATH"] = f"{Path(interpreter.path).parent}:/usr/local/bin:/usr/bin:/bin"
        worker = Worker(
            function_name=spec.name,
            version=spec.version,
            fingerprint=spec.fingerprint,
            argv=[interpreter.path, "-u", "-S", str(BOOTSTRAP)],
            env=env,
            cwd=deployment.code_dir,
            sink=lambda line: self.logs.line(spec.name, line),
            tmp_dir=tmp_dir,
        )
        worker.runtime_note = _runtime_note(spec.runtime, interpreter)
        return worker

    def _start(self, spec: FunctionSpec, worker: Worker) -> InitOutcome:
        line = f"INIT_START Runtime Version: {spec.runtime} local{worker.runtime_note}"
        self.logs.line(spec.name, line)
        init = worker.start(max(INIT_TIMEOUT_S, float(spec.timeout_s)))
        init.log_lines.insert(0, line)
        if init.error or init.timed_out:
            status = "timeout" if init.timed_out else f"error\tError Type: {init.error['errorType']}"  # type: ignore[index]
            self._emit(spec.name, init.log_lines, f"INIT_REPORT Init Duration: {init.init_ms:.2f} ms\tStatus: {status}")
        return init

    def _environment(self, spec: FunctionSpec, code_dir: Path, runtime_dir: Path, tmp_dir: Path) -> dict[str, str]:
        now = datetime.now(UTC)
        env = {
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HOME": str(tmp_dir),
            "TMPDIR": str(tmp_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ENDPOINT_URL": self.emulator_url,
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        if os.environ.get(STACK_ID_VARIABLE):
            env[STACK_ID_VARIABLE] = os.environ[STACK_ID_VARIABLE]
        env.update({k: v for k, v in spec.environment.items() if k not in RESERVED_ENV})
        env.update(
            {
                "_HANDLER": spec.handler,
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"{now:%Y/%m/%d}/[{spec.version}]{secrets.token_hex(16)}",
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "LAMBDA_TASK_ROOT": str(code_dir),
                "LAMBDA_RUNTIME_DIR": str(runtime_dir),
            }
        )
        return env

    def _pool(self, function_name: str) -> FunctionPool:
        with self._lock:
            pool = self._pools.get(function_name)
            if pool is None:
                pool = self._pools[function_name] = FunctionPool(function_name)
            return pool

    def _pools_of(self, function_name: str | None) -> list[FunctionPool]:
        """Every function's pool, or one function's."""
        with self._lock:
            return [p for name, p in self._pools.items() if function_name in (None, name)]

    def _emit(self, function_name: str, lines: list[str], line: str) -> None:
        lines.append(line)
        self.logs.line(function_name, line)

    def _reap_idle_workers(self) -> None:
        while not self._closed.wait(timeout=min(30.0, max(self.idle_ttl_s / 2, 0.5))):
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                pool.reap_idle(self.idle_ttl_s)


class EmulatorInvoker:
    """The emulator's Lambda invoker: moto's Invoke API, EventBridge, SNS, S3 and Step Functions call this."""

    def __init__(self, data_plane: DataPlane, outcome_type: Callable[..., Any]) -> None:
        self._data_plane = data_plane
        self._outcome = outcome_type

    def __call__(self, request: Any) -> Any:
        if request.invocation_type == "Event":
            self._data_plane.invoke_async(request.function_name, request.payload, request.qualifier)
            return self._outcome(payload=b"")
        if request.invocation_type == "DryRun":
            spec, _ = self._data_plane.catalog.resolve(request.function_name, request.qualifier)
            return self._outcome(payload=b"", executed_version=spec.version)
        result = self._data_plane.invoke(request.function_name, request.payload, request.qualifier)
        return self._outcome(
            payload=result.payload,
            function_error=result.function_error,
            log_tail=result.log_tail,
            executed_version=result.executed_version,
        )


def _runtime_note(runtime: str, interpreter: Interpreter) -> str:
    if runtime == f"python{interpreter.version}" and interpreter.exact:
        return ""
    return f" (runs on python{interpreter.version}: {interpreter.path})"


def _check_json(payload: bytes) -> None:
    if not payload:
        return
    try:
        json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestContentError(f"Could not parse request body into json: {exc}") from exc


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
