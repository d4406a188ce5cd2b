"""JWT authorizers as API Gateway HTTP APIs run them: RS256 signatures against the issuer's JWKS, then claims.

What a token must pass (API Gateway's workflow, plus Cognito's ``token_use``), else the route answers 401:

1. the identity source header holds the token, alone or after ``Bearer``;
2. its header names ``alg`` RS256 and a ``kid`` found in the issuer's JWKS, and the signature verifies;
3. ``iss`` equals the authorizer's issuer; ``exp`` is a number in the future; ``nbf``/``iat`` (when present) are
   numbers not in the future;
4. ``aud`` (a string or a list of strings; ID tokens) intersects the authorizer's audience, or, without
   ``aud``, ``client_id`` (access tokens) is one of them; ``token_use``, when present, agrees (``id`` with
   ``aud``, ``access`` with ``client_id``).

A malformed claim (``exp: "abc"``, ``aud: {}``) is a rejected token, never an error.

Keys come from the emulator: a Cognito issuer ``https://cognito-idp.<region>.amazonaws.com/<pool id>`` is
served at ``<emulator>/<pool id>/.well-known/jwks.json`` (moto signs its tokens with that key). Any other
issuer is looked up through its ``/.well-known/openid-configuration`` only when it is on loopback: the local
stack never leaves this machine, so a token from anywhere else is rejected.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[\w-]+)$")
JWKS_TIMEOUT_S = 1.5  # API Gateway's quota for the JWKS and discovery endpoints
JWKS_MAX_BYTES = 150_000  # API Gateway's quota for a JWKS response

KeyLookup = Callable[[str, str], "RSAKey | None"]  # (issuer, kid) -> the public key, or None


@dataclass(frozen=True)
class Authorizer:
    issuer: str | None
    audience: tuple[str, ...]
    header: str  # the identity source header, lower-cased


def bearer_token(headers: Mapping[str, str], header: str) -> str:
    value = headers.get(header, "").strip()
    return value.split(" ", 1)[1].strip() if value.lower().startswith("bearer ") else value


def verify_jwt(
    authorizer: Authorizer, headers: Mapping[str, str], keys: KeyLookup, *, now: float | None = None
) -> dict[str, Any] | None:
    """The token's claims when it passes every check in the module docstring; else None."""
    token = bearer_token(headers, authorizer.header)
    parts = token.split(".")
    if len(parts) != 3 or not authorizer.issuer:
        return None
    header = _json_segment(parts[0])
    if header is None or header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        return None
    key = keys(authorizer.issuer, header["kid"])
    if key is None:
        return None
    try:
        verified = jws.deserialize_compact(token, key, algorithms=["RS256"])
        claims = json.loads(verified.payload)
    except (JoseError, ValueError, TypeError):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != authorizer.issuer:
        return None
    current = time.time() if now is None else now
    if not _valid_times(claims, current) or not _valid_audience(claims, authorizer.audience):
        return None
    return claims


def _json_segment(segment: str) -> dict[str, Any] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    return value if isinstance(value, dict) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _valid_times(claims: dict[str, Any], now: float) -> bool:
    expires = _number(claims.get("exp"))
    if expires is None or expires <= now:
        return False
    for name in ("nbf", "iat"):
        if name in claims:
            moment = _number(claims[name])
            if moment is None or moment > now:
                return False
    return True


def _valid_audience(claims: dict[str, Any], audience: tuple[str, ...]) -> bool:
    token_use = claims.get("token_use")
    if "aud" in claims:
        raw = claims["aud"]
        audiences = [raw] if isinstance(raw, str) else raw
        if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
            return False
        return token_use in (None, "id") and bool(set(audiences) & set(audience))
    client_id = claims.get("client_id")
    return token_use in (None, "access") and isinstance(client_id, str) and client_id in audience


class JwksKeys:
    """Public keys per issuer, fetched on first use and again when a token names an unknown ``kid``."""

    def __init__(self, emulator_url: str, *, ttl_s: float = 300.0, refetch_after_s: float = 5.0) -> None:
        self._emulator_url = emulator_url.rstrip("/")
        self._ttl_s = ttl_s
        self._refetch_after_s = refetch_after_s
        self._cache: dict[str, tuple[float, dict[str, RSAKey]]] = {}
        self._lock = threading.Lock()

    def __call__(self, issuer: str, kid: str) -> RSAKey | None:
        with self._lock:
            fetched_at, keys = self._cache.get(issuer, (-math.inf, {}))
            age = time.monotonic() - fetched_at
            if age >= self._ttl_s or (kid not in keys and age >= self._refetch_after_s):
                keys = self._fetch(issuer)
                self._cache[issuer] = (time.monotonic(), keys)
            return keys.get(kid)

    def jwks_url(self, issuer: str) -> str | None:
        """Where this issuer's keys are served locally; None for an issuer off this machine."""
        cognito = _COGNITO_ISSUER.match(issuer)
        if cognito:
            return f"{self._emulator_url}/{cognito['pool']}/.well-known/jwks.json"
        if not _is_loopback(issuer):
            return None
        discovery = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        uri = discovery.get("jwks_uri") if discovery else None
        return uri if isinstance(uri, str) and _is_loopback(uri) else None

    def _fetch(self, issuer: str) -> dict[str, RSAKey]:
        url = self.jwks_url(issuer)
        document = _get_json(url) if url else None
        keys: dict[str, RSAKey] = {}
        for entry in (document or {}).get("keys") or []:
            if isinstance(entry, dict) and entry.get("kty") == "RSA" and isinstance(entry.get("kid"), str):
                try:
                    keys[entry["kid"]] = RSAKey.import_key(entry)
                except (JoseError, ValueError, TypeError):
                    continue  # one unusable key does not hide the others
        return keys


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _get_json(url: str) -> dict[str, Any] | None:
    """A JSON object from a loopback URL within API Gateway's JWKS limits; None on any failure."""
    try:
        with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_S) as response:
            raw = response.read(JWKS_MAX_BYTES + 1)
        document = json.loads(raw) if len(raw) <= JWKS_MAX_BYTES else None
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None
