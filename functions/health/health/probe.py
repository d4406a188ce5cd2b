"""DynamoDB adapter: does the orders table answer, quickly?

Route 53 gives an endpoint 2 seconds to answer after connecting, so this probe uses its own client with
short timeouts and no retries (shared.aws's clients retry for up to ~15 s, right for work, wrong for a probe).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from shared.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ProbeResult = Literal["ok", "unavailable"]

PROBE_CONFIG = Config(connect_timeout=0.5, read_timeout=1.0, retries={"mode": "standard", "total_max_attempts": 1})
ANSWERING_STATES = frozenset({"ACTIVE", "UPDATING"})  # UPDATING tables still serve reads and writes

_lock = threading.Lock()
_clients: dict[tuple[str, str | None], DynamoDBClient] = {}


def _client(region: str) -> DynamoDBClient:
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None  # optional by design: unset means real AWS
    key = (region, endpoint)
    with _lock:
        if key not in _clients:
            _clients[key] = boto3.session.Session().client(
                "dynamodb", region_name=region, endpoint_url=endpoint, config=PROBE_CONFIG
            )
        return _clients[key]


def reset_probe_clients() -> None:
    """Forget cached clients (tests switch endpoints and moto backends)."""
    with _lock:
        _clients.clear()


def table_answers(table_name: str, *, region: str) -> ProbeResult:
    """DescribeTable within the probe's time budget; any failure or a table not serving is "unavailable"."""
    try:
        status = _client(region).describe_table(TableName=table_name)["Table"].get("TableStatus", "UNKNOWN")
    except (ConnectTimeoutError, ReadTimeoutError) as exc:
        logger.warning("health probe timed out", extra={"table": table_name, "error": str(exc)})
        return "unavailable"
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "unknown")
        logger.warning("health probe refused", extra={"table": table_name, "error_code": code})
        return "unavailable"
    except BotoCoreError as exc:
        logger.warning("health probe failed", extra={"table": table_name, "error": str(exc)})
        return "unavailable"
    if status not in ANSWERING_STATES:
        logger.warning("health probe: table not serving", extra={"table": table_name, "table_status": status})
        return "unavailable"
    return "ok"
