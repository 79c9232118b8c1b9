"""The version page, its JSON download, and the versions and timeline of the convention page."""

import datetime
import hashlib
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from conventions import selectors
from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import ConventionVersion, Signature
from partners.choices import MembershipRole
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, force_status
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.pdfs import SCAN
from tests.roles import EXPECTED, ROLES
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle, signing

pytestmark = pytest.mark.django_db

# Session, user, savepoints, the convention (twice: scoping, then the version's own), the version, its
# signatures, whether it was fully signed, the newest version, the abilities and the navigation bar.
VERSION_MAX_QUERIES = 14
PDF = SCAN


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def moment(year, month, day, hour=10):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


class Story:
    """A convention with staff, a CAF officer and ``signatories`` signatory parties, moved through the
    lifecycle services as people would, dated in 2024."""

    def __init__(self, signatories: int = 2, *, epci_signs_first: bool = False):
        # Dated in 2024 and running a year past today, so that its signed text is in force today.
        self.convention = ConventionFactory(
            title="Convention territoriale globale du Pays de Figeac",
            period_start=datetime.date(2024, 1, 1),
            period_end=timezone.localdate() + datetime.timedelta(days=365),
        )
        ArticleFactory(convention=self.convention, position=1, title="Objet", body="Les parties s'engagent.")
        if epci_signs_first:
            self.epci_party = PartyFactory(
                convention=self.convention,
                organisation=self.convention.epci,
                representative__full_name="Jean-Marc Vayssouze",
                representative__title="Président",
            )
        self.caf_party = PartyFactory(
            convention=self.convention,
            organisation=OrganisationFactory(caf=True, name="Caisse d'allocations familiales du Lot"),
            representative__full_name="Valérie Guillon",
            representative__title="Directrice",
        )
        for number in range(signatories - 1):
            PartyFactory(
                convention=self.convention,
                organisation=OrganisationFactory(commune=True, epci=self.convention.epci, name=f"Commune {number}"),
                representative__full_name=f"Maire {number}",
                representative__title="Maire",
                signing_order=2,
            )
        self.staff = MembershipFactory(
            organisation=self.convention.epci, user__first_name="Sophie", user__last_name="Lacombe"
        ).user
        self.officer = MembershipFactory(
            organisation=self.caf_party.organisation, user__first_name="Nathalie", user__last_name="Roux"
        ).user

    def approve(self, day=1):
        make_ready_for_review(self.convention, epci_signing_order=2)
        lifecycle.convention_transition(
            convention=self.convention, action=LifecycleAction.SUBMIT, by=self.staff, now=moment(2024, 3, day)
        )
        lifecycle.convention_transition(
            convention=self.convention,
            action=LifecycleAction.APPROVE,
            by=self.officer,
            comment="Bon pour signature.",
            now=moment(2024, 3, day, 15),
        )
        lifecycle.convention_transition(
            convention=self.convention,
            action=LifecycleAction.OPEN_SIGNATURE,
            by=self.staff,
            now=moment(2024, 3, day, 16),
        )
        return self.convention.approved_version

    def sign_on_paper(self, party, *, day=10):
        version = self.convention.approved_version
        return signing.convention_record_paper_signature(
            convention=self.convention,
            party_id=party.pk,
            version_id=version.pk,
            by=self.staff,
            signed_on=datetime.date(2024, 3, day),
            place="Figeac",
            scan=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
            now=moment(2024, 3, day + 1),
        )

    def sign_everything(self, *, day=10):
        for state in selectors.signing_states(convention=self.convention):
            self.sign_on_paper(state.party, day=day)
        self.convention.refresh_from_db()
        return self.convention.signed_version

    def decline(self, reason="Le budget de la fiche 1.2 doit être revu."):
        version = self.convention.approved_version
        self.caf_party.representative.user = UserFactory(first_name="Valérie", last_name="Guillon")
        self.caf_party.representative.save()
        signing.convention_decline(
            convention=self.convention,
            party_id=self.caf_party.pk,
            version_id=version.pk,
            by=self.caf_party.representative.user,
            reason=reason,
            now=moment(2024, 3, 12),
        )
        return version


def version_url(convention, number):
    return reverse("workflow:version", args=[convention.pk, number])


def json_url(convention, number):
    return reverse("workflow:version_json", args=[convention.pk, number])


def text_of(response) -> str:
    return html.unescape(response.content.decode())


# --- Who reaches a version ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_version_is_readable_by_whoever_sees_the_convention_and_404_for_others(client, world, role):
    convention, users = world
    force_status(convention, ConventionStatus.SIGNED)
    client.force_login(users[role])
    can_view = EXPECTED[role][0]
    page = client.get(version_url(convention, 1))
    download = client.get(json_url(convention, 1))
    assert page.status_code == download.status_code == (200 if can_view else 404)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    for url in (version_url(convention, 1), json_url(convention, 1)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_unknown_version_number_answers_404(client):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    assert client.get(version_url(convention, 2)).status_code == 404
    assert client.get(json_url(convention, 2)).status_code == 404


def test_a_version_number_of_another_convention_is_not_reachable_through_mine(client):
    mine = ConventionFactory()
    other = ConventionFactory(status=ConventionStatus.SIGNED)
    client.force_login(MembershipFactory(organisation=mine.epci).user)
    assert client.get(version_url(mine, 1)).status_code == 404
    assert client.get(version_url(other, 1)).status_code == 404


# --- What the version page says -------------------------------------------------------------------


def test_the_version_page_shows_its_number_approval_full_hash_and_integrity(client):
    story = Story()
    version = story.approve()
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, 1)))
    assert "Version 1" in content
    assert "Texte initial" in content
    assert "Par Nathalie Roux, le 1 mars 2024 à 15:00" in content
    assert version.content_sha256 in content
    assert "Intégrité vérifiée" in content
    assert "C’est la version en cours de signature." in content
    assert "Personne n’a signé cette version." in content
    assert json_url(story.convention, 1) in content


def test_the_version_page_includes_the_frozen_text_not_the_current_one(client):
    story = Story()
    story.approve()
    story.convention.articles.update(body="Texte modifié après l'approbation.")
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, 1)))
    assert "Les parties s'engagent." in content
    assert "Texte modifié après l'approbation." not in content


def test_a_version_whose_stored_text_no_longer_matches_says_so(client, monkeypatch):
    story = Story()
    story.approve()
    # The database refuses to alter a version, so the check itself is made to fail here.
    monkeypatch.setattr(ConventionVersion, "is_intact", property(lambda version: False))
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, 1)))
    assert "Intégrité NON vérifiée" in content
    assert "Intégrité vérifiée" not in content


def test_the_signed_version_lists_its_paper_signatures_and_is_the_text_in_force(client):
    story = Story(signatories=2)
    story.approve()
    signed = story.sign_everything()
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, signed.number)))
    signatures = content[content.index('id="signatures"') : content.index('id="text"')]
    assert "Caisse d'allocations familiales du Lot" in signatures
    assert "Valérie Guillon" in signatures and "Directrice" in signatures
    assert "Maire 0" in signatures and "Commune 0" in signatures
    assert "Signée sur papier à Figeac le 10 mars 2024" in signatures
    assert "enregistrée par Sophie Lacombe le 11 mars 2024" in signatures
    assert signatures.count("Valide") == 3  # the CAF, the commune and the intercommunality
    assert "C’est le texte en vigueur de la convention." in content
    assert "Texte en vigueur" in content


def test_a_declined_version_lists_void_signatures_with_the_reason_and_links_to_the_newer_one(client):
    story = Story(signatories=1, epci_signs_first=True)
    story.approve()
    story.sign_on_paper(story.epci_party, day=10)
    first_version = story.decline()
    story.approve(day=20)
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, first_version.number)))
    assert "Annulée (signature refusée)" in content
    assert "Un signataire a refusé de signer cette version" in content
    signatures = content[content.index('id="signatures"') : content.index('id="text"')]
    assert "Jean-Marc Vayssouze" in signatures and "Annulée" in signatures
    assert "Annulée depuis le 12 mars 2024" in signatures
    assert "Le budget de la fiche 1.2 doit être revu." in signatures
    assert "Une version plus récente existe" in content
    assert version_url(story.convention, 2) in content


def test_an_avenant_version_says_which_avenant_it_is(client):
    story = Story(signatories=1)
    story.approve()
    story.sign_everything()
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.OPEN_AMENDMENT, by=story.staff, now=moment(2024, 6, 1)
    )
    story.convention.articles.update(body="Les parties s'engagent, par avenant, à ouvrir une crèche de plus.")
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.SUBMIT, by=story.staff, now=moment(2024, 6, 2)
    )
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.APPROVE, by=story.officer, now=moment(2024, 6, 3)
    )
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, 2)))
    assert "Avenant n° 1" in content
    assert "Approuvée, signature pas encore ouverte" in content
    first = text_of(client.get(version_url(story.convention, 1)))
    assert "Une version plus récente existe" in first
    newer = first[first.index("Une version plus récente existe") : first.index('id="version-facts"')]
    assert "Approuvée, signature pas encore ouverte" in newer, "the newer version is not signed yet"
    assert "C’est le texte en vigueur de la convention." in first


@pytest.mark.parametrize("signatories", [2, 9])
def test_the_version_page_costs_the_same_queries_whatever_its_signatures(
    client, django_assert_max_num_queries, signatories
):
    story = Story(signatories=signatories)
    story.approve()
    story.sign_everything()
    client.force_login(story.staff)
    with django_assert_max_num_queries(VERSION_MAX_QUERIES):
        response = client.get(version_url(story.convention, 1))
    # The story's signatories, and the intercommunality that the review needs among them.
    assert text_of(response).count("Signée sur papier à Figeac") == signatories + 1


def test_the_version_page_query_count_does_not_grow(client):
    counts = []
    for signatories in (2, 9):
        story = Story(signatories=signatories)
        story.approve()
        story.sign_everything()
        client.force_login(story.staff)
        with CaptureQueriesContext(connection) as queries:
            client.get(version_url(story.convention, 1))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The JSON download --------------------------------------------------------------------------


def test_the_json_download_is_the_stored_canonical_bytes_whose_sha256_is_the_hash(client):
    story = Story()
    version = story.approve()
    client.force_login(MembershipFactory(organisation=story.convention.epci, role=MembershipRole.READER).user)
    response = client.get(json_url(story.convention, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{story.convention.reference}-version-1.json"'
    assert response.content == version.content_json.encode("utf-8")
    assert hashlib.sha256(response.content).hexdigest() == version.content_sha256
    assert "Valérie Guillon".encode() in response.content  # UTF-8, not \u escapes


def test_the_json_download_costs_a_few_queries(client, django_assert_max_num_queries):
    story = Story()
    story.approve()
    client.force_login(story.staff)
    with django_assert_max_num_queries(8):
        assert client.get(json_url(story.convention, 1)).status_code == 200


# --- The convention page: its versions and its timeline --------------------------------------------


def detail(client, story):
    client.force_login(story.staff)
    return text_of(client.get(reverse("workflow:detail", args=[story.convention.pk])))


def test_a_draft_has_no_versions_section_and_an_empty_timeline(client):
    content = detail(client, Story())
    assert 'id="versions"' not in content
    timeline = content[content.index('id="timeline"') :]
    assert "Rien n’est encore enregistré" in timeline


def test_the_versions_section_lists_each_version_with_its_badge_and_link(client):
    story = Story(signatories=1)
    story.approve()
    signed = story.sign_everything()
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.OPEN_AMENDMENT, by=story.staff, now=moment(2024, 6, 1)
    )
    story.convention.articles.update(body="Les parties s'engagent, par avenant, à ouvrir une crèche de plus.")
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.SUBMIT, by=story.staff, now=moment(2024, 6, 2)
    )
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.APPROVE, by=story.officer, now=moment(2024, 6, 3)
    )
    lifecycle.convention_transition(
        convention=story.convention, action=LifecycleAction.OPEN_SIGNATURE, by=story.staff, now=moment(2024, 6, 4)
    )
    content = detail(client, story)
    versions = content[content.index('id="versions"') : content.index('id="timeline"')]
    assert versions.index("Version 2") < versions.index("Version 1"), "newest first"
    assert "Avenant n° 1" in versions and "Texte initial" in versions
    assert "En signature" in versions
    assert signed.short_hash in versions
    assert "Approuvée le 01/03/2024 par Nathalie Roux" in versions
    assert version_url(story.convention, 1) in versions and version_url(story.convention, 2) in versions


def action_label(action: str) -> str:
    with translation.override("fr"):
        return str(LifecycleAction(action).label)


def test_the_timeline_tells_who_did_what_when_oldest_first(client):
    story = Story(signatories=1)
    story.approve()
    story.sign_everything()
    content = detail(client, story)
    timeline = content[content.index('id="timeline"') :]
    steps = [action_label(action) for action in ("submit", "approve", "open_signature", "complete_signature")]
    positions = [timeline.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "1 mars 2024 à 10:00" in timeline
    assert "Brouillon" in timeline and "En relecture" in timeline
    assert "par Sophie Lacombe" in timeline and "par Nathalie Roux" in timeline
    assert "Bon pour signature." in timeline
    assert version_url(story.convention, 1) in timeline


def test_the_timeline_links_each_step_to_its_version(client):
    story = Story(signatories=1)
    story.approve()
    client.force_login(story.staff)
    raw = client.get(reverse("workflow:detail", args=[story.convention.pk])).content.decode()
    timeline = raw[raw.index('id="timeline"') :]
    assert f'<a href="{version_url(story.convention, 1)}">' in timeline, "a link, not escaped text"


def test_the_timeline_names_the_party_that_declined_and_why(client):
    story = Story(signatories=1)
    story.approve()
    story.decline(reason="Montant à revoir.")
    content = detail(client, story)
    timeline = content[content.index('id="timeline"') :]
    assert action_label("decline") in timeline
    assert f"pour «\u202f{story.caf_party.organisation.display_name}\u202f»" in timeline
    assert "par Valérie Guillon" in timeline
    assert "Montant à revoir." in timeline


def test_the_timeline_says_automatic_for_what_the_calendar_recorded(client):
    story = Story(signatories=1)
    story.approve()
    story.sign_everything()
    with transaction.atomic():
        lifecycle.lock_convention(story.convention)  # records the entry into force, as the daily task does
    content = detail(client, story)
    timeline = content[content.index('id="timeline"') :]
    assert action_label("enter_into_force") in timeline
    assert "automatique (calendrier de la convention)" in timeline


def test_a_version_declined_before_anyone_signed_still_has_its_page(client):
    story = Story(signatories=1)
    story.approve()
    story.decline()
    assert not Signature.objects.exists()
    client.force_login(story.staff)
    content = text_of(client.get(version_url(story.convention, 1)))
    assert "Annulée (signature refusée)" in content
    assert "Personne n’a signé cette version." in content
