import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from partners.choices import OrganisationKind
from partners.models import Organisation
from tests.partners.factories import OrganisationFactory, valid_siren

pytestmark = pytest.mark.django_db


def test_grand_cahors_siren_is_accepted():
    organisation = Organisation.objects.create(name="CA du Grand Cahors", kind=OrganisationKind.EPCI, siren="200023737")
    organisation.full_clean()


@pytest.mark.parametrize("siren", ["200023738", "20002373A", "12345678", "2000237370"[:9].replace("0", "x", 1)])
def test_database_refuses_an_invalid_siren(siren):
    with pytest.raises(IntegrityError):
        Organisation.objects.create(name="Intercommunalité fautive", kind=OrganisationKind.EPCI, siren=siren)


def test_full_clean_explains_an_invalid_siren():
    organisation = Organisation(name="Intercommunalité fautive", kind=OrganisationKind.EPCI, siren="200023738")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "siren" in error.value.message_dict


def test_database_refuses_a_commune_without_a_valid_insee_code():
    with pytest.raises(IntegrityError):
        Organisation.objects.create(
            name="Cahors", kind=OrganisationKind.COMMUNE, siren=valid_siren(1), insee_code="4604"
        )


def test_corsican_insee_code_is_accepted():
    commune = Organisation.objects.create(
        name="Ajaccio", kind=OrganisationKind.COMMUNE, siren=valid_siren(2), insee_code="2A004"
    )
    commune.full_clean()


def test_database_refuses_an_insee_code_on_a_non_commune():
    with pytest.raises(IntegrityError):
        Organisation.objects.create(name="CAF du Lot", kind=OrganisationKind.CAF, insee_code="46042")


def test_database_refuses_an_epci_without_siren():
    with pytest.raises(IntegrityError):
        Organisation.objects.create(name="Intercommunalité sans SIREN", kind=OrganisationKind.EPCI)


def test_a_commune_cannot_be_recorded_twice_so_never_in_two_epcis():
    first_epci, second_epci = OrganisationFactory(intercommunality=True), OrganisationFactory(intercommunality=True)
    OrganisationFactory(commune=True, insee_code="46042", epci=first_epci)
    with pytest.raises(IntegrityError):
        OrganisationFactory(commune=True, insee_code="46042", epci=second_epci)


def test_only_a_commune_belongs_to_an_epci():
    epci = OrganisationFactory(intercommunality=True)
    with pytest.raises(IntegrityError):
        OrganisationFactory(caf=True, epci=epci)


def test_full_clean_refuses_a_commune_attached_to_a_non_epci():
    commune = OrganisationFactory.build(commune=True, epci=OrganisationFactory(caf=True))
    with pytest.raises(ValidationError) as error:
        commune.full_clean()
    assert "epci" in error.value.message_dict
