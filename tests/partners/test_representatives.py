"""Representatives: written by the portal's agents, validated with the title's grammar, deactivated
rather than deleted once something names them."""

import pytest
from django.core.exceptions import ValidationError

from ctg_portal.errors import NotAllowed
from partners.choices import Civility, MembershipRole
from partners.models import Invitation, Representative
from partners.services import representatives as services
from tests.conventions.factories import PartyFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return MembershipFactory(role=MembershipRole.STAFF).user


def create(agent, organisation=None, **fields):
    arguments = {"civility": Civility.MADAME, "full_name": "Catherine Prunet", "title": "Présidente"} | fields
    return services.create_representative(organisation=organisation or OrganisationFactory(), by=agent, **arguments)


def test_a_representative_is_stored_tidy_and_named_with_the_grammar(agent):
    person = create(
        agent,
        full_name="  Catherine   Prunet ",
        title=" Présidente ",
        delegation="pour le président  et par délégation",
        email=" catherine@example.org ",
    )
    person.refresh_from_db()
    assert (person.full_name, person.title, person.email) == ("Catherine Prunet", "Présidente", "catherine@example.org")
    assert person.delegation == "pour le président et par délégation"
    assert f"{person.name_with_civility}, {person.title_with_article}" == "Mme Catherine Prunet, la Présidente"
    assert person.history.first().history_user == agent


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"title": "la Présidente"}, "title"),
        ({"title": "l'Adjointe"}, "title"),
        ({"title": ""}, "title"),
        ({"full_name": "  "}, "full_name"),
        ({"civility": "mlle"}, "civility"),
        ({"email": "pas une adresse"}, "email"),
    ],
)
def test_bad_input_is_refused_field_by_field(agent, fields, key):
    with pytest.raises(ValidationError) as raised:
        create(agent, **fields)
    assert key in raised.value.message_dict
    assert not Representative.objects.exists()


def test_the_same_person_twice_in_an_organisation_is_refused_whatever_the_case(agent):
    organisation = OrganisationFactory()
    create(agent, organisation)
    with pytest.raises(ValidationError) as raised:
        create(agent, organisation, full_name="catherine PRUNET")
    assert "full_name" in raised.value.message_dict


@pytest.mark.parametrize("kind", ["reader", "no_membership", "inactive"])
def test_only_an_active_staff_member_or_an_administrator_writes_representatives(kind):
    user = {
        "reader": lambda: MembershipFactory(role=MembershipRole.READER).user,
        "no_membership": UserFactory,
        "inactive": lambda: MembershipFactory(user__is_active=False).user,
    }[kind]()
    with pytest.raises(NotAllowed):
        create(user)
    assert create(UserFactory(is_superuser=True)).pk


def test_find_or_create_reuses_a_known_person_and_fills_what_was_missing(agent):
    organisation = OrganisationFactory()
    known = RepresentativeFactory(
        organisation=organisation, full_name="Paul Martin", title="Sous-préfet", is_active=False
    )
    person, created = services.find_or_create_representative(
        organisation=organisation,
        by=agent,
        civility=Civility.MONSIEUR,
        full_name="paul martin",
        title="sous-préfet",
        email="paul@example.org",
    )
    assert (person.pk, created) == (known.pk, False)
    person.refresh_from_db()
    assert person.is_active and person.civility == Civility.MONSIEUR and person.email == "paul@example.org"
    other, created = services.find_or_create_representative(
        organisation=organisation, by=agent, full_name="Paul Martin", title="Préfet"
    )
    assert created and other.pk != known.pk


def test_update_changes_only_what_is_given_and_keeps_names_unique(agent):
    organisation = OrganisationFactory()
    person = create(agent, organisation)
    create(agent, organisation, full_name="Jeanne Roux")
    services.update_representative(representative=person, by=agent, email="c@example.org")
    person.refresh_from_db()
    assert person.email == "c@example.org" and person.title == "Présidente"
    with pytest.raises(ValidationError):
        services.update_representative(representative=person, by=agent, full_name="JEANNE ROUX")
    with pytest.raises(TypeError):
        services.update_representative(representative=person, by=agent, user=agent)


def test_a_person_nothing_names_is_deleted_otherwise_deactivated(agent):
    lone = create(agent)
    assert services.remove_representative(representative=lone, by=agent) is True
    assert not Representative.objects.filter(pk=lone.pk).exists()

    signatory = PartyFactory().representative
    assert services.is_referenced(signatory)
    assert services.remove_representative(representative=signatory, by=agent) is False
    signatory.refresh_from_db()
    assert not signatory.is_active

    invited = create(agent, email="x@example.org")
    Invitation.objects.create(
        email="x@example.org",
        organisation=invited.organisation,
        representative=invited,
        expires_at="2099-01-01T00:00:00Z",
    )
    assert services.remove_representative(representative=invited, by=agent) is False
    assert Representative.objects.get(pk=invited.pk).is_active is False
