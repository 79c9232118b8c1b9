"""A CTG from an empty portal to a signed convention and a copil report, in the browser only (issue 11).

The portal holds its migrations, the national territories shipped in ``data/territories/france`` and one
administrator created on the command line; no demo. The administrator adds an intercommunality the
demo does not hold (CC Faucigny - Glières, Haute-Savoie) and the CAF of its département, and invites the
CAF's référent; every other person arrives through the link of the e-mail they receive (read from the
outbox, delivered by a real Celery worker). The CAF officer starts the CTG and invites the
intercommunality's référent, who writes the convention until it is ready for review; the CAF reviews,
asks for a change on an article, approves; two signatories accept their invitations and sign in the
portal, a mayor's paper signature is recorded; a copil meeting's report is generated and downloaded.

Throughout: no request ever reaches ``/admin/``, no e-mail holds a password, and the browser reports no
Content-Security-Policy violation (``conftest.context``). ``SHOTS=1`` saves screenshots of the pages
at 1280 px (and some at 390 px) into var/screenshots/story-*.png.
"""

import datetime
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader, PdfWriter

from conventions.choices import ConventionStatus
from conventions.models import Convention
from ctg_portal.typography import french_text
from documents.pdf_signature import check_pdf_signature

pytestmark = [pytest.mark.e2e, pytest.mark.celery_worker]

SHOTS = os.environ.get("SHOTS") == "1"
SHOTS_DIR = "var/screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}
MAIL_TIMEOUT_MS = 30_000
RENDER_TIMEOUT_MS = 90_000  # a 20-page PDF on a busy 2-core machine

EPCI = "CC Faucigny - Glières"
EPCI_SIREN = "200000172"
EPCI_LEGAL = "Communauté de communes Faucigny - Glières"
CAF = "CAF de la Haute-Savoie"

ADMIN = ("admin.portail", "admin@portail-ctg.example.fr", "Administrateur-CTG-2026!")
CAF_OFFICER = ("claire.martin@caf74.example.fr", "Claire Martin", "Claire-Caf74-relecture!")
EPCI_AGENT = ("julien.roux@faucigny-glieres.example.fr", "Julien Roux", "Julien-Faucigny-redaction!")
PRESIDENT = ("stephane.pellet@faucigny-glieres.example.fr", "Stéphane Pellet", "Pellet-Signature-2026!")
DIRECTOR = ("nadia.berthier@caf74.example.fr", "Nadia Berthier", "Berthier-Signature-2026!")
PASSWORDS = [ADMIN[2], CAF_OFFICER[2], EPCI_AGENT[2], PRESIDENT[2], DIRECTOR[2]]


# -- helpers -------------------------------------------------------------------------------------------


def shot(page: Page, name: str, *, phone: bool = False) -> None:
    """The page at 1280 px (and at 390 px with ``phone``), only when SHOTS=1."""
    if not SHOTS:
        return
    page.screenshot(path=f"{SHOTS_DIR}/story-{name}.png", full_page=True)
    if phone:
        page.set_viewport_size(PHONE)
        page.screenshot(path=f"{SHOTS_DIR}/story-{name}-390.png", full_page=True)
        page.set_viewport_size(DESKTOP)


def log_in(page: Page, live_server, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label(re.compile("utilisateur")).fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    # The home: « Mes conventions », or the summary « Conventions » for an administrator.
    expect(page.get_by_role("heading", name=re.compile(r"^(Mes conventions|Conventions)$"), level=1)).to_be_visible()


def invitation_link(page: Page, email: str) -> str:
    """The invitation link of the last invitation mailed to ``email`` (the worker sends it after the commit)."""
    waited = 0
    while waited < MAIL_TIMEOUT_MS:
        for message in reversed(mail.outbox):
            found = re.search(r"https?://\S+/invitation/[\w-]+/", message.body)
            if email in message.to and found:
                return found.group(0)
        page.wait_for_timeout(100)
        waited += 100
    raise AssertionError(f"No invitation reached {email}: {[(m.to, m.subject) for m in mail.outbox]}")


def accept_invitation(page: Page, live_server, email: str, password: str, *, name: str = "") -> None:
    """Opens the e-mailed link with fresh cookies, chooses a password, lands logged in on the home page."""
    link = invitation_link(page, email)
    assert link.startswith(live_server.url), link
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="Accepter l’invitation")).to_be_visible()
    expect(page.get_by_text(email).first).to_be_visible()
    shot(page, f"invitation-{email.split('@')[0]}", phone=name == "first")
    page.get_by_label("Choisissez un mot de passe").fill(password)
    page.get_by_label("Saisissez-le à nouveau").fill(password)
    page.get_by_role("button", name="Créer mon compte et accepter").click()
    expect(page.get_by_text(re.compile(r"Bienvenue\s!"))).to_be_visible()
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


def fill_new_person(page: Page, *, civility: str, name: str, title: str, email: str = "") -> None:
    """The « Une nouvelle personne » fields of the party and committee forms."""
    page.get_by_label("Civilité").select_option(label=civility)
    page.get_by_label("Prénom et nom").fill(name)
    page.get_by_label("Intitulé").fill(title)
    if email:
        page.get_by_label("Courriel").fill(email)


def set_party_representative(page: Page, organisation: str, *, deliberation: tuple = (), **person) -> None:
    """On the parties' page: the person who signs for ``organisation`` in the portal, invited at once."""
    page.get_by_role("link", name=f"Modifier {organisation}", exact=True).click()
    page.get_by_label("Qui la représente").select_option(label="Une nouvelle personne (à saisir ci-dessous)")
    fill_new_person(page, **person)
    page.get_by_label("Signée dans le portail").check()
    if deliberation:
        page.get_by_label("Numéro de délibération").fill(deliberation[0])
        page.get_by_label("Date de la délibération").fill(deliberation[1].isoformat())
    page.get_by_label("Inviter dès maintenant le représentant sur le portail").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(f"Une invitation au portail est envoyée à {person['name']}")).to_be_visible()


def add_copil_member(page: Page, convention_url: str, *, person: str = "", role: str, new: dict | None = None):
    page.goto(f"{convention_url}gouvernance/")
    page.get_by_role("link", name="Ajouter un membre Comité de pilotage").click()
    if new:
        page.get_by_label("Personne", exact=True).select_option(label="Une nouvelle personne (à saisir ci-dessous)")
        page.get_by_label("Organisation de la nouvelle personne", exact=True).select_option(
            label=new.pop("organisation")
        )
        fill_new_person(page, **new)
    else:
        page.get_by_label("Personne", exact=True).select_option(label=person)
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(re.compile("siège désormais au Comité de pilotage"))).to_be_visible()


def sign_in_portal(page: Page, live_server, convention_url: str, email: str, password: str, sha256: str) -> None:
    log_in(page, live_server, email, password)
    page.goto(convention_url)
    page.locator("#signature").get_by_role("link", name=re.compile("^Signer")).first.click()
    expect(page.get_by_text(sha256).first).to_be_visible()
    shot(page, f"sign-{email.split('@')[0]}")
    page.get_by_role("button", name="Signer cette version").click()  # without consent nor password
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    page.get_by_label(re.compile("Je signe la convention")).check()
    page.get_by_label("Votre mot de passe").fill(password)
    page.get_by_role("button", name="Signer cette version").click()
    expect(page.get_by_text(re.compile("Vous avez signé la version 1"))).to_be_visible()


def downloaded(page: Page, slot, tmp_path) -> bytes:
    with page.expect_download() as download_info:
        slot.get_by_role("link", name="Télécharger").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    return path.read_bytes()


def signature_check(pdf: bytes):
    """pyHanko validates with asyncio.run, impossible in Playwright's thread (its loop runs there)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(check_pdf_signature, pdf).result()


def scanned_page(tmp_path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "page-signature-bonneville.pdf"
    path.write_bytes(buffer.getvalue())
    return str(path)


# -- the empty portal ------------------------------------------------------------------------------------


@pytest.fixture
def empty_portal(transactional_db, settings, monkeypatch, live_server):
    """Migrations, the national territories, one administrator made on the command line; no demo.

    Transactional tests empty every table afterwards, the domains seeded by a data migration included:
    seed them again, as ``demo_data`` does. Links in e-mails point at the live server.
    """
    from django.apps import apps

    import_module("conventions.migrations.0002_seed_domains").seed_domains(apps, schema_editor=None)
    settings.PORTAL_BASE_URL = live_server.url
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", ADMIN[2])
    call_command("createsuperuser", interactive=False, username=ADMIN[0], email=ADMIN[1], verbosity=0)
    assert not Convention.objects.exists()


# -- the story -------------------------------------------------------------------------------------------


def test_a_ctg_goes_from_an_empty_portal_to_signed_and_reported_in_the_browser(
    page: Page, live_server, empty_portal, celery_worker_on_redis, tmp_path
):
    admin_requests = []
    page.context.on(
        "request",
        lambda request: admin_requests.append(request.url) if urlsplit(request.url).path.startswith("/admin") else None,
    )
    today = datetime.date.today()
    period_start, period_end = datetime.date(today.year, 1, 1), datetime.date(today.year + 3, 12, 31)

    # 1. The administrator adds the territory, the CAF of its département, and invites the CAF's référent.
    log_in(page, live_server, ADMIN[0], ADMIN[2])
    page.get_by_role("link", name="Territoires").click()
    page.get_by_label("Nom, SIREN, commune ou code postal").fill("Faucigny")
    results = page.locator("#territory-results")
    expect(results).to_contain_text(f"SIREN {EPCI_SIREN}")
    shot(page, "territories", phone=True)
    results.get_by_role("button", name=f"Ajouter au portail {EPCI}").click()
    expect(page.get_by_text(f"{EPCI} et ses 7 communes sont à jour dans le portail.")).to_be_visible()
    expect(page.get_by_role("heading", name=EPCI)).to_be_visible()
    expect(page.get_by_role("link", name="Bonneville")).to_be_visible()
    shot(page, "organisation-epci")

    page.goto(f"{live_server.url}/territoires/")
    page.get_by_role("link", name="Créer une organisation").click()
    one_click = page.locator("form", has=page.get_by_label("du département"))
    one_click.get_by_label("du département").select_option("74")
    shot(page, "organisation-create", phone=True)
    one_click.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text(f"{CAF} est dans le portail.")).to_be_visible()
    expect(page.get_by_text("Caisse d'allocations familiales de la Haute-Savoie").first).to_be_visible()

    page.get_by_role("link", name="Équipes").click()
    page.get_by_label("Trouver un organisme").fill("Haute-Savoie")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=CAF).click()
    expect(page.get_by_role("heading", name=re.compile(f"Équipe .*{CAF}"))).to_be_visible()
    page.get_by_label("Adresse de courriel").fill(CAF_OFFICER[0])
    page.get_by_label("Prénom et nom").fill(CAF_OFFICER[1])
    expect(
        page.get_by_role("checkbox", name=re.compile("invite et retire aussi"))
    ).to_be_checked()  # the first one is référent
    page.get_by_role("button", name="Envoyer l’invitation").click()
    expect(page.get_by_text(f"Invitation envoyée à {CAF_OFFICER[0]}")).to_be_visible()
    shot(page, "team-caf", phone=True)

    # 2. The CAF officer accepts, starts the CTG and invites the intercommunality's référent.
    accept_invitation(page, live_server, CAF_OFFICER[0], CAF_OFFICER[2], name="first")
    page.get_by_role("link", name="Démarrer une CTG").click()
    page.get_by_label("Intercommunalité (EPCI)").select_option(label=f"{EPCI} (74)")
    expect(page.locator("#id_caf option:checked")).to_have_text(f"{CAF} (74)")  # their own CAF
    page.get_by_label("Premier jour de la période").fill(period_start.isoformat())
    page.get_by_label("Dernier jour de la période").fill(period_end.isoformat())
    for domain in ("Accueil des gens du voyage", "Politique de la ville", "Habitat", "Insertion"):
        page.get_by_label(domain, exact=True).uncheck()
    page.get_by_label("Domaines propres au territoire").fill("Sport et loisirs")
    expect(page.get_by_label("Contrat auquel elle succède")).to_have_value("Contrat enfance jeunesse (CEJ)")
    page.get_by_label("Sa référence").fill(f"CEJ-74-{today.year - 4}")
    page.get_by_label("Son début").fill(datetime.date(today.year - 4, 1, 1).isoformat())
    page.get_by_label("Sa fin").fill(datetime.date(today.year - 1, 12, 31).isoformat())
    page.get_by_label("Courriel du référent de l’intercommunalité").fill(EPCI_AGENT[0])
    page.get_by_label("Ses prénom et nom").fill(EPCI_AGENT[1])
    shot(page, "start", phone=True)
    page.get_by_role("button", name="Démarrer la convention").click()
    expect(
        page.get_by_text(re.compile(re.escape(french_text("est démarrée : son texte vient du texte type"))))
    ).to_be_visible()
    expect(page.get_by_text(f"Une invitation au portail est envoyée à {EPCI_AGENT[0]}")).to_be_visible()
    convention = Convention.objects.get(epci__siren=EPCI_SIREN)
    convention_url = f"{live_server.url}/conventions/{convention.pk}/"
    assert page.url == convention_url
    expect(page.locator(".page-header")).to_contain_text(f"Contrat enfance jeunesse (CEJ) n° CEJ-74-{today.year - 4}")
    signatories = page.locator("#parties")
    expect(signatories).to_contain_text(CAF)
    expect(signatories).to_contain_text(EPCI)
    shot(page, "convention-started-caf")

    # 3. The intercommunality's référent accepts and writes the convention until it is ready for review.
    accept_invitation(page, live_server, EPCI_AGENT[0], EPCI_AGENT[2])
    page.get_by_role("link", name=re.compile(f"Convention territoriale globale .* {EPCI}")).click()
    readiness = page.locator("#readiness")
    for code in ("no_diagnostic_summary", "no_fiche", "text_to_complete"):
        expect(readiness.locator(f"[data-code={code}]")).to_be_visible()
    expect(readiness.locator("[data-code^=no_representative_]")).to_have_count(2)
    shot(page, "convention-draft", phone=True)

    # Settings: where the originals are signed, how many.
    page.get_by_role("link", name="Modifier les paramètres").click()
    page.get_by_label("Lieu de signature").fill("Bonneville")
    page.get_by_label("Nombre d’exemplaires originaux").fill("3")
    shot(page, "settings")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Les paramètres de la convention sont enregistrés.")).to_be_visible()

    # An article: its « [à compléter : …] » replaced by a text using a placeholder, shown resolved.
    page.goto(f"{convention_url}articles/")
    shot(page, "articles")
    page.get_by_role("link", name="Modifier Préambule").click()
    expect(page.get_by_text(f"La {EPCI_LEGAL} regroupe 7 communes").first).to_be_visible()
    body = page.get_by_label("Texte")
    local_context = "Territoire de vallée au pied du plateau des Glières, {{ epci_nom }} accueille de jeunes familles."
    body.fill(re.sub(r"\[à compléter : [^\]]*\]", local_context, body.input_value()))
    expect(page.locator("#article-preview")).to_contain_text(f"des Glières, {EPCI} accueille de jeunes familles.")
    shot(page, "article-edit", phone=True)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Article 1 enregistré.")).to_be_visible()

    # Signatories: the president and the CAF's director sign in the portal, the mayor of Bonneville on paper.
    page.goto(f"{convention_url}parties/")
    set_party_representative(
        page,
        EPCI,
        civility="M.",
        name=PRESIDENT[1],
        title="Président",
        email=PRESIDENT[0],
        deliberation=(f"DC-{today.year}-045", today - datetime.timedelta(days=60)),
    )
    set_party_representative(page, CAF, civility="Mme", name=DIRECTOR[1], title="Directrice", email=DIRECTOR[0])
    page.get_by_role("link", name="Ajouter un signataire").click()
    page.get_by_label("Organisme").select_option(label="Bonneville (74)")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Commune de Bonneville").first).to_be_visible()
    fill_new_person(page, civility="M.", name="Marc Lefèvre", title="Maire")
    page.get_by_label("Tour de signature").fill("2")
    page.get_by_label("Signée sur papier").check()
    page.get_by_label("Numéro de délibération").fill(f"DEL-{today.year}-112")
    page.get_by_label("Date de la délibération").fill((today - datetime.timedelta(days=30)).isoformat())
    shot(page, "party-form", phone=True)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(french_text("Signataire ajouté : Bonneville, au tour 2."))).to_be_visible()
    expect(page.get_by_text("M. Stéphane Pellet, le Président")).to_be_visible()
    expect(page.get_by_text("Mme Nadia Berthier, la Directrice")).to_be_visible()
    expect(page.get_by_text(f"Délibération n° DC-{today.year}-045")).to_be_visible()
    shot(page, "parties", phone=True)

    # The copil: the two co-chairs and a councillor of Marignier.
    add_copil_member(page, convention_url, person="M. Stéphane Pellet — Président", role="Coprésident(e)")
    add_copil_member(page, convention_url, person="Mme Nadia Berthier — Directrice", role="Coprésident(e)")
    add_copil_member(
        page,
        convention_url,
        role="Membre",
        new={
            "organisation": "Marignier (74)",
            "civility": "Mme",
            "name": "Hélène Moret",
            "title": "Adjointe au maire chargée de l'enfance",
        },
    )
    shot(page, "governance", phone=True)

    # The diagnostic: its introduction and dates, one need.
    page.goto(convention_url)
    page.locator("#readiness").get_by_role("link", name=re.compile("Rédiger l.introduction")).click()
    page.get_by_label("Introduction").fill(
        "Diagnostic conduit avec les sept communes, la CAF et les associations de parents du territoire."
    )
    page.get_by_label("Commencé le").fill((today - datetime.timedelta(days=200)).isoformat())
    page.get_by_label("Terminé le").fill((today - datetime.timedelta(days=20)).isoformat())
    shot(page, "diagnostic-introduction")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text(french_text("L'introduction et les dates du diagnostic sont enregistrées."))
    ).to_be_visible()
    need = "Places d'accueil du jeune enfant insuffisantes à Marignier"
    domain = page.locator("article.domain-findings", has=page.get_by_role("heading", name="Petite enfance"))
    needs = domain.locator("[id$='-besoins']")
    needs.get_by_role("link", name=re.compile("Ajouter un besoin")).click()
    needs.get_by_label("Intitulé").fill(need)
    needs.get_by_role("button", name="Ajouter").click()
    expect(needs.locator("li.finding", has_text=need)).to_be_visible()

    # The plan: an orientation and its first fiche action, answering the need.
    page.goto(f"{convention_url}plan/")
    page.get_by_role("link", name="Ajouter une orientation").click()
    page.get_by_label("Intitulé").fill("Développer l'accueil du jeune enfant")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Orientation 1 ajoutée.")).to_be_visible()
    page.get_by_role("link", name="Ajouter une fiche action").click()
    page.locator("#id_code").fill("1.1")
    page.locator("#id_title").fill("Créer une micro-crèche à Marignier")
    page.locator("#id_domain").select_option(label="Petite enfance")
    page.locator("#id_objectives").fill("Dix places d'accueil de plus pour les familles de Marignier.")
    page.get_by_label(re.compile(re.escape(need))).check()
    page.get_by_label("Marignier (Commune)").check()
    page.locator("#id_funding-0-funder").select_option(label=CAF)
    page.locator("#id_funding-0-scheme").fill("Bonus territoire CTG")
    page.locator("#id_funding-0-year").select_option(str(today.year + 1))
    page.locator("#id_funding-0-amount").fill("45 000")
    page.get_by_role("button", name="Créer la fiche action").click()
    expect(page.get_by_text("Fiche action 1.1 créée.")).to_be_visible()
    shot(page, "fiche")

    # Ready: the readiness list says so; the draft PDF circulates; the agent submits.
    page.goto(convention_url)
    expect(page.locator("#readiness")).to_contain_text("elle peut lui être soumise")
    expect(page.locator("#readiness [data-code]")).to_have_count(0)
    details = page.locator("#articles details").first
    details.locator("summary").click()
    expect(details).to_contain_text(f"La {EPCI_LEGAL} regroupe 7 communes et compte")
    expect(details).to_contain_text(f"{EPCI} accueille de jeunes familles.")
    expect(details).not_to_contain_text("{{")
    shot(page, "convention-ready", phone=True)
    page.get_by_role("button", name="Projet de convention (PDF)").click()
    draft_slot = page.locator("li#document-draft_convention")
    expect(draft_slot.get_by_role("link", name="Télécharger")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    draft = downloaded(page, draft_slot, tmp_path)
    assert draft.startswith(b"%PDF-")
    assert "PROJET" in PdfReader(io.BytesIO(draft)).pages[0].extract_text()
    page.goto(convention_url)
    lifecycle_action(page, "Soumettre à la CAF pour relecture", action="submit")
    expect(page.locator(".status-badge").first).to_have_text(re.compile("En relecture"))

    # 4. The CAF officer comments on an article and requests changes.
    article_title = "Article 14 — Durée et prise d'effet"
    log_in(page, live_server, CAF_OFFICER[0], CAF_OFFICER[2])
    page.goto(convention_url)
    page.get_by_role("link", name=re.compile("Relire et commenter")).first.click()
    part = page.locator(".review-part", has=page.get_by_role("heading", name=article_title))
    part.get_by_text("Commenter cette partie").click()
    part.get_by_label("Votre commentaire").fill("Précisez que chaque partie reçoit un exemplaire original signé.")
    part.get_by_role("button", name="Ajouter le commentaire").click()
    expect(part.get_by_text("chaque partie reçoit un exemplaire original")).to_be_visible()
    shot(page, "review-comment")
    lifecycle_action(page, "Demander des modifications", action="request_changes", comment="Un article à préciser.")
    page.goto(convention_url)
    expect(page.locator(".status-badge").first).to_have_text(re.compile("Modifications demandées"))

    # The agent edits the article from the comment, answers and resolves it, resubmits.
    log_in(page, live_server, EPCI_AGENT[0], EPCI_AGENT[2])
    page.goto(f"{convention_url}relecture/")
    part = page.locator(".review-part", has=page.get_by_role("heading", name=article_title))
    part.get_by_role("link", name="Modifier cet article").click()
    expect(page.get_by_role("heading", name=re.compile("Article 14 — Durée et prise d'effet"))).to_be_visible()
    body = page.get_by_label("Texte")
    body.fill(body.input_value() + "\n\nChaque partie en reçoit un exemplaire original signé.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Article 14 enregistré.")).to_be_visible()
    page.goto(f"{convention_url}relecture/")
    part = page.locator(".review-part", has=page.get_by_role("heading", name=article_title))
    part.get_by_text("Répondre").first.click()
    part.get_by_label("Votre réponse").fill("C'est précisé à la fin de l'article.")
    part.get_by_role("button", name="Envoyer la réponse").click()
    expect(part.get_by_text("C'est précisé à la fin de l'article.")).to_be_visible()
    part.get_by_role("button", name="Marquer comme résolu").click()
    expect(part.get_by_text(re.compile("Résolu par Julien Roux"))).to_be_visible()
    page.goto(convention_url)
    lifecycle_action(page, "Reprendre la rédaction", action="resume_drafting")
    lifecycle_action(page, "Soumettre à la CAF pour relecture", action="submit")

    # The officer approves: version 1 is frozen with its SHA-256.
    log_in(page, live_server, CAF_OFFICER[0], CAF_OFFICER[2])
    page.goto(convention_url)
    lifecycle_action(page, "Approuver le texte", action="approve")
    convention.refresh_from_db()
    version = convention.approved_version
    assert (convention.status, version.number) == (ConventionStatus.APPROVED, 1)
    assert "Chaque partie en reçoit un exemplaire original signé." in str(version.content)

    # 5. The agent opens the signature; the two signatories accept their invitations and sign.
    log_in(page, live_server, EPCI_AGENT[0], EPCI_AGENT[2])
    page.goto(convention_url)
    lifecycle_action(page, "Ouvrir la signature", action="open_signature")
    bonneville = page.locator("#signature li.signing-state").filter(has_text="Bonneville")
    expect(bonneville).to_contain_text("En attente")
    for email, _name, password in (PRESIDENT, DIRECTOR):
        accept_invitation(page, live_server, email, password)
        sign_in_portal(page, live_server, convention_url, email, password, version.content_sha256)

    # The agent records the mayor's paper signature with the scanned page.
    log_in(page, live_server, EPCI_AGENT[0], EPCI_AGENT[2])
    page.goto(convention_url)
    page.locator("#signature").get_by_role("link", name=re.compile("signature papier")).first.click()
    page.get_by_label("Date de signature").fill(today.isoformat())
    page.get_by_label("Lieu de signature").fill("Bonneville")
    page.get_by_label(re.compile("Page de signature scannée")).set_input_files(scanned_page(tmp_path))
    shot(page, "paper-signature")
    page.get_by_role("button", name="Enregistrer la signature").click()
    expect(page.get_by_text(re.compile("la convention est signée"))).to_be_visible()
    expect(page.locator(".status-badge").first).to_have_text(re.compile("Signée|En vigueur"))
    convention.refresh_from_db()
    assert convention.status in (ConventionStatus.SIGNED, ConventionStatus.IN_FORCE)
    expect(page.get_by_text(convention.signed_version.content_sha256).first).to_be_visible()
    shot(page, "convention-signed", phone=True)

    # 6. A copil meeting is held and recorded; its report is generated and downloaded.
    page.get_by_role("link", name="Réunions des comités").click()
    page.get_by_role("link", name="Programmer une réunion").click()
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Type de réunion").select_option(label="Lancement")
    page.get_by_label("Lieu").fill("Bonneville, siège de la communauté de communes")
    page.get_by_label("Ordre du jour").fill("Signature de la convention\nCalendrier des fiches actions")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(re.compile("Réunion du Comité de pilotage programmée"))).to_be_visible()
    page.get_by_role("link", name="Consigner présences et décisions").click()
    page.get_by_label(re.compile(f"^{PRESIDENT[1]}")).check()
    page.get_by_label(re.compile(f"^{DIRECTOR[1]}")).check()
    page.get_by_label("Décisions prises").fill("Le calendrier des fiches actions est validé.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Présences, décisions et compte rendu enregistrés.")).to_be_visible()
    page.get_by_role("link", name="Ouvrir les documents").click()
    report_slot = page.locator("#meeting-documents li.document-slot").first
    report_slot.get_by_role("button", name="Générer").click()
    report_slot = page.locator("#meeting-documents li.document-slot").first
    expect(report_slot.get_by_role("link", name="Télécharger")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    report = downloaded(page, report_slot, tmp_path)
    assert report.startswith(b"%PDF-")
    assert signature_check(report).authentic
    # The signed convention, asked for by the last signature, is ready too (and the worker is idle).
    signed_slot = page.locator("li.document-slot[id^='document-signed_convention']").first
    expect(signed_slot.get_by_role("link", name="Télécharger")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    shot(page, "documents", phone=True)

    # Never the admin; never a password in an e-mail.
    assert admin_requests == []
    assert len(mail.outbox) >= 4
    for message in mail.outbox:
        text = " ".join([message.subject, message.body, *(content for content, _type in message.alternatives)])
        assert not any(password in text for password in PASSWORDS), message.subject
