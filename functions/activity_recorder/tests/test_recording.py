"""Recording: each action is appended once, never overwritten, and the projection always equals a replay."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from activity_recorder import service, store
from activity_recorder.domain import new_event, parse_action
from activity_recorder.handler import lambda_handler
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from shared import aws
from tests.support.lambda_zips import load_event

from .conftest import USER

NOW = datetime(2024, 5, 13, 12, 0, tzinfo=UTC)


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    response = lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def log_items(table: str) -> list[dict[str, Any]]:
    query = aws.dynamodb_table(table).query(KeyConditionExpression=Key("pk").eq(f"user#{USER}"))
    return [item for item in query["Items"] if item["sk"].startswith("event#")]


def action(kind: str, at: str, **data: object) -> dict[str, Any]:
    return {"type": kind, "occurred_at": at, "data": data} if data else {"type": kind, "occurred_at": at}


def test_sample_action_is_recorded_and_projected(activity_table: str, lambda_context: Any) -> None:
    # Given the sample "2 of sku-1 added to the cart" request
    event = load_event("activity_recorder", "record_cart_item_added")
    # When it is recorded
    status, body = call(event, lambda_context)
    # Then the event keeps the client's id and time, and the projection holds the cart
    assert status == 201
    assert body["event"] == {
        "user_id": USER,
        "event_id": "3f1c9a8e-2b7d-4c6e-9a1f-5d8e7c6b4a32",
        "type": "cart_item_added",
        "data": {"sku": "sku-1", "quantity": 2},
        "occurred_at": "2024-05-13T10:45:10.000000Z",
        "recorded_at": body["event"]["recorded_at"],
    }
    assert body["state"]["cart"] == {"sku-1": 2}
    assert body["state"]["events_applied"] == 1
    assert len(log_items(activity_table)) == 1


def test_same_event_id_is_never_recorded_twice(activity_table: str, lambda_context: Any, post_event: Any) -> None:
    # Given the sample event already recorded
    call(load_event("activity_recorder", "record_cart_item_added"), lambda_context)
    stored = log_items(activity_table)
    # When it is sent again, once as is and once with the same id but another time and quantity
    again, body = call(load_event("activity_recorder", "record_cart_item_added"), lambda_context)
    changed = json.loads(load_event("activity_recorder", "record_cart_item_added")["body"])
    changed |= {"occurred_at": "2024-05-13T11:00:00Z", "data": {"sku": "sku-1", "quantity": 9}}
    moved, _ = call(post_event(changed), lambda_context)
    # Then both are refused as duplicates, the stored event is untouched and the projection counted it once
    assert (again, moved) == (409, 409)
    assert body["error"]["code"] == "duplicate_event"
    assert log_items(activity_table) == stored
    assert service.current_state(USER).cart == {"sku-1": 2}


def test_projection_equals_replay_even_with_a_late_event(activity_table: str) -> None:
    # Given a history recorded out of order (the 10:02 removal arrives after the 10:05 order)
    for body in [
        action("signed_in", "2024-05-13T10:00:00Z"),
        action("cart_item_added", "2024-05-13T10:01:00Z", sku="a", quantity=3),
        action("order_placed", "2024-05-13T10:05:00Z", order_id="o-1"),
        action("cart_item_added", "2024-05-13T10:06:00Z", sku="b", quantity=1),
        action("cart_item_removed", "2024-05-13T10:02:00Z", sku="a", quantity=1),
        action("product_viewed", "2024-05-13T10:03:00Z", sku="a"),
    ]:
        service.record_activity(USER, parse_action(body))
    # When the projection is compared with a replay of the log alone
    projection = service.current_state(USER)
    replayed = service.state_at(USER, datetime.now(UTC))
    # Then they are equal, and reflect log order (the order emptied the cart before b was added)
    assert projection == replayed
    assert projection.cart == {"b": 1}
    assert projection.events_applied == 6
    assert projection.recently_viewed == ("a",)


def test_state_at_time_ignores_later_events(activity_table: str) -> None:
    # Given events at 10:00, 10:10 and 10:20
    service.record_activity(USER, parse_action(action("cart_item_added", "2024-05-13T10:00:00Z", sku="a", quantity=1)))
    service.record_activity(USER, parse_action(action("cart_item_added", "2024-05-13T10:10:00Z", sku="b", quantity=2)))
    service.record_activity(USER, parse_action(action("order_placed", "2024-05-13T10:20:00Z", order_id="o-9")))
    # When the state is replayed at 10:15, exactly at 10:10, and just before 10:00
    at_1015 = service.state_at(USER, datetime(2024, 5, 13, 10, 15, tzinfo=UTC))
    at_1010 = service.state_at(USER, datetime(2024, 5, 13, 10, 10, tzinfo=UTC))
    before = service.state_at(USER, datetime(2024, 5, 13, 9, 59, 59, tzinfo=UTC))
    # Then only events up to each time count (inclusive), while the projection has all three
    assert (at_1015.cart, at_1015.orders_placed, at_1015.events_applied) == ({"a": 1, "b": 2}, 0, 2)
    assert at_1010 == at_1015
    assert before.events_applied == 0
    assert service.current_state(USER).orders_placed == 1


def test_concurrent_recordings_lose_nothing(activity_table: str, serialized_dynamodb: None) -> None:
    # Given 4 writers, released together, recording 5 actions each for the same user
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        start.wait()
        try:
            for i in range(5):
                at = f"2024-05-13T10:{n:02d}:{i:02d}Z"
                service.record_activity(USER, parse_action(action("cart_item_added", at, sku=f"s{n}", quantity=1)))
        except Exception as exc:  # noqa: BLE001 - a writer that gives up is the failure this test looks for
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    # When they all run
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then no writer gave up, all 20 events are in the log, and the state counts each exactly once
    assert failures == []
    assert len(log_items(activity_table)) == 20
    projection = service.current_state(USER)
    assert projection.events_applied == 20
    assert projection.cart == {f"s{n}": 5 for n in range(4)}
    assert projection == service.state_at(USER, datetime.now(UTC))


def test_an_append_does_not_depend_on_a_concurrent_writer(activity_table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given another invocation that records an event between our reading the log and our write
    real_append = store.append
    appends: list[str] = []

    def racing_append(event: Any) -> None:
        appends.append(event.event_id)
        if len(appends) == 1:
            real_append(new_event(USER, parse_action(action("signed_in", "2024-05-13T09:00:00Z")), now=NOW))
        real_append(event)

    monkeypatch.setattr(store, "append", racing_append)
    # When we record an action
    event, state = service.record_activity(
        USER, parse_action(action("cart_item_added", "2024-05-13T10:00:00Z", sku="a", quantity=1))
    )
    # Then our event was written in one attempt, and the state we get back counts both events
    assert appends == [event.event_id]
    assert (state.events_applied, state.sign_ins, state.cart) == (2, 1, {"a": 1})
    assert service.current_state(USER) == state


def test_the_same_event_id_in_flight_elsewhere_answers_503_with_retry_after(
    activity_table: str, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB cancelling our transaction because another request writes the same event id right now
    class Conflicting:
        def transact_write_items(self, **_: Any) -> None:
            error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
            reasons = [{"Code": "TransactionConflict"}, {"Code": "None"}]
            raise ClientError({"Error": error, "CancellationReasons": reasons}, "TransactWriteItems")

    monkeypatch.setattr(store.aws, "dynamodb", Conflicting)
    # When the request records its action
    status, body = call(load_event("activity_recorder", "record_cart_item_added"), lambda_context)
    # Then it is a retryable 503 (a retry then records it or finds the duplicate), not a 500
    assert status == 503
    assert body["error"]["code"] == "retryable"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "cart_emptied"}, "body.type"),
        ({"data": {}}, "body.type"),
        ({"type": "cart_item_added", "data": {"sku": "a", "quantity": 0}}, "body.data.quantity"),
        ({"type": "cart_item_added", "data": {"sku": "a", "quantity": "2"}}, "body.data.quantity"),
        ({"type": "cart_item_added", "data": {"quantity": 1}}, "body.data.sku"),
        ({"type": "product_viewed", "data": {"sku": "a b"}}, "body.data.sku"),
        ({"type": "signed_in", "occurred_at": "2024-05-13T10:00:00"}, "body.occurred_at"),
        ({"type": "signed_in", "occurred_at": "yesterday"}, "body.occurred_at"),
        ({"type": "signed_in", "event_id": "not-a-uuid"}, "body.event_id"),
        ({"type": "signed_in", "user_id": "someone-else"}, "body.user_id"),
    ],
)
def test_bad_action_is_400_naming_the_field(
    activity_table: str, lambda_context: Any, post_event: Any, body: dict[str, Any], field: str
) -> None:
    # Given an action with one bad field
    # When it is posted
    status, answer = call(post_event(body), lambda_context)
    # Then the 400 names that field and nothing is written
    assert status == 400
    assert list(answer["error"]["details"]["fields"]) == [field]
    assert log_items(activity_table) == []


def test_sample_unknown_type_is_400(activity_table: str, lambda_context: Any) -> None:
    # Given the sample request with an unknown action type
    # When it is posted
    status, body = call(load_event("activity_recorder", "record_unknown_type"), lambda_context)
    # Then the 400 lists the known types
    assert status == 400
    assert body["error"]["details"]["fields"]["body.type"].startswith("must be one of signed_in, product_viewed")


def test_action_dated_in_the_future_is_400(activity_table: str, lambda_context: Any, post_event: Any) -> None:
    # Given an action dated an hour from now
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    # When it is posted
    status, body = call(post_event({"type": "signed_in", "occurred_at": later}), lambda_context)
    # Then it is refused: replaying "now" could never include it
    assert status == 400
    assert list(body["error"]["details"]["fields"]) == ["body.occurred_at"]


def test_malformed_json_is_400(activity_table: str, lambda_context: Any, post_event: Any) -> None:
    # Given a body that is not JSON
    # When it is posted
    status, body = call(post_event("{type: signed_in"), lambda_context)
    # Then it is a 400 about the body
    assert (status, body["error"]["details"]["fields"]) == (400, {"body": "invalid JSON"})


def test_another_users_activity_is_forbidden(activity_table: str, lambda_context: Any, post_event: Any) -> None:
    # Given a caller whose token sub differs from the path's user
    # When they post to another user's log
    status, body = call(post_event({"type": "signed_in"}, user_id="someone-else"), lambda_context)
    # Then it is 403 and nothing is written
    assert status == 403
    assert body["error"]["code"] == "forbidden"


def test_missing_table_variable_is_a_500_whose_log_names_it(
    activity_table: str, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a deployment without ACTIVITY_TABLE
    monkeypatch.delenv("ACTIVITY_TABLE")
    # When a request arrives
    status, body = call(load_event("activity_recorder", "record_cart_item_added"), lambda_context)
    # Then the client gets a bare 500 and the log names the variable
    assert (status, body["error"]["message"]) == (500, "internal error")
    assert "missing ACTIVITY_TABLE" in caplog.text
