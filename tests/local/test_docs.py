"""Swagger UI at /docs on the local gateway: the committed OpenAPI documents, with no asset from a CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scripts.local import docs
from scripts.local.gateway import Gateway


def test_the_page_offers_every_committed_document_and_loads_nothing_remote() -> None:
    # Given the committed docs/openapi folder
    status, content_type, body = docs.serve("/docs") or (0, "", b"")
    page = body.decode()
    # Then the page lists each document in Swagger UI's picker
    urls = json.loads(re.search(r"urls: (\[.*?\])", page).group(1))  # type: ignore[union-attr]
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert {u["url"] for u in urls} == {f"/docs/openapi/{p.name}" for p in docs.OPENAPI_DIR.glob("*.json")}
    assert "/docs/openapi/orders_api.json" in {u["url"] for u in urls}
    # and every script and stylesheet it loads is served by the gateway itself
    assert not re.search(r"(src|href)=\"https?://", page)


def test_swagger_ui_assets_come_from_the_powertools_package() -> None:
    for name, kind in (("swagger-ui-bundle.min.js", "text/javascript"), ("swagger-ui.min.css", "text/css")):
        status, content_type, body = docs.serve(f"/docs/{name}") or (0, "", b"")
        assert (status, content_type) == (200, kind)
        assert len(body) > 10_000


def test_a_document_is_served_as_committed(tmp_path: Path) -> None:
    (tmp_path / "orders_api.json").write_text('{"openapi": "3.1.0"}\n')
    assert docs.serve("/docs/openapi/orders_api.json", tmp_path) == (
        200,
        "application/json",
        b'{"openapi": "3.1.0"}\n',
    )
    assert docs.serve("/docs/openapi/missing.json", tmp_path)[0] == 404  # type: ignore[index]
    assert docs.serve("/docs/openapi/../../etc/passwd", tmp_path)[0] == 404  # type: ignore[index]


def test_other_paths_are_the_apis() -> None:
    assert docs.serve("/orders") is None
    assert docs.serve("/documents") is None


def test_the_gateway_answers_docs_before_looking_at_the_api() -> None:
    # Given a gateway that could not load any API (no attribute set: config() would fail)
    gateway = Gateway.__new__(Gateway)
    # When /docs is asked, Then the page comes back without an API lookup
    response, note = gateway.handle("GET", "/docs?x=1", [], b"", "127.0.0.1")
    assert (response.status, note) == (200, "docs")
    assert b"swagger-ui" in response.body
