"""A coordinator connects the practice software: creates a write token in her account (the key is shown once), the
software sends a batch of interventions and reads their eligibility, she finds the batch among her imports and the
operations in the interactive documentation, then revokes the token, which stops working at once."""

from playwright.sync_api import Page, expect

from portal.models import ApiToken
from protocols.models import Intervention
from tests.browser.pages import log_in, open_menu_entry, screenshot
from tests.browser.pages_api import ApiDocsPage, ApiTokensPage
from tests.funding.eligibility_world import build_world


def test_a_coordinator_connects_her_software_with_a_token(page: Page, live_server):
    world = build_world()
    log_in(page, live_server.url, world.coordinator.email)
    tokens = ApiTokensPage(page).open_from_account(world.coordinator.get_full_name())
    key = tokens.create(name="Logiciel du cabinet", scope_label="Lecture et saisie des interventions", days=30)
    assert key.startswith("pcp_")
    expect(tokens.tokens).to_contain_text("Logiciel du cabinet")
    screenshot(page, "api-jeton-cree")
    stored = ApiToken.objects.get()
    assert key not in (stored.key_hash, stored.prefix)

    software = page.context.request
    headers = {"Authorization": f"Bearer {key}"}
    rows = [
        {
            "performed_on": day,
            "protocol": world.protocol.code,
            "delegate_identifier": world.delegate.identifier,
            "delegant_identifier": world.delegant.identifier,
            "episode_reference": reference,
        }
        for day, reference in (("2025-03-05", "EP-API-1"), ("2025-04-15", "EP-API-2"))
    ]
    sent = software.post(
        f"{live_server.url}/api/v1/interventions/batch",
        headers=headers,
        data={"structure_id": world.structure.pk, "label": "Envoi du logiciel du cabinet", "interventions": rows},
    )
    assert sent.status == 201, sent.text()
    assert sent.json()["created"] == 2
    listed = software.get(f"{live_server.url}/api/v1/interventions", headers=headers).json()["items"]
    assert {item["episode_reference"]: item["eligibility"]["reason"] for item in listed} == {
        "EP-API-1": "delegue_non_forme",  # before the end of the delegate's training
        "EP-API-2": None,
    }

    # The coordinator sees the batch among her imports.
    open_menu_entry(page, "Import des interventions")
    expect(page.get_by_test_id("import-batches")).to_contain_text("Envoi du logiciel du cabinet")

    docs = ApiDocsPage(page).open(live_server.url)
    expect(docs.operation("post", "/api/v1/interventions/batch")).to_be_visible()
    expect(docs.operation("get", "/api/v1/interventions/{intervention_id}/eligibility")).to_be_visible()
    screenshot(page, "api-documentation")

    page.go_back()  # the documentation is a page of its own, without the portal's header
    tokens.open_from_account(world.coordinator.get_full_name())
    tokens.revoke("Logiciel du cabinet")
    expect(tokens.tokens).to_contain_text("Révoqué le")
    screenshot(page, "api-jeton-revoque")
    refused = software.get(f"{live_server.url}/api/v1/interventions", headers=headers)
    assert refused.status == 401
    assert refused.json()["code"] == "unauthenticated"
    assert Intervention.objects.count() == 2
