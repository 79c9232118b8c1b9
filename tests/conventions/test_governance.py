"""Governance: the committees and their members (services' rules and the « Gouvernance » pages)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conventions.choices import ConventionStatus, GovernanceBodyKind, GovernanceMemberRole
from conventions.models import GovernanceBody, GovernanceMember
from conventions.services import governance as services
from ctg_portal.errors import NotAllowed
from partners.choices import Civility
from partners.models import Representative
from tests.conventions.factories import GovernanceMemberFactory, MeetingFactory, force_status
from tests.partners.factories import OrganisationFactory, RepresentativeFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

PAGE_MAX_QUERIES = 12
FORM_MAX_QUERIES = 13


def copil_of(convention) -> GovernanceBody:
    return convention.governance_bodies.get(kind=GovernanceBodyKind.STEERING_COMMITTEE)


def caf_director(convention) -> Representative:
    return convention.parties.get(organisation__kind="caf").representative


# --- Services -------------------------------------------------------------------------------------


def test_staff_seat_a_partys_person_as_chair(world):
    convention, users = world
    member = services.member_add(
        body=copil_of(convention),
        by=users["epci_staff"],
        representative=caf_director(convention),
        role=GovernanceMemberRole.CO_CHAIR,
    )
    assert member.body == copil_of(convention) and member.role == GovernanceMemberRole.CO_CHAIR
    assert member.history.first().history_user == users["epci_staff"]


def test_staff_seat_a_new_person_of_any_organisation(world):
    convention, users = world
    prefecture = OrganisationFactory(state_service=True, name="Préfecture du Lot")
    member = services.member_add(
        body=copil_of(convention),
        by=users["epci_staff"],
        organisation=prefecture,
        new_representative={
            "civility": Civility.MONSIEUR,
            "full_name": "Paul Martin",
            "title": "Sous-préfet",
            "delegation": "pour le préfet et par délégation",
        },
    )
    person = member.representative
    assert person.organisation == prefecture
    assert person.title_with_article == "le Sous-préfet"
    # Typed again on another committee: the same person, not a duplicate.
    cotech = services.body_create(
        convention=convention, by=users["epci_staff"], kind=GovernanceBodyKind.TECHNICAL_COMMITTEE, name="Cotech"
    )
    again = services.member_add(
        body=cotech,
        by=users["epci_staff"],
        organisation=prefecture,
        new_representative={"civility": "m", "full_name": "paul martin", "title": "Sous-préfet"},
    )
    assert again.representative == person


def test_a_new_person_needs_an_organisation_and_valid_fields(world):
    convention, users = world
    with pytest.raises(ValidationError) as raised:
        services.member_add(
            body=copil_of(convention), by=users["epci_staff"], new_representative={"full_name": "Paul Martin"}
        )
    assert "organisation" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        services.member_add(
            body=copil_of(convention),
            by=users["epci_staff"],
            organisation=OrganisationFactory(),
            new_representative={"full_name": "Paul Martin", "title": ""},
        )
    assert "new_title" in raised.value.message_dict


def test_an_existing_person_must_come_from_a_party_or_a_committee(world):
    convention, users = world
    with pytest.raises(ValidationError) as raised:
        services.member_add(body=copil_of(convention), by=users["epci_staff"], representative=RepresentativeFactory())
    assert "representative" in raised.value.message_dict


def test_a_person_sits_once_and_a_committee_has_one_chair(world):
    convention, users = world
    copil = copil_of(convention)
    director = caf_director(convention)
    services.member_add(body=copil, by=users["epci_staff"], representative=director, role=GovernanceMemberRole.CHAIR)
    with pytest.raises(ValidationError) as raised:
        services.member_add(body=copil, by=users["epci_staff"], representative=director)
    assert "representative" in raised.value.message_dict
    mayor = convention.parties.get(organisation__kind="commune").representative
    with pytest.raises(ValidationError) as raised:
        services.member_add(body=copil, by=users["epci_staff"], representative=mayor, role=GovernanceMemberRole.CHAIR)
    assert "role" in raised.value.message_dict
    other = copil.members.exclude(representative=director).get()
    with pytest.raises(ValidationError):
        services.member_update(member=other, by=users["epci_staff"], role=GovernanceMemberRole.CHAIR)
    services.member_update(member=other, by=users["epci_staff"], role=GovernanceMemberRole.CO_CHAIR)
    assert copil.members.filter(role=GovernanceMemberRole.CHAIR).count() == 1


def test_a_member_recorded_at_a_meeting_stays(world):
    convention, users = world
    copil = copil_of(convention)
    present = copil.members.get()
    absent = GovernanceMemberFactory(body=copil)
    meeting = MeetingFactory(body=copil, held_on=datetime.date(2024, 3, 1))
    meeting.attendees.set([present])
    with pytest.raises(services.GovernanceRefused, match=present.representative.full_name):
        services.member_remove(member=present, by=users["epci_staff"])
    services.member_remove(member=absent, by=users["epci_staff"])
    assert list(copil.members.all()) == [present]


def test_committees_are_named_once_one_copil_and_deleted_only_if_they_never_met(world):
    convention, users = world
    with pytest.raises(ValidationError) as raised:
        services.body_create(
            convention=convention, by=users["epci_staff"], kind=GovernanceBodyKind.STEERING_COMMITTEE, name="Copil 2"
        )
    assert "kind" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        services.body_create(
            convention=convention,
            by=users["epci_staff"],
            kind=GovernanceBodyKind.TECHNICAL_COMMITTEE,
            name="comité de pilotage",
        )
    assert "name" in raised.value.message_dict
    cotech = services.body_create(
        convention=convention,
        by=users["epci_staff"],
        kind=GovernanceBodyKind.TECHNICAL_COMMITTEE,
        name="  Comité   technique ",
        mission="Prépare les copils.",
    )
    assert cotech.name == "Comité technique"
    services.body_update(body=cotech, by=users["epci_staff"], name="Cotech enfance", mission="Suit les fiches.")
    cotech.refresh_from_db()
    assert (cotech.name, cotech.mission) == ("Cotech enfance", "Suit les fiches.")
    copil = copil_of(convention)
    MeetingFactory(body=copil)
    with pytest.raises(services.GovernanceRefused):
        services.body_delete(body=copil, by=users["epci_staff"])
    GovernanceMemberFactory(body=cotech)
    services.body_delete(body=cotech, by=users["epci_staff"])
    assert list(convention.governance_bodies.all()) == [copil]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "epci_staff"])
def test_only_the_epci_staff_change_the_committees(world, role):
    convention, users = world
    copil = copil_of(convention)
    with pytest.raises(NotAllowed):
        services.member_add(body=copil, by=users[role], representative=caf_director(convention))
    with pytest.raises(NotAllowed):
        services.body_update(body=copil, by=users[role], name="Autre nom")
    assert copil.members.count() == 1 and GovernanceBody.objects.get(pk=copil.pk).name == "Comité de pilotage"


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.IN_SIGNATURE, ConventionStatus.SIGNED])
def test_the_committees_are_part_of_the_text_frozen_outside_draft(world, status):
    convention, users = world
    force_status(convention, status)
    copil = copil_of(convention)
    member = copil.members.get()
    with pytest.raises(NotAllowed):
        services.member_add(body=copil, by=users["epci_staff"], representative=caf_director(convention))
    with pytest.raises(NotAllowed):
        services.member_remove(member=member, by=users["epci_staff"])
    with pytest.raises(NotAllowed):
        services.body_create(
            convention=convention, by=users["epci_staff"], kind=GovernanceBodyKind.TECHNICAL_COMMITTEE, name="X"
        )
    assert GovernanceMember.objects.filter(pk=member.pk).exists()


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_whoever_sees_the_convention_sees_its_governance(client, world, role):
    convention, users = world
    copil = copil_of(convention)
    member = copil.members.get()
    member.representative.civility = Civility.MADAME
    member.representative.title = "Conseillère"
    member.representative.save()
    client.force_login(users[role])
    response = client.get(reverse("conventions:governance", args=[convention.pk]))
    if not EXPECTED[role][0]:
        assert response.status_code == 404
        return
    content = response.content.decode()
    assert response.status_code == 200
    assert f"Mme {member.representative.full_name}</span>, la Conseillère" in content
    shows_forms = reverse("conventions:governance_member_add", args=[convention.pk, copil.pk]) in content
    assert shows_forms == (role == "epci_staff")


def test_the_page_costs_the_same_whatever_the_number_of_members(client, world, django_assert_max_num_queries):
    convention, users = world
    copil = copil_of(convention)
    cotech = GovernanceBody.objects.create(
        convention=convention, kind=GovernanceBodyKind.TECHNICAL_COMMITTEE, name="Cotech"
    )
    for number in range(10):
        GovernanceMemberFactory(body=copil if number % 2 else cotech)
    client.force_login(users["epci_staff"])
    with django_assert_max_num_queries(PAGE_MAX_QUERIES):
        response = client.get(reverse("conventions:governance", args=[convention.pk]))
    assert response.content.decode().count('id="member-') == 11


@pytest.mark.parametrize("role", ROLES)
def test_the_forms_are_for_the_epci_staff_while_editable(client, world, role):
    convention, users = world
    copil = copil_of(convention)
    member = copil.members.get()
    client.force_login(users[role])
    urls = [
        reverse("conventions:governance_body_create", args=[convention.pk]),
        reverse("conventions:governance_body_update", args=[convention.pk, copil.pk]),
        reverse("conventions:governance_body_delete", args=[convention.pk, copil.pk]),
        reverse("conventions:governance_member_add", args=[convention.pk, copil.pk]),
        reverse("conventions:governance_member_update", args=[convention.pk, member.pk]),
    ]
    expected = 200 if role == "epci_staff" else (403 if EXPECTED[role][0] else 404)
    assert [client.get(url).status_code for url in urls] == [expected] * len(urls)
    removal = client.post(reverse("conventions:governance_member_remove", args=[convention.pk, member.pk]))
    assert removal.status_code == (302 if role == "epci_staff" else expected)
    assert GovernanceMember.objects.filter(pk=member.pk).exists() == (role != "epci_staff")


def test_staff_seat_a_new_person_through_the_form(client, world, django_assert_max_num_queries):
    convention, users = world
    copil = copil_of(convention)
    prefecture = OrganisationFactory(state_service=True, name="Préfecture du Lot")
    client.force_login(users["epci_staff"])
    url = reverse("conventions:governance_member_add", args=[convention.pk, copil.pk])
    with django_assert_max_num_queries(FORM_MAX_QUERIES):
        page = client.get(url)
    assert "Préfecture du Lot" in page.content.decode()
    response = client.post(
        url,
        {
            "representative": "new",
            "organisation": prefecture.pk,
            "new_civility": "m",
            "new_full_name": "Paul Martin",
            "new_title": "Sous-préfet",
            "new_delegation": "pour le préfet et par délégation",
            "role": GovernanceMemberRole.CO_CHAIR,
        },
        follow=True,
    )
    member = copil.members.get(representative__full_name="Paul Martin")
    assert member.role == GovernanceMemberRole.CO_CHAIR
    assert response.redirect_chain[-1][0].endswith(f"#body-{copil.pk}")
    assert "pour le préfet et par délégation" in response.content.decode()


def test_the_member_form_keeps_its_input_on_an_error(client, world):
    convention, users = world
    copil = copil_of(convention)
    client.force_login(users["epci_staff"])
    url = reverse("conventions:governance_member_add", args=[convention.pk, copil.pk])
    response = client.post(url, {"representative": "new", "new_full_name": "Paul Martin", "role": "member"})
    assert response.status_code == 200
    assert 'value="Paul Martin"' in response.content.decode()
    assert copil.members.count() == 1


def test_staff_edit_a_committee_and_a_members_role_through_the_forms(client, world):
    convention, users = world
    copil = copil_of(convention)
    member = copil.members.get()
    client.force_login(users["epci_staff"])
    client.post(
        reverse("conventions:governance_body_update", args=[convention.pk, copil.pk]),
        {"name": "Comité de pilotage CTG", "mission": "Valide le plan d'actions."},
    )
    client.post(
        reverse("conventions:governance_member_update", args=[convention.pk, member.pk]),
        {"role": GovernanceMemberRole.CHAIR},
    )
    copil.refresh_from_db()
    member.refresh_from_db()
    assert copil.name == "Comité de pilotage CTG" and member.role == GovernanceMemberRole.CHAIR
    created = client.post(
        reverse("conventions:governance_body_create", args=[convention.pk]),
        {"kind": GovernanceBodyKind.TECHNICAL_COMMITTEE, "name": "Comité technique", "mission": ""},
    )
    assert created.status_code == 302
    assert convention.governance_bodies.filter(name="Comité technique").exists()


def test_the_page_says_why_the_committees_no_longer_change(client, world):
    convention, users = world
    force_status(convention, ConventionStatus.IN_REVIEW)
    client.force_login(users["epci_staff"])
    content = client.get(reverse("conventions:governance", args=[convention.pk])).content.decode()
    assert 'class="alert alert-info"' in content
    assert reverse("conventions:governance_body_create", args=[convention.pk]) not in content
    url = reverse("conventions:governance_member_add", args=[convention.pk, copil_of(convention).pk])
    assert client.get(url).status_code == 403


def test_back_from_creating_an_organisation_it_is_chosen_for_the_new_person(client, world):
    convention, users = world
    copil = copil_of(convention)
    created = OrganisationFactory(commune=True, name="Commune d'ailleurs")  # outside the territory
    client.force_login(users["epci_staff"])
    url = reverse("conventions:governance_member_add", args=[convention.pk, copil.pk]) + f"?organisation={created.pk}"
    page = client.get(url).content.decode()
    assert f'value="{created.pk}" selected' in page
    assert "organisations/nouvelle/?next=" in page
    client.post(
        url,
        {
            "representative": "new",
            "organisation": created.pk,
            "new_civility": "m",
            "new_full_name": "Luc Vidal",
            "new_title": "Maire",
            "role": GovernanceMemberRole.MEMBER,
        },
    )
    assert copil.members.filter(representative__organisation=created).exists()
