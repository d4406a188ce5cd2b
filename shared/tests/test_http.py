from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import pydantic
import pytest

from shared.errors import (
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from shared.http import Query, json_body, json_dumps, make_resolver


def test_json_dumps_writes_decimals_as_numbers() -> None:
    assert json_dumps({"qty": Decimal("3"), "price": Decimal("12.50")}) == '{"qty":3,"price":12.5}'


def test_json_dumps_handles_models_dataclasses_and_sets() -> None:
    @dataclass
    class Line:
        sku: str

    class Order(pydantic.BaseModel):
        id: str

    assert json.loads(json_dumps({"line": Line("a"), "order": Order(id="o"), "tags": {"b", "a"}})) == {
        "line": {"sku": "a"},
        "order": {"id": "o"},
        "tags": ["a", "b"],
    }


def test_json_dumps_refuses_unknown_types() -> None:
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        json_dumps({"x": object()})


def test_json_body_parses_plain_and_base64_bodies(http_event: Any) -> None:
    event = http_event(method="POST", headers={"content-type": "application/json"}, body={"qty": 1.5})
    assert json_body(event) == {"qty": Decimal("1.5")}
    event["body"] = base64.b64encode(b'{"qty": 2}').decode()
    event["isBase64Encoded"] = True
    assert json_body(event) == {"qty": 2}


@pytest.mark.parametrize(
    ("headers", "body", "error", "message"),
    [
        ({"content-type": "text/xml"}, "<a/>", UnsupportedMediaTypeError, "content-type must be application/json"),
        ({"content-type": "application/json"}, "x" * 300, PayloadTooLargeError, "request body is 300 bytes"),
        ({"content-type": "application/json"}, "{not json", ValidationError, "request body is not valid JSON"),
        ({"content-type": "application/json"}, "[1, 2]", ValidationError, "request body must be a JSON object"),
        ({"content-type": "application/json"}, None, ValidationError, "request body is required"),
    ],
)
def test_json_body_refuses_bad_bodies_with_a_clear_error(
    http_event: Any, headers: dict[str, str], body: str | None, error: type[Exception], message: str
) -> None:
    event = http_event(method="POST", headers=headers, body=body)
    with pytest.raises(error, match=message):
        json_body(event, max_bytes=200)


def json_event(http_event: Any, body: str, *, base64_encoded: bool = False) -> dict[str, Any]:
    event = http_event(method="POST", headers={"content-type": "application/json"}, body=body)
    if base64_encoded:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body.encode("latin-1")).decode(), True
    return event


def nested(depth: int, leaf: str = "1") -> str:
    return '{"a":' + "[" * (depth - 1) + leaf + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        (nested(999), "nested more than 32 levels deep", "nested too deeply"),
        (nested(7000), "nested more than 32 levels deep", "nested too deeply"),
        ("[" * 16_000, "nested more than 32 levels deep", "nested too deeply"),
        ('{"n": ' + "9" * 5000 + "}", "a number of 5000 characters; at most 40", "number too long"),
        ('{"n": 0.' + "1" * 100 + "}", "a number of 102 characters; at most 40", "number too long"),
        ('{"n": 1e999999999}', "a number outside 1e-40..1e40", "number out of range"),
        ('{"n": NaN}', "contains NaN, which is not a JSON number", "not JSON"),
        ('{"n": -Infinity}', "contains -Infinity, which is not a JSON number", "not JSON"),
        ('{"s": "\\ud800"}', "lone UTF-16 surrogate", "invalid unicode"),
        ('{"\\udc00": 1}', "lone UTF-16 surrogate", "invalid unicode"),
    ],
)
def test_hostile_json_is_a_400_naming_body(http_event: Any, body: str, message: str, field: str) -> None:
    # Given a body under the size limit built to exhaust the parser (or the code after it)
    event = json_event(http_event, body)
    # When it is read
    with pytest.raises(ValidationError, match=message) as raised:
        json_body(event, max_bytes=32_768)
    # Then it is a 400 that names the body and what is wrong with it
    assert raised.value.status == 400
    assert raised.value.fields == {"body": field}


def test_json_at_the_depth_limit_and_brackets_in_strings_are_accepted(http_event: Any) -> None:
    # Given a body exactly 32 deep whose strings hold thousands of brackets and escaped quotes
    leaf = '"' + '[{\\"' * 2000 + '"'
    event = json_event(http_event, nested(32, leaf))
    # When it is read
    parsed = json_body(event, max_bytes=32_768)
    # Then it parses whole
    innermost = parsed["a"]
    for _ in range(30):
        innermost = innermost[0]
    assert innermost == ['[{"' * 2000]


def test_json_numbers_within_bounds_keep_their_exact_value(http_event: Any) -> None:
    event = json_event(http_event, '{"big": ' + "9" * 40 + ', "small": 1.5e-40, "zero": 0e-999}')
    assert json_body(event) == {"big": int("9" * 40), "small": Decimal("1.5e-40"), "zero": Decimal(0)}


def test_a_paired_surrogate_escape_is_accepted(http_event: Any) -> None:
    event = json_event(http_event, '{"emoji": "\\ud83d\\ude00"}')
    assert json_body(event) == {"emoji": "\U0001f600"}


@pytest.mark.parametrize(
    ("raw", "base64_encoded"),
    [('{"a": "\xff\xfe"}', True), ('{"a": "\ud800"}', False)],
)
def test_a_body_that_is_not_utf8_is_a_400(http_event: Any, raw: str, base64_encoded: bool) -> None:
    # Given invalid UTF-8 bytes (base64) or a lone surrogate in the event's text
    event = json_event(http_event, raw, base64_encoded=base64_encoded)
    # When it is read, Then it is a 400 about the body, not a UnicodeError
    with pytest.raises(ValidationError, match="not valid UTF-8"):
        json_body(event)


def test_a_body_that_is_not_a_string_is_a_400(http_event: Any) -> None:
    event = http_event(method="POST", headers={"content-type": "application/json"}, body="{}")
    event["body"] = {"already": "parsed"}
    with pytest.raises(ValidationError, match="must be text"):
        json_body(event)


class CreateOrder(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    sku: str
    qty: int = pydantic.Field(gt=0)


class Page(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    limit: int = pydantic.Field(default=10, ge=1, le=100)


def signed_in(event: Any) -> str:
    if event["headers"].get("x-user") != "alice":
        raise ForbiddenError("alice only")
    return "alice"


def build_app(*, authorize: Any = None) -> Any:
    app = make_resolver(max_body_bytes=200, authorize=authorize)

    @app.get("/orders/<order_id>", compress=True)
    def get_order(order_id: str) -> dict[str, Any]:
        if order_id == "missing":
            raise NotFoundError(f"no order {order_id}")
        if order_id == "boom":
            raise RuntimeError("connection string postgres://admin:secret@db")
        return {"id": order_id, "total": Decimal("19.90"), "blob": "x" * (2000 if order_id == "big" else 1)}

    @app.delete("/orders/<order_id>")
    def delete_order(order_id: str) -> dict[str, Any]:
        return {}

    @app.post("/orders")
    def create_order(order: CreateOrder) -> dict[str, Any]:
        return {"sku": order.sku}

    @app.get("/orders")
    def list_orders(page: Annotated[Page, Query()]) -> dict[str, Any]:
        return {"limit": page.limit}

    return app


def test_resolver_serializes_decimals_as_numbers(http_event: Any, lambda_context: Any) -> None:
    response = build_app().resolve(http_event(path="/orders/o-1"), lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"id": "o-1", "total": 19.9, "blob": "x"}


def test_resolver_maps_taxonomy_errors_to_their_status(http_event: Any, lambda_context: Any) -> None:
    response = build_app().resolve(http_event(path="/orders/missing"), lambda_context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {
        "error": {"code": "not_found", "message": "no order missing", "request_id": lambda_context.aws_request_id}
    }


def test_resolver_maps_model_errors_to_400_naming_the_field(http_event: Any, lambda_context: Any) -> None:
    event = http_event(method="POST", path="/orders", body={"sku": "a", "qty": 0})
    response = build_app().resolve(event, lambda_context)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["details"]["fields"] == {"body.qty": "Input should be greater than 0"}


def test_resolver_hides_unexpected_errors_behind_a_500(http_event: Any, lambda_context: Any) -> None:
    response = build_app().resolve(http_event(path="/orders/boom"), lambda_context)
    assert response["statusCode"] == 500
    assert "secret" not in response["body"]
    assert json.loads(response["body"])["error"]["request_id"] == lambda_context.aws_request_id


def test_resolver_answers_unknown_routes_in_the_same_shape(http_event: Any, lambda_context: Any) -> None:
    response = build_app().resolve(http_event(path="/nowhere"), lambda_context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["message"] == "no route for GET /nowhere"


def test_resolver_leaves_cors_to_the_http_api(http_event: Any, lambda_context: Any) -> None:
    # Given a cross-origin request reaching the function (the API answered the preflight already)
    event = http_event(method="GET", path="/orders/o-1", headers={"origin": "https://evil.example"})

    # When the resolver answers it
    response = build_app().resolve(event, lambda_context)

    # Then it is served as any request
    assert response["statusCode"] == 200
    # and it carries no CORS header of its own: API Gateway adds the configured ones for allowed origins only
    assert not [name for name in response.get("headers", {}) if name.lower().startswith("access-control-")]


def test_json_dumps_escapes_a_lone_surrogate_so_the_body_can_be_sent() -> None:
    # Given a value holding a lone surrogate (e.g. a path echoed in a 404 message) next to ordinary unicode
    text = json_dumps({"message": "no route for GET /health\ud800", "name": "José"})
    # Then the JSON text encodes as UTF-8, and reads back as the same value
    assert text.encode("utf-8")
    assert json.loads(text) == {"message": "no route for GET /health\ud800", "name": "José"}


def test_a_404_echoing_a_lone_surrogate_is_still_json(http_event: Any, lambda_context: Any) -> None:
    # Given a path with a lone surrogate, asked by a client accepting gzip
    event = http_event(path="/nothing/" + "\ud800" * 600, headers={"accept-encoding": "gzip"})
    # When the resolver answers, Then the 404 is JSON that encodes
    response = build_app().resolve(event, lambda_context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"].encode("utf-8"))["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("PUT", "/orders", "GET, POST"), ("POST", "/orders/o-1", "GET, DELETE")],
)
def test_a_known_path_with_another_method_is_405_allowing_the_routes_methods(
    http_event: Any, lambda_context: Any, method: str, path: str, allow: str
) -> None:
    # Given routes registered for GET+POST /orders and GET+DELETE /orders/<id>
    # When a path is asked with a method it has no route for
    response = build_app().resolve(http_event(method=method, path=path), lambda_context)
    # Then it is a 405 whose Allow lists exactly the registered methods
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == allow
    assert json.loads(response["body"])["error"]["details"] == {"allowed": allow.split(", ")}


def test_a_route_added_later_shows_in_allow(http_event: Any, lambda_context: Any) -> None:
    # Given one more method registered on a path
    app = build_app()

    @app.patch("/orders/<order_id>")
    def patch_order(order_id: str) -> dict[str, Any]:
        return {}

    # When another method is asked, Then Allow follows the routes (no hand-kept table)
    response = app.resolve(http_event(method="PUT", path="/orders/o-1"), lambda_context)
    assert response["headers"]["Allow"] == "GET, PATCH, DELETE"


def test_a_compressed_route_gzips_for_clients_that_accept_gzip(http_event: Any, lambda_context: Any) -> None:
    app = build_app()
    plain = app.resolve(http_event(path="/orders/big"), lambda_context)
    zipped = app.resolve(http_event(path="/orders/big", headers={"accept-encoding": "gzip, br"}), lambda_context)
    assert (plain["isBase64Encoded"], "Content-Encoding" in plain["headers"]) == (False, False)
    assert (zipped["isBase64Encoded"], zipped["headers"]["Content-Encoding"]) == (True, "gzip")
    assert gzip.decompress(base64.b64decode(zipped["body"])).decode() == plain["body"]


def test_a_route_without_compress_is_never_gzipped(http_event: Any, lambda_context: Any) -> None:
    event = http_event(method="POST", path="/orders", headers={"accept-encoding": "gzip"}, body={"sku": "a", "qty": 1})
    response = build_app().resolve(event, lambda_context)
    assert (response["statusCode"], response["isBase64Encoded"]) == (200, False)


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"limit": "0"}, {"query.limit": "Input should be greater than or equal to 1"}),
        ({"page": "2"}, {"query.page": "Extra inputs are not permitted"}),
    ],
)
def test_query_model_errors_name_the_query_parameter(
    http_event: Any, lambda_context: Any, query: dict[str, str], fields: dict[str, str]
) -> None:
    event = http_event(path="/orders")
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    response = build_app().resolve(event, lambda_context)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["details"]["fields"] == fields


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"content-type": "text/xml"}, "<a/>", 415, "unsupported_media_type"),
        ({"content-type": "application/x-www-form-urlencoded"}, "sku=a&qty=1", 415, "unsupported_media_type"),
        ({"content-type": "application/json"}, '{"sku": "' + "x" * 300 + '"}', 413, "payload_too_large"),
        ({"content-type": "application/json"}, "[1]", 400, "validation_error"),
        ({"content-type": "application/json"}, None, 400, "validation_error"),
    ],
)
def test_bodies_are_read_through_the_guard(
    http_event: Any, lambda_context: Any, headers: dict[str, str], body: str | None, status: int, code: str
) -> None:
    event = http_event(method="POST", path="/orders", headers=headers, body=body)
    response = build_app().resolve(event, lambda_context)
    assert response["statusCode"] == status
    assert json.loads(response["body"])["error"]["code"] == code


def test_authorize_answers_before_the_input_is_validated(http_event: Any, lambda_context: Any) -> None:
    # Given a resolver whose routes are for alice only, and a stranger sending an invalid body
    app = build_app(authorize=signed_in)
    event = http_event(method="POST", path="/orders", body={"qty": 0})
    # When it answers, Then the stranger learns 403, not the body's rules
    assert app.resolve(event, lambda_context)["statusCode"] == 403
    # and alice gets the 400, while an unknown path is a 404 for anyone
    event["headers"]["x-user"] = "alice"
    assert app.resolve(event, lambda_context)["statusCode"] == 400
    assert app.resolve(http_event(path="/nowhere"), lambda_context)["statusCode"] == 404
