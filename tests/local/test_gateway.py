"""The local HTTP API gateway: routes from the emulator, real 2.0 events, API Gateway's response mapping."""

from __future__ import annotations

import base64
import http.client
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from scripts.emulator import Emulator
from scripts.local.gateway import Gateway, map_response, match_route, parse_route
from scripts.local.runtime import DataPlane

Deploy = Callable[..., str]

ECHO_EVENT = """
    import json

    def handler(event, context):
        return {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-invoked": context.invoked_function_arn},
            "cookies": ["session=abc; Path=/", "theme=dark"],
            "body": json.dumps(event),
        }
"""


def _routes(*keys: str) -> list[Any]:
    return [parse_route(key, None) for key in keys]


# -- route selection (pure) ----------------------------------------------------------------------------------


def test_the_most_specific_route_wins() -> None:
    routes = _routes("GET /orders/{id}", "GET /orders/latest", "ANY /{proxy+}", "GET /orders/{proxy+}", "$default")

    assert match_route(routes, "GET", "/orders/latest")[0].route_key == "GET /orders/latest"  # type: ignore[index]
    assert match_route(routes, "GET", "/orders/42") == (routes[0], {"id": "42"})
    assert match_route(routes, "GET", "/orders/42/items")[1] == {"proxy": "42/items"}  # type: ignore[index]
    assert match_route(routes, "DELETE", "/orders/42")[0].route_key == "ANY /{proxy+}"  # type: ignore[index]


def test_an_exact_method_beats_any_and_default_catches_the_rest() -> None:
    routes = _routes("ANY /orders", "POST /orders", "$default")

    assert match_route(routes, "POST", "/orders")[0].route_key == "POST /orders"  # type: ignore[index]
    assert match_route(routes, "GET", "/orders")[0].route_key == "ANY /orders"  # type: ignore[index]
    assert match_route(routes, "GET", "/customers")[0].route_key == "$default"  # type: ignore[index]


def test_no_route_and_no_default_is_no_match() -> None:
    routes = _routes("POST /orders", "GET /orders/{id}")

    assert match_route(routes, "GET", "/orders") is None
    assert match_route(routes, "GET", "/orders/1/2") is None
    assert match_route(routes, "GET", "/") is None


def test_path_parameters_are_url_decoded() -> None:
    assert match_route(_routes("GET /users/{email}"), "GET", "/users/a%40b.com")[1] == {"email": "a@b.com"}  # type: ignore[index]


# -- response mapping (pure) ---------------------------------------------------------------------------------


def test_a_bare_json_result_is_a_200_json_body() -> None:
    response = map_response(b'{"id": "o-1"}', None)

    assert (response.status, response.body) == (200, b'{"id": "o-1"}')
    assert ("content-type", "application/json") in response.headers


def test_a_base64_body_is_decoded_and_cookies_become_set_cookie() -> None:
    payload = {
        "statusCode": 200,
        "isBase64Encoded": True,
        "body": base64.b64encode(b"\x89PNG").decode(),
        "cookies": ["a=1", "b=2"],
        "headers": {"Content-Type": "image/png"},
    }

    response = map_response(json.dumps(payload).encode(), None)

    assert response.body == b"\x89PNG"
    assert [v for k, v in response.headers if k == "set-cookie"] == ["a=1", "b=2"]
    assert ("content-type", "image/png") in response.headers


@pytest.mark.parametrize(
    ("payload", "error"),
    [(b'{"errorMessage": "x"}', "Unhandled"), (b'{"statusCode": "abc"}', None), (b'{"statusCode": 99}', None)],
)
def test_function_errors_and_malformed_responses_are_500(payload: bytes, error: str | None) -> None:
    response = map_response(payload, error)

    assert response.status == 500
    assert json.loads(response.body) == {"message": "Internal Server Error"}


# -- the gateway against the emulator ------------------------------------------------------------------------


@pytest.fixture
def apigw(emulator: Emulator) -> Any:
    return boto3.client("apigatewayv2", endpoint_url=emulator.url, region_name="us-east-1")


def _integration(apigw: Any, api_id: str, function_arn: str) -> str:
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    created = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=uri,
        PayloadFormatVersion="2.0",
        IntegrationMethod="POST",
    )
    return f"integrations/{created['IntegrationId']}"


@pytest.fixture
def orders_api(
    apigw: Any, deploy: Deploy, lambda_client: Any, data_plane: DataPlane, emulator: Emulator
) -> Iterator[Gateway]:
    echo = deploy(ECHO_EVENT)
    bare = deploy("def handler(event, context):\n    return {'route': event['routeKey']}\n")
    failing = deploy("def handler(event, context):\n    raise RuntimeError('db down')\n")
    version = lambda_client.publish_version(FunctionName=echo)["Version"]
    lambda_client.create_alias(FunctionName=echo, Name="live", FunctionVersion=version)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:{}".format
    api_id = apigw.create_api(Name=f"orders-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")["ApiId"]
    to_echo = _integration(apigw, api_id, arn(echo) + ":live")
    for key in ("POST /orders", "GET /orders/{id}", "ANY /files/{proxy+}"):
        apigw.create_route(ApiId=api_id, RouteKey=key, Target=to_echo)
    apigw.create_route(ApiId=api_id, RouteKey="GET /broken", Target=_integration(apigw, api_id, arn(failing)))
    apigw.create_route(ApiId=api_id, RouteKey="$default", Target=_integration(apigw, api_id, arn(bare)))
    authorizer = apigw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="cognito",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Audience": ["orders-app"], "Issuer": "https://issuer.test"},
    )
    apigw.create_route(
        ApiId=api_id,
        RouteKey="GET /me",
        Target=to_echo,
        AuthorizationType="JWT",
        AuthorizerId=authorizer["AuthorizerId"],
    )
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, StageVariables={"env": "local"})
    with Gateway(emulator.url, data_plane.invoke, api_id=api_id) as gateway:
        yield gateway


def _request(
    gateway: Gateway, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_a_post_route_gets_a_real_2_0_event(orders_api: Gateway) -> None:
    # Given the orders API
    # When a client posts JSON with a query string, cookies and a custom header
    status, headers, body = _request(
        orders_api,
        "POST",
        "/orders?source=web&tag=a&tag=b",
        body=b'{"sku": "A-1", "qty": 2}',
        headers={"Content-Type": "application/json", "X-Client-Id": "c-7", "Cookie": "session=s1; theme=dark"},
    )
    event = json.loads(body)

    # Then the function saw a payload format 2.0 event and its response mapped through
    assert status == 201
    assert headers.get_all("set-cookie") == ["session=abc; Path=/", "theme=dark"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /orders"
    assert event["rawPath"] == "/orders"
    assert event["rawQueryString"] == "source=web&tag=a&tag=b"
    assert event["queryStringParameters"] == {"source": "web", "tag": "a,b"}
    assert event["cookies"] == ["session=s1", "theme=dark"]
    assert event["headers"]["x-client-id"] == "c-7"
    assert "cookie" not in event["headers"]
    assert event["requestContext"]["http"] == {
        "method": "POST",
        "path": "/orders",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": event["headers"].get("user-agent", ""),
    }
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["apiId"] == orders_api.api_id
    assert event["requestContext"]["requestId"]
    assert event["stageVariables"] == {"env": "local"}
    assert json.loads(event["body"]) == {"sku": "A-1", "qty": 2}
    assert event["isBase64Encoded"] is False
    assert "pathParameters" not in event
    # and the integration's alias qualifier reached the function
    assert headers["x-invoked"].endswith(":live")


def test_path_parameters_and_greedy_paths(orders_api: Gateway) -> None:
    _, _, order = _request(orders_api, "GET", "/orders/o-42")
    _, _, files = _request(orders_api, "DELETE", "/files/2024/07/receipt.pdf")

    assert json.loads(order)["pathParameters"] == {"id": "o-42"}
    assert json.loads(order)["routeKey"] == "GET /orders/{id}"
    assert json.loads(files)["pathParameters"] == {"proxy": "2024/07/receipt.pdf"}


def test_a_binary_body_arrives_base64_encoded(orders_api: Gateway) -> None:
    image = bytes(range(256))

    _, _, body = _request(orders_api, "PUT", "/files/cat.png", body=image, headers={"Content-Type": "image/png"})
    event = json.loads(body)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == image


def test_unmatched_paths_go_to_the_default_route_as_bare_json(orders_api: Gateway) -> None:
    status, headers, body = _request(orders_api, "GET", "/customers/9")

    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"route": "$default"}


def test_a_function_error_is_a_500_with_api_gateways_message(orders_api: Gateway) -> None:
    status, _, body = _request(orders_api, "GET", "/broken")

    assert status == 500
    assert json.loads(body) == {"message": "Internal Server Error"}


def test_a_jwt_route_rejects_a_missing_token_and_passes_claims(orders_api: Gateway) -> None:
    def token(claims: dict[str, Any]) -> str:
        part = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"eyJhbGciOiJub25lIn0.{part}.sig"

    good = {"iss": "https://issuer.test", "aud": "orders-app", "sub": "u-1", "exp": time.time() + 60}
    missing, _, missing_body = _request(orders_api, "GET", "/me")
    wrong, _, _ = _request(orders_api, "GET", "/me", headers={"Authorization": token({**good, "aud": "other"})})
    expired, _, _ = _request(orders_api, "GET", "/me", headers={"Authorization": token({**good, "exp": 1})})
    ok, _, body = _request(orders_api, "GET", "/me", headers={"Authorization": f"Bearer {token(good)}"})

    assert (missing, wrong, expired, ok) == (401, 401, 401, 201)
    assert json.loads(missing_body) == {"message": "Unauthorized"}
    assert json.loads(body)["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "u-1"


def test_an_api_without_a_default_route_answers_404_for_unknown_routes(
    apigw: Any, deploy: Deploy, data_plane: DataPlane, emulator: Emulator
) -> None:
    # Given an API with only GET /health on a named stage
    health = deploy("def handler(event, context):\n    return {'ok': True}\n")
    api_id = apigw.create_api(Name="health-only", ProtocolType="HTTP")["ApiId"]
    target = _integration(apigw, api_id, f"arn:aws:lambda:us-east-1:123456789012:function:{health}")
    apigw.create_route(ApiId=api_id, RouteKey="GET /health", Target=target)
    apigw.create_stage(ApiId=api_id, StageName="v1")

    with Gateway(emulator.url, data_plane.invoke, api_id=api_id) as gateway:
        # When a known route, an unknown route and a path outside the stage are requested
        known = _request(gateway, "GET", "/v1/health")
        unknown = _request(gateway, "GET", "/v1/orders")
        no_stage = _request(gateway, "GET", "/health")

    # Then only the known route reaches the function; the others are API Gateway's 404
    assert (known[0], json.loads(known[2])) == (200, {"ok": True})
    assert (unknown[0], json.loads(unknown[2])) == (404, {"message": "Not Found"})
    assert no_stage[0] == 404
