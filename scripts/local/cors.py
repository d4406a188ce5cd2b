"""CORS as an HTTP API with a ``CorsConfiguration`` answers it (the configuration Terraform deployed).

* A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered by the API itself,
  before routes and authorizers: 204, with ``Access-Control-Allow-Origin/Methods/Headers/Max-Age`` (and
  ``-Credentials``) when the origin is allowed, without any CORS header when it is not.
* Any other response to a request with an allowed ``Origin`` carries ``Access-Control-Allow-Origin`` (plus
  ``-Expose-Headers``/``-Credentials``); CORS headers a function returned are dropped, as API Gateway ignores
  them once the API has a CORS configuration.

Origins match exactly (scheme, host and port), ``*`` matches any origin, and ``https://*``-style entries match
by prefix, as API Gateway documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_api(cls, document: Mapping[str, Any] | None) -> CorsConfig | None:
        """From apigatewayv2 GetApi's ``CorsConfiguration``; None when the API has none."""
        if not document:
            return None
        max_age = document.get("MaxAge")
        return cls(
            allow_origins=tuple(document.get("AllowOrigins") or ()),
            allow_methods=tuple(m.upper() for m in document.get("AllowMethods") or ()),
            allow_headers=tuple(h.lower() for h in document.get("AllowHeaders") or ()),
            expose_headers=tuple(document.get("ExposeHeaders") or ()),
            max_age=int(max_age) if max_age is not None else None,
            allow_credentials=bool(document.get("AllowCredentials")),
        )

    def allowed_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``; None when the origin is not allowed."""
        if not origin:
            return None
        for allowed in self.allow_origins:
            if allowed == "*":
                return origin if self.allow_credentials else "*"
            if allowed.endswith("*") and origin.startswith(allowed[:-1]):
                return origin
            if allowed.lower() == origin.lower():
                return origin
        return None


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """``headers`` lower-cased; a preflight needs both ``Origin`` and ``Access-Control-Request-Method``."""
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


def preflight_headers(config: CorsConfig, headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """The CORS headers of a 204 preflight answer (``headers`` lower-cased); empty for a disallowed origin."""
    origin = config.allowed_origin(headers.get("origin"))
    if origin is None:
        return []
    requested_method = headers.get("access-control-request-method", "").strip().upper()
    requested_headers = headers.get("access-control-request-headers", "").strip()
    # "*" is not honoured by browsers on credentialed requests: echo what was asked instead.
    methods = requested_method if "*" in config.allow_methods else ",".join(config.allow_methods)
    allowed_headers = requested_headers if "*" in config.allow_headers else ",".join(config.allow_headers)
    result = [("access-control-allow-origin", origin)]
    if methods:
        result.append(("access-control-allow-methods", methods))
    if allowed_headers:
        result.append(("access-control-allow-headers", allowed_headers))
    if config.max_age is not None:
        result.append(("access-control-max-age", str(config.max_age)))
    result += _credentials_and_vary(config, origin)
    return result


def response_headers(
    config: CorsConfig, request_headers: Mapping[str, str], headers: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``headers`` of a response with the function's CORS headers replaced by the API's."""
    kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
    origin = config.allowed_origin(request_headers.get("origin"))
    if origin is None:
        return kept
    kept.append(("access-control-allow-origin", origin))
    if config.expose_headers:
        kept.append(("access-control-expose-headers", ",".join(config.expose_headers)))
    return kept + _credentials_and_vary(config, origin)


def _credentials_and_vary(config: CorsConfig, origin: str) -> list[tuple[str, str]]:
    extra = [("access-control-allow-credentials", "true")] if config.allow_credentials else []
    return extra + ([("vary", "Origin")] if origin != "*" else [])
