"""The committee approves a meeting's report; a cotech meeting's report is a cotech report."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.choices import DocumentKind, DocumentStatus
from conventions.models import GeneratedDocument, Meeting
from conventions.services import meetings as meeting_services
from ctg_portal.errors import NotAllowed
from documents import selectors
from documents.report_pdf import build_copil_report_html, report_keywords
from documents.services.queue import DocumentRefused, document_request
from documents.services.reports import report_approve
from tests.conventions.factories import GovernanceBodyFactory, GovernanceMemberFactory, MeetingFactory
from tests.partners.factories import RepresentativeFactory
from tests.roles import ROLES

pytestmark = pytest.mark.django_db

HELD_ON = datetime.date(2024, 3, 15)
APPROVERS = {"epci_staff", "caf_officer", "copil_member"}


@pytest.fixture
def meeting(world):
    convention, _users = world
    return MeetingFactory(body=convention.governance_bodies.get(), held_on=HELD_ON, decisions="Budget adopté")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_approve_a_report(world, meeting, role):
    _convention, users = world
    allowed = role in APPROVERS
    assert meeting.get_abilities(users[role])["approve_report"] is allowed
    if allowed:
        report_approve(meeting=meeting, by=users[role], approved_on=datetime.date(2024, 6, 1))
        meeting.refresh_from_db()
        assert meeting.report_approved_on == datetime.date(2024, 6, 1)
        assert meeting.report_approved_by == users[role]
        assert meeting.report_approver_name
    else:
        with pytest.raises(NotAllowed):
            report_approve(meeting=meeting, by=users[role])
        meeting.refresh_from_db()
        assert meeting.report_approved_on is None


def test_a_member_approves_under_the_name_and_title_the_committee_knows(world, meeting):
    convention, users = world
    member = meeting.body.members.get(representative__user=users["copil_member"]).representative
    member.full_name, member.title = "Catherine Marlas", "Vice-présidente"
    member.save()
    report_approve(meeting=meeting, by=users["copil_member"], approved_on=datetime.date(2024, 6, 1))
    html = build_copil_report_html(meeting, today=datetime.date(2025, 1, 1))
    organisation = member.organisation.display_name
    assert f"Validé par Catherine Marlas, Vice-présidente, {organisation}, le 1 juin 2024" in " ".join(html.split())


def test_a_report_is_approved_once_after_its_meeting_and_not_before_it_is_held(world, meeting):
    _convention, users = world
    with pytest.raises(meeting_services.MeetingRefused, match="entre la réunion"):
        report_approve(meeting=meeting, by=users["epci_staff"], approved_on=datetime.date(2024, 3, 1))
    coming = MeetingFactory(body=meeting.body, held_on=timezone.localdate() + datetime.timedelta(days=3))
    with pytest.raises(meeting_services.MeetingRefused, match="une fois celle-ci tenue"):
        report_approve(meeting=coming, by=users["epci_staff"])
    report_approve(meeting=meeting, by=users["epci_staff"], approved_on=HELD_ON)
    with pytest.raises(meeting_services.MeetingRefused, match="déjà été validé"):
        report_approve(meeting=meeting, by=users["caf_officer"])


def test_recording_other_decisions_withdraws_the_approval(world, meeting):
    _convention, users = world
    report_approve(meeting=meeting, by=users["epci_staff"], approved_on=HELD_ON)
    meeting_services.meeting_record(
        meeting=meeting, by=users["epci_staff"], attendee_ids=[], decisions="Budget adopté", minutes=""
    )
    meeting.refresh_from_db()
    assert meeting.report_approved_on == HELD_ON  # nothing changed
    meeting_services.meeting_record(
        meeting=meeting, by=users["epci_staff"], attendee_ids=[], decisions="Budget reporté", minutes=""
    )
    meeting.refresh_from_db()
    assert meeting.report_approved_on is None and meeting.report_approver_name == ""


def test_an_issued_report_is_rendered_again_once_approved(world, meeting, django_capture_on_commit_callbacks):
    convention, users = world
    document = document_request(convention=convention, kind=DocumentKind.COPIL_REPORT, by=None, meeting=meeting)
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED, error="x", task_id="")
    with django_capture_on_commit_callbacks() as callbacks:
        report_approve(meeting=meeting, by=users["caf_officer"], approved_on=HELD_ON)
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and document.task_id and len(callbacks) == 1


def test_the_approval_form_on_the_meeting_page(client, world, meeting, django_assert_max_num_queries):
    convention, users = world
    page_url = reverse("conventions:meeting", args=[convention.pk, meeting.pk])
    approve_url = reverse("documents:meeting_report_approve", args=[convention.pk, meeting.pk])
    client.force_login(users["epci_reader"])
    assert approve_url not in client.get(page_url).content.decode()
    assert client.post(approve_url, {"approved_on": "2024-06-01"}).status_code == 403
    client.force_login(users["unrelated_user"])
    assert client.post(approve_url, {"approved_on": "2024-06-01"}).status_code == 404
    client.force_login(users["copil_member"])
    with django_assert_max_num_queries(15):
        page = client.get(page_url).content.decode()
    assert approve_url in page
    response = client.post(approve_url, {"approved_on": "not a date"}, follow=True)
    assert "Indiquez une date valide" in response.content.decode()
    assert not Meeting.objects.get(pk=meeting.pk).report_is_approved
    response = client.post(approve_url, {"approved_on": "2024-06-01"}, follow=True)
    assert "Compte rendu validé le 1 juin 2024" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).report_approved_on == datetime.date(2024, 6, 1)
    assert approve_url not in client.get(page_url).content.decode()


def test_a_cotech_meeting_has_a_cotech_report(world):
    convention, users = world
    cotech = GovernanceBodyFactory(convention=convention, technical=True, name="Comité technique CTG")
    GovernanceMemberFactory(body=cotech, representative=RepresentativeFactory())
    meeting = MeetingFactory(body=cotech, held_on=HELD_ON)
    assert meeting.report_kind == DocumentKind.COTECH_REPORT
    with pytest.raises(DocumentRefused):
        document_request(convention=convention, kind=DocumentKind.COPIL_REPORT, by=None, meeting=meeting)
    document = document_request(convention=convention, kind=DocumentKind.COTECH_REPORT, by=None, meeting=meeting)
    assert selectors.download_filename(document).endswith("-rapport-cotech-2024-03-15.pdf")
    slot = next(s for s in selectors.document_centre(convention=convention).meeting_slots if s.meeting == meeting)
    assert slot.kind == DocumentKind.COTECH_REPORT and str(slot.title) == "Compte rendu du comité technique (PDF)"
    assert "ctg-kind=cotech_report" in report_keywords(meeting)
    html = " ".join(build_copil_report_html(meeting, today=datetime.date(2025, 1, 1)).split())
    assert "Compte rendu du comité technique" in html
    assert "<title>Compte rendu du comité technique — Comité technique CTG, 15 mars 2024</title>" in html
