"""Replays a demo convention's review and paper signature through the portal's own services.

The lifecycle and signing services are called exactly as the pages call them, with ``now=`` set to
the historical dates, so the timeline, the version and its hash, the signatures and the calendar
transitions are those the portal would have recorded at the time. Nothing here writes a status,
a version or a signature directly.

E-mails: telling anyone today about a review of 2020 makes no sense (and the demo addresses are
fictional), so every step is recorded with ``historical=True``: the services then write no notice at
all, nor ask for the signed PDF (it is generated when someone asks for it).
"""

import datetime
import logging
from functools import cache

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone, translation
from weasyprint import HTML

from conventions import selectors
from conventions.choices import LifecycleAction
from conventions.models import Convention
from demo.schema import SignedHistoryRow
from workflow.services import lifecycle, signing

SCAN_HTML = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 2.5cm; }}
  body {{ font-family: "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.45; color: #222; }}
  .stamp {{ border: 3px solid #b02a37; color: #b02a37; padding: .6cm; text-align: center;
           font-size: 15pt; font-weight: bold; margin-bottom: 1.2cm; }}
  h1 {{ font-size: 14pt; }}
  code {{ font-size: 8.5pt; word-break: break-all; }}
</style></head>
<body>
  <div class="stamp">DOCUMENT DE DÉMONSTRATION<br>Ce n'est pas la page de signature réelle.</div>
  <h1>{title}</h1>
  <p>Ce PDF tient lieu, dans la démonstration du Portail CTG, de la page de signature numérisée de la
  convention {reference}, signée sur papier à {place} le {signed_on}.</p>
  <p>Le document signé réel n'est pas public : il n'est pas reproduit ici. Ce fichier a été produit par
  la commande <em>load_demo</em> pour montrer où le scan d'une signature papier est conservé.</p>
  <p>Version {number} du texte, empreinte SHA-256 :<br><code>{sha256}</code></p>
</body>
</html>
"""


def _french_date(day: datetime.date) -> str:
    with translation.override("fr"):
        return formats.date_format(day, "j F Y")


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment)


@cache
def _scan_pdf(*, title: str, reference: str, place: str, signed_on: str, number: int, sha256: str) -> bytes:
    """A one-page PDF saying plainly that it stands in for a scanned signature page."""
    html = SCAN_HTML.format(
        title=title, reference=reference, place=place, signed_on=signed_on, number=number, sha256=sha256
    )
    # WeasyPrint narrates each rendering step at INFO level: not worth a line in the loader's output.
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        return HTML(string=html).write_pdf()
    finally:
        progress.setLevel(level)


def record_signed_history(convention: Convention, row: SignedHistoryRow, users: dict) -> bool:
    """Records ``row`` on ``convention`` unless its timeline already holds anything; returns whether it did.

    Any recorded step means the history was replayed already or the workflows have moved the convention
    since: a reload then leaves it as it is.
    """
    if convention.status_changes.exists():
        return False
    with transaction.atomic():
        lifecycle.convention_transition(
            convention=convention,
            action=LifecycleAction.SUBMIT,
            by=users[row.submitted_by],
            comment=row.submission_comment,
            now=_aware(row.submitted_at),
            historical=True,
        )
        lifecycle.convention_transition(
            convention=convention,
            action=LifecycleAction.APPROVE,
            by=users[row.approved_by],
            comment=row.approval_comment,
            now=_aware(row.approved_at),
            historical=True,
        )
        lifecycle.convention_transition(
            convention=convention,
            action=LifecycleAction.OPEN_SIGNATURE,
            by=users[row.signature_opened_by],
            comment=row.signature_opening_comment,
            now=_aware(row.signature_opened_at),
            historical=True,
        )
        version = convention.approved_version
        scan = _scan_pdf(
            title=convention.title,
            reference=convention.reference,
            place=row.place,
            signed_on=_french_date(row.signed_on),
            number=version.number,
            sha256=version.content_sha256,
        )
        # In signing order, as the ceremony went and as the service requires; one minute apart.
        states = selectors.signing_states(convention=convention, version=version)
        for minute, state in enumerate(states):
            signing.convention_record_paper_signature(
                convention=convention,
                party_id=state.party.pk,
                version_id=version.pk,
                by=users[row.recorded_by],
                signed_on=row.signed_on,
                place=row.place,
                scan=ContentFile(scan, name="scan.pdf"),
                now=_aware(row.recorded_at) + datetime.timedelta(minutes=minute),
                historical=True,
            )
        # The calendar catches up as the daily task would have: in force, then expired if its time came.
        locked = Convention.objects.select_for_update().get(pk=convention.pk)
        lifecycle.catch_up_calendar(locked)
    convention.refresh_from_db()
    return True
