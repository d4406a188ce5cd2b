"""The orders table's one owner: what an order is, the status machine, money, time and the item layout. No AWS.

Every function that reads or writes the orders table imports this module; none spells a key prefix, an
attribute name or a status of its own (``shared.dataflow`` declares who reads and writes what).

Item layout (table ``ORDERS_TABLE``: keys ``pk``/``sk``; index ``gsi1`` on ``gsi1pk``/``gsi1sk`` by status):

=============  ======================  ==============  =====================  =============================
item           pk                      sk              gsi1pk                 gsi1sk
=============  ======================  ==============  =====================  =============================
order          ``ORDER#<order_id>``    ``ORDER``       ``STATUS#<status>``    ``<created_at>#<order_id>``
saga step      ``ORDER#<order_id>``    ``SAGA#<STEP>`` —                      —
=============  ======================  ==============  =====================  =============================

Index ``gsi2`` (``gsi2pk`` = ``CUSTOMER#<customer_id>``, ``gsi2sk`` = ``<created_at>#<order_id>``) lists one
customer's orders, newest first; saga step records carry neither index's keys, so no listing sees them.

An order item holds ``type = "order"`` and the :class:`Order` fields, in JSON form (quantities as numbers,
money as strings); absent optional fields are omitted, never stored as null.

- **Order id**: 1–64 ASCII characters, a letter or digit first, then letters, digits and ``._:@-``
  (:data:`Identifier`). The orders API issues UUIDs; the orders queue, the bulk import and CSV files bring
  their own ids in the same form. Every entry point accepts and answers every such id.
- **Money**: a decimal string with exactly two decimals (``"9.99"``, ``"0.00"``), never a float; line prices
  arrive as 0–2 decimals and are stored normalised. :func:`to_cents` is the payment APIs' form.
- **Time**: UTC ISO 8601 with milliseconds and ``Z``, fixed width (``2026-11-25T14:54:12.123Z``), so it sorts
  as text (``gsi1sk``).
- **Status**: :class:`OrderStatus`; :data:`TRANSITIONS` is what the system may do, :data:`CUSTOMER_TRANSITIONS`
  what a customer may ask for (only cancelling an order that is not paid yet).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

__all__ = [
    "CUSTOMER_TRANSITIONS",
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_SKUS",
    "TRANSITIONS",
    "UNDELETABLE",
    "Currency",
    "CustomerId",
    "Identifier",
    "Money",
    "Order",
    "OrderLine",
    "OrderLines",
    "OrderSource",
    "OrderStatus",
    "Price",
    "StoredOrderError",
    "Timestamp",
    "customer_index_key",
    "format_timestamp",
    "from_cents",
    "from_item",
    "is_order_id",
    "is_order_item",
    "money",
    "order_key",
    "saga_step_key",
    "status_index_key",
    "statuses_leading_to",
    "to_cents",
    "to_item",
    "utc_now",
]

# ----- identity ----------------------------------------------------------------------------------------------

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$"
Identifier = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=ID_PATTERN)]
"""An order or SKU id: 1–64 ASCII characters, a letter or digit first, then also ``._:@-``."""

CustomerId = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
]
"""A customer: the user id of the token that placed the order (``shared.identity``: 1–128 of the same characters)."""

_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-")


def is_order_id(value: str) -> bool:
    """True when ``value`` is a well-formed order id (cheap: no regex engine, no pydantic)."""
    return 0 < len(value) <= 64 and value[0].isascii() and value[0].isalnum() and set(value) <= _ID_CHARS


# ----- money ---------------------------------------------------------------------------------------------------

CENT = Decimal("0.01")
MAX_QUANTITY = 10_000
MAX_LINES = 100
MAX_SKUS = 99  # the saga reserves an order's stock in one DynamoDB transaction: the reservation + one update per SKU


def money(amount: Decimal | int | str) -> str:
    """The one money representation: a decimal string with exactly two decimals (half-up rounding)."""
    return str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def to_cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def from_cents(cents: int) -> str:
    return money(Decimal(cents) / 100)


Price = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$"), AfterValidator(money)]
"""A line price as clients send it (``"9.99"``, ``"12"``, ASCII digits only); stored normalised (``"12.00"``)."""

Money = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{1,18}\.[0-9]{2}$")]
"""An amount as stored and answered: exactly two decimals."""

Currency = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]
DEFAULT_CURRENCY = "USD"

# ----- time ----------------------------------------------------------------------------------------------------

Timestamp = Annotated[
    str, StringConstraints(strict=True, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")
]


def format_timestamp(moment: datetime) -> str:
    """``moment`` (timezone-aware) in the one stored form: UTC, milliseconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp needs a timezone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return format_timestamp(datetime.now(UTC))


# ----- status --------------------------------------------------------------------------------------------------


class OrderStatus(StrEnum):
    PENDING = "PENDING"  # created; the saga has not reserved stock yet
    CONFIRMED = "CONFIRMED"  # stock reserved
    PAID = "PAID"  # payment approved
    SHIPPED = "SHIPPED"  # shipment created
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"  # by the customer, by a cancel message, or by the saga's compensation


S = OrderStatus
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.PAID, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PAID, S.SHIPPED, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.CANCELLED}),
    # The saga cancels a shipment it created when the rest of fulfilment fails (and refunds the payment).
    S.SHIPPED: frozenset({S.DELIVERED, S.CANCELLED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
"""Every move the system may make (saga, queue messages); anything else is a conflict."""

CUSTOMER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CANCELLED}),
}
"""What a customer may ask for: cancelling before payment. Paying and shipping come from the saga only."""

# Once goods have left the warehouse the order is a record, not a request: it cannot be deleted.
UNDELETABLE: frozenset[OrderStatus] = frozenset({S.SHIPPED, S.DELIVERED})

PROGRESS: Mapping[OrderStatus, int] = {S.PENDING: 0, S.CONFIRMED: 1, S.PAID: 2, S.SHIPPED: 3, S.DELIVERED: 4}
"""How far an order got on the happy path (CANCELLED is off it): a retried saga step that finds the order at or
beyond its target has nothing to do."""


def statuses_leading_to(
    target: OrderStatus, transitions: Mapping[OrderStatus, frozenset[OrderStatus]] = TRANSITIONS
) -> frozenset[OrderStatus]:
    """Every status from which ``target`` is an allowed next status."""
    return frozenset(source for source, targets in transitions.items() if target in targets)


# ----- the order -----------------------------------------------------------------------------------------------

OrderSource = Literal["api", "queue", "bulk", "csv"]
"""Which entry point created the order."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLine(_Model):
    """One line; ``price`` is a decimal string (exact money, never a float)."""

    sku: Identifier
    quantity: int = Field(strict=True, ge=1, le=MAX_QUANTITY)
    price: Price

    @property
    def amount(self) -> Decimal:
        return Decimal(self.price) * self.quantity


def _reservable(lines: list[OrderLine]) -> list[OrderLine]:
    if len({line.sku for line in lines}) > MAX_SKUS:
        raise ValueError(f"at most {MAX_SKUS} different SKUs per order (its stock is reserved in one transaction)")
    return lines


OrderLines = Annotated[list[OrderLine], Field(min_length=1, max_length=MAX_LINES), AfterValidator(_reservable)]
"""An order's lines as every entry point accepts them: 1–100 lines, at most 99 different SKUs."""


def lines_total(lines: list[OrderLine]) -> str:
    return money(sum((line.amount for line in lines), Decimal(0)))


class Order(_Model):
    """An order as the table holds it and the API answers it.

    ``items`` may be empty only for an order imported from a CSV summary (its ``total`` is the source's);
    otherwise ``total`` is the sum of the lines.
    """

    order_id: Identifier
    customer_id: CustomerId
    status: OrderStatus
    items: Annotated[list[OrderLine], Field(max_length=MAX_LINES), AfterValidator(_reservable)]
    total: Money
    currency: Currency = DEFAULT_CURRENCY
    created_at: Timestamp
    updated_at: Timestamp
    source: OrderSource = "api"
    import_job: str | None = Field(default=None, min_length=1, max_length=40)
    cancel_reason: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.items and self.total != lines_total(self.items):
            raise ValueError(f"total {self.total} is not the sum of the lines ({lines_total(self.items)})")
        if not self.items and self.source != "csv":
            raise ValueError("an order needs at least one line")
        return self

    @classmethod
    def new(
        cls,
        *,
        order_id: str,
        customer_id: str,
        items: list[OrderLine],
        source: OrderSource,
        now: str | None = None,
        **extra: Any,
    ) -> Order:
        """A PENDING order created ``now`` with its total computed from the lines."""
        now = now or utc_now()
        return cls(
            order_id=order_id,
            customer_id=customer_id,
            status=OrderStatus.PENDING,
            items=items,
            total=lines_total(items),
            created_at=now,
            updated_at=now,
            source=source,
            **extra,
        )


# ----- item layout ---------------------------------------------------------------------------------------------

ORDER_SORT_KEY = "ORDER"
STATUS_INDEX = "gsi1"
CUSTOMER_INDEX = "gsi2"
Key = dict[str, str]


def order_key(order_id: str) -> Key:
    return {"pk": f"ORDER#{order_id}", "sk": ORDER_SORT_KEY}


def saga_step_key(order_id: str, step: str) -> Key:
    """The record of one saga step (``PAYMENT``, ``SHIPMENT``, ...) beside its order."""
    return {"pk": f"ORDER#{order_id}", "sk": f"SAGA#{step}"}


def status_partition(status: OrderStatus) -> str:
    return f"STATUS#{status}"


def status_index_key(status: OrderStatus, *, created_at: str, order_id: str) -> Key:
    """The gsi1 keys: orders by status, ordered by creation time (ties by id)."""
    return {"gsi1pk": status_partition(status), "gsi1sk": f"{created_at}#{order_id}"}


def customer_partition(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def customer_index_key(customer_id: str, *, created_at: str, order_id: str) -> Key:
    """The gsi2 keys: one customer's orders, ordered by creation time (ties by id)."""
    return {"gsi2pk": customer_partition(customer_id), "gsi2sk": f"{created_at}#{order_id}"}


def to_item(order: Order) -> dict[str, Any]:
    """The table item for ``order`` (absent optional fields are left out)."""
    return {
        **order_key(order.order_id),
        **status_index_key(order.status, created_at=order.created_at, order_id=order.order_id),
        **customer_index_key(order.customer_id, created_at=order.created_at, order_id=order.order_id),
        "type": "order",
        **order.model_dump(mode="json", exclude_none=True),
    }


def is_order_item(item: Mapping[str, Any]) -> bool:
    return item.get("sk") == ORDER_SORT_KEY


class StoredOrderError(Exception):
    """An item in the orders table that is not an order as this module defines it: a writer's bug, never the
    client's fault (so not a ValidationError, which would become a 400 naming fields the client never sent)."""


def from_item(item: Mapping[str, Any]) -> Order:
    """The order in a table item (DynamoDB numbers arrive as ``Decimal``); StoredOrderError when it is not one."""
    fields = {name: value for name, value in item.items() if name in Order.model_fields}
    fields["items"] = [
        {**line, "quantity": _integral(line.get("quantity"))} if isinstance(line, Mapping) else line
        for line in item.get("items", [])
    ]
    try:
        return Order.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors())
        raise StoredOrderError(f"item {item.get('pk')}/{item.get('sk')} is not an order: {problems}") from None


def _integral(value: Any) -> Any:
    """A DynamoDB number that is a whole number, as ``int``; anything else unchanged (the model rejects it)."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return value
