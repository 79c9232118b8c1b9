"""The portal under its Content-Security-Policy: pages and the admin work, the browser reports no violation.

The ``context`` fixture of conftest.py fails any test whose pages the policy breaks; these tests visit
what the other journeys do not (the admin, a fiche action form with its inline script) and check
that the policy does stop an injected inline script.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.demo_accounts import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label(re.compile("utilisateur")).fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # « Mes conventions », or « Conventions » for an administrator (the summary of every convention).
    expect(page.get_by_role("heading", name=re.compile(r"^(Mes c|C)onventions$"))).to_be_visible()


def test_the_admin_works_under_the_policy(page: Page, live_server, demo_data):
    from conventions.models import ConventionVersion

    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("link", name="Conventions").first).to_be_visible()
    page.goto(f"{live_server.url}/admin/conventions/convention/")
    expect(page.get_by_text("CTG-GRAND-CAHORS-2020").first).to_be_visible()
    version = ConventionVersion.objects.get(convention__reference="CTG-GRAND-CAHORS-2020")
    page.goto(f"{live_server.url}/admin/conventions/conventionversion/{version.pk}/change/")
    # The canonical content keeps its layout from static/css/admin.css, not from an inline style.
    expect(page.locator("pre.canonical-content")).to_have_css("white-space", "pre-wrap")
    page.goto(f"{live_server.url}/admin/action_plans/action/")
    # The admin's own scripts (actions, filters) run: the "select all" checkbox ticks every row.
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()


def test_the_fiche_form_script_runs_with_its_nonce(page: Page, live_server, grand_cahors_in_drafting):
    from action_plans.models import Action

    action = Action.objects.filter(orientation__plan__convention=grand_cahors_in_drafting).first()
    log_in(page, live_server, "agent.cahors")
    page.goto(f"{live_server.url}/conventions/{grand_cahors_in_drafting.pk}/plan/fiches/{action.pk}/modifier/")
    rows = page.locator("[data-line-row]")
    before = rows.count()
    page.locator("[data-add-row]").first.click()
    expect(rows).to_have_count(before + 1)
    # The progress bars take their width from a class.
    page.goto(f"{live_server.url}/conventions/{grand_cahors_in_drafting.pk}/plan/")
    bar = page.locator(".progress-bar").first
    assert re.search(r"progress-width-\d+", bar.get_attribute("class"))


def test_the_policy_stops_an_injected_inline_script(page: Page, live_server, demo_data, csp_violations):
    log_in(page, live_server, "agent.cahors")
    # As an injected <script> without the nonce would be: the browser refuses to run it.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true;";
            document.body.appendChild(script);
        }"""
    )
    assert page.evaluate("window.injected === undefined")
    page.wait_for_timeout(200)
    assert any("inline script" in violation for violation in csp_violations), csp_violations
    csp_violations.clear()  # the expected violation: the context fixture must not fail on it
