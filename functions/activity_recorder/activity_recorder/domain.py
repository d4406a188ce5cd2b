"""The activity log's domain: what a user can do, the events it produces and the state they fold into.

Pure code, no AWS and no event shapes. The state at any moment is ``fold(events up to that moment)``; the
projection the recorder keeps is the same fold, maintained incrementally, so both must always agree.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.errors import ValidationError

__all__ = [
    "ACTIONS",
    "MAX_CLOCK_SKEW",
    "RECENTLY_VIEWED",
    "Action",
    "ActivityEvent",
    "UserState",
    "apply",
    "event_position",
    "fold",
    "new_event",
    "parse_action",
    "timestamp",
]

RECENTLY_VIEWED = 10  # the projection keeps only the latest views; the log keeps them all
MAX_CLOCK_SKEW = timedelta(minutes=5)  # an event "from the future" would be invisible to "now" and break replay

Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Quantity = Annotated[int, Field(ge=1, le=10_000)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class NoData(_Data):
    pass


class ProductData(_Data):
    sku: Sku


class CartLineData(_Data):
    sku: Sku
    quantity: Quantity


class OrderData(_Data):
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    event_id: uuid.UUID | None = None  # client-chosen, so a retried request cannot record twice
    occurred_at: AwareDatetime | None = None  # when the user did it; default: when it is recorded


class SignedIn(_Action):
    type: Literal["signed_in"]
    data: NoData = Field(default_factory=NoData)


class ProductViewed(_Action):
    type: Literal["product_viewed"]
    data: ProductData


class CartItemAdded(_Action):
    type: Literal["cart_item_added"]
    data: CartLineData


class CartItemRemoved(_Action):
    type: Literal["cart_item_removed"]
    data: CartLineData


class OrderPlaced(_Action):
    type: Literal["order_placed"]
    data: OrderData


Action = SignedIn | ProductViewed | CartItemAdded | CartItemRemoved | OrderPlaced
ACTIONS: dict[str, type[Action]] = {
    "signed_in": SignedIn,
    "product_viewed": ProductViewed,
    "cart_item_added": CartItemAdded,
    "cart_item_removed": CartItemRemoved,
    "order_placed": OrderPlaced,
}


def parse_action(body: Mapping[str, Any]) -> Action:
    """One user action, e.g. ``{"type": "cart_item_added", "data": {"sku": "sku-1", "quantity": 2}}``.

    Raises ValidationError naming each bad field (``body.type``, ``body.data.quantity``, ...).
    """
    kind = body.get("type")
    model = ACTIONS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise ValidationError(fields={"body.type": "must be one of " + ", ".join(ACTIONS)})
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="body") from None


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601 with microseconds: its string order is its time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ActivityEvent:
    """An immutable fact: ``user_id`` did ``type`` at ``occurred_at`` (UTC timestamp string)."""

    user_id: str
    event_id: str
    type: str
    data: dict[str, Any]
    occurred_at: str
    recorded_at: str

    @property
    def position(self) -> str:
        return event_position(self.occurred_at, self.event_id)

    def public(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def event_position(occurred_at: str, event_id: str) -> str:
    """Where an event sits in the user's log: time order, ties broken by id (the same order replay uses)."""
    return f"{occurred_at}#{event_id}"


def new_event(user_id: str, action: Action, *, now: datetime) -> ActivityEvent:
    """The event for one action; an action dated in the future is refused (replay of "now" would miss it)."""
    occurred = action.occurred_at or now
    if occurred - now > MAX_CLOCK_SKEW:
        limit = int(MAX_CLOCK_SKEW.total_seconds())
        raise ValidationError(fields={"body.occurred_at": f"must not be more than {limit} s in the future"})
    return ActivityEvent(
        user_id=user_id,
        event_id=str(action.event_id or uuid.uuid4()),
        type=action.type,
        data=action.data.model_dump(),
        occurred_at=timestamp(occurred),
        recorded_at=timestamp(now),
    )


@dataclass(frozen=True)
class UserState:
    """What the user's activity adds up to. ``position`` is the last applied event's place in the log."""

    user_id: str
    events_applied: int = 0
    position: str = ""
    last_event_at: str | None = None
    sign_ins: int = 0
    last_sign_in_at: str | None = None
    recently_viewed: tuple[str, ...] = ()
    cart: dict[str, int] = field(default_factory=dict)
    orders_placed: int = 0
    last_order_id: str | None = None

    def public(self) -> dict[str, Any]:
        """The state as clients see it (no log bookkeeping)."""
        view = dataclasses.asdict(self)
        view.pop("position")
        view["recently_viewed"] = list(self.recently_viewed)
        return view


def apply(state: UserState, event: ActivityEvent) -> UserState:
    """The state after ``event`` (pure: the same inputs always give the same state)."""
    changes: dict[str, Any] = {}
    data = event.data
    if event.type == "signed_in":
        changes = {"sign_ins": state.sign_ins + 1, "last_sign_in_at": event.occurred_at}
    elif event.type == "product_viewed":
        viewed = (data["sku"], *(sku for sku in state.recently_viewed if sku != data["sku"]))
        changes = {"recently_viewed": viewed[:RECENTLY_VIEWED]}
    elif event.type == "cart_item_added":
        changes = {"cart": {**state.cart, data["sku"]: state.cart.get(data["sku"], 0) + int(data["quantity"])}}
    elif event.type == "cart_item_removed":
        cart = dict(state.cart)
        left = cart.get(data["sku"], 0) - int(data["quantity"])
        if left > 0:
            cart[data["sku"]] = left
        else:
            cart.pop(data["sku"], None)
        changes = {"cart": cart}
    elif event.type == "order_placed":
        changes = {"cart": {}, "orders_placed": state.orders_placed + 1, "last_order_id": data["order_id"]}
    else:
        raise ValueError(f"unknown activity type {event.type!r}")
    return dataclasses.replace(
        state,
        **changes,
        events_applied=state.events_applied + 1,
        position=event.position,
        last_event_at=event.occurred_at,
    )


def fold(user_id: str, events: Iterable[ActivityEvent]) -> UserState:
    """Replay: the state after ``events`` applied in log order, from nothing."""
    state = UserState(user_id=user_id)
    for event in sorted(events, key=lambda e: e.position):
        state = apply(state, event)
    return state


UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")]
_ON_FIRST_USE = ConfigDict(defer_build=True)  # each validator is built by the first call that needs it
_user_id = pydantic.TypeAdapter(UserId, config=_ON_FIRST_USE)
_moment = pydantic.TypeAdapter(AwareDatetime, config=_ON_FIRST_USE)


def check_user_id(user_id: object, *, field_name: str = "path.user_id") -> str:
    """A valid user id (letters, digits and ``._:@-``, at most 128), or ValidationError naming the field."""
    try:
        return _user_id.validate_python(user_id)
    except pydantic.ValidationError as exc:
        raise ValidationError(fields={field_name: exc.errors(include_url=False)[0]["msg"]}) from None


def parse_moment(value: object, *, field_name: str) -> datetime:
    """An ISO 8601 time with a timezone (e.g. ``2024-05-13T10:45:12Z``), or ValidationError naming the field."""
    try:
        return _moment.validate_python(value)
    except pydantic.ValidationError as exc:
        raise ValidationError(fields={field_name: exc.errors(include_url=False)[0]["msg"]}) from None
