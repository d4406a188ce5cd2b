"""Visit counting: counts and timestamps, reads, bad user ids, and no lost counts under concurrency."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from user_visits.visits import record_visit


def test_first_visit_counts_one_with_no_previous_visit(call) -> None:
    status, body = call("record_visit")

    assert status == 200
    assert body["user_id"] == "u-1234"
    assert body["visits"] == 1
    assert body["previous_visit"] is None
    assert body["first_visit"] == body["last_visit"]


def test_next_visit_counts_up_and_remembers_the_previous_one(visits_table) -> None:
    # Given a visit at 10:00
    record_visit("u-1", now="2024-04-30T10:00:00.000Z")

    # When the user comes back at 11:00
    second = record_visit("u-1", now="2024-04-30T11:00:00.000Z")

    # Then the count is 2, the last visit is now and the previous one is 10:00
    assert (second.visits, second.last_visit, second.previous_visit, second.first_visit) == (
        2,
        "2024-04-30T11:00:00.000Z",
        "2024-04-30T10:00:00.000Z",
        "2024-04-30T10:00:00.000Z",
    )


def test_users_are_counted_separately(call) -> None:
    call("record_visit", "alice")
    call("record_visit", "alice")

    assert call("record_visit", "bob")[1]["visits"] == 1


def test_read_returns_the_count_without_counting(call) -> None:
    call("record_visit")

    first, second = call("read_visits"), call("read_visits")

    assert first == second
    assert first[0] == 200
    assert first[1]["visits"] == 1


def test_read_for_a_user_never_seen_answers_404(call) -> None:
    status, body = call("read_visits", "nobody")

    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_bad_user_id_answers_400_naming_it(call) -> None:
    status, body = call("record_visit", "-" + "x" * 200, as_user="u-1234")

    assert status == 400
    assert list(body["error"]["details"]["fields"]) == ["path.user_id"]


def test_concurrent_visits_are_never_lost(serialized_dynamodb, visits_table) -> None:
    # Given 8 threads that each record 25 visits for the same user at the same moment
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def visitor() -> None:
        start.wait()
        for _ in range(25):
            count = record_visit("busy-user").visits
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=visitor) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then all 200 visits were counted, and each visit got its own count (no two increments saw the same value)
    stored = visits_table.get_item(TableName="visits", Key={"pk": {"S": "USER#busy-user"}, "sk": {"S": "VISITS"}})
    assert stored["Item"]["visits"] == {"N": "200"}
    assert Counter(seen) == Counter(range(1, 201))


def test_concurrent_visits_over_http_are_never_lost(
    serialized_dynamodb, aws_endpoint, visits_table_factory, monkeypatch
) -> None:
    # Given the table on a real moto server, reached over loopback HTTP like DynamoDB itself
    from shared.aws import reset_clients
    from shared.settings import reset_settings

    visits_table_factory(aws_endpoint.client("dynamodb"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws_endpoint.region)
    monkeypatch.setenv("VISITS_TABLE", "visits")
    reset_clients()
    reset_settings()

    # When 8 threads record 25 visits each at once
    start = threading.Barrier(8)

    def visitor() -> None:
        start.wait()
        for _ in range(25):
            record_visit("busy-user")

    threads = [threading.Thread(target=visitor) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reset_clients()

    # Then the stored count is exactly 200
    stored = aws_endpoint.client("dynamodb").get_item(
        TableName="visits", Key={"pk": {"S": "USER#busy-user"}, "sk": {"S": "VISITS"}}
    )
    assert stored["Item"]["visits"] == {"N": "200"}


def test_another_user_gets_403_on_every_route_and_changes_nothing(call) -> None:
    # Given alice has one visit
    call("record_visit", "alice")

    # When bob, signed in, counts and reads alice's visits
    answers = [call(route, "alice", as_user="bob") for route in ("record_visit", "read_visits")]

    # Then both are refused, and alice's count is untouched
    assert [(status, body["error"]["code"]) for status, body in answers] == [(403, "forbidden"), (403, "forbidden")]
    assert call("read_visits", "alice")[1]["visits"] == 1


@pytest.mark.parametrize("as_user", [None, "", "-x", "x" * 129, 42, ["alice"]], ids=repr)
@pytest.mark.parametrize("route", ["record_visit", "read_visits"])
def test_no_or_odd_sub_claim_is_401(call, route: str, as_user: object) -> None:
    # Given a request without a usable JWT sub claim (no authorizer, empty, malformed, not a string)
    # When it reaches either route
    status, body = call(route, "alice", as_user=as_user)

    # Then it is a 401 JSON error, never a 500 or an anonymous visit
    assert (status, body["error"]["code"]) == (401, "unauthorized")
