"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on the sample schedule."""

from __future__ import annotations

import boto3
import pytest

from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

ENV = {"ORDERS_TABLE": "orders", "ARCHIVE_BUCKET": "orders-dev-archive", "ABANDONED_AFTER_HOURS": "48"}


def test_scheduled_sample_archives_and_deletes_abandoned_orders(
    built_function, aws_endpoint, make_resources, make_order
) -> None:
    dynamodb, s3 = aws_endpoint.client("dynamodb"), aws_endpoint.client("s3")
    make_resources(dynamodb, s3)
    table = boto3.resource("dynamodb", endpoint_url=aws_endpoint.url, region_name=aws_endpoint.region).Table("orders")
    for order_id, age in (("old-1", 72), ("old-2", 50), ("young", 10)):
        table.put_item(Item=make_order(order_id, age_hours=age))

    out = built_function("scheduled_cleanup").invoke(
        "scheduled_cleanup", load_event("scheduled_cleanup", "scheduled"), env=ENV
    )

    assert out.result == {
        "cutoff": "2024-05-22T03:00:00.000Z",
        "archived": 2,
        "already_removed": 0,
        "changed": 0,
        "complete": True,
        "left": {},
    }
    assert [item["order_id"]["S"] for item in dynamodb.scan(TableName="orders")["Items"]] == ["young"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="orders-dev-archive")["Contents"])
    assert keys == ["abandoned-orders/2024/05/21/old-1.json", "abandoned-orders/2024/05/22/old-2.json"]


def test_a_second_run_finds_nothing_left(built_function, aws_endpoint, make_resources, make_order) -> None:
    make_resources(aws_endpoint.client("dynamodb"), aws_endpoint.client("s3"))
    table = boto3.resource("dynamodb", endpoint_url=aws_endpoint.url, region_name=aws_endpoint.region).Table("orders")
    table.put_item(Item=make_order("old-1", age_hours=72))
    cleanup = built_function("scheduled_cleanup")
    event = load_event("scheduled_cleanup", "scheduled")
    first = cleanup.invoke("scheduled_cleanup", event, env=ENV)

    again = cleanup.invoke("scheduled_cleanup", event, env=ENV)

    assert first.result["archived"] == 1
    assert (again.result["archived"], again.result["complete"]) == (0, True)
