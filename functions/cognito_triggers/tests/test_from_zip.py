"""The three triggers from the built zip (with the common layer) against a real moto server on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.lambda_sandbox import HandlerError
from tests.support.lambda_zips import load_event

from .conftest import ALLOWED, USERS_TABLE, create_users_table

pytestmark = pytest.mark.slow

ENV = {"USERS_TABLE": USERS_TABLE, "ALLOWED_EMAIL_DOMAINS": ALLOWED}
SUB = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"


def test_sample_sign_ups_from_the_zip(built_function: Any, aws_endpoint: Any) -> None:
    # Given the built function
    fn = built_function("cognito_triggers")
    # When it runs the three sample pre sign-up events
    allowed = fn.invoke("cognito_pre_sign_up", load_event("cognito_triggers", "pre_sign_up"), env=ENV)
    admin = fn.invoke("cognito_pre_sign_up", load_event("cognito_triggers", "pre_sign_up_admin_create_user"), env=ENV)
    with pytest.raises(HandlerError) as rejected:
        fn.invoke("cognito_pre_sign_up", load_event("cognito_triggers", "pre_sign_up_other_domain"), env=ENV)
    # Then the allowed one is confirmed, the admin one admitted as is, the other refused with the user's message
    assert allowed.result["response"] == {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}
    assert admin.result["response"]["autoConfirmUser"] is False
    assert rejected.value.payload["errorType"] == "SignUpRejectedError"
    assert rejected.value.payload["errorMessage"] == (
        "Sign-up is limited to approved organisations; mail.example.net is not one of them."
    )


def test_confirmation_then_token_from_the_zip(built_function: Any, aws_endpoint: Any) -> None:
    # Given the users table on the emulator
    create_users_table(aws_endpoint.client("dynamodb"))
    fn = built_function("cognito_triggers")
    # When the sample confirmation runs twice, a password-reset confirmation once, then token generation
    first = fn.invoke("cognito_post_confirmation", load_event("cognito_triggers", "post_confirmation"), env=ENV)
    fn.invoke("cognito_post_confirmation", load_event("cognito_triggers", "post_confirmation"), env=ENV)
    reset_event = load_event("cognito_triggers", "post_confirmation_forgot_password")
    fn.invoke("cognito_post_confirmation", reset_event, env=ENV)
    token = fn.invoke("cognito_pre_token_generation", load_event("cognito_triggers", "pre_token_generation"), env=ENV)
    # Then one profile exists and the token carries its tenant and role
    items = aws_endpoint.client("dynamodb").scan(TableName=USERS_TABLE)["Items"]
    assert [item["pk"]["S"] for item in items] == [f"user#{SUB}"]
    assert first.result == load_event("cognito_triggers", "post_confirmation")
    assert token.result["response"]["claimsOverrideDetails"] == {
        "claimsToAddOrOverride": {"tenant": "example.com", "role": "customer"}
    }


def test_token_without_profile_is_refused_from_the_zip(built_function: Any, aws_endpoint: Any) -> None:
    # Given an empty users table
    create_users_table(aws_endpoint.client("dynamodb"))
    # When tokens are generated for the sample user
    with pytest.raises(HandlerError) as refused:
        built_function("cognito_triggers").invoke(
            "cognito_pre_token_generation", load_event("cognito_triggers", "pre_token_generation"), env=ENV
        )
    # Then Cognito receives the profile-missing error
    assert refused.value.payload["errorType"] == "ProfileMissingError"
