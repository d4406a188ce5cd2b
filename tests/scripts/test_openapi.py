"""docs/openapi/*.json is what each HTTP function's resolver says about its routes (``make openapi`` rewrites it)."""

from __future__ import annotations

import json

import pytest

from scripts import openapi


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return openapi.documents()


def test_every_http_function_has_a_document(generated: dict[str, str]) -> None:
    # Given the functions whose handler builds a shared.http resolver
    expected = {f"{name}.json" for name in openapi.http_functions()}
    # Then each has a document, and the orders API is one of them
    assert set(generated) == expected
    assert "orders_api.json" in expected


def test_the_committed_documents_are_up_to_date(generated: dict[str, str]) -> None:
    committed = {path.name: path.read_text() for path in openapi.OUT_DIR.glob("*.json")}
    stale = sorted(name for name in set(generated) | set(committed) if generated.get(name) != committed.get(name))
    assert not stale, f"docs/openapi/{', docs/openapi/'.join(stale)} stale: run make openapi"


def test_a_document_describes_typed_routes_and_the_error_shape(generated: dict[str, str]) -> None:
    # Given the orders API's document
    document = json.loads(generated["orders_api.json"])
    create = document["paths"]["/orders"]["post"]
    listing = document["paths"]["/orders"]["get"]
    # Then the body model, the query parameters and the 400 in the taxonomy's shape are in it
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CreateOrderRequest")
    assert {p["name"] for p in listing["parameters"]} == {"limit", "cursor", "status"}
    assert "201" in create["responses"]
    assert create["responses"]["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_check_names_a_stale_file(tmp_path, monkeypatch, capsys) -> None:
    # Given a committed folder where one document was edited by hand
    for name, text in openapi.documents().items():
        (tmp_path / name).write_text(text)
    (tmp_path / "upload_url.json").write_text("{}\n")
    monkeypatch.setattr(openapi, "OUT_DIR", tmp_path)
    # When checked, Then it fails naming that file only
    assert openapi.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "docs/openapi/upload_url.json is stale" in err
    assert "orders_api" not in err
