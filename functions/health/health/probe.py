"""DynamoDB adapter: does the orders table answer, quickly?

Route 53 gives an endpoint 2 seconds to answer after connecting, so this probe's client has short timeouts
and no retries (shared.aws's default clients retry for up to ~15 s, right for work, wrong for a probe).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from shared import aws
from shared.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ProbeResult = Literal["ok", "unavailable"]

PROBE_CONFIG = Config(connect_timeout=0.5, read_timeout=1.0, retries={"mode": "standard", "total_max_attempts": 1})
ANSWERING_STATES = frozenset({"ACTIVE", "UPDATING"})  # UPDATING tables still serve reads and writes


def _client(region: str) -> DynamoDBClient:
    return cast("DynamoDBClient", aws.client("dynamodb", region=region, config=PROBE_CONFIG))


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
