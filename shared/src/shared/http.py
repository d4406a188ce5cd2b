"""HTTP API (payload 2.0) responses: JSON with Decimal support, gzip for large bodies, error mapping.

Two ways to write an API handler, both ending in the same response shape:

* a Powertools ``APIGatewayHttpResolver`` from :func:`make_resolver` (routing, taxonomy errors), or
* a plain function returning :func:`json_response` and raising taxonomy errors.

Either way :func:`shared.middleware.api_handler` adds the last mile: unexpected errors become a 500 with
the request id, and large bodies are gzip-compressed when the client's ``Accept-Encoding`` allows it.

CORS is not the functions' business: the HTTP API's ``cors_configuration`` (terraform/modules/http_api) answers
preflights before the JWT authorizer and replaces any CORS header a function would return.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import gzip
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import pydantic

if TYPE_CHECKING:  # the event handler package (every resolver Powertools has) loads only where it is used
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError as ResolverNotFoundError
    from aws_lambda_powertools.event_handler.exceptions import ServiceError
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from shared.errors import (
    AppError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationError,
    error_body,
)
from shared.observability import logger

__all__ = [
    "DEFAULT_GZIP_THRESHOLD",
    "accepts_gzip",
    "compress_response",
    "error_response",
    "header",
    "json_body",
    "json_dumps",
    "json_response",
    "make_resolver",
]

JSON = "application/json"
DEFAULT_GZIP_THRESHOLD = 1024  # bytes; below this gzip + base64 saves nothing worth the CPU
DEFAULT_MAX_BODY_BYTES = 262_144
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def _default(obj: object) -> Any:
    if isinstance(obj, Decimal):
        # DynamoDB numbers come back as Decimal; a client wants a JSON number, exact when integral.
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    if isinstance(obj, pydantic.BaseModel):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def json_dumps(obj: object) -> str:
    """Compact JSON; Decimal → number, pydantic models and dataclasses → objects, sets → sorted lists.

    UTF-8 text as is; a lone surrogate (an id echoed from a direct invoke, say) is written as a ``\\ud800`` escape,
    so the body can always be encoded, gzipped and sent.
    """
    text = json.dumps(obj, default=_default, separators=(",", ":"), ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(obj, default=_default, separators=(",", ":"), ensure_ascii=True)
    return text


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Case-insensitive header lookup (HTTP API lower-cases names, tests and proxies may not)."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def json_response(status: int, body: object = None, *, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A payload 2.0 response with a JSON body (``None`` → empty body, e.g. for 204)."""
    response_headers = {"Content-Type": JSON} if body is not None else {}
    response_headers.update(headers or {})
    return {
        "statusCode": status,
        "headers": response_headers,
        "body": "" if body is None else json_dumps(body),
        "isBase64Encoded": False,
    }


def error_response(exc: BaseException, *, request_id: str) -> dict[str, Any]:
    """The JSON error response for ``exc`` (unexpected errors: 500 with the request id, nothing else)."""
    status, body, headers = error_body(exc, request_id=request_id)
    return json_response(status, body, headers=headers)


def accepts_gzip(headers: Mapping[str, str] | None) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (``gzip;q=0`` forbids it; ``*`` allows it)."""
    value = header(headers, "accept-encoding")
    if not value:
        return False
    quality: dict[str, float] = {}
    for part in value.split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key == "q":
                # RFC 9110 qvalue, ASCII digits only (float() would take "nan", "1e3" and "١").
                q = float(number) if _QVALUE.fullmatch(number) else 0.0
        quality[coding.strip().lower()] = q
    if "gzip" in quality:
        return quality["gzip"] > 0
    return quality.get("*", 0.0) > 0


def compress_response(
    response: dict[str, Any],
    *,
    request_headers: Mapping[str, str] | None,
    threshold: int = DEFAULT_GZIP_THRESHOLD,
) -> dict[str, Any]:
    """Gzip + base64 the body when it is larger than ``threshold`` bytes and the client accepts gzip."""
    body = response.get("body")
    headers: dict[str, Any] = response.setdefault("headers", {})
    if not isinstance(body, str) or response.get("isBase64Encoded"):
        return response
    if any(key.lower() == "content-encoding" for key in headers):
        return response
    raw = body.encode()
    if len(raw) <= threshold or not accepts_gzip(request_headers):
        return response
    # mtime=0: the same body always compresses to the same bytes (cacheable, testable).
    response["body"] = base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode()
    response["isBase64Encoded"] = True
    headers["Content-Encoding"] = "gzip"
    headers["Vary"] = "Accept-Encoding"
    return response


def json_body(event: Mapping[str, Any], *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """The request's JSON object body: 415 if not JSON, 413 if too large, 400 if malformed or not an object.

    Hostile bodies are refused with a 400 naming ``body`` before they can cost more than one linear scan:
    nesting deeper than :data:`MAX_JSON_DEPTH`, a number literal longer than :data:`MAX_NUMBER_CHARS` or
    beyond 1e±:data:`MAX_NUMBER_EXPONENT`, ``NaN``/``Infinity``, invalid UTF-8 and lone UTF-16 surrogates.
    """
    content_type = header(event.get("headers"), "content-type") or ""
    if content_type.split(";")[0].strip().lower() not in (JSON, ""):
        raise UnsupportedMediaTypeError(f"content-type must be {JSON}, got {content_type!r}")
    raw_body = event.get("body")
    if raw_body is None or raw_body == "":
        raise ValidationError("request body is required", fields={"body": "required"})
    if not isinstance(raw_body, str):
        raise ValidationError("request body must be text", fields={"body": "must be text"})
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw_body, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("request body is not valid base64", fields={"body": "invalid base64"}) from None
    else:
        data = raw_body.encode("utf-8", "surrogatepass")  # lone surrogates are refused by the decode below
    if len(data) > max_bytes:
        raise PayloadTooLargeError(f"request body is {len(data)} bytes; the limit is {max_bytes}")
    try:
        text = data.decode(json.detect_encoding(data))
    except UnicodeDecodeError:
        raise ValidationError("request body is not valid UTF-8", fields={"body": "invalid UTF-8"}) from None
    _check_json_depth(text)
    try:
        parsed = json.loads(
            text, parse_float=_bounded_decimal, parse_int=_bounded_int, parse_constant=_refuse_json_constant
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ValidationError(f"request body is not valid JSON: {exc}", fields={"body": "invalid JSON"}) from None
    if not isinstance(parsed, dict):
        raise ValidationError("request body must be a JSON object", fields={"body": "must be an object"})
    if _SURROGATE_ESCAPE.search(text) and not _is_unicode(parsed):
        raise ValidationError("request body has a lone UTF-16 surrogate escape", fields={"body": "invalid unicode"})
    return parsed


MAX_JSON_DEPTH = 32  # arrays + objects; an order is 3 deep
MAX_NUMBER_CHARS = 40  # longer than any amount, quantity or epoch; far below int()'s 4,300-digit limit
MAX_NUMBER_EXPONENT = 40  # |decimal exponent| of a non-zero number
# A JSON string (escapes included): the unrolled form never backtracks.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_json_depth(text: str) -> None:
    """400 when brackets outside strings nest deeper than MAX_JSON_DEPTH (before the recursive parser sees them)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    if max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0) > MAX_JSON_DEPTH:
        raise ValidationError(
            f"request body is nested more than {MAX_JSON_DEPTH} levels deep", fields={"body": "nested too deeply"}
        )


def _number_too_long(literal: str) -> ValidationError:
    return ValidationError(
        f"request body has a number of {len(literal)} characters; at most {MAX_NUMBER_CHARS} are allowed",
        fields={"body": "number too long"},
    )


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _number_too_long(literal)
    return int(literal)


def _bounded_decimal(literal: str) -> Decimal:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _number_too_long(literal)
    value = Decimal(literal)
    # 1e999999999 is short, but turning it into an int (pydantic, json_dumps) would build a billion-digit number.
    if value and not -MAX_NUMBER_EXPONENT <= value.adjusted() <= MAX_NUMBER_EXPONENT:
        raise ValidationError(
            f"request body has a number outside 1e-{MAX_NUMBER_EXPONENT}..1e{MAX_NUMBER_EXPONENT}",
            fields={"body": "number out of range"},
        )
    return value


def _refuse_json_constant(name: str) -> Any:
    raise ValidationError(f"request body contains {name}, which is not a JSON number", fields={"body": "not JSON"})


def _is_unicode(value: object) -> bool:
    """Whether every string in a parsed body (keys too) is encodable text (no lone surrogate from a \\u escape)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_unicode(key) and _is_unicode(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_is_unicode(item) for item in value)
    return True


def _request_id(app: APIGatewayHttpResolver) -> str:
    context = getattr(app, "lambda_context", None)
    request_id = getattr(context, "aws_request_id", None)
    if request_id:
        return str(request_id)
    return str(app.current_event.request_context.request_id or "unknown")


def _as_response(exc: BaseException, request_id: str) -> Response[Any]:
    from aws_lambda_powertools.event_handler import Response

    status, body, headers = error_body(exc, request_id=request_id)
    return Response(status_code=status, content_type=JSON, body=body, headers=headers)


def make_resolver(**kwargs: Any) -> APIGatewayHttpResolver:
    """An HTTP API resolver with the Decimal-aware serializer and the taxonomy's error mapping (no CORS: the API's).

    ``kwargs`` go to ``APIGatewayHttpResolver`` (e.g. ``enable_validation=True``); ``serializer`` defaults to
    this module's.
    """
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.exceptions import ServiceError
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

    kwargs.setdefault("serializer", json_dumps)
    app = APIGatewayHttpResolver(**kwargs)

    def _known(exc: Exception) -> Response[Any]:
        return _as_response(exc, _request_id(app))

    def _invalid_request(exc: RequestValidationError) -> Response[Any]:
        fields = {
            ".".join(str(part) for part in error.get("loc", ())) or "request": str(error.get("msg", "invalid"))
            for error in exc.errors()
        }
        return _as_response(ValidationError(fields=fields), _request_id(app))

    def _no_route(exc: ResolverNotFoundError) -> Response[Any]:
        event = app.current_event
        return _as_response(NotFoundError(f"no route for {event.http_method} {event.path}"), _request_id(app))

    def _powertools_error(exc: ServiceError) -> Response[Any]:
        # Powertools' own HTTP errors (BadRequestError, ...) keep their status, in the taxonomy's body shape.
        body = {"error": {"code": f"http_{exc.status_code}", "message": exc.msg, "request_id": _request_id(app)}}
        return Response(status_code=exc.status_code, content_type=JSON, body=body)

    def _unexpected(exc: Exception) -> Response[Any]:
        request_id = _request_id(app)
        logger.exception("unexpected error", extra={"request_id": request_id})
        return _as_response(exc, request_id)

    # Lookup walks the exception's MRO, so the most specific registration wins; Exception is the last resort.
    app.exception_handler([AppError, pydantic.ValidationError])(_known)
    app.exception_handler(RequestValidationError)(_invalid_request)
    app.exception_handler(ServiceError)(_powertools_error)
    app.not_found(_no_route)
    app.exception_handler(Exception)(_unexpected)
    return app
