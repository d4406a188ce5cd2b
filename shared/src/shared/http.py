"""HTTP API (payload 2.0) functions: one Powertools ``APIGatewayHttpResolver`` set up the same way for all of them.

:func:`make_resolver` gives a resolver with Powertools' own request validation (typed ``Body``/``Query``/path
parameters), Decimal-aware JSON, and exception handlers that answer in the taxonomy's body shape:

* a bad input is a 400 naming each field by where it came from (``body.items.0.price``, ``query.limit``,
  ``path.payment_id``); a ``Query()`` model that forbids extra fields also refuses unknown query parameters;
* the request body is read through a guard (:func:`json_body`): 415 unless JSON, 413 over the function's limit,
  400 for a body built to exhaust the parser;
* an unknown path is a 404; a known path asked with another method a 405 whose ``Allow`` lists the methods the
  resolver has routes for on it;
* unexpected errors are a 500 with the request id and nothing else.

Compression is Powertools' too: ``compress=True`` on a route gzips its answer when the client accepts gzip.
CORS is not the functions' business: the HTTP API's ``cors_configuration`` (terraform/modules/http_api) answers
preflights before the JWT authorizer and replaces any CORS header a function would return.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import pydantic

from shared.errors import (
    AppError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationError,
    classify,
    error_body,
)
from shared.observability import logger

if TYPE_CHECKING:  # the event handler package (every resolver Powertools has) loads only where it is used
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

__all__ = ["DEFAULT_MAX_BODY_BYTES", "Query", "allowed_methods", "json_body", "json_dumps", "make_resolver"]

JSON = "application/json"
DEFAULT_MAX_BODY_BYTES = 262_144
# The order an Allow header lists methods in (RFC 9110 leaves it open; this is the conventional one).
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


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


def _check_content_type(headers: Mapping[str, str] | None) -> None:
    # Case-insensitive: HTTP API lower-cases header names, tests and proxies may not.
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    if content_type.split(";")[0].strip().lower() not in (JSON, ""):
        raise UnsupportedMediaTypeError(f"content-type must be {JSON}, got {content_type!r}")


def json_body(event: Mapping[str, Any], *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """The request's JSON object body: 415 if not JSON, 413 if too large, 400 if malformed or not an object.

    Hostile bodies are refused with a 400 naming ``body`` before they can cost more than one linear scan:
    nesting deeper than :data:`MAX_JSON_DEPTH`, a number literal longer than :data:`MAX_NUMBER_CHARS` or
    beyond 1e±:data:`MAX_NUMBER_EXPONENT`, ``NaN``/``Infinity``, invalid UTF-8 and lone UTF-16 surrogates.
    The resolver reads every ``Body`` parameter through it.
    """
    _check_content_type(event.get("headers"))
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
    if _SURROGATE_ESCAPE.search(text):
        try:  # a \ud800 escape parses to a lone surrogate (in a key or a value) that no encoder can write
            json.dumps(parsed, default=str, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                "request body has a lone UTF-16 surrogate escape", fields={"body": "invalid unicode"}
            ) from None
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


def allowed_methods(app: APIGatewayHttpResolver, path: str) -> tuple[str, ...]:
    """The methods ``app`` has a route for on ``path`` (empty: no route at all), in :data:`METHOD_ORDER`."""
    routes = [*app._static_routes, *app._dynamic_routes]
    methods = {route.method for route in routes if route.rule.match(path)}
    return tuple(sorted(methods, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER)))


def _fields(errors: Sequence[Any]) -> dict[str, str]:
    """Powertools validation errors → ``{"body.items.0.price": msg}``, the first error per field.

    A ``Query()`` model's errors carry the parameter's own name second (``query.query.limit``): the client's
    name for the field is ``query.limit``.
    """
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if len(loc) > 2 and loc[0] == "query":
            del loc[1]
        fields.setdefault(".".join(loc) or "request", str(error.get("msg", "invalid")))
    return fields


def Query(**options: Any) -> Any:
    """Powertools' ``Query()`` marker, imported when the route's annotations are first read (the first request).

    Handlers write ``query: Annotated[Model, Query()]`` under ``from __future__ import annotations``, so INIT
    does not load Powertools' OpenAPI package; the validation middlewares load with it, on the first request.
    """
    from aws_lambda_powertools.event_handler.openapi.params import Query as PowertoolsQuery

    return PowertoolsQuery(**options)


def make_resolver(
    *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, authorize: Callable[[Mapping[str, Any]], object] | None = None
) -> APIGatewayHttpResolver:
    """The HTTP API resolver every HTTP function uses (see the module docstring).

    A body over ``max_body_bytes`` is a 413. ``authorize(event)`` runs first on every matched route and raises
    the taxonomy's 401/403, so a caller who may not use a route learns nothing about its input rules.
    """
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.exceptions import ServiceError
    from aws_lambda_powertools.event_handler.openapi.exceptions import (
        RequestValidationError,
    )

    class Resolver(APIGatewayHttpResolver):
        @cached_property
        def _request_validation_middleware(self) -> Any:  # type: ignore[override]  # Powertools' is an attribute
            """Powertools' request validation, built on the first request; ``authorize`` and the body guard first."""
            from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
                OpenAPIRequestValidationMiddleware,
            )

            class Validation(OpenAPIRequestValidationMiddleware):
                def handler(self, app: Any, next_middleware: Any) -> Any:
                    if authorize is not None and app.context["_route"] in [*app._static_routes, *app._dynamic_routes]:
                        authorize(app.current_event.raw_event)  # 401/403 before the input is looked at
                    return super().handler(app, next_middleware)

                def _get_body(self, app: Any) -> dict[str, Any]:
                    return json_body(app.current_event.raw_event, max_bytes=max_body_bytes)  # JSON only, guarded

            return Validation()  # type: ignore[no-untyped-call]  # Powertools' __init__ has no annotations

    app = Resolver(serializer=json_dumps)
    # enable_validation=True, set after construction, so the validation middleware (and Powertools' OpenAPI
    # package, ~65 ms CPU) loads on the first request instead of at INIT. Responses are not re-validated.
    app._enable_validation = True

    def request_id() -> str:
        request_id = getattr(getattr(app, "lambda_context", None), "aws_request_id", None)
        return str(request_id or app.current_event.request_context.request_id or "unknown")

    def answer(exc: BaseException) -> Response[Any]:
        status, body, headers = error_body(exc, request_id=request_id())
        return Response(status_code=status, content_type=JSON, body=body, headers=headers)

    def known(exc: Exception) -> Response[Any]:
        error = classify(exc)
        if error is not None and error.status < 500:
            logger.info("request rejected", extra={"error_code": error.code, "status": error.status})
        elif error is not None:
            logger.warning("request failed", extra={"error_code": error.code, "status": error.status})
        return answer(exc)

    def invalid_request(exc: RequestValidationError) -> Response[Any]:
        return known(ValidationError(fields=_fields(exc.errors())))

    def no_route(exc: Exception) -> Response[Any]:
        method, path = app.current_event.http_method, app.current_event.path
        allowed = allowed_methods(app, path)
        if allowed:
            return known(MethodNotAllowedError(f"{method} is not allowed on {path}", allowed=allowed))
        return known(NotFoundError(f"no route for {method} {path}"))

    def powertools_error(exc: ServiceError) -> Response[Any]:
        # Powertools' own HTTP errors (BadRequestError, ...) keep their status, in the taxonomy's body shape.
        body = {"error": {"code": f"http_{exc.status_code}", "message": exc.msg, "request_id": request_id()}}
        return Response(status_code=exc.status_code, content_type=JSON, body=body)

    def unexpected(exc: Exception) -> Response[Any]:
        logger.exception("unexpected error", extra={"request_id": request_id()})
        return answer(exc)

    def refuse_unknown_query(app: APIGatewayHttpResolver, next_middleware: Callable[[Any], Any]) -> Any:
        """A ``Query()`` model with ``extra="forbid"`` refuses parameters it does not name, as it would in a body."""
        sent = set(app.current_event.query_string_parameters or {})
        for param in app.context["_route"].dependant.query_params:
            model = param.field_info.annotation
            if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
                continue
            names = {field.alias or name for name, field in model.model_fields.items()}
            if model.model_config.get("extra") == "forbid" and (unknown := sorted(sent - names)):
                raise ValidationError(fields={f"query.{name}": "Extra inputs are not permitted" for name in unknown})
        return next_middleware(app)

    # Lookup walks the exception's MRO, so the most specific registration wins; Exception is the last resort.
    app.exception_handler([AppError, pydantic.ValidationError])(known)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(ServiceError)(powertools_error)
    app.not_found(no_route)
    app.exception_handler(Exception)(unexpected)
    app.use([refuse_unknown_query])
    return app
