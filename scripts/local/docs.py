"""Swagger UI for the local API gateway at ``/docs`` (local only: the deployed HTTP API has no such route).

``/docs`` links every committed ``docs/openapi/<function>.json`` (``make openapi``); ``/docs/<function>`` is
Swagger UI on that document. Swagger UI's script and stylesheet come from the copy Powertools ships inside its package
(``aws_lambda_powertools/event_handler/openapi/swagger_ui``), so nothing is fetched from a CDN: the page works
offline and no npm package is vendored.

    GET /docs                           the list of documents
    GET /docs/<function>                Swagger UI on one document
    GET /docs/openapi/<function>.json   a committed document
    GET /docs/swagger-ui-bundle.min.js  Swagger UI's script (from Powertools)
    GET /docs/swagger-ui.min.css        Swagger UI's stylesheet (from Powertools)
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

__all__ = ["OPENAPI_DIR", "serve"]

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "docs" / "openapi"
_DOCUMENT = re.compile(r"/docs/openapi/([a-z0-9_]+\.json)")
_PAGE = re.compile(r"/docs/([a-z0-9_]+)")
_ASSETS = {"swagger-ui-bundle.min.js": "text/javascript", "swagger-ui.min.css": "text/css"}

INDEX = """<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>API documents (local)</title></head>
<body><h1>API documents (local)</h1><ul>{items}</ul></body></html>
"""
PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="UTF-8"><title>{title}</title><link rel="stylesheet" href="/docs/swagger-ui.min.css"></head>
<body>
<div id="swagger-ui">Loading...</div>
<script src="/docs/swagger-ui-bundle.min.js"></script>
<script>
SwaggerUIBundle({{dom_id: "#swagger-ui", url: {url}, deepLinking: true, layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis]}});
</script>
</body>
</html>
"""


def _swagger_ui_dir() -> Path:
    import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui

    return Path(swagger_ui.__file__).parent


def index(openapi_dir: Path = OPENAPI_DIR) -> str:
    """Links to every committed document's Swagger UI page."""
    names = [path.stem for path in sorted(openapi_dir.glob("*.json"))]
    return INDEX.format(items="".join(f'<li><a href="/docs/{html.escape(n)}">{html.escape(n)}</a></li>' for n in names))


def page(name: str) -> str:
    """Swagger UI on ``docs/openapi/<name>.json``."""
    return PAGE.format(title=html.escape(f"{name} (local)"), url=json.dumps(f"/docs/openapi/{name}.json"))


def serve(path: str, openapi_dir: Path = OPENAPI_DIR) -> tuple[int, str, bytes] | None:
    """(status, content type, body) for a ``/docs`` path; None when ``path`` is not one (the API's routes)."""
    path = path.split("?", 1)[0]
    if path in ("/docs", "/docs/"):
        return 200, "text/html; charset=utf-8", index(openapi_dir).encode()
    if (match := _DOCUMENT.fullmatch(path)) and (openapi_dir / match.group(1)).is_file():
        return 200, "application/json", (openapi_dir / match.group(1)).read_bytes()
    if (match := _PAGE.fullmatch(path)) and (openapi_dir / f"{match.group(1)}.json").is_file():
        return 200, "text/html; charset=utf-8", page(match.group(1)).encode()
    name = path.removeprefix("/docs/")
    if name in _ASSETS:
        return 200, _ASSETS[name], (_swagger_ui_dir() / name).read_bytes()
    if path.startswith("/docs/"):
        return 404, "application/json", b'{"message":"Not Found"}'
    return None
