"""Committee meetings: the services (schedule, change, record) and the pages (list, meeting, forms)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions import selectors
from conventions.choices import MeetingKind
from conventions.models import Meeting
from conventions.services import meetings as services
from ctg_portal.errors import NotAllowed
from tests.conventions.factories import GovernanceBodyFactory, GovernanceMemberFactory, MeetingFactory
from tests.partners.factories import RepresentativeFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 1)
LIST_MAX_QUERIES = 11
DETAIL_MAX_QUERIES = 14


def copil_of(convention):
    return convention.governance_bodies.get()


# --- Services -------------------------------------------------------------------------------------


def test_staff_schedule_a_meeting_of_one_of_the_conventions_committees(world):
    convention, users = world
    meeting = services.meeting_create(
        convention=convention,
        by=users["epci_staff"],
        body=copil_of(convention),
        held_on=datetime.date(2026, 3, 10),
        kind=MeetingKind.ANNUAL_REVIEW,
        location="  Siège de l'agglomération ",
        agenda="1. Bilan annuel",
    )
    meeting.refresh_from_db()
    assert meeting.body == copil_of(convention)
    assert meeting.location == "Siège de l'agglomération"
    assert meeting.kind == MeetingKind.ANNUAL_REVIEW
    assert meeting.created_by == users["epci_staff"]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "epci_staff"])
def test_only_the_epci_staff_schedule_meetings(world, role):
    convention, users = world
    with pytest.raises(NotAllowed):
        services.meeting_create(
            convention=convention, by=users[role], body=copil_of(convention), held_on=datetime.date(2026, 3, 10)
        )
    assert not Meeting.objects.exists()


def test_a_meeting_needs_a_date_and_a_committee_of_this_convention(world):
    convention, users = world
    other_body = GovernanceBodyFactory()
    with pytest.raises(services.MeetingRefused, match="date de la réunion"):
        services.meeting_create(convention=convention, by=users["epci_staff"], body=copil_of(convention), held_on=None)
    with pytest.raises(services.MeetingRefused, match="l’un des comités"):
        services.meeting_create(
            convention=convention, by=users["epci_staff"], body=other_body, held_on=datetime.date(2026, 3, 10)
        )
    assert not Meeting.objects.exists()


def test_attendance_decisions_and_minutes_are_recorded_once_the_date_has_come(world):
    convention, users = world
    body = copil_of(convention)
    member = body.members.get()
    absent = GovernanceMemberFactory(body=body)
    meeting = MeetingFactory(body=body, held_on=TODAY)
    services.meeting_record(
        meeting=meeting,
        by=users["epci_staff"],
        attendee_ids=[member.pk],
        decisions="Le bilan est validé.",
        minutes="Séance ouverte à 14 h.",
        today=TODAY,
    )
    meeting.refresh_from_db()
    assert list(meeting.attendees.all()) == [member]
    assert absent not in meeting.attendees.all()
    assert meeting.decisions == "Le bilan est validé."
    assert meeting.minutes == "Séance ouverte à 14 h."


def test_a_coming_meeting_cannot_be_recorded(world):
    convention, users = world
    meeting = MeetingFactory(body=copil_of(convention), held_on=TODAY + datetime.timedelta(days=1))
    with pytest.raises(services.MeetingRefused, match="une fois qu’elle s’est tenue"):
        services.meeting_record(
            meeting=meeting, by=users["epci_staff"], attendee_ids=[], decisions="Trop tôt", today=TODAY
        )
    meeting.refresh_from_db()
    assert meeting.decisions == ""


def test_attendance_only_among_the_members_of_that_committee(world):
    convention, users = world
    copil = copil_of(convention)
    cotech_member = GovernanceMemberFactory(body=GovernanceBodyFactory(convention=convention, technical=True))
    meeting = MeetingFactory(body=copil, held_on=TODAY)
    with pytest.raises(services.MeetingRefused, match="uniquement parmi les membres"):
        services.meeting_record(meeting=meeting, by=users["epci_staff"], attendee_ids=[cotech_member.pk], today=TODAY)
    assert not meeting.attendees.exists()


def test_a_reader_cannot_record_a_meeting(world):
    convention, users = world
    meeting = MeetingFactory(body=copil_of(convention), held_on=TODAY)
    with pytest.raises(NotAllowed):
        services.meeting_record(meeting=meeting, by=users["epci_reader"], attendee_ids=[], decisions="x", today=TODAY)
    meeting.refresh_from_db()
    assert meeting.decisions == ""


def test_a_recorded_meeting_cannot_move_to_the_future_but_a_planned_one_can(world):
    convention, users = world
    recorded = MeetingFactory(body=copil_of(convention), held_on=TODAY, decisions="Validé")
    planned = MeetingFactory(body=copil_of(convention), held_on=TODAY)
    later = TODAY + datetime.timedelta(days=30)
    with pytest.raises(services.MeetingRefused, match="déjà consignés"):
        services.meeting_update(
            meeting=recorded, by=users["epci_staff"], held_on=later, kind=MeetingKind.FOLLOW_UP, today=TODAY
        )
    services.meeting_update(
        meeting=planned, by=users["epci_staff"], held_on=later, kind=MeetingKind.OTHER, location="Mairie", today=TODAY
    )
    recorded.refresh_from_db()
    planned.refresh_from_db()
    assert recorded.held_on == TODAY
    assert (planned.held_on, planned.kind, planned.location) == (later, MeetingKind.OTHER, "Mairie")


def test_neighbour_meetings_are_those_of_the_same_committee(world):
    convention, _users = world
    copil = copil_of(convention)
    first = MeetingFactory(body=copil, held_on=datetime.date(2024, 1, 10))
    second = MeetingFactory(body=copil, held_on=datetime.date(2024, 6, 10))
    third = MeetingFactory(body=copil, held_on=datetime.date(2025, 1, 10))
    MeetingFactory(body=GovernanceBodyFactory(convention=convention, technical=True), held_on=datetime.date(2024, 3, 1))
    assert selectors.neighbour_meetings(second) == (first, third)
    assert selectors.neighbour_meetings(first) == (None, second)


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_whoever_sees_the_convention_sees_its_meetings(client, world, role):
    convention, users = world
    meeting = MeetingFactory(body=copil_of(convention), held_on=datetime.date(2024, 5, 2), decisions="Plan validé")
    client.force_login(users[role])
    listing = client.get(reverse("conventions:meetings", args=[convention.pk]))
    detail = client.get(reverse("conventions:meeting", args=[convention.pk, meeting.pk]))
    if EXPECTED[role][0]:
        assert listing.status_code == 200 and detail.status_code == 200
        assert "2 mai 2024" in listing.content.decode()
        assert "Plan validé" in detail.content.decode()
        assert reverse("documents:documents", args=[convention.pk]) in detail.content.decode()  # its report
        shows_form = reverse("conventions:meeting_create", args=[convention.pk]) in listing.content.decode()
        assert shows_form == (role == "epci_staff")
    else:
        assert listing.status_code == 404 and detail.status_code == 404


def test_coming_and_past_meetings_are_listed_apart(client, world):
    convention, users = world
    today = timezone.localdate()
    MeetingFactory(body=copil_of(convention), held_on=today + datetime.timedelta(days=20), location="Salle A")
    MeetingFactory(body=copil_of(convention), held_on=today - datetime.timedelta(days=20), location="Salle B")
    client.force_login(users["copil_member"])
    content = client.get(reverse("conventions:meetings", args=[convention.pk])).content.decode()
    coming, past = content.split("Réunions passées")
    assert "Salle A" in coming and "Salle B" not in coming
    assert "Salle B" in past


def test_the_list_costs_the_same_whatever_the_number_of_meetings(client, world, django_assert_max_num_queries):
    convention, users = world
    copil = copil_of(convention)
    cotech = GovernanceBodyFactory(convention=convention, technical=True)
    for day in range(1, 16):
        meeting = MeetingFactory(body=copil if day % 2 else cotech, held_on=datetime.date(2024, 1, day))
        meeting.attendees.set(copil.members.all() if day % 2 else [])
    client.force_login(users["epci_staff"])
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(reverse("conventions:meetings", args=[convention.pk]))
    assert response.content.decode().count(f"conventions/{convention.pk}/reunions/") >= 15


def test_the_meeting_page_costs_the_same_whatever_the_number_of_members(client, world, django_assert_max_num_queries):
    convention, users = world
    copil = copil_of(convention)
    for _ in range(12):
        GovernanceMemberFactory(body=copil, representative=RepresentativeFactory())
    meeting = MeetingFactory(body=copil, held_on=datetime.date(2024, 1, 5))
    meeting.attendees.set(copil.members.all()[:7])
    client.force_login(users["copil_member"])
    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = client.get(reverse("conventions:meeting", args=[convention.pk, meeting.pk]))
    assert "7 présents sur 13 membres" in response.content.decode()


@pytest.mark.parametrize("name", ["meeting_create", "meeting_update", "meeting_record"])
def test_the_forms_are_refused_to_a_reader_and_hidden_from_an_outsider(client, world, name):
    convention, users = world
    meeting = MeetingFactory(body=copil_of(convention), held_on=datetime.date(2024, 1, 5))
    args = [convention.pk] if name == "meeting_create" else [convention.pk, meeting.pk]
    client.force_login(users["epci_reader"])
    assert client.get(reverse(f"conventions:{name}", args=args)).status_code == 403
    assert client.post(reverse(f"conventions:{name}", args=args), {"decisions": "x"}).status_code == 403
    client.force_login(users["unrelated_user"])
    assert client.get(reverse(f"conventions:{name}", args=args)).status_code == 404
    meeting.refresh_from_db()
    assert meeting.decisions == ""


def test_staff_schedule_a_meeting_through_the_form(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    response = client.post(
        reverse("conventions:meeting_create", args=[convention.pk]),
        {
            "body": copil_of(convention).pk,
            "held_on": "2026-04-14",
            "kind": MeetingKind.FOLLOW_UP,
            "location": "Mairie",
            "agenda": "1. Point d'étape",
        },
        follow=True,
    )
    meeting = Meeting.objects.get()
    assert response.redirect_chain[-1][0] == reverse("conventions:meeting", args=[convention.pk, meeting.pk])
    assert meeting.held_on == datetime.date(2026, 4, 14)
    assert "14 avril 2026" in response.content.decode()


def test_the_form_says_in_french_that_the_date_is_required(client, world):
    convention, users = world
    client.force_login(users["epci_staff"])
    response = client.post(
        reverse("conventions:meeting_create", args=[convention.pk]),
        {"body": copil_of(convention).pk, "held_on": "", "kind": MeetingKind.FOLLOW_UP},
    )
    assert response.status_code == 200
    assert "Indiquez la date de la réunion." in response.content.decode()
    assert not Meeting.objects.exists()


def test_staff_record_attendance_and_decisions_through_the_form(client, world):
    convention, users = world
    copil = copil_of(convention)
    member = copil.members.get()
    meeting = MeetingFactory(body=copil, held_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(users["epci_staff"])
    url = reverse("conventions:meeting_record", args=[convention.pk, meeting.pk])
    page = client.get(url).content.decode()
    assert member.representative.full_name in page
    response = client.post(url, {"attendees": [member.pk], "decisions": "Budget adopté", "minutes": "RAS"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.decisions == "Budget adopté" and list(meeting.attendees.all()) == [member]


def test_a_member_of_another_committee_is_refused_by_the_form(client, world):
    convention, users = world
    copil = copil_of(convention)
    outsider = GovernanceMemberFactory(body=GovernanceBodyFactory(convention=convention, technical=True))
    meeting = MeetingFactory(body=copil, held_on=timezone.localdate())
    client.force_login(users["epci_staff"])
    response = client.post(
        reverse("conventions:meeting_record", args=[convention.pk, meeting.pk]),
        {"attendees": [outsider.pk], "decisions": "Budget adopté"},
    )
    assert response.status_code == 200
    assert "uniquement parmi les membres" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.decisions == "" and not meeting.attendees.exists()


def test_the_form_refuses_to_record_a_coming_meeting(client, world):
    convention, users = world
    meeting = MeetingFactory(body=copil_of(convention), held_on=timezone.localdate() + datetime.timedelta(days=3))
    client.force_login(users["epci_staff"])
    response = client.post(
        reverse("conventions:meeting_record", args=[convention.pk, meeting.pk]), {"decisions": "Trop tôt"}
    )
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.decisions == ""


def test_the_convention_page_links_to_the_meetings(client, world):
    convention, users = world
    meeting = MeetingFactory(body=copil_of(convention))
    client.force_login(users["copil_member"])
    content = client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()
    assert reverse("conventions:meetings", args=[convention.pk]) in content
    assert reverse("conventions:meeting", args=[convention.pk, meeting.pk]) in content
