"""Invocation records and their delivery to SQS, SNS, Lambda and EventBridge destinations (and function DLQs).

Record shape as Lambda sends it (docs: "Capturing records of Lambda asynchronous invocations"):
``version``, ``timestamp``, ``requestContext {requestId, functionArn, condition, approximateInvokeCount}``,
``requestPayload``, ``responseContext {statusCode, executedVersion, functionError}``, ``responsePayload``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from scripts.arns import parse_arn
from scripts.local.events.aws import AwsClients
from scripts.local.events.invoke import InvokeResultLike, decode_payload

__all__ = ["Condition", "DestinationError", "DestinationSender", "InvocationRecord", "iso_millis"]

log = logging.getLogger("local.events.destinations")

# The DLQ message attribute ErrorMessage carries at most the first kilobyte of the error (Lambda docs).
_DLQ_ERROR_MESSAGE_LIMIT = 1024


class Condition(StrEnum):
    SUCCESS = "Success"
    RETRIES_EXHAUSTED = "RetriesExhausted"
    EVENT_AGE_EXCEEDED = "EventAgeExceeded"


class DestinationError(Exception):
    """A record could not be delivered (Lambda counts these as DestinationDeliveryFailures)."""


def iso_millis(moment: datetime | None = None) -> str:
    """``2019-11-14T18:16:05.568Z``: the timestamp format of invocation records and S3/SNS events."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class InvocationRecord:
    """One asynchronous invocation's outcome, as destinations receive it."""

    request_id: str
    function_arn: str  # qualified: ...:function:name:$LATEST (or version / alias)
    condition: Condition
    invoke_count: int
    request_payload: bytes
    executed_version: str
    last_result: InvokeResultLike | None

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "version": "1.0",
            "timestamp": iso_millis(),
            "requestContext": {
                "requestId": self.request_id,
                "functionArn": self.function_arn,
                "condition": str(self.condition),
                "approximateInvokeCount": self.invoke_count,
            },
            "requestPayload": decode_payload(self.request_payload),
        }
        if self.last_result is not None:
            context: dict[str, object] = {"statusCode": 200, "executedVersion": self.executed_version}
            if self.last_result.function_error:
                context["functionError"] = self.last_result.function_error
            record["responseContext"] = context
            record["responsePayload"] = decode_payload(self.last_result.payload)
        return record

    @property
    def error_message(self) -> str:
        """The function's error message (for DLQ attributes), or the condition when there was no response."""
        if self.last_result is None:
            return str(self.condition)
        body = decode_payload(self.last_result.payload)
        if isinstance(body, dict) and "errorMessage" in body:
            return str(body["errorMessage"])
        return json.dumps(body) if body is not None else str(self.condition)


class DestinationSender:
    """Delivers records to a destination ARN by its service; a Lambda destination goes through ``submit_async``."""

    def __init__(self, clients: AwsClients, submit_async: Callable[[str, bytes, str | None], str]) -> None:
        self._clients = clients
        self._submit_async = submit_async

    def send_record(self, destination_arn: str, record: InvocationRecord) -> None:
        """Send an invocation record; raises :class:`DestinationError` naming the destination when it fails."""
        body = json.dumps(record.to_json())
        try:
            arn = parse_arn(destination_arn)
            if arn.service == "sqs":
                self._clients.client("sqs").send_message(
                    QueueUrl=self._clients.queue_url(destination_arn), MessageBody=body
                )
            elif arn.service == "sns":
                self._clients.client("sns").publish(TopicArn=destination_arn, Message=body)
            elif arn.service == "lambda":
                self._submit_async(destination_arn, body.encode(), None)
            elif arn.service == "events":
                self._put_event(destination_arn, record, body)
            else:
                raise DestinationError(f"unsupported destination type {arn.service!r}: {destination_arn}")
        except DestinationError:
            raise
        except Exception as exc:  # any delivery failure is reported to the caller, never swallowed
            raise DestinationError(f"cannot deliver to {destination_arn}: {exc}") from exc

    def send_to_dlq(self, target_arn: str, record: InvocationRecord) -> None:
        """A function's dead-letter queue gets the event itself plus RequestID/ErrorCode/ErrorMessage attributes."""
        message = record.request_payload.decode("utf-8", errors="replace")
        error_code = "200" if record.last_result is not None else "0"
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": record.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": error_code},
            "ErrorMessage": {"DataType": "String", "StringValue": record.error_message[:_DLQ_ERROR_MESSAGE_LIMIT]},
        }
        try:
            arn = parse_arn(target_arn)
            if arn.service == "sqs":
                self._clients.client("sqs").send_message(
                    QueueUrl=self._clients.queue_url(target_arn), MessageBody=message, MessageAttributes=attributes
                )
            elif arn.service == "sns":
                self._clients.client("sns").publish(TopicArn=target_arn, Message=message, MessageAttributes=attributes)
            else:
                raise DestinationError(f"a dead-letter queue must be SQS or SNS: {target_arn}")
        except DestinationError:
            raise
        except Exception as exc:  # reported to the caller, never swallowed
            raise DestinationError(f"cannot deliver to dead-letter queue {target_arn}: {exc}") from exc

    def _put_event(self, bus_arn: str, record: InvocationRecord, body: str) -> None:
        outcome = "Success" if record.condition is Condition.SUCCESS else "Failure"
        response = self._clients.client("events").put_events(
            Entries=[
                {
                    "Source": "lambda",
                    "DetailType": f"Lambda Function Invocation Result - {outcome}",
                    "Detail": body,
                    "Resources": [record.function_arn, bus_arn],
                    "EventBusName": bus_arn,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise DestinationError(f"PutEvents to {bus_arn} failed: {response['Entries']}")
