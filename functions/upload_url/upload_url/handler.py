"""Entry point: POST /uploads (API Gateway HTTP API, payload 2.0), for the signed-in user (JWT sub) only."""

from __future__ import annotations

import time
from typing import Any

import pydantic

from shared.errors import ValidationError
from shared.http import json_body, make_resolver
from shared.identity import caller_id
from shared.middleware import api_handler
from upload_url.policy import UploadRequest, plan_upload
from upload_url.storage import presign_post

app = make_resolver()

MAX_REQUEST_BYTES = 4096  # the body is two small fields


@app.post("/uploads")
def create_upload() -> dict[str, Any]:
    owner = caller_id(app.current_event.raw_event)
    body = json_body(app.current_event.raw_event, max_bytes=MAX_REQUEST_BYTES)
    try:
        request = UploadRequest.model_validate(body)
    except pydantic.ValidationError as exc:
        raise ValidationError.from_pydantic(exc, prefix="body") from None
    plan = plan_upload(request, owner=owner)
    form = presign_post(plan)
    return {
        "url": form.url,
        "fields": form.fields,
        "key": plan.key,
        "content_type": plan.content_type,
        "max_bytes": plan.max_bytes,
        "expires_at": int(time.time()) + plan.expires_in,
    }


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
