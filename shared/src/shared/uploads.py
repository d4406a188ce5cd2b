"""The uploads bucket's one owner: where a user's upload lands, and whose an uploaded object is. No AWS.

upload_url writes ``uploads/<user id>/<uuid>.<ext>`` (the user id from the caller's token, never the request);
csv_ingest and image_resizer read what lands under ``uploads/``. An object in that exact form belongs to that
user; anything else under ``uploads/`` was written to the bucket directly (a back-office import) and has no
uploader.
"""

from __future__ import annotations

import re

from shared.identity import USER_ID

__all__ = ["PREFIX", "uploader_of", "user_upload_key"]

PREFIX = "uploads/"
_USER_UPLOAD = re.compile(
    rf"{PREFIX}(?P<user>{USER_ID.pattern})/[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}\.[a-z0-9]+"
)


def user_upload_key(user_id: str, object_id: str, extension: str) -> str:
    """Where ``user_id``'s upload ``object_id`` (a UUID) lands."""
    key = f"{PREFIX}{user_id}/{object_id}.{extension}"
    if uploader_of(key) != user_id:
        raise ValueError(f"not a user upload key: {key!r}")
    return key


def uploader_of(key: str) -> str | None:
    """The user an uploaded object belongs to, or None for an object outside every user's folder."""
    found = _USER_UPLOAD.fullmatch(key)
    return found.group("user") if found else None
