"""One uploaded object, start to finish: filter → stream → once per version → rows → report → summary.

Each version of an object is ingested once (Powertools idempotency through ``shared.idempotency``, keyed on
bucket, key and version in the idempotency table): a redelivered notification for a version that finished
answers ``already_ingested``. A run that raises is not remembered, so Lambda's async retry runs the file
again (same item keys: nothing is duplicated); one cut short by the timeout can run again once the
invocation's time is up. The object is opened first, so an object that is gone is never recorded.

A file whose header is unusable is rejected with a report and not retried (the same bytes would fail again).
Valid rows DynamoDB still refuses after batch_write's own retries raise a RetryableError, and after Lambda's
retries the on-failure destination keeps the event.
"""

from __future__ import annotations

from typing import IO, Any

from csv_ingest.ingest import BadFileError, ingest
from csv_ingest.objects import ObjectRef, wanted
from csv_ingest.storage import ErrorReport, batch_writer, open_text
from shared.errors import RetryableError
from shared.idempotency import LazyIdempotencyConfig, idempotent_record
from shared.observability import logger, metrics
from shared.settings import EnvSettings, load_settings

ONCE_PER_VERSION_SECONDS = 7 * 24 * 60 * 60  # S3 redeliveries and Lambda's async retries (≤ 6 h) come sooner


class Settings(EnvSettings):
    orders_table: str


def _already_ingested(response: dict[str, Any], record: Any) -> dict[str, Any]:
    return {"status": "already_ingested"}


INGEST_ONCE = LazyIdempotencyConfig(
    event_key_jmespath="[bucket, key, version]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=ONCE_PER_VERSION_SECONDS,
    response_hook=_already_ingested,
)


def process(ref: ObjectRef) -> dict[str, Any]:
    result: dict[str, Any] = {"key": ref.key, "version": ref.version}
    if not wanted(ref.key):
        logger.info("skipped: not a .csv under uploads/", extra={"key": ref.key})
        return result | {"status": "skipped"}
    table = load_settings(Settings).orders_table
    stream = open_text(ref)
    if stream is None:
        logger.warning("skipped: the object no longer exists", extra={"key": ref.key})
        return result | {"status": "missing"}
    with stream:
        outcome = _ingest_once(version=ref.identity, ref=ref, stream=stream, table=table)
    if outcome["status"] == "already_ingested":
        logger.info("skipped: this version was already ingested", extra={"key": ref.key, "version": ref.version})
    return result | outcome


@idempotent_record(INGEST_ONCE, keyword="version")
def _ingest_once(*, version: dict[str, Any], ref: ObjectRef, stream: IO[str], table: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with ErrorReport() as report:
        try:
            summary = ingest(stream, write=batch_writer(table, ref.uploader), reject=report.reject, owner=ref.uploader)
        except BadFileError as exc:
            report.reject(1, exc.message, [])
            report.upload(ref.bucket, ref.report_key)
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
    return result | {"status": "ingested", **counts}
