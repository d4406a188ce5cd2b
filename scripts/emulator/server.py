"""The embedded AWS emulator: moto's server in this process, on loopback, with the project's additions."""

from __future__ import annotations

import logging
import socket
import threading
from types import TracebackType
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from moto.core.config import default_user_config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from scripts.emulator import alarms, codedeploy, fast_paths, gaps, hooks, retries

logger = logging.getLogger("scripts.emulator")

# Running emulators, newest last: Step Functions tasks call the newest one still running (backends are shared).
_running: list[Emulator] = []


class EmulatorStartError(RuntimeError):
    """The emulator could not listen (port in use, bad host)."""


class _Server(ThreadedMotoServer):
    """ThreadedMotoServer that reports a bind failure instead of waiting forever for readiness."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(ip_address=host, port=port, verbose=False)
        self.error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except BaseException as error:  # noqa: BLE001 (handed to the starting thread, which raises it)
            self.error = error
            self._server_ready_event.set()


class Emulator:
    """A running emulator; ``url`` is its endpoint (AWS_ENDPOINT_URL). Stop it with :meth:`stop` or ``with``."""

    def __init__(self, server: ThreadedMotoServer, host: str, port: int) -> None:
        self._server = server
        self.host = host
        self.port = port
        self._stopped = False
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, service: str, region: str = "us-east-1") -> BaseClient:
        """A boto3 client for ``service`` against this emulator (dummy credentials, no retries)."""
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )

    def reset(self) -> None:
        """Forget every resource (moto's global backends)."""
        from moto.core.base_backend import BackendDict

        BackendDict.reset()

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            if self in _running:
                _running.remove(self)
        self._server.stop()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _sfn_boto_client_for(region: str, service: str, state_credentials: Any = None) -> BaseClient:
    """Step Functions' clients for task integrations: this emulator, and Lambda calls marked as from a task."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    client: BaseClient = boto3.client(  # type: ignore[call-overload]
        service,
        region_name=region,
        endpoint_url=_running[-1].url if _running else None,
        aws_access_key_id="ak",
        aws_secret_access_key="sk",
        config=Config(
            parameter_validation=False,
            retries={"max_attempts": 0, "total_max_attempts": 1},
            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
        ),
    )
    if service == "lambda":
        client.meta.events.register("before-sign.lambda.Invoke", _mark_from_stepfunctions)
    return client


def _mark_from_stepfunctions(request: Any, **_: Any) -> None:
    request.headers[hooks.SOURCE_HEADER] = "stepfunctions"


def _enable_stepfunctions_execution() -> None:
    """Run state machines for real (moto's ASL interpreter), with task integrations calling the emulator."""
    import sys

    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    if original is not _sfn_boto_client_for:
        boto_client.boto_client_for = _sfn_boto_client_for
        # Modules that already imported the name keep their own reference: replace it there too.
        for name, module in list(sys.modules.items()):
            if name.startswith("moto.stepfunctions") and getattr(module, "boto_client_for", None) is original:
                module.boto_client_for = _sfn_boto_client_for  # type: ignore[attr-defined]
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def install() -> None:
    """Install every patch into moto (idempotent): the Lambda execution hook, the gap fills, the speed fixes."""
    hooks.install()
    gaps.install()
    codedeploy.install()
    fast_paths.install()
    retries.install()  # a retried SDK request is answered like its first attempt, not run twice
    alarms.install()  # CloudWatch alarm evaluation: a daemon thread, idle while no emulator runs


def _check_bindable(host: str, port: int) -> None:
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as error:
        raise EmulatorStartError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


def start_emulator(host: str = "127.0.0.1", port: int = 0) -> Emulator:
    """Start the emulator on ``host``:``port`` (0 = a free port) and return it once it accepts connections."""
    install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _check_bindable(host, port)  # werkzeug would print and sys.exit() from its thread instead
    server = _Server(host, port)
    server.start()
    if server.error is not None:
        raise EmulatorStartError(f"cannot listen on {host}:{port}: {server.error}") from server.error
    bound_host, bound_port = server.get_host_and_port()
    emulator = Emulator(server, bound_host, bound_port)
    _running.append(emulator)
    _enable_stepfunctions_execution()
    logger.info("emulator listening on %s", emulator.url)
    return emulator
