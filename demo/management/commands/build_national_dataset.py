"""``manage.py build_national_dataset``: the national benchmark dataset (``bench/national_data.py``).

Every EPCI of the territory files (or the first ``--epcis N`` by SIREN), one convention each with its
diagnostic, plan, history and users, into an empty database. For benchmarks only: the bench users all
share a password printed here.
"""

from django.core.management.base import BaseCommand, CommandError

from bench.national_data import BENCH_PASSWORD, build_national_dataset


class Command(BaseCommand):
    help = (
        "Builds the national benchmark dataset into an empty, migrated database: every EPCI of the territory "
        "files (or the first N by SIREN), one convention each with diagnostic, plan, history and users."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epcis", type=int, default=None, help="Only the first N EPCIs by SIREN.")

    def handle(self, *args, **options):
        if options["epcis"] is not None and options["epcis"] < 1:
            raise CommandError("--epcis doit être au moins 1.")
        try:
            report = build_national_dataset(epcis=options["epcis"], log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Construit en {report.seconds:.0f} s : " + ", ".join(f"{k} {v}" for k, v in report.counts.items())
        )
        self.stdout.write(f"Convention mesurée : {report.measured_reference}")
        for role, username in report.users.items():
            self.stdout.write(f"  {role} : {username}")
        self.stdout.write(f"Mot de passe de tous les comptes bench.* : {BENCH_PASSWORD}")
