"""DynamoDB adapter for orders: pk ``ORDER#<id>``, sk ``ORDER``; gsi1 ``STATUS#<status>`` / ``<created_at>#<id>``.

Every write is conditional, so concurrent requests cannot move an order through a transition it does not allow;
when a condition fails, the item as it was (``ReturnValuesOnConditionCheckFailure``) tells 404 from 409.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from orders_api.models import UNDELETABLE, Order, OrderStatus, statuses_leading_to
from orders_api.settings import settings
from shared import aws
from shared.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

SORT_KEY = "ORDER"
INDEX = "gsi1"
Key = dict[str, str]


def _table() -> Table:
    return aws.dynamodb_table(settings().orders_table)


def order_key(order_id: str) -> Key:
    return {"pk": f"ORDER#{order_id}", "sk": SORT_KEY}


def to_item(order: Order) -> dict[str, Any]:
    return {
        **order_key(order.order_id),
        "gsi1pk": f"STATUS#{order.status}",
        "gsi1sk": f"{order.created_at}#{order.order_id}",
        "type": "order",
        **order.model_dump(mode="json"),
    }


def from_item(item: Mapping[str, Any]) -> Order:
    return Order.model_validate(
        {
            "order_id": item["order_id"],
            "customer_id": item["customer_id"],
            "status": item["status"],
            "items": [
                {"sku": line["sku"], "quantity": int(line["quantity"]), "price": line["price"]}
                for line in item["items"]
            ],
            "total": item["total"],
            "created_at": item["created_at"],
            "updated_at": item["updated_at"],
        }
    )


def _failed_item(exc: ClientError) -> dict[str, Any] | None:
    """The item a failed conditional write saw (None: it did not exist), or re-raise other errors."""
    if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise exc
    raw = cast("dict[str, Any] | None", exc.response.get("Item"))  # present with ALL_OLD
    if not raw:
        return None
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in raw.items()}


def insert(order: Order) -> None:
    try:
        _table().put_item(Item=to_item(order), ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        _failed_item(exc)
        raise ConflictError(f"order {order.order_id} already exists") from None


def remove_new(order_id: str) -> None:
    """Undo :func:`insert` of an order nobody has seen yet (its OrderCreated could not be published)."""
    _table().delete_item(
        Key=order_key(order_id),
        ConditionExpression="#status = :pending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":pending": OrderStatus.PENDING.value},
    )


def load(order_id: str) -> Order | None:
    item = _table().get_item(Key=order_key(order_id), ConsistentRead=True).get("Item")
    return None if item is None else from_item(item)


def delete_unless_shipped(order_id: str) -> None:
    try:
        _table().delete_item(
            Key=order_key(order_id),
            ConditionExpression="attribute_exists(pk) AND NOT #status IN (" + _placeholders(UNDELETABLE) + ")",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=_values(UNDELETABLE),
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        current = _failed_item(exc)
        if current is None:
            raise NotFoundError(f"order {order_id} not found") from None
        raise ConflictError(f"order {order_id} is {current['status']} and can no longer be deleted") from None


def change_status(order_id: str, target: OrderStatus, *, now: str) -> Order:
    """Move the order to ``target`` if its current status allows it, atomically; the updated order."""
    sources = statuses_leading_to(target)
    condition = "attribute_exists(pk)"
    if sources:
        condition += " AND #status IN (" + _placeholders(sources) + ")"
    else:
        condition += " AND attribute_not_exists(pk)"  # no status leads here: always a 409
    try:
        response = _table().update_item(
            Key=order_key(order_id),
            UpdateExpression="SET #status = :target, gsi1pk = :gsi1pk, updated_at = :now",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":target": target.value,
                ":gsi1pk": f"STATUS#{target}",
                ":now": now,
                **_values(sources),
            },
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        current = _failed_item(exc)
        if current is None:
            raise NotFoundError(f"order {order_id} not found") from None
        raise ConflictError(
            f"order {order_id} is {current['status']}; it cannot become {target}",
            details={"status": current["status"], "requested": target.value},
        ) from None
    return from_item(response["Attributes"])


def page(*, limit: int, start_key: Key | None, status: OrderStatus | None) -> tuple[list[Order], Key | None]:
    """Up to ``limit`` orders and the key to continue from (None: no more).

    With a status: gsi1, newest first. Without: a scan of order items. A filtered scan page can come back
    short, so this reads on until the page is full or the table ends (bounded number of calls).
    """
    orders: list[Order] = []
    key = start_key
    for _ in range(10):
        kwargs: dict[str, Any] = {"Limit": limit - len(orders)}
        if key:
            kwargs["ExclusiveStartKey"] = key
        if status is not None:
            response = _table().query(
                IndexName=INDEX,
                KeyConditionExpression="gsi1pk = :gsi1pk",
                ExpressionAttributeValues={":gsi1pk": f"STATUS#{status}"},
                ScanIndexForward=False,
                **kwargs,
            )
        else:
            response = _table().scan(
                FilterExpression="sk = :sk",
                ExpressionAttributeValues={":sk": SORT_KEY},
                **kwargs,
            )
        orders.extend(from_item(item) for item in response.get("Items", []))
        key = cast("Key | None", response.get("LastEvaluatedKey"))  # our keys are all strings
        if key is None or len(orders) >= limit:
            break
    return orders, key


def _placeholders(statuses: frozenset[OrderStatus]) -> str:
    return ", ".join(f":s_{status.value.lower()}" for status in sorted(statuses))


def _values(statuses: frozenset[OrderStatus]) -> dict[str, str]:
    return {f":s_{status.value.lower()}": status.value for status in statuses}
