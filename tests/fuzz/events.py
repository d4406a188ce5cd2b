"""API Gateway HTTP API (payload 2.0) events, and hypothesis strategies that make hostile ones.

:func:`http_event` builds the event AWS would send for one request (headers, request context, the JWT
authorizer's claims as strings); :func:`hostile_events` draws requests that stray from a route's valid request in
the ways an attacker tries: deep or huge JSON, giant numbers, non-ASCII digits, bad base64, odd content types,
unicode and over-long path parameters and query strings, junk headers, and missing or malformed claims.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from tests.fuzz.targets import ALICE, BOB, PAYMENTS_SCOPE, SERVICE, Route, Target

MISSING: Any = object()  # no authorizer in the request context at all (a public route, a direct invoke)
USUAL: Any = object()  # the route's usual caller: a signed-in user, the payments service, or nobody (public)

# ----- the event AWS sends -----------------------------------------------------------------------------------


def user_jwt(sub: object, **claims: object) -> dict[str, Any]:
    """What the JWT authorizer passes for a Cognito user's access token (claims are strings)."""
    return {
        "claims": {
            "auth_time": "1715597000",
            "client_id": "6q3l0s5kbu9vq2c8e0f3gh1ij2",
            "exp": "1715600600",
            "iat": "1715597000",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
            "jti": "a7c0b1e2-5d3f-4e6a-8b9c-0d1e2f3a4b5c",
            "scope": "aws.cognito.signin.user.admin",
            "sub": sub,
            "token_use": "access",
            "username": sub,
            **claims,
        },
        "scopes": None,
    }


def service_jwt() -> dict[str, Any]:
    """A back-office app client's client-credentials token with the payments scope."""
    jwt = user_jwt(SERVICE, scope=PAYMENTS_SCOPE)
    del jwt["claims"]["username"]
    jwt["scopes"] = [PAYMENTS_SCOPE]
    return jwt


def default_jwt(route: Route) -> Any:
    return {"user": lambda: user_jwt(ALICE), "service": service_jwt, "public": lambda: MISSING}[route.auth]()


def _percent_encoded(text: str, safe: str = "", *_: object) -> str:
    """Percent-encoding of the UTF-8 bytes, lone surrogates included (as API Gateway would pass them on)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe=safe)


def fill(template: str, values: Mapping[str, str], *, encode: bool = True) -> str:
    """The path with each ``{param}`` replaced (percent-encoded as it arrives in ``rawPath`` when ``encode``)."""

    def value(match: re.Match[str]) -> str:
        raw = values[match.group(1)]
        return _percent_encoded(raw) if encode else raw

    return re.sub(r"\{(\w+)\}", value, template)


def http_event(
    route: Route,
    *,
    path_values: Mapping[str, str] | None = None,
    method: str | None = None,
    query: Mapping[str, str] | None = None,
    raw_query: str | None = None,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    base64_encoded: bool = False,
    jwt: Any = USUAL,
    encode_path: bool = True,
) -> dict[str, Any]:
    """The payload 2.0 event for one request on ``route``; ``jwt`` is what the authorizer passes (any value)."""
    values = dict(path_values or {})
    path = fill(route.template, values, encode=encode_path)
    method = method or route.method
    request_headers = {
        "accept": "application/json",
        "accept-encoding": "gzip, deflate, br",
        "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0",
        "x-amzn-trace-id": "Root=1-6641f0a2-3b5c0e7d1f2a4b6c8d9e0f1a",
        "x-forwarded-for": "203.0.113.24",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if body is not None:
        request_headers["content-type"] = "application/json"
    request_headers.update(headers or {})
    request_id = str(uuid.uuid4())
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "a1b2c3d4e5",
        "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "a1b2c3d4e5",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.24",
            "userAgent": request_headers["user-agent"],
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": "13/May/2024:10:45:12 +0000",
        "timeEpoch": 1715597112345,
    }
    jwt = default_jwt(route) if jwt is USUAL else jwt
    if jwt is not MISSING:
        context["authorizer"] = {"jwt": jwt}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": raw_query if raw_query is not None else urlencode(query or {}, quote_via=_percent_encoded),
        "headers": request_headers,
        "requestContext": context,
        "isBase64Encoded": base64_encoded,
    }
    if route.params:
        if route.route_key.endswith("{proxy+}"):
            event["pathParameters"] = {"proxy": path.split("/", 2)[2]}
        else:
            event["pathParameters"] = values
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = body
    return event


# ----- hostile pieces ----------------------------------------------------------------------------------------

# Inputs that broke a function once, or break naive parsers: non-ASCII digits, path tricks, control characters.
TRICKY_TEXT = (
    "١٢",
    "１.００",
    "٣.١٤",
    "²",
    "1e3",
    "-0",
    " 12",
    "12 ",
    "NaN",
    "Infinity",
    "",
    " ",
    "..",
    "../../etc/passwd",
    "%2e%2e%2f",
    "a/b",
    "\x00",
    "\r\nx-injected: 1",
    "😀" * 4,
    "ｕｓｅｒ",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "USER#other",
    "ORDER#1",
    "\ud800",  # a lone surrogate: once crashed the gzip step when a 404 echoed it
)

tricky_text = st.sampled_from(TRICKY_TEXT)
long_text = st.sampled_from([64, 65, 128, 129, 1000, 10_000]).flatmap(
    lambda n: st.sampled_from(["x" * n, "9" * n, "é" * n, "a-" * (n // 2)])
)
any_text = st.one_of(tricky_text, st.text(max_size=40), long_text)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**39), max_value=10**39),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    tricky_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path in a JSON value (``("items", 0, "price")``), containers before their members."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield (*prefix, key)
            yield from json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from json_paths(item, (*prefix, index))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A deep copy of ``value`` with the member at ``path`` replaced (or removed when ``new`` is MISSING)."""
    copy = json.loads(json.dumps(value))
    parent = copy
    for part in path[:-1]:
        parent = parent[part]
    if new is MISSING:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copy


@st.composite
def mutated_body(draw: st.DrawFn, valid: Mapping[str, Any]) -> str:
    """The route's valid body with one member replaced, removed, or a junk member added, as JSON text."""
    paths = list(json_paths(valid))
    action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
    if action == "add" or not paths:
        body = dict(json.loads(json.dumps(valid)))
        body[draw(st.one_of(st.text(max_size=12), st.sampled_from(["customer_id", "status", "key", "__proto__"])))] = (
            draw(json_values)
        )
    else:
        path = draw(st.sampled_from(paths))
        body = replaced(valid, path, MISSING if action == "remove" else draw(json_values))
    return json.dumps(body, ensure_ascii=draw(st.booleans()))


def nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return '{"x":' + opener * depth + "1" + closer * depth + "}"


def with_member(valid: Mapping[str, Any] | None, literal: str) -> str:
    """The valid body (or ``{}``) with one more member whose value is the raw JSON text ``literal``."""
    text = json.dumps(dict(valid or {}))
    return text[:-1] + (", " if len(text) > 2 else "") + f'"n": {literal}}}'


BODY_KINDS = (
    *("mutated", "deep", "number", "constant", "surrogate", "random", "junk", "huge", "none"),
    *("base64", "bad-base64", "binary-base64", "valid"),
)


@st.composite
def hostile_bodies(draw: st.DrawFn, route: Route, kind: str) -> tuple[str | None, bool]:
    """(body text, isBase64Encoded) of one kind (:data:`BODY_KINDS`), built around ``route``'s valid body."""
    valid = route.body if route.body is not None else {}
    if kind == "valid":
        return json.dumps(valid), False
    if kind == "mutated":
        return draw(mutated_body(valid)), False
    if kind == "random":
        return json.dumps(draw(json_values)), False
    if kind == "deep":
        depth = draw(st.sampled_from([31, 32, 33, 999, 2000, 7000]))
        return nested(depth, draw(st.sampled_from(["[", '{"a":']))), False
    if kind == "number":
        digits = draw(st.sampled_from([39, 40, 41, 400, 4300, 4301, 5000, 20_000]))
        literal = draw(st.sampled_from(["9" * digits, "-" + "9" * digits, "0." + "1" * digits, "1e" + "9" * 9]))
        return with_member(valid, literal), False
    if kind == "constant":
        return with_member(valid, draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", "1e400"]))), False
    if kind == "surrogate":
        return with_member(valid, draw(st.sampled_from(['"\\ud800"', '"\\udc00x"', '"\\ud83d\\ude00"']))), False
    if kind == "junk":
        return draw(
            st.one_of(st.text(max_size=60), st.sampled_from(["{", "}", "[]", "null", '"x"', "{'a': 1}"]))
        ), False
    if kind == "huge":
        return '{"a": "' + "x" * draw(st.sampled_from([5_000, 20_000, 300_000])) + '"}', False
    if kind == "none":
        return draw(st.sampled_from([None, ""])), False
    if kind == "base64":
        return base64.b64encode(json.dumps(valid).encode()).decode(), True
    if kind == "bad-base64":
        return draw(st.one_of(st.text(max_size=30), st.sampled_from(["!!!!", "e30", "e30==", "=e30="]))), True
    return base64.b64encode(draw(st.binary(max_size=64))).decode(), True


CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json;;;",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=----x",
    "application/xml",
    "",
    ";",
    "\x00",
)

HEADER_NAMES = (
    "content-type",
    "idempotency-key",
    "accept-encoding",
    "origin",
    "authorization",
    "content-length",
    "cookie",
    "x-forwarded-for",
    "if-none-match",
)


@st.composite
def hostile_headers(draw: st.DrawFn) -> dict[str, str]:
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["content-type"] = draw(st.one_of(st.sampled_from(CONTENT_TYPES), st.text(max_size=30)))
    extra = draw(
        st.dictionaries(
            st.one_of(st.sampled_from(HEADER_NAMES), st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
            any_text,
            max_size=4,
        )
    )
    headers.update(extra)
    if draw(st.booleans()):
        headers["accept-encoding"] = draw(st.sampled_from(["gzip;q=nan", "gzip;q=١", "*;q=1e3", "gzip", "identity"]))
    return headers


def cursor_values() -> st.SearchStrategy[str]:
    """Cursors: junk, and base64 of junk JSON (a cursor that decodes to '[' * 1500 once made a 500)."""
    payloads = st.one_of(
        st.just("[" * 1500),
        st.just('{"pk": {"S": "ORDER#x"}}'),
        json_values.map(json.dumps),
        st.text(max_size=40),
    )
    encoded = payloads.map(lambda text: base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode())
    return st.one_of(encoded, any_text)


QUERY_KEYS = ("limit", "cursor", "status", "at", "customer_id", "user_id")


@st.composite
def hostile_query(draw: st.DrawFn, route: Route) -> tuple[dict[str, str] | None, str | None]:
    """(queryStringParameters, rawQueryString override): the route's own keys with hostile values, or junk."""
    if not draw(st.booleans()):
        return (dict(route.query) or None), None
    query = dict(route.query)
    for key in draw(st.lists(st.sampled_from(QUERY_KEYS), max_size=3)):
        query[key] = draw(cursor_values() if key == "cursor" else st.one_of(any_text, st.sampled_from(["0", "101"])))
    query.update(draw(st.dictionaries(st.text(min_size=1, max_size=10), any_text, max_size=2)))
    raw = draw(st.one_of(st.none(), st.text(max_size=40), st.just("a=%ZZ&&=&b")))
    return query, raw


CALLER_KINDS = ("missing", "odd-sub", "odd-shape", "scopes", "bob", "service", "usual")


@st.composite
def hostile_callers(draw: st.DrawFn, route: Route, kind: str) -> Any:
    """The authorizer's output of one kind (:data:`CALLER_KINDS`): nobody, malformed, another user, or as usual."""
    if kind == "usual":
        return default_jwt(route)
    if kind == "bob":
        return user_jwt(BOB)
    if kind == "service":
        return service_jwt()
    if kind == "missing":
        return MISSING
    if kind == "odd-sub":
        sub = draw(st.one_of(any_text, st.integers(), st.lists(st.text(max_size=5), max_size=2), st.none()))
        return user_jwt(sub)
    if kind == "odd-shape":
        return draw(
            st.sampled_from(
                [None, "jwt", [], {}, {"claims": None}, {"claims": "sub=x"}, {"claims": {}}, {"claims": [ALICE]}]
            )
        )
    jwt = user_jwt(ALICE, scope=draw(any_text))
    jwt["scopes"] = draw(st.one_of(st.none(), st.text(max_size=10), st.lists(any_text, max_size=3)))
    return jwt


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ASPECTS = ("body", "caller", "path", "query", "headers", "all")


@st.composite
def hostile_event(
    draw: st.DrawFn, target: Target, route: Route, hostile: set[str], body_kind: str, caller_kind: str
) -> dict[str, Any]:
    """One request on ``route``, hostile in the ``hostile`` aspects, valid in the others."""
    jwt = draw(hostile_callers(route, caller_kind))
    sub = jwt.get("claims", {}).get("sub") if isinstance(jwt, dict) and isinstance(jwt.get("claims"), dict) else None
    values: dict[str, str] = {}
    for param in route.params:
        own = sub if param == "user_id" and isinstance(sub, str) else target.known_ids.get(param, "x-1")
        values[param] = draw(st.one_of(any_text, st.just(BOB), st.just(own))) if "path" in hostile else own
    body, base64_encoded = (None, False)
    if route.body is not None or body_kind != "valid":
        body, base64_encoded = draw(hostile_bodies(route, body_kind))
    query, raw_query = draw(hostile_query(route)) if "query" in hostile else (dict(route.query) or None, None)
    return http_event(
        route,
        path_values=values,
        method=draw(st.sampled_from((route.method,) * 7 + METHODS)) if "path" in hostile else route.method,
        query=query,
        raw_query=raw_query,
        headers=draw(hostile_headers()) if "headers" in hostile else {},
        body=body,
        base64_encoded=base64_encoded,
        jwt=jwt,
        encode_path=draw(st.booleans()) if "path" in hostile else True,
    )


@st.composite
def hostile_events(draw: st.DrawFn, target: Target, aspect: str) -> list[dict[str, Any]]:
    """Requests for one of ``target``'s routes, hostile in ``aspect`` (:data:`ASPECTS`; "all": everywhere).

    For "body" and "caller", one request of *every* kind (:data:`BODY_KINDS`, :data:`CALLER_KINDS`) per example,
    so each kind is tried on every run however small the example budget; otherwise one request.
    """
    if aspect == "all":
        route = draw(st.sampled_from(target.routes))
        body_kind, caller_kind = draw(st.sampled_from(BODY_KINDS)), draw(st.sampled_from(CALLER_KINDS))
        return [draw(hostile_event(target, route, set(ASPECTS), body_kind, caller_kind))]
    if aspect == "body":
        # Bodies matter on the routes that read one; a function without such a route gets them on every route.
        routes = [route for route in target.routes if route.body is not None] or list(target.routes)
        route = draw(st.sampled_from(routes))
        return [draw(hostile_event(target, route, {"body"}, kind, "usual")) for kind in BODY_KINDS]
    route = draw(st.sampled_from(target.routes))
    if aspect == "caller":
        return [draw(hostile_event(target, route, {"caller"}, "valid", kind)) for kind in CALLER_KINDS]
    return [draw(hostile_event(target, route, {aspect}, "valid", "usual"))]
