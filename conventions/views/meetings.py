"""The committees' meetings: the list (coming and past), each meeting's page, and the staff's forms.

Whoever may see the convention reads its meetings (404 for anyone else). The forms — schedule,
change, record attendance, decisions and minutes — are for the intercommunality's staff
(``abilities["follow_up"]``): anyone else gets a 403, and ``services.meetings`` checks again.
A refusal by the service is shown on the form, never a 500.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from conventions import selectors
from conventions.forms.meetings import MeetingForm, MeetingRecordForm, ReportApprovalForm
from conventions.permissions import ROLE_REFUSALS, meeting_abilities
from conventions.services import meetings as services
from conventions.views.common import convention_and_abilities
from ctg_portal.errors import NotAllowed, PortalError


def _require_follow_up(abilities: dict) -> None:
    if not abilities["follow_up"]:
        raise NotAllowed(ROLE_REFUSALS["meetings"])


def _date(day) -> str:
    return formats.date_format(day, "j F Y")


@require_GET
def meeting_list(request, convention_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    return render(
        request,
        "conventions/meetings/meeting_list.html",
        {
            "convention": convention,
            "abilities": abilities,
            "meetings": selectors.meetings_page(convention=convention),
        },
    )


@require_GET
def meeting_detail(request, convention_pk: int, meeting_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    meeting = selectors.meeting_for_page(convention=convention, pk=meeting_pk)
    present = {member.pk for member in meeting.attendees.all()}
    previous, following = selectors.neighbour_meetings(meeting)
    today = timezone.localdate()
    return render(
        request,
        "conventions/meetings/meeting_detail.html",
        {
            "convention": convention,
            "abilities": abilities,
            "meeting_abilities": meeting_abilities(request.user, meeting, convention_abilities=abilities, today=today),
            "approval_form": ReportApprovalForm(initial={"approved_on": today}),
            "meeting": meeting,
            "members": [(member, member.pk in present) for member in meeting.body.members.all()],
            "attendee_count": len(present),
            "is_held": meeting.held_on <= timezone.localdate(),
            "previous": previous,
            "following": following,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request, convention_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    _require_follow_up(abilities)
    initial = {}
    body_pk = request.GET.get("comite", "")
    if body_pk.isdigit():
        initial["body"] = int(body_pk)
    form = MeetingForm(request.POST or None, convention=convention, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(convention=convention, by=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Meeting of %(body)s scheduled on %(date)s.")
                % {"body": meeting.body, "date": _date(meeting.held_on)},
            )
            return redirect("conventions:meeting", convention.pk, meeting.pk)
    return render(
        request,
        "conventions/meetings/meeting_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "meeting": None},
    )


@require_http_methods(["GET", "POST"])
def meeting_update(request, convention_pk: int, meeting_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    _require_follow_up(abilities)
    meeting = selectors.meeting_for_page(convention=convention, pk=meeting_pk)
    initial = {field: getattr(meeting, field) for field in ("held_on", "kind", "location", "agenda")}
    form = MeetingForm(request.POST or None, convention=convention, fixed_body=meeting.body, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Meeting updated."))
            return redirect("conventions:meeting", convention.pk, meeting.pk)
    return render(
        request,
        "conventions/meetings/meeting_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "meeting": meeting},
    )


@require_http_methods(["GET", "POST"])
def meeting_record(request, convention_pk: int, meeting_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    _require_follow_up(abilities)
    meeting = selectors.meeting_for_page(convention=convention, pk=meeting_pk)
    is_held = meeting.held_on <= timezone.localdate()
    initial = {
        "attendees": [member.pk for member in meeting.attendees.all()],
        "decisions": meeting.decisions,
        "minutes": meeting.minutes,
    }
    form = MeetingRecordForm(request.POST or None, meeting=meeting, initial=initial)
    if request.method == "POST":
        if not is_held:
            form.is_valid()
            form.add_error(
                None,
                _(
                    "This meeting is due on %(date)s: its attendance, decisions and minutes are recorded "
                    "once it is held."
                )
                % {"date": meeting.held_on.strftime("%d/%m/%Y")},
            )
        elif form.is_valid():
            try:
                services.meeting_record(
                    meeting=meeting,
                    by=request.user,
                    attendee_ids=[member.pk for member in form.cleaned_data["attendees"]],
                    decisions=form.cleaned_data["decisions"],
                    minutes=form.cleaned_data["minutes"],
                )
            except PortalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Attendance, decisions and minutes recorded."))
                return redirect("conventions:meeting", convention.pk, meeting.pk)
    return render(
        request,
        "conventions/meetings/meeting_record.html",
        {"convention": convention, "abilities": abilities, "form": form, "meeting": meeting, "is_held": is_held},
    )
