"""Which S3 objects this function ingests, read from an S3 event notification (Powertools ``S3Event``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event

from shared.uploads import uploader_of

INPUT_PREFIX = "uploads/"
REPORT_PREFIX = "reports/"
REPORT_SUFFIX = ".errors.csv"


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str  # URL-decoded
    version_id: str | None
    etag: str | None
    size: int

    @property
    def version(self) -> str:
        """What identifies this content: the version id (versioned bucket), else the ETag."""
        return self.version_id or self.etag or "unversioned"

    @property
    def identity(self) -> dict[str, Any]:
        """What is ingested at most once: this version of this object."""
        return {"bucket": self.bucket, "key": self.key, "version": self.version}

    @property
    def uploader(self) -> str | None:
        """The user who uploaded the object (``shared.uploads``); None for a back-office import."""
        return uploader_of(self.key)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def report_key(self) -> str:
        """Where the errors report goes: outside uploads/, so writing it never triggers this function."""
        return REPORT_PREFIX + self.key.removeprefix(INPUT_PREFIX) + REPORT_SUFFIX


def wanted(key: str) -> bool:
    return key.startswith(INPUT_PREFIX) and key.lower().endswith(".csv") and not key.endswith(REPORT_SUFFIX)


def object_refs(event: S3Event) -> Iterator[ObjectRef]:
    """Every ObjectCreated record of the notification. Keys arrive URL-encoded (spaces as '+'); Powertools decodes
    only ``S3Event.object_key`` (the first record), so each record's key is decoded the same way here."""
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        obj = record.s3.get_object
        yield ObjectRef(
            bucket=record.s3.bucket.name,
            key=unquote_plus(obj.key),
            version_id=obj.version_id or None,
            etag=obj.etag or None,
            size=int(obj.get("size") or 0),
        )
