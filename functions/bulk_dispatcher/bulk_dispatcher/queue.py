"""SQS adapter: one SendMessageBatch call; entries it reports as failed are returned, not raised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from botocore.exceptions import BotoCoreError, ClientError

from bulk_dispatcher.settings import settings
from shared import aws
from shared.errors import RetryableError, ServiceUnavailableError, classify


class Entry(TypedDict):
    Id: str
    MessageBody: str
    MessageAttributes: dict[str, Any]


class Failure(TypedDict):
    Id: str
    SenderFault: bool
    Code: str
    Message: str


def send_batch(entries: Sequence[Entry]) -> list[Failure]:
    """Send up to 10 entries; the per-entry failures. A throttled or unreachable queue raises RetryableError."""
    try:
        response = aws.sqs().send_message_batch(QueueUrl=settings().bulk_queue_url, Entries=list(entries))  # type: ignore[arg-type]
    except BotoCoreError as exc:
        raise ServiceUnavailableError(f"bulk queue unreachable: {exc}") from exc
    except ClientError as exc:
        known = classify(exc)
        if isinstance(known, RetryableError):
            raise known from exc
        raise
    return [
        Failure(Id=f["Id"], SenderFault=bool(f["SenderFault"]), Code=f["Code"], Message=f.get("Message", ""))
        for f in response.get("Failed", [])
    ]
