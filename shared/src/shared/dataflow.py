"""Who reads and writes what: every resource a function is given and every message that crosses functions.

This is a declaration, not code that runs in a Lambda. Three things are derived from it and checked against it:

- the contract matrix (``tests/contracts``): every writer's output of a shared table or message is fed to every
  reader's parsing code;
- the wiring check: the environment variables each function key gets in ``terraform/stacks/regional/wiring.tf``
  are exactly the resources declared for it here, and each function folder imports exactly the contracts of the
  messages declared for it;
- the README's "Resources and environment variables" table (``make docs``).

Function names are the Lambda function keys of ``function.json`` ``handlers`` (= the wiring keys); a folder
with several keys (``order_saga``) lists each. ``EXTERNAL`` marks a producer or consumer outside this repo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["EXTERNAL", "MESSAGES", "RESOURCES", "Message", "Resource", "resources_of", "resources_table"]

EXTERNAL = "external"

Kind = Literal["table", "queue", "bucket", "topic", "bus", "state machine", "setting"]


@dataclass(frozen=True)
class Resource:
    """One environment variable Terraform sets: the resource (or setting) behind it and who uses it how."""

    env: str
    kind: Kind
    what: str
    owner: str | None = None  # the module that owns the layout of the data in it, when functions share it
    writers: tuple[str, ...] = ()
    readers: tuple[str, ...] = ()

    @property
    def users(self) -> tuple[str, ...]:
        return tuple(sorted({*self.writers, *self.readers}))


@dataclass(frozen=True)
class Message:
    """One message contract: its models in ``shared.contracts``, where it travels, who produces and consumes it."""

    name: str
    contracts: tuple[str, ...]  # names in shared.contracts a producer or consumer imports
    channel: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]


SAGA_STEPS = ("charge_payment", "refund_payment", "create_shipment", "cancel_shipment", "order_saga_notify")
SAGA_ORDER_STATUS = ("reserve_inventory", "release_inventory", "charge_payment", "create_shipment")

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "ORDERS_TABLE",
        "table",
        "orders (pk/sk, gsi1 by status, gsi2 by customer) and the saga's step records",
        owner="shared.orders",
        writers=(
            "orders_api",
            "order_worker",
            "bulk_worker",
            "csv_ingest",
            "scheduled_cleanup",
            *sorted({*SAGA_STEPS, *SAGA_ORDER_STATUS}),
        ),
        readers=("orders_api", "order_worker", "scheduled_cleanup", "health", *SAGA_ORDER_STATUS),
    ),
    Resource(
        "IDEMPOTENCY_TABLE",
        "table",
        "Powertools idempotency records (id, TTL expiration)",
        owner="shared.idempotency",
        writers=("orders_api", "order_worker", "csv_ingest"),
        readers=("orders_api", "order_worker", "csv_ingest"),
    ),
    Resource("VISITS_TABLE", "table", "visit counters", writers=("user_visits",), readers=("user_visits",)),
    Resource(
        "ACTIVITY_TABLE",
        "table",
        "immutable activity events + projection",
        owner="activity_recorder",  # both keys ship in one zip
        writers=("activity_recorder",),
        readers=("activity_recorder", "activity_recorder_replay"),
    ),
    Resource(
        "CIRCUIT_TABLE",
        "table",
        "circuit breaker state per dependency",
        owner="shared.circuit_breaker",
        writers=("payment_gateway", "charge_payment", "refund_payment"),
        readers=("payment_gateway", "charge_payment", "refund_payment"),
    ),
    Resource(
        "USERS_TABLE",
        "table",
        "user profiles",
        owner="cognito_triggers",  # both keys ship in one zip
        writers=("cognito_post_confirmation",),
        readers=("cognito_pre_token_generation",),
    ),
    Resource(
        "INVENTORY_TABLE",
        "table",
        "stock per SKU + reservations",
        owner="shared.inventory",
        writers=("reserve_inventory", "release_inventory", EXTERNAL),  # EXTERNAL: stock comes from `make seed`
        readers=("reserve_inventory", "release_inventory"),
    ),
    Resource("EVENT_BUS_NAME", "bus", "the orders EventBridge bus", writers=("orders_api",)),
    Resource("ORDERS_QUEUE_URL", "queue", "SQS queue order_worker consumes", writers=(EXTERNAL,)),
    Resource("BULK_QUEUE_URL", "queue", "SQS queue bulk_worker consumes", writers=("bulk_dispatcher",)),
    Resource(
        "UPLOADS_BUCKET",
        "bucket",
        "uploads/ (input), resized/ (output), documents, CSV error reports",
        owner="shared.uploads",
        writers=("upload_url", "document_pipeline_store"),
        readers=("document_pipeline_extract",),
    ),
    Resource("ARCHIVE_BUCKET", "bucket", "archived abandoned orders", writers=("scheduled_cleanup",)),
    Resource("ORDER_SAGA_ARN", "state machine", "the order saga", writers=("order_events_router",)),
    Resource(
        "NOTIFICATIONS_TOPIC_ARN",
        "topic",
        "SNS topic for order notifications",
        writers=("order_events_router", "order_saga_notify"),
    ),
    Resource("SENDER_EMAIL", "setting", "SES sender address", readers=("notifier",)),
    Resource("UPLOAD_ALERT_RECIPIENTS", "setting", "comma-separated upload alert recipients", readers=("notifier",)),
    Resource(
        "PAYMENT_API_URL",
        "setting",
        "external payment HTTP API",
        readers=("payment_gateway", "charge_payment", "refund_payment"),
    ),
    Resource(
        "ALLOWED_EMAIL_DOMAINS", "setting", "comma-separated auto-confirm domains", readers=("cognito_pre_sign_up",)
    ),
    Resource(
        "ABANDONED_AFTER_HOURS",
        "setting",
        "age after which PENDING orders are abandoned",
        readers=("scheduled_cleanup",),
    ),
)

MESSAGES: tuple[Message, ...] = (
    Message(
        "orders queue message",
        ("OrderPlaced", "OrderCancelled", "parse_order_message"),
        "ORDERS_QUEUE_URL",
        producers=(EXTERNAL,),
        consumers=("order_worker",),
    ),
    Message(
        "bulk order",
        ("BulkOrderMessage", "ImportedOrder"),
        "BULK_QUEUE_URL",
        producers=("bulk_dispatcher",),
        consumers=("bulk_worker",),
    ),
    Message(
        "OrderCreated",
        ("OrderCreated",),
        "EVENT_BUS_NAME, detail-type OrderCreated",
        producers=("orders_api",),
        consumers=("order_events_router",),
    ),
    Message(
        "payment and shipment events",
        ("PaymentCompleted", "ShipmentDispatched"),
        "EVENT_BUS_NAME, detail-types PaymentCompleted, ShipmentDispatched",
        producers=(EXTERNAL,),
        consumers=("order_events_router",),
    ),
    Message(
        "saga input",
        ("SagaInput",),
        "ORDER_SAGA_ARN execution input, passed to every task",
        producers=("order_events_router",),
        consumers=("reserve_inventory", "charge_payment", "create_shipment", "order_saga_notify"),
    ),
    Message(
        "order notification",
        (
            "OrderConfirmed",
            "PaymentCompletedNotice",
            "ShipmentDispatchedNotice",
            "OrderCancelledNotice",
            "notification_adapter",
        ),
        "NOTIFICATIONS_TOPIC_ARN",
        producers=("order_events_router", "order_saga_notify"),
        consumers=("notifier",),
    ),
)


def resources_of(function: str) -> frozenset[str]:
    """The environment variables a function key is declared to use."""
    return frozenset(resource.env for resource in RESOURCES if function in resource.users)


def resources_table() -> str:
    """The README's "Resources and environment variables" table (markdown), generated from :data:`RESOURCES`."""
    rows = ["| variable | what | owner of the layout | written by | read by |", "|---|---|---|---|---|"]
    for resource in RESOURCES:
        owner = f"`{resource.owner}`" if resource.owner else "—"
        writers = ", ".join(resource.writers) or "—"
        readers = ", ".join(resource.readers) or "—"
        rows.append(f"| `{resource.env}` | {resource.what} | {owner} | {writers} | {readers} |")
    return "\n".join(rows)
