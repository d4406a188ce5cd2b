"""S3 and DynamoDB adapters: the streamed object, the errors report, the batch writer, the per-version marker."""

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

# The marker's own states (csv_ingest owns the INGEST# items in the orders table).
IN_PROGRESS, COMPLETED, MISSING = "IN_PROGRESS", "COMPLETED", "MISSING"


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


class IngestMarker:
    """``pk=INGEST#<bucket>/<key>, sk=VERSION#<version>`` in the orders table: IN_PROGRESS → COMPLETED, or
    IN_PROGRESS → MISSING when a retry finds the object gone (MISSING, like IN_PROGRESS, lets the same version
    be ingested should it appear again)."""

    def __init__(self, table_name: str, ref: ObjectRef) -> None:
        self.table_name = table_name
        self.key = {"pk": f"INGEST#{ref.bucket}/{ref.key}", "sk": f"VERSION#{ref.version}"}

    def _table(self) -> Any:
        return aws.dynamodb_table(self.table_name)

    def start(self, started_at: str) -> bool:
        """False when this version was already ingested completely; True otherwise (first or resumed run)."""
        try:
            self._table().put_item(
                Item={**self.key, "status": IN_PROGRESS, "started_at": started_at},
                ConditionExpression="attribute_not_exists(pk) OR #status <> :completed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":completed": COMPLETED},
            )
        except ClientError as exc:
            if _error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise transient(exc, "mark ingest started") from exc
        return True

    def complete(self, summary: dict[str, Any], finished_at: str) -> None:
        try:
            self._table().update_item(
                Key=self.key,
                UpdateExpression="SET #status = :completed, summary = :summary, finished_at = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":completed": COMPLETED, ":summary": summary, ":at": finished_at},
            )
        except ClientError as exc:
            raise transient(exc, "mark ingest completed") from exc

    def finish_missing(self, finished_at: str) -> None:
        """End an ingest an earlier attempt started (IN_PROGRESS) whose object is gone; no marker: nothing to do."""
        try:
            self._table().update_item(
                Key=self.key,
                UpdateExpression="SET #status = :missing, finished_at = :at",
                ConditionExpression="#status = :in_progress",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":missing": MISSING, ":in_progress": IN_PROGRESS, ":at": finished_at},
            )
        except ClientError as exc:
            if _error_code(exc) != "ConditionalCheckFailedException":
                raise transient(exc, "mark ingest missing") from exc
