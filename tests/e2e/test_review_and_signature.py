"""The whole life of La Cali's demo CTG in a real browser, with the demo accounts.

Staff submit; the CAF officer comments and requests changes; staff fix, answer and resubmit; the
officer approves; the signatories sign in order (two in the portal in round 1, Coutras' mayor on
paper in round 2, recorded by the staff); the convention shows « Signée » with its version hash and
its timeline; then the staff open an avenant.
"""

import datetime
import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from conventions.choices import ConventionStatus
from conventions.models import Convention
from tests.demo_accounts import DEMO_PASSWORD
from tests.workflow.factories import make_ready_for_review

pytestmark = pytest.mark.e2e

SHOTS = "var/screenshots"


def log_in(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label(re.compile("utilisateur")).fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mes conventions")).to_be_visible()


def lifecycle_action(page: Page, label: str, *, action: str, comment: str = "") -> None:
    """Press a lifecycle button and confirm in its dialog."""
    page.locator("#lifecycle").get_by_role("button", name=label).click()
    dialog = page.locator(f"#transition-{action}")
    expect(dialog).to_be_visible()
    if comment:
        dialog.locator("textarea[name=comment]").fill(comment)
    dialog.get_by_role("button", name=label).click()
    expect(page.locator(".alert").first).to_be_visible()


def scanned_page(tmp_path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "page-signature-coutras.pdf"
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_la_cali_is_reviewed_signed_in_order_then_amended(page: Page, live_server, demo_data, tmp_path):
    la_cali = Convention.objects.get(epci__siren="200070092")
    convention_url = f"{live_server.url}/conventions/{la_cali.pk}/"

    # 1. The intercommunality's staff see what the CAF's review still needs (the demo's La Cali has no
    #    fiche yet), add it, then submit the draft to the CAF.
    log_in(page, live_server, "agent.cali")
    page.goto(convention_url)
    readiness = page.locator("#readiness")
    expect(readiness.locator("[data-code=no_fiche]")).to_contain_text("aucune fiche action")
    expect(readiness.get_by_role("link", name="Ouvrir le plan d’actions")).to_be_visible()
    submit = page.locator("#lifecycle").get_by_role("button", name="Soumettre à la CAF pour relecture")
    expect(submit).to_be_disabled()
    page.locator("#lifecycle").get_by_role("link", name="Complétez d’abord ce qui manque").click()
    expect(page).to_have_url(re.compile("#readiness$"))
    make_ready_for_review(la_cali)  # its first fiche, as the plan editor writes it
    page.goto(convention_url)
    expect(page.locator("#readiness")).to_contain_text("elle peut lui être soumise")
    lifecycle_action(page, "Soumettre à la CAF pour relecture", action="submit")
    expect(page.locator(".status-badge").first).to_have_text(re.compile("En relecture"))

    # 2. The CAF officer comments on a part and requests changes.
    log_in(page, live_server, "caf.gironde")
    page.goto(convention_url)
    page.get_by_role("link", name=re.compile("Relire et commenter")).first.click()
    general = page.locator("[id^=part-]").first
    general.get_by_text("Commenter cette partie").click()
    general.get_by_label("Votre commentaire").fill(
        "Le diagnostic ne dit rien des familles en horaires atypiques : ajoutez ce besoin en petite enfance."
    )
    general.get_by_role("button", name="Ajouter le commentaire").click()
    expect(general.get_by_text("familles en horaires atypiques")).to_be_visible()
    lifecycle_action(
        page, "Demander des modifications", action="request_changes", comment="Un besoin manque au diagnostic."
    )
    page.goto(convention_url)
    expect(page.locator(".status-badge").first).to_have_text(re.compile("Modifications demandées"))

    # 3. Staff resume drafting, add the missing need, answer and resolve the comment, resubmit.
    log_in(page, live_server, "agent.cali")
    page.goto(convention_url)
    lifecycle_action(page, "Reprendre la rédaction", action="resume_drafting")
    page.goto(f"{convention_url}diagnostic/")
    domain = page.locator("article.domain-findings", has=page.get_by_role("heading", name="Petite enfance"))
    needs = domain.locator("[id$='-besoins']")
    needs.get_by_role("link", name=re.compile("Ajouter un besoin")).click()
    needs.get_by_label("Intitulé").fill("Garde d'enfants en horaires atypiques")
    needs.get_by_role("button", name="Ajouter").click()
    expect(needs.locator("li.finding", has_text="Garde d'enfants en horaires atypiques")).to_be_visible()
    page.goto(f"{convention_url}relecture/")
    thread = page.locator("[id^=part-]").first
    thread.get_by_text("Répondre").first.click()
    thread.get_by_label("Votre réponse").fill("Besoin ajouté en petite enfance.")
    thread.get_by_role("button", name="Envoyer la réponse").click()
    expect(thread.get_by_text("Besoin ajouté en petite enfance.")).to_be_visible()
    page.locator("[id^=part-]").first.get_by_role("button", name="Marquer comme résolu").click()
    expect(page.locator("[id^=part-]").first.get_by_text(re.compile("Résolu par"))).to_be_visible()
    page.goto(convention_url)
    lifecycle_action(page, "Soumettre à la CAF pour relecture", action="submit")

    # 4. The officer approves: the text is frozen into version 1 with its SHA-256.
    log_in(page, live_server, "caf.gironde")
    page.goto(convention_url)
    lifecycle_action(page, "Approuver le texte", action="approve")
    la_cali.refresh_from_db()
    version = la_cali.approved_version
    assert (la_cali.status, version.number) == (ConventionStatus.APPROVED, 1)
    expect(page.get_by_text(version.content_sha256).first).to_be_visible()

    # 5. Staff open the signature; round 2 (Coutras, on paper) must wait for round 1.
    log_in(page, live_server, "agent.cali")
    page.goto(convention_url)
    lifecycle_action(page, "Ouvrir la signature", action="open_signature")
    signing_panel = page.locator("#signature")
    coutras = signing_panel.locator("li.signing-state").filter(has_text="Coutras")
    expect(coutras).to_contain_text("En attente")
    expect(coutras.get_by_role("link", name=re.compile("signature papier"))).to_have_count(0)

    # 6. Round 1 signs in the portal, in parallel: consent + password.
    for username in ("signataire.cali", "signataire.caf33"):
        log_in(page, live_server, username)
        page.goto(convention_url)
        page.locator("#signature").get_by_role("link", name=re.compile("^Signer")).first.click()
        expect(page.get_by_text(version.content_sha256).first).to_be_visible()
        page.get_by_role("button", name="Signer cette version").click()  # without consent nor password
        expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
        page.get_by_label(re.compile("Je signe la convention")).check()
        page.get_by_label("Votre mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Signer cette version").click()
        expect(page.locator(".alert").first).to_contain_text(re.compile("sign", re.IGNORECASE))
        page.screenshot(path=f"{SHOTS}/e2e-signed-by-{username}.png", full_page=True)

    # 7. Round 2: the staff record Coutras' paper signature with its scanned page.
    log_in(page, live_server, "agent.cali")
    page.goto(convention_url)
    page.locator("#signature").get_by_role("link", name=re.compile("signature papier")).first.click()
    page.get_by_label("Date de signature").fill(datetime.date.today().isoformat())
    page.get_by_label("Lieu de signature").fill("Coutras")
    page.get_by_label(re.compile("Page de signature scannée")).set_input_files(scanned_page(tmp_path))
    page.get_by_role("button", name="Enregistrer la signature").click()

    # 8. Signed: badge, version hash and timeline.
    la_cali.refresh_from_db()
    assert la_cali.status == ConventionStatus.SIGNED
    page.goto(convention_url)
    expect(page.locator(".status-badge").first).to_have_text(re.compile("Signée|En vigueur"))
    expect(page.get_by_text(la_cali.signed_version.content_sha256).first).to_be_visible()
    timeline = page.locator("#timeline")
    for step in ("Soumise", "Modifications demandées", "Approuvée", "Signée par tous"):
        expect(timeline).to_contain_text(re.compile(step, re.IGNORECASE))
    page.screenshot(path=f"{SHOTS}/e2e-la-cali-signed.png", full_page=True)

    # 9. An avenant: a new draft, while version 1 stays the signed text.
    lifecycle_action(page, "Ouvrir un avenant", action="open_amendment", comment="Ajout du volet jeunesse.")
    la_cali.refresh_from_db()
    assert (la_cali.status, la_cali.amendment_number) == (ConventionStatus.DRAFT, 1)
    assert la_cali.signed_version.number == 1
    page.goto(convention_url)
    expect(page.get_by_text(re.compile("Avenant n° ?1")).first).to_be_visible()
    page.screenshot(path=f"{SHOTS}/e2e-la-cali-avenant.png", full_page=True)
