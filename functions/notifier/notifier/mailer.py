"""SES adapter: one plain-text e-mail."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from notifier.settings import settings
from notifier.templates import Email
from shared import aws
from shared.errors import NonRetryableError

# SES refuses these for the message itself (unverified sender, bad address): sending again cannot help.
_PERMANENT = frozenset({"MessageRejected", "MailFromDomainNotVerifiedException", "ConfigurationSetDoesNotExist"})


class EmailRejectedError(NonRetryableError):
    code = "email_rejected"


def send_email(recipients: Sequence[str], email: Email) -> str:
    """Send ``email`` from SENDER_EMAIL; SES's message id."""
    try:
        response = aws.ses().send_email(
            Source=settings().sender_email,
            Destination={"ToAddresses": list(recipients)},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email.body, "Charset": "UTF-8"}},
            },
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in _PERMANENT:
            raise EmailRejectedError(f"SES rejected the e-mail: {error.get('Message', error.get('Code'))}") from None
        raise
    return response["MessageId"]
