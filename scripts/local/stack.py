"""The whole local stack in one process: build, emulator, payment sandbox, Terraform, data plane, gateway, event
sources, watcher.

:class:`Stack` starts the parts in order and stops them in reverse; ``.local/stack.json`` says where everything
listens (``state`` is ``starting`` until every part runs, then ``ready``) and is removed on a clean stop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.local import seed
from scripts.local.clients import emulator_client
from scripts.local.errors import LocalStackError
from scripts.local.gateway import Gateway
from scripts.local.logs import LogHub
from scripts.local.payment_sandbox import DECLINING_PREFIX, PaymentSandbox, PaymentSandboxError
from scripts.local.runtime import STACK_ID_VARIABLE, DataPlane
from scripts.local.watch import CodeWatcher

REPO = Path(__file__).resolve().parents[2]


@dataclass
class StackOptions:
    local_dir: Path = REPO / ".local"
    host: str = "127.0.0.1"
    emulator_port: int = 4566
    api_port: int = 3000
    payment_port: int = 0  # the payment provider's sandbox; 0 = any free port (Terraform gets the URL)
    build: bool = True
    terraform_dir: Path | None = REPO / "terraform" / "environments" / "local"
    dist_dir: Path = REPO / ".cache" / "host-dist"
    region: str = "us-east-1"
    # More regions on the same emulator (a multi-region environment such as local_two_region): each gets its own
    # data plane, event sources and gateways; Terraform is offered the first as `secondary_region`.
    extra_regions: tuple[str, ...] = ()
    watch: bool = True
    events: bool = True
    time_scale: float = 1.0
    color: bool = False


@dataclass
class StackPaths:
    root: Path

    @property
    def stack_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def stack_log(self) -> Path:
        return self.root / "stack.log"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def tf_state(self) -> Path:
        return self.root / "terraform" / "state" / "terraform.tfstate"

    @property
    def tf_data(self) -> Path:
        return self.root / "terraform" / "data"


@dataclass
class StackInfo:
    """What ``.local/stack.json`` holds."""

    pid: int
    stack_id: str
    state: str
    emulator_url: str = ""
    api_urls: dict[str, str] = field(default_factory=dict)
    payment_api_url: str = ""
    logs_dir: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"


def read_stack_info(paths: StackPaths) -> StackInfo | None:
    try:
        data = json.loads(paths.stack_file.read_text())
        return StackInfo(**data)
    except (OSError, ValueError, TypeError):
        return None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def ensure_port_free(host: str, port: int, what: str) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise LocalStackError(
                f"port {port} on {host} ({what}) is in use: {exc.strerror}; stop what uses it or choose another port"
            ) from exc


class _HubHandler(logging.Handler):
    """Python logging (emulator, event sources) into the interleaved stack log."""

    def __init__(self, hub: LogHub) -> None:
        super().__init__(logging.INFO)
        self._hub = hub

    def emit(self, record: logging.LogRecord) -> None:
        ours = record.name.startswith(("local.", "scripts."))
        source = record.name.split(".")[-1] if ours else record.name.split(".")[0]
        text = record.getMessage()
        if record.exc_info:
            text += " | " + logging.Formatter().formatException(record.exc_info).replace("\n", " | ")
        self._hub.line(source, f"[{record.levelname}] {text}")


class Stack:
    """Start with :meth:`start`, stop with :meth:`stop` (idempotent); :meth:`serve` does both around a wait."""

    def __init__(self, options: StackOptions, out: Callable[[str], None] = print) -> None:
        self.options = options
        self.paths = StackPaths(options.local_dir)
        # `up --detach` passes the id in; the daemon's own environment then carries it too.
        self.stack_id = os.environ.get(STACK_ID_VARIABLE) or f"{os.getpid()}-{int(time.time())}"
        self._out = out
        self._stops: list[tuple[str, Callable[[], None]]] = []
        self.info = StackInfo(pid=os.getpid(), stack_id=self.stack_id, state="starting")
        self.logs: LogHub | None = None
        self.data_plane: DataPlane | None = None
        self.regional_data_planes: dict[str, DataPlane] = {}  # extra_regions only; the primary is data_plane
        self.gateways: list[Gateway] = []
        self.events: Any = None
        self.emulator: Any = None
        self.payment_sandbox: PaymentSandbox | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> StackInfo:
        options = self.options
        ensure_port_free(options.host, options.emulator_port, "emulator")
        ensure_port_free(options.host, options.api_port, "API gateway")
        ensure_port_free(options.host, options.payment_port, "payment sandbox")
        self.paths.root.mkdir(parents=True, exist_ok=True)
        os.environ[STACK_ID_VARIABLE] = self.stack_id  # inherited by workers, terraform, the build
        self._write_info()
        self._stops.append(("stack file", lambda: self.paths.stack_file.unlink(missing_ok=True)))
        if options.build:
            self._build()
        self.logs = LogHub(self.paths.logs, sys.stdout, color=options.color)
        self._stops.append(("logs", self.logs.close))
        self._route_python_logging(self.logs)
        self._start_emulator()
        self._start_payment_sandbox()
        self._start_data_plane()
        if options.terraform_dir is not None:
            self.info.outputs = self._apply_terraform(options.terraform_dir)
            self._seed()
        self._start_gateways()
        if options.events:
            self._start_events()
        if options.watch:
            self._start_watcher()
        self.info.state = "ready"
        self._write_info()
        self._print_summary()
        return self.info

    def stop(self) -> None:
        while self._stops:
            name, stop = self._stops.pop()
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest; say what failed
                self._out(f"stopping {name} failed: {type(exc).__name__}: {exc}")

    def serve(self, stop_event: threading.Event) -> None:
        try:
            self.start()
            self._out("stack ready — Ctrl-C stops it")
            stop_event.wait()
        finally:
            self._out("stopping the stack ...")
            self.stop()
            self._out("stopped")

    # -- parts ----------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self._out(f"build: python -m scripts.build --host (into {self.options.dist_dir})")
        self._stream([sys.executable, "-m", "scripts.build", "--host"], "the build", "error:", cwd=REPO)

    def _start_emulator(self) -> None:
        from scripts.emulator import EmulatorStartError, alarms, codedeploy, start_emulator

        codedeploy.set_time_scale(self.options.time_scale)  # canary/linear intervals and hook timeouts
        alarms.set_time_scale(self.options.time_scale)  # CloudWatch alarm periods
        try:
            self.emulator = start_emulator(self.options.host, self.options.emulator_port)
        except EmulatorStartError as exc:
            raise LocalStackError(str(exc)) from exc
        self._stops.append(("emulator", self.emulator.stop))
        self.info.emulator_url = self.emulator.url
        self._out(f"emulator: {self.emulator.url}")

    def _start_payment_sandbox(self) -> None:
        """The provider sandbox PAYMENT_API_URL points at: nothing else serves it on this machine."""
        try:
            self.payment_sandbox = PaymentSandbox().start(self.options.host, self.options.payment_port)
        except PaymentSandboxError as exc:
            raise LocalStackError(str(exc)) from exc
        self._stops.append(("payment sandbox", self.payment_sandbox.stop))
        self.info.payment_api_url = self.payment_sandbox.url
        self._out(f"payment API (sandbox): {self.info.payment_api_url}")

    def _start_data_plane(self) -> None:
        self.data_plane = self._new_data_plane(self.options.region, self.paths.run, "data plane")
        if not self.data_plane.register_with_emulator():
            raise LocalStackError("scripts.emulator.hooks is missing: the emulator cannot call the data plane")
        self._stops.append(("invoker", _unregister_invoker))
        self._start_metrics(self.data_plane)
        if self.options.extra_regions:
            self._start_regional_data_planes()

    def _new_data_plane(self, region: str, run_dir: Path, label: str) -> DataPlane:
        assert self.logs is not None
        plane = DataPlane(
            self.info.emulator_url, run_dir=run_dir, dist_dir=self.options.dist_dir, logs=self.logs, region=region
        )
        self._stops.append((label, plane.close))
        return plane

    def _start_metrics(self, data_plane: DataPlane) -> None:
        """Lambda's metrics and the alarmed SQS ones into the emulator's CloudWatch, where its alarms evaluate them."""
        from scripts.local.metrics import LambdaMetrics, MetricsPublisher

        data_plane.metrics = LambdaMetrics()
        publisher = MetricsPublisher(self.info.emulator_url, data_plane.metrics, region=self.options.region).start()
        self._stops.append(("metrics", publisher.stop))

    def _start_regional_data_planes(self) -> None:
        """One data plane per extra region, and the emulator's invoker routing each request to its region's."""
        from scripts.emulator import hooks
        from scripts.local.regions import RegionRouter
        from scripts.local.runtime import EmulatorInvoker

        assert self.data_plane is not None
        invokers = {self.options.region: EmulatorInvoker(self.data_plane, hooks.InvokeOutcome)}
        for region in self.options.extra_regions:
            plane = self._new_data_plane(region, self.paths.run / region, f"data plane {region}")
            self.regional_data_planes[region] = plane
            invokers[region] = EmulatorInvoker(plane, hooks.InvokeOutcome)
        hooks.set_lambda_invoker(RegionRouter(invokers, self.options.region))
        self._out(f"data planes: {', '.join(invokers)}")

    def _apply_terraform(self, directory: Path) -> dict[str, Any]:
        from scripts import tf

        if not directory.is_dir():
            raise LocalStackError(f"{directory} does not exist: nothing to deploy (use --no-terraform to skip)")
        declared = declared_variables(directory)
        if "emulator_url" not in declared:
            raise LocalStackError(f"{directory} declares no variable emulator_url; the stack cannot point it here")
        offered = {
            "emulator_url": self.info.emulator_url,
            "dist_dir": str(self.options.dist_dir),
            "manifest_path": str(self.options.dist_dir / "manifest.json"),
            "region": self.options.region,
            "payment_api_url": self.info.payment_api_url,
        }
        if self.options.extra_regions:
            offered["secondary_region"] = self.options.extra_regions[0]
        variables = [f"-var={k}={v}" for k, v in offered.items() if k in declared]
        if "payment_api_url" not in declared:
            self._out(
                f"terraform: {directory.name} declares no payment_api_url; its functions cannot reach the sandbox"
            )
        state = self.paths.tf_state
        if state.parent.exists():
            shutil.rmtree(state.parent)  # a fresh emulator: state from an earlier run describes nothing
        state.parent.mkdir(parents=True)
        self._out(
            f"terraform: init + apply {directory.relative_to(REPO) if directory.is_relative_to(REPO) else directory}"
        )
        try:
            # The stack's own .terraform (TF_DATA_DIR) and state: nothing is written into the environment folder.
            env = {"TF_DATA_DIR": str(self.paths.tf_data)}
            tf.run(["init", "-input=false", "-no-color"], cwd=directory, env=env, capture=True, timeout=600)
            started = time.monotonic()
            self._stream_terraform(
                ["apply", "-auto-approve", "-input=false", "-no-color", f"-state={state}", *variables], directory, env
            )
            self._out(f"terraform: applied in {time.monotonic() - started:.0f} s")
            shown = tf.run(["output", "-json", f"-state={state}"], cwd=directory, env=env, capture=True, timeout=120)
        except tf.TerraformError as exc:
            raise LocalStackError(str(exc)) from exc
        outputs = json.loads(shown.stdout or "{}")
        return {k: v.get("value") for k, v in outputs.items() if not v.get("sensitive")}

    def _stream_terraform(self, args: list[str], directory: Path, extra_env: dict[str, str]) -> None:
        from scripts import tf

        env = {**tf.terraform_env(directory), **extra_env}
        binary = env.get("TERRAFORM_BINARY") or shutil.which("terraform", path=env.get("PATH"))
        if binary is None:
            raise LocalStackError("terraform not found on PATH (install Terraform >= 1.5 or set TERRAFORM_BINARY)")
        self._stream([binary, *args], f"terraform {args[0]}", "Error:", cwd=directory, env=env)

    def _stream(self, command: list[str], what: str, error_prefix: str, **popen: Any) -> None:
        """Run ``command`` showing its output as it comes; a failure raises with its last ``error_prefix`` line
        (Terraform draws a box around its errors: "│ Error: ...")."""
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)
        assert process.stdout is not None
        last_error = ""
        for line in process.stdout:
            self._out(line.rstrip("\n"))
            stripped = line.strip(" │╷╵\t\n")
            if stripped.startswith(error_prefix):
                last_error = stripped.removeprefix(error_prefix).strip()
        if process.wait() != 0:
            raise LocalStackError(f"{what} failed: {last_error or f'exit code {process.returncode}'}")

    def _seed(self) -> None:
        table = seed.inventory_table(self.info.outputs)
        if table is not None:
            count = seed.seed_inventory(self._client("dynamodb"), table)
            self._out(f"seed: {count} sample SKUs stocked in {table} (make seed resets them)")

    def _start_gateways(self) -> None:
        assert self.data_plane is not None
        self._start_region_gateways(self.options.region, self.data_plane, first_port=self.options.api_port)
        # An extra region's APIs on free ports, named "<region>/<API name>" (the same stack has the same names).
        for region, plane in self.regional_data_planes.items():
            self._start_region_gateways(region, plane, first_port=0, label=f"{region}/")

    def _start_region_gateways(self, region: str, plane: DataPlane, *, first_port: int, label: str = "") -> None:
        client = self._client("apigatewayv2", region)
        apis = sorted(
            (a for a in client.get_apis().get("Items", []) if a.get("ProtocolType") == "HTTP"), key=lambda a: a["Name"]
        )
        for index, api in enumerate(apis):
            port = first_port if index == 0 else 0
            gateway = Gateway(
                self.info.emulator_url,
                plane.invoke,
                api_id=api["ApiId"],
                host=self.options.host,
                port=port,
                region=region,
                logs=self.logs,
            ).start()
            self._stops.append((f"gateway {label}{api['Name']}", gateway.stop))
            self.gateways.append(gateway)
            self.info.api_urls[label + api["Name"]] = gateway.url
            _serve_execute_api_host(api["ApiId"], region, gateway.url)

    def _start_events(self) -> None:
        assert self.data_plane is not None
        try:
            from scripts.local.events import EventSourceOptions, EventSources
        except ImportError as exc:
            self._out(f"event sources: not available ({exc}); SQS mappings, schedules and async retries are off")
            return
        for region, plane in [(self.options.region, self.data_plane), *self.regional_data_planes.items()]:
            # The events Protocol names the first parameter function_name; DataPlane.invoke's function_name_or_arn.
            sources = EventSources(
                plane.invoke,  # type: ignore[arg-type]
                self.info.emulator_url,
                EventSourceOptions(region=region, time_scale=self.options.time_scale),
                concurrency_limit=plane.concurrency_limit,
            )
            plane.async_dispatcher = sources.async_invoker.submit
            sources.start()
            primary = plane is self.data_plane
            self._stops.append(("event sources" if primary else f"event sources {region}", sources.stop))
            if primary:
                self.events = sources

    def _start_watcher(self) -> None:
        assert self.data_plane is not None
        assert self.logs is not None
        watcher = CodeWatcher(self.options.dist_dir / "manifest.json", self.data_plane, self.logs)
        watcher.start()
        self._stops.append(("code watcher", watcher.stop))

    # -- reporting ------------------------------------------------------------------------------------------

    def _print_summary(self) -> None:
        from scripts.local import guide  # guide reads StackInfo from here

        assert self.data_plane is not None
        try:
            pool: guide.UserPool | None = guide.user_pool(self._client("cognito-idp"), self.info.outputs)
        except LocalStackError:
            pool = None  # no user pool deployed (e.g. --no-terraform): nothing to sign in to
        functions = self.data_plane.catalog.function_names()
        queues = self._client("sqs").list_queues().get("QueueUrls", [])
        tables = self._client("dynamodb").list_tables().get("TableNames", [])
        buckets = [b["Name"] for b in self._client("s3").list_buckets().get("Buckets", [])]
        rows = [("emulator", self.info.emulator_url)]
        rows += [(f"API {name}", url) for name, url in self.info.api_urls.items()] or [
            ("API", "(no HTTP API deployed)")
        ]
        rows += [
            ("payment API", f"{self.info.payment_api_url} (sandbox: ids starting {DECLINING_PREFIX!r} are declined)"),
            ("functions", ", ".join(functions) or "-"),
            ("queues", ", ".join(q.rsplit("/", 1)[-1] for q in queues) or "-"),
        ]
        rows += [("tables", ", ".join(tables) or "-"), ("buckets", ", ".join(buckets) or "-")]
        if pool is not None:
            rows += [("user pool", pool.pool_id), ("app client", pool.client_id)]
        rows += [("logs", f"{self.paths.logs}/<function>.log")]
        width = max(len(label) for label, _ in rows)
        self._out("\n".join(f"  {label.ljust(width)}  {value}" for label, value in rows))
        self._out("\n".join(guide.try_it(self.info, self.paths.root, pool)))

    def _write_info(self) -> None:
        self.info.logs_dir = str(self.paths.logs)
        temporary = self.paths.stack_file.with_suffix(".tmp")
        temporary.write_text(self.info.to_json())
        temporary.replace(self.paths.stack_file)

    def _client(self, service: str, region: str | None = None) -> Any:
        return emulator_client(self.info.emulator_url, service, region or self.options.region)

    def _route_python_logging(self, hub: LogHub) -> None:
        handler = _HubHandler(hub)
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        for noisy in ("werkzeug", "botocore", "urllib3", "moto"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        self._stops.append(("logging", lambda: root.removeHandler(handler)))


def declared_variables(directory: Path) -> set[str]:
    names: set[str] = set()
    for path in directory.glob("*.tf"):
        names.update(re.findall(r'^\s*variable\s+"([^"]+)"', path.read_text(), flags=re.M))
    return names


def _serve_execute_api_host(api_id: str, region: str, url: str) -> None:
    """Route 53 health checks of the API's execute-api host (the regional stack's health_check_fqdn) probe the
    local gateway serving it: the host does not resolve on this machine."""
    try:
        from scripts.emulator import route53_health
    except ImportError:  # an emulator without health-check evaluation: nothing probes
        return
    route53_health.map_health_check_target(f"{api_id}.execute-api.{region}.amazonaws.com", url)


def _unregister_invoker() -> None:
    from scripts.emulator import set_lambda_invoker

    set_lambda_invoker(None)
