"""What the gateway's API accepts: a charge for an order and a refund of a payment. No AWS here."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.errors import ValidationError

__all__ = ["ChargeRequest", "RefundRequest", "check_idempotency_key", "check_payment_id"]

# A decimal string, cents at most; ASCII digits only (\d would take "١٢" and "１.００").
Money = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
# The orders system's id rule (shared.orders): a letter or digit first, then also ._:@-, 64 at most.
OrderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

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


_identifier = pydantic.TypeAdapter(Identifier, config=ConfigDict(defer_build=True))


_IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")  # visible ASCII: it travels on as an HTTP header


def check_idempotency_key(key: str) -> str:
    """A client's ``Idempotency-Key`` fit to forward to the provider, or ValidationError naming the header."""
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationError(fields={"header.idempotency-key": "must be 1-255 visible ASCII characters"})
    return key


def check_payment_id(payment_id: str) -> str:
    """A valid payment id from the path, or ValidationError naming ``path.payment_id``."""
    try:
        return _identifier.validate_python(payment_id)
    except pydantic.ValidationError as exc:
        raise ValidationError(fields={"path.payment_id": exc.errors(include_url=False)[0]["msg"]}) from None


class ChargeRequest(_Request):
    """``{"order_id": "o-1", "amount": "12.50", "currency": "USD"}``"""

    order_id: OrderId
    currency: Currency = "USD"


class RefundRequest(_Request):
    """``{"amount": "12.50"}`` (the payment id is in the path)."""
