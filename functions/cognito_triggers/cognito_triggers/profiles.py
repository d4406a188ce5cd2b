"""The user's profile: created once on confirmation, read for the claims of every token. No AWS here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cognito_triggers.signup import email_domain
from shared.errors import NotFoundError, ValidationError

__all__ = ["DEFAULT_ROLE", "Profile", "ProfileMissingError", "new_profile", "token_claims"]

DEFAULT_ROLE = "customer"  # every self-service user starts here; only an administrator changes a profile's role


class ProfileMissingError(NotFoundError):
    """No profile for a user at sign-in. Cognito shows the message; no token without tenant and role is issued."""

    code = "profile_missing"


@dataclass(frozen=True)
class Profile:
    user_id: str  # the Cognito ``sub``
    username: str
    email: str
    tenant: str
    role: str
    created_at: str


def new_profile(*, user_id: str | None, username: str, email: str | None, now: datetime | None = None) -> Profile:
    """The profile of a newly confirmed user; the tenant is the email's domain (sign-up admitted only those)."""
    domain = email_domain(email or "")
    if not user_id or not domain:
        fields: dict[str, str] = {}
        if not user_id:
            fields["request.userAttributes.sub"] = "required"
        if not domain:
            fields["request.userAttributes.email"] = "required: an address with a domain"
        raise ValidationError(fields=fields)
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Profile(
        user_id=user_id,
        username=username,
        email=(email or "").strip().lower(),
        tenant=domain,
        role=DEFAULT_ROLE,
        created_at=created,
    )


def token_claims(profile: Profile | None, *, user_id: str) -> dict[str, str]:
    """The claims each ID token carries: ``tenant`` and ``role``."""
    if profile is None:
        raise ProfileMissingError(f"Your account {user_id} is still being set up; please try signing in again shortly.")
    return {"tenant": profile.tenant, "role": profile.role}
