"""SNS entry point (order notifications topic and the S3 upload alerts topic)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from notifier.messages import parse_message
from notifier.notify import notify
from shared.middleware import event_handler


@event_handler(source="direct")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # SNS invokes asynchronously with one record; an error goes to Lambda's retries, then the on-failure destination.
    deliveries = [
        notify(message).model_dump()
        for record in SNSEvent(event).records
        for message in parse_message(record.sns.message)
    ]
    return {"deliveries": deliveries}
