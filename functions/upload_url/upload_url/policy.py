"""What a client may upload: content types, size limits, expiry and the object key (per user). No AWS in here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.uploads import user_upload_key

__all__ = ["EXPIRES_IN_SECONDS", "MAX_BYTES", "UploadPlan", "UploadRequest", "plan_upload"]

ContentType = Literal["text/csv", "image/jpeg", "image/png"]

# csv_ingest reads a whole CSV in one invocation; image_resizer holds an image in memory twice.
MAX_BYTES: dict[str, int] = {"text/csv": 10 * 1024 * 1024, "image/jpeg": 5 * 1024 * 1024, "image/png": 5 * 1024 * 1024}
EXTENSIONS: dict[str, str] = {"text/csv": "csv", "image/jpeg": "jpg", "image/png": "png"}
EXPIRES_IN_SECONDS = 300  # long enough to start an upload, short enough that a leaked form is soon useless


class UploadRequest(BaseModel):
    """The request body: ``{"content_type": "text/csv", "size": 52311}`` (size: the file's exact byte count)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    content_type: ContentType
    size: int = Field(ge=1)

    @field_validator("size")
    @classmethod
    def _within_limit(cls, size: int, info: ValidationInfo) -> int:
        content_type = info.data.get("content_type")  # absent when content_type itself was invalid
        if content_type is not None and size > MAX_BYTES[content_type]:
            raise ValueError(f"must be at most {MAX_BYTES[content_type]} bytes for {content_type}")
        return size


@dataclass(frozen=True)
class UploadPlan:
    """One permitted upload: exactly this key, this content type, at most ``max_bytes``."""

    key: str
    content_type: str
    max_bytes: int
    expires_in: int


def plan_upload(request: UploadRequest, *, owner: str, new_id: str | None = None) -> UploadPlan:
    """A fresh key under the owner's ``uploads/<owner>/``, extension from the content type, size capped as declared.

    ``owner`` is the caller's user id (``shared.identity``: ``[A-Za-z0-9][A-Za-z0-9._@:-]*``, so never ``..`` or
    ``/``): one user's form can only ever write under that user's own prefix.
    """
    object_id = new_id or str(uuid.uuid4())
    return UploadPlan(
        key=user_upload_key(owner, object_id, EXTENSIONS[request.content_type]),
        content_type=request.content_type,
        max_bytes=request.size,
        expires_in=EXPIRES_IN_SECONDS,
    )
