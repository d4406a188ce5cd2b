"""One in-process AWS (moto) with every resource the order functions use, and each function driven through its
real Lambda handler: a writer puts data in as it does in production, a reader takes it out as it does.

Used by the contract matrix: the writers and readers here are the ones ``shared.dataflow`` declares.
"""

from __future__ import annotations

import base64
import copy
import csv
import gzip
import io
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from hypothesis import HealthCheck, Phase, settings

from shared.contracts import BulkOrderMessage, OrderCreated, OrderPlaced, SagaInput
from shared.errors import ConflictError
from shared.inventory import stock_item
from shared.order_store import OrderTable
from shared.orders import Order, OrderLine, OrderStatus, is_order_item, lines_total, money
from tests.support.aws_fixtures import FakeLambdaContext, create_idempotency_table, create_orders_table, create_table

REGION = "us-east-1"

# Every matrix edge runs the same few generated examples each run (CI reproducible); a failing edge names both
# ends, so the examples are not shrunk (shrinking 100-line orders through handlers takes minutes).
MATRIX = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
ENV = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "ORDERS_TABLE": "orders",
    "IDEMPOTENCY_TABLE": "idempotency",
    "INVENTORY_TABLE": "inventory",
    "EVENT_BUS_NAME": "orders-bus",
    "ARCHIVE_BUCKET": "archive",
    "ABANDONED_AFTER_HOURS": "1",
}
UPLOADS = "uploads"


def sample(folder: str, name: str) -> dict[str, Any]:
    return json.loads((FUNCTIONS / folder / "events" / f"{name}.json").read_text())


def context(name: str) -> FakeLambdaContext:
    return FakeLambdaContext(f"orders-test-{name}", region=REGION, remaining_ms=60_000)


@dataclass(frozen=True)
class Written:
    """One order a writer stored: who may read it and what it must look like."""

    order_id: str
    customer_id: str
    status: OrderStatus
    total: str


class ReaderError(AssertionError):
    """A reader rejected or crashed on what a writer wrote."""


class World:
    """The resources, created once per test; :meth:`clear` empties the data between examples."""

    def __init__(self) -> None:
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        create_orders_table(self.dynamodb)
        create_idempotency_table(self.dynamodb)
        create_table(self.dynamodb, "inventory")
        boto3.client("events", region_name=REGION).create_event_bus(Name="orders-bus")
        for bucket in (UPLOADS, "archive"):
            self.s3.create_bucket(Bucket=bucket)
        self.orders = OrderTable("orders")

    def clear(self) -> None:
        for table, keys in (("orders", ("pk", "sk")), ("idempotency", ("id",)), ("inventory", ("pk", "sk"))):
            for item in self.dynamodb.scan(TableName=table)["Items"]:
                self.dynamodb.delete_item(TableName=table, Key={key: item[key] for key in keys})
        for bucket in (UPLOADS, "archive"):
            for entry in self.s3.list_objects_v2(Bucket=bucket).get("Contents", []):
                self.s3.delete_object(Bucket=bucket, Key=entry["Key"])

    def order_items(self) -> Iterator[dict[str, Any]]:
        items = boto3.resource("dynamodb", region_name=REGION).Table("orders").scan()["Items"]
        return (item for item in items if is_order_item(item))

    # ----- writers ----------------------------------------------------------------------------------------

    def write_orders_api(self, customer_id: str, lines: list[OrderLine]) -> list[Written]:
        from orders_api.handler import lambda_handler

        event = http_event("POST", "/orders", customer_id, body={"items": [line.model_dump() for line in lines]})
        response = lambda_handler(event, context("orders_api"))
        assert response["statusCode"] == 201, f"orders_api refused a valid order: {body_of(response)}"
        order = json.loads(body_of(response))
        return [Written(order["order_id"], customer_id, OrderStatus.PENDING, order["total"])]

    def write_order_worker(self, message: OrderPlaced) -> list[Written]:
        from order_worker.handler import lambda_handler

        response = lambda_handler(sqs_event("order_worker", "order_placed", [message.model_dump_json()]), context("w"))
        assert response["batchItemFailures"] == [], "order_worker refused a valid OrderPlaced"
        return [Written(message.order_id, message.customer_id, OrderStatus.PENDING, total(message.items))]

    def write_bulk_worker(self, message: BulkOrderMessage) -> list[Written]:
        from bulk_worker.handler import lambda_handler

        response = lambda_handler(sqs_event("bulk_worker", "bulk_orders", [message.model_dump_json()]), context("b"))
        assert response["batchItemFailures"] == [], "bulk_worker refused a valid bulk message"
        order = message.order
        return [Written(order.order_id, order.customer_id, OrderStatus.PENDING, total(order.items))]

    def write_csv_ingest(self, rows: list[dict[str, str]]) -> list[Written]:
        from csv_ingest.handler import lambda_handler

        text = io.StringIO()
        writer = csv.DictWriter(
            text, fieldnames=["order_id", "customer_id", "status", "total", "currency", "created_at"]
        )
        writer.writeheader()
        writer.writerows(rows)
        key = f"uploads/{uuid.uuid4()}.csv"
        self.s3.put_object(Bucket=UPLOADS, Key=key, Body=text.getvalue().encode())
        event = sample("csv_ingest", "object_created")
        s3 = event["Records"][0]["s3"]
        s3["bucket"] |= {"name": UPLOADS, "arn": f"arn:aws:s3:::{UPLOADS}"}
        s3["object"] = {"key": key, "size": len(text.getvalue()), "eTag": "0", "sequencer": "0"}
        (result,) = lambda_handler(event, context("csv_ingest"))["files"]
        assert result.get("rejected") == 0, f"csv_ingest refused valid rows: {result}"
        assert result.get("written"), f"csv_ingest wrote nothing: {result}"
        latest = {row["order_id"]: row for row in rows}  # a repeated id: the last row wins
        return [
            Written(row["order_id"], row["customer_id"], OrderStatus(row["status"]), money(row["total"]))
            for row in latest.values()
        ]

    def write_order_saga(self, customer_id: str, lines: list[OrderLine], path: tuple[str, ...]) -> list[Written]:
        """An API order taken along ``path`` of saga tasks (as the state machine would call them)."""
        from order_saga import handler

        (created,) = self.write_orders_api(customer_id, lines)
        order = self.orders.load(created.order_id)
        assert order is not None
        state: dict[str, Any] = json.loads(saga_input(order))
        for line in lines:
            self.dynamodb.put_item(TableName="inventory", Item=serialize(stock_item(line.sku, 1_000_000)))
        status = OrderStatus.PENDING
        for task in path:
            result = getattr(handler, task)(copy.deepcopy(state), context(task))
            state[TASK_RESULT[task]] = result
            status = TASK_STATUS[task]
        return [Written(order.order_id, customer_id, status, order.total)]

    # ----- readers ----------------------------------------------------------------------------------------

    def read_orders_api(self, written: Written) -> None:
        from orders_api.handler import lambda_handler

        def get(path: str, query: dict[str, str] | None = None) -> Any:
            response = lambda_handler(http_event("GET", path, written.customer_id, query=query), context("api"))
            body = body_of(response)
            if response["statusCode"] != 200:
                raise ReaderError(f"GET {path} {query or ''} answered {response['statusCode']}: {body}")
            return json.loads(body)

        order = get(f"/orders/{written.order_id}")
        if (order["order_id"], order["status"], order["total"]) != (written.order_id, written.status, written.total):
            raise ReaderError(f"GET /orders/{written.order_id} answered {order}, expected {written}")
        for query in ({"limit": "100"}, {"limit": "100", "status": written.status.value}):
            listed = [item["order_id"] for item in get("/orders", query)["items"]]
            if written.order_id not in listed:
                raise ReaderError(f"GET /orders?{query} does not list {written.order_id}")

    def read_scheduled_cleanup(self, written: Written) -> None:
        from scheduled_cleanup.handler import lambda_handler

        event = sample("scheduled_cleanup", "scheduled")
        event["time"] = "2100-01-01T00:00:00Z"  # after every order a writer can date (CSV dates end in 2099)
        report = lambda_handler(event, context("cleanup"))
        still_there = self.orders.load(written.order_id) is not None
        if written.status is OrderStatus.PENDING:
            archived = self.s3.list_objects_v2(Bucket="archive").get("Contents", [])
            bodies = [self.s3.get_object(Bucket="archive", Key=entry["Key"])["Body"].read() for entry in archived]
            if still_there or not any(written.order_id.encode() in body for body in bodies):
                raise ReaderError(f"the abandoned order {written.order_id} was not archived: {report}")
        elif not still_there:
            raise ReaderError(f"a {written.status} order was cleaned up: {report}")

    def read_order_worker(self, written: Written) -> None:
        from order_worker.handler import lambda_handler

        body = json.dumps({"type": "OrderCancelled", "order_id": written.order_id, "reason": "contract ✓"})
        failures = lambda_handler(sqs_event("order_worker", "order_cancelled", [body]), context("w"))
        current = self.orders.load(written.order_id)
        if current is None:
            raise ReaderError(f"order {written.order_id} vanished")
        cancellable = written.status in {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PAID}
        cancelled = current.status is OrderStatus.CANCELLED and not failures["batchItemFailures"]
        if cancellable != cancelled and written.status is not OrderStatus.CANCELLED:
            raise ReaderError(f"cancel of a {written.status} order: {current.status}, {failures}")

    def read_order_saga(self, written: Written) -> None:
        from order_saga import handler

        order = self.orders.load(written.order_id)
        if order is None:
            raise ReaderError(f"order {written.order_id} vanished")
        state = json.loads(saga_input(order)) if order.items else {"order_id": order.order_id}
        try:
            handler.release_inventory(state, context("release_inventory"))
        except ConflictError:
            if written.status is not OrderStatus.DELIVERED:  # the one status nothing may cancel
                raise
        current = self.orders.load(written.order_id)
        expected = OrderStatus.DELIVERED if written.status is OrderStatus.DELIVERED else OrderStatus.CANCELLED
        if current is None or current.status is not expected:
            raise ReaderError(f"the saga's compensation left a {written.status} order {current}")


TASK_RESULT = {"reserve_inventory": "reservation", "create_shipment": "shipment", "release_inventory": "release"}
TASK_STATUS = {
    "reserve_inventory": OrderStatus.CONFIRMED,
    "create_shipment": OrderStatus.SHIPPED,
    "release_inventory": OrderStatus.CANCELLED,
}


def saga_input(order: Order) -> str:
    """The execution input order_events_router starts the saga with, for ``order``."""
    return SagaInput(**OrderCreated.of(order).model_dump(), source_event_id="e-1").model_dump_json()


def body_of(response: Mapping[str, Any]) -> str:
    """An HTTP response's body text (gunzipped when the function compressed it)."""
    if response.get("isBase64Encoded"):
        return gzip.decompress(base64.b64decode(response["body"])).decode()
    return str(response["body"])


def total(lines: list[OrderLine]) -> str:
    return lines_total(lines)


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: TypeSerializer().serialize(value) for name, value in item.items()}


def http_event(
    method: str, path: str, user: str, *, body: object = None, query: dict[str, str] | None = None
) -> dict[str, Any]:
    event = sample("orders_api", "create_order")
    event["routeKey"] = event["requestContext"]["routeKey"] = (
        "ANY /orders" if path == "/orders" else "ANY /orders/{proxy+}"
    )
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    for header in ("idempotency-key", "content-length"):
        event["headers"].pop(header, None)
    if path != "/orders":
        event["pathParameters"] = {"proxy": path.removeprefix("/orders/")}
    else:
        event.pop("pathParameters", None)
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    if body is None:
        event.pop("body", None)
    else:
        event["body"] = json.dumps(body)
    return event


def sqs_event(folder: str, name: str, bodies: list[str]) -> dict[str, Any]:
    template = sample(folder, name)["Records"][0]
    records = []
    for body in bodies:
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid.uuid4())
        record["body"] = body
        record.pop("md5OfBody", None)
        records.append(record)
    return {"Records": records}


Writer = Callable[..., list[Written]]
