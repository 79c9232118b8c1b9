"""Following up Grand Cahors' action plan in a real browser: quick edit, filters, budget, export."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.test_journeys import log_in

pytestmark = pytest.mark.e2e


def open_plan(page: Page, live_server) -> None:
    log_in(page, live_server, "agent.cahors")
    page.get_by_role("link", name="Grand Cahors").first.click()
    page.get_by_role("link", name=re.compile("Ouvrir le plan d.actions")).click()
    expect(page.get_by_role("heading", name=re.compile("^Plan d.actions"), level=1)).to_be_visible()


def fiche_row(page: Page, code: str):
    return page.locator("tr.action-row").filter(has=page.locator("td.action-code", has_text=re.compile(f"^{code}$")))


def test_staff_update_progress_inline_and_the_orientation_rollup_follows(page: Page, live_server, demo_data):
    open_plan(page, live_server)
    orientation = page.locator("section.orientation").filter(
        has=page.get_by_role("heading", name=re.compile("Orientation 4"))
    )
    rollup = orientation.get_by_role("progressbar", name="Avancement de l’orientation 4")
    # 4.1: 100 % of 114 000 €; 4.2: 40 % of 15 000 € → 93 %.
    expect(rollup).to_have_attribute("aria-valuenow", "93")
    page.evaluate("window.notReloaded = true")

    row = fiche_row(page, "4.2")
    row.get_by_role("link", name=re.compile("Mettre à jour")).click()
    expect(row.get_by_role("combobox")).to_be_focused()
    row.get_by_role("spinbutton").fill("150")
    row.get_by_role("button", name="Enregistrer").click()
    expect(row.get_by_text(re.compile("L’avancement doit être compris entre 0 et 100"))).to_be_visible()

    row.get_by_role("spinbutton").fill("90")
    row.get_by_role("combobox").select_option(label="En cours")
    row.get_by_role("button", name="Enregistrer").click()

    expect(row.get_by_role("progressbar", name="Avancement de la fiche action 4.2")).to_have_attribute(
        "aria-valuenow", "90"
    )
    expect(row.get_by_text("Enregistré")).to_be_visible()
    # (100 × 114 000 + 90 × 15 000) / 129 000 = 98.8 → 99 %, without reloading the page.
    expect(rollup).to_have_attribute("aria-valuenow", "99")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path="var/screenshots/e2e-plan-quick-edit.png", full_page=True)


def test_filtering_the_plan_shows_only_matching_fiches(page: Page, live_server, demo_data):
    open_plan(page, live_server)
    page.get_by_label("Domaine", exact=True).select_option(label="Jeunesse")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("2 fiches actions correspondent aux filtres")).to_be_visible()
    codes = page.locator("tr.action-row td.action-code")
    expect(codes).to_have_text(["2.2", "2.3"])
    expect(page.get_by_role("heading", name=re.compile("Orientation 1"))).to_have_count(0)

    page.get_by_label("Statut", exact=True).select_option(label="Abandonnée")
    page.get_by_role("button", name="Filtrer").click()
    expect(codes).to_have_text(["2.3"])


def test_budget_summary_and_xlsx_export(page: Page, live_server, demo_data, tmp_path):
    open_plan(page, live_server)
    page.get_by_role("link", name="Synthèse budgétaire").first.click()
    expect(page.get_by_role("heading", name="Synthèse budgétaire", level=1)).to_be_visible()
    caf = page.locator("#funder-totals tr").filter(has_text="CAF du Lot")
    expect(caf.locator("td").first).to_have_text("914\u00a0000,00\u00a0€")
    page.screenshot(path="var/screenshots/e2e-plan-budget.png", full_page=True)

    page.get_by_role("link", name="Fiches actions").first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Exporter vers Excel")).click()
    download = download_info.value
    assert re.fullmatch(r"plan-actions-CTG-GRAND-CAHORS-2020-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    # openpyxl goes by the file's extension, which Playwright's temporary path lacks.
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Fiches actions", "Financements", "Indicateurs"]
    rows = {row[1]: row for row in workbook["Fiches actions"].iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 10
    assert rows["4.2"][2] == "Tenir des permanences de la Caf dans les communes rurales"
    assert rows["4.2"][8] == "Suspendue"
    assert rows["4.2"][9] == "Oui"  # late: ended in 2023, neither done nor abandoned
