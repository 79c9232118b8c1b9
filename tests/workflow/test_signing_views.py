"""The signature pages: the convention page's signing panel, signing, declining, paper, scans."""

import datetime
import html
import re

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import Signature, StatusChange
from partners.choices import MembershipRole
from tests.conventions.factories import ArticleFactory, GovernanceBodyFactory, GovernanceMemberFactory, force_status
from tests.partners.factories import DEFAULT_PASSWORD, MembershipFactory, RepresentativeFactory, UserFactory
from tests.workflow.test_signing_services import PDF, Signing, pdf_upload
from workflow.services import signing

pytestmark = pytest.mark.django_db

SIGN_PAGE_MAX_QUERIES = 14
DETAIL_PAGE_MAX_QUERIES = 30


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(response) -> str:
    """The page's text with tags removed and whitespace collapsed, entities decoded."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def detail_url(convention):
    return reverse("workflow:detail", args=[convention.pk])


def sign_url(story, index):
    return reverse("workflow:sign", args=[story.convention.pk, story.parties[index].pk])


def decline_url(story, index):
    return reverse("workflow:decline", args=[story.convention.pk, story.parties[index].pk])


def paper_url(story, index):
    return reverse("workflow:paper_signature", args=[story.convention.pk, story.parties[index].pk])


def scan_url(signature):
    return reverse("workflow:signature_scan", args=[signature.version.convention_id, signature.pk])


def sign_data(story, **overrides):
    return {"version_id": story.version.pk, "consent": "on", "password": DEFAULT_PASSWORD, **overrides}


def paper_data(story, **overrides):
    return {
        "version_id": story.version.pk,
        "signed_on": timezone.localdate().isoformat(),
        "place": "Cahors",
        "scan": pdf_upload(),
        "signer_name": story.parties[0].representative.full_name,
        "signer_title": "Directrice",
        **overrides,
    }


def panel_of(response) -> str:
    content = response.content.decode()
    start = content.index('id="signature"')
    return content[start : content.index("</section>", start)]


def outsiders(story):
    """Users who may not see the convention at all: they must get a 404, never a 403."""
    return [UserFactory(), MembershipFactory(organisation__intercommunality=True).user]


def onlooker(story):
    """A user who sees the convention (a commune's staff whose commune is not the one signing)."""
    return MembershipFactory(organisation=story.parties[-1].organisation, role=MembershipRole.READER).user


# --- The signing panel on the convention page -------------------------------------------------------------


def test_the_panel_shows_the_version_its_full_hash_and_each_round(client):
    story = Signing(orders=(1, 1, 2))
    client.force_login(story.staff)
    panel = panel_of(client.get(detail_url(story.convention)))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", panel)).split())
    assert f"Signature de la version {story.version.number}" in text
    assert story.version.content_sha256 in panel
    assert "Tour 1 · en parallèle" in text
    assert "Tour 2" in text
    assert text.count("À son tour de signer") == 2
    assert text.count("En attente des signataires du tour précédent") == 1


def test_the_panel_offers_sign_to_the_representative_whose_turn_it_is_only(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.user(0))
    panel = panel_of(client.get(detail_url(story.convention)))
    assert f'href="{sign_url(story, 0)}"' in panel
    assert f'href="{sign_url(story, 1)}"' not in panel
    assert "Enregistrer une signature papier" not in panel

    client.force_login(story.user(1))
    panel = panel_of(client.get(detail_url(story.convention)))
    assert "btn btn-primary" not in panel
    assert f'href="{sign_url(story, 0)}"' not in panel
    assert f'href="{sign_url(story, 1)}"' in panel, "a waiting signatory can read the text (and decline)"
    assert "Voir le texte à signer" in panel


def test_the_panel_offers_paper_signatures_to_staff_for_each_party_whose_turn_it_is(client):
    story = Signing(orders=(1, 1, 2))
    client.force_login(story.staff)
    panel = panel_of(client.get(detail_url(story.convention)))
    assert f'href="{paper_url(story, 0)}"' in panel
    assert f'href="{paper_url(story, 1)}"' in panel
    assert f'href="{paper_url(story, 2)}"' not in panel
    assert f'conventions/{story.convention.pk}/signature/{story.parties[0].pk}/"' not in panel


def test_the_panel_tells_how_each_party_signed_and_links_scans_to_those_who_may_see_them(client):
    story = Signing(orders=(1, 2, 3))
    electronic = story.sign(0)
    paper = story.record_paper(1, place="Figeac")

    client.force_login(story.staff)
    panel = panel_of(client.get(detail_url(story.convention)))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", panel)).split())
    assert "signature électronique" in text
    assert "signature papier à Figeac" in text
    assert f'href="{scan_url(paper)}"' in panel
    assert timezone.localtime(electronic.signed_at).strftime("%H:%M") in text

    client.force_login(onlooker(story))
    assert f'href="{scan_url(paper)}"' not in panel_of(client.get(detail_url(story.convention)))

    client.force_login(story.user(1))  # the person who signed that page
    assert f'href="{scan_url(paper)}"' in panel_of(client.get(detail_url(story.convention)))


def test_the_panel_does_not_list_void_signatures(client):
    story = Signing(orders=(1, 2))
    story.sign(0)
    story.decline(1)
    force_status(story.convention, ConventionStatus.IN_SIGNATURE)  # version 2
    client.force_login(story.staff)
    panel = panel_of(client.get(detail_url(story.convention)))
    assert "Signature de la version 2" in panel
    assert "signature électronique" not in panel
    assert "A signé" not in panel


def test_the_panel_before_the_signature_is_opened(client):
    story = Signing(orders=(1,), open_signature=False)
    client.force_login(story.staff)
    text = text_of(client.get(detail_url(story.convention)))
    assert "Signature pas encore ouverte" in text
    assert "À son tour de signer" not in text


def test_a_signed_convention_shows_the_signatures_of_its_signed_text(client):
    story = Signing(orders=(1,))
    story.sign(0)
    client.force_login(story.staff)
    panel = panel_of(client.get(detail_url(story.convention)))
    assert "Signatures du texte signé, version 1" in panel
    assert "signature électronique" in panel


def test_a_draft_has_no_signing_panel(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    assert 'id="signature"' not in client.get(detail_url(convention)).content.decode()


def test_the_convention_page_costs_the_same_queries_with_3_or_12_signatories(client, django_assert_max_num_queries):
    counts = []
    for signatories in (3, 12):
        story = Signing(orders=(1,) * (signatories - 1) + (2,))
        for index in range(signatories - 2):
            story.record_paper(index) if index % 2 else story.sign(index)
        client.force_login(story.staff)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(detail_url(story.convention))
        assert response.status_code == 200
        counts.append(len(queries))
        with django_assert_max_num_queries(DETAIL_PAGE_MAX_QUERIES):
            client.get(detail_url(story.convention))
    assert counts[0] == counts[1]


# --- The sign page: who may open it ---------------------------------------------------------------------


def test_outsiders_get_404_on_the_sign_page(client):
    story = Signing(orders=(1,))
    for user in outsiders(story):
        client.force_login(user)
        assert client.get(sign_url(story, 0)).status_code == 404
        assert client.post(sign_url(story, 0), sign_data(story)).status_code == 404
    assert not Signature.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client):
    story = Signing(orders=(1,))
    response = client.get(sign_url(story, 0))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_party_of_another_convention_answers_404(client):
    story, other = Signing(orders=(1,)), Signing(orders=(1,))
    client.force_login(story.user(0))
    url = reverse("workflow:sign", args=[story.convention.pk, other.parties[0].pk])
    assert client.get(url).status_code == 404


def test_someone_who_is_not_the_representative_gets_403_with_the_reason(client):
    story = Signing(orders=(1, 1))
    for user in (story.staff, story.user(1), onlooker(story)):
        client.force_login(user)
        response = client.get(sign_url(story, 0))
        assert response.status_code == 403
        assert "seul son représentant signataire" in text_of(response)
        assert 'name="password"' not in response.content.decode()
        response = client.post(sign_url(story, 0), sign_data(story))
        assert response.status_code == 403
    assert not Signature.objects.exists()


def test_an_associate_party_page_explains_associates_do_not_sign(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    url = reverse("workflow:sign", args=[story.convention.pk, story.associate.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "ne la signe pas" in text_of(response)


def test_the_sign_page_shows_the_exact_version_hash_party_and_consent(client):
    story = Signing(orders=(1, 2))
    party = story.parties[0]
    client.force_login(story.user(0))
    response = client.get(sign_url(story, 0))
    content = response.content.decode()
    text = text_of(response)
    assert response.status_code == 200
    assert story.version.content_sha256 in content
    assert f'name="version_id" value="{story.version.pk}"' in content
    assert 'type="password"' in content and 'autocomplete="current-password"' in content
    assert party.representative.full_name in text
    assert (
        f"Je signe la convention {story.convention.reference} version {story.version.number} "
        f"(empreinte SHA-256 {story.version.content_sha256}) au nom de {party.organisation.name}, "
        "en qualité de Directrice."
    ) in text
    assert "Refuser de signer" in text


def test_the_sign_page_shows_the_frozen_text_not_the_current_one(client):
    story = Signing(orders=(1,), open_signature=False)
    ArticleFactory(convention=story.convention, title="Article ajouté après l'approbation")
    force_status(story.convention, ConventionStatus.IN_SIGNATURE)
    client.force_login(story.user(0))
    text = text_of(client.get(sign_url(story, 0)))
    assert story.convention.title in text
    assert "Article ajouté après l'approbation" not in text


def test_the_sign_page_explains_a_signatory_must_wait_for_the_previous_round(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.user(1))
    response = client.get(sign_url(story, 1))
    assert response.status_code == 200
    assert "Pas encore" in text_of(response)
    assert story.parties[0].organisation.display_name in text_of(response)
    assert 'name="password"' not in response.content.decode()
    assert f'href="{decline_url(story, 1)}"' in response.content.decode()


def test_the_sign_page_costs_the_same_queries_with_3_or_12_signatories(client, django_assert_max_num_queries):
    counts = []
    for signatories in (3, 12):
        story = Signing(orders=(1,) * signatories)
        for index in range(1, signatories):
            story.sign(index)
        client.force_login(story.user(0))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(sign_url(story, 0))
        assert 'name="password"' in response.content.decode()
        counts.append(len(queries))
        with django_assert_max_num_queries(SIGN_PAGE_MAX_QUERIES):
            client.get(sign_url(story, 0))
    assert counts[0] == counts[1]


# --- Signing ------------------------------------------------------------------------------------------


def test_signing_records_the_evidence_and_goes_back_to_the_convention(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.user(0))
    response = client.post(
        sign_url(story, 0), sign_data(story), REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Firefox/133.0", follow=True
    )
    assert response.redirect_chain[-1][0] == detail_url(story.convention)
    assert f"Vous avez signé la version {story.version.number}" in text_of(response)
    signature = Signature.objects.get()
    assert signature.signer == story.user(0)
    assert signature.ip_address == "198.51.100.23"
    assert signature.user_agent == "Firefox/133.0"
    assert signature.version_sha256 == story.version.content_sha256


def test_the_last_signature_says_the_convention_is_signed(client):
    story = Signing(orders=(1,))
    client.force_login(story.user(0))
    response = client.post(sign_url(story, 0), sign_data(story), follow=True)
    assert "la convention est signée" in text_of(response)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.SIGNED


def test_signing_without_consent_rerenders_the_form_in_french(client):
    story = Signing(orders=(1,))
    client.force_login(story.user(0))
    data = sign_data(story)
    del data["consent"]
    response = client.post(sign_url(story, 0), data)
    assert response.status_code == 200
    assert "Cochez la case" in text_of(response)
    assert not Signature.objects.exists()
    assert not AccessAttempt.objects.exists()


def test_a_wrong_password_is_shown_on_the_form_and_counted(client):
    story = Signing(orders=(1,))
    client.force_login(story.user(0))
    response = client.post(sign_url(story, 0), sign_data(story, password="pas-le-bon"))
    assert response.status_code == 200
    assert "Mot de passe incorrect : rien n’a été signé." in text_of(response)
    assert 'name="password"' in response.content.decode()
    assert AccessAttempt.objects.get(username=story.user(0).username).failures_since_start == 1
    assert not Signature.objects.exists()


def test_five_wrong_passwords_lock_the_account_out_and_log_out(client):
    story = Signing(orders=(1,))
    user = story.user(0)
    client.force_login(user)
    for _attempt in range(4):
        assert client.post(sign_url(story, 0), sign_data(story, password="pas-le-bon")).status_code == 200

    response = client.post(sign_url(story, 0), sign_data(story, password="pas-le-bon"))

    assert response.status_code == 403
    assert "Compte temporairement verrouillé" in text_of(response)
    assert "_auth_user_id" not in client.session
    assert client.get(sign_url(story, 0)).status_code == 302, "logged out"
    client.force_login(user)  # even with a session, the right password is refused now
    response = client.post(sign_url(story, 0), sign_data(story))
    assert response.status_code == 403
    assert not Signature.objects.exists()
    login = client.post(reverse("login"), {"username": user.username, "password": DEFAULT_PASSWORD})
    assert login.status_code == 429, "the login page is locked too"


def test_replaying_the_signing_post_records_nothing_more(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.user(0))
    client.post(sign_url(story, 0), sign_data(story))

    response = client.post(sign_url(story, 0), sign_data(story))

    assert response.status_code == 200
    assert text_of(response).count("a déjà signé cette version") == 1, "said once, not as an error and a refusal"
    assert 'name="password"' not in response.content.decode()
    assert Signature.objects.count() == 1


def test_a_stale_tab_after_a_decline_and_a_new_approval_is_refused_and_shows_the_new_version(client):
    story = Signing(orders=(1, 2))
    old_version = story.version
    story.decline(1)
    force_status(story.convention, ConventionStatus.IN_SIGNATURE)
    story.convention.refresh_from_db()
    client.force_login(story.user(0))

    response = client.post(sign_url(story, 0), sign_data(story, version_id=old_version.pk))

    assert response.status_code == 200
    assert "n’est plus celle en cours de signature" in text_of(response)
    assert f'name="version_id" value="{story.version.pk}"' in response.content.decode()
    assert not Signature.objects.filter(voided_at__isnull=True).exists()


def test_posting_out_of_turn_is_refused(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.user(1))
    response = client.post(sign_url(story, 1), sign_data(story))
    assert response.status_code == 200
    assert "Pas encore" in text_of(response)
    assert not Signature.objects.exists()


def test_the_sign_page_only_answers_get_and_post(client):
    story = Signing(orders=(1,))
    client.force_login(story.user(0))
    assert client.put(sign_url(story, 0)).status_code == 405


# --- Declining ---------------------------------------------------------------------------------------


def test_the_decline_page_says_what_declining_does(client):
    story = Signing(orders=(1, 1, 2))
    story.sign(0)
    client.force_login(story.user(2))
    response = client.get(decline_url(story, 2))
    text = text_of(response)
    assert response.status_code == 200
    assert "La signature déjà donnée sur cette version devient nulle" in text
    assert story.parties[0].representative.full_name in text
    assert 'name="reason"' in response.content.decode()


def test_declining_sends_the_convention_back_to_draft(client):
    story = Signing(orders=(1, 2))
    story.sign(0)
    client.force_login(story.user(1))
    response = client.post(
        decline_url(story, 1), {"version_id": story.version.pk, "reason": "L'article 4 est faux."}, follow=True
    )
    assert response.redirect_chain[-1][0] == detail_url(story.convention)
    assert "Vous avez refusé de signer" in text_of(response)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.DRAFT
    assert Signature.objects.get().voided_at is not None
    change = StatusChange.objects.get(action=LifecycleAction.DECLINE)
    assert change.comment == "L'article 4 est faux."


def test_declining_without_a_reason_is_refused_in_french(client):
    story = Signing(orders=(1,))
    client.force_login(story.user(0))
    response = client.post(decline_url(story, 0), {"version_id": story.version.pk, "reason": "  "})
    assert response.status_code == 200
    assert "Donnez la raison" in text_of(response)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE


def test_declining_after_having_signed_is_refused(client):
    story = Signing(orders=(1, 2))
    story.sign(0)
    client.force_login(story.user(0))
    assert "ne pouvez plus la refuser" in text_of(client.get(decline_url(story, 0)))
    response = client.post(decline_url(story, 0), {"version_id": story.version.pk, "reason": "Finalement non."})
    assert response.status_code == 200
    assert 'name="reason"' not in response.content.decode()
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE


def test_declining_for_someone_else_is_403_and_outsiders_404(client):
    story = Signing(orders=(1, 1))
    client.force_login(story.user(1))
    response = client.post(decline_url(story, 0), {"version_id": story.version.pk, "reason": "Non."})
    assert response.status_code == 403
    for user in outsiders(story):
        client.force_login(user)
        assert client.get(decline_url(story, 0)).status_code == 404
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE


def test_a_stale_decline_is_refused(client):
    story = Signing(orders=(1, 2))
    old_version = story.version
    story.decline(1)
    force_status(story.convention, ConventionStatus.IN_SIGNATURE)
    client.force_login(story.user(0))
    response = client.post(decline_url(story, 0), {"version_id": old_version.pk, "reason": "Non."})
    assert response.status_code == 200
    assert "n’est plus celle en cours de signature" in text_of(response)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE


# --- Paper signatures -------------------------------------------------------------------------------------


def test_the_paper_page_is_for_staff_with_the_representative_prefilled(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    response = client.get(paper_url(story, 0))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'type="date"' in content
    assert 'accept="application/pdf"' in content
    assert 'enctype="multipart/form-data"' in content
    assert f'value="{html.escape(story.parties[0].representative.full_name)}"' in content
    assert 'value="Directrice"' in content
    assert story.version.content_sha256 in content


def test_the_paper_page_refuses_other_roles_and_hides_from_outsiders(client):
    story = Signing(orders=(1,))
    officer = MembershipFactory(organisation=story.parties[0].organisation).user
    for user in (officer, story.user(0), onlooker(story)):
        client.force_login(user)
        response = client.get(paper_url(story, 0))
        assert response.status_code == 403
        assert "Seul le personnel de l’intercommunalité" in text_of(response)
        assert client.post(paper_url(story, 0), paper_data(story)).status_code == 403
    for user in outsiders(story):
        client.force_login(user)
        assert client.get(paper_url(story, 0)).status_code == 404
    assert not Signature.objects.exists()


def test_recording_a_paper_signature(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.staff)
    response = client.post(paper_url(story, 0), paper_data(story, place="Saint-Céré"), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(story.convention)
    assert "La signature papier de" in text_of(response)
    signature = Signature.objects.get()
    assert signature.place == "Saint-Céré"
    assert signature.recorded_by == story.staff
    with signature.scan.open("rb") as scan:
        assert scan.read() == PDF


def test_completing_the_signature_on_paper(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    response = client.post(paper_url(story, 0), paper_data(story), follow=True)
    assert "la convention est signée" in text_of(response)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.SIGNED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scan": "not-a-file"}, "Joignez la page de signature scannée (PDF)."),
        ({"place": ""}, "Indiquez le lieu où la convention a été signée."),
        ({"signed_on": ""}, "Indiquez la date de la signature."),
        ({"signed_on": "demain"}, "Saisissez une date valide."),
    ],
)
def test_paper_form_errors_are_in_french(client, overrides, message):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    data = paper_data(story, **overrides)
    if overrides.get("scan") == "not-a-file":
        del data["scan"]
    response = client.post(paper_url(story, 0), data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert not Signature.objects.exists()


def test_a_scan_that_is_not_a_pdf_is_refused_on_the_form(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    fake = pdf_upload(b"MZ\x90\x00 an executable", name="signature.pdf")
    response = client.post(paper_url(story, 0), paper_data(story, scan=fake))
    assert response.status_code == 200
    assert "Le scan doit être un fichier PDF." in text_of(response)
    assert not Signature.objects.exists()


def test_a_scan_over_10_mb_is_refused_on_the_form(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    too_big = pdf_upload(PDF + b"0" * (signing.MAX_SCAN_BYTES + 1 - len(PDF)))
    response = client.post(paper_url(story, 0), paper_data(story, scan=too_big))
    assert response.status_code == 200
    assert "Le scan dépasse 10 Mo" in text_of(response)
    assert not Signature.objects.exists()


def test_a_future_date_is_refused_on_the_form(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(paper_url(story, 0), paper_data(story, signed_on=tomorrow))
    assert response.status_code == 200
    assert "La date de signature ne peut pas être dans le futur." in text_of(response)
    assert not Signature.objects.exists()


def test_a_date_before_the_approval_is_refused_on_the_form(client):
    story = Signing(orders=(1,))
    client.force_login(story.staff)
    before = (timezone.localdate(story.version.approved_at) - datetime.timedelta(days=1)).isoformat()
    response = client.post(paper_url(story, 0), paper_data(story, signed_on=before))
    assert response.status_code == 200
    assert "ne peut pas précéder l’approbation de cette version" in text_of(response)
    assert not Signature.objects.exists()


def test_a_paper_signature_out_of_order_is_explained_and_refused(client):
    story = Signing(orders=(1, 2))
    client.force_login(story.staff)
    response = client.get(paper_url(story, 1))
    assert response.status_code == 200
    assert "Pas encore" in text_of(response)
    assert 'name="scan"' not in response.content.decode()
    client.post(paper_url(story, 1), paper_data(story))
    assert not Signature.objects.exists()


# --- Scans ---------------------------------------------------------------------------------------------


def scan_story():
    story = Signing(orders=(1, 2))
    signature = story.record_paper(0)
    return story, signature


def test_staff_officers_administrators_and_the_signer_download_the_scan(client):
    story, signature = scan_story()
    officer = MembershipFactory(organisation=story.parties[0].organisation).user
    administrator = UserFactory(is_superuser=True, is_staff=True)
    for user in (story.staff, officer, administrator, story.user(0)):
        client.force_login(user)
        response = client.get(scan_url(signature))
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == PDF


def test_others_who_see_the_convention_get_403_on_a_scan_and_outsiders_404(client):
    story, signature = scan_story()
    copil_member = UserFactory()
    GovernanceMemberFactory(
        body=GovernanceBodyFactory(convention=story.convention), representative=RepresentativeFactory(user=copil_member)
    )
    for user in (onlooker(story), copil_member, story.user(1)):
        client.force_login(user)
        response = client.get(scan_url(signature))
        assert response.status_code == 403, user
        assert "Seuls le personnel de l’intercommunalité" in text_of(response)
    for user in outsiders(story):
        client.force_login(user)
        assert client.get(scan_url(signature)).status_code == 404


def test_a_void_paper_signature_keeps_its_scan(client):
    story, signature = scan_story()
    story.decline(1)
    client.force_login(story.staff)
    response = client.get(scan_url(signature))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_electronic_signatures_and_other_conventions_signatures_have_no_scan(client):
    story = Signing(orders=(1,))
    electronic = story.sign(0)
    other_story, other_paper = scan_story()
    client.force_login(story.staff)
    assert client.get(scan_url(electronic)).status_code == 404
    url = reverse("workflow:signature_scan", args=[story.convention.pk, other_paper.pk])
    assert client.get(url).status_code == 404


def test_scans_are_not_served_from_a_media_url(client):
    story, signature = scan_story()
    client.force_login(story.staff)
    assert client.get(f"/media/{signature.scan.name}").status_code == 404
