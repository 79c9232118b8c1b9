"""The committee's approval of a meeting's report, recorded from the meeting's page.

Thin: the meeting of a convention the user may see (404 otherwise), the date from the form, then
``documents.services.reports.report_approve`` (which checks the user may approve, records it and has an
issued report rendered again). Refusals come back as a French message on the meeting's page.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conventions.forms.meetings import ReportApprovalForm
from conventions.models import Meeting
from conventions.selectors import convention_for_user
from ctg_portal.errors import NotAllowed, PortalError
from documents.services.reports import report_approve


@require_POST
def meeting_report_approve(request, convention_pk: int, meeting_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    meeting = get_object_or_404(
        Meeting.objects.select_related("body__convention"), body__convention=convention, pk=meeting_pk
    )
    back = redirect("conventions:meeting", convention.pk, meeting.pk)
    form = ReportApprovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return back
    try:
        meeting = report_approve(meeting=meeting, by=request.user, approved_on=form.cleaned_data["approved_on"])
    except NotAllowed:
        raise
    except PortalError as error:
        messages.error(request, str(error))
        return back
    messages.success(
        request,
        _("Report approved on %(date)s by %(name)s.")
        % {"date": formats.date_format(meeting.report_approved_on, "j F Y"), "name": meeting.report_approver_name},
    )
    return back
