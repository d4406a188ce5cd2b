"""The payloads between stages, and how a stage finds its input in what Lambda hands it.

The first stage is invoked with a :class:`DocumentRequest`. Every later stage is invoked by the previous
stage's on-success destination, which delivers Lambda's destination record; the previous stage's return value
is its ``responsePayload``. A stage raises on failure, so its on-failure destination receives the record of
the failed invocation, whose ``requestPayload`` carries the input (for the first stage: the original request).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import NonRetryableError, ValidationError

MAX_TEXT_CHARS = 64_000  # the text travels inside async invocation payloads (256 KB), twice in a destination record
DOCUMENT_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class DocumentRequest(_Contract):
    """Stage 1 input: a text document under ``documents/`` in the uploads bucket."""

    document_id: str = Field(pattern=DOCUMENT_ID)
    key: str = Field(pattern=r"^documents/[^\x00-\x1f]{1,1000}$")


class ExtractedDocument(_Contract):
    """Stage 1 output → stage 2 input."""

    document_id: str = Field(pattern=DOCUMENT_ID)
    key: str
    content_type: str
    size_bytes: int = Field(ge=0)
    text: str = Field(max_length=MAX_TEXT_CHARS)


class TermCount(_Contract):
    term: str
    count: int = Field(ge=1)


class DocumentAnalysis(_Contract):
    """Stage 2 output → stage 3 input."""

    document_id: str = Field(pattern=DOCUMENT_ID)
    key: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    characters: int = Field(ge=0)
    lines: int = Field(ge=0)
    words: int = Field(ge=0)
    top_terms: list[TermCount] = Field(max_length=10)


class StoredAnalysis(_Contract):
    """Stage 3 output (the last stage's on-success destination receives it)."""

    document_id: str
    source_key: str
    analysis_key: str
    words: int


class _RequestContext(BaseModel):
    model_config = ConfigDict(defer_build=True)

    requestId: str
    functionArn: str
    condition: Literal["Success", "RetriesExhausted", "EventAgeExceeded"]
    approximateInvokeCount: int


class DestinationRecord(BaseModel):
    """What an asynchronous invocation's destination receives (the fields this pipeline relies on)."""

    model_config = ConfigDict(defer_build=True)

    version: str
    timestamp: str
    requestContext: _RequestContext
    requestPayload: Any
    responsePayload: Any = None


class MisroutedRecordError(NonRetryableError):
    """A stage received a failure record: only an on-success destination may point at a stage."""

    code = "misrouted_destination_record"


C = TypeVar("C", bound=_Contract)


def is_destination_record(event: object) -> bool:
    return isinstance(event, Mapping) and "requestContext" in event and "requestPayload" in event


def stage_input(event: object, contract: type[C]) -> C:
    """``contract`` from the event itself (first stage) or from a destination record's ``responsePayload``."""
    payload: object = event
    where = "event"
    if is_destination_record(event):
        try:
            record = DestinationRecord.model_validate(event)
        except pydantic.ValidationError as exc:
            raise ValidationError.from_pydantic(exc, prefix="event") from None
        if record.requestContext.condition != "Success":
            raise MisroutedRecordError(
                f"received a {record.requestContext.condition} record from {record.requestContext.functionArn}"
            )
        payload, where = record.responsePayload, "responsePayload"
    if not isinstance(payload, Mapping):
        raise ValidationError(f"{where} must be a JSON object", fields={where: "must be an object"})
    try:
        return contract.model_validate(dict(payload))
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix=where) from None


def output(model: BaseModel) -> dict[str, Any]:
    """A stage's return value: JSON-ready, so Lambda can hand it to the next stage."""
    return model.model_dump(mode="json")
