"""The local HTTP API gateway: routes from the emulator, real 2.0 events, API Gateway's response mapping."""

from __future__ import annotations

import base64
import http.client
import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from joserfc import jws
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from scripts.emulator import Emulator
from scripts.local import cors
from scripts.local.authorizer import Authorizer, JwksKeys, verify_jwt
from scripts.local.cors import CorsConfig
from scripts.local.gateway import LISTEN_BACKLOG, Gateway, map_response, match_route, parse_route
from scripts.local.runtime import DataPlane

Deploy = Callable[..., str]

ECHO_EVENT = """
    import json

    def handler(event, context):
        return {
            "statusCode": 201,
            "headers": {
                "content-type": "application/json",
                "x-invoked": context.invoked_function_arn,
                "access-control-allow-origin": "*",
            },
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


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str
    issuer: str
    id_token: str
    access_token: str


@pytest.fixture
def user_pool(emulator: Emulator) -> UserPool:
    """A Cognito pool on the emulator with one signed-in user: tokens signed by the key its JWKS serves."""
    cognito = boto3.client("cognito-idp", endpoint_url=emulator.url, region_name="us-east-1")
    pool_id = cognito.create_user_pool(PoolName=f"users-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    password = "Pw-" + secrets.token_urlsafe(12) + "a1A"
    cognito.admin_create_user(UserPoolId=pool_id, Username="ann", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="ann", Password=password, Permanent=True)
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": password},
    )["AuthenticationResult"]
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    return UserPool(pool_id, client_id, issuer, tokens["IdToken"], tokens["AccessToken"])


ALLOWED_ORIGIN = "http://localhost:3000"
CORS_CONFIGURATION = {
    "AllowOrigins": [ALLOWED_ORIGIN, "http://127.0.0.1:3000"],
    "AllowMethods": ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    "AllowHeaders": ["authorization", "content-type", "idempotency-key"],
    "ExposeHeaders": ["Retry-After", "Location"],
    "MaxAge": 300,
}


@pytest.fixture
def orders_api(
    apigw: Any, deploy: Deploy, lambda_client: Any, data_plane: DataPlane, emulator: Emulator, user_pool: UserPool
) -> Iterator[Gateway]:
    echo = deploy(ECHO_EVENT)
    bare = deploy("def handler(event, context):\n    return {'route': event['routeKey']}\n")
    failing = deploy("def handler(event, context):\n    raise RuntimeError('db down')\n")
    version = lambda_client.publish_version(FunctionName=echo)["Version"]
    lambda_client.create_alias(FunctionName=echo, Name="live", FunctionVersion=version)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:{}".format
    api_id = apigw.create_api(
        Name=f"orders-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP", CorsConfiguration=CORS_CONFIGURATION
    )["ApiId"]
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
        JwtConfiguration={"Audience": [user_pool.client_id], "Issuer": user_pool.issuer},
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


# -- JWT verification (pure: keys injected) ------------------------------------------------------------------

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
AUTHORIZER = Authorizer(issuer=ISSUER, audience=("web-client",), header="authorization")
NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def issuer_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1"})


@pytest.fixture(scope="module")
def other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1"})


def _sign(key: RSAKey, claims: object, *, alg: str = "RS256", kid: str = "k1") -> str:
    return jws.serialize_compact({"alg": alg, "kid": kid}, json.dumps(claims).encode(), key, algorithms=[alg])


def _id_claims(**overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": "web-client",
        "sub": "u-1",
        "token_use": "id",
        "iat": NOW - 10,
        "exp": NOW + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _verify(token: str, key: RSAKey) -> dict[str, Any] | None:
    public = RSAKey.import_key(key.as_dict(private=False))
    return verify_jwt(AUTHORIZER, {"authorization": f"Bearer {token}"}, lambda iss, kid: public, now=NOW)


def test_a_token_signed_by_the_issuer_key_passes_with_its_claims(issuer_key: RSAKey) -> None:
    id_token = _sign(issuer_key, _id_claims())
    access_token = _sign(
        issuer_key, _id_claims(aud=None, client_id="web-client", token_use="access", scope="openid orders/read")
    )

    assert (_verify(id_token, issuer_key) or {}).get("sub") == "u-1"
    assert (_verify(access_token, issuer_key) or {}).get("scope") == "openid orders/read"


def test_a_token_signed_by_another_key_is_rejected(issuer_key: RSAKey, other_key: RSAKey) -> None:
    forged = _sign(other_key, _id_claims())

    assert _verify(forged, issuer_key) is None


def test_a_token_without_a_signature_or_with_a_symmetric_alg_is_rejected(issuer_key: RSAKey) -> None:
    def unsigned(header: dict[str, str]) -> str:
        encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")  # noqa: E731
        return f"{encode(header)}.{encode(_id_claims())}."

    assert _verify(unsigned({"alg": "none", "kid": "k1"}), issuer_key) is None
    assert _verify(unsigned({"alg": "HS256", "kid": "k1"}), issuer_key) is None
    assert _verify("not-a-jwt", issuer_key) is None


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(_id_claims(exp="abc"), id="exp-not-a-number"),
        pytest.param(_id_claims(exp=True), id="exp-bool"),
        pytest.param(_id_claims(exp=None), id="exp-missing"),
        pytest.param(_id_claims(exp=NOW - 1), id="expired"),
        pytest.param(_id_claims(nbf=NOW + 60), id="not-yet-valid"),
        pytest.param(_id_claims(iat="yesterday"), id="iat-not-a-number"),
        pytest.param(_id_claims(aud={}), id="aud-object"),
        pytest.param(_id_claims(aud=[]), id="aud-empty"),
        pytest.param(_id_claims(aud=["web-client", 7]), id="aud-not-strings"),
        pytest.param(_id_claims(aud="someone-else"), id="aud-other-client"),
        pytest.param(_id_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/other"), id="other-issuer"),
        pytest.param(_id_claims(token_use="access"), id="aud-with-access-token-use"),
        pytest.param(_id_claims(token_use="refresh"), id="unknown-token-use"),
        pytest.param(_id_claims(aud=None, client_id="web-client", token_use="id"), id="client-id-with-id-token-use"),
        pytest.param(_id_claims(aud=None, client_id={"id": "web-client"}), id="client-id-object"),
        pytest.param(_id_claims(aud=None), id="no-audience-at-all"),
        pytest.param(["not", "an", "object"], id="claims-not-an-object"),
    ],
)
def test_a_signed_token_with_a_malformed_or_wrong_claim_is_rejected(issuer_key: RSAKey, claims: object) -> None:
    # Given a token the issuer really signed, When one claim is malformed or wrong, Then it is rejected (no error)
    assert _verify(_sign(issuer_key, claims), issuer_key) is None


def test_a_token_naming_an_unknown_key_is_rejected(issuer_key: RSAKey) -> None:
    token = _sign(issuer_key, _id_claims())

    claims = verify_jwt(AUTHORIZER, {"authorization": token}, lambda iss, kid: None, now=NOW)

    assert claims is None


# -- CORS (pure) ---------------------------------------------------------------------------------------------


def test_cors_allows_listed_origins_exactly_and_prefix_wildcards() -> None:
    config = CorsConfig(allow_origins=("http://localhost:3000", "https://*"))

    assert config.allowed_origin("http://localhost:3000") == "http://localhost:3000"
    assert config.allowed_origin("https://shop.example") == "https://shop.example"
    assert config.allowed_origin("http://localhost:3001") is None
    assert config.allowed_origin("http://evil.example") is None
    assert config.allowed_origin(None) is None


def test_cors_replaces_a_functions_cors_headers_with_the_apis() -> None:
    config = CorsConfig.from_api(CORS_CONFIGURATION)
    assert config is not None
    function_headers = [("content-type", "application/json"), ("Access-Control-Allow-Origin", "*")]

    allowed = dict(cors.response_headers(config, {"origin": ALLOWED_ORIGIN}, function_headers))
    other = dict(cors.response_headers(config, {"origin": "http://evil.example"}, function_headers))

    assert allowed["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert allowed["access-control-expose-headers"] == "Retry-After,Location"
    assert "Access-Control-Allow-Origin" not in allowed
    assert not [name for name in other if name.lower().startswith("access-control-")]


# -- JWT, CORS and HTTP errors through the gateway -----------------------------------------------------------


def _moto_signed(claims: dict[str, Any]) -> str:
    """A token signed with the key the emulator's Cognito signs with (its JWKS serves the public half)."""
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jws.serialize_compact({"alg": "RS256", "kid": "dummy"}, json.dumps(claims).encode(), key)


def test_tokens_the_user_pool_issued_pass_and_reach_the_function(orders_api: Gateway, user_pool: UserPool) -> None:
    # Given a signed-in user's ID and access tokens from the emulator's Cognito
    # When they call a JWT route
    with_id, _, id_body = _request(orders_api, "GET", "/me", headers={"Authorization": f"Bearer {user_pool.id_token}"})
    with_access, _, _ = _request(orders_api, "GET", "/me", headers={"Authorization": user_pool.access_token})

    # Then both pass and the function sees the verified claims
    assert (with_id, with_access) == (201, 201)
    claims = json.loads(id_body)["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["iss"] == user_pool.issuer
    assert claims["aud"] == user_pool.client_id


def test_a_forged_or_malformed_token_gets_401_json_never_500(orders_api: Gateway, user_pool: UserPool) -> None:
    header, payload, _ = user_pool.id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_key = RSAKey.generate_key(2048)
    tokens = {
        "missing": None,
        "junk signature": f"{header}.{payload}.{base64.urlsafe_b64encode(b'junk').decode().rstrip('=')}",
        "signed by another key": jws.serialize_compact(
            {"alg": "RS256", "kid": "dummy"}, json.dumps({**claims, "sub": "mallory"}).encode(), forged_key
        ),
        "exp abc": _moto_signed({**claims, "exp": "abc"}),
        "aud {}": _moto_signed({**claims, "aud": {}}),
        "expired": _moto_signed({**claims, "exp": int(time.time()) - 5}),
    }

    answers = {
        name: _request(orders_api, "GET", "/me", headers={"Authorization": f"Bearer {token}"} if token else {})
        for name, token in tokens.items()
    }

    assert {name: status for name, (status, _, _) in answers.items()} == dict.fromkeys(tokens, 401)
    assert all(json.loads(body) == {"message": "Unauthorized"} for _, _, body in answers.values())


def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(orders_api: Gateway) -> None:
    # Given a browser on an allowed origin about to send an authorized PATCH with JSON
    preflight = {
        "Origin": ALLOWED_ORIGIN,
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization,content-type",
    }

    # When it sends the preflight (browsers never attach the token to it) to a JWT route
    status, headers, body = _request(orders_api, "OPTIONS", "/me", headers=preflight)

    # Then the API answers 204 with the configured CORS headers
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert set(headers["access-control-allow-methods"].split(",")) >= {"PATCH", "GET", "POST", "DELETE"}
    assert set(headers["access-control-allow-headers"].split(",")) >= {"authorization", "content-type"}
    assert headers["access-control-max-age"] == "300"


def test_a_preflight_from_another_origin_gets_no_cors_headers(orders_api: Gateway) -> None:
    status, headers, _ = _request(
        orders_api,
        "OPTIONS",
        "/me",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
    )

    assert status == 204
    assert not [name for name in headers if name.lower().startswith("access-control-")]


def test_responses_carry_the_apis_cors_origin_not_the_functions(orders_api: Gateway, user_pool: UserPool) -> None:
    # Given a function that answers "Access-Control-Allow-Origin: *" itself
    token = {"Authorization": f"Bearer {user_pool.id_token}"}

    # When an allowed origin and another origin call it
    _, allowed, _ = _request(orders_api, "GET", "/me", headers={**token, "Origin": ALLOWED_ORIGIN})
    _, other, _ = _request(orders_api, "GET", "/me", headers={**token, "Origin": "http://evil.example"})
    _, refused, _ = _request(orders_api, "GET", "/me", headers={"Origin": ALLOWED_ORIGIN})

    # Then only the allowed origin gets CORS headers, and they are the API's
    assert allowed.get_all("access-control-allow-origin") == [ALLOWED_ORIGIN]
    assert allowed["access-control-expose-headers"] == "Retry-After,Location"
    assert other.get_all("access-control-allow-origin") is None
    # and a 401 from the authorizer is readable by the allowed origin's script
    assert refused["access-control-allow-origin"] == ALLOWED_ORIGIN


@pytest.fixture
def bare_api(apigw: Any, emulator: Emulator, data_plane: DataPlane) -> Iterator[Gateway]:
    """An API with a stage and no routes: every request is answered by the gateway itself."""
    api_id = apigw.create_api(Name=f"bare-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")["ApiId"]
    apigw.create_stage(ApiId=api_id, StageName="$default")
    with Gateway(emulator.url, data_plane.invoke, api_id=api_id) as gateway:
        yield gateway


def _raw(gateway: Gateway, request: bytes) -> tuple[int, str, bytes]:
    """Send raw bytes; returns status, content-type and body of the answer."""
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, response.getheader("content-type", ""), response.read()


@pytest.mark.parametrize(
    ("request_bytes", "status", "message"),
    [
        pytest.param(b"BREW /orders HTTP/1.1\r\nHost: x\r\n\r\n", 404, "Not Found", id="unknown-method"),
        pytest.param(
            b"GET /orders/" + b"9" * 11_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            414,
            "Request-URI Too Long",
            id="long-uri",
        ),
        pytest.param(
            b"GET /orders HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 11_000 + b"\r\n\r\n",
            431,
            "Request Header Fields Too Large",
            id="big-headers",
        ),
        pytest.param(b"GET /orders HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400, "Bad Request", id="bad-length"),
        pytest.param(b"GET /orders HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400, "Bad Request", id="negative-length"),
        pytest.param(
            "GET /orders HTTP/1.1\r\nContent-Length: ²\r\n\r\n".encode("latin-1"),
            400,
            "Bad Request",
            id="superscript-length",
        ),
        pytest.param(b"GARBAGE\r\n\r\n", 400, "Bad Request", id="malformed-request-line"),
        pytest.param(
            b"POST /orders HTTP/1.1\r\nContent-Length: 20000000\r\n\r\n", 413, "Request Entity Too Large", id="too-big"
        ),
    ],
)
def test_http_level_errors_are_api_gateway_json_not_html(
    bare_api: Gateway, request_bytes: bytes, status: int, message: str
) -> None:
    answered, content_type, body = _raw(bare_api, request_bytes)

    assert (answered, content_type) == (status, "application/json")
    assert json.loads(body) == {"message": message}


def test_a_burst_of_100_concurrent_connections_is_all_answered(bare_api: Gateway) -> None:
    # Given 100 clients released at the same instant
    clients = 100
    barrier = threading.Barrier(clients)
    statuses: list[int | str] = []
    lock = threading.Lock()

    def client() -> None:
        barrier.wait()
        try:
            status = _request(bare_api, "GET", "/anything")[0]
        except OSError as exc:  # a reset or refused connection is what a short backlog produces
            status = type(exc).__name__
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    # When they all connect and send a request at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every connection was accepted and answered (the API has no routes: 404 from the gateway)
    assert statuses == [404] * clients
    assert clients <= LISTEN_BACKLOG


def test_jwks_come_from_the_emulator_for_cognito_and_never_from_off_this_machine() -> None:
    keys = JwksKeys("http://127.0.0.1:4566/")

    assert keys.jwks_url(ISSUER) == "http://127.0.0.1:4566/us-east-1_test/.well-known/jwks.json"
    assert keys.jwks_url("https://login.example.com/realms/shop") is None
    assert keys.jwks_url("https://cognito-idp.us-east-1.amazonaws.com.evil.example/us-east-1_test") is None


def test_a_chunked_body_reaches_the_function_whole(orders_api: Gateway) -> None:
    host, port = orders_api.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        # When a client streams its JSON body in chunks (no Content-Length)
        chunks = iter([b'{"sku": ', b'"A-1", "qty": ', b"2}"])
        connection.request("POST", "/orders", body=chunks, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        event = json.loads(response.read())
    finally:
        connection.close()

    # Then the function gets the whole body
    assert response.status == 201
    assert json.loads(event["body"]) == {"sku": "A-1", "qty": 2}
