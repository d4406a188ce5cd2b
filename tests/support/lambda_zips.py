"""pytest fixtures to run functions from their built zips against a real moto server on loopback.

    def test_health_from_zip(built_function, aws_endpoint):
        aws_endpoint.client("dynamodb").create_table(...)
        out = built_function("health").invoke("health", event, env={"ORDERS_TABLE": "orders"})
        assert out.result["statusCode"] == 200

The zips are built for this machine's Python and CPU (``python -m scripts.build --host``: same sources, same
packaging, host wheels) because the Lambda-target zips carry aarch64/cp313 extensions that cannot load here.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import lambda_sandbox
from scripts.artifacts import Builder, host_target

REPO = Path(__file__).resolve().parents[2]
HOST_DIST = REPO / ".cache" / "host-dist"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AwsEndpoint:
    url: str
    region: str = "us-east-1"

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=self.region)

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_endpoint(moto_server: str) -> AwsEndpoint:
    """A moto server with empty state for this test."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    return AwsEndpoint(moto_server)


def host_build(folder: str) -> dict[str, Any]:
    """Build one function folder (and its layers) for the host; returns the host manifest."""
    builder = Builder(REPO, HOST_DIST, REPO / ".cache" / "wheels", jobs=2, target=host_target())
    manifest, results = builder.build([folder])
    failed = [f"{r.name}: {r.error}" for r in results if r.status == "failed"]
    if failed:
        pytest.fail("host build failed: " + "; ".join(failed))
    return manifest


@dataclass
class BuiltFunction:
    folder: str
    code_zip: Path
    layer_zips: list[Path]
    handlers: Mapping[str, str]
    endpoint: AwsEndpoint | None
    work_dir: Path

    def invoke(
        self, key: str, event: object, *, env: Mapping[str, str] | None = None, timeout: float = 30.0
    ) -> lambda_sandbox.Invocation:
        """Invoke handler ``key`` (a function.json handlers key) in a fresh Lambda-like process."""
        full_env = {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": self.folder}
        full_env |= {"POWERTOOLS_METRICS_NAMESPACE": "orders"}
        if self.endpoint is not None:
            full_env |= self.endpoint.env()
        full_env |= dict(env or {})
        return lambda_sandbox.invoke(
            self.code_zip,
            self.layer_zips,
            self.handlers[key],
            event,
            env=full_env,
            work_dir=self.work_dir,
            timeout=timeout,
        )


@pytest.fixture
def built_function(request: pytest.FixtureRequest) -> Callable[[str], BuiltFunction]:
    endpoint = request.getfixturevalue("aws_endpoint") if "aws_endpoint" in request.fixturenames else None

    def load(folder: str) -> BuiltFunction:
        manifest = host_build(folder)
        entry = manifest["functions"][folder]
        layers = [REPO / manifest["layers"][name]["path"] for name in entry["layers"]]
        return BuiltFunction(
            folder, REPO / entry["path"], layers, entry["handlers"], endpoint, REPO / ".cache" / "run-zips"
        )

    return load


def load_event(folder: str, name: str) -> dict[str, Any]:
    """A sample event from functions/<folder>/events/<name>.json."""
    return json.loads((REPO / "functions" / folder / "events" / f"{name}.json").read_text())
