"""Post confirmation creates the profile once; pre token generation puts its tenant and role in the token."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cognito_triggers.handler import post_confirmation, pre_token_generation
from cognito_triggers.profiles import ProfileMissingError

from shared import aws
from shared.errors import ValidationError
from shared.settings import SettingsError
from tests.support.lambda_zips import load_event

SUB = "7d4e1a52-3c1f-4b8e-9a57-0c2b9f1e6d31"
KEY = {"pk": f"user#{SUB}", "sk": "profile"}


def profiles(table: str) -> list[dict[str, Any]]:
    return aws.dynamodb_table(table).scan()["Items"]


def test_confirmation_creates_the_profile(users_table: str, lambda_context: Any) -> None:
    # Given the sample confirmation of jane.doe@example.com
    event = load_event("cognito_triggers", "post_confirmation")
    # When the trigger runs
    result = post_confirmation(copy.deepcopy(event), lambda_context)
    # Then her profile exists with the email's domain as tenant and the default role, and the event is returned
    item = aws.dynamodb_table(users_table).get_item(Key=KEY)["Item"]
    assert {k: item[k] for k in ("user_id", "username", "email", "tenant", "role", "entity")} == {
        "user_id": SUB,
        "username": "jane.doe",
        "email": "jane.doe@example.com",
        "tenant": "example.com",
        "role": "customer",
        "entity": "profile",
    }
    assert item["created_at"].endswith("Z")
    assert result == event


def test_repeated_confirmation_keeps_the_first_profile(users_table: str, lambda_context: Any) -> None:
    # Given a confirmed user whose role an administrator has since raised
    post_confirmation(load_event("cognito_triggers", "post_confirmation"), lambda_context)
    table = aws.dynamodb_table(users_table)
    table.update_item(
        Key=KEY,
        UpdateExpression="SET #r = :admin",
        ExpressionAttributeNames={"#r": "role"},
        ExpressionAttributeValues={":admin": "admin"},
    )
    before = table.get_item(Key=KEY)["Item"]
    # When Cognito delivers the confirmation again (a retry)
    post_confirmation(load_event("cognito_triggers", "post_confirmation"), lambda_context)
    # Then nothing is overwritten and there is still one profile
    assert table.get_item(Key=KEY)["Item"] == before
    assert len(profiles(users_table)) == 1


def test_password_reset_confirmation_writes_nothing(users_table: str, lambda_context: Any) -> None:
    # Given the sample ConfirmForgotPassword event
    event = load_event("cognito_triggers", "post_confirmation_forgot_password")
    # When the trigger runs
    result = post_confirmation(copy.deepcopy(event), lambda_context)
    # Then no profile is written and the event is returned
    assert profiles(users_table) == []
    assert result == event


def test_confirmation_without_sub_is_a_validation_error_naming_it(users_table: str, lambda_context: Any) -> None:
    # Given a confirmation event missing the sub attribute
    event = load_event("cognito_triggers", "post_confirmation")
    del event["request"]["userAttributes"]["sub"]
    # When the trigger runs
    with pytest.raises(ValidationError) as raised:
        post_confirmation(event, lambda_context)
    # Then the error names the field and nothing is written
    assert raised.value.fields == {"request.userAttributes.sub": "required"}
    assert profiles(users_table) == []


def test_token_carries_tenant_and_role_from_the_profile(users_table: str, lambda_context: Any) -> None:
    # Given a confirmed user promoted to admin
    post_confirmation(load_event("cognito_triggers", "post_confirmation"), lambda_context)
    aws.dynamodb_table(users_table).update_item(
        Key=KEY,
        UpdateExpression="SET #r = :admin",
        ExpressionAttributeNames={"#r": "role"},
        ExpressionAttributeValues={":admin": "admin"},
    )
    # When her tokens are generated
    result = pre_token_generation(load_event("cognito_triggers", "pre_token_generation"), lambda_context)
    # Then the V1 response adds exactly the tenant and role claims
    assert result["response"] == {
        "claimsOverrideDetails": {"claimsToAddOrOverride": {"tenant": "example.com", "role": "admin"}}
    }


def test_token_for_user_without_profile_is_refused(users_table: str, lambda_context: Any) -> None:
    # Given a user with no profile item
    # When tokens are generated
    with pytest.raises(ProfileMissingError) as raised:
        pre_token_generation(load_event("cognito_triggers", "pre_token_generation"), lambda_context)
    # Then sign-in fails with a message for the user rather than a token without tenant
    assert "still being set up" in str(raised.value)


def test_missing_users_table_fails_naming_the_variable(
    users_table: str, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deployment without USERS_TABLE
    monkeypatch.delenv("USERS_TABLE")
    # When a confirmation arrives
    with pytest.raises(SettingsError) as raised:
        post_confirmation(load_event("cognito_triggers", "post_confirmation"), lambda_context)
    # Then the error names the variable
    assert raised.value.names == ("USERS_TABLE",)
