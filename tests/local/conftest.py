"""Fixtures for the local data plane tests: a real emulator on loopback and real zips of small handlers."""

from __future__ import annotations

import io
import itertools
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.emulator import Emulator, start_emulator
from scripts.local.runtime import DataPlane

_names = itertools.count()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with start_emulator("127.0.0.1", 0) as running:
        yield running


@pytest.fixture(scope="session")
def lambda_client(emulator: Emulator) -> Any:
    return boto3.client("lambda", endpoint_url=emulator.url, region_name="us-east-1")


@pytest.fixture
def role_arn(emulator: Emulator) -> str:
    """Per test: a mock_aws test or an /moto-api/reset elsewhere in this process wipes moto's shared state."""
    iam = boto3.client("iam", endpoint_url=emulator.url, region_name="us-east-1")
    try:
        return str(iam.get_role(RoleName="local-dataplane-tests")["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'  # noqa: E501
        return str(iam.create_role(RoleName="local-dataplane-tests", AssumeRolePolicyDocument=policy)["Role"]["Arn"])


def zip_files(files: dict[str, str]) -> bytes:
    """A deployment zip of the given files (source text is dedented)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            # A fixed timestamp: the same files make the same zip (and the same CodeSha256), like `make build`.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), textwrap.dedent(text))
    return buffer.getvalue()


@pytest.fixture
def make_zip() -> Callable[[dict[str, str]], bytes]:
    return zip_files


@pytest.fixture
def deploy(lambda_client: Any, role_arn: str) -> Callable[..., str]:
    """Create a function from handler source; returns its (unique) name."""

    def create(
        source: str,
        *,
        handler: str = "app.handler",
        timeout: int = 3,
        memory: int = 128,
        environment: dict[str, str] | None = None,
        reserved: int | None = None,
        layers: list[str] | None = None,
        extra_files: dict[str, str] | None = None,
        runtime: str = "python3.13",
    ) -> str:
        name = f"fn-{next(_names)}-{uuid.uuid4().hex[:6]}"
        files = {"app.py": source, **(extra_files or {})}
        lambda_client.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=role_arn,
            Handler=handler,
            Code={"ZipFile": zip_files(files)},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": environment or {}},
            Layers=layers or [],
        )
        if reserved is not None:
            lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
        return name

    return create


@pytest.fixture
def data_plane(emulator: Emulator, tmp_path: Path) -> Iterator[DataPlane]:
    with DataPlane(emulator.url, run_dir=tmp_path / "run", config_ttl_s=0.0) as plane:
        yield plane
