"""S3 ObjectCreated entry point: ingest every .csv object the notification names, each version once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.event_source import event_source
from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from csv_ingest.objects import object_refs
from csv_ingest.pipeline import INGEST_ONCE, process
from shared.middleware import event_handler


@event_handler(source="direct")
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    INGEST_ONCE.register_lambda_context(context)  # an ingest cut short by the timeout can run again after it
    return {"files": [process(ref) for ref in object_refs(event)]}
