"""csv_ingest from its built zip + common layer, on its sample events, against a moto server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from functions.csv_ingest.tests.conftest import (
    BUCKET,
    HEADER,
    IDEMPOTENCY_TABLE,
    TABLE,
    create_orders_table,
    csv_bytes,
    row,
)
from tests.support.lambda_zips import AwsEndpoint, BuiltFunction, load_event

pytestmark = pytest.mark.slow

ENV = {"ORDERS_TABLE": TABLE, "IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE}


def test_sample_event_ingests_the_versioned_upload(
    built_function: Callable[[str], BuiltFunction], aws_endpoint: AwsEndpoint
) -> None:
    # Given a versioned uploads bucket holding the object the sample event names (its key URL-decoded)
    s3 = aws_endpoint.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    create_orders_table(aws_endpoint.client("dynamodb"))
    key = "uploads/2026/November orders(1).csv"
    body = csv_bytes(HEADER, row(1), row(2, total="free"), row(3), bom=True)
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["VersionId"]
    event = load_event("csv_ingest", "object_created")
    event["Records"][0]["s3"]["object"]["versionId"] = version  # the sample's id, made real
    function = built_function("csv_ingest")
    # When the sample event is delivered twice
    first = function.invoke("csv_ingest", event, env=ENV).result
    second = function.invoke("csv_ingest", event, env=ENV).result
    # Then the first run ingests and reports, the second recognises the version
    assert first["files"][0] | {"version": None} == {
        "key": key,
        "version": None,
        "status": "ingested",
        "rows": 3,
        "written": 2,
        "rejected": 1,
        "unwritten": 0,
        "report_key": "reports/2026/November orders(1).csv.errors.csv",
    }
    assert first["files"][0]["version"] == version
    assert second["files"][0]["status"] == "already_ingested"
    report = s3.get_object(Bucket=BUCKET, Key="reports/2026/November orders(1).csv.errors.csv")["Body"].read()
    assert b"total" in report.splitlines()[1]


def test_sample_event_for_a_non_csv_object_is_skipped(
    built_function: Callable[[str], BuiltFunction], aws_endpoint: AwsEndpoint
) -> None:
    event = load_event("csv_ingest", "object_created_not_csv")
    result = built_function("csv_ingest").invoke("csv_ingest", event, env=ENV).result
    assert result["files"] == [
        {"key": "uploads/photos/cat.jpg", "version": event["Records"][0]["s3"]["object"]["eTag"], "status": "skipped"}
    ]
