"""The orders table's DynamoDB operations, in the layout :mod:`shared.orders` owns. One implementation for every
function that reads or writes orders (orders_api, order_worker, bulk_worker, csv_ingest, the saga, cleanup).

Every change is conditional, so concurrent writers cannot move an order through a transition it does not allow;
when a condition fails, the item as it was (``ReturnValuesOnConditionCheckFailure``) tells "not found" from
"conflict". A ``customer_id`` argument scopes an operation to that customer's orders: another customer's order
is reported exactly like a missing one, so ids do not leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.metrics import MetricUnit
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from shared import aws
from shared.dynamo import BatchWriteResult, batch_write
from shared.errors import ConflictError, NotFoundError
from shared.observability import logger, metrics
from shared.orders import (
    CUSTOMER_INDEX,
    PROGRESS,
    STATUS_INDEX,
    TRANSITIONS,
    UNDELETABLE,
    Key,
    Order,
    OrderStatus,
    StoredOrderError,
    customer_partition,
    from_item,
    order_key,
    status_partition,
    statuses_leading_to,
    to_item,
    utc_now,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

__all__ = ["OrderTable", "Transitions"]

Transitions = Mapping[OrderStatus, frozenset[OrderStatus]]
MAX_PAGE_CALLS = 10  # a filtered page may come back short: read on, but boundedly


def _failed_item(exc: ClientError) -> dict[str, Any] | None:
    """The item a failed conditional write saw (None: it did not exist); other errors are re-raised."""
    if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise exc
    raw = cast("dict[str, Any] | None", exc.response.get("Item"))  # present with ALL_OLD
    if not raw:
        return None
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in raw.items()}


def _readable(items: Iterable[Mapping[str, Any]]) -> Iterator[Order]:
    """The orders among ``items``; an item that is not one is logged and skipped, so one bad write (a writer's
    bug, or data from before shared.orders) cannot take every page it lands on down with it."""
    for item in items:
        try:
            yield from_item(item)
        except StoredOrderError as exc:
            logger.error("unreadable order item skipped", extra={"error": str(exc)})
            metrics.add_metric(name="UnreadableOrderItems", unit=MetricUnit.Count, value=1)


def _in(name: str, statuses: Iterable[OrderStatus]) -> tuple[str, dict[str, str]]:
    """``#status IN (:s_pending, ...)`` and its values; an empty set is a condition that never holds."""
    ordered = sorted(statuses)
    if not ordered:
        return "attribute_not_exists(pk)", {}
    values = {f":s_{status.value.lower()}": status.value for status in ordered}
    return f"{name} IN ({', '.join(values)})", values


class OrderTable:
    """The orders table named ``table_name``."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def _table(self) -> Table:
        return aws.dynamodb_table(self.table_name)

    # ----- create ------------------------------------------------------------------------------------------

    def insert(self, order: Order) -> bool:
        """Put a new order; False when an order with that id exists already (nothing is overwritten)."""
        try:
            self._table().put_item(Item=to_item(order), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            _failed_item(exc)
            return False
        return True

    def put_all(self, orders: Iterable[Order]) -> BatchWriteResult:
        """Write many orders in batches (a re-imported order id is overwritten with the new content)."""
        return batch_write(self.table_name, puts=[to_item(order) for order in orders])

    def put_owned(self, orders: Iterable[Order], customer_id: str) -> list[str]:
        """Write ``customer_id``'s orders one by one, each only if its id is new or already theirs; the ids
        refused because another customer's order has them (an upload never takes over someone else's order)."""
        refused: list[str] = []
        for order in orders:
            try:
                self._table().put_item(
                    Item=to_item(order),
                    ConditionExpression="attribute_not_exists(pk) OR customer_id = :customer",
                    ExpressionAttributeValues={":customer": customer_id},
                )
            except ClientError as exc:
                _failed_item(exc)
                refused.append(order.order_id)
        return refused

    def remove_new(self, order_id: str) -> None:
        """Undo :meth:`insert` of an order nobody has seen yet (still PENDING)."""
        try:
            self._table().delete_item(
                Key=order_key(order_id),
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": OrderStatus.PENDING.value},
            )
        except ClientError as exc:
            _failed_item(exc)  # it moved on meanwhile: it is seen, keep it

    # ----- read --------------------------------------------------------------------------------------------

    def load(self, order_id: str, *, customer_id: str | None = None) -> Order | None:
        """The order (consistent read); None when missing or, with ``customer_id``, someone else's."""
        item = self._table().get_item(Key=order_key(order_id), ConsistentRead=True).get("Item")
        if item is None or (customer_id is not None and item.get("customer_id") != customer_id):
            return None
        return from_item(item)

    def page_for_customer(
        self, customer_id: str, *, limit: int, start_key: Key | None, status: OrderStatus | None = None
    ) -> tuple[list[Order], Key | None]:
        """Up to ``limit`` of the customer's orders, newest first, optionally of one status; and the next key."""
        query: dict[str, Any] = {
            "IndexName": CUSTOMER_INDEX,
            "KeyConditionExpression": "gsi2pk = :customer",
            "ExpressionAttributeValues": {":customer": customer_partition(customer_id)},
            "ScanIndexForward": False,
        }
        if status is not None:
            query["FilterExpression"] = "#status = :status"
            query["ExpressionAttributeNames"] = {"#status": "status"}
            query["ExpressionAttributeValues"][":status"] = status.value
        return self._pages(query, limit=limit, start_key=start_key)

    def page_by_status(
        self, status: OrderStatus, *, limit: int, start_key: Key | None, created_before: str | None = None
    ) -> tuple[list[Order], Key | None]:
        """Up to ``limit`` orders in ``status`` (created before ``created_before``), oldest first."""
        condition = "gsi1pk = :status"
        values: dict[str, Any] = {":status": status_partition(status)}
        if created_before is not None:
            condition += " AND gsi1sk < :before"
            values[":before"] = created_before
        query = {"IndexName": STATUS_INDEX, "KeyConditionExpression": condition, "ExpressionAttributeValues": values}
        return self._pages(query, limit=limit, start_key=start_key)

    def _pages(self, query: dict[str, Any], *, limit: int, start_key: Key | None) -> tuple[list[Order], Key | None]:
        orders: list[Order] = []
        key = start_key
        for _ in range(MAX_PAGE_CALLS):
            kwargs = {**query, "Limit": limit - len(orders)}
            if key:
                kwargs["ExclusiveStartKey"] = key
            response = self._table().query(**kwargs)
            orders.extend(_readable(response.get("Items", [])))
            key = cast("Key | None", response.get("LastEvaluatedKey"))  # our keys are all strings
            if key is None or len(orders) >= limit:
                break
        return orders, key

    # ----- change ------------------------------------------------------------------------------------------

    def change_status(
        self,
        order_id: str,
        target: OrderStatus,
        *,
        transitions: Transitions = TRANSITIONS,
        customer_id: str | None = None,
        reason: str | None = None,
        now: str | None = None,
    ) -> Order:
        """Move the order to ``target`` if ``transitions`` allow it from its current status, atomically.

        Raises NotFoundError (missing, or another customer's) or ConflictError naming the current status.
        """
        allowed, values = _in("#status", statuses_leading_to(target, transitions))
        condition = f"attribute_exists(pk) AND {allowed}"
        if customer_id is not None:
            condition += " AND customer_id = :customer"
            values[":customer"] = customer_id
        sets = "#status = :target, gsi1pk = :gsi1pk, updated_at = :now"
        values |= {":target": target.value, ":gsi1pk": status_partition(target), ":now": now or utc_now()}
        if reason is not None:
            sets += ", cancel_reason = :reason"
            values[":reason"] = reason
        try:
            response = self._table().update_item(
                Key=order_key(order_id),
                UpdateExpression=f"SET {sets}",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            current = _failed_item(exc)
            if current is None or (customer_id is not None and current.get("customer_id") != customer_id):
                raise NotFoundError(f"order {order_id} not found") from None
            raise ConflictError(
                f"order {order_id} is {current['status']}; it cannot become {target}",
                details={"status": current["status"], "requested": target.value},
            ) from None
        return from_item(response["Attributes"])

    def advance(self, order_id: str, target: OrderStatus) -> Order:
        """Move the order forward to ``target`` for the saga, idempotently: an order already at or beyond
        ``target`` is returned as it is. A cancelled order raises ConflictError (the saga compensates)."""
        try:
            return self.change_status(order_id, target)
        except ConflictError:
            current = self.load(order_id)
            if current is None:
                raise NotFoundError(f"order {order_id} not found") from None
            reached = PROGRESS.get(current.status, -1) >= PROGRESS[target]
            if current.status is not OrderStatus.CANCELLED and reached:
                return current
            raise

    def delete(self, order_id: str, *, customer_id: str | None = None) -> None:
        """Delete the order unless it has shipped; NotFoundError / ConflictError like :meth:`change_status`."""
        blocked, values = _in("#status", UNDELETABLE)
        condition = f"attribute_exists(pk) AND NOT {blocked}"
        if customer_id is not None:
            condition += " AND customer_id = :customer"
            values[":customer"] = customer_id
        try:
            self._table().delete_item(
                Key=order_key(order_id),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            current = _failed_item(exc)
            if current is None or (customer_id is not None and current.get("customer_id") != customer_id):
                raise NotFoundError(f"order {order_id} not found") from None
            raise ConflictError(f"order {order_id} is {current['status']} and can no longer be deleted") from None

    def delete_if_unchanged(self, order: Order) -> bool:
        """Delete ``order`` only if it is still in its status and untouched since it was read."""
        try:
            self._table().delete_item(
                Key=order_key(order.order_id),
                ConditionExpression="#status = :status AND updated_at = :updated_at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": order.status.value, ":updated_at": order.updated_at},
            )
        except ClientError as exc:
            _failed_item(exc)
            return False
        return True
