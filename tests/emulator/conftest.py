"""Fixtures for the emulator's own tests: a function deployed in the emulator and a recording invoker."""

from __future__ import annotations

import io
import json
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from botocore.client import BaseClient

from scripts.emulator import Emulator, InvokeOutcome, InvokeRequest, set_lambda_invoker


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@dataclass
class RecordingInvoker:
    """Records every request; answers with ``respond`` (default: echo the payload)."""

    respond: Callable[[InvokeRequest], InvokeOutcome] = lambda r: InvokeOutcome(payload=r.payload)
    requests: list[InvokeRequest] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __call__(self, request: InvokeRequest) -> InvokeOutcome:
        self.requests.append(request)
        self.arrived.set()
        return self.respond(request)

    def events(self) -> list[dict]:
        return [json.loads(r.payload) for r in self.requests]


@pytest.fixture
def invoker() -> Iterator[RecordingInvoker]:
    recording = RecordingInvoker()
    previous = set_lambda_invoker(recording)
    try:
        yield recording
    finally:
        set_lambda_invoker(previous)


@pytest.fixture
def no_invoker() -> Iterator[None]:
    previous = set_lambda_invoker(None)
    try:
        yield
    finally:
        set_lambda_invoker(previous)


@pytest.fixture
def client(emulator: Emulator) -> Callable[[str], BaseClient]:
    return emulator.client


@pytest.fixture
def function(client: Callable[[str], BaseClient]) -> str:
    """A published function (version 1) with a ``live`` alias on it; returns its name."""
    name = f"fn-{uuid.uuid4().hex[:8]}"
    role = client("iam").create_role(
        RoleName=f"role-{name}",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    lam = client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": handler_zip()},
        Publish=True,
    )
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name
