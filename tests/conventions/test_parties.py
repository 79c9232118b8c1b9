"""Signatories and associates: the services' rules (one role per organisation, rounds, deliberations,
invitations, frozen texts) and the pages (list, add in two steps, edit, remove, invite, correct a person)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conventions import selectors_parties
from conventions.choices import ConventionStatus, LifecycleAction, PartyRole, SignatureMethod
from conventions.models import Party, StatusChange
from conventions.services import parties as services
from ctg_portal.errors import NotAllowed
from partners.choices import Civility, MembershipRole
from partners.models import Invitation, Representative
from tests.conventions.factories import ConventionFactory, GovernanceMemberFactory, PartyFactory, force_status
from tests.partners.factories import OrganisationFactory, RepresentativeFactory, UserFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

LIST_MAX_QUERIES = 12
FORM_MAX_QUERIES = 14

PRUNET = {
    "civility": Civility.MADAME,
    "full_name": "Catherine  Prunet ",
    "title": "Présidente",
    "delegation": "",
    "email": "catherine.prunet@example.org",
}


def caf_party(convention) -> Party:
    return convention.parties.get(organisation__kind="caf")


def commune_party(convention) -> Party:
    return convention.parties.get(organisation__kind="commune")


def add_epci(convention, staff, **kwargs) -> Party:
    arguments = {"new_representative": dict(PRUNET), "signing_order": 1} | kwargs
    return services.party_add(convention=convention, by=staff, organisation=convention.epci, **arguments)


# --- Adding -----------------------------------------------------------------------------------------


def test_staff_add_a_signatory_with_a_new_representative_in_the_last_round(world):
    convention, users = world
    party = services.party_add(
        convention=convention,
        by=users["epci_staff"],
        organisation=convention.epci,
        new_representative=dict(PRUNET),
        deliberation_number="2024-045",
        deliberation_date=datetime.date(2024, 3, 12),
    )
    party.refresh_from_db()
    assert party.role == PartyRole.SIGNATORY
    assert party.signing_order == 3  # the CAF signs in round 1, the commune in round 2
    assert party.deliberation_number == "2024-045"
    person = party.representative
    assert person.organisation == convention.epci
    assert person.full_name == "Catherine Prunet"
    assert f"{person.name_with_civility}, {person.title_with_article}" == "Mme Catherine Prunet, la Présidente"
    assert party.history.first().history_user == users["epci_staff"]


def test_a_signatory_may_be_added_in_a_given_round_or_without_representative_yet(world):
    convention, users = world
    party = services.party_add(
        convention=convention, by=users["epci_staff"], organisation=convention.epci, signing_order=1, invite=False
    )
    assert party.signing_order == 1 and party.representative is None


def test_an_existing_representative_must_belong_to_the_organisation(world):
    convention, users = world
    stranger = RepresentativeFactory()
    with pytest.raises(ValidationError) as raised:
        services.party_add(
            convention=convention, by=users["epci_staff"], organisation=convention.epci, representative=stranger
        )
    assert "representative" in raised.value.message_dict
    assert not convention.parties.filter(organisation=convention.epci).exists()


def test_a_new_representative_is_validated_and_its_errors_keyed_like_the_form(world):
    convention, users = world
    with pytest.raises(ValidationError) as raised:
        services.party_add(
            convention=convention,
            by=users["epci_staff"],
            organisation=convention.epci,
            new_representative={**PRUNET, "title": "la Présidente", "email": "pas-une-adresse"},
        )
    assert set(raised.value.message_dict) == {"new_title", "new_email"}
    assert not Representative.objects.filter(full_name="Catherine Prunet").exists()


def test_an_organisation_is_either_signatory_or_associate_not_both(world):
    convention, users = world
    caf = caf_party(convention).organisation
    with pytest.raises(services.PartyRefused, match=caf.display_name):
        services.party_add(convention=convention, by=users["epci_staff"], organisation=caf, role=PartyRole.ASSOCIATE)
    association = OrganisationFactory()
    services.party_add(
        convention=convention, by=users["epci_staff"], organisation=association, role=PartyRole.ASSOCIATE
    )
    with pytest.raises(services.PartyRefused, match=association.display_name):
        services.party_add(convention=convention, by=users["epci_staff"], organisation=association)
    with pytest.raises(services.PartyRefused, match=association.display_name):
        services.party_add(
            convention=convention, by=users["epci_staff"], organisation=association, role=PartyRole.ASSOCIATE
        )
    assert convention.parties.filter(organisation=caf).get().role == PartyRole.SIGNATORY
    assert convention.parties.filter(organisation=association).get().role == PartyRole.ASSOCIATE


def test_a_commune_may_sign_through_two_people_but_each_person_once(world):
    convention, users = world
    commune = commune_party(convention)
    deputy = RepresentativeFactory(organisation=commune.organisation, title="Adjointe aux familles")
    second = services.party_add(
        convention=convention,
        by=users["epci_staff"],
        organisation=commune.organisation,
        representative=deputy,
        signing_order=2,
    )
    assert second.role == PartyRole.SIGNATORY
    with pytest.raises(ValidationError) as raised:
        services.party_add(
            convention=convention,
            by=users["epci_staff"],
            organisation=commune.organisation,
            representative=commune.representative,
        )
    assert "representative" in raised.value.message_dict
    assert convention.parties.filter(organisation=commune.organisation).count() == 2


def test_an_associate_never_has_a_signing_order_nor_a_deliberation(world):
    convention, users = world
    association = OrganisationFactory()
    with pytest.raises(ValidationError) as raised:
        services.party_add(
            convention=convention,
            by=users["epci_staff"],
            organisation=association,
            role=PartyRole.ASSOCIATE,
            signing_order=2,
            deliberation_number="12",
        )
    assert {"signing_order", "deliberation_number"} <= set(raised.value.message_dict)
    party = services.party_add(
        convention=convention, by=users["epci_staff"], organisation=association, role=PartyRole.ASSOCIATE
    )
    assert party.signing_order is None and party.deliberation_date is None


def test_a_deliberation_is_given_with_its_number_and_its_date(world):
    convention, users = world
    with pytest.raises(ValidationError) as raised:
        add_epci(convention, users["epci_staff"], deliberation_number="2024-045")
    assert "deliberation_date" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        add_epci(convention, users["epci_staff"], deliberation_date=datetime.date(2024, 3, 12))
    assert "deliberation_number" in raised.value.message_dict
    party = add_epci(convention, users["epci_staff"])  # not known yet while drafting: allowed
    row = selectors_parties.party_row(convention=convention, pk=party.pk)
    assert row.deliberation_missing


@pytest.mark.parametrize("order", [0, 100, "2"])
def test_the_signing_order_is_a_number_from_1_to_99(world, order):
    convention, users = world
    with pytest.raises(ValidationError) as raised:
        add_epci(convention, users["epci_staff"], signing_order=order)
    assert "signing_order" in raised.value.message_dict


# --- Who may, and when ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [role for role in ROLES if role != "epci_staff"])
def test_only_the_epci_staff_change_the_parties(world, role):
    convention, users = world
    with pytest.raises(NotAllowed):
        services.party_add(convention=convention, by=users[role], organisation=OrganisationFactory())
    with pytest.raises(NotAllowed):
        services.party_remove(party=commune_party(convention), by=users[role])
    assert convention.parties.count() == 2


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.APPROVED, ConventionStatus.SIGNED])
def test_the_parties_are_frozen_outside_draft_and_changes_requested(world, status):
    convention, users = world
    force_status(convention, status)
    party = commune_party(convention)
    with pytest.raises(NotAllowed):
        services.party_add(convention=convention, by=users["epci_staff"], organisation=OrganisationFactory())
    with pytest.raises(NotAllowed):
        services.party_set_signing_order(party=party, by=users["epci_staff"], signing_order=5)
    with pytest.raises(NotAllowed):
        services.party_switch_role(party=party, by=users["epci_staff"])
    with pytest.raises(NotAllowed):
        services.party_remove(party=party, by=users["epci_staff"])
    party.refresh_from_db()
    assert party.signing_order == 2 and party.role == PartyRole.SIGNATORY


def test_parties_change_again_once_changes_are_requested(world):
    convention, users = world
    force_status(convention, ConventionStatus.CHANGES_REQUESTED)
    services.party_set_signing_order(party=commune_party(convention), by=users["epci_staff"], signing_order=1)
    assert commune_party(convention).signing_order == 1


# --- Updating, switching, removing ------------------------------------------------------------------


def test_update_changes_the_representative_round_and_method(world):
    convention, users = world
    party = commune_party(convention)
    party = services.party_update(
        party=party,
        by=users["epci_staff"],
        new_representative={"civility": Civility.MONSIEUR, "full_name": "Jean Dupont", "title": "Maire"},
        signing_order=1,
        signature_method=SignatureMethod.PAPER,
        deliberation_number="D-12",
        deliberation_date=datetime.date(2024, 2, 1),
    )
    party.refresh_from_db()
    assert party.representative.title_with_article == "le Maire"
    assert (party.signing_order, party.signature_method) == (1, SignatureMethod.PAPER)


def test_switching_roles_clears_and_gives_the_round(world):
    convention, users = world
    add_epci(convention, users["epci_staff"])
    party = services.party_switch_role(party=commune_party(convention), by=users["epci_staff"])
    assert party.role == PartyRole.ASSOCIATE and party.signing_order is None
    party = services.party_switch_role(party=party, by=users["epci_staff"])
    assert party.role == PartyRole.SIGNATORY and party.signing_order == 2  # after the CAF and the EPCI (1)


def test_an_organisation_signing_through_two_people_is_not_associated_by_one_line(world):
    convention, users = world
    commune = commune_party(convention)
    services.party_add(
        convention=convention,
        by=users["epci_staff"],
        organisation=commune.organisation,
        representative=RepresentativeFactory(organisation=commune.organisation, title="Adjoint"),
    )
    with pytest.raises(services.PartyRefused):
        services.party_switch_role(party=commune, by=users["epci_staff"])
    assert convention.parties.filter(organisation=commune.organisation, role=PartyRole.SIGNATORY).count() == 2


def test_the_epci_and_the_only_caf_stay_signatories(world):
    convention, users = world
    epci = add_epci(convention, users["epci_staff"])
    for party in (epci, caf_party(convention)):
        with pytest.raises(services.PartyRefused, match=party.organisation.display_name):
            services.party_remove(party=party, by=users["epci_staff"])
        with pytest.raises(services.PartyRefused):
            services.party_switch_role(party=party, by=users["epci_staff"])
    other_caf = services.party_add(
        convention=convention, by=users["epci_staff"], organisation=OrganisationFactory(caf=True), invite=False
    )
    services.party_remove(party=caf_party_other(convention, other_caf), by=users["epci_staff"])
    services.party_remove(party=commune_party(convention), by=users["epci_staff"])
    assert set(convention.parties.values_list("organisation__kind", flat=True)) == {"epci", "caf"}


def caf_party_other(convention, party):
    return convention.parties.exclude(pk=party.pk).get(organisation__kind="caf")


def test_a_party_named_in_the_timeline_is_not_removed(world):
    convention, users = world
    party = commune_party(convention)
    StatusChange.objects.create(
        convention=convention,
        action=LifecycleAction.DECLINE,
        from_status=ConventionStatus.IN_SIGNATURE,
        to_status=ConventionStatus.DRAFT,
        party=party,
        occurred_at=timezone.now(),
    )
    with pytest.raises(services.PartyRefused, match=party.organisation.display_name):
        services.party_remove(party=party, by=users["epci_staff"])
    assert Party.objects.filter(pk=party.pk).exists()


# --- Invitations ------------------------------------------------------------------------------------


def test_an_electronic_signatory_with_an_email_and_no_account_is_invited(world, django_capture_on_commit_callbacks):
    convention, users = world
    with django_capture_on_commit_callbacks() as callbacks:
        party = add_epci(convention, users["epci_staff"])
    invitation = Invitation.objects.get()
    assert party.invitation == invitation
    assert invitation.email == "catherine.prunet@example.org"
    assert invitation.representative == party.representative
    assert invitation.organisation == convention.epci
    assert invitation.role == MembershipRole.READER
    assert invitation.invited_by == users["epci_staff"]
    assert callbacks  # the e-mail leaves once the transaction commits
    row = selectors_parties.party_row(convention=convention, pk=party.pk)
    assert row.invitation_state == "pending"


@pytest.mark.parametrize(
    "arguments",
    [
        {"signature_method": SignatureMethod.PAPER},
        {"invite": False},
        {"new_representative": {**PRUNET, "email": ""}},
    ],
    ids=["paper", "not-now", "no-email"],
)
def test_no_invitation_for_paper_signatories_nor_without_email(world, arguments):
    convention, users = world
    party = add_epci(convention, users["epci_staff"], **arguments)
    assert not Invitation.objects.exists()
    assert party.invitation is None


def test_no_invitation_for_associates_nor_for_people_with_an_account(world):
    convention, users = world
    services.party_add(
        convention=convention,
        by=users["epci_staff"],
        organisation=OrganisationFactory(),
        role=PartyRole.ASSOCIATE,
        new_representative={**PRUNET, "title": "Directrice"},
    )
    person = RepresentativeFactory(organisation=convention.epci, email="a@example.org", user=UserFactory())
    services.party_add(
        convention=convention, by=users["epci_staff"], organisation=convention.epci, representative=person
    )
    assert not Invitation.objects.exists()


def test_the_invite_button_invites_then_sends_again_and_refuses_paper_signatories(world):
    convention, users = world
    party = add_epci(convention, users["epci_staff"], invite=False)
    first = services.party_invite_representative(party=party, by=users["epci_staff"])
    assert first.representative == party.representative
    again = services.party_invite_representative(party=party, by=users["epci_staff"])
    assert again.pk == first.pk and Invitation.objects.count() == 1
    paper = services.party_update(
        party=commune_party(convention),
        by=users["epci_staff"],
        representative=commune_party(convention).representative,
        signature_method=SignatureMethod.PAPER,
    )
    with pytest.raises(services.PartyRefused):
        services.party_invite_representative(party=paper, by=users["epci_staff"])
    with pytest.raises(NotAllowed):
        services.party_invite_representative(party=party, by=users["caf_officer"])


def test_a_signatory_can_still_be_invited_while_the_convention_is_being_signed(world):
    convention, users = world
    party = add_epci(convention, users["epci_staff"], invite=False)
    force_status(convention, ConventionStatus.IN_SIGNATURE)
    invitation = services.party_invite_representative(party=party, by=users["epci_staff"])
    assert invitation.email == "catherine.prunet@example.org"


def test_an_expired_invitation_shows_and_is_replaced(world):
    convention, users = world
    party = add_epci(convention, users["epci_staff"])
    Invitation.objects.update(
        created_at=timezone.now() - datetime.timedelta(days=30), expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert selectors_parties.party_row(convention=convention, pk=party.pk).invitation_state == "expired"
    services.party_invite_representative(party=party, by=users["epci_staff"])
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    assert selectors_parties.party_row(convention=convention, pk=party.pk).invitation_state == "pending"


# --- Correcting a person ----------------------------------------------------------------------------


def test_a_person_named_in_the_convention_is_corrected_while_it_is_a_draft(world):
    convention, users = world
    person = commune_party(convention).representative
    services.representative_update_in_convention(
        convention=convention,
        representative=person,
        by=users["epci_staff"],
        civility=Civility.MADAME,
        full_name="Annie Lenoir",
        title="Maire",
        delegation="",
        email="",
    )
    person.refresh_from_db()
    assert f"{person.name_with_civility}, {person.title_with_article}" == "Mme Annie Lenoir, la Maire"


def test_only_the_email_changes_once_the_convention_is_in_review(world):
    convention, users = world
    person = commune_party(convention).representative
    force_status(convention, ConventionStatus.IN_REVIEW)
    with pytest.raises(NotAllowed):
        services.representative_update_in_convention(
            convention=convention, representative=person, by=users["epci_staff"], full_name="Quelqu'un d'autre"
        )
    services.representative_update_in_convention(
        convention=convention, representative=person, by=users["epci_staff"], email="maire@example.org"
    )
    person.refresh_from_db()
    assert person.email == "maire@example.org" and person.full_name != "Quelqu'un d'autre"


def test_a_person_named_in_a_signed_convention_keeps_their_name(world):
    convention, users = world
    person = commune_party(convention).representative
    PartyFactory(
        convention=ConventionFactory(status=ConventionStatus.SIGNED),
        organisation=person.organisation,
        representative=person,
    )
    assert services.representative_is_frozen(person)
    with pytest.raises(services.PartyRefused, match=person.full_name):
        services.representative_update_in_convention(
            convention=convention, representative=person, by=users["epci_staff"], title="Maire honoraire"
        )


def test_a_new_email_withdraws_the_old_invitation_and_invites_at_the_new_one(world):
    convention, users = world
    party = add_epci(convention, users["epci_staff"])
    person = services.representative_update_in_convention(
        convention=convention, representative=party.representative, by=users["epci_staff"], email="c.p@example.org"
    )
    assert person.invitation.email == "c.p@example.org"
    assert Invitation.objects.get(email="catherine.prunet@example.org").revoked_at is not None


def test_a_person_not_named_in_the_convention_is_not_corrected_from_it(world):
    convention, users = world
    with pytest.raises(services.PartyRefused):
        services.representative_update_in_convention(
            convention=convention, representative=RepresentativeFactory(), by=users["epci_staff"], full_name="X"
        )


# --- Pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_whoever_sees_the_convention_sees_its_parties(client, world, role):
    convention, users = world
    add_epci(convention, users["epci_staff"])
    client.force_login(users[role])
    response = client.get(reverse("conventions:parties", args=[convention.pk]))
    if not EXPECTED[role][0]:
        assert response.status_code == 404
        return
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mme Catherine Prunet</span>, la Présidente" in content
    assert convention.epci.legal_denomination in content
    shows_forms = reverse("conventions:party_add", args=[convention.pk]) in content
    assert shows_forms == (role == "epci_staff")
    # E-mail addresses and invitation states: for the staff, the CAF's officers and the administrators.
    assert ("catherine.prunet@example.org" in content) == (role in ("epci_staff", "caf_officer", "superuser"))


def test_signatories_are_listed_in_signing_order_then_associates(client, world):
    convention, users = world
    add_epci(convention, users["epci_staff"], signing_order=3)
    association = OrganisationFactory(name="Centre social des Tilleuls")
    services.party_add(
        convention=convention, by=users["epci_staff"], organisation=association, role=PartyRole.ASSOCIATE
    )
    client.force_login(users["epci_staff"])
    content = client.get(reverse("conventions:parties", args=[convention.pk])).content.decode()
    epci = convention.parties.get(organisation=convention.epci)
    associate = convention.parties.get(organisation=association)
    in_order = (caf_party(convention), commune_party(convention), epci, associate)
    positions = [content.index(f'id="party-{party.pk}"') for party in in_order]
    assert positions == sorted(positions)


def test_the_list_costs_the_same_whatever_the_number_of_parties(client, world, django_assert_max_num_queries):
    convention, users = world
    for number in range(12):
        commune = OrganisationFactory(commune=True, epci=convention.epci)
        party = services.party_add(
            convention=convention,
            by=users["epci_staff"],
            organisation=commune,
            new_representative={**PRUNET, "email": f"maire{number}@example.org"},
            signing_order=2,
        )
        assert party.invitation is not None
    client.force_login(users["epci_staff"])
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(reverse("conventions:parties", args=[convention.pk]))
    assert response.content.decode().count('id="party-') == 14


@pytest.mark.parametrize("role", ROLES)
def test_the_forms_are_for_the_epci_staff_while_editable(client, world, role):
    convention, users = world
    party = commune_party(convention)
    client.force_login(users[role])
    urls = [
        reverse("conventions:party_add", args=[convention.pk]),
        reverse("conventions:party_update", args=[convention.pk, party.pk]),
        reverse("conventions:party_remove", args=[convention.pk, party.pk]),
    ]
    expected = 200 if role == "epci_staff" else (403 if EXPECTED[role][0] else 404)
    assert [client.get(url).status_code for url in urls] == [expected] * 3
    posted = client.post(reverse("conventions:party_remove", args=[convention.pk, party.pk]))
    assert posted.status_code == (302 if role == "epci_staff" else expected)
    assert Party.objects.filter(pk=party.pk).exists() == (role != "epci_staff")


def test_the_forms_say_why_once_the_convention_is_in_review(client, world):
    convention, users = world
    force_status(convention, ConventionStatus.IN_REVIEW)
    client.force_login(users["epci_staff"])
    response = client.get(reverse("conventions:party_add", args=[convention.pk]))
    assert response.status_code == 403
    listing = client.get(reverse("conventions:parties", args=[convention.pk])).content.decode()
    assert reverse("conventions:party_add", args=[convention.pk]) not in listing
    assert 'class="alert alert-info"' in listing


def test_the_picker_lists_the_territory_first_and_finds_communes_elsewhere(client, world):
    convention, users = world
    OrganisationFactory(commune=True, epci=convention.epci, name="Douelle")
    elsewhere = OrganisationFactory(commune=True, name="Mercuès-sur-Loire")
    OrganisationFactory(departement=True, name="Département du Lot")
    client.force_login(users["epci_staff"])
    url = reverse("conventions:party_add", args=[convention.pk])
    with_list = client.get(url).content.decode()
    assert with_list.index(convention.epci.name) < with_list.index("Douelle") < with_list.index("Département du Lot")
    assert "Mercuès-sur-Loire" not in with_list
    found = client.get(url, {"q": "mercuès", "action": "search"}).content.decode()
    assert f'value="{elsewhere.pk}"' in found
    assert "?next=%2Fconventions%2F" in found  # « Créer une organisation » comes back here


def test_staff_add_a_signatory_in_two_steps_and_the_person_is_invited(client, world, django_assert_max_num_queries):
    convention, users = world
    client.force_login(users["epci_staff"])
    url = reverse("conventions:party_add", args=[convention.pk])
    query = f"?role=signatory&organisation={convention.epci.pk}&action=choose"
    with django_assert_max_num_queries(FORM_MAX_QUERIES):
        step_two = client.get(url + query)
    assert step_two.status_code == 200 and 'name="new_full_name"' in step_two.content.decode()
    response = client.post(
        url + query,
        {
            "representative": "new",
            "new_civility": "mme",
            "new_full_name": "Catherine Prunet",
            "new_title": "Présidente",
            "new_email": "catherine.prunet@example.org",
            "signing_order": "1",
            "signature_method": "electronic",
            "deliberation_number": "2024-045",
            "deliberation_date": "2024-03-12",
            "invite": "on",
        },
        follow=True,
    )
    party = convention.parties.get(organisation=convention.epci)
    assert response.redirect_chain[-1][0].endswith(f"#party-{party.pk}")
    assert party.representative.full_name == "Catherine Prunet"
    assert Invitation.objects.get().representative == party.representative
    assert "12 mars 2024" in response.content.decode()


def test_the_form_keeps_what_was_typed_when_the_person_is_incomplete(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    url = reverse("conventions:party_add", args=[convention.pk]) + f"?organisation={convention.epci.pk}"
    response = client.post(
        url, {"representative": "new", "new_full_name": "Catherine Prunet", "signature_method": "electronic"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="Catherine Prunet"' in content and "is-invalid" in content
    assert not convention.parties.filter(organisation=convention.epci).exists()


def test_the_form_shows_the_one_role_rule(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    caf = caf_party(convention).organisation
    url = reverse("conventions:party_add", args=[convention.pk]) + f"?role=associate&organisation={caf.pk}"
    response = client.post(url, {"representative": ""})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert convention.parties.filter(organisation=caf).get().role == PartyRole.SIGNATORY


def test_switch_invite_and_correct_through_the_pages(client, world):
    convention, users = world
    add_epci(convention, users["epci_staff"], invite=False)
    party = convention.parties.get(organisation=convention.epci)
    client.force_login(users["epci_staff"])
    client.post(reverse("conventions:party_invite", args=[convention.pk, party.pk]))
    assert Invitation.objects.get().email == "catherine.prunet@example.org"
    commune = commune_party(convention)
    client.post(reverse("conventions:party_switch_role", args=[convention.pk, commune.pk]))
    commune.refresh_from_db()
    assert commune.role == PartyRole.ASSOCIATE
    url = reverse("conventions:representative_update", args=[convention.pk, party.representative.pk])
    response = client.post(
        url + "?depuis=parties",
        {"civility": "m", "full_name": "Catherine Prunet", "title": "Président", "delegation": "", "email": ""},
    )
    assert response.status_code == 302
    party.representative.refresh_from_db()
    assert party.representative.title_with_article == "le Président"


def test_the_correction_page_is_404_for_a_person_not_in_the_convention(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    url = reverse("conventions:representative_update", args=[convention.pk, RepresentativeFactory().pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["epci_reader", "caf_officer", "copil_member"])
def test_the_correction_page_and_buttons_are_refused_to_other_viewers(client, world, role):
    convention, users = world
    party = caf_party(convention)
    client.force_login(users[role])
    url = reverse("conventions:representative_update", args=[convention.pk, party.representative.pk])
    assert client.get(url).status_code == 403
    assert client.post(reverse("conventions:party_invite", args=[convention.pk, party.pk])).status_code == 403
    assert client.post(reverse("conventions:party_switch_role", args=[convention.pk, party.pk])).status_code == 403


def test_the_convention_page_links_to_the_parties_and_the_governance(client, world):
    convention, users = world
    client.force_login(users["copil_member"])
    content = client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()
    assert reverse("conventions:parties", args=[convention.pk]) in content
    assert reverse("conventions:governance", args=[convention.pk]) in content


def test_a_committee_member_is_a_person_of_the_convention_too(world):
    convention, users = world
    member = GovernanceMemberFactory(body=convention.governance_bodies.get())
    assert services.representative_is_in_convention(convention, member.representative)
