"""Writing the action plan in a real browser: a new fiche action, and two people saving the same fiche."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from action_plans.models import Action, StrategicOrientation
from partners.models import Membership, Organisation
from tests.demo_accounts import DEMO_PASSWORD
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.e2e

GRAND_CAHORS = "CTG-GRAND-CAHORS-2020"
SECOND_PASSWORD = "mot-de-passe-de-paul"


def log_in(page: Page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label(re.compile("utilisateur")).fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mes conventions")).to_be_visible()


def first_orientation() -> StrategicOrientation:
    return StrategicOrientation.objects.select_related("plan").get(plan__convention__reference=GRAND_CAHORS, position=1)


def test_agent_creates_a_fiche_answering_a_need_with_two_funding_lines(
    page: Page, live_server, grand_cahors_in_drafting
):
    orientation = first_orientation()
    convention_pk = orientation.plan.convention_id
    log_in(page, live_server, "agent.cahors")
    page.goto(f"{live_server.url}/conventions/{convention_pk}/plan/orientations/{orientation.pk}/fiches/nouvelle/")
    expect(page.get_by_role("heading", name="Nouvelle fiche action")).to_be_visible()

    page.locator("#id_code").fill("1.3")
    page.locator("#id_title").fill("Ouvrir une micro-crèche à Pradines")
    page.locator("#id_domain").select_option(label="Petite enfance")
    page.locator("#id_objectives").fill("Dix places de plus pour les familles de l’ouest de l’agglomération.")
    page.get_by_placeholder("Filtrer les besoins…").fill("conforter")
    page.get_by_label(re.compile("Conforter et développer l.existant")).check()
    page.get_by_placeholder("Filtrer les organisations…").fill("pradines")
    page.get_by_label(re.compile("^Pradines")).check()
    page.locator("#id_start_date").fill("2021-09-01")
    page.locator("#id_end_date").fill("2023-12-31")

    page.locator("#id_funding-0-funder").select_option(label="CAF du Lot")
    page.locator("#id_funding-0-scheme").fill("Prestation de service unique")
    page.locator("#id_funding-0-year").select_option("2022")
    page.locator("#id_funding-0-amount").fill("12 500,50")
    page.get_by_role("button", name="Ajouter une ligne de financement").click()
    page.locator("#id_funding-1-funder").select_option(label="Pradines")
    page.locator("#id_funding-1-year").select_option("2022")
    page.locator("#id_funding-1-amount").fill("8 000")
    page.locator("#id_funding-1-status").select_option(label="Demandé")
    page.get_by_role("button", name="Créer la fiche action").click()

    expect(page.get_by_role("heading", name=re.compile("Ouvrir une micro-crèche à Pradines"))).to_be_visible()
    expect(page.get_by_text("Fiche action 1.3 créée.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"12\s500,50\s€")).first).to_be_visible()
    action = Action.objects.get(orientation=orientation, code="1.3")
    assert sorted((line.funder.display_name, str(line.amount)) for line in action.funding_lines.all()) == [
        ("CAF du Lot", "12500.50"),
        ("Pradines", "8000.00"),
    ]
    assert [need.title for need in action.answered_needs.all()] == [
        "Conforter et développer l'existant en termes d'accueil des 0/3 ans"
    ]
    assert action.history.earliest().history_user.username == "agent.cahors"
    page.screenshot(path="var/screenshots/e2e-fiche-created.png", full_page=True)


def test_the_second_save_shows_the_first_persons_change_and_keeps_the_input(
    browser: Browser, live_server, grand_cahors_in_drafting
):
    orientation = first_orientation()
    action = Action.objects.get(orientation=orientation, code="1.1")
    colleague = UserFactory(username="paul.marty", first_name="Paul", last_name="Marty", password=SECOND_PASSWORD)
    Membership.objects.create(user=colleague, organisation=Organisation.objects.get(siren="200023737"))
    edit_url = f"{live_server.url}/conventions/{orientation.plan.convention_id}/plan/fiches/{action.pk}/modifier/"

    sophie_context, paul_context = browser.new_context(), browser.new_context()
    sophie, paul = sophie_context.new_page(), paul_context.new_page()
    log_in(sophie, live_server, "agent.cahors")
    log_in(paul, live_server, "paul.marty", SECOND_PASSWORD)
    sophie.goto(edit_url)
    paul.goto(edit_url)
    old_title = sophie.locator("#id_title").input_value()

    sophie.locator("#id_title").fill("Maintenir l'offre d'accueil collectif (révisée)")
    sophie.get_by_role("button", name="Enregistrer la fiche action").click()
    expect(sophie.get_by_text("Fiche action 1.1 enregistrée.")).to_be_visible()

    paul.locator("#id_objectives").fill("Objectif réécrit par Paul.")
    paul.locator("#id_progress").fill("90")
    paul.get_by_role("button", name="Enregistrer la fiche action").click()

    conflict = paul.get_by_role("alert").filter(has_text="pendant que vous la modifiiez")
    expect(conflict).to_be_visible()
    changes = conflict.get_by_role("table")
    expect(changes).to_contain_text(old_title)
    expect(changes).to_contain_text("Maintenir l'offre d'accueil collectif (révisée)")
    expect(changes).to_contain_text("Sophie Lacombe")
    expect(paul.locator("#id_objectives")).to_have_value("Objectif réécrit par Paul.")
    expect(paul.locator("#id_progress")).to_have_value("90")
    expect(paul.locator("input[name=lock_version]")).to_have_value("1")
    paul.screenshot(path="var/screenshots/e2e-fiche-conflict.png", full_page=True)
    action.refresh_from_db()
    assert action.objectives != "Objectif réécrit par Paul."

    # Paul's form still holds the old title, and the page says saving it would undo Sophie's change.
    expect(changes).to_contain_text("annulerait ce changement")
    # Saving again is an explicit decision: Paul keeps Sophie's title and saves his version on top of hers.
    paul.locator("#id_title").fill("Maintenir l'offre d'accueil collectif (révisée)")
    paul.get_by_role("button", name="Enregistrer ma version quand même").click()
    expect(paul.get_by_text("Fiche action 1.1 enregistrée.")).to_be_visible()
    action.refresh_from_db()
    assert (action.title, action.objectives, action.progress) == (
        "Maintenir l'offre d'accueil collectif (révisée)",
        "Objectif réécrit par Paul.",
        90,
    )
    sophie_context.close()
    paul_context.close()
