"""``manage.py verify_document PATH [--json]``: did the portal issue this PDF, unmodified since?

Exit codes, for scripts: 0 authentic and unmodified, 1 modified or not issued by the portal,
2 unreadable file or usage error (no such file, not a PDF, too large).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.verification import Verdict, verify_pdf_file


class Command(BaseCommand):
    help = (
        "Verifies a PDF: whether the portal issued it, for which convention and version, whether it is "
        "unmodified (SHA-256 and the portal's signature) and whether a later version exists. Exit code 0: "
        "authentic; 1: modified or not issued by the portal; 2: unreadable file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the PDF file to verify")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, path, **options):
        try:
            with open(path, "rb") as handle:
                result = verify_pdf_file(handle)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror or error}, returncode=2
            ) from error

        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(result)
        if result.exit_code:
            raise SystemExit(result.exit_code)

    def _print(self, result):
        style = {
            Verdict.AUTHENTIC: self.style.SUCCESS,
            Verdict.MODIFIED: self.style.ERROR,
        }.get(result.verdict, self.style.WARNING)
        self.stdout.write(style(result.headline))
        if not result.readable:
            self.stdout.write(result.message)
            return
        lines = [(_("SHA-256"), result.sha256)]
        if result.convention is not None:
            lines.append((_("Convention"), f"{result.convention.reference} — {result.convention.title}"))
        if result.kind_label:
            lines.append((_("Document"), result.kind_label))
        if result.version is not None:
            lines.append(
                (_("Version"), f"{result.version.number} (SHA-256 {result.version.content_sha256})"),
            )
        if result.meeting is not None:
            lines.append((_("Meeting"), f"{result.meeting.body.name}, {result.meeting.held_on:%d/%m/%Y}"))
        if result.authentic and result.issued_at:
            lines.append((_("Issued on"), f"{timezone.localtime(result.issued_at):%d/%m/%Y %H:%M %Z}"))
        lines.append((_("Signature"), self._signature(result.signature)))
        width = max(len(label) for label, _value in lines)
        for label, value in lines:
            self.stdout.write(f"  {label:<{width}}  {value}")
        if result.claim_mismatch:
            self.stdout.write(
                self.style.ERROR(_("The version fingerprint written in the file is not the portal's for that version."))
            )
        if result.later_version is not None:
            self.stdout.write(
                self.style.WARNING(
                    _("A more recent version exists: version %(number)s.") % {"number": result.later_version.number}
                )
            )
        if result.later_signed_version is not None:
            self.stdout.write(
                _("The signed text of the convention is now version %(number)s.")
                % {"number": result.later_signed_version.number}
            )

    @staticmethod
    def _signature(signature) -> str:
        if signature.authentic:
            return _("valid (the portal's, whole file, unmodified)")
        if not signature.signed:
            return _("none")
        if not signature.intact:
            return _("broken: the signed content was changed")
        if not signature.by_portal:
            return _("not the portal's certificate")
        if not signature.whole_file:
            return _("intact, but content was added after signing")
        return _("invalid") + (f" ({signature.error})" if signature.error else "")
