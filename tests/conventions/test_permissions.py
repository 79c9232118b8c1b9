"""The policy as a matrix: every role against every ability, and the queryset agreeing with it."""

import pytest

from conventions.choices import ConventionStatus
from conventions.models import Convention
from partners.choices import MembershipRole
from tests.conventions.factories import force_status
from tests.partners.factories import MembershipFactory
from tests.roles import EXPECTED, ROLES


@pytest.mark.parametrize("role", ROLES)
def test_abilities_of_each_role_on_a_draft(world, role):
    convention, users = world
    abilities = convention.get_abilities(users[role])
    assert (abilities["view"], abilities["edit"], abilities["review"]) == EXPECTED[role]
    assert abilities["download_documents"] == abilities["view"]


@pytest.mark.parametrize("role", ROLES)
def test_queryset_scope_agrees_with_the_view_ability(world, role):
    convention, users = world
    visible = Convention.objects.visible_to(users[role]).filter(pk=convention.pk).exists()
    assert visible == EXPECTED[role][0]


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.SIGNED, ConventionStatus.IN_FORCE])
def test_epci_staff_cannot_edit_the_contract_once_it_left_draft_but_still_follow_it_up(world, status):
    convention, users = world
    force_status(convention, status)
    abilities = convention.get_abilities(users["epci_staff"])
    assert abilities["edit"] is False
    assert abilities["follow_up"] is True


def test_a_user_in_two_party_organisations_sees_the_convention_once(world):
    convention, users = world
    MembershipFactory(user=users["caf_officer"], organisation=convention.epci, role=MembershipRole.READER)
    assert list(Convention.objects.visible_to(users["caf_officer"])) == [convention]


def test_an_inactive_user_sees_nothing(world):
    convention, users = world
    user = users["epci_staff"]
    user.is_active = False
    user.save()
    assert not Convention.objects.visible_to(user).exists()
    assert convention.get_abilities(user)["view"] is False
