"""One uploaded object, start to finish: filter → stream → once-per-version marker → rows → report → summary.

The object is opened before the marker is started, so an object that is gone never leaves an ingest
IN_PROGRESS; a retry that finds it gone finishes the marker an earlier attempt started.

A file whose header is unusable is rejected with a report and not retried (the same bytes would fail again).
Valid rows DynamoDB still refuses after batch_write's own retries raise a RetryableError: Lambda's async
retry runs the file again (same item keys, so nothing is duplicated) and then the on-failure destination
keeps the event. A version that completed once is skipped on redelivery.
"""

from __future__ import annotations

from typing import IO, Any

from csv_ingest.ingest import BadFileError, ingest
from csv_ingest.objects import ObjectRef, wanted
from csv_ingest.storage import ErrorReport, IngestMarker, batch_writer, open_text
from shared.errors import RetryableError
from shared.observability import logger, metrics
from shared.orders import utc_now
from shared.settings import EnvSettings, load_settings


class Settings(EnvSettings):
    orders_table: str


def process(ref: ObjectRef) -> dict[str, Any]:
    result: dict[str, Any] = {"key": ref.key, "version": ref.version}
    if not wanted(ref.key):
        logger.info("skipped: not a .csv under uploads/", extra={"key": ref.key})
        return result | {"status": "skipped"}
    table = load_settings(Settings).orders_table
    marker = IngestMarker(table, ref)
    stream = open_text(ref)
    if stream is None:
        marker.finish_missing(utc_now())
        logger.warning("skipped: the object no longer exists", extra={"key": ref.key})
        return result | {"status": "missing"}
    with stream:
        if not marker.start(utc_now()):
            logger.info("skipped: this version was already ingested", extra={"key": ref.key, "version": ref.version})
            return result | {"status": "already_ingested"}
        return result | _ingest(ref, stream, table, marker)


def _ingest(ref: ObjectRef, stream: IO[str], table: str, marker: IngestMarker) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with ErrorReport() as report:
        try:
            summary = ingest(stream, write=batch_writer(table, ref.uploader), reject=report.reject, owner=ref.uploader)
        except BadFileError as exc:
            report.reject(1, exc.message, [])
            report.upload(ref.bucket, ref.report_key)
            marker.complete({"rejected": exc.message}, utc_now())
            logger.warning("file rejected", extra={"key": ref.key, "reason": exc.message})
            metrics.add_metric(name="CsvFilesRejected", unit="Count", value=1)
            return {"status": "rejected", "reason": exc.message, "report_key": ref.report_key}
        if report.rows:
            report.upload(ref.bucket, ref.report_key)
            result["report_key"] = ref.report_key
    counts = summary.as_dict()
    logger.info("file ingested", extra={"key": ref.key, "uri": ref.uri, **counts})
    metrics.add_metric(name="CsvRowsWritten", unit="Count", value=summary.written)
    metrics.add_metric(name="CsvRowsRejected", unit="Count", value=summary.rejected)
    if summary.unwritten:
        raise RetryableError(f"{summary.unwritten} valid rows of {ref.key} could not be written; retry the file")
    marker.complete(counts, utc_now())
    return result | {"status": "ingested", **counts}
