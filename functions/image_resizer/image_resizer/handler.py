"""S3 ObjectCreated entry point: resize every image the notification names."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from image_resizer.objects import object_refs
from image_resizer.pipeline import process
from shared.middleware import event_handler


@event_handler(source="direct")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"images": [process(ref) for ref in object_refs(event)]}
