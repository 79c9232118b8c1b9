"""The committee approves a meeting's report: the approval is recorded, and a report already issued is
rendered again so that the copy one downloads says « Validé par …, le … ».

The approval itself is the meeting's (``conventions.services.meetings.meeting_approve_report``); this
module adds what the documents app owes it: the issued report follows the record.
"""

import datetime

from django.db import transaction

from conventions.models import GeneratedDocument, Meeting
from conventions.services.meetings import meeting_approve_report
from documents.services.queue import document_request


def report_approve(*, meeting: Meeting, by, approved_on: datetime.date | None = None) -> Meeting:
    """Records the approval (``by`` must be allowed to) and asks the meeting's issued report again."""
    with transaction.atomic():
        meeting = meeting_approve_report(meeting=meeting, by=by, approved_on=approved_on)
        issued = GeneratedDocument.objects.filter(meeting=meeting, kind=meeting.report_kind).exists()
        if issued:
            # By the portal itself: whoever may approve may not otherwise force a rendering.
            document_request(
                convention=meeting.body.convention, kind=meeting.report_kind, by=None, meeting=meeting, force=True
            )
    return meeting
