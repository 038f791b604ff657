"""The PACT v3 conformance test cases against a running register over HTTPS, on SQLite and on
PostgreSQL: one test per numbered case of
``../shared/reference/pact/conformance/v3-test-cases-expected-results.md`` that applies to a
host (all of them: #13 and #14.B are the register's answers arriving at a partner)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from register_partner import PARTNER_ID, PARTNER_SECRET, Partner, start_partner
from register_world import CLASSIFICATION, COMPANY_ID, RegisterWorld, RunningRegister

from cfl.cli.main import cli

CLOUDEVENTS = "application/cloudevents+json; charset=UTF-8"
EVENT = "org.wbcsd.pact.ProductFootprint."


@dataclass
class Pact:
    register: RunningRegister
    client_id: str
    secret: str
    partner: Partner
    world: RegisterWorld

    def http(self) -> httpx.Client:
        return self.register.client()

    def token(self) -> str:
        with self.http() as http:
            response = http.post("/auth/token", data={"grant_type": "client_credentials"},
                                 auth=(self.client_id, self.secret))
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        assert isinstance(token, str)
        return token

    def get(self, path: str, **params: Any) -> httpx.Response:
        with self.http() as http:
            return http.get(path, params=params,
                            headers={"Authorization": f"Bearer {self.token()}"})

    def ids(self, response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert isinstance(data, list)
        return [footprint["id"] for footprint in data]

    def event(self, body: dict[str, Any], token: str | None = None) -> httpx.Response:
        with self.http() as http:
            return http.post("/3/events", json=body, headers={
                "Authorization": f"Bearer {token or self.token()}",
                "Content-Type": CLOUDEVENTS})


def add_client(register: RunningRegister, name: str, *extra: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["serve", "clients", "add", name,
                                      *register.database_args(), *extra])
    assert result.exit_code == 0, result.output
    found = dict(re.findall(r"^(client_id|client_secret): (\S+)$", result.stdout, re.M))
    return found["client_id"], found["client_secret"]


@pytest.fixture(scope="module")
def pact(tls_register: RunningRegister, world: RegisterWorld,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pact]:
    result = CliRunner().invoke(cli, ["publish", *map(str, world.bundles), "--to",
                                      tls_register.url, "--ca-file", str(tls_register.ca)])
    assert result.exit_code == 0, result.output
    partner = start_partner()
    secret_file = tmp_path_factory.mktemp("partner") / "secret"
    secret_file.write_text(PARTNER_SECRET + "\n")
    client_id, secret = add_client(
        tls_register, "Conformance partner", "--events-url", f"{partner.url}/3/events",
        "--events-client-id", PARTNER_ID, "--events-client-secret-file", str(secret_file))
    try:
        yield Pact(tls_register, client_id, secret, partner, world)
    finally:
        assert partner.server is not None
        partner.server.should_exit = True


def _id(pact: Pact, index: int = 0) -> str:
    value = pact.world.declarations[index]["id"]
    assert isinstance(value, str)
    return value


def _product(pact: Pact, index: int = 0) -> str:
    value = pact.world.declarations[index]["productIds"][0]
    assert isinstance(value, str)
    return value


def _all_ids(pact: Pact) -> set[str]:
    return {d["id"] for d in pact.world.declarations}


# --------------------------------------------------------------------------- authentication


def test_case_01_token_with_valid_credentials(pact: Pact) -> None:
    credentials = base64.b64encode(f"{pact.client_id}:{pact.secret}".encode()).decode()
    with pact.http() as http:
        response = http.post("/auth/token", content="grant_type=client_credentials", headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["access_token"]
    assert body["expires_in"] == 3600
    assert response.headers["cache-control"] == "no-store"


def test_case_02_token_with_invalid_credentials(pact: Pact) -> None:
    with pact.http() as http:
        response = http.post("/auth/token", data={"grant_type": "client_credentials"},
                             auth=(pact.client_id, "not-the-secret"))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def test_case_03_get_footprint(pact: Pact) -> None:
    response = pact.get(f"/3/footprints/{_id(pact)}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == _id(pact) and data["specVersion"].startswith("3.")
    assert data == pact.world.declarations[0]  # the signed declaration, unchanged


def test_case_04_list_footprints(pact: Pact) -> None:
    response = pact.get("/3/footprints")
    assert response.status_code in (200, 202)
    assert set(pact.ids(response)) == _all_ids(pact)


def test_case_05_pagination_links(pact: Pact) -> None:
    response = pact.get("/3/footprints", limit=2)
    first = pact.ids(response)
    assert len(first) == 2
    link = response.headers["link"]
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match is not None, link
    target = httpx.URL(match.group(1))
    assert target.is_absolute_url and target.host == "127.0.0.1"
    assert target.port == httpx.URL(pact.register.url).port
    seen = list(first)
    while True:
        with pact.http() as http:
            page = http.get(str(target), headers={"Authorization": f"Bearer {pact.token()}"})
        ids = pact.ids(page)
        assert len(ids) <= 2
        seen += ids
        if "link" not in page.headers:
            break
        target = httpx.URL(re.fullmatch(r'<([^>]+)>; rel="next"',
                                        page.headers["link"]).group(1))  # type: ignore[union-attr]
    assert sorted(seen) == sorted(_all_ids(pact)) and len(seen) == len(set(seen))
    # the test case's own form: ?offset=2
    assert pact.ids(pact.get("/3/footprints", offset=2)) == seen[2:]


def test_case_06_list_with_invalid_token(pact: Pact) -> None:
    with pact.http() as http:
        response = http.get("/3/footprints",
                            headers={"Authorization": "Bearer invalid-access-token"})
    assert response.status_code in (400, 401)
    assert response.json() == {"code": "BadRequest", "message": "Invalid token provided"}


def test_case_07_get_with_invalid_token(pact: Pact) -> None:
    with pact.http() as http:
        response = http.get(f"/3/footprints/{_id(pact)}",
                            headers={"Authorization": "Bearer invalid-access-token"})
    assert response.status_code in (400, 401)
    assert "data" not in response.json()


def test_case_08_get_non_existent_footprint(pact: Pact) -> None:
    response = pact.get("/3/footprints/non-existent-id")
    assert response.status_code in (400, 404)
    assert response.json()["code"] == "NotFound"
    assert pact.get(f"/3/footprints/{uuid.uuid4()}").status_code == 404


def _plain(pact: Pact) -> str:
    return pact.register.url.replace("https://", "http://")


def test_case_09_token_over_http(pact: Pact, http_register: RunningRegister) -> None:
    with pytest.raises(httpx.HTTPError):  # the HTTPS port does not speak plain HTTP
        httpx.post(f"{_plain(pact)}/auth/token", data={"grant_type": "client_credentials"},
                   auth=(pact.client_id, pact.secret), timeout=10)
    client_id, secret = add_client(http_register, "plain")
    with http_register.client() as http:  # a register serving plain HTTP issues no token
        response = http.post("/auth/token", data={"grant_type": "client_credentials"},
                             auth=(client_id, secret))
    assert response.status_code == 400 and "access_token" not in response.json()


@pytest.mark.parametrize("path", ["/3/footprints", "/3/footprints/{id}"],
                         ids=["case_10_list", "case_11_get"])
def test_case_10_11_footprints_over_http(pact: Pact, http_register: RunningRegister,
                                         path: str) -> None:
    url = path.format(id=_id(pact))
    with pytest.raises(httpx.HTTPError):
        httpx.get(_plain(pact) + url, headers={"Authorization": f"Bearer {pact.token()}"},
                  timeout=10)
    with http_register.client() as http:
        response = http.get(url, headers={"Authorization": f"Bearer {pact.token()}"})
    assert response.status_code == 403 and "data" not in response.json()


# --------------------------------------------------------------------------- events


def _request(product_ids: list[str], event_id: str) -> dict[str, Any]:
    return {"specversion": "1.0", "id": event_id, "source": "https://webhook.example.com",
            "time": "2023-05-19T10:30:00Z", "type": f"{EVENT}RequestCreatedEvent.3",
            "data": {"productId": product_ids, "comment": "Please send PCF data for this year."}}


def test_case_12_13_request_fulfilled(pact: Pact) -> None:
    event_id = f"test-run-{uuid.uuid4()}"
    response = pact.event(_request([_product(pact)], event_id))
    assert response.status_code == 200 and response.content == b""
    answer = pact.partner.wait_for(event_id)
    assert answer["type"] == f"{EVENT}RequestFulfilledEvent.3"
    assert answer["specversion"] == "1.0" and answer["id"] and answer["time"]
    assert [pf["id"] for pf in answer["data"]["pfs"]] == [_id(pact)]
    assert pact.partner.content_types[-1].startswith("application/cloudevents+json")


def test_case_14_request_rejected(pact: Pact) -> None:
    event_id = f"test-run-{uuid.uuid4()}"
    assert pact.event(_request(["urn:null"], event_id)).status_code == 200
    answer = pact.partner.wait_for(event_id)
    assert answer["type"] == f"{EVENT}RequestRejectedEvent.3"
    assert answer["data"]["error"]["code"] == "NotFound"


def test_case_15_published_event(pact: Pact) -> None:
    response = pact.event({"type": f"{EVENT}PublishedEvent.3", "specversion": "1.0",
                           "id": str(uuid.uuid4()), "source": "https://webhook.example.com",
                           "time": "2023-05-19T11:30:00Z",
                           "data": {"pfIds": ["urn:gtin:4712345060507"]}})
    assert response.status_code == 200 and response.content == b""


def test_case_16_events_with_invalid_token(pact: Pact) -> None:
    response = pact.event({"type": f"{EVENT}PublishedEvent.3", "specversion": "1.0",
                           "id": "test-run-id-12345", "source": "https://webhook.example.com",
                           "time": "2023-05-19T12:30:00Z",
                           "data": {"pfIds": ["urn:gtin:4712345060507"]}},
                          token="invalid-access-token")
    assert response.status_code in (400, 401)


def test_case_17_events_over_http(pact: Pact, http_register: RunningRegister) -> None:
    body = b'{"specversion": "1.0", "id": "x", "data": {"productId": ["a"] "comment": "b"}}'
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"{_plain(pact)}/3/events", content=body, timeout=10,
                   headers={"Content-Type": CLOUDEVENTS,
                            "Authorization": f"Bearer {pact.token()}"})
    with http_register.client() as http:
        response = http.post("/3/events", content=body, headers={
            "Content-Type": CLOUDEVENTS, "Authorization": f"Bearer {pact.token()}"})
    assert response.status_code == 403 and "data" not in response.json()


def test_malformed_and_unknown_events_are_refused(pact: Pact) -> None:
    assert pact.event({"specversion": "1.0"}).status_code == 400
    unknown = _request([_product(pact)], "x")
    unknown["type"] = "org.example.Other"
    assert pact.event(unknown).json()["code"] == "BadRequest"


# --------------------------------------------------------------------------- OpenID Connect


def _oidc_token_url(pact: Pact) -> str:
    with pact.http() as http:
        discovery = http.get("/.well-known/openid-configuration")
    assert discovery.status_code == 200
    url = discovery.json()["token_endpoint"]
    assert isinstance(url, str)
    return url


def test_case_18_openid_connect_token(pact: Pact) -> None:
    with pact.http() as http:
        response = http.post(_oidc_token_url(pact), data={"grant_type": "client_credentials"},
                             auth=(pact.client_id, pact.secret))
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert "footprint:read" in response.json()["scope"]


def test_case_19_openid_connect_invalid_credentials(pact: Pact) -> None:
    with pact.http() as http:
        response = http.post(_oidc_token_url(pact), data={"grant_type": "client_credentials"},
                             auth=("nobody", "nothing"))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


# --------------------------------------------------------------------------- filters

FUTURE, PAST = "2099-12-31T23:59:59Z", "1900-01-01T00:00:00Z"


def _within(pact: Pact) -> str:
    start = pact.world.declarations[0]["validityPeriodStart"]
    assert isinstance(start, str)
    return start


@pytest.mark.parametrize(("case", "params", "expected"), [
    ("20_productId", {"productId": "<product>"}, "first"),
    ("21_companyId", {"companyId": COMPANY_ID}, "all"),
    ("22_geography", {"geography": "CN"}, "all"),
    ("23_classification", {"classification": CLASSIFICATION}, "all"),
    ("24_validOn", {"validOn": "<within>"}, "all"),
    ("25_validAfter", {"validAfter": PAST}, "all"),
    ("26_validBefore", {"validBefore": FUTURE}, "all"),
    ("27_status", {"status": "Active"}, "all"),
    ("28_status_and_productId", {"status": "Active", "productId": "<product>"}, "first"),
    ("29_companyId_or", {"companyId": [COMPANY_ID, "urn:uuid:other-company",
                                       "urn:uuid:another-company"]}, "all"),
    ("30_productId_none", {"productId": "urn:bogus:product:nonexistent123"}, "none"),
    ("31_companyId_none", {"companyId": "urn:bogus:company:nonexistent456"}, "none"),
    ("32_geography_none", {"geography": "XX"}, "none"),
    ("33_classification_none", {"classification": "urn:bogus:classification:nonexistent789"},
     "none"),
    ("34_validOn_none", {"validOn": PAST}, "none"),
    ("35_validAfter_none", {"validAfter": FUTURE}, "none"),
    ("36_validBefore_none", {"validBefore": PAST}, "none"),
    ("37_status_none", {"status": "BogusStatusValue"}, "none"),
    ("38_and_none", {"companyId": "urn:bogus:company:5FIi8zS3",
                     "productId": "urn:bogus:product:nonexistent123"}, "none"),
    ("39_or_none", {"companyId": ["urn:bogus:company:nonexistent1",
                                  "urn:bogus:company:nonexistent2",
                                  "urn:bogus:company:nonexistent3"]}, "none"),
], ids=lambda value: value if isinstance(value, str) and value[:2].isdigit() else "")
def test_case_20_to_39_filters(pact: Pact, case: str, params: dict[str, Any],
                               expected: str) -> None:
    filled = {name: (_product(pact) if value == "<product>" else
                     _within(pact) if value == "<within>" else value)
              for name, value in params.items()}
    ids = pact.ids(pact.get("/3/footprints", **filled))
    wanted = {"first": [_id(pact)], "all": sorted(_all_ids(pact)), "none": []}[expected]
    assert sorted(ids) == wanted


def test_case_40_odata_filter_is_a_bad_request(pact: Pact) -> None:
    response = pact.get("/3/footprints", **{"$filter": "created ge '2023-01-15T10:15:30Z'"})
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"


def test_filter_names_are_case_insensitive_and_values_too(pact: Pact) -> None:
    assert pact.ids(pact.get("/3/footprints", productid=_product(pact).upper())) == [_id(pact)]


def test_the_reference_file_still_numbers_40_cases(reference_dir: Path) -> None:
    text = (reference_dir / "pact" / "conformance" /
            "v3-test-cases-expected-results.md").read_text(encoding="utf-8")
    numbers = set(re.findall(r"^## Test Case #(\d+)", text, re.M))
    assert numbers == {str(n) for n in range(1, 41)}


# --------------------------------------------------------------------------- the PACT client


def test_cfl_import_pact_from_a_pact_host(pact: Pact, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(pact.secret + "\n")
    base = ["import", "pact", "--from", pact.register.url, "--client-id", pact.client_id,
            "--client-secret-file", str(secret), "--ca-file", str(pact.register.ca)]
    result = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert {p.stem for p in (tmp_path / "all").glob("*.json")} == _all_ids(pact)
    one = CliRunner().invoke(cli, [*base, "--product-id", _product(pact),
                                   "-o", str(tmp_path / "one")])
    assert one.exit_code == 0, one.output
    assert [p.stem for p in (tmp_path / "one").glob("*.json")] == [_id(pact)]
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-secret\n")
    refused = CliRunner().invoke(cli, ["import", "pact", "--from", pact.register.url,
                                       "--client-id", pact.client_id, "--client-secret-file",
                                       str(wrong), "--ca-file", str(pact.register.ca),
                                       "-o", str(tmp_path / "none")])
    assert refused.exit_code == 1 and "invalid_client" in refused.output
