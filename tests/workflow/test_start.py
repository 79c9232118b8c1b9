"""Starting a CTG in the browser: who may, what it creates, what it refuses; the home page's next step."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from action_plans.models import ActionPlan
from conventions.choices import ConventionStatus, GovernanceBodyKind, PartyRole
from conventions.model_text import default_articles
from conventions.models import Article, Convention, Domain
from conventions.permissions import may_start_convention, may_start_conventions
from conventions.services.editor import ConventionRefused
from ctg_portal.errors import NotAllowed
from diagnostics.models import Diagnostic
from partners.choices import MembershipRole
from partners.models import Invitation
from tests.conventions.factories import ConventionFactory, domain
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.roles import ROLES
from workflow.services.start import StartRefused, convention_start, reference_for

pytestmark = pytest.mark.django_db

START_URL = reverse("workflow:start")
HOME_URL = reverse("workflow:home")
START_PAGE_MAX_QUERIES = 12
TODAY = timezone.localdate()
START = datetime.date(TODAY.year + 1, 1, 1)
END = datetime.date(TODAY.year + 4, 12, 31)


@pytest.fixture
def territory():
    """An EPCI the demo does not hold, its two communes, the CAF of its département and a CAF officer."""
    epci = OrganisationFactory(
        intercommunality=True,
        name="CC du Pays de Test",
        legal_name="Communauté de communes du Pays de Test",
        department_code="24",
        city="Périgueux",
    )
    for population in (3000, 1500):
        OrganisationFactory(commune=True, epci=epci, population=population)
    caf = OrganisationFactory(
        caf=True,
        name="CAF de la Dordogne",
        legal_name="Caisse d'allocations familiales de la Dordogne",
        department_code="24",
    )
    officer = MembershipFactory(organisation=caf).user
    return epci, caf, officer


def start(by, epci, caf, **kwargs):
    arguments = {
        "period_start": START,
        "period_end": END,
        "domains": Domain.objects.filter(territory__isnull=True, code__in=["petite-enfance", "jeunesse"]),
        "referent_email": "referente@pays-de-test.fr",
        "referent_name": "Jeanne Référente",
    }
    return convention_start(by=by, epci=epci, caf=caf, **{**arguments, **kwargs})


# --- The service ------------------------------------------------------------------------------------


def test_starting_a_ctg_creates_the_draft_and_everything_around_it(territory, django_capture_on_commit_callbacks):
    epci, caf, officer = territory
    administrator = UserFactory(is_superuser=True)
    with django_capture_on_commit_callbacks(execute=False):
        convention = start(
            administrator,
            epci,
            caf,
            new_domain_names=["Sport et loisirs"],
            replaces_contract="Contrat enfance jeunesse (CEJ)",
            predecessor_reference="2019-046",
            predecessor_start=datetime.date(2019, 1, 1),
            predecessor_end=datetime.date(2022, 12, 31),
        )
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT
    assert convention.reference == f"CTG-24-{epci.siren}-{START.year}"
    assert convention.created_by == administrator
    assert convention.title == f"Convention territoriale globale {START.year}-{END.year} — CC du Pays de Test"
    assert (convention.predecessor_reference, convention.predecessor_end) == ("2019-046", datetime.date(2022, 12, 31))
    assert list(convention.articles.values_list("title", flat=True)) == [a.title for a in default_articles()]
    assert list(convention.articles.values_list("position", flat=True)) == list(range(1, len(default_articles()) + 1))
    assert set(convention.domains.values_list("name", flat=True)) == {"Petite enfance", "Jeunesse", "Sport et loisirs"}
    assert Domain.objects.get(name="Sport et loisirs").territory == epci
    assert Diagnostic.objects.filter(convention=convention).exists()
    assert ActionPlan.objects.filter(convention=convention).exists()
    assert sorted(convention.governance_bodies.values_list("kind", flat=True)) == sorted(
        [GovernanceBodyKind.STEERING_COMMITTEE, GovernanceBodyKind.TECHNICAL_COMMITTEE]
    )
    parties = convention.parties.order_by("organisation__kind")
    assert [(p.organisation, p.role, p.signing_order, p.representative) for p in parties] == [
        (caf, PartyRole.SIGNATORY, 1, None),
        (epci, PartyRole.SIGNATORY, 1, None),
    ]
    invitation = Invitation.objects.get(organisation=epci)
    assert (invitation.email, invitation.is_referent, invitation.role) == (
        "referente@pays-de-test.fr",
        True,
        MembershipRole.STAFF,
    )
    assert convention.referent_invitation == invitation
    # Everything is in the history, with its author.
    assert convention.history.first().history_user == administrator
    assert Article.history.filter(convention_id=convention.pk, history_user=administrator).count() == len(
        default_articles()
    )


def test_the_staff_of_the_epci_start_its_ctg_without_inviting_anybody(territory):
    epci, caf, _officer = territory
    staff = MembershipFactory(organisation=epci).user
    convention = start(staff, epci, caf, referent_email="", referent_name="")
    assert convention.referent_invitation is None
    assert not Invitation.objects.exists()
    assert convention.get_abilities(staff)["edit"]


def test_nobody_of_the_epci_on_the_portal_needs_a_referent_to_invite(territory):
    epci, caf, _officer = territory
    with pytest.raises(StartRefused):
        start(UserFactory(is_superuser=True), epci, caf, referent_email="")
    assert not Convention.objects.exists()


def test_a_refused_invitation_leaves_nothing_behind(territory):
    epci, caf, _officer = territory
    with pytest.raises(Exception) as error:
        start(UserFactory(is_superuser=True), epci, caf, referent_email="pas-une-adresse")
    assert not isinstance(error.value, AssertionError)
    assert not Convention.objects.exists()
    assert not Article.objects.exists()
    assert not Domain.objects.filter(territory=epci).exists()


@pytest.mark.parametrize(
    ("period_start", "period_end"),
    [
        (START, START),  # an end that is not after the start
        (START, START - datetime.timedelta(days=1)),
        (datetime.date(2019, 1, 1), datetime.date(2022, 12, 31)),  # a period already over
    ],
)
def test_bad_periods_are_refused(territory, period_start, period_end):
    epci, caf, _officer = territory
    with pytest.raises(ConventionRefused):
        start(UserFactory(is_superuser=True), epci, caf, period_start=period_start, period_end=period_end)
    assert not Convention.objects.exists()


def test_a_second_convention_over_the_same_years_is_refused(territory):
    epci, caf, _officer = territory
    existing = ConventionFactory(epci=epci, period_start=START, period_end=END)
    with pytest.raises(StartRefused) as error:
        start(UserFactory(is_superuser=True), epci, caf)
    assert existing.reference in str(error.value)
    assert Convention.objects.count() == 1


def test_a_signatory_must_be_a_caf(territory):
    epci, _caf, _officer = territory
    with pytest.raises(StartRefused):
        start(UserFactory(is_superuser=True), epci, OrganisationFactory(departement=True))


def test_the_reference_stays_unique(territory):
    epci, _caf, _officer = territory
    ConventionFactory(epci=epci, reference=f"CTG-24-{epci.siren}-{START.year}", status=ConventionStatus.TERMINATED)
    assert reference_for(epci=epci, period_start=START) == f"CTG-24-{epci.siren}-{START.year}-2"


def test_who_may_start_a_convention(territory):
    epci, caf, officer = territory
    other_department_officer = MembershipFactory(organisation=OrganisationFactory(caf=True, department_code="46")).user
    cases = {
        "the CAF's officer": (officer, True),
        "the EPCI's staff": (MembershipFactory(organisation=epci).user, True),
        "the EPCI's reader": (MembershipFactory(organisation=epci, role=MembershipRole.READER).user, False),
        "a CAF of another département": (other_department_officer, False),
        "another EPCI's staff": (MembershipFactory(organisation__intercommunality=True).user, False),
        "a commune's staff": (MembershipFactory(organisation__commune=True).user, False),
        "an administrator": (UserFactory(is_superuser=True), True),
        "an inactive administrator": (UserFactory(is_superuser=True, is_active=False), False),
        "anybody": (UserFactory(), False),
    }
    for label, (user, allowed) in cases.items():
        assert may_start_convention(user, epci) is allowed, label
    assert may_start_conventions(other_department_officer)
    assert not may_start_convention(officer, caf)  # a convention is signed with an EPCI


def test_refused_starters_get_not_allowed_in_the_service(territory):
    epci, caf, _officer = territory
    other_department_officer = MembershipFactory(organisation=OrganisationFactory(caf=True, department_code="46")).user
    with pytest.raises(NotAllowed):
        start(other_department_officer, epci, caf)
    assert not Convention.objects.exists()


# --- The page ---------------------------------------------------------------------------------------

START_PAGE_EXPECTED = {
    "epci_staff": 200,
    "epci_reader": 403,
    "caf_officer": 403,  # the roles' CAF has no département
    "commune_staff": 403,
    "copil_member": 403,
    "signing_representative": 403,
    "other_epci_staff": 200,
    "other_caf_officer": 403,
    "unrelated_user": 403,
    "superuser": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_start_page(client, world, role):
    _convention, users = world
    client.force_login(users[role])
    assert client.get(START_URL).status_code == START_PAGE_EXPECTED[role]
    assert client.post(START_URL, {}).status_code == START_PAGE_EXPECTED[role]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(START_URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_caf_officer_is_offered_the_epcis_of_its_departement_only(client, territory):
    epci, caf, officer = territory
    elsewhere = OrganisationFactory(intercommunality=True, department_code="46")
    client.force_login(officer)
    response = client.get(START_URL)
    offered = list(response.context["form"].fields["epci"].queryset)
    assert offered == [epci]
    assert response.context["form"].initial["caf"] == caf.pk
    response = client.post(START_URL, _form_data(elsewhere, caf))
    assert response.status_code == 200
    assert "epci" in response.context["form"].errors
    assert not Convention.objects.exists()


def _form_data(epci, caf, **extra) -> dict:
    return {
        "epci": epci.pk,
        "caf": caf.pk,
        "period_start": START.isoformat(),
        "period_end": END.isoformat(),
        "domains": [domain("petite-enfance").pk, domain("enfance").pk],
        "new_domains": "Sport et loisirs\n\nCulture",
        "replaces_contract": "Contrat enfance jeunesse (CEJ)",
        "predecessor_reference": "CEJ-2019",
        "referent_email": "referent@pays-de-test.fr",
        "referent_name": "Paul Référent",
        **extra,
    }


def test_the_form_starts_the_convention_and_opens_its_page(client, territory):
    epci, caf, _officer = territory
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(START_URL, _form_data(epci, caf))
    convention = Convention.objects.get()
    assert response.status_code == 302 and response.url == reverse("workflow:detail", args=[convention.pk])
    assert set(convention.domains.values_list("name", flat=True)) == {
        "Petite enfance",
        "Enfance",
        "Sport et loisirs",
        "Culture",
    }
    assert convention.predecessor_reference == "CEJ-2019"
    detail = client.get(response.url).content.decode()
    assert convention.reference in detail
    assert reverse("conventions:articles", args=[convention.pk]) not in detail  # the administrator does not edit


def test_the_form_refuses_a_period_already_over_and_keeps_what_was_typed(client, territory):
    epci, caf, _officer = territory
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(
        START_URL, _form_data(epci, caf, period_start="2019-01-01", period_end="2022-12-31", title="Mon titre")
    )
    assert response.status_code == 200
    assert "period_end" in response.context["form"].errors
    assert 'value="Mon titre"' in response.content.decode()
    assert not Convention.objects.exists()


def test_the_form_asks_for_the_referent_when_nobody_of_the_epci_is_on_the_portal(client, territory):
    epci, caf, _officer = territory
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(START_URL, _form_data(epci, caf, referent_email="", referent_name=""))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Convention.objects.exists()


def test_the_start_page_query_count_does_not_grow_with_the_territories(client, django_assert_max_num_queries):
    administrator = UserFactory(is_superuser=True)
    client.force_login(administrator)
    counts = []
    for added in (2, 20):
        for _ in range(added):
            OrganisationFactory(intercommunality=True, department_code="24")
            OrganisationFactory(caf=True, department_code="24")
        with django_assert_max_num_queries(START_PAGE_MAX_QUERIES), CaptureQueriesContext(connection) as queries:
            assert client.get(START_URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The home page: what to do next ------------------------------------------------------------------


def test_a_person_who_may_start_and_has_no_convention_is_shown_the_way(client, territory):
    _epci, _caf, officer = territory
    client.force_login(officer)
    content = client.get(HOME_URL).content.decode()
    assert f'href="{START_URL}"' in content


def test_a_person_who_may_not_start_is_told_whom_to_ask(client):
    organisation = OrganisationFactory(commune=True)
    referent = MembershipFactory(organisation=organisation, is_referent=True, user__email="referent@mairie.fr").user
    person = MembershipFactory(organisation=organisation).user
    client.force_login(person)
    content = client.get(HOME_URL).content.decode()
    assert f'href="{START_URL}"' not in content
    assert "referent@mairie.fr" in content and referent.get_full_name() in content


def test_a_person_without_referent_is_sent_to_the_administrators(client):
    client.force_login(UserFactory())
    response = client.get(HOME_URL)
    assert f'href="{START_URL}"' not in response.content.decode()
    assert response.context["next_step"].referents == []


def test_the_start_button_stays_for_whoever_has_conventions(client, territory):
    epci, _caf, _officer = territory
    staff = MembershipFactory(organisation=epci).user
    ConventionFactory(epci=epci)
    client.force_login(staff)
    assert f'href="{START_URL}"' in client.get(HOME_URL).content.decode()


def test_a_caf_officer_starts_the_ctg_of_an_epci_nobody_looks_after_and_invites_its_referent(
    territory, django_capture_on_commit_callbacks
):
    epci, caf, officer = territory
    with django_capture_on_commit_callbacks(execute=False):
        convention = start(officer, epci, caf)
    invitation = convention.referent_invitation
    assert (invitation.organisation, invitation.is_referent, invitation.email) == (
        epci,
        True,
        "referente@pays-de-test.fr",
    )
    assert invitation.invited_by == officer


def test_a_caf_officer_of_another_departement_cannot_start_it_nor_invite_its_referent(territory):
    epci, caf, _officer = territory
    elsewhere = OrganisationFactory(caf=True, department_code="33")
    stranger = MembershipFactory(organisation=elsewhere).user
    with pytest.raises(NotAllowed):
        start(stranger, epci, caf)
    assert not Convention.objects.exists()
    assert not Invitation.objects.exists()
