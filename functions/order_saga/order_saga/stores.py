"""DynamoDB adapters: per-order step records (orders table) and stock + reservations (inventory table).

Every write that makes a step happen is conditional, so a retried or duplicated task finds the record its
first attempt wrote instead of doing the work twice.

Orders table (``ORDERS_TABLE``): one record per saga step beside its order, keyed by
``shared.orders.saga_step_key``, with ``status`` (:class:`StepStatus`) and the step's own attributes. The saga
owns these records; the order item itself is changed only through ``shared.order_store.OrderTable``.
Inventory table (``INVENTORY_TABLE``): the layout ``shared.inventory`` owns (stock per SKU, one reservation per
order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from order_saga.errors import aws_errors
from shared import aws, inventory
from shared.errors import RetryableError, ThrottleError
from shared.inventory import ReservationStatus
from shared.orders import saga_step_key, utc_now

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class StepStatus(StrEnum):
    """The status of a saga step record (the saga's own data; not the order's status)."""

    STARTED = "STARTED"  # the step began; its outcome is not recorded yet (ask again with the same key)
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"
    CREATED = "CREATED"
    SENT = "SENT"
    CANCELLED = "CANCELLED"  # compensated, or written by a compensation that found nothing to undo


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


@dataclass(frozen=True)
class StepRecord:
    order_id: str
    step: str
    status: StepStatus
    attributes: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.attributes.get(name)


class StepStore:
    """One record per (order, step) in the orders table; all changes conditional on the current status."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def _table(self) -> Any:
        return aws.dynamodb_table(self.table_name)

    def _record(self, item: Mapping[str, Any]) -> StepRecord:
        attributes = {k: _plain(v) for k, v in item.items() if k not in {"pk", "sk", "order_id", "step", "status"}}
        return StepRecord(str(item["order_id"]), str(item["step"]), StepStatus(item["status"]), attributes)

    def get(self, order_id: str, step: str) -> StepRecord | None:
        with aws_errors(f"read {step} record"):
            item = self._table().get_item(Key=saga_step_key(order_id, step), ConsistentRead=True).get("Item")
        return self._record(item) if item else None

    def create(self, order_id: str, step: str, status: StepStatus, **attributes: Any) -> tuple[StepRecord, bool]:
        """Write the record unless one exists: ``(record, True)`` when written, ``(existing, False)`` otherwise."""
        item = {**saga_step_key(order_id, step), "order_id": order_id, "step": step, "status": status.value}
        item |= {k: v for k, v in attributes.items() if v is not None} | {"updated_at": utc_now()}
        try:
            with aws_errors(f"create {step} record"):
                self._table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            existing = self.get(order_id, step)
            if existing is None:  # deleted between the two calls: nothing sensible to do but retry
                raise
            return existing, False
        return self._record(item), True

    def transition(
        self, order_id: str, step: str, *, from_status: StepStatus, to_status: StepStatus, **attributes: Any
    ) -> bool:
        """Move the record from ``from_status`` to ``to_status``; False when it was not in ``from_status``."""
        values = {k: v for k, v in attributes.items() if v is not None} | {"updated_at": utc_now()}
        names = {f"#a{i}": name for i, name in enumerate(values)}
        sets = ", ".join(f"#a{i} = :a{i}" for i in range(len(values)))
        try:
            with aws_errors(f"update {step} record"):
                self._table().update_item(
                    Key=saga_step_key(order_id, step),
                    UpdateExpression=f"SET #status = :to, {sets}",
                    ConditionExpression="#status = :from",
                    ExpressionAttributeNames={"#status": "status", **names},
                    ExpressionAttributeValues={
                        ":to": to_status.value,
                        ":from": from_status.value,
                        **{f":a{i}": value for i, value in enumerate(values.values())},
                    },
                )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True


class ReserveOutcome(StrEnum):
    RESERVED = "RESERVED"
    ALREADY_EXISTS = "ALREADY_EXISTS"  # a reservation record (RESERVED or RELEASED) is already there
    OUT_OF_STOCK = "OUT_OF_STOCK"


_SERIALIZER = TypeSerializer()


def _typed(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values in the low-level client's typed form (transactions need the client, not the resource)."""
    return {name: _SERIALIZER.serialize(value) for name, value in values.items()}


class InventoryStore:
    """Stock counters and reservations; a reservation and its stock changes commit in one transaction."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @staticmethod
    def reservation_key(order_id: str) -> dict[str, Any]:
        return _typed(inventory.reservation_key(order_id))

    @staticmethod
    def stock_key(sku: str) -> dict[str, Any]:
        return _typed(inventory.stock_key(sku))

    def _reservation(self, order_id: str, status: ReservationStatus, items: Mapping[str, int]) -> dict[str, Any]:
        return {
            **self.reservation_key(order_id),
            **_typed({inventory.STATUS: status.value, inventory.ITEMS: dict(items), inventory.UPDATED_AT: utc_now()}),
        }

    def get_reservation(self, order_id: str) -> tuple[ReservationStatus, dict[str, int]] | None:
        """``(status, items)`` of the order's reservation record, or None."""
        with aws_errors("read reservation"):
            item = (
                aws.dynamodb()
                .get_item(TableName=self.table_name, Key=self.reservation_key(order_id), ConsistentRead=True)
                .get("Item")
            )
        if not item:
            return None
        reserved = item.get(inventory.ITEMS, {}).get("M", {})
        items = {sku: int(value["N"]) for sku, value in reserved.items()}
        return ReservationStatus(item[inventory.STATUS]["S"]), items

    def reserve(self, order_id: str, quantities: Mapping[str, int]) -> tuple[ReserveOutcome, list[str]]:
        """Decrement every SKU (never below zero) and record the reservation, all or nothing.

        Returns the outcome and, for OUT_OF_STOCK, the SKUs whose stock was short (or unknown).
        """
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": self._reservation(order_id, ReservationStatus.RESERVED, quantities),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        for sku, qty in quantities.items():
            actions.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": self.stock_key(sku),
                        "UpdateExpression": "SET #available = #available - :qty",
                        "ConditionExpression": "attribute_exists(pk) AND #available >= :qty",
                        "ExpressionAttributeNames": {"#available": inventory.AVAILABLE},
                        "ExpressionAttributeValues": {":qty": {"N": str(qty)}},
                    }
                }
            )
        try:
            with aws_errors("reserve inventory"):
                aws.dynamodb().transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", actions))
        except ClientError as exc:
            reasons = _cancellation_codes(exc)
            if reasons is None:
                raise
            if reasons[0] == "ConditionalCheckFailed":
                return ReserveOutcome.ALREADY_EXISTS, []
            codes = zip(quantities, reasons[1:], strict=False)
            short = [sku for sku, code in codes if code == "ConditionalCheckFailed"]
            if short:
                return ReserveOutcome.OUT_OF_STOCK, short
            raise
        return ReserveOutcome.RESERVED, []

    def write_released_marker(self, order_id: str) -> bool:
        """Record "released" for an order that never reserved, so a late reserve cannot happen; False if one exists."""
        try:
            with aws_errors("mark reservation released"):
                aws.dynamodb().put_item(
                    TableName=self.table_name,
                    Item=self._reservation(order_id, ReservationStatus.RELEASED, {}),
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release(self, order_id: str, quantities: Mapping[str, int]) -> bool:
        """Give the reserved stock back and mark the reservation RELEASED; False if it was not RESERVED."""
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": self.reservation_key(order_id),
                    "UpdateExpression": "SET #status = :released, #updated_at = :now",
                    "ConditionExpression": "#status = :reserved",
                    "ExpressionAttributeNames": {"#status": inventory.STATUS, "#updated_at": inventory.UPDATED_AT},
                    "ExpressionAttributeValues": _typed(
                        {
                            ":released": ReservationStatus.RELEASED.value,
                            ":reserved": ReservationStatus.RESERVED.value,
                            ":now": utc_now(),
                        }
                    ),
                }
            }
        ]
        for sku, qty in quantities.items():
            actions.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": self.stock_key(sku),
                        "UpdateExpression": "ADD #available :qty",
                        "ExpressionAttributeNames": {"#available": inventory.AVAILABLE},
                        "ExpressionAttributeValues": {":qty": {"N": str(qty)}},
                    }
                }
            )
        try:
            with aws_errors("release inventory"):
                aws.dynamodb().transact_write_items(TransactItems=cast("list[TransactWriteItemTypeDef]", actions))
        except ClientError as exc:
            reasons = _cancellation_codes(exc)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            raise
        return True


def _cancellation_codes(exc: ClientError) -> list[str] | None:
    """Per-action codes of a cancelled transaction ("None" for actions that were fine), else None.

    A transaction cancelled by a concurrent one or by throttling is transient: raised as retryable.
    """
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    codes = [str(reason.get("Code", "None")) for reason in exc.response.get("CancellationReasons") or []]
    if "TransactionConflict" in codes:
        raise RetryableError("a concurrent transaction touched the same items") from exc
    if {"ThrottlingError", "ProvisionedThroughputExceeded"} & set(codes):
        raise ThrottleError("inventory table throttled") from exc
    return codes
