"""The message bulk_dispatcher sends per order (``shared.contracts.BulkOrderMessage``). No AWS, no event shapes."""

from __future__ import annotations

import pydantic

from shared.contracts import BulkOrderMessage
from shared.errors import ValidationError

__all__ = ["BulkOrderMessage", "parse_message"]


def parse_message(body: str) -> BulkOrderMessage:
    """The typed message in an SQS body; a body that can never be written raises ValidationError naming why."""
    try:
        return BulkOrderMessage.model_validate_json(body)
    except pydantic.ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise ValidationError("message body is not JSON", fields={"body": "not JSON"}) from None
        raise ValidationError.from_pydantic(exc, prefix="body") from None
