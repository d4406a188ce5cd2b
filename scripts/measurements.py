"""What `make bench` measures: cold starts from the built zips, the build, and the local data plane.

Everything runs on this machine, side by side in one run, and ends in one JSON document (``bench.json``) and
a table. The figures in the README's performance tables come from this output.

* **INIT** — each function's handler module imported in a fresh interpreter of the runtime's Python version
  that sees only what a Lambda sandbox sees: its zip and layers unpacked read-only (bytecode as shipped,
  nothing written: ``-B``), and a ``/var/runtime`` stand-in with boto3 and its dependencies (compiled, as the
  runtime's are). Median of N runs, and its ratio to the *floor* (the same process importing only
  ``aws_lambda_powertools`` and ``boto3``), sampled in turn with the function's: the median of the N
  pairs' ratios. Beside them, the function's *library baseline*: a generated handler that imports only the
  third-party libraries the function's import loaded (``LIBRARY_USES``), each used the idiomatic way, with
  the function's zip and layers on the path — what INIT would cost if our own code were free; the difference
  of the two ratios is the share of our code. Steadier than that difference: *our modules*, the ``-X
  importtime`` self time of every module the function loads that its baseline does not (median of
  ``IMPORTTIME_RUNS``, the heaviest three named). Then the wall time of one cold invocation (process start,
  import, one sample event from ``events/`` against an empty loopback emulator, exit).
* **build** — a copy of the repo built cold (wheel cache kept), again (no-op) and after one function changed.
* **data plane** — warm invoke overhead through the Invoke API and through the HTTP gateway (p50/p99), and
  SQS throughput from a queue into DynamoDB through ``order_worker``, with its drain time.

The INIT zips are built for the declared runtime (python3.13) on *this* machine's CPU, so compiled wheels load
here; without that interpreter the host's Python stands in and the report says so.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.artifacts import (
    Builder,
    BuildError,
    BytecodeCompiler,
    Target,
    bytecode_compiler,
    host_target,
    load_project,
)
from scripts.lambda_context import loader_source
from scripts.lambda_sandbox import runtime_sources, unpack

FLOOR_MODULES = ("aws_lambda_powertools", "boto3")
INIT_BUDGET = 1.5  # every function's INIT <= 1.5x the floor
INIT_BUDGET_BY_FUNCTION = {"orders_api": 1.3}
IMPORTTIME_RUNS = 3  # -X importtime samples of a function and its baseline (the median's modules are reported)

# Third-party libraries a handler's import may load, and the smallest idiomatic use of each that a library
# baseline makes, in this order: a use may rely on the ones before it, and Powertools' batch imports its parser
# when pydantic is already loaded (a function importing batch first does not pay for that). Every baseline
# starts with BASELINE_PRELUDE: boto3 and the Powertools logger and metrics every function builds at import.
BASELINE_PRELUDE = """\
import boto3
from aws_lambda_powertools import Logger, Metrics

logger, metrics = Logger(), Metrics()
"""
LIBRARY_USES = {
    "aws_lambda_powertools.utilities.data_classes": (
        "from aws_lambda_powertools.utilities.data_classes import S3Event\n"
    ),
    "aws_lambda_powertools.utilities.batch": """\
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

processor = BatchProcessor(event_type=EventType.SQS)
""",
    "PIL": "from PIL import Image\n",
    "pydantic": """\
from pydantic import BaseModel, ConfigDict


class Item(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
""",
    "aws_lambda_powertools.utilities.parser": """\
from aws_lambda_powertools.utilities.parser import event_parser


@event_parser(model=Item)
def parsed(event: Item, context: object) -> str:
    return event.id
""",
    "aws_lambda_powertools.event_handler": """\
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

app = APIGatewayHttpResolver()  # validation set up on the first request, as shared.http does


@app.post("/items")
def create(item: Item) -> dict[str, str]:
    return {"id": item.id}
""",
}
BASELINE_MODULE = "bench_baseline"

# Resource variables every function may read (names only; nothing is called at import).
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    "POWERTOOLS_METRICS_NAMESPACE": "orders",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "ORDERS_TABLE": "orders",
    "IDEMPOTENCY_TABLE": "idempotency",
    "VISITS_TABLE": "visits",
    "ACTIVITY_TABLE": "activity",
    "CIRCUIT_TABLE": "circuit",
    "USERS_TABLE": "users",
    "INVENTORY_TABLE": "inventory",
    "EVENT_BUS_NAME": "orders",
    "ORDERS_QUEUE_URL": "http://127.0.0.1:1/000000000000/orders",
    "BULK_QUEUE_URL": "http://127.0.0.1:1/000000000000/bulk",
    "UPLOADS_BUCKET": "uploads",
    "ARCHIVE_BUCKET": "archive",
    "ORDER_SAGA_ARN": "arn:aws:states:us-east-1:000000000000:stateMachine:saga",
    "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:000000000000:notifications",
    "SENDER_EMAIL": "orders@example.com",
    "PAYMENT_API_URL": "http://127.0.0.1:1/payments",
    "ALLOWED_EMAIL_DOMAINS": "example.com",
    "ABANDONED_AFTER_HOURS": "48",
}

# Runs in the Lambda-like interpreter: time the import (the INIT work a handler module causes), then
# optionally invoke the handler once with an event read from stdin.
_PROBE = r"""
import json, sys, time
spec = json.loads(sys.argv[1])
started, cpu = time.perf_counter(), time.process_time()
sys.path[:0] = spec["paths"]
for name in spec["modules"]:
    __import__(name)  # the import statement's path, which -X importtime reports (importlib.import_module's is not)
modules = [sys.modules[name] for name in spec["modules"]]
imported, imported_cpu = time.perf_counter() - started, time.process_time() - cpu
libraries = [name for name in spec.get("libraries", []) if name in sys.modules]
outcome = None
if spec.get("handler"):
    exec(spec["context_loader"])
    context = LambdaContext(
        function_name=spec["function_name"],
        memory_limit_in_mb=256,
        aws_request_id="00000000-0000-4000-8000-000000000000",
        invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:" + spec["function_name"],
        log_stream_name="bench",
        deadline_ms=int((time.time() + 10) * 1000),
    )
    try:
        getattr(modules[0], spec["handler"])(json.loads(sys.stdin.read() or "{}"), context)
        outcome = "ok"
    except Exception as exc:
        outcome = type(exc).__name__
print(json.dumps({"import_s": imported, "import_cpu_s": imported_cpu, "outcome": outcome, "libraries": libraries}))
"""


class BenchError(Exception):
    """A benchmark cannot run; the message says why in one line."""


@dataclass(frozen=True)
class Sandbox:
    """One function's Lambda-like view: its unpacked zip, its layers' python/ dirs and the runtime dir."""

    name: str
    handler: str  # module.function of the first handler key
    paths: tuple[str, ...]
    event: Path | None

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]


@dataclass(frozen=True)
class Probe:
    import_s: float  # wall time of the import
    import_cpu_s: float  # CPU time of the import: what a busy machine distorts least
    process_s: float  # spawn to exit
    outcome: str | None  # "ok" or the exception type of the one invocation
    libraries: tuple[str, ...] = ()  # the LIBRARY_USES modules the import loaded
    self_us: dict[str, int] = field(default_factory=dict)  # with importtime: each module's own import time


@dataclass
class InitRun:
    python: str
    python_version: str
    bytecode: str | None
    floor_s: float  # CPU seconds (the run's first samples); each ratio uses its own paired floor samples
    floor_wall_s: float
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


# ------------------------------------------------------------------------------------------------- INIT


def bench_target(runtime: str) -> tuple[Target, BytecodeCompiler | None]:
    """The declared runtime on this CPU (compiled wheels load here); the host's Python when it is missing."""
    host = host_target()
    target = Target(runtime, host.architecture, host.libc)
    compiler = bytecode_compiler(target)
    if compiler is None:
        return host, bytecode_compiler(host)
    return target, compiler


def build_for_bench(repo: Path, work: Path, target: Target, only: Sequence[str] = ()) -> dict[str, Any]:
    """The repo's artifacts (or ``only`` these functions) built for ``target`` into ``work/dist``, incrementally."""
    builder = Builder(repo, work / "dist", repo / ".cache" / "wheels", jobs=2, target=target)
    try:
        manifest, results = builder.build(only)
    except BuildError as exc:
        raise BenchError(f"build for the benchmark failed: {exc}") from None
    failed = [f"{r.name}: {r.error}" for r in results if r.status == "failed"]
    if failed:
        raise BenchError(f"build for the benchmark failed: {failed[0]}")
    return manifest


def runtime_dir(work: Path, compiler: BytecodeCompiler | None) -> Path:
    """A /var/runtime stand-in: copies of boto3 and its dependencies, compiled for the runtime like AWS's."""
    tag = compiler.cache_tag if compiler else "source"
    dest = work / f"runtime-{tag}"
    if (dest / ".complete").is_file():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for source in runtime_sources():
        if source.is_dir():
            shutil.copytree(source, dest / source.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, dest / source.name)
    if compiler is not None:
        compiler.compile_tree(dest)
    (dest / ".complete").write_text("")
    return dest


def sandboxes(repo: Path, work: Path, manifest: dict[str, Any], runtime: Path) -> tuple[list[Sandbox], list[str]]:
    """Every function's sandbox, and the paths of the floor (a layer-only sandbox)."""
    base = work / "run"
    base.mkdir(parents=True, exist_ok=True)
    layer_dirs = {
        name: str(unpack(work / "dist" / "layers" / f"{name}.zip", base, read_only=True) / "python")
        for name in manifest["layers"]
    }
    found = []
    for name, entry in sorted(manifest["functions"].items()):
        code = unpack(work / "dist" / "functions" / f"{name}.zip", base, read_only=True)
        layers = [layer_dirs[n] for n in reversed(entry["layers"])]
        handler = next(iter(sorted(entry["handlers"].items())))[1]
        events = sorted((repo / "functions" / name / "events").glob("*.json"))
        found.append(Sandbox(name, handler, (str(code), *layers, str(runtime)), events[0] if events else None))
    floor_paths = [*layer_dirs.values(), str(runtime)]
    return found, floor_paths


def _probe(
    python: str,
    paths: Sequence[str],
    modules: Sequence[str],
    *,
    name: str,
    handler: str | None = None,
    event: bytes = b"",
    extra_env: dict[str, str] | None = None,
    importtime: bool = False,
) -> Probe:
    """One fresh Lambda-like process: its import times, its whole wall time and the invocation's outcome.

    ``importtime``: run under ``-X importtime`` and keep each module's self time (slower: not for timing).
    """
    spec = {
        "paths": list(paths),
        "modules": list(modules),
        "handler": handler,
        "function_name": name,
        "context_loader": loader_source(),
        "libraries": list(LIBRARY_USES),
    }
    env = {
        **LAMBDA_ENV,
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "POWERTOOLS_SERVICE_NAME": name,
        "LAMBDA_TASK_ROOT": str(paths[0]),
        **(extra_env or {}),
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [python, *(["-X", "importtime"] if importtime else []), "-B", "-I", "-S", "-c", _PROBE, json.dumps(spec)],
        input=event,
        capture_output=True,
        env=env,
        cwd=paths[0],
        check=False,
        timeout=120,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"{name}: the Lambda-like process failed: {last}")
    report = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    self_us = {}
    for line in proc.stderr.decode(errors="replace").splitlines() if importtime else ():
        own, _, rest = line.removeprefix("import time:").partition("|")
        if own.strip().isdigit():
            self_us[rest.partition("|")[2].strip()] = int(own)
    return Probe(
        float(report["import_s"]),
        float(report["import_cpu_s"]),
        wall,
        report["outcome"],
        tuple(report["libraries"]),
        self_us,
    )


def beyond_baseline(function: Probe, baseline: Probe) -> dict[str, float]:
    """Self import time (ms) of each module the function loaded that its library baseline did not."""
    return {name: us / 1000 for name, us in function.self_us.items() if name not in baseline.self_us}


def baseline_source(libraries: Sequence[str]) -> str:
    """A handler module that imports ``libraries`` (LIBRARY_USES keys) the idiomatic way, and nothing of ours."""
    wanted = set(libraries)
    unknown = wanted - LIBRARY_USES.keys()
    if unknown:
        raise BenchError(f"no baseline use for {', '.join(sorted(unknown))}")
    if wanted & {"aws_lambda_powertools.utilities.parser", "aws_lambda_powertools.event_handler"}:
        wanted.add("pydantic")  # the parsed event and the route's body are the pydantic model
    return "\n\n".join([BASELINE_PRELUDE, *(use for name, use in LIBRARY_USES.items() if name in wanted)])


def write_baseline(directory: Path, libraries: Sequence[str], compiler: BytecodeCompiler | None) -> Path:
    """``directory`` holding the baseline module for ``libraries``, compiled like an artifact's code."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    (directory / f"{BASELINE_MODULE}.py").write_text(baseline_source(libraries))
    if compiler is not None:
        compiler.compile_tree(directory)
    return directory


def measure_init(
    repo: Path,
    work: Path,
    *,
    runs: int,
    only: Sequence[str] = (),
    endpoint: str | None = None,
    tracing: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> InitRun:
    """INIT of every function (or ``only``); ``tracing``: as with X-Ray active tracing (the module's default)."""
    tracing_env = {"POWERTOOLS_TRACE_DISABLED": "false"} if tracing else {}
    runtimes = sorted({fn.target.runtime for fn in load_project(repo, only).functions.values()})
    if len(runtimes) != 1:
        raise BenchError(f"the functions declare {len(runtimes)} runtimes ({', '.join(runtimes)}); bench one: --only")
    target, compiler = bench_target(runtimes[0])
    python = compiler.python if compiler else sys.executable
    manifest = build_for_bench(repo, work, target, only)
    runtime = runtime_dir(work, compiler)
    boxes, floor_paths = sandboxes(repo, work, manifest, runtime)
    if only:
        boxes = [b for b in boxes if b.name in only]
    floor = [_probe(python, floor_paths, FLOOR_MODULES, name="floor") for _ in range(runs)]
    result = InitRun(
        python,
        target.python_version,
        compiler.cache_tag if compiler else None,
        median([p.import_cpu_s for p in floor]),
        median([p.import_s for p in floor]),
    )
    progress(f"  floor (import {', '.join(FLOOR_MODULES)}): {result.floor_s * 1000:.0f} ms CPU")
    endpoint_env = {"AWS_ENDPOINT_URL": endpoint} if endpoint else {}
    for box in boxes:
        # Each sample is paired with a floor sample taken just before it, so a change in the machine's load or
        # clock during the run moves both sides of the ratio alike; the ratio is the median of the pairs'.
        # The first import (not counted) names the libraries the baseline imports; it also warms the page cache.
        libraries = _probe(python, box.paths, [box.module], name=box.name, extra_env=tracing_env).libraries
        baseline_paths = (str(write_baseline(work / "baselines" / box.name, libraries, compiler)), *box.paths)
        floors, imports, baselines = [], [], []
        for _ in range(runs):
            floors.append(_probe(python, floor_paths, FLOOR_MODULES, name="floor"))
            imports.append(_probe(python, box.paths, [box.module], name=box.name, extra_env=tracing_env))
            baselines.append(_probe(python, baseline_paths, [BASELINE_MODULE], name=box.name, extra_env=tracing_env))
        ratio = median([p.import_cpu_s / f.import_cpu_s for p, f in zip(imports, floors, strict=True)])
        baseline_ratio = median([p.import_cpu_s / f.import_cpu_s for p, f in zip(baselines, floors, strict=True)])
        # What our modules cost, by -X importtime: steadier than the difference of two ratios (±0.1 run to run).
        extra = [
            beyond_baseline(
                _probe(python, box.paths, [box.module], name=box.name, extra_env=tracing_env, importtime=True),
                _probe(
                    python, baseline_paths, [BASELINE_MODULE], name=box.name, extra_env=tracing_env, importtime=True
                ),
            )
            for _ in range(min(runs, IMPORTTIME_RUNS))
        ]
        totals = [sum(modules.values()) for modules in extra]
        heaviest = sorted(extra[totals.index(statistics.median_low(totals))].items(), key=lambda item: -item[1])[:3]
        event = box.event.read_bytes() if box.event else b"{}"
        cold = _probe(
            python,
            box.paths,
            [box.module],
            name=box.name,
            handler=box.handler.rpartition(".")[2],
            event=event,
            extra_env=endpoint_env | tracing_env,
        )
        init = median([p.import_cpu_s for p in imports])
        budget = INIT_BUDGET_BY_FUNCTION.get(box.name, INIT_BUDGET)
        result.functions[box.name] = {
            "handler": box.handler,
            "init_cpu_s": round(init, 4),
            "init_wall_s": round(median([p.import_s for p in imports]), 4),
            "init_cpu_runs_s": [round(p.import_cpu_s, 4) for p in imports],
            "paired_floor_cpu_runs_s": [round(f.import_cpu_s, 4) for f in floors],
            "ratio_to_floor": round(ratio, 2),
            "libraries": list(libraries),
            "baseline_cpu_runs_s": [round(p.import_cpu_s, 4) for p in baselines],
            "baseline_ratio_to_floor": round(baseline_ratio, 2),
            "beyond_baseline_import_ms": round(median(totals), 1),
            "beyond_baseline_heaviest_ms": {name: round(ms, 1) for name, ms in heaviest},
            "budget_ratio": budget,
            "within_budget": ratio <= budget,
            "cold_invoke_wall_s": round(cold.process_s, 4),
            "cold_invoke_event": box.event.name if box.event else None,
            "cold_invoke_outcome": cold.outcome,
        }
        progress(
            f"  {box.name:<22} INIT {init * 1000:6.0f} ms CPU  {ratio:4.2f}x floor (budget "
            f"{budget}x; its libraries alone {baseline_ratio:4.2f}x; our modules {median(totals):3.0f} ms)  "
            f"cold invoke {cold.process_s * 1000:6.0f} ms "
            f"({cold.outcome})"
        )
    return result


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_1m": round(os.getloadavg()[0], 2),
    }


# ------------------------------------------------------------------------------------------------- build


def measure_build(repo: Path, work: Path, *, only: Sequence[str] = (), changed: str = "health") -> dict[str, Any]:
    """A copy of the repo's sources built cold (wheel cache kept), again (no-op), then with ``changed`` edited."""
    copy = work / "build-repo"
    shutil.rmtree(copy, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "events", ".pytest_cache")
    for folder in ("functions", "layers", "shared"):
        shutil.copytree(repo / folder, copy / folder, ignore=ignore)

    def run(label: str) -> dict[str, Any]:
        started = time.perf_counter()
        builder = Builder(copy, copy / "dist", repo / ".cache" / "wheels", jobs=2)
        try:
            _, results = builder.build(only)
        except BuildError as exc:
            raise BenchError(f"build ({label}) failed: {exc}") from None
        seconds = time.perf_counter() - started
        counts = {status: sum(r.status == status for r in results) for status in ("built", "cached", "failed")}
        return {"seconds": round(seconds, 3), **counts}

    report = {"cold": run("cold"), "noop": run("no-op")}
    handler = copy / "functions" / changed / changed / "handler.py"
    handler.write_text(handler.read_text() + "\n# bench: one function changed\n")
    report["one_changed"] = run("one changed") | {"function": changed}
    report["artifacts"] = report["cold"]["built"] + report["cold"]["cached"]
    return report


# ------------------------------------------------------------------------------------------------- data plane


@dataclass(frozen=True)
class PlaneTarget:
    """A running local stack: where its emulator and API are, and what Terraform output."""

    emulator_url: str
    api_url: str
    outputs: dict[str, Any]

    def client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.emulator_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=60),
        )


def _local_cli(local_dir: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scripts.local", "--local-dir", str(local_dir), *args]
    repo = Path(__file__).resolve().parent.parent
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=timeout, check=False)


def start_stack(local_dir: Path) -> PlaneTarget:
    """``scripts.local up --detach`` on free ports in ``local_dir`` (stopped by :func:`stop_stack`)."""
    local_dir.mkdir(parents=True, exist_ok=True)
    args = ["up", "--detach", "--emulator-port", "0", "--api-port", "0", "--no-watch", "--wait", "900"]
    started = _local_cli(local_dir, *args, timeout=960)
    if started.returncode != 0:
        detail = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"`scripts.local up` failed ({detail}); see {local_dir / 'stack.log'}")
    return plane_target(json.loads((local_dir / "stack.json").read_text()))


def stop_stack(local_dir: Path) -> None:
    _local_cli(local_dir, "down", timeout=120)


def plane_target(info: dict[str, Any]) -> PlaneTarget:
    api_urls: dict[str, str] = dict(info.get("api_urls") or {})
    if not api_urls:
        raise BenchError("the local stack serves no HTTP API")
    api_url = next((u for n, u in sorted(api_urls.items()) if n.endswith("-api")), next(iter(api_urls.values())))
    return PlaneTarget(str(info["emulator_url"]), api_url.rstrip("/"), dict(info.get("outputs") or {}))


def _timings(samples: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 50) * 1000, 2),
        "p99_ms": round(percentile(samples, 99) * 1000, 2),
    }


def measure_invoke(target: PlaneTarget, function: str, event: bytes, n: int) -> dict[str, Any]:
    """Warm invocations through the emulator's Invoke API (one warm-up first)."""
    client = target.client("lambda")
    samples = []
    for i in range(n + 1):
        started = time.perf_counter()
        answer = client.invoke(FunctionName=function, Payload=event)
        answer["Payload"].read()
        if answer.get("FunctionError"):
            raise BenchError(f"{function} failed during the benchmark ({answer['FunctionError']})")
        if i:
            samples.append(time.perf_counter() - started)
    return {"function": function, **_timings(samples)}


def measure_gateway(target: PlaneTarget, path: str, n: int) -> dict[str, Any]:
    """Warm requests through the local HTTP API gateway (one warm-up first)."""
    import urllib.request

    samples = []
    for i in range(n + 1):
        started = time.perf_counter()
        with urllib.request.urlopen(target.api_url + path, timeout=60) as response:
            response.read()
            status = response.status
        if status >= 500:
            raise BenchError(f"GET {path} answered {status} during the benchmark")
        if i:
            samples.append(time.perf_counter() - started)
    return {"route": f"GET {path}", **_timings(samples)}


def measure_sqs(target: PlaneTarget, messages: int, *, timeout_s: float = 600.0) -> dict[str, Any]:
    """``messages`` OrderPlaced messages onto the orders queue; seconds until every order is in DynamoDB."""
    sqs, dynamodb = target.client("sqs"), target.client("dynamodb")
    queue, table = str(target.outputs["queue_urls"]["orders"]), str(target.outputs["tables"]["orders"])
    run = f"bench-{int(time.time())}-{os.getpid()}"
    order_ids = [f"{run}-{i:05d}" for i in range(messages)]
    started = time.perf_counter()
    for chunk in range(0, messages, 10):
        entries = [
            {
                "Id": str(i),
                "MessageBody": json.dumps(
                    {
                        "type": "OrderPlaced",
                        "order_id": order_id,
                        "customer_id": "cust-bench",
                        "items": [{"sku": "sku-bench", "quantity": 1, "price": "1.00"}],
                    }
                ),
            }
            for i, order_id in enumerate(order_ids[chunk : chunk + 10])
        ]
        failed = sqs.send_message_batch(QueueUrl=queue, Entries=entries).get("Failed")
        if failed:
            raise BenchError(f"SendMessageBatch failed: {failed[0]}")
    sent = time.perf_counter()
    pending = set(order_ids)
    while pending:
        if time.perf_counter() - started > timeout_s:
            raise BenchError(f"{len(pending)} of {messages} orders not in DynamoDB after {timeout_s:.0f} s")
        for batch in [sorted(pending)[i : i + 100] for i in range(0, len(pending), 100)]:
            keys = [{"pk": {"S": f"ORDER#{o}"}, "sk": {"S": "ORDER"}} for o in batch]
            found = dynamodb.batch_get_item(RequestItems={table: {"Keys": keys, "ProjectionExpression": "pk"}})
            for item in found["Responses"].get(table, []):
                pending.discard(item["pk"]["S"].removeprefix("ORDER#"))
        if pending:
            time.sleep(0.5)  # polling the emulator, not a timing assumption: the deadline above bounds it
    done = time.perf_counter()
    return {
        "messages": messages,
        "send_s": round(sent - started, 3),
        "drain_s": round(done - sent, 3),
        "total_s": round(done - started, 3),
        "messages_per_s": round(messages / (done - started), 1),
    }


def measure_plane(
    target: PlaneTarget, *, invokes: int, messages: int, progress: Callable[[str], None] = lambda line: None
) -> dict[str, Any]:
    deployed = dict(target.outputs.get("deployed_functions") or {})
    function = deployed.get("cognito_pre_sign_up") or next(iter(deployed.values()))
    event = b"{}"
    repo = Path(__file__).resolve().parent.parent
    sample = repo / "functions" / "cognito_triggers" / "events" / "pre_sign_up.json"
    if "cognito_pre_sign_up" in deployed and sample.is_file():
        event = sample.read_bytes()
    report: dict[str, Any] = {"invoke_api": measure_invoke(target, function, event, invokes)}
    progress(
        f"  Invoke API ({function}): p50 {report['invoke_api']['p50_ms']} ms, p99 {report['invoke_api']['p99_ms']}"
    )
    report["http_gateway"] = measure_gateway(target, "/health", invokes)
    progress(
        f"  gateway GET /health: p50 {report['http_gateway']['p50_ms']} ms, p99 {report['http_gateway']['p99_ms']}"
    )
    if messages:
        report["sqs_pipeline"] = measure_sqs(target, messages)
        sqs = report["sqs_pipeline"]
        progress(f"  SQS -> order_worker -> DynamoDB: {messages} messages, {sqs['messages_per_s']} msg/s")
    return report


# ------------------------------------------------------------------------------------------------- one run


@dataclass
class BenchOptions:
    runs: int = 5  # INIT samples per function (median)
    invokes: int = 200  # warm invocations per data-plane path
    messages: int = 500  # SQS pipeline messages
    only: tuple[str, ...] = ()  # functions for INIT (default: all)
    sections: tuple[str, ...] = ("init", "build", "plane")
    smoke: bool = False
    tracing: bool = False  # INIT as with X-Ray active tracing (POWERTOOLS_TRACE_DISABLED=false)


def run(repo: Path, work: Path, options: BenchOptions, progress: Callable[[str], None]) -> dict[str, Any]:
    """Every section in one run; returns the JSON document (a failed section records its error)."""
    from scripts.emulator.server import start_emulator

    document: dict[str, Any] = {
        "version": 1,
        "smoke": options.smoke,
        "machine": machine(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    work.mkdir(parents=True, exist_ok=True)
    if "init" in options.sections:
        progress(f"INIT from the built zips (median of {options.runs}, CPU time of the import)")
        with start_emulator() as emulator:
            warm_emulator(emulator.client)
            init = measure_init(
                repo,
                work / "init",
                runs=options.runs,
                only=options.only,
                endpoint=emulator.url,
                tracing=options.tracing,
                progress=progress,
            )
        document["init"] = {
            "python": init.python,
            "python_version": init.python_version,
            "bytecode": init.bytecode,
            "floor_modules": list(FLOOR_MODULES),
            "tracing": options.tracing,
            "floor_cpu_s": round(init.floor_s, 4),
            "floor_wall_s": round(init.floor_wall_s, 4),
            "runs": options.runs,
            "functions": init.functions,
        }
    if "build" in options.sections:
        progress("build: cold (wheel cache kept), no-op, one function changed")
        only = ("health",) if options.smoke else ()
        document["build"] = measure_build(repo, work / "build", only=only)
        for label in ("cold", "noop", "one_changed"):
            b = document["build"][label]
            progress(f"  {label:<12} {b['seconds']:7.2f} s  {b['built']} built, {b['cached']} cached")
    if "plane" in options.sections:
        progress("local data plane")
        document["plane"] = _plane(repo, work, options, progress)
    document["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return document


def _plane(repo: Path, work: Path, options: BenchOptions, progress: Callable[[str], None]) -> dict[str, Any]:
    from scripts.local import control
    from scripts.local.stack import StackPaths

    running = control.running_stack(StackPaths(repo / ".local"))
    if running is not None and running.state == "ready":
        progress(f"  using the running stack (pid {running.pid})")
        target = plane_target(running.__dict__)
        return {"stack": "running"} | measure_plane(
            target, invokes=options.invokes, messages=options.messages, progress=progress
        )
    local_dir = work / "stack"
    progress(f"  starting a local stack in {local_dir} (terraform apply: minutes)")
    try:
        target = start_stack(local_dir)
        return {"stack": "started"} | measure_plane(
            target, invokes=options.invokes, messages=options.messages, progress=progress
        )
    finally:
        stop_stack(local_dir)


def warm_emulator(client: Callable[[str], Any]) -> None:
    """Load the emulator's service backends first, so a cold invocation does not pay for the emulator's own."""
    for service, call in (
        ("dynamodb", "list_tables"),
        ("s3", "list_buckets"),
        ("sqs", "list_queues"),
        ("sns", "list_topics"),
        ("events", "list_event_buses"),
        ("stepfunctions", "list_state_machines"),
        ("ses", "list_identities"),
    ):
        getattr(client(service), call)()


def verdict(document: dict[str, Any]) -> list[str]:
    """Functions over their INIT budget, one line each (empty: all within), with their libraries' own ratio."""
    init = document.get("init") or {}
    return [
        f"{name}: INIT {f['ratio_to_floor']}x the floor, budget {f['budget_ratio']}x"
        + (f" (its libraries alone: {f['baseline_ratio_to_floor']}x)" if "baseline_ratio_to_floor" in f else "")
        for name, f in sorted((init.get("functions") or {}).items())
        if not f["within_budget"]
    ]


def table(document: dict[str, Any]) -> str:
    """The human summary: INIT per function, build, data plane."""
    lines: list[str] = []
    machine_info = document["machine"]
    lines.append(
        f"machine: {machine_info['cpus']} CPUs {machine_info['machine']}, {machine_info['system']}, "
        f"load {machine_info['load_1m']}"
    )
    init = document.get("init")
    if init:
        lines.append("")
        lines.append(
            f"| function | INIT (CPU, median of {init['runs']}) | × floor | budget | libraries alone × floor | "
            "our code × floor | our modules (-X importtime) | cold invoke (wall) | outcome |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        lines.append(
            f"| floor: import {', '.join(init['floor_modules'])} | {init['floor_cpu_s'] * 1000:.0f} ms | 1.00 "
            "| | | | | | |"
        )
        for name, f in sorted(init["functions"].items()):
            mark = "" if f["within_budget"] else " over"
            alone = f.get("baseline_ratio_to_floor")
            libraries = f"{alone:.2f}" if alone is not None else ""
            ours = f"{f['ratio_to_floor'] - alone:+.2f}" if alone is not None else ""
            modules = f"{f['beyond_baseline_import_ms']:.0f} ms" if "beyond_baseline_import_ms" in f else ""
            lines.append(
                f"| {name} | {f['init_cpu_s'] * 1000:.0f} ms | {f['ratio_to_floor']:.2f}{mark} | {f['budget_ratio']} | "
                f"{libraries} | {ours} | {modules} | {f['cold_invoke_wall_s'] * 1000:.0f} ms | "
                f"{f['cold_invoke_outcome']} |"
            )
        lines.append(
            f"(python {init['python_version']}: {init['python']}; bytecode {init['bytecode'] or 'none'}; "
            f"tracing {'on' if init.get('tracing') else 'off'})"
        )
    build = document.get("build")
    if build:
        lines.append("")
        lines.append("| build | time | built | cached |")
        lines.append("|---|---|---|---|")
        for label, title in (("cold", "cold"), ("noop", "no-op"), ("one_changed", "one function changed")):
            b = build[label]
            lines.append(f"| {title} | {b['seconds']:.2f} s | {b['built']} | {b['cached']} |")
    plane = document.get("plane")
    if plane:
        lines.append("")
        lines.append("| data plane (warm) | n | p50 | p99 |")
        lines.append("|---|---|---|---|")
        for key, title in (("invoke_api", "Invoke API"), ("http_gateway", "HTTP gateway")):
            if key in plane:
                t = plane[key]
                lines.append(
                    f"| {title} ({t.get('function') or t.get('route')}) | {t['n']} | {t['p50_ms']} ms | "
                    f"{t['p99_ms']} ms |"
                )
        if "sqs_pipeline" in plane:
            q = plane["sqs_pipeline"]
            lines.append("")
            lines.append(
                f"SQS → order_worker → DynamoDB: {q['messages']} messages in {q['total_s']} s "
                f"({q['messages_per_s']} msg/s; drain after the last send {q['drain_s']} s)"
            )
    return "\n".join(lines)
