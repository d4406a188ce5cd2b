"""shared.identity: the caller is the JWT sub claim; anything else is a 401/403, never a 500 or anonymous."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import ForbiddenError, UnauthorizedError
from shared.identity import caller_id, has_scope, jwt_claims, require_scope, token_scopes

SUB = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"


def with_jwt(jwt: object) -> dict[str, Any]:
    return {"version": "2.0", "requestContext": {"http": {"method": "GET"}, "authorizer": {"jwt": jwt}}}


def with_claims(**claims: object) -> dict[str, Any]:
    return with_jwt({"claims": claims, "scopes": None})


def test_the_caller_is_the_sub_claim() -> None:
    assert caller_id(with_claims(sub=SUB, username="alice")) == SUB


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"requestContext": None},
        {"requestContext": {"authorizer": "jwt"}},
        {"requestContext": {"authorizer": {"jwt": ["claims"]}}},
        with_jwt({"claims": None}),
        with_claims(username="alice"),
    ],
    ids=["no-context", "null-context", "odd-authorizer", "odd-jwt", "null-claims", "no-sub"],
)
def test_a_request_without_a_sub_is_401(event: dict[str, Any]) -> None:
    with pytest.raises(UnauthorizedError, match="carries no user") as raised:
        caller_id(event)
    assert raised.value.status == 401


@pytest.mark.parametrize(
    "sub",
    ["", " ", "-leading-dash", "a" * 129, "a/b", "user 1", "١٢٣", "ｕｓｅｒ", 42, ["a"], {"sub": "a"}, "a\x00"],
)
def test_an_odd_sub_is_401(sub: object) -> None:
    with pytest.raises(UnauthorizedError, match="not a valid user id"):
        caller_id(with_claims(sub=sub))


def test_scopes_come_from_the_authorizer_list_and_the_scope_claim() -> None:
    event = with_jwt({"claims": {"sub": SUB, "scope": "openid orders/payments"}, "scopes": ["email", 7]})
    assert token_scopes(event) == {"openid", "orders/payments", "email"}
    assert has_scope(event, "orders/payments")
    assert not has_scope(with_claims(sub=SUB), "orders/payments")


def test_require_scope_is_403_for_a_user_without_it_and_401_without_a_user() -> None:
    # Given a customer token (no scope) and a service token (the scope)
    customer = with_claims(sub=SUB, scope="aws.cognito.signin.user.admin")
    service = with_claims(sub="6q3l0s5kbu9vq2c8e0f3gh1ij2", scope="orders/payments")
    # Then only the service passes, and a request without a caller is a 401 before the scope is looked at
    assert require_scope(service, "orders/payments", why="service only") == "6q3l0s5kbu9vq2c8e0f3gh1ij2"
    with pytest.raises(ForbiddenError, match=r"service only \(needs the orders/payments scope\)"):
        require_scope(customer, "orders/payments", why="service only")
    with pytest.raises(UnauthorizedError):
        require_scope({"headers": {}}, "orders/payments", why="service only")


def test_claims_are_empty_for_odd_shapes() -> None:
    assert jwt_claims({"requestContext": {"authorizer": {"jwt": {"claims": "sub=x"}}}}) == {}
