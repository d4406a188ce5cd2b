"""Which S3 objects to resize, read from an S3 event notification; where their copies go."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

INPUT_PREFIX = "uploads/"
OUTPUT_PREFIX = "resized/"


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str  # URL-decoded
    version_id: str | None

    @property
    def output_key(self) -> str:
        """resized/<path under uploads/>: outside uploads/, so writing it can never trigger this function."""
        return OUTPUT_PREFIX + self.key.removeprefix(INPUT_PREFIX)


def object_refs(event: Mapping[str, Any]) -> Iterator[ObjectRef]:
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        yield ObjectRef(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(s3["object"]["key"]),
            version_id=s3["object"].get("versionId") or None,
        )
