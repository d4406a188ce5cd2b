"""Who may sign up: only emails from the allowed domains, which are then confirmed without a code. No AWS here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.errors import ForbiddenError

__all__ = ["SignUpDecision", "SignUpRejectedError", "decide_sign_up", "email_domain"]


class SignUpRejectedError(ForbiddenError):
    """Cognito shows this error's message to the person signing up (as "PreSignUp failed with error <message>")."""

    code = "sign_up_rejected"


@dataclass(frozen=True)
class SignUpDecision:
    auto_confirm_user: bool
    auto_verify_email: bool


def email_domain(email: str) -> str:
    """The lower-cased domain of ``email`` ("" when there is none)."""
    _, at, domain = email.strip().rpartition("@")
    return domain.lower() if at else ""


def decide_sign_up(email: str | None, allowed_domains: Iterable[str], *, self_service: bool = True) -> SignUpDecision:
    """Allow an email from an allowed domain (confirmed and verified at once); reject everything else.

    ``self_service=False`` (an administrator creating the user) keeps the domain rule but leaves confirmation
    to Cognito's own invitation flow.
    """
    if not email or not email.strip():
        raise SignUpRejectedError("An email address is required to sign up.")
    domain = email_domain(email)
    allowed = {d.strip().lower() for d in allowed_domains if d.strip()}
    if not domain or domain not in allowed:
        raise SignUpRejectedError(
            f"Sign-up is limited to approved organisations; {domain or 'this address'} is not one of them."
        )
    return SignUpDecision(auto_confirm_user=self_service, auto_verify_email=self_service)
