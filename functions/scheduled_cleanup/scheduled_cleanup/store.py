"""Adapters: the orders table (``shared.order_store``) and the archive bucket."""

from __future__ import annotations

from scheduled_cleanup.settings import settings
from shared import aws
from shared.http import json_dumps
from shared.order_store import OrderTable
from shared.orders import Order

ARCHIVE_PREFIX = "abandoned-orders/"


def orders() -> OrderTable:
    return OrderTable(settings().orders_table)


def archive_key(order: Order) -> str:
    day = order.created_at[:10].replace("-", "/")
    return f"{ARCHIVE_PREFIX}{day}/{order.order_id}.json"


def put_archive(order: Order, *, archived_at: str) -> str:
    """Write ``{"archived_at", "order"}`` (the order in its JSON form, as the API answers it); the archive key."""
    key = archive_key(order)
    body = json_dumps({"archived_at": archived_at, "order": order.model_dump(mode="json")}).encode()
    aws.s3().put_object(
        Bucket=settings().archive_bucket,
        Key=key,
        Body=body,
        ContentType="application/json",
        ServerSideEncryption="AES256",
    )
    return key


def delete_archive(key: str) -> None:
    aws.s3().delete_object(Bucket=settings().archive_bucket, Key=key)
