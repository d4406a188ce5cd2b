"""Entry point: POST /uploads (API Gateway HTTP API, payload 2.0), for the signed-in user (JWT sub) only."""

from __future__ import annotations

import time
from typing import Any

from shared.http import make_resolver
from shared.identity import caller_id
from shared.middleware import api_handler
from upload_url.policy import UploadRequest, plan_upload
from upload_url.storage import presign_post

MAX_REQUEST_BYTES = 4096  # the body is two small fields

app = make_resolver(max_body_bytes=MAX_REQUEST_BYTES, authorize=caller_id)


@app.post("/uploads")
def create_upload(request: UploadRequest) -> dict[str, Any]:
    owner = caller_id(app.current_event.raw_event)
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
