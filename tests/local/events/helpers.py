"""Small real Python handlers invoked in-process, registered as functions in the emulator too."""

from __future__ import annotations

import io
import json
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.arns import parse_function_ref
from scripts.lambda_context import LambdaContext
from scripts.local.events.aws import AwsClients

Handler = Callable[[Any, LambdaContext], Any]


@dataclass(frozen=True)
class LocalResult:
    request_id: str
    payload: bytes
    function_error: str | None


@dataclass
class Call:
    event: Any
    at: float
    qualifier: str | None


@dataclass
class LocalFunctions:
    """Functions that exist in the emulator (so configuration reads work) and run here, in-process."""

    clients: AwsClients
    handlers: dict[str, Handler] = field(default_factory=dict)
    calls: dict[str, list[Call]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _role: str | None = None

    def create(self, name: str, handler: Handler, **config: Any) -> str:
        """Create ``name`` in the emulator and bind it to ``handler``; returns the function ARN."""
        if self._role is None:
            self._role = self.clients.client("iam").create_role(RoleName="local-events", AssumeRolePolicyDocument="{}")[
                "Role"
            ]["Arn"]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("handler.py", "def handler(event, context):\n    return event\n")
        response = self.clients.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=self._role,
            Handler="handler.handler",
            Code={"ZipFile": archive.getvalue()},
            **config,
        )
        self.handlers[name] = handler
        self.calls[name] = []
        return str(response["FunctionArn"])

    def invoke(self, function_name: str, payload: bytes, qualifier: str | None = None) -> LocalResult:
        """The ``Invoke`` protocol: run the handler; an exception becomes an ``Unhandled`` function error."""
        ref = parse_function_ref(function_name, qualifier)
        name = ref.name
        handler = self.handlers[name]
        event = json.loads(payload) if payload else None
        with self._lock:
            self.calls[name].append(Call(event=event, at=time.monotonic(), qualifier=ref.qualifier))
        request_id = str(uuid.uuid4())
        context = LambdaContext(name, aws_request_id=request_id, deadline_ms=int((time.time() + 30) * 1000))
        try:
            result = handler(event, context)
        except Exception as exc:  # noqa: BLE001 - the Lambda runtime turns any uncaught error into a response
            body = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            return LocalResult(request_id, json.dumps(body).encode(), "Unhandled")
        return LocalResult(request_id, json.dumps(result).encode(), None)

    def events(self, name: str) -> list[Any]:
        with self._lock:
            return [c.event for c in self.calls[name]]


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def drain(clients: AwsClients, queue_url: str, wait_s: int = 1) -> list[dict[str, Any]]:
    """Receive (and delete) everything visible in a queue."""
    sqs = clients.client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        wait_s = 0
