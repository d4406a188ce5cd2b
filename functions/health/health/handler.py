"""Placeholder until the functions issue lands: answers the health route."""

from __future__ import annotations

import json
import os
from typing import Any


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    body = {"status": "ok", "region": os.environ.get("AWS_REGION", "unknown")}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
