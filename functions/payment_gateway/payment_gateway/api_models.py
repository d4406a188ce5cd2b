"""What the gateway's API accepts: a charge for an order and a refund of a payment. No AWS here."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.errors import ValidationError

__all__ = ["ChargeRequest", "RefundRequest", "check_payment_id", "parse"]

Money = Annotated[str, StringConstraints(pattern=r"^\d{1,9}(\.\d{1,2})?$")]  # a decimal string, cents at most
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    amount: Money

    @pydantic.field_validator("amount")
    @classmethod
    def _positive(cls, amount: str) -> str:
        if Decimal(amount) <= 0:
            raise ValueError("must be greater than 0")
        return amount

    @property
    def money(self) -> Decimal:
        return Decimal(self.amount)


M = TypeVar("M", bound=_Request)

_identifier = pydantic.TypeAdapter(Identifier)


def check_payment_id(payment_id: str) -> str:
    """A valid payment id from the path, or ValidationError naming ``path.payment_id``."""
    try:
        return _identifier.validate_python(payment_id)
    except pydantic.ValidationError as exc:
        raise ValidationError(fields={"path.payment_id": exc.errors(include_url=False)[0]["msg"]}) from None


class ChargeRequest(_Request):
    """``{"order_id": "o-1", "amount": "12.50", "currency": "USD"}``"""

    order_id: Identifier
    currency: Currency = "USD"


class RefundRequest(_Request):
    """``{"amount": "12.50"}`` (the payment id is in the path)."""


def parse(model: type[M], body: dict[str, Any]) -> M:
    """The request, or ValidationError naming each bad field as ``body.<field>``."""
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="body") from None
