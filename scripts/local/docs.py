"""Swagger UI for the local API gateway at ``/docs`` (local only: the deployed HTTP API has no such route).

The page lists every committed ``docs/openapi/<function>.json`` (``make openapi``) in Swagger UI's spec
picker. Swagger UI's script and stylesheet come from the copy Powertools ships inside its package
(``aws_lambda_powertools/event_handler/openapi/swagger_ui``), so nothing is fetched from a CDN: the page works
offline and no npm package is vendored.

    GET /docs                           the Swagger UI page
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
_ASSETS = {"swagger-ui-bundle.min.js": "text/javascript", "swagger-ui.min.css": "text/css"}

PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="UTF-8"><title>{title}</title><link rel="stylesheet" href="/docs/swagger-ui.min.css"></head>
<body>
<div id="swagger-ui">Loading...</div>
<script src="/docs/swagger-ui-bundle.min.js"></script>
<script>
SwaggerUIBundle({{dom_id: "#swagger-ui", urls: {urls}, deepLinking: true, layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]}});
</script>
</body>
</html>
"""


def _swagger_ui_dir() -> Path:
    import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui

    return Path(swagger_ui.__file__).parent


def page(openapi_dir: Path = OPENAPI_DIR) -> str:
    """The Swagger UI page offering every committed document (none yet: an empty picker)."""
    urls = [{"name": path.stem, "url": f"/docs/openapi/{path.name}"} for path in sorted(openapi_dir.glob("*.json"))]
    return PAGE.format(title=html.escape("Orders API (local)"), urls=json.dumps(urls))


def serve(path: str, openapi_dir: Path = OPENAPI_DIR) -> tuple[int, str, bytes] | None:
    """(status, content type, body) for a ``/docs`` path; None when ``path`` is not one (the API's routes)."""
    path = path.split("?", 1)[0]
    if path in ("/docs", "/docs/"):
        return 200, "text/html; charset=utf-8", page(openapi_dir).encode()
    if (match := _DOCUMENT.fullmatch(path)) and (openapi_dir / match.group(1)).is_file():
        return 200, "application/json", (openapi_dir / match.group(1)).read_bytes()
    name = path.removeprefix("/docs/")
    if name in _ASSETS:
        return 200, _ASSETS[name], (_swagger_ui_dir() / name).read_bytes()
    if path.startswith("/docs/"):
        return 404, "application/json", b'{"message":"Not Found"}'
    return None
