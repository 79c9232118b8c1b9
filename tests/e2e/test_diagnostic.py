"""The shared diagnostic in a real browser: a CSV import, and a need added in place with htmx."""

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
    expect(page.get_by_role("heading", name="Mes conventions")).to_be_visible()


def open_grand_cahors_diagnostic(page: Page) -> None:
    page.get_by_role("link", name="Grand Cahors").first.click()
    page.get_by_role("link", name="Ouvrir et modifier le diagnostic").click()
    expect(page.get_by_role("heading", name="Diagnostic partagé", level=1)).to_be_visible()


def test_epci_staff_imports_indicator_values_from_a_csv_file(
    page: Page, live_server, grand_cahors_in_drafting, tmp_path
):
    # As a French Excel writes it: semicolons, a BOM, a decimal comma and a non-breaking space.
    csv_file = tmp_path / "indicateurs.csv"
    csv_file.write_text(
        "\ufeffindicateur;territoire;annee;valeur;commentaire\n"
        "places-eaje;46191;2019;12,5;Micro-crèche ouverte en 2019\n"
        "alsh-places;200023737;2020;1\u00a0234;\n",
        encoding="utf-8",
    )
    log_in(page, live_server, "agent.cahors")
    open_grand_cahors_diagnostic(page)

    page.get_by_role("link", name="Importer un fichier CSV").click()
    expect(page.get_by_role("heading", name="Format du fichier")).to_be_visible()
    page.get_by_label("Fichier CSV").set_input_files(csv_file)
    page.get_by_role("button", name="Prévisualiser l’import").click()

    expect(page.get_by_role("heading", name="Aperçu de l’import")).to_be_visible()
    rows = page.locator("table.import-preview tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Mercuès")
    expect(rows.nth(0)).to_contain_text("Mise à jour")
    expect(rows.nth(1)).to_contain_text("Nouvelle valeur")
    page.screenshot(path="test-results/e2e-diagnostic-import-preview.png", full_page=True)
    page.get_by_role("button", name=re.compile("^Confirmer l’import")).click()

    expect(page.get_by_text(re.compile("Import terminé"))).to_be_visible()
    places = page.locator("#indicator-places-eaje")
    expect(places.get_by_role("row", name=re.compile("Mercuès"))).to_contain_text("12,5")
    # The coverage rate is computed from it: 12,5 places for 31 children under three.
    coverage = page.locator("#indicator-taux-couverture-accueil-jeune-enfant")
    expect(coverage.get_by_role("row", name=re.compile("Mercuès"))).to_contain_text("40,3")
    expect(page.locator("#indicator-alsh-places")).to_contain_text("1\u202f234")


def test_epci_staff_adds_a_need_in_place_without_reloading(page: Page, live_server, grand_cahors_in_drafting):
    log_in(page, live_server, "agent.cahors")
    open_grand_cahors_diagnostic(page)
    page.evaluate("window.notReloaded = true")

    domain = page.locator("article.domain-findings", has=page.get_by_role("heading", name="Petite enfance"))
    needs = domain.locator("[id$='-besoins']")
    needs.get_by_role("link", name=re.compile("Ajouter un besoin")).click()
    needs.get_by_label("Intitulé").fill("   ")
    needs.get_by_label("Détail (facultatif)").fill("Parents travaillant en horaires décalés")
    needs.get_by_role("button", name="Ajouter").click()
    expect(needs.get_by_text("Donnez un intitulé au constat.")).to_be_visible()
    expect(needs.get_by_label("Détail (facultatif)")).to_have_value("Parents travaillant en horaires décalés")

    needs.get_by_label("Intitulé").fill("Garde d'enfants en horaires atypiques")
    needs.get_by_role("button", name="Ajouter").click()
    new_need = needs.locator("li.finding", has_text="Garde d'enfants en horaires atypiques")
    expect(new_need).to_be_visible()
    expect(new_need.get_by_text("Sans action")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path="test-results/e2e-diagnostic-need-added.png", full_page=True)
