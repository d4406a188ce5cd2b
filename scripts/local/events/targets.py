"""What an EventBridge target receives: the event, or its ``Input`` / ``InputPath`` / ``InputTransformer``."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["json_path", "target_payload"]

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def json_path(document: Any, path: str) -> Any:
    """The value at a simple JSONPath (``$``, ``$.detail``, ``$.detail.order.id``); a missing key → None."""
    if path == "$":
        return document
    if not path.startswith("$."):
        raise ValueError(f"unsupported JSONPath {path!r}: expected '$' or '$.a.b'")
    value = document
    for key in path[2:].split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def target_payload(target: dict[str, Any], event: dict[str, Any], rule_arn: str, rule_name: str) -> bytes:
    """The bytes a Lambda target is invoked with for ``event``, following the target's input settings."""
    if target.get("Input") is not None:
        return str(target["Input"]).encode()
    if target.get("InputPath"):
        return json.dumps(json_path(event, str(target["InputPath"]))).encode()
    transformer = target.get("InputTransformer")
    if transformer:
        values: dict[str, Any] = {
            name: json_path(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()
        }
        values.update(
            {
                "aws.events.event": event,
                "aws.events.event.json": event,
                "aws.events.rule-arn": rule_arn,
                "aws.events.rule-name": rule_name,
                "aws.events.event.ingestion-time": event.get("time"),
            }
        )

        def substitute(match: re.Match[str]) -> str:
            if match.group(1) not in values:
                return match.group(0)
            value = values[match.group(1)]
            # A string goes in as text (the template quotes it); anything else as JSON.
            return value if isinstance(value, str) else json.dumps(value)

        return _PLACEHOLDER.sub(substitute, str(transformer.get("InputTemplate", ""))).encode()
    return json.dumps(event).encode()
