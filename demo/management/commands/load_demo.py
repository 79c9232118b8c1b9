"""``manage.py load_demo``: loads the two demo conventions and the demo accounts (idempotent)."""

import secrets
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from conventions.models import Convention
from demo.loader import DemoDataError, demo_convention_counts, demo_convention_standing, demo_load
from partners.services import TerritoryDataError


class Command(BaseCommand):
    help = (
        "Loads the demonstration data: Grand Cahors' CTG (2020–2023), reviewed and signed on paper on "
        "21 September 2020 through the portal's workflow, and La Cali's CTG (a draft in diagnostic), their "
        "territories and partners, and the demo accounts. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo although DEBUG is off (a test or training server, never real data).",
        )

    def handle(self, *args, **options):
        # The demo creates accounts, an administrator among them, whose password anyone at the
        # terminal sees: never on a production database by mistake.
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                _(
                    "Demo not loaded: DEBUG is off, so this may be a production database. The demo creates "
                    "accounts, an administrator among them, whose password is printed here. To load it anyway "
                    "(a test or training server), run: manage.py load_demo --allow-production"
                )
            )
        # Never a password written in the source: DEMO_PASSWORD if the operator chose one, else a new
        # random one at each run, printed below.
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(12)
        started = time.perf_counter()
        try:
            report = demo_load(password=password)
        except (DemoDataError, TerritoryDataError) as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started

        territories = report.territories
        self.stdout.write(
            _("Territories: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": territories.created, "updated": territories.updated, "unchanged": territories.unchanged}
        )
        self.stdout.write(
            _("Demo rows: %(created)d created, %(updated)d updated, %(relations)d many-to-many relations set.")
            % {
                "created": sum(report.created.values()),
                "updated": sum(report.updated.values()),
                "relations": sum(report.relations_set.values()),
            }
        )
        if options["verbosity"] >= 2:
            for label in sorted(report.created.keys() | report.updated.keys()):
                self.stdout.write(
                    _("  %(model)s: %(created)d created, %(updated)d updated.")
                    % {"model": label, "created": report.created[label], "updated": report.updated[label]}
                )
            for label, count in sorted(report.relations_set.items()):
                self.stdout.write(_("  %(relation)s: %(count)d set.") % {"relation": label, "count": count})

        for reference in report.histories_recorded:
            self.stdout.write(
                _("%(reference)s: review and signatures recorded through the workflow, dated as they happened.")
                % {"reference": reference}
            )

        for convention in report.conventions:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{convention.reference} — {convention.title}"))
            self.stdout.write("  " + demo_convention_standing(convention))
            self.stdout.write(
                _(
                    "  domains: %(domains)d · signatory rows: %(signatories)d · associates: %(associates)d · "
                    "articles: %(articles)d · meetings: %(meetings)d · indicator values: %(indicator_values)d · "
                    "findings: %(findings)d · actions: %(actions)d"
                )
                % demo_convention_counts(convention)
            )

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo accounts (password for all: %s)") % password))
        if not settings.DEMO_PASSWORD:
            self.stdout.write(
                _("  This password was drawn at random for this run; set DEMO_PASSWORD to choose a lasting one.")
            )
        rows = [(_("Login"), _("Name"), _("Role"), _("Conventions seen"))]
        for account, user in report.accounts:
            visible = Convention.objects.visible_to(user).order_by("reference").values_list("reference", flat=True)
            rows.append((user.username, user.get_full_name(), str(account.role), ", ".join(visible) or _("none")))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for login, name, role, conventions in rows:
            self.stdout.write(f"  {login:<{widths[0]}}  {name:<{widths[1]}}  {role:<{widths[2]}}  {conventions}")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Demo loaded in %(seconds).1f s.") % {"seconds": seconds}))
