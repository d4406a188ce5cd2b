"""What every HTTP answer must be, whatever was asked: below 500, JSON, and nothing internal in it."""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any
from urllib.parse import unquote

# A traceback, a source file, or an exception class name (ValueError, RecursionError, ClientError, ...), unless
# the client sent that very text (hypothesis mines words like "Error" from the code and echoes are fine).
INTERNAL_DETAIL = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|/work/|/var/task|/opt/python|\b[A-Z][A-Za-z]*(?:Error|Exception)\b"
)


def sent_text(event: dict[str, Any]) -> str:
    """Everything the client sent, as text (raw and percent-decoded): an echo of it is not an internal detail."""
    text = json.dumps(event, ensure_ascii=False, default=repr)
    return text + "\n" + unquote(text)


def describe(event: dict[str, Any], limit: int = 600) -> str:
    text = json.dumps(event, ensure_ascii=True, default=repr)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def decoded_body(response: dict[str, Any]) -> str:
    raw = response.get("body") or ""
    if response.get("isBase64Encoded"):
        data = base64.b64decode(raw)
        headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
        return (gzip.decompress(data) if headers.get("content-encoding") == "gzip" else data).decode()
    return raw


def assert_safe_answer(response: Any, event: dict[str, Any]) -> tuple[int, Any]:
    """(status, parsed JSON body) after checking the answer is a client-safe payload 2.0 response."""
    where = describe(event)
    assert isinstance(response, dict), f"not a payload 2.0 response: {response!r} for {where}"
    status = response.get("statusCode")
    assert isinstance(status, int), f"no integer statusCode in {response!r} for {where}"
    text = decoded_body(response)
    assert status < 500, f"{status} {text[:500]} for {where}"
    sent = sent_text(event)
    leaks = [match.group(0) for match in INTERNAL_DETAIL.finditer(text) if match.group(0) not in sent]
    assert not leaks, f"internal detail {leaks[0]!r} in {text[:500]} for {where}"
    if not text:
        return status, None
    content_type = {key.lower(): value for key, value in (response.get("headers") or {}).items()}.get("content-type")
    assert str(content_type).startswith("application/json"), f"body is not declared JSON ({content_type!r}) for {where}"
    try:
        return status, json.loads(text)
    except ValueError:
        raise AssertionError(f"body is not JSON: {text[:500]} for {where}") from None
