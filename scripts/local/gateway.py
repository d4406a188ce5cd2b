"""A local API Gateway for HTTP APIs (payload format 2.0) in front of the data plane.

Routes, integrations, stages and JWT authorizers are read from the emulator's apigatewayv2 API (refreshed
every ``config_ttl_s``), so what Terraform declared is what answers. Route selection follows HTTP APIs:
the most specific path wins (literal segment > ``{param}`` > ``{proxy+}``), an exact method beats ``ANY``,
``$default`` catches the rest, no match is ``404 {"message":"Not Found"}``. Responses map like API Gateway's:
a dict with ``statusCode`` is used as is; any other JSON is a 200 ``application/json`` body; a function error,
a malformed response or an integration failure is ``500 {"message":"Internal Server Error"}``.

JWT authorizers verify the token as API Gateway does (RS256 signature against the issuer's JWKS, ``iss``,
``aud``/``client_id``, ``exp``, ``token_use``; see ``scripts.local.authorizer``) and hand the claims to the
function; anything else is ``401 {"message":"Unauthorized"}``. The API's ``CorsConfiguration`` is applied as
API Gateway applies it (``scripts.local.cors``): preflights are answered before routes and authorizers.

HTTP-level errors are JSON too, never http.server's HTML pages: a method HTTP APIs do not route is
``404 {"message":"Not Found"}`` (no route can match it); a request line over API Gateway's 10,240-byte quota
(request line and headers together) is ``414``, headers over it ``431``; a malformed request ``400``; a body
over the 10 MB payload quota ``413``. The listen backlog holds a burst of ``LISTEN_BACKLOG`` connections.

Locally only, ``GET /docs`` is Swagger UI over the committed OpenAPI documents (``scripts.local.docs``).
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scripts.arns import find_function_arn
from scripts.local import cors, docs
from scripts.local.authorizer import Authorizer, JwksKeys, KeyLookup, verify_jwt
from scripts.local.clients import RETRY_TWICE, emulator_client
from scripts.local.cors import CorsConfig
from scripts.local.errors import LocalStackError, TooManyRequestsError
from scripts.local.logs import LogHub

Invoke = Callable[[str, bytes, "str | None"], Any]  # DataPlane.invoke: (function, payload, qualifier) -> result

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded|graphql))(;.*)?$", re.I
)
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
LISTEN_BACKLOG = 128  # socketserver's default of 5 resets connections in a burst of 20
MAX_REQUEST_HEAD_BYTES = 10_240  # HTTP API quota: request line and header values together
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP API quota: payload size
_STATUS_MESSAGES = {
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


@dataclass(frozen=True)
class Integration:
    function: str  # unqualified function ARN
    qualifier: str | None
    payload_format_version: str
    timeout_s: float


@dataclass(frozen=True)
class Route:
    route_key: str
    method: str  # "ANY" or an HTTP method; "$default" for the default route
    segments: tuple[str, ...]
    integration: Integration | None
    authorizer: Authorizer | None = None

    @property
    def specificity(self) -> tuple[tuple[int, ...], int]:
        """Lower sorts first: per segment literal 0, {param} 1, {greedy+} 2; then exact method before ANY."""
        kinds = tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in self.segments)
        return kinds, 1 if self.method == "ANY" else 0


@dataclass(frozen=True)
class ApiConfig:
    api_id: str
    name: str
    account_id: str
    stages: dict[str, dict[str, str]]  # stage name -> stage variables
    routes: tuple[Route, ...] = field(default_factory=tuple)
    cors: CorsConfig | None = None


def parse_route(route_key: str, integration: Integration | None, authorizer: Authorizer | None = None) -> Route:
    if route_key == "$default":
        return Route(route_key, "$default", (), integration, authorizer)
    method, _, path = route_key.partition(" ")
    segments = tuple(s for s in path.split("/") if s)
    return Route(route_key, method.upper(), segments, integration, authorizer)


def match_route(routes: tuple[Route, ...] | list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route an HTTP API selects for ``method path``, with its path parameters (URL-decoded)."""
    parts = [s for s in path.split("/") if s]
    candidates: list[tuple[Route, dict[str, str]]] = []
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        params = _match_segments(route.segments, parts)
        if params is not None:
            candidates.append((route, params))
    if candidates:
        return min(candidates, key=lambda c: c[0].specificity)
    default = next((r for r in routes if r.method == "$default"), None)
    return (default, {}) if default else None


def _match_segments(template: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, segment in enumerate(template):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = parts[index:]
            if not rest:
                return None
            params[segment[1:-2]] = urllib.parse.unquote("/".join(rest))
            return params
        if index >= len(parts):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            params[segment[1:-1]] = urllib.parse.unquote(parts[index])
        elif segment != parts[index]:
            return None
    return params if len(parts) == len(template) else None


def integration_target(uri: str) -> tuple[str, str | None]:
    """(unqualified function ARN, qualifier) from a Lambda ARN or an apigateway ...:lambda:path/... URI."""
    try:
        target = find_function_arn(uri)
    except ValueError:
        raise LocalStackError(f"integration URI is not a Lambda function: {uri}") from None
    return target.unqualified, target.qualifier


def build_event(
    *,
    api: ApiConfig,
    route: Route,
    stage: str,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    path_parameters: dict[str, str],
    request_id: str,
    authorizer_claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A payload format 2.0 event, as API Gateway HTTP APIs send it to Lambda."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    now = datetime.now(UTC)
    host = merged.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if raw_query:
        query: dict[str, str] = {}
        for key, value in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        event["queryStringParameters"] = query
    context: dict[str, Any] = {
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": host,
        "domainPrefix": host.split(".")[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": stage,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if authorizer_claims is not None:
        scopes = str(authorizer_claims.get("scope", "")).split() or None
        context["authorizer"] = {"jwt": {"claims": authorizer_claims, "scopes": scopes}}
    event["requestContext"] = context
    if path_parameters:
        event["pathParameters"] = path_parameters
    if api.stages.get(stage):
        event["stageVariables"] = api.stages[stage]
    if body:
        content_type = merged.get("content-type", "")
        text = _as_text(body) if (not content_type or _TEXT_TYPES.match(content_type)) else None
        event["body"] = text if text is not None else base64.b64encode(body).decode()
        event["isBase64Encoded"] = text is None
    else:
        event["isBase64Encoded"] = False
    return event


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def map_response(payload: bytes, function_error: str | None) -> HttpResponse:
    """Turn a function's 2.0 response into HTTP, as API Gateway does (500 for anything malformed)."""
    if function_error:
        return error_response(500, "Internal Server Error")
    try:
        document = json.loads(payload) if payload else None
    except ValueError:
        return error_response(500, "Internal Server Error")
    if not (isinstance(document, dict) and "statusCode" in document):
        return HttpResponse(200, [("content-type", "application/json")], payload)
    try:
        status = int(document["statusCode"])
        headers = [(str(k).lower(), str(v)) for k, v in (document.get("headers") or {}).items()]
        headers += [("set-cookie", str(c)) for c in document.get("cookies") or []]
        raw = document.get("body")
        text = raw if isinstance(raw, str) else "" if raw is None else json.dumps(raw)
        body = base64.b64decode(text, validate=True) if document.get("isBase64Encoded") else text.encode()
    except (TypeError, ValueError, AttributeError, binascii.Error):
        return error_response(500, "Internal Server Error")
    if not 100 <= status <= 599:
        return error_response(500, "Internal Server Error")
    return HttpResponse(status, headers, body)


def error_response(status: int, message: str) -> HttpResponse:
    return HttpResponse(status, [("content-type", "application/json")], json.dumps({"message": message}).encode())


class Gateway:
    """Serves one HTTP API of the emulator on 127.0.0.1 (``url`` once started)."""

    def __init__(
        self,
        emulator_url: str,
        invoke: Invoke,
        *,
        api_id: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        logs: LogHub | None = None,
        config_ttl_s: float = 1.0,
        keys: KeyLookup | None = None,
    ) -> None:
        self._client = emulator_client(emulator_url, "apigatewayv2", region, RETRY_TWICE)
        self._invoke = invoke
        self._keys = keys or JwksKeys(emulator_url)
        self._logs = logs or LogHub(None)
        self._ttl_s = config_ttl_s
        self._api_id = api_id or self._only_http_api()
        self._config: ApiConfig | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="gateway-invoke")
        try:
            self._server = _Server((host, port), _handler_class(self))
        except OSError as exc:
            raise LocalStackError(f"cannot listen on {host}:{port} for the API gateway: {exc.strerror}") from exc
        self._thread: threading.Thread | None = None

    @property
    def api_id(self) -> str:
        return self._api_id

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> Gateway:
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def config(self) -> ApiConfig:
        with self._lock:
            if self._config is None or time.monotonic() - self._loaded_at >= self._ttl_s:
                self._config = self._load()
                self._loaded_at = time.monotonic()
            return self._config

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> tuple[HttpResponse, str]:
        """Serve one request: returns the response and a short description for the access log."""
        if method in ("GET", "HEAD") and (page := docs.serve(target)) is not None:  # Swagger UI, local only
            status, content_type, content = page
            return HttpResponse(status, [("content-type", content_type)], content), "docs"
        api = self.config()
        lowered = {k.lower(): v for k, v in headers}
        if api.cors is not None and cors.is_preflight(method, lowered):
            return HttpResponse(204, cors.preflight_headers(api.cors, lowered), b""), "CORS preflight"
        response, note = self._route(api, method, target, headers, lowered, body, source_ip)
        if api.cors is not None:
            response.headers = cors.response_headers(api.cors, lowered, response.headers)
        return response, note

    def _route(
        self,
        api: ApiConfig,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        lowered: dict[str, str],
        body: bytes,
        source_ip: str,
    ) -> tuple[HttpResponse, str]:
        raw_path, _, raw_query = target.partition("?")
        stage, route_path = self._stage_of(api, raw_path)
        if stage is None:
            return error_response(404, "Not Found"), "no stage"
        matched = match_route(api.routes, method, route_path)
        if matched is None:
            return error_response(404, "Not Found"), "no route"
        route, params = matched
        if route.integration is None:
            return error_response(500, "Internal Server Error"), f"{route.route_key}: no integration"
        claims: dict[str, Any] | None = None
        if route.authorizer is not None:
            claims = verify_jwt(route.authorizer, lowered, self._keys)
            if claims is None:
                return error_response(401, "Unauthorized"), f"{route.route_key}: JWT rejected"
        if route.integration.payload_format_version != "2.0":
            return error_response(500, "Internal Server Error"), "payload format 1.0 is not served locally"
        request_id = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
        event = build_event(
            api=api,
            route=route,
            stage=stage,
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            source_ip=source_ip,
            path_parameters=params,
            request_id=request_id,
            authorizer_claims=claims,
        )
        integration = route.integration
        future = self._pool.submit(
            self._invoke, integration.function, json.dumps(event).encode(), integration.qualifier
        )
        function_name = integration.function.rsplit(":", 1)[-1]
        try:
            result = future.result(timeout=integration.timeout_s)
        except concurrent.futures.TimeoutError:
            return error_response(503, "Service Unavailable"), f"{function_name}: integration timeout"
        except TooManyRequestsError:
            return error_response(429, "Too Many Requests"), f"{function_name}: throttled"
        except LocalStackError as exc:
            return error_response(500, "Internal Server Error"), f"{function_name}: {exc}"
        response = map_response(result.payload, result.function_error)
        note = f"{function_name}" + (f" ({result.error_type})" if result.function_error else "")
        return response, note

    def log(self, line: str) -> None:
        self._logs.line("gateway", line)

    def _stage_of(self, api: ApiConfig, raw_path: str) -> tuple[str | None, str]:
        first, _, rest = raw_path.lstrip("/").partition("/")
        if first and first in api.stages and first != "$default":
            return first, "/" + rest
        if "$default" in api.stages or not api.stages:
            return "$default", raw_path
        return None, raw_path

    def _only_http_api(self) -> str:
        apis = [a for a in self._client.get_apis().get("Items", []) if a.get("ProtocolType") == "HTTP"]
        if len(apis) != 1:
            names = ", ".join(f"{a['Name']} ({a['ApiId']})" for a in apis) or "none"
            raise LocalStackError(f"expected one HTTP API in the emulator to serve, found: {names}; pass api_id")
        return str(apis[0]["ApiId"])

    def _load(self) -> ApiConfig:
        api = self._client.get_api(ApiId=self._api_id)
        integrations = {i["IntegrationId"]: i for i in self._client.get_integrations(ApiId=self._api_id)["Items"]}
        stages = {
            s["StageName"]: dict(s.get("StageVariables") or {})
            for s in self._client.get_stages(ApiId=self._api_id)["Items"]
        }
        authorizers: dict[str, Authorizer] = {}
        routes: list[Route] = []
        account_id = "123456789012"
        for item in self._client.get_routes(ApiId=self._api_id)["Items"]:
            integration = None
            target = item.get("Target", "")
            if target.startswith("integrations/") and target.split("/", 1)[1] in integrations:
                raw = integrations[target.split("/", 1)[1]]
                function, qualifier = integration_target(raw.get("IntegrationUri", ""))
                account_id = function.split(":")[4]
                integration = Integration(
                    function=function,
                    qualifier=qualifier,
                    payload_format_version=str(raw.get("PayloadFormatVersion") or "2.0"),
                    timeout_s=int(raw.get("TimeoutInMillis") or 30000) / 1000,
                )
            authorizer = None
            if item.get("AuthorizationType") == "JWT" and item.get("AuthorizerId"):
                authorizer = authorizers.get(item["AuthorizerId"]) or self._authorizer(item["AuthorizerId"])
                authorizers[item["AuthorizerId"]] = authorizer
            routes.append(parse_route(item["RouteKey"], integration, authorizer))
        return ApiConfig(
            api_id=self._api_id,
            name=api["Name"],
            account_id=account_id,
            stages=stages,
            routes=tuple(routes),
            cors=CorsConfig.from_api(api.get("CorsConfiguration")),
        )

    def _authorizer(self, authorizer_id: str) -> Authorizer:
        # GetAuthorizers (plural) is missing from the emulator; each route names its authorizer.
        found = self._client.get_authorizer(ApiId=self._api_id, AuthorizerId=authorizer_id)
        jwt = found.get("JwtConfiguration") or {}
        source = (found.get("IdentitySource") or ["$request.header.Authorization"])[0]
        return Authorizer(
            issuer=jwt.get("Issuer"),
            audience=tuple(jwt.get("Audience") or ()),
            header=source.rsplit(".", 1)[-1].lower(),
        )


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "local-apigateway"

        def parse_request(self) -> bool:
            if not super().parse_request():
                return False
            if self.request_version == "HTTP/0.9":  # "GET /x" without a version: API Gateway speaks HTTP/1.1+
                self.send_error(400, "HTTP/0.9 request")
                return False
            line = len(self.requestline) + 2  # with its CRLF, as API Gateway counts it
            if line > MAX_REQUEST_HEAD_BYTES:
                self.send_error(414)
                return False
            if line + sum(len(k) + len(v) for k, v in self.headers.items()) > MAX_REQUEST_HEAD_BYTES:
                self.send_error(431)
                return False
            return True

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """API Gateway's JSON errors instead of http.server's HTML pages."""
            # http.server answers 501 for a method without a do_* handler: HTTP APIs route none of those.
            status = 404 if code == 501 else code
            self.request_version = self.protocol_version  # a status line even for an unparsable request
            body = json.dumps({"message": _STATUS_MESSAGES.get(status, "Error")}).encode()
            self.close_connection = True
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.send_header("connection", "close")
                self.end_headers()
                if self.command != "HEAD" and status >= 200 and status not in (204, 304):
                    self.wfile.write(body)
            except OSError:
                return  # the client is gone; nothing left to tell it
            target = str(getattr(self, "path", None) or "-")[:200]
            gateway.log(f"{getattr(self, 'command', None) or '-'} {target} -> {status} (rejected: {message or code})")

        def _body(self) -> bytes | None:
            """The request body, or None after answering 400/413 for a bad or too large Content-Length."""
            raw = self.headers.get("content-length")
            if self.headers.get("transfer-encoding", "").strip().lower() == "chunked":
                return self._chunked_body()
            if raw is None:
                return b""
            if not (raw.strip().isascii() and raw.strip().isdigit()):  # "²" passes isdigit(), then int() raises
                self.send_error(400, f"content-length {raw[:40]!r}")
                return None
            length = int(raw)
            if length > MAX_PAYLOAD_BYTES:
                self.send_error(413, f"{length} bytes")
                return None
            return self.rfile.read(length) if length else b""

        def _chunked_body(self) -> bytes | None:
            data = bytearray()
            while True:
                size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    self.send_error(400, "malformed chunk size")
                    return None
                if size < 0 or len(data) + size > MAX_PAYLOAD_BYTES:
                    self.send_error(413 if size > 0 else 400, "chunked body")
                    return None
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        continue  # trailers
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline(1024)

        def _serve(self) -> None:
            started = time.perf_counter()
            body = self._body()
            if body is None:
                return
            try:
                response, note = gateway.handle(
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
            except Exception as exc:  # noqa: BLE001 - the gateway answers 500 like API Gateway, and logs why
                response, note = error_response(500, "Internal Server Error"), f"gateway error: {exc!r}"
            self.send_response(response.status)
            for name, value in response.headers:
                if name not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            self.send_header("apigw-requestid", secrets.token_hex(8))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            elapsed = (time.perf_counter() - started) * 1000
            gateway.log(f"{self.command} {self.path[:200]} -> {response.status} in {elapsed:.0f} ms ({note})")

        def log_message(self, format: str, *args: Any) -> None:
            return  # access lines go to the gateway log instead

    for method in _METHODS:
        setattr(Handler, f"do_{method}", Handler._serve)
    return Handler


def _as_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
