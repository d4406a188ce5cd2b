"""Read order rows from a text stream with the csv module, validate each, write good ones in batches.

No AWS shapes here: the caller supplies the stream (an S3 body), ``write`` (a batch of ≤ 25 orders → how many
could not be written) and ``reject`` (one bad row for the errors report). Memory stays bounded by one batch
whatever the file size: rows are read one at a time and never collected.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from csv_ingest.rows import REQUIRED_COLUMNS, OrderRow
from shared.dynamo import BATCH_SIZE
from shared.errors import NonRetryableError
from shared.orders import Order


@dataclass(frozen=True)
class WriteResult:
    """What became of a batch: how many DynamoDB still refused after its retries (retry the file), and the ids
    refused for good because another customer's order has them (reported like bad rows)."""

    unwritten: int = 0
    taken: tuple[str, ...] = ()


WriteBatch = Callable[[list[Order]], WriteResult]
RejectRow = Callable[[int, str, Sequence[str]], None]


class BadFileError(NonRetryableError):
    """The file as a whole cannot be ingested (empty, no header, missing columns)."""

    code = "bad_csv_file"


@dataclass
class IngestSummary:
    rows: int = 0
    written: int = 0
    rejected: int = 0
    unwritten: int = 0  # valid rows DynamoDB still refused after every retry
    stopped_at: int | None = None  # line where an unreadable part of the file ended the read

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


def _header(reader: Any) -> dict[str, int]:
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        raise BadFileError("the file is not UTF-8 text") from None
    except csv.Error as exc:
        raise BadFileError(f"the header is not readable CSV: {exc}") from None
    if header is None:
        raise BadFileError("the file is empty (no header row)")
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BadFileError(f"the header lacks column(s): {', '.join(missing)}", details={"missing": missing})
    return columns


def _problems(exc: pydantic.ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))


def ingest(stream: Iterable[str], *, write: WriteBatch, reject: RejectRow, owner: str | None = None) -> IngestSummary:
    """Ingest every row of ``stream`` (text, opened with ``newline=""`` as the csv module requires).

    With an ``owner`` (the user who uploaded the file), a row for another customer is rejected: an upload acts
    as its uploader, nothing more.
    """
    reader = csv.reader(stream)
    columns = _header(reader)
    width = max(columns.values()) + 1
    summary = IngestSummary()
    batch: dict[str, Order] = {}  # order_id → order; a batch may not name one key twice
    lines: dict[str, tuple[int, Sequence[str]]] = {}  # order_id → its line and fields, for the report

    def flush() -> None:
        if batch:
            result = write(list(batch.values()))
            for order_id in result.taken:
                line, fields = lines[order_id]
                reject(line, "order_id: another customer's order has this id", fields)
            summary.rejected += len(result.taken)
            summary.written += len(batch) - result.unwritten - len(result.taken)
            summary.unwritten += result.unwritten
            batch.clear()
            lines.clear()

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            line = reader.line_num + 1
            reject(line, f"unreadable from about this line on, the rest was not read: {exc}", [])
            summary.rejected += 1
            summary.stopped_at = line
            break
        if not any(field.strip() for field in row):
            continue  # blank line
        summary.rows += 1
        line = reader.line_num
        if len(row) < width:
            reject(line, f"expected at least {width} fields, got {len(row)}", row)
            summary.rejected += 1
            continue
        try:
            order = OrderRow.model_validate({name: row[index] for name, index in columns.items()}).order()
        except pydantic.ValidationError as exc:
            reject(line, _problems(exc), row)
            summary.rejected += 1
            continue
        if owner is not None and order.customer_id != owner:
            reject(line, "customer_id: an upload may only hold the uploader's own orders", row)
            summary.rejected += 1
            continue
        if order.order_id in batch:
            flush()  # keep file order: the later row overwrites the earlier one
        batch[order.order_id] = order
        lines[order.order_id] = (line, row)
        if len(batch) == BATCH_SIZE:
            flush()
    flush()
    return summary
