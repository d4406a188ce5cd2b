"""Step Functions adapter: start the order saga under a name derived from the order, at most once."""

from __future__ import annotations

import hashlib
import re

from botocore.exceptions import ClientError

from order_events_router.settings import settings
from shared import aws
from shared.contracts import SagaInput

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def execution_name(order_id: str) -> str:
    """``order-<readable id>-<hash>``: ≤ 80 characters, only ``[A-Za-z0-9_-]``, one name per order id.

    The hash of the exact id keeps two ids apart that sanitize or truncate to the same text (``a.b``/``a:b``).
    """
    digest = hashlib.sha256(order_id.encode()).hexdigest()[:16]
    return f"order-{_UNSAFE.sub('_', order_id)[:56]}-{digest}"


def start_saga(saga_input: SagaInput) -> bool:
    """Start the saga for the order; False when Step Functions answers ExecutionAlreadyExists.

    A redelivery while the saga runs (same name, same input) is answered with the running execution, so it
    returns True without starting another; an ended saga, or other input under the name, gives False.
    """
    try:
        aws.sfn().start_execution(
            stateMachineArn=settings().order_saga_arn,
            name=execution_name(saga_input.order_id),
            input=saga_input.model_dump_json(),
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            return False
        raise
    return True
