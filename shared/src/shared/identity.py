"""Who is calling an HTTP API route: the user (or service) an API Gateway JWT authorizer vouches for.

API Gateway's JWT authorizer verifies the token's signature, issuer, audience and expiry, then passes its claims
to the function as strings in ``requestContext.authorizer.jwt.claims`` (payload 2.0). The caller is the ``sub``
claim. A function acts as that caller and nothing more: an id in the path or body that names another user is
compared with it, never trusted instead of it.

Defence in depth: a request that reaches a function without a usable ``sub`` (a route deployed without the
authorizer, a direct invoke, a malformed claim) is a 401, never a 500 and never "anonymous".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.errors import ForbiddenError, UnauthorizedError

__all__ = ["USER_ID", "caller_id", "has_scope", "jwt_claims", "require_scope", "token_scopes"]

USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}")
"""A user id (a Cognito ``sub`` is a UUID): 1-128 ASCII letters, digits or ``._@:-``, a letter or digit first."""


def _mapping(value: object, key: str) -> Mapping[str, Any]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _jwt(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_mapping(_mapping(event, "requestContext"), "authorizer"), "jwt")


def jwt_claims(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The claims the JWT authorizer passed (empty when there is no authorizer or the shape is not a mapping)."""
    return _mapping(_jwt(event), "claims")


def caller_id(event: Mapping[str, Any]) -> str:
    """The signed-in user's id (the token's ``sub``); 401 when the request carries no valid one."""
    subject = jwt_claims(event).get("sub")
    if subject is None:
        raise UnauthorizedError("sign in first: the request carries no user (JWT sub claim)")
    if not isinstance(subject, str) or not USER_ID.fullmatch(subject):
        raise UnauthorizedError("the token's subject (JWT sub claim) is not a valid user id")
    return subject


def token_scopes(event: Mapping[str, Any]) -> frozenset[str]:
    """The token's OAuth scopes: the authorizer's ``scopes`` list and the space-separated ``scope`` claim."""
    listed = _jwt(event).get("scopes")
    scopes = {scope for scope in listed if isinstance(scope, str)} if isinstance(listed, list) else set()
    claim = jwt_claims(event).get("scope")
    if isinstance(claim, str):
        scopes.update(claim.split())
    return frozenset(scopes)


def has_scope(event: Mapping[str, Any], scope: str) -> bool:
    return scope in token_scopes(event)


def require_scope(event: Mapping[str, Any], scope: str, *, why: str) -> str:
    """The caller's id when the token grants ``scope``; 401 without a caller, 403 (saying ``why``) without it."""
    caller = caller_id(event)
    if not has_scope(event, scope):
        raise ForbiddenError(f"{why} (needs the {scope} scope)")
    return caller
