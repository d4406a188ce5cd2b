"""Which S3 objects this function ingests, read from an S3 event notification."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

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


def object_refs(event: Mapping[str, Any]) -> Iterator[ObjectRef]:
    """Every ObjectCreated record of an S3 event (keys arrive URL-encoded, spaces as '+')."""
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        obj = s3["object"]
        yield ObjectRef(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(obj["key"]),
            version_id=obj.get("versionId") or None,
            etag=obj.get("eTag") or None,
            size=int(obj.get("size", 0)),
        )
