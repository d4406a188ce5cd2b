"""Entry points: the three Cognito user pool triggers. Each returns the event with its ``response`` filled in."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostConfirmationTriggerEvent,
    PreSignUpTriggerEvent,
    PreTokenGenerationTriggerEvent,
)

from cognito_triggers.profiles import new_profile, token_claims
from cognito_triggers.signup import decide_sign_up
from cognito_triggers.store import create_profile, get_profile
from shared.middleware import event_handler
from shared.observability import logger
from shared.settings import CsvList, EnvSettings, load_settings


class SignUpSettings(EnvSettings):
    allowed_email_domains: CsvList


@event_handler(source="direct")
def pre_sign_up(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = PreSignUpTriggerEvent(event)
    allowed = load_settings(SignUpSettings).allowed_email_domains
    self_service = trigger.trigger_source != "PreSignUp_AdminCreateUser"
    decision = decide_sign_up(trigger.request.user_attributes.get("email"), allowed, self_service=self_service)
    trigger.response.auto_confirm_user = decision.auto_confirm_user
    trigger.response.auto_verify_email = decision.auto_verify_email
    return trigger.raw_event


@event_handler(source="direct")
def post_confirmation(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = PostConfirmationTriggerEvent(event)
    if trigger.trigger_source != "PostConfirmation_ConfirmSignUp":
        return trigger.raw_event  # a confirmed password reset: the profile exists already
    attributes = trigger.request.user_attributes
    profile = new_profile(user_id=attributes.get("sub"), username=trigger.user_name, email=attributes.get("email"))
    created = create_profile(profile)
    logger.info("profile confirmed", extra={"user_id": profile.user_id, "profile_created": created})
    return trigger.raw_event


@event_handler(source="direct")
def pre_token_generation(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = PreTokenGenerationTriggerEvent(event)
    user_id = trigger.request.user_attributes["sub"]
    claims = token_claims(get_profile(user_id), user_id=user_id)
    trigger.response.claims_override_details.claims_to_add_or_override = claims
    return trigger.raw_event
