"""Meetings of a convention's steering (copil) and technical (cotech) committees.

The intercommunality's staff (``abilities["follow_up"]``) schedule a meeting of one of the
convention's bodies, change it, and once its date has come record who attended (members of that
body only), the decisions taken and the minutes — whatever the convention's status: a convention is
followed up from its drafting to its end. Whoever may see the convention reads its meetings.

The committee approves the report of a held meeting (``meeting_approve_report``): the staff, the CAF's
officers or a member of the committee records it (``Meeting.get_abilities``' ``approve_report``), and the
report then prints « Validé par <name>, <title>, le <date> ». Recording the meeting again (other
attendance, decisions or minutes) or moving its date withdraws the approval: what was approved is no
longer what the report says.

Every write checks the abilities again; a refusal raises ``MeetingRefused`` (a ``PortalError``,
shown as a message) or ``NotAllowed`` (403).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions.choices import MeetingKind
from conventions.models import Convention, GovernanceBody, GovernanceMember, Meeting
from conventions.permissions import ROLE_REFUSALS
from ctg_portal.errors import NotAllowed, PortalError
from partners.models import Membership, Representative

LOCATION_LENGTH = 200
TEXT_LENGTH = 20000


class MeetingRefused(PortalError):
    """The meeting cannot be recorded as asked; the message says why."""


# --- Checks ---------------------------------------------------------------------------------------


def _check_may_follow_up(convention: Convention, by) -> None:
    if not convention.get_abilities(by)["follow_up"]:
        raise NotAllowed(ROLE_REFUSALS["meetings"])


def _body_of(convention: Convention, body) -> GovernanceBody:
    body_id = getattr(body, "pk", body)
    try:
        return convention.governance_bodies.get(pk=body_id)
    except (GovernanceBody.DoesNotExist, ValueError, TypeError):
        raise MeetingRefused(_("Choose one of this convention's committees.")) from None


def _clean_fields(*, held_on, kind, location, agenda) -> dict:
    if not isinstance(held_on, datetime.date):
        raise MeetingRefused(_("Give the date of the meeting."))
    if kind not in MeetingKind.values:
        raise MeetingRefused(_("Choose the kind of meeting."))
    location = (location or "").strip()
    if len(location) > LOCATION_LENGTH:
        raise MeetingRefused(_("The place is limited to %(limit)s characters.") % {"limit": LOCATION_LENGTH})
    agenda = (agenda or "").strip()
    if len(agenda) > TEXT_LENGTH:
        raise MeetingRefused(_("The agenda is limited to %(limit)s characters.") % {"limit": TEXT_LENGTH})
    return {"held_on": held_on, "kind": kind, "location": location, "agenda": agenda}


def has_record(meeting: Meeting) -> bool:
    """Whether attendance, decisions or minutes were recorded (they need a date that has come)."""
    return bool(meeting.decisions or meeting.minutes or meeting.attendees.exists())


APPROVAL_FIELDS = (
    "report_approved_on",
    "report_approved_by",
    "report_approver_name",
    "report_approver_title",
    "report_approval_recorded_at",
)


def _withdraw_approval(meeting: Meeting) -> list[str]:
    """Clears the report's approval (the caller saves); the fields to save, none when not approved."""
    if meeting.report_approved_on is None:
        return []
    meeting.report_approved_on = meeting.report_approved_by = meeting.report_approval_recorded_at = None
    meeting.report_approver_name = meeting.report_approver_title = ""
    return list(APPROVAL_FIELDS)


def approver_identity(*, meeting: Meeting, user) -> tuple[str, str]:
    """The name and title printed for ``user``'s approval: as a member of the committee when they sit
    on it, else as one of their organisation's representatives, else their name and organisation."""
    sitting = (
        Representative.objects.filter(user_id=user.pk, body_memberships__body_id=meeting.body_id)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    representative = sitting or (
        Representative.objects.filter(user_id=user.pk, is_active=True)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    if representative is not None:
        title = representative.title
        if representative.organisation.display_name not in title:
            title = f"{title}, {representative.organisation.display_name}" if title else ""
        return representative.full_name, title
    name = user.get_full_name().strip() or user.get_username()
    membership = (
        Membership.objects.filter(user_id=user.pk, organisation_id=meeting.body.convention.epci_id)
        .select_related("organisation")
        .first()
        or Membership.objects.filter(user_id=user.pk).select_related("organisation").order_by("pk").first()
    )
    return name, membership.organisation.display_name if membership else ""


# --- Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    convention: Convention,
    by,
    body,
    held_on: datetime.date,
    kind: str = MeetingKind.FOLLOW_UP,
    location: str = "",
    agenda: str = "",
) -> Meeting:
    _check_may_follow_up(convention, by)
    body = _body_of(convention, body)
    fields = _clean_fields(held_on=held_on, kind=kind, location=location, agenda=agenda)
    return Meeting.objects.create(body=body, created_by=by, **fields)


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by,
    held_on: datetime.date,
    kind: str,
    location: str = "",
    agenda: str = "",
    today: datetime.date | None = None,
) -> Meeting:
    """Changes the date, kind, place or agenda; a meeting already recorded cannot move to the future."""
    convention = meeting.body.convention
    _check_may_follow_up(convention, by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    fields = _clean_fields(held_on=held_on, kind=kind, location=location, agenda=agenda)
    today = today or timezone.localdate()
    if fields["held_on"] > today and has_record(meeting):
        raise MeetingRefused(
            _(
                "Its attendance, decisions or minutes are already recorded: this meeting has taken place "
                "and cannot be moved to a date to come."
            )
        )
    withdrawn = _withdraw_approval(meeting) if fields["held_on"] != meeting.held_on else []
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.save(update_fields=list(fields) + withdrawn)
    return meeting


@transaction.atomic
def meeting_record(
    *,
    meeting: Meeting,
    by,
    attendee_ids,
    decisions: str = "",
    minutes: str = "",
    today: datetime.date | None = None,
) -> Meeting:
    """Records who attended (members of the meeting's body), the decisions and the minutes."""
    convention = meeting.body.convention
    _check_may_follow_up(convention, by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    today = today or timezone.localdate()
    if meeting.held_on > today:
        raise MeetingRefused(
            _("This meeting is due on %(date)s: its attendance, decisions and minutes are recorded once it is held.")
            % {"date": meeting.held_on.strftime("%d/%m/%Y")}
        )
    try:
        wanted = {int(getattr(member, "pk", member)) for member in attendee_ids or ()}
    except (TypeError, ValueError):
        raise MeetingRefused(_("Attendance is recorded among the committee's members only.")) from None
    members = set(GovernanceMember.objects.filter(body_id=meeting.body_id, pk__in=wanted).values_list("pk", flat=True))
    if wanted - members:
        raise MeetingRefused(_("Attendance is recorded among the committee's members only."))
    decisions, minutes = (decisions or "").strip(), (minutes or "").strip()
    if len(decisions) > TEXT_LENGTH or len(minutes) > TEXT_LENGTH:
        raise MeetingRefused(
            _("The decisions and the minutes are limited to %(limit)s characters each.") % {"limit": TEXT_LENGTH}
        )
    changed = (
        decisions != meeting.decisions
        or minutes != meeting.minutes
        or members != set(meeting.attendees.values_list("pk", flat=True))
    )
    withdrawn = _withdraw_approval(meeting) if changed else []
    meeting.decisions, meeting.minutes = decisions, minutes
    meeting.save(update_fields=["decisions", "minutes", *withdrawn])
    meeting.attendees.set(members)
    return meeting


@transaction.atomic
def meeting_approve_report(
    *,
    meeting: Meeting,
    by,
    approved_on: datetime.date | None = None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Meeting:
    """Records that the committee approved the report of ``meeting`` on ``approved_on`` (today by default).

    ``by`` must be allowed to (``approve_report``); the meeting must be held and its report not yet
    approved; the approval day falls between the meeting and today (a committee often approves the
    previous meeting's report at its next one). The name and title printed are ``by``'s as of today.
    """
    today = today or timezone.localdate()
    meeting = Meeting.objects.select_for_update().select_related("body__convention").get(pk=meeting.pk)
    abilities = meeting.get_abilities(by, today=today)
    if not abilities["view"]:
        raise NotAllowed(ROLE_REFUSALS["approve_report"])
    if meeting.report_approved_on is not None:
        raise MeetingRefused(
            _("This report was already approved on %(date)s.")
            % {"date": meeting.report_approved_on.strftime("%d/%m/%Y")}
        )
    if meeting.held_on > today:
        raise MeetingRefused(
            _("This meeting is due on %(date)s: its report is approved once it is held.")
            % {"date": meeting.held_on.strftime("%d/%m/%Y")}
        )
    if not abilities["approve_report"]:
        raise NotAllowed(ROLE_REFUSALS["approve_report"])
    approved_on = approved_on or today
    if not isinstance(approved_on, datetime.date) or not meeting.held_on <= approved_on <= today:
        raise MeetingRefused(
            _("The approval date falls between the meeting (%(held)s) and today.")
            % {"held": meeting.held_on.strftime("%d/%m/%Y")}
        )
    name, title = approver_identity(meeting=meeting, user=by)
    meeting.report_approved_on = approved_on
    meeting.report_approved_by = by
    meeting.report_approver_name = name[:150]
    meeting.report_approver_title = title[:200]
    meeting.report_approval_recorded_at = now or timezone.now()  # ``now``: a history replayed (the demo)
    meeting.save(update_fields=list(APPROVAL_FIELDS))
    return meeting
