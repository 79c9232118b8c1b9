"""The territory import task, delivered through Redis to a real Celery worker (never eager mode)."""

from pathlib import Path

import pytest
from django.conf import settings

from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.tasks import import_epci_territory

SHIPPED_DIR = Path(settings.BASE_DIR) / "data" / "territories" / "extract"
GRAND_CAHORS = "200023737"


@pytest.fixture
def territory_worker(settings, celery_worker_on_redis):
    """The shared real worker (tests/conftest.py), reading the territory extract shipped in the repo."""
    settings.TERRITORY_DATA_DIR = SHIPPED_DIR
    return celery_worker_on_redis


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # the worker thread only sees committed rows
def test_import_epci_territory_runs_on_a_real_worker(territory_worker):
    result = import_epci_territory.delay(GRAND_CAHORS)

    counts = result.get(timeout=20)

    assert counts["epcis_created"] == 1
    assert counts["communes_created"] == 36
    grand_cahors = Organisation.objects.get(siren=GRAND_CAHORS)
    assert grand_cahors.kind == OrganisationKind.EPCI
    assert grand_cahors.member_communes.count() == 36


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_import_epci_territory_twice_changes_nothing_the_second_time(territory_worker):
    import_epci_territory.delay(GRAND_CAHORS).get(timeout=20)

    counts = import_epci_territory.delay(GRAND_CAHORS).get(timeout=20)

    assert counts == {
        "epcis_created": 0,
        "epcis_updated": 0,
        "epcis_unchanged": 1,
        "communes_created": 0,
        "communes_updated": 0,
        "communes_unchanged": 36,
    }
    assert Organisation.objects.count() == 37
