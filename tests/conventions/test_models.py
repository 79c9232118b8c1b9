import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory
from django.utils import translation

from conventions.choices import PartyRole
from conventions.models import Convention, Domain, Party
from tests.conventions.factories import ConventionFactory, GovernanceBodyFactory, PartyFactory
from tests.partners.factories import OrganisationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db


def test_the_eleven_domains_are_seeded_by_the_migration():
    assert list(Domain.objects.values_list("name", flat=True)) == [
        "Petite enfance",
        "Enfance",
        "Jeunesse",
        "Soutien à la parentalité",
        "Logement et cadre de vie",
        "Animation de la vie sociale",
        "Accès aux droits",
        "Accueil des gens du voyage",
        "Politique de la ville",
        "Habitat",
        "Insertion",
    ]


def test_database_refuses_a_period_ending_before_it_starts():
    with pytest.raises(IntegrityError):
        ConventionFactory(period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2023, 12, 31))


def test_database_refuses_a_period_ending_the_day_it_starts():
    with pytest.raises(IntegrityError):
        ConventionFactory(period_start=datetime.date(2024, 1, 1), period_end=datetime.date(2024, 1, 1))


def test_form_explains_a_period_ending_before_it_starts_in_french():
    epci = OrganisationFactory(intercommunality=True)
    form_class = modelform_factory(Convention, fields=["reference", "title", "epci", "period_start", "period_end"])
    with translation.override("fr"):
        form = form_class(
            data={
                "reference": "CTG-1",
                "title": "CTG",
                "epci": epci.pk,
                "period_start": "01/01/2024",
                "period_end": "31/12/2023",
            }
        )
        assert not form.is_valid()
        assert form.errors["period_end"] == ["La fin de la période doit être postérieure à son début."]


def test_a_signatory_needs_a_signing_order_and_an_associate_has_none():
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyFactory(signing_order=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyFactory(associate=True, signing_order=1)
    associate = PartyFactory(associate=True)
    assert associate.role == PartyRole.ASSOCIATE


def test_a_representative_signs_a_convention_once():
    party = PartyFactory()
    with pytest.raises(IntegrityError):
        Party.objects.create(
            convention=party.convention,
            organisation=party.organisation,
            representative=party.representative,
            role=PartyRole.SIGNATORY,
            signing_order=2,
        )


def test_an_organisation_may_sign_through_two_people():
    party = PartyFactory()
    deputy = RepresentativeFactory(organisation=party.organisation, title="Adjointe au maire")
    Party.objects.create(
        convention=party.convention,
        organisation=party.organisation,
        representative=deputy,
        role=PartyRole.SIGNATORY,
        signing_order=2,
    )
    assert party.convention.parties.count() == 2


def test_full_clean_refuses_a_representative_of_another_organisation():
    party = PartyFactory.build(
        convention=ConventionFactory(),
        organisation=OrganisationFactory(caf=True),
        representative=RepresentativeFactory(),
    )
    with pytest.raises(ValidationError) as error:
        party.full_clean()
    assert "representative" in error.value.message_dict


def test_a_convention_has_a_single_steering_committee():
    body = GovernanceBodyFactory()
    GovernanceBodyFactory(convention=body.convention, technical=True)
    with pytest.raises(IntegrityError):
        GovernanceBodyFactory(convention=body.convention, name="Autre comité de pilotage")


def test_every_change_to_a_convention_is_in_its_history():
    convention = ConventionFactory(title="Première version")
    convention.title = "Deuxième version"
    convention.save()
    titles = [record.title for record in convention.history.order_by("history_date")]
    assert titles == ["Première version", "Deuxième version"]


def test_party_changes_are_in_the_history():
    party = PartyFactory(signing_order=1)
    party.signing_order = 2
    party.save()
    assert [record.signing_order for record in party.history.order_by("history_date")] == [1, 2]
