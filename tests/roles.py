"""The roles every permission test runs over, and a convention where each of them stands."""

import pytest

from partners.choices import MembershipRole
from tests.conventions.factories import ConventionFactory, GovernanceBodyFactory, GovernanceMemberFactory, PartyFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory

ROLES = [
    "epci_staff",
    "epci_reader",
    "caf_officer",
    "commune_staff",
    "copil_member",
    "signing_representative",
    "other_epci_staff",
    "other_caf_officer",
    "unrelated_user",
    "superuser",
]


@pytest.fixture
def world(db):
    """A draft convention with its EPCI, a CAF and a commune as parties, a copil; and outsiders."""
    convention = ConventionFactory()
    caf_party = PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True))
    commune_party = PartyFactory(
        convention=convention, organisation=OrganisationFactory(commune=True, epci=convention.epci), signing_order=2
    )
    copil = GovernanceBodyFactory(convention=convention)
    users = {
        "epci_staff": MembershipFactory(organisation=convention.epci).user,
        "epci_reader": MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user,
        "caf_officer": MembershipFactory(organisation=caf_party.organisation).user,
        "commune_staff": MembershipFactory(organisation=commune_party.organisation).user,
        "copil_member": UserFactory(),
        "signing_representative": UserFactory(),
        "other_epci_staff": MembershipFactory(organisation__intercommunality=True).user,
        "other_caf_officer": MembershipFactory(organisation__caf=True).user,
        "unrelated_user": UserFactory(),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    GovernanceMemberFactory(body=copil, representative=RepresentativeFactory(user=users["copil_member"]))
    caf_party.representative.user = users["signing_representative"]
    caf_party.representative.save()
    return convention, users


EXPECTED = {
    # role: (view, edit, review)
    "epci_staff": (True, True, False),
    "epci_reader": (True, False, False),
    "caf_officer": (True, False, True),
    "commune_staff": (True, False, False),
    "copil_member": (True, False, False),
    "signing_representative": (True, False, False),
    "other_epci_staff": (False, False, False),
    "other_caf_officer": (False, False, False),
    "unrelated_user": (False, False, False),
    "superuser": (True, False, False),
}
