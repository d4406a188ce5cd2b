"""The message contracts: what a producer builds is what its consumer accepts, and bad fields are named."""

from __future__ import annotations

import pydantic
import pytest

from shared.contracts import BulkOrderMessage, ImportedOrder, OrderLine

LINE = {"sku": "sku-1", "quantity": 2, "price": "9.99"}
MESSAGE = {"job_id": "job-1", "index": 3, "order": {"order_id": "job-1-00003", "customer_id": "c-1", "items": [LINE]}}


def test_a_bulk_message_round_trips_through_json_unchanged() -> None:
    # Given a message as bulk_dispatcher builds it
    built = BulkOrderMessage(
        job_id="job-1",
        index=3,
        order=ImportedOrder(order_id="job-1-00003", customer_id="c-1", items=[OrderLine(**LINE)]),
    )
    # When it is sent as JSON and parsed on the consumer side
    parsed = BulkOrderMessage.model_validate_json(built.model_dump_json())
    # Then the consumer sees exactly the producer's fields
    assert parsed == built
    assert built.model_dump() == MESSAGE


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"price": 9.99}, ("order", "items", 0, "price")),  # money is a string, never a float
        ({"price": "9.999"}, ("order", "items", 0, "price")),
        ({"quantity": 0}, ("order", "items", 0, "quantity")),
        ({"quantity": "2"}, ("order", "items", 0, "quantity")),  # strict: no coercion from strings
        ({"sku": "-starts-with-dash"}, ("order", "items", 0, "sku")),
        ({"colour": "red"}, ("order", "items", 0, "colour")),  # unknown fields are rejected
    ],
)
def test_an_invalid_line_is_rejected_naming_the_field(change: dict[str, object], location: tuple[object, ...]) -> None:
    # Given a message whose only line has one bad field
    body = {**MESSAGE, "order": {**MESSAGE["order"], "items": [LINE | change]}}  # type: ignore[dict-item]
    # When it is parsed
    with pytest.raises(pydantic.ValidationError) as caught:
        BulkOrderMessage.model_validate(body)
    # Then the error points at that field
    assert [error["loc"] for error in caught.value.errors()] == [location]


def test_messages_are_immutable() -> None:
    message = BulkOrderMessage.model_validate(MESSAGE)
    with pytest.raises(pydantic.ValidationError):
        message.index = 4  # type: ignore[misc]
