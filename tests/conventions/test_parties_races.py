"""The one-role rule holds under real concurrency: two tabs adding the same organisation, one as a
signatory and one as an associate, at the same instant (threads on PostgreSQL, ``tests.concurrency``)."""

import threading

import pytest

from conventions.choices import PartyRole
from conventions.models import Party
from conventions.services import parties as services
from tests.concurrency import domains_seeded, in_thread, require_postgresql  # noqa: F401 (a fixture)
from tests.conventions.factories import ConventionFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory


@pytest.mark.django_db(transaction=True)
def test_an_organisation_added_twice_at_once_gets_one_role(domains_seeded):  # noqa: F811
    require_postgresql()
    convention = ConventionFactory()
    staff = MembershipFactory(organisation=convention.epci).user
    association = OrganisationFactory()
    barrier = threading.Barrier(2)

    def add(role):
        barrier.wait(timeout=30)
        return services.party_add(convention=convention, by=staff, organisation=association, role=role)

    started = [in_thread(add, role) for role in (PartyRole.SIGNATORY, PartyRole.ASSOCIATE)]
    for thread, _outcome in started:
        thread.join(30)
        assert not thread.is_alive()
    outcomes = [outcome for _thread, outcome in started]
    assert sum("result" in outcome for outcome in outcomes) == 1
    refused = next(outcome["error"] for outcome in outcomes if "error" in outcome)
    assert isinstance(refused, services.PartyRefused)
    assert Party.objects.filter(convention=convention, organisation=association).count() == 1
