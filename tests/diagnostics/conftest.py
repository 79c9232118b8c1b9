"""A small territory with its convention and diagnostic, shared by the diagnostic tests."""

from types import SimpleNamespace

import pytest

from partners.choices import MembershipRole
from tests.conventions.factories import ConventionFactory, domain
from tests.diagnostics.factories import DiagnosticFactory, IndicatorDefinitionFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def territory(db):
    """A draft convention on two domains; its EPCI with two communes; staff and a reader of the EPCI."""
    convention = ConventionFactory(domains=[domain("petite-enfance"), domain("jeunesse")])
    diagnostic = DiagnosticFactory(convention=convention)
    communes = [
        OrganisationFactory(commune=True, epci=convention.epci, name="Cahors", insee_code="46042"),
        OrganisationFactory(commune=True, epci=convention.epci, name="Pradines", insee_code="01224"),
    ]
    return SimpleNamespace(
        convention=convention,
        diagnostic=diagnostic,
        epci=convention.epci,
        communes=communes,
        staff=MembershipFactory(organisation=convention.epci).user,
        reader=MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user,
        children=IndicatorDefinitionFactory(code="enfants-moins-3-ans", label="Enfants de moins de 3 ans"),
        places=IndicatorDefinitionFactory(code="places-eaje", label="Places en EAJE", unit="places"),
        rate=IndicatorDefinitionFactory(
            code="taux-couverture-accueil-jeune-enfant", label="Taux de couverture", unit="%"
        ),
    )


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_folder(settings, tmp_path):
    """Files a test writes under MEDIA_ROOT stay out of the repository (staged CSV imports are in the database)."""
    settings.MEDIA_ROOT = tmp_path / "media"
