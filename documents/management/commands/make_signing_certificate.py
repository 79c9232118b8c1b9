"""Create the self-signed certificate the portal signs its PDFs with, for development and tests.

In production, give the portal a certificate from a recognised authority instead (``PDF_SIGNING_PKCS12``
and ``PDF_SIGNING_PASSPHRASE``); this command never overwrites an existing file unless told to.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from documents.pdf_signature import create_self_signed_pkcs12


class Command(BaseCommand):
    help = "Create a self-signed PKCS#12 certificate for signing the portal's PDFs (development and tests)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Where to write it (default: PDF_SIGNING_PKCS12).")
        parser.add_argument("--passphrase", help="Its passphrase (default: PDF_SIGNING_PASSPHRASE).")
        parser.add_argument("--common-name", default="Portail CTG (certificat de développement)")
        parser.add_argument("--force", action="store_true", help="Replace an existing file.")

    def handle(self, *args, output, passphrase, common_name, force, **options):
        output = output or Path(settings.PDF_SIGNING_PKCS12)
        passphrase = passphrase if passphrase is not None else settings.PDF_SIGNING_PASSPHRASE
        if not passphrase:
            raise CommandError("Give a passphrase (--passphrase or PDF_SIGNING_PASSPHRASE).")
        if output.exists() and not force:
            self.stdout.write(f"{output} already exists: kept (use --force to replace it).")
            return
        create_self_signed_pkcs12(output, passphrase=passphrase, common_name=common_name)
        self.stdout.write(self.style.SUCCESS(f"Self-signed signing certificate written to {output}."))
