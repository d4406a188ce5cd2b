"""The fuzz suite's own judge: it must fail on each kind of bad answer, or the suite proves nothing."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.checks import assert_safe_answer

EVENT = {"rawPath": "/users/AError/visits", "headers": {"content-type": "text/plain"}}


def answer(status: int, body: object, content_type: str = "application/json") -> dict[str, object]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": text, "isBase64Encoded": False}


@pytest.mark.parametrize(
    ("response", "complaint"),
    [
        (answer(500, {"error": {"code": "internal_error"}}), "500"),
        (answer(502, ""), "502"),
        (answer(400, "<html>Bad Request</html>", "text/html"), "not declared JSON"),
        (answer(400, "{not json"), "not JSON"),
        (answer(400, {"error": {"message": "RecursionError: maximum recursion depth"}}), "RecursionError"),
        (answer(400, {"error": {"message": 'Traceback (most recent call last): File "x"'}}), "Traceback"),
        (answer(400, {"error": {"message": "in /var/task/orders_api/service.py"}}), "internal detail"),
        ("not a response", "not a payload 2.0 response"),
        ({"body": "{}"}, "no integer statusCode"),
    ],
)
def test_a_bad_answer_fails_the_check(response: object, complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint):
        assert_safe_answer(response, EVENT)


def test_an_echo_of_what_the_client_sent_is_not_a_leak() -> None:
    # Given a 404 naming the path the client sent, which happens to read like an exception name
    status, body = assert_safe_answer(answer(404, {"error": {"message": "no route for /users/AError/visits"}}), EVENT)
    # Then it passes, parsed
    assert (status, body["error"]["message"]) == (404, "no route for /users/AError/visits")


def test_an_empty_204_passes() -> None:
    assert assert_safe_answer({"statusCode": 204, "headers": {}, "body": ""}, EVENT) == (204, None)
