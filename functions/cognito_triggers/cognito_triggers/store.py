"""The DynamoDB adapter for profiles: item ``pk = "user#<sub>"``, ``sk = "profile"`` in ``USERS_TABLE``."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from cognito_triggers.profiles import Profile

if TYPE_CHECKING:
    pass
from shared import aws
from shared.settings import EnvSettings, load_settings

__all__ = ["ProfileSettings", "create_profile", "get_profile"]

SORT_KEY = "profile"


class ProfileSettings(EnvSettings):
    users_table: str


def _table():
    return aws.dynamodb_table(load_settings(ProfileSettings).users_table)


def _key(user_id: str) -> dict[str, str]:
    return {"pk": f"user#{user_id}", "sk": SORT_KEY}


def create_profile(profile: Profile) -> bool:
    """Put the profile unless one exists (True when created). An existing profile is never overwritten."""
    item = {**_key(profile.user_id), "entity": "profile", **asdict(profile)}
    try:
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get_profile(user_id: str) -> Profile | None:
    """The user's profile (strongly consistent: the first sign-in follows confirmation within seconds)."""
    item = _table().get_item(Key=_key(user_id), ConsistentRead=True).get("Item")
    if item is None:
        return None
    return Profile(
        user_id=str(item["user_id"]),
        username=str(item["username"]),
        email=str(item["email"]),
        tenant=str(item["tenant"]),
        role=str(item["role"]),
        created_at=str(item["created_at"]),
    )
