"""POST /uploads: a presigned POST for exactly one object, bounded type, size and lifetime."""

from __future__ import annotations

import base64
import copy
import json
import re
import time
from typing import Any

import pytest
from upload_url.handler import lambda_handler
from upload_url.policy import EXPIRES_IN_SECONDS, MAX_BYTES

from tests.support.lambda_zips import load_event

USER = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"  # the sub in the sample events' JWT claims
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
KEY = re.compile(rf"^uploads/{USER}/{UUID}\.(csv|jpg|png)$")


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    response = lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def as_caller(jwt: object, sample: str = "create_upload_csv") -> dict[str, Any]:
    """A sample request with other authorizer output (``None``: no authorizer at all)."""
    event = copy.deepcopy(load_event("upload_url", sample))
    if jwt is None:
        del event["requestContext"]["authorizer"]
    else:
        event["requestContext"]["authorizer"] = {"jwt": jwt}
    return event


def with_body(body: object, **headers: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("upload_url", "create_upload_csv"))
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    event["headers"].update(headers)
    return event


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    return json.loads(base64.b64decode(fields["policy"]))


def test_csv_request_gets_a_presigned_post_for_one_csv_key(bucket: str, lambda_context: Any) -> None:
    # Given the sample request for a 52311-byte CSV
    event = load_event("upload_url", "create_upload_csv")
    # When the function answers it
    status, body = call(event, lambda_context)
    # Then the form targets a fresh uploads/<user>/<uuid>.csv key with that content type
    assert status == 200
    assert KEY.match(body["key"])
    assert body["key"].endswith(".csv")
    assert body["fields"]["key"] == body["key"]
    assert body["fields"]["Content-Type"] == "text/csv"
    assert body["content_type"] == "text/csv"
    assert body["max_bytes"] == 52311
    assert bucket in body["url"]


def test_policy_bounds_size_type_key_and_expiry(bucket: str, lambda_context: Any) -> None:
    # Given a CSV request
    before = time.time()
    # When the function signs the form
    _, body = call(load_event("upload_url", "create_upload_csv"), lambda_context)
    # Then the signed policy pins the key and type, caps the size at the declared bytes, and expires soon
    policy = policy_of(body["fields"])
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 52311] in conditions
    assert {"Content-Type": "text/csv"} in conditions
    assert ["eq", "$key", body["key"]] in conditions
    assert {"bucket": bucket} in conditions
    expires = time.mktime(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert before + EXPIRES_IN_SECONDS - 5 <= expires <= time.time() + EXPIRES_IN_SECONDS + 5
    assert abs(body["expires_at"] - (before + EXPIRES_IN_SECONDS)) <= 5


def test_png_request_gets_a_png_key(bucket: str, lambda_context: Any) -> None:
    # Given the sample PNG request
    # When the function answers it
    status, body = call(load_event("upload_url", "create_upload_png"), lambda_context)
    # Then the key carries the .png extension and the image content type
    assert status == 200
    assert body["key"].endswith(".png")
    assert body["fields"]["Content-Type"] == "image/png"


def test_each_request_gets_a_different_key(bucket: str, lambda_context: Any) -> None:
    # Given the same request twice
    event = load_event("upload_url", "create_upload_csv")
    # When both are answered
    first, second = call(event, lambda_context)[1], call(event, lambda_context)[1]
    # Then no two uploads can overwrite each other
    assert first["key"] != second["key"]


def test_unsupported_content_type_is_400_naming_content_type(bucket: str, lambda_context: Any) -> None:
    # Given a request for a PDF
    # When the function answers it
    status, body = call(load_event("upload_url", "create_upload_bad_type"), lambda_context)
    # Then it is refused naming the field
    assert status == 400
    assert list(body["error"]["details"]["fields"]) == ["body.content_type"]


def test_oversized_image_is_400_naming_size_and_limit(bucket: str, lambda_context: Any) -> None:
    # Given a request for a 50 MiB JPEG
    # When the function answers it
    status, body = call(load_event("upload_url", "create_upload_too_large"), lambda_context)
    # Then it is refused naming the size field and the limit for that type
    assert status == 400
    assert body["error"]["details"]["fields"] == {
        "body.size": f"Value error, must be at most {MAX_BYTES['image/jpeg']} bytes for image/jpeg"
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content_type": "text/csv"}, "body.size"),
        ({"size": 10}, "body.content_type"),
        ({"content_type": "text/csv", "size": 0}, "body.size"),
        ({"content_type": "text/csv", "size": "10"}, "body.size"),
        ({"content_type": "text/csv", "size": 10.5}, "body.size"),
        ({"content_type": "text/csv", "size": 10, "bucket": "other"}, "body.bucket"),
    ],
)
def test_bad_field_is_400_naming_it(bucket: str, lambda_context: Any, body: dict[str, Any], field: str) -> None:
    # Given a body with one bad or missing field
    # When the function answers it
    status, answer = call(with_body(body), lambda_context)
    # Then the 400 names exactly that field
    assert status == 400
    assert list(answer["error"]["details"]["fields"]) == [field]


def test_malformed_json_is_400(bucket: str, lambda_context: Any) -> None:
    # Given a body that is not JSON
    # When the function answers it
    status, body = call(with_body("{content_type: csv"), lambda_context)
    # Then it is a 400 about the body
    assert status == 400
    assert body["error"]["details"]["fields"] == {"body": "invalid JSON"}


def test_non_json_content_type_is_415(bucket: str, lambda_context: Any) -> None:
    # Given a form-encoded body
    event = with_body("content_type=text/csv&size=10", **{"content-type": "application/x-www-form-urlencoded"})
    # When the function answers it
    status, body = call(event, lambda_context)
    # Then it is refused as an unsupported media type
    assert status == 415
    assert body["error"]["code"] == "unsupported_media_type"


def test_missing_bucket_variable_is_a_500_without_internals(
    bucket: str, lambda_context: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a deployment that forgot UPLOADS_BUCKET
    monkeypatch.delenv("UPLOADS_BUCKET")
    # When a request arrives
    status, body = call(load_event("upload_url", "create_upload_csv"), lambda_context)
    # Then the client sees only a 500 with the request id, and the log names the missing variable
    assert status == 500
    assert body["error"]["message"] == "internal error"
    assert "UPLOADS_BUCKET" not in json.dumps(body)
    assert "missing UPLOADS_BUCKET" in caplog.text


def test_each_user_gets_forms_only_for_their_own_prefix(bucket: str, lambda_context: Any) -> None:
    # Given alice (the samples' user) and bob, each asking for an upload
    alice = call(load_event("upload_url", "create_upload_csv"), lambda_context)[1]
    bob = call(as_caller({"claims": {"sub": "bob", "username": "bob"}, "scopes": None}), lambda_context)[1]
    # Then bob's signed policy pins a key under uploads/bob/ only: his form can never write into alice's uploads
    assert alice["key"].startswith(f"uploads/{USER}/")
    assert re.fullmatch(rf"uploads/bob/{UUID}\.csv", bob["key"])
    assert ["eq", "$key", bob["key"]] in policy_of(bob["fields"])["conditions"]


def test_a_caller_cannot_choose_the_key(bucket: str, lambda_context: Any) -> None:
    # Given bob asking for a form with alice's prefix as the key
    event = with_body({"content_type": "text/csv", "size": 10, "key": f"uploads/{USER}/x.csv"})
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "bob"
    # When the function answers it
    status, body = call(event, lambda_context)
    # Then the field is refused, not honoured
    assert (status, list(body["error"]["details"]["fields"])) == (400, ["body.key"])


@pytest.mark.parametrize(
    "jwt",
    [
        None,
        {"claims": None},
        {"claims": {"username": "alice"}},
        {"claims": {"sub": "../alice"}},
        {"claims": {"sub": 7}},
    ],
    ids=["no-authorizer", "null-claims", "no-sub", "path-sub", "number-sub"],
)
def test_no_or_odd_claims_are_401(bucket: str, lambda_context: Any, jwt: object) -> None:
    # Given a request without a usable JWT sub claim
    # When the function answers it
    status, body = call(as_caller(jwt), lambda_context)
    # Then it is a 401 JSON error: no form is signed for nobody (or for a path-like "user")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert "fields" not in body
