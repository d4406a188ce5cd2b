"""Pre sign-up: allowed domains are confirmed and verified at once; everyone else is refused with a message."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cognito_triggers.handler import pre_sign_up
from cognito_triggers.signup import SignUpRejectedError

from shared.settings import SettingsError
from tests.support.lambda_zips import load_event


def sign_up(email: str | None, source: str = "PreSignUp_SignUp") -> dict[str, Any]:
    event = copy.deepcopy(load_event("cognito_triggers", "pre_sign_up"))
    event["triggerSource"] = source
    if email is None:
        del event["request"]["userAttributes"]["email"]
    else:
        event["request"]["userAttributes"]["email"] = email
    return event


def test_allowed_domain_is_auto_confirmed_and_email_verified(lambda_context: Any) -> None:
    # Given the sample sign-up from Jane.Doe@Example.com (mixed case) and example.com allowed
    event = load_event("cognito_triggers", "pre_sign_up")
    # When the trigger runs
    result = pre_sign_up(copy.deepcopy(event), lambda_context)
    # Then the user is confirmed and the email verified, the phone left alone, the rest of the event unchanged
    assert result["response"] == {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}
    assert {k: v for k, v in result.items() if k != "response"} == {k: v for k, v in event.items() if k != "response"}


def test_second_allowed_domain_from_the_list_is_accepted(lambda_context: Any) -> None:
    # Given a sign-up from the second allowed domain (configured as "Example.org")
    # When the trigger runs
    result = pre_sign_up(sign_up("sam@example.org"), lambda_context)
    # Then it is confirmed
    assert result["response"]["autoConfirmUser"] is True


def test_other_domain_is_rejected_with_a_message_for_the_user(lambda_context: Any) -> None:
    # Given the sample sign-up from a domain that is not allowed
    event = load_event("cognito_triggers", "pre_sign_up_other_domain")
    # When the trigger runs
    with pytest.raises(SignUpRejectedError) as raised:
        pre_sign_up(event, lambda_context)
    # Then the error Cognito shows names the domain
    assert str(raised.value) == "Sign-up is limited to approved organisations; mail.example.net is not one of them."


@pytest.mark.parametrize("email", ["jane@sub.example.com", "jane@example.com.evil.net", "jane@notexample.com"])
def test_lookalike_domains_are_rejected(lambda_context: Any, email: str) -> None:
    # Given an address whose domain only resembles an allowed one
    # When the trigger runs
    # Then it is rejected: domains match exactly
    with pytest.raises(SignUpRejectedError):
        pre_sign_up(sign_up(email), lambda_context)


@pytest.mark.parametrize("email", [None, "", "no-at-sign"])
def test_missing_or_malformed_email_is_rejected(lambda_context: Any, email: str | None) -> None:
    # Given a sign-up without a usable email
    # When the trigger runs
    # Then it is rejected
    with pytest.raises(SignUpRejectedError):
        pre_sign_up(sign_up(email), lambda_context)


def test_admin_created_user_keeps_cognitos_invitation_flow(lambda_context: Any) -> None:
    # Given the sample AdminCreateUser event for an allowed domain
    event = load_event("cognito_triggers", "pre_sign_up_admin_create_user")
    # When the trigger runs
    result = pre_sign_up(event, lambda_context)
    # Then it is admitted without auto-confirmation (the user sets a password from the invitation)
    assert result["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def test_admin_created_user_from_other_domain_is_rejected(lambda_context: Any) -> None:
    # Given an administrator creating a user outside the allowed domains
    # When the trigger runs
    # Then the domain rule still applies
    with pytest.raises(SignUpRejectedError):
        pre_sign_up(sign_up("x@mail.example.net", source="PreSignUp_AdminCreateUser"), lambda_context)


def test_missing_allowed_domains_fails_naming_the_variable(
    lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployment without ALLOWED_EMAIL_DOMAINS
    monkeypatch.delenv("ALLOWED_EMAIL_DOMAINS")
    # When a sign-up arrives
    with pytest.raises(SettingsError) as raised:
        pre_sign_up(load_event("cognito_triggers", "pre_sign_up"), lambda_context)
    # Then the error names the variable (nobody is admitted by accident)
    assert raised.value.names == ("ALLOWED_EMAIL_DOMAINS",)
