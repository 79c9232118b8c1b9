"""``manage.py import_territories``: creates or updates the EPCIs and communes from Etalab's files."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from partners.services import TerritoryDataError, territories_import_from_directory


class Command(BaseCommand):
    help = (
        "Creates or updates the EPCIs and their member communes from epci.json and communes.json "
        "(Etalab's découpage administratif). Idempotent; a malformed file imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--epci",
            action="append",
            dest="epci_sirens",
            metavar="SIREN",
            help="Import only this EPCI and its communes (repeatable). Default: every EPCI of the file.",
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help=(
                "Folder holding epci.json and communes.json, plain or xz-compressed (.json.xz) "
                "(default: the TERRITORY_DATA_DIR setting, all France)."
            ),
        )

    def handle(self, *args, epci_sirens, data_dir, **options):
        data_dir = data_dir or Path(settings.TERRITORY_DATA_DIR)
        started = time.perf_counter()
        try:
            report = territories_import_from_directory(data_dir=data_dir, only_epci_sirens=epci_sirens)
        except TerritoryDataError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            _("EPCIs: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": report.epcis_created, "updated": report.epcis_updated, "unchanged": report.epcis_unchanged}
        )
        self.stdout.write(
            _("Communes: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "created": report.communes_created,
                "updated": report.communes_updated,
                "unchanged": report.communes_unchanged,
            }
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Territories imported from %(data_dir)s in %(seconds).1f s.")
                % {"data_dir": data_dir, "seconds": seconds}
            )
        )
