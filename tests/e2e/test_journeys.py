"""Journeys through the portal in a real browser."""

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


def test_epci_staff_logs_in_and_sees_grand_cahors_action_plan(page: Page, live_server, demo_data):
    log_in(page, live_server, "agent.cahors")
    expect(page.get_by_role("heading", name="Mes conventions")).to_be_visible()
    page.get_by_role("link", name="Grand Cahors").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Plan d.actions"))).to_be_visible()
    expect(page.get_by_text("1.1", exact=True).first).to_be_visible()
    expect(page.get_by_role("progressbar").first).to_be_visible()
    # La Cali's convention belongs to another territory: not listed, and its page answers 404.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Libournais")).to_have_count(0)
    # Kept for people to look at (var/ is ignored by git; pytest-playwright empties test-results/).
    page.screenshot(path="var/screenshots/e2e-home-agent-cahors.png", full_page=True)


def test_a_wrong_password_keeps_the_user_on_the_login_page(page: Page, live_server, demo_data):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label(re.compile("utilisateur")).fill("agent.cahors")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/connexion/")
