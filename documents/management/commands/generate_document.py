"""Generate one document of record now, in this process, through the same service as the Celery task.

    manage.py generate_document CTG-GRAND-CAHORS-2020 --kind signed-convention --output cahors.pdf
    manage.py generate_document CTG-GRAND-CAHORS-2020 --kind copil-report --meeting 12

Without ``--version`` the convention PDF is the newest version's and the signed PDF the text in force's
(or else the newest signed version's). An existing ready document is reused unless ``--force``; a
failed one is rendered again. Exits non-zero when the document cannot be generated.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conventions.choices import REPORT_KINDS, DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import Convention, ConventionVersion, Meeting
from ctg_portal.errors import PortalError
from documents.services.render import document_generate_now

KINDS = {
    "convention": DocumentKind.CONVENTION,
    "signed-convention": DocumentKind.SIGNED_CONVENTION,
    "copil-report": DocumentKind.COPIL_REPORT,
    "cotech-report": DocumentKind.COTECH_REPORT,
}


class Command(BaseCommand):
    help = "Generate a convention PDF, a signed convention PDF or a committee meeting report, now."

    def add_base_argument(self, parser, *args, **kwargs):
        if "--version" in args:
            return  # here --version is the convention version's number, not Django's version
        super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The convention's reference, e.g. CTG-GRAND-CAHORS-2020.")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="Which document.")
        parser.add_argument("--version", type=int, dest="version_number", help="Version number (convention kinds).")
        parser.add_argument("--meeting", type=int, help="Meeting id (copil-report).")
        parser.add_argument("--output", type=Path, help="Also write the PDF to this path.")
        parser.add_argument("--force", action="store_true", help="Render again even if the document is ready.")

    def handle(self, *args, reference, kind, version_number, meeting, output, force, **options):
        convention = Convention.objects.filter(reference=reference).first()
        if convention is None:
            raise CommandError(f"No convention with the reference {reference!r}.")
        kind = KINDS[kind]
        version = found_meeting = None
        if kind in REPORT_KINDS:
            if meeting is None:
                raise CommandError("--meeting is required for a meeting report (the meeting's id).")
            found_meeting = (
                Meeting.objects.select_related("body").filter(pk=meeting, body__convention=convention).first()
            )
            if found_meeting is None:
                raise CommandError(f"No meeting {meeting} among the committees of {reference}.")
            kind = found_meeting.report_kind  # a cotech meeting's report is a cotech report, whichever was named
        else:
            if meeting is not None:
                raise CommandError("--meeting only applies to a copil-report or a cotech-report.")
            version = self._version(convention, kind, version_number)
        try:
            document = document_generate_now(
                convention=convention, kind=kind, version=version, meeting=found_meeting, force=force
            )
        except PortalError as error:
            raise CommandError(str(error)) from error
        if document.status != DocumentStatus.READY:
            raise CommandError(f"Generation {document.status}: {document.error or 'no detail'}")
        if output is not None:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                with document.file.open("rb") as source:
                    output.write_bytes(source.read())
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error}") from error
        self.stdout.write(
            "\n".join(
                [
                    f"document: {document.get_kind_display()} — {reference}"
                    + (f" v{version.number}" if version else f" meeting {found_meeting.pk}"),
                    f"status: {document.status}",
                    f"sha256: {document.sha256}",
                    f"pages: {document.page_count}",
                    f"size: {document.size_bytes} bytes",
                    f"render: {document.render_seconds:.2f} s",
                    f"stored: {document.file.name}",
                ]
                + ([f"written: {output}"] if output is not None else [])
            )
        )

    def _version(self, convention, kind, number) -> ConventionVersion:
        versions = ConventionVersion.objects.filter(convention=convention).defer("content_json")
        if number is not None:
            version = versions.filter(number=number).first()
            if version is None:
                raise CommandError(f"{convention.reference} has no version {number}.")
            return version
        if kind == DocumentKind.SIGNED_CONVENTION:
            signed = versions.filter(status_changes__action=LifecycleAction.COMPLETE_SIGNATURE).order_by("-number")
            version = (
                versions.filter(pk=convention.signed_version_id).first() if convention.signed_version_id else None
            ) or signed.first()
            if version is None:
                raise CommandError(f"{convention.reference} has no version signed by every signatory.")
            return version
        version = versions.order_by("-number").first()
        if version is None:
            raise CommandError(f"{convention.reference} has no version yet (a version is frozen at approval).")
        return version
