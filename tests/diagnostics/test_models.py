from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.diagnostics.factories import DiagnosticFactory, FindingFactory, IndicatorValueFactory

pytestmark = pytest.mark.django_db


def test_an_indicator_has_one_value_per_territory_and_year():
    value = IndicatorValueFactory()
    with pytest.raises(IntegrityError):
        IndicatorValueFactory(diagnostic=value.diagnostic, indicator=value.indicator, year=value.year, value=Decimal(3))


def test_database_refuses_an_absurd_year():
    with pytest.raises(IntegrityError):
        IndicatorValueFactory(year=20230)


def test_database_refuses_a_finding_without_title():
    with pytest.raises(IntegrityError):
        FindingFactory(title="")


def test_database_refuses_an_unknown_priority():
    with pytest.raises(IntegrityError):
        FindingFactory(priority=7)


def test_a_diagnostic_cannot_end_before_it_starts():
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        DiagnosticFactory(started_on=datetime.date(2024, 3, 1), completed_on=datetime.date(2024, 2, 1))


def test_finding_changes_are_in_the_history():
    finding = FindingFactory(title="Manque de places d'accueil")
    finding.title = "Manque de places d'accueil pour les moins de 3 ans"
    finding.save()
    assert finding.history.count() == 2
    assert finding.history.earliest().title == "Manque de places d'accueil"
