"""Background jobs of the partners app: thin, idempotent, calling services."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError

from partners.services import territories_import_from_directory


# Retried on database hiccups, and on IntegrityError: two workers importing the same EPCI at once
# both try to create its rows; the loser's retry finds them and has nothing left to do.
@shared_task(autoretry_for=(OperationalError, IntegrityError), retry_backoff=True, max_retries=3)
def import_epci_territory(siren: str) -> dict[str, int]:
    """Creates or updates one EPCI and its communes from the files of ``TERRITORY_DATA_DIR``.

    Returns the import's counts (``epcis_created``, ``communes_updated``…). A malformed file or an
    unknown SIREN raises ``TerritoryDataError``, which no retry would cure.
    """
    report = territories_import_from_directory(data_dir=Path(settings.TERRITORY_DATA_DIR), only_epci_sirens=[siren])
    return report.as_dict()
