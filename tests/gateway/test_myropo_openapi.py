"""The MyRopo JSON API is described by the gateway's OpenAPI document (FastAPI generates it
from the routes and their pydantic models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myropo_fakes import running_gateway

OPENAPI_URL = "/api/openapi.json"
PREFIX = "/api/myropo/v1"


def schema_ref(operation: dict[str, Any], status: str) -> str:
    content = operation["responses"][status]["content"]
    return str(content["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]


async def test_openapi_describes_every_myropo_endpoint_with_models(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gateway:
        gateway.client.cookies.clear()  # the description is public
        response = await gateway.client.get(OPENAPI_URL)
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    expected = {
        f"{PREFIX}/invoices": ("get", "InvoiceList"),
        f"{PREFIX}/invoices/{{invoice_id}}": ("get", "InvoiceDetail"),
        f"{PREFIX}/invoices/{{invoice_id}}/events": ("get", "InvoiceEvents"),
        f"{PREFIX}/lookups": ("post", "LookupResult"),
    }
    for path, (method, model) in expected.items():
        operation = paths[path][method]
        assert operation["summary"] and operation["description"], path
        assert schema_ref(operation, "200") == model, path
        assert schema_ref(operation, "401") == "ErrorResponse", path
    document_op = paths[f"{PREFIX}/invoices/{{invoice_id}}/document"]["get"]
    assert "application/pdf" in document_op["responses"]["200"]["content"]
    for path in (f"{PREFIX}/invoices/{{invoice_id}}", f"{PREFIX}/invoices/{{invoice_id}}/document"):
        assert schema_ref(paths[path]["get"], "404") == "ErrorResponse"
    lookup = paths[f"{PREFIX}/lookups"]["post"]
    body = lookup["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/LookupRequest")
    assert {"400", "404", "415", "429"} <= set(lookup["responses"])
    listing = {param["name"] for param in paths[f"{PREFIX}/invoices"]["get"]["parameters"]}
    assert listing == {"tab", "query", "page_token"}

    schemas = document["components"]["schemas"]
    detail = schemas["InvoiceDetail"]["properties"]
    for field in ("open_amount", "ledger_components", "lines", "case_number", "reference_printed"):
        assert field in detail
        assert (
            detail[field].get("description") or "$ref" in detail[field] or "items" in detail[field]
        )
    assert schemas["Money"]["properties"]["amount"]["type"] == "string"  # never a float
    assert set(schemas["LookupRequest"]["properties"]) == {
        "invoice_number",
        "reference",
        "postal_code",
        "myropo_id",
    }
    assert set(schemas["Tab"]["enum"]) == {"open", "archive"}
    # Pages are not part of the API description.
    for page in ("/", "/hae-lasku", "/laskut/{invoice_id}", "/tilinumero", "/kieli/{code}"):
        assert page not in paths
