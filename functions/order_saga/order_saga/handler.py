"""Step Functions task entry points: parse the state (Powertools ``event_parser``) → run one saga step → its result.

Each returns a JSON object the state machine stores under the step's ResultPath. Errors are shared taxonomy
types; their class name is the Step Functions error the ASL retries (retryable) or catches (compensation).
A state that does not parse is a ValidationError naming ``input.<field>``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pydantic
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_saga import inventory, notifications, payments, shipments
from order_saga.models import OrderRef, SagaOrder, SagaState
from shared.errors import ValidationError
from shared.middleware import event_handler

Event = dict[str, Any]
H = TypeVar("H", bound=Callable[..., Any])


def input_errors(*models: type[pydantic.BaseModel]) -> Callable[[H], H]:
    """The parser's error for one of ``models`` (the state did not parse) → ValidationError naming ``input.<field>``.

    Only those: a pydantic error about anything else is the task's own bug and stays unexpected.
    """
    titles = {model.__name__ for model in models}

    def decorate(task: H) -> H:
        @functools.wraps(task)
        def wrapper(event: Any, context: LambdaContext) -> Any:
            try:
                return task(event, context)
            except pydantic.ValidationError as exc:
                if exc.title not in titles:
                    raise
                raise ValidationError.from_pydantic(exc, prefix="input") from None

        return wrapper  # type: ignore[return-value]

    return decorate


@event_handler(source="direct")
@input_errors(SagaState)
@event_parser(model=SagaState)
def reserve_inventory(state: SagaState, context: LambdaContext) -> Event:
    return inventory.reserve(SagaOrder.of(state)).model_dump(mode="json")


@event_handler(source="direct")
@input_errors(OrderRef)
@event_parser(model=OrderRef)
def release_inventory(ref: OrderRef, context: LambdaContext) -> Event:
    return inventory.release(ref).model_dump(mode="json")


@event_handler(source="direct")
@input_errors(SagaState)
@event_parser(model=SagaState)
def charge_payment(state: SagaState, context: LambdaContext) -> Event:
    return payments.charge(SagaOrder.of(state)).model_dump(mode="json")


@event_handler(source="direct")
@input_errors(OrderRef)
@event_parser(model=OrderRef)
def refund_payment(ref: OrderRef, context: LambdaContext) -> Event:
    return payments.refund(ref.order_id).model_dump(mode="json")


@event_handler(source="direct")
@input_errors(SagaState)
@event_parser(model=SagaState)
def create_shipment(state: SagaState, context: LambdaContext) -> Event:
    return shipments.create(SagaOrder.of(state)).model_dump(mode="json")


@event_handler(source="direct")
@input_errors(OrderRef)
@event_parser(model=OrderRef)
def cancel_shipment(ref: OrderRef, context: LambdaContext) -> Event:
    return shipments.cancel(ref.order_id).model_dump(mode="json")


@event_handler(source="direct")
@input_errors(SagaState)
@event_parser(model=SagaState)
def notify_customer(state: SagaState, context: LambdaContext) -> Event:
    return notifications.notify(SagaOrder.of(state)).model_dump(mode="json")
