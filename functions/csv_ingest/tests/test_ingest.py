"""The CSV logic alone: parsing (quotes, BOM, CRLF), validation, batching, and bounded memory on 100,000 rows."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.response import StreamingBody
from csv_ingest.ingest import BadFileError, IngestSummary, WriteResult, ingest
from csv_ingest.storage import ErrorReport, text_stream

from functions.csv_ingest.tests.conftest import HEADER, csv_bytes, row
from shared.orders import Order, OrderStatus


class Recorder:
    def __init__(self, fail_every: int = 0) -> None:
        self.batches: list[list[Order]] = []
        self.rejected: list[tuple[int, str, list[str]]] = []
        self.fail_every = fail_every

    def write(self, orders: list[Order]) -> WriteResult:
        self.batches.append(orders)
        return WriteResult(unwritten=1 if self.fail_every and len(self.batches) % self.fail_every == 0 else 0)

    def reject(self, line: int, error: str, fields: Any) -> None:
        self.rejected.append((line, error, list(fields)))


def run(data: bytes, recorder: Recorder | None = None) -> tuple[IngestSummary, Recorder]:
    recorder = recorder or Recorder()
    summary = ingest(text_stream(io.BytesIO(data)), write=recorder.write, reject=recorder.reject)
    return summary, recorder


def test_quoted_fields_with_commas_quotes_and_newlines_survive() -> None:
    # Given a quoted customer id, and a notes column holding a comma, a doubled quote and a CRLF inside quotes
    note = '"Smith, ""J""\r\nLtd"'
    quoted_id = '"c-1"'
    data = csv_bytes(
        HEADER + ",notes",
        row(1, customer_id=quoted_id) + "," + note,
        row(2, currency="euro") + "," + note,
        row(3) + ",plain",
    )

    # When it is ingested
    summary, recorder = run(data)

    # Then the quotes are gone from the id, and the rejected row's fields (numbered by file line) keep the note whole
    assert (summary.rows, summary.written, summary.rejected) == (3, 2, 1)
    assert [order.customer_id for order in recorder.batches[0]] == ["c-1", "c-3"]
    line, _, fields = recorder.rejected[0]
    assert (line, fields[-1]) == (5, 'Smith, "J"\r\nLtd')


def test_bom_and_crlf_are_handled() -> None:
    summary, recorder = run(csv_bytes(HEADER, row(1), row(2), bom=True))
    assert (summary.rows, summary.written, summary.rejected) == (2, 2, 0)
    assert recorder.batches[0][0].order_id == "o-000001"  # the BOM did not stick to the first column


def test_lf_only_files_and_header_case_and_column_order_do_not_matter() -> None:
    header = "Currency, ORDER_ID ,customer_id,status,total,created_at,notes"
    line = "USD,o-1,c-1,SHIPPED,10.5,2026-01-02T03:04:05Z,anything"
    summary, recorder = run(csv_bytes(header, line, newline="\n"))
    assert summary.written == 1
    assert recorder.batches[0][0] == Order(
        order_id="o-1",
        customer_id="c-1",
        status=OrderStatus.SHIPPED,
        items=[],
        total="10.50",
        currency="USD",
        created_at="2026-01-02T03:04:05.000Z",
        updated_at="2026-01-02T03:04:05.000Z",
        source="csv",
    )


def test_created_at_is_stored_in_utc_with_milliseconds() -> None:
    _, recorder = run(csv_bytes(HEADER, row(1, created_at="2026-11-23T10:15:00.5+01:00")))
    order = recorder.batches[0][0]
    assert (order.created_at, order.updated_at) == ("2026-11-23T09:15:00.500Z", "2026-11-23T09:15:00.500Z")


@pytest.mark.parametrize(("total", "stored"), [("45.9", "45.90"), ("7", "7.00"), ("0.01", "0.01"), ("1e3", "1000.00")])
def test_totals_are_stored_as_two_decimal_strings(total: str, stored: str) -> None:
    _, recorder = run(csv_bytes(HEADER, row(1, total=total)))
    assert recorder.batches[0][0].total == stored


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_order_status_is_accepted(status: OrderStatus) -> None:
    _, recorder = run(csv_bytes(HEADER, row(1, status=status.value)))
    assert recorder.batches[0][0].status is status


@pytest.mark.parametrize("order_id", ["o.1", "ext:42", "a@b", "A" * 64])
def test_order_ids_follow_the_shared_id_rule(order_id: str) -> None:
    _, recorder = run(csv_bytes(HEADER, row(1, order_id=order_id)))
    assert recorder.batches[0][0].order_id == order_id


def test_customer_ids_follow_the_shared_customer_rule() -> None:
    # Given a customer id as long as a user id may be (128 characters)
    customer = "user:" + "a" * 123

    # When its row is ingested
    _, recorder = run(csv_bytes(HEADER, row(1, customer_id=customer)))

    # Then the order is the customer's
    assert recorder.batches[0][0].customer_id == customer


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"total": "-1"}, "total"),
        ({"total": "0"}, "total"),
        ({"total": "1.999"}, "total"),
        ({"total": "NaN"}, "total"),
        ({"total": "1" * 19}, "total"),
        ({"currency": "eur"}, "currency"),
        ({"status": "LOST"}, "status"),
        ({"created_at": "2026-11-23T10:15:00"}, "created_at"),  # no timezone
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),  # before year 1 in UTC
        ({"order_id": "bad id!"}, "order_id"),
        ({"order_id": "-starts-with-dash"}, "order_id"),
        ({"order_id": "A" * 65}, "order_id"),
        ({"customer_id": "c 1"}, "customer_id"),
        ({"customer_id": "c" * 129}, "customer_id"),
    ],
)
def test_bad_rows_are_rejected_with_line_and_field(overrides: dict[str, str], problem: str) -> None:
    summary, recorder = run(csv_bytes(HEADER, row(1), row(2, **overrides), row(3)))
    assert (summary.written, summary.rejected) == (2, 1)
    line, error, fields = recorder.rejected[0]
    assert line == 3
    assert error.startswith(f"{problem}:")
    assert fields == row(2, **overrides).split(",")  # the row's own fields, for the person fixing it


def test_short_rows_are_rejected_and_blank_lines_skipped() -> None:
    summary, recorder = run(csv_bytes(HEADER, "o-1,c-1", "", row(2)))
    assert (summary.rows, summary.written, summary.rejected) == (2, 1, 1)
    assert recorder.rejected[0][:2] == (2, "expected at least 6 fields, got 2")


def test_missing_columns_reject_the_file_naming_them() -> None:
    with pytest.raises(BadFileError, match="total, currency"):
        run(csv_bytes("order_id,customer_id,status,created_at", "o-1,c-1,PENDING,2026-01-01T00:00:00Z"))


def test_empty_file_is_rejected() -> None:
    with pytest.raises(BadFileError, match="empty"):
        run(b"")


def test_a_file_that_is_not_utf8_is_rejected() -> None:
    with pytest.raises(BadFileError, match="not UTF-8"):
        run(csv_bytes(HEADER, row(1)).replace(b"c-1", b"c-\xff"))


def test_invalid_utf8_later_in_a_file_stops_the_read_and_says_where() -> None:
    # Given 1,000 good rows, then a byte that is not UTF-8 (decoding runs ahead in 8 KiB chunks)
    data = csv_bytes(HEADER, *(row(i) for i in range(1000))) + b"o-x,\xff,PENDING,1,EUR,2026-01-01T00:00:00Z\r\n"
    summary, recorder = run(data)
    # Then the rows decoded before it are written and the report names the line the read stopped at
    assert summary.stopped_at is not None
    assert 900 < summary.stopped_at <= 1002
    assert summary.written == summary.stopped_at - 2
    assert "unreadable" in recorder.rejected[-1][1]


def test_rows_are_written_25_at_a_time() -> None:
    summary, recorder = run(csv_bytes(HEADER, *(row(i) for i in range(60))))
    assert [len(batch) for batch in recorder.batches] == [25, 25, 10]
    assert summary.written == 60


def test_a_repeated_order_id_never_shares_a_batch_and_the_later_row_wins() -> None:
    summary, recorder = run(csv_bytes(HEADER, row(1, total="1.00"), row(2), row(1, total="2.00")))
    assert [[order.total for order in batch] for batch in recorder.batches] == [["1.00", "45.99"], ["2.00"]]
    assert summary.written == 3


def test_items_a_batch_could_not_write_are_counted() -> None:
    summary, _ = run(csv_bytes(HEADER, *(row(i) for i in range(50))), Recorder(fail_every=2))
    assert (summary.written, summary.unwritten) == (49, 1)


class GeneratedCsv(io.RawIOBase):
    """A CSV of ``rows`` rows produced on demand (never held whole), like a socket delivering an S3 body."""

    def __init__(self, rows: int) -> None:
        self._lines = self._generate(rows)
        self._pending = b""

    @staticmethod
    def _generate(rows: int) -> Iterator[bytes]:
        yield b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n"
        for i in range(rows):
            if i % 1000 == 999:
                yield row(i, total="oops").encode() + b"\r\n"  # one bad row in a thousand
            else:
                yield row(i, customer_id=f'"customer-{i}"').encode() + b"\r\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            chunk = next(self._lines, None)
            if chunk is None:
                break
            self._pending += chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def measure(rows: int) -> tuple[IngestSummary, dict[str, int], int, int]:
    """Ingest a generated ``rows``-row file under tracemalloc (already started): summary, write counts, file size
    and the peak traced bytes above what was allocated before the run."""
    size = sum(len(chunk) for chunk in GeneratedCsv._generate(rows))
    body = StreamingBody(io.BufferedReader(GeneratedCsv(rows)), size)
    counts = {"items": 0, "max_batch": 0}

    def write(orders: list[Order]) -> WriteResult:
        counts["items"] += len(orders)
        counts["max_batch"] = max(counts["max_batch"], len(orders))
        return WriteResult()

    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    with ErrorReport() as report:
        summary = ingest(text_stream(body), write=write, reject=report.reject)
    _, peak = tracemalloc.get_traced_memory()
    return summary, counts, size, peak - before


def test_100k_rows_are_ingested_in_bounded_memory() -> None:
    tracemalloc.start()
    try:
        # Given the one-time costs paid (lazy imports, codec and validator setup, and pydantic-core's string
        # cache, which holds up to 16,384 entries and so fills within the first 20,000 rows)
        measure(20_000)
        _, _, _, peak_10k = measure(10_000)
        # When a 100,000-row file (~8 MB, streamed, never held whole) goes through the production stream code
        summary, counts, size, peak = measure(100_000)
    finally:
        tracemalloc.stop()
    # Then every row was handled, 25 at most per batch, and the peak is a small constant: far below the file's
    # size and no larger than for a file a tenth of the size
    assert (summary.rows, summary.written, summary.rejected) == (100_000, 99_900, 100)
    assert counts == {"items": 99_900, "max_batch": 25}
    assert size > 7_000_000
    assert peak < 1_000_000, f"peak traced memory {peak} bytes for a {size}-byte file"
    assert peak < peak_10k + 128_000, f"peak grew with the file: {peak_10k} → {peak} bytes"
