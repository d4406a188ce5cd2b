"""Swagger UI at /docs on the local gateway: the committed OpenAPI documents, with no asset from a CDN."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.local import docs
from scripts.local.gateway import Gateway


def test_the_index_links_every_committed_document() -> None:
    # Given the committed docs/openapi folder
    status, content_type, body = docs.serve("/docs") or (0, "", b"")
    # Then /docs links a Swagger UI page per document
    links = set(re.findall(r'href="(/docs/[a-z0-9_]+)"', body.decode()))
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert links == {f"/docs/{p.stem}" for p in docs.OPENAPI_DIR.glob("*.json")}
    assert "/docs/orders_api" in links


def test_a_swagger_ui_page_loads_its_document_and_nothing_remote() -> None:
    status, content_type, body = docs.serve("/docs/orders_api") or (0, "", b"")
    page = body.decode()
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert 'url: "/docs/openapi/orders_api.json"' in page
    # every script and stylesheet it loads is served by the gateway itself
    assert set(re.findall(r'(?:src|href)="([^"]+)"', page)) == {
        "/docs/swagger-ui-bundle.min.js",
        "/docs/swagger-ui.min.css",
    }
    assert docs.serve("/docs/no_such_function")[0] == 404  # type: ignore[index]


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
    # When a /docs page is asked, Then it comes back without an API lookup
    response, note = gateway.handle("GET", "/docs/orders_api?x=1", [], b"", "127.0.0.1")
    assert (response.status, note) == (200, "docs")
    assert b"swagger-ui" in response.body
