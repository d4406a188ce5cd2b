"""S3 and DynamoDB adapters: the streamed object, the errors report, the batch writer."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any, cast

from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from csv_ingest.ingest import WriteBatch, WriteResult
from csv_ingest.objects import ObjectRef
from shared import aws
from shared.errors import ServiceUnavailableError, classify
from shared.order_store import OrderTable
from shared.orders import Order

REPORT_MEMORY_LIMIT = 1024 * 1024  # bytes of report kept in memory before it spills to /tmp


def _get(ref: ObjectRef) -> Any:
    if ref.version_id:
        return aws.s3().get_object(Bucket=ref.bucket, Key=ref.key, VersionId=ref.version_id)
    return aws.s3().get_object(Bucket=ref.bucket, Key=ref.key)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def transient(exc: ClientError, action: str) -> Exception:
    """The taxonomy error for an SDK failure: throttling and 5xx are retryable, the rest as they are."""
    known = classify(exc)
    if known is not None and known.retryable:
        return known
    if int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0) >= 500:
        return ServiceUnavailableError(f"{action}: AWS failed ({_error_code(exc)})")
    return exc


def open_text(ref: ObjectRef) -> IO[str] | None:
    """The object as a text stream (UTF-8, BOM dropped, line endings untouched for csv); None if it is gone."""
    try:
        body = _get(ref)["Body"]
    except ClientError as exc:
        if _error_code(exc) in {"NoSuchKey", "NoSuchVersion", "404"}:
            return None
        raise transient(exc, "read upload") from exc
    return text_stream(body)


def text_stream(body: IO[bytes] | StreamingBody) -> IO[str]:
    """Decode a byte stream lazily, 8 KiB at a time: UTF-8, BOM dropped, newlines left for the csv module."""
    return io.TextIOWrapper(cast("IO[bytes]", body), encoding="utf-8-sig", newline="")


class ErrorReport:
    """Rejected rows as CSV (line, error, the row's fields), spooled to /tmp past 1 MiB, uploaded at the end."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=REPORT_MEMORY_LIMIT, mode="w+b")  # noqa: SIM115
        self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
        self._writer = csv.writer(self._text)
        self._writer.writerow(["line", "error", "fields"])
        self.rows = 0

    def reject(self, line: int, error: str, fields: Sequence[str]) -> None:
        self._writer.writerow([line, error, *fields])
        self.rows += 1

    def upload(self, bucket: str, key: str) -> None:
        self._text.flush()
        self._file.seek(0)
        try:
            aws.s3().upload_fileobj(self._file, bucket, key, ExtraArgs={"ContentType": "text/csv; charset=utf-8"})
        except ClientError as exc:
            raise transient(exc, "write errors report") from exc

    def __enter__(self) -> ErrorReport:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._text.close()


def batch_writer(table_name: str, owner: str | None = None) -> WriteBatch:
    """``write(orders) → WriteResult``: a user's upload writes each order only if its id is new or already theirs
    (OrderTable.put_owned); a back-office import in batches (put_all, UnprocessedItems retried)."""
    table = OrderTable(table_name)

    def write(orders: list[Order]) -> WriteResult:
        try:
            if owner is None:
                return WriteResult(unwritten=len(table.put_all(orders).failed))
            return WriteResult(taken=tuple(table.put_owned(orders, owner)))
        except ClientError as exc:
            raise transient(exc, "write orders") from exc

    return write
