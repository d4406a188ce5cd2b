"""Lambda execution hook: every Lambda invocation inside the emulator calls one registered Python callable.

moto runs Lambda code in Docker, which this project never has. These patches route every path through which
moto would run a function — the Invoke API (RequestResponse, Event, DryRun), InvokeAsync, SNS subscriptions,
S3 notifications, EventBridge rule targets and Step Functions Lambda tasks — to the invoker registered with
:func:`set_lambda_invoker` (the local data plane). They also switch off moto's own synchronous SQS→Lambda
triggering on SendMessage: the data plane implements event source mapping semantics itself.
"""

from __future__ import annotations

import base64
import contextvars
import copy
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from scripts.arns import parse_arn, parse_function_ref
from scripts.emulator.patching import once

logger = logging.getLogger("scripts.emulator")

#: Request header a caller inside the emulator sets to say where an Invoke API call comes from.
SOURCE_HEADER = "X-Emulator-Invoke-Source"


@dataclass(frozen=True)
class InvokeRequest:
    """One invocation of a function, as the emulator hands it to the invoker.

    ``source`` says which path invoked it: ``invoke`` (the Invoke API), ``invoke-async``, ``sns``, ``s3``,
    ``events``, ``stepfunctions``, or ``stream`` (moto's own DynamoDB/Kinesis stream triggering). ``region`` is the
    function's region when the path knows it (one emulator may serve the same function name in several regions).
    """

    function_name: str
    qualifier: str | None
    payload: bytes
    invocation_type: str
    source: str
    region: str | None = None


@dataclass(frozen=True)
class InvokeOutcome:
    """What the invoker reports back; ``function_error`` is ``Handled``/``Unhandled`` when the function failed."""

    payload: bytes
    function_error: str | None = None
    log_tail: str = ""
    executed_version: str = "$LATEST"


Invoker = Callable[[InvokeRequest], InvokeOutcome]


class NoInvokerError(RuntimeError):
    """Raised when a function is invoked and no invoker is registered."""


_invoker: Invoker | None = None
_invoker_lock = threading.Lock()
_source: contextvars.ContextVar[str] = contextvars.ContextVar("emulator_invoke_source", default="invoke")
# moto's Invoke handler reads a lower-case "qualifier" query parameter; AWS sends "Qualifier".
_query_qualifier: contextvars.ContextVar[str | None] = contextvars.ContextVar("emulator_qualifier", default=None)


def set_lambda_invoker(invoker: Invoker | None) -> Invoker | None:
    """Register the callable that runs every Lambda invocation (``None`` unregisters); returns the previous one."""
    global _invoker
    with _invoker_lock:
        previous, _invoker = _invoker, invoker
    return previous


def invoke(request: InvokeRequest) -> InvokeOutcome:
    """Run ``request`` through the registered invoker, or raise :class:`NoInvokerError`."""
    invoker = _invoker
    if invoker is None:
        raise NoInvokerError(
            f"cannot run Lambda function {request.function_name!r}: no invoker is registered with the emulator "
            "(start the local data plane, or call scripts.emulator.set_lambda_invoker)"
        )
    return invoker(request)


@contextmanager
def invocation_source(source: str) -> Iterator[None]:
    """Mark invocations made inside this block (same thread) as coming from ``source``."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return str(value)
    return None


def _dispatch_async(function_arn: str, event: Any, source: str) -> None:
    """An asynchronous invocation from inside the emulator (SNS, S3, EventBridge): never fails the sender."""
    target = parse_function_ref(function_arn)
    request = InvokeRequest(target.name, target.qualifier, json.dumps(event).encode(), "Event", source, target.region)
    try:
        invoke(request)
    except NoInvokerError as error:
        logger.error("%s event for %s dropped: %s", source, function_arn, error)
    except Exception:
        # The sender must not fail for the target's sake, but the loss is reported loudly, never silenced.
        logger.exception("%s event for %s: the invoker failed", source, function_arn)


# --- patches --------------------------------------------------------------------------------------------------


def lambda_error(error_type: str, message: str, status: int) -> Exception:
    """A Lambda API error that moto answers with HTTP ``status``."""
    from moto.awslambda.exceptions import LambdaClientError

    error = LambdaClientError(error_type, message)
    error.code = status
    return error


def _run_sync(request: InvokeRequest, request_headers: Any, response_headers: dict[str, Any]) -> bytes:
    """Run ``request`` for the Invoke API: its payload, with the outcome in the response headers."""
    try:
        outcome = invoke(request)
    except NoInvokerError as error:
        raise lambda_error("ResourceConflictException", str(error), 409) from error
    except Exception as error:
        logger.exception("invoker failed for %s", request.function_name)
        message = f"the emulator's Lambda invoker failed: {type(error).__name__}: {error}"
        raise lambda_error("ServiceException", message, 500) from error
    if outcome.function_error:
        response_headers["x-amz-function-error"] = outcome.function_error
    response_headers["x-amz-executed-version"] = outcome.executed_version
    if _header(request_headers, "X-Amz-Log-Type") == "Tail":
        tail = outcome.log_tail.encode()[-4096:]  # AWS returns the last 4 KB
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
    response_headers["Content-Length"] = str(len(outcome.payload))
    return outcome.payload


def _as_bytes(body: Any) -> bytes:
    if body is None or body == "":
        return b"{}"
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def _backend_invoke(
    self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: dict[str, Any]
) -> bytes:
    qualifier = qualifier or _query_qualifier.get()
    fn = self.get_function(function_name, qualifier)  # raises ResourceNotFoundException for an unknown function
    # The explicit Qualifier wins over one embedded in the name (moto resolved the function that way above).
    qualifier = qualifier or parse_function_ref(function_name).qualifier
    invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type == "DryRun":
        response_headers["Content-Length"] = "0"
        return b""
    source = _header(headers, SOURCE_HEADER) or _source.get()
    region = getattr(fn, "region", None)
    request = InvokeRequest(fn.function_name, qualifier, _as_bytes(body), invocation_type, source, region)
    return _run_sync(request, headers, response_headers)


def _function_invoke(self: Any, body: Any, request_headers: Any, response_headers: dict[str, Any]) -> bytes:
    qualifier = None if self.version == "$LATEST" else str(self.version)
    # Reached from InvokeAsync (marked) and from moto's own DynamoDB/Kinesis stream triggers (synchronous).
    source = _source.get()
    if source == "invoke":
        source = "stream"
    default_type = "Event" if source == "invoke-async" else "RequestResponse"
    invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or default_type
    region = getattr(self, "region", None)
    request = InvokeRequest(self.function_name, qualifier, _as_bytes(body), invocation_type, source, region)
    return _run_sync(request, request_headers, response_headers)


def _invoke_response(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke_with_qualifier(self: Any) -> Any:
        token = _query_qualifier.set(self.querystring.get("Qualifier", [None])[0])
        try:
            return original(self)
        finally:
            _query_qualifier.reset(token)

    return invoke_with_qualifier


def _invoke_async_response(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke_async(self: Any) -> Any:
        with invocation_source("invoke-async"):
            return original(self)

    return invoke_async


def _sns_publish(original: Callable[..., Any]) -> Callable[..., Any]:
    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol != "lambda":
            return original(
                self, message, message_id, subject, message_attributes, group_id, deduplication_id, message_structure
            )
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        event = {
            "Records": [
                {
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.arn,
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": message_id,
                        "TopicArn": self.topic.arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": now,
                        "SignatureVersion": "1",
                        "Signature": "EXAMPLE",
                        "SigningCertUrl": "EXAMPLE",
                        "UnsubscribeUrl": "EXAMPLE",
                        "MessageAttributes": dict(message_attributes or {}),
                    },
                }
            ]
        }
        _dispatch_async(self.endpoint, event, "sns")
        return None

    return publish


def _s3_invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    # AWS encodes object keys like a form value but keeps "/" (moto encodes it as %2F).
    for record in event_body.get("Records", []):
        obj = record.get("s3", {}).get("object", {})
        if "key" in obj:
            obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
    _dispatch_async(fn_arn, event_body, "s3")


def _events_invoke_lambda(account_id: str, fn_arn: str, event: Any) -> None:
    _dispatch_async(fn_arn, event, "events")


def _target_input(target: Mapping[str, Any], event: dict[str, Any], transform_input: bool) -> Any:
    """The payload EventBridge delivers to a target: Input, InputPath, InputTransformer or the whole event."""
    if not transform_input:
        return copy.deepcopy(event)
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        selected: Any = event
        for key in filter(None, str(target["InputPath"]).removeprefix("$").split(".")):
            selected = selected.get(key) if isinstance(selected, dict) else None
        return copy.deepcopy(selected)
    from moto.events.models import EventTemplateParser

    transformer = target.get("InputTransformer", {})
    return EventTemplateParser.parse(
        input_template=transformer.get("InputTemplate"),
        input_paths_map=transformer.get("InputPathsMap", {}),
        event=event,  # type: ignore[arg-type]
    )


def _rule_send_to_targets(original: Callable[..., Any]) -> Callable[..., Any]:
    """EventBridge rules: moto raises NotImplementedError for Lambda and Step Functions targets; deliver them."""

    def send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        handled = []
        for target in self.targets:
            arn = str(target.get("Arn", ""))
            service = parse_arn(arn).service if arn.count(":") >= 5 else ""
            if service == "lambda":
                _dispatch_async(arn, _target_input(target, original_event, transform_input), "events")
            elif service == "states":
                _start_execution(arn, _target_input(target, original_event, transform_input))
            else:
                continue
            handled.append(target)
        rest = [t for t in self.targets if t not in handled]
        if rest:
            shallow = copy.copy(self)
            shallow.targets = rest
            original(shallow, original_event, transform_input)

    return send_to_targets


def _start_execution(state_machine_arn: str, payload: Any) -> None:
    from moto.stepfunctions.responses import get_backend

    machine = parse_arn(state_machine_arn)
    try:
        get_backend(machine.account, machine.region).start_execution(
            state_machine_arn, name=str(uuid.uuid4()), execution_input=json.dumps(payload)
        )
    except Exception:
        logger.exception("EventBridge could not start an execution of %s", state_machine_arn)


def _discard_sqs_esm(queue_class: type) -> None:
    """moto calls Lambda synchronously from SendMessage for each mapping on the queue; give it none."""
    queue_class.lambda_event_source_mappings = property(  # type: ignore[attr-defined]
        lambda self: {}, lambda self, value: None
    )


@once
def install() -> None:
    """Install the Lambda execution patches into moto."""
    from moto.awslambda import models as lambda_models
    from moto.awslambda import responses as lambda_responses
    from moto.events import models as events_models
    from moto.events import notifications as events_notifications
    from moto.s3 import notifications as s3_notifications
    from moto.sns import models as sns_models
    from moto.sqs import models as sqs_models

    lambda_models.LambdaBackend.invoke = _backend_invoke  # type: ignore[method-assign]
    lambda_models.LambdaFunction.invoke = _function_invoke  # type: ignore[method-assign]
    lambda_responses.LambdaResponse.invoke = _invoke_response(  # type: ignore[method-assign]
        lambda_responses.LambdaResponse.invoke
    )
    lambda_responses.LambdaResponse.invoke_async = _invoke_async_response(  # type: ignore[method-assign]
        lambda_responses.LambdaResponse.invoke_async
    )
    sns_models.Subscription.publish = _sns_publish(sns_models.Subscription.publish)  # type: ignore[method-assign]
    s3_notifications._invoke_awslambda = _s3_invoke_awslambda
    events_notifications._invoke_lambda = _events_invoke_lambda
    events_models.Rule.send_to_targets = _rule_send_to_targets(  # type: ignore[method-assign]
        events_models.Rule.send_to_targets
    )
    _discard_sqs_esm(sqs_models.Queue)
