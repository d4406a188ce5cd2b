"""Adapters: the orders table (gsi1 by status and creation time) and the archive bucket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from scheduled_cleanup.settings import settings
from shared import aws
from shared.http import json_dumps

Item = dict[str, Any]
PENDING = "PENDING"


def _table() -> Any:
    return aws.dynamodb_table(settings().orders_table)


def order_key(order_id: str) -> dict[str, str]:
    return {"pk": f"ORDER#{order_id}", "sk": "ORDER"}


def pending_page(cutoff: str, *, limit: int, start_key: Item | None) -> tuple[list[Item], Item | None]:
    """One page of PENDING orders created before ``cutoff`` (oldest first) and the key of the next page."""
    kwargs: dict[str, Any] = {"Limit": limit}
    if start_key:
        kwargs["ExclusiveStartKey"] = start_key
    response = _table().query(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pending AND gsi1sk < :cutoff",
        ExpressionAttributeValues={":pending": f"STATUS#{PENDING}", ":cutoff": cutoff},
        **kwargs,
    )
    return list(response.get("Items", [])), response.get("LastEvaluatedKey")


def load_order(order_id: str) -> Item | None:
    """The order as it is now (the index is eventually consistent; the table read is not)."""
    item: Item | None = _table().get_item(Key=order_key(order_id), ConsistentRead=True).get("Item")
    return item


def delete_if_unchanged(order: Mapping[str, Any]) -> bool:
    """Delete the order only if it is still PENDING and untouched since it was read; False if it is not."""
    try:
        _table().delete_item(
            Key=order_key(order["order_id"]),
            ConditionExpression="#status = :pending AND updated_at = :updated_at",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":pending": PENDING, ":updated_at": order["updated_at"]},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def archive_key(order: Mapping[str, Any]) -> str:
    day = str(order["created_at"])[:10].replace("-", "/")
    return f"abandoned-orders/{day}/{order['order_id']}.json"


def put_archive(order: Mapping[str, Any], *, archived_at: str) -> str:
    key = archive_key(order)
    body = json_dumps({"archived_at": archived_at, "order": dict(order)}).encode()
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
