"""The lifecycle services: every transition of the table, allowed from its sources and refused from every
other status, by role; the review's conditions; approval and avenants; and the calendar."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import Article, ConventionVersion, ReviewComment, StatusChange
from ctg_portal.errors import NotAllowed
from partners.choices import MembershipRole
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, force_status
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.pdfs import SCAN
from tests.roles import ROLES
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle
from workflow.services.lifecycle import TRANSITIONS, TransitionRefused
from workflow.services.signing import convention_record_paper_signature
from workflow.services.versions import build_content, canonical_json, sha256_of

pytestmark = pytest.mark.django_db

# Who may trigger each action a person triggers; the others are the portal's own (by=None allowed).
ACTOR_OF = {
    LifecycleAction.SUBMIT: "staff",
    LifecycleAction.WITHDRAW: "staff",
    LifecycleAction.REQUEST_CHANGES: "officer",
    LifecycleAction.RESUME_DRAFTING: "staff",
    LifecycleAction.APPROVE: "officer",
    LifecycleAction.OPEN_SIGNATURE: "staff",
    LifecycleAction.TERMINATE: "staff",
    LifecycleAction.OPEN_AMENDMENT: "staff",
}
FUTURE_START = datetime.date(2030, 1, 1)


def reviewed_convention(status=ConventionStatus.DRAFT, **kwargs):
    """A convention with a CAF (signatory 1, its officer) and a commune (signatory 2), its EPCI staff;
    its period lies in the future unless told otherwise, so that the calendar stays out of the way."""
    kwargs.setdefault("period_start", FUTURE_START)
    kwargs.setdefault("period_end", datetime.date(2033, 12, 31))
    convention = ConventionFactory(**kwargs)
    caf = PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True, name="CAF du Causse"))
    PartyFactory(convention=convention, organisation=OrganisationFactory(commune=True), signing_order=2)
    ArticleFactory(convention=convention, position=1, title="Objet")
    convention.staff = MembershipFactory(organisation=convention.epci).user
    convention.officer = MembershipFactory(organisation=caf.organisation).user
    if status != ConventionStatus.DRAFT:
        force_status(convention, status)
    return convention


def paris(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def open_comment(convention, **kwargs):
    return ReviewComment.objects.create(
        convention=convention, author=kwargs.pop("author", None) or UserFactory(), body="À revoir", **kwargs
    )


def ready_for(convention, action):
    """What the action's own conditions need besides the status (an open comment to request changes,
    what the CAF's review needs to submit)."""
    if action == LifecycleAction.REQUEST_CHANGES:
        open_comment(convention)
    if action == LifecycleAction.SUBMIT:
        make_ready_for_review(convention)


def actor(convention, action):
    return getattr(convention, ACTOR_OF[action]) if action in ACTOR_OF else None


def portal_arguments(convention, action) -> dict:
    """A decline names its party and version, as the signing service does."""
    if action == LifecycleAction.DECLINE:
        return {"party": convention.parties.order_by("signing_order").first(), "version": convention.approved_version}
    return {}


# --- The transition table: every action from every status -----------------------------------------------

EVERY_PAIR = [(action, status) for action in TRANSITIONS for status in ConventionStatus.values]


@pytest.mark.parametrize(
    ("action", "status"), [(a, s) for a, s in EVERY_PAIR if s in TRANSITIONS[a].sources], ids=lambda v: str(v)
)
def test_each_transition_is_allowed_from_its_sources(action, status):
    convention = reviewed_convention(status)
    ready_for(convention, action)
    by = actor(convention, action)
    change = lifecycle.convention_transition(
        convention=convention,
        action=action,
        by=by,
        comment="Motif écrit",
        expected_status=status,
        **portal_arguments(convention, action),
    )
    convention.refresh_from_db()
    assert convention.status == TRANSITIONS[action].target
    assert (change.action, change.from_status, change.to_status) == (action, status, TRANSITIONS[action].target)
    assert change.actor == by
    assert change.comment == "Motif écrit"


@pytest.mark.parametrize(
    ("action", "status"), [(a, s) for a, s in EVERY_PAIR if s not in TRANSITIONS[a].sources], ids=lambda v: str(v)
)
def test_each_transition_is_refused_from_every_other_status_with_a_clear_message(action, status):
    convention = reviewed_convention(status)
    ready_for(convention, action)
    before = StatusChange.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.convention_transition(
            convention=convention,
            action=action,
            by=actor(convention, action),
            comment="Motif écrit",
            **portal_arguments(convention, action),
        )
    message = str(refused.value)
    assert str(ConventionStatus(status).label) in message
    assert all(str(ConventionStatus(source).label) in message for source in TRANSITIONS[action].sources)
    convention.refresh_from_db()
    assert convention.status == status
    assert StatusChange.objects.count() == before


def test_a_transition_records_who_when_and_why():
    convention = make_ready_for_review(reviewed_convention())
    moment = timezone.make_aware(datetime.datetime(2026, 3, 12, 9, 30))
    lifecycle.convention_transition(
        convention=convention,
        action=LifecycleAction.SUBMIT,
        by=convention.staff,
        comment="  Prêt pour relecture  ",
        now=moment,
    )
    change = StatusChange.objects.get(convention=convention)
    assert (change.actor, change.occurred_at, change.comment) == (convention.staff, moment, "Prêt pour relecture")
    assert (change.from_status, change.to_status, change.amendment_number) == (
        ConventionStatus.DRAFT,
        ConventionStatus.IN_REVIEW,
        0,
    )


def test_submitting_needs_a_signatory():
    convention = ConventionFactory(period_start=FUTURE_START, period_end=datetime.date(2033, 12, 31))
    PartyFactory(convention=convention, associate=True)
    staff = MembershipFactory(organisation=convention.epci).user
    with pytest.raises(TransitionRefused, match="signatories|signataires"):
        lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=staff)
    assert convention.status == ConventionStatus.DRAFT


# --- By role -----------------------------------------------------------------------------------------------

ALLOWED_ROLES = {
    LifecycleAction.SUBMIT: {"epci_staff"},
    LifecycleAction.WITHDRAW: {"epci_staff"},
    LifecycleAction.REQUEST_CHANGES: {"caf_officer"},
    LifecycleAction.APPROVE: {"caf_officer"},
    LifecycleAction.RESUME_DRAFTING: {"epci_staff"},
    LifecycleAction.OPEN_SIGNATURE: {"epci_staff", "caf_officer"},
    LifecycleAction.TERMINATE: {"epci_staff", "caf_officer"},
    LifecycleAction.OPEN_AMENDMENT: {"epci_staff"},
}
SOURCE_FOR_ROLE_TEST = {
    LifecycleAction.SUBMIT: ConventionStatus.DRAFT,
    LifecycleAction.WITHDRAW: ConventionStatus.IN_REVIEW,
    LifecycleAction.REQUEST_CHANGES: ConventionStatus.IN_REVIEW,
    LifecycleAction.APPROVE: ConventionStatus.IN_REVIEW,
    LifecycleAction.RESUME_DRAFTING: ConventionStatus.CHANGES_REQUESTED,
    LifecycleAction.OPEN_SIGNATURE: ConventionStatus.APPROVED,
    LifecycleAction.TERMINATE: ConventionStatus.SIGNED,
    LifecycleAction.OPEN_AMENDMENT: ConventionStatus.SIGNED,
}
ROLE_MATRIX = [(action, role) for action in ALLOWED_ROLES for role in ROLES]


@pytest.mark.parametrize(("action", "role"), ROLE_MATRIX, ids=lambda v: str(v))
def test_who_may_trigger_each_transition(world, action, role):
    convention, users = world
    force_status(convention, SOURCE_FOR_ROLE_TEST[action])
    ready_for(convention, action)
    status_before = convention.current_status
    if role in ALLOWED_ROLES[action]:
        lifecycle.convention_transition(
            convention=convention, action=action, by=users[role], comment="Motif", expected_status=status_before
        )
        assert convention.status == TRANSITIONS[action].target
    else:
        before = StatusChange.objects.filter(action=action).count()
        with pytest.raises(NotAllowed):
            lifecycle.convention_transition(
                convention=convention, action=action, by=users[role], comment="Motif", expected_status=status_before
            )
        assert StatusChange.objects.filter(action=action).count() == before


@pytest.mark.parametrize("action", [LifecycleAction.APPROVE, LifecycleAction.REQUEST_CHANGES])
def test_epci_staff_who_is_also_a_caf_officer_cannot_review_its_own_convention(action):
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    ready_for(convention, action)
    caf = convention.parties.get(organisation__kind="caf").organisation
    MembershipFactory(user=convention.staff, organisation=caf, role=MembershipRole.STAFF)
    with pytest.raises(NotAllowed) as refused:
        lifecycle.convention_transition(convention=convention, action=action, by=convention.staff, comment="Motif")
    assert "CAF" in str(refused.value)
    assert convention.status == ConventionStatus.IN_REVIEW
    assert not convention.versions.exists()


# --- The review's conditions -------------------------------------------------------------------------------


def test_requesting_changes_needs_an_open_comment():
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    with pytest.raises(TransitionRefused):
        lifecycle.convention_transition(
            convention=convention, action=LifecycleAction.REQUEST_CHANGES, by=convention.officer, comment="À reprendre"
        )
    resolved = open_comment(convention)
    resolved.resolved_at, resolved.resolved_by = timezone.now(), convention.officer
    resolved.save()
    with pytest.raises(TransitionRefused):
        lifecycle.convention_transition(
            convention=convention, action=LifecycleAction.REQUEST_CHANGES, by=convention.officer, comment="À reprendre"
        )
    assert convention.status == ConventionStatus.IN_REVIEW
    open_comment(convention)
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.REQUEST_CHANGES, by=convention.officer, comment="À reprendre"
    )
    assert convention.status == ConventionStatus.CHANGES_REQUESTED


def test_requesting_changes_needs_a_reason():
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    open_comment(convention)
    with pytest.raises(TransitionRefused):
        lifecycle.convention_transition(
            convention=convention, action=LifecycleAction.REQUEST_CHANGES, by=convention.officer, comment="   "
        )
    assert convention.status == ConventionStatus.IN_REVIEW


def test_approval_is_refused_while_comments_are_open():
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    open_comment(convention)
    open_comment(convention)
    with pytest.raises(TransitionRefused, match="2"):
        lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=convention.officer)
    assert convention.status == ConventionStatus.IN_REVIEW
    assert not convention.versions.exists()


def test_approval_takes_version_1_with_the_sha256_of_its_content_and_freezes_editing():
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    assert convention.get_abilities(convention.staff)["edit"] is False  # in review already
    expected_text = canonical_json(build_content(convention))
    change = lifecycle.convention_transition(
        convention=convention,
        action=LifecycleAction.APPROVE,
        by=convention.officer,
        expected_status=ConventionStatus.IN_REVIEW,
    )
    version = convention.approved_version
    assert version.number == 1
    assert version.content_json == expected_text
    assert version.content_sha256 == hashlib.sha256(version.content_json.encode("utf-8")).hexdigest()
    assert version.content_sha256 == sha256_of(expected_text)
    assert version.approved_by == convention.officer
    assert change.version == version
    assert convention.status == ConventionStatus.APPROVED
    assert convention.get_abilities(convention.staff)["edit"] is False


def test_resuming_drafting_makes_the_content_editable_again():
    convention = reviewed_convention(ConventionStatus.CHANGES_REQUESTED)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.RESUME_DRAFTING, by=convention.staff)
    assert convention.status == ConventionStatus.DRAFT
    assert convention.get_abilities(convention.staff)["edit"] is True


def test_withdrawing_sends_it_back_to_draft():
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.WITHDRAW, by=convention.staff)
    assert convention.status == ConventionStatus.DRAFT
    assert convention.approved_version is None


# --- Stale tabs and reasons --------------------------------------------------------------------------------


def test_a_stale_expected_status_is_refused_and_nothing_is_recorded():
    convention = reviewed_convention(ConventionStatus.IN_REVIEW)
    page_seen_by_officer = ConventionStatus.IN_REVIEW
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.WITHDRAW, by=convention.staff
    )  # meanwhile, in another tab
    before = StatusChange.objects.count()
    with pytest.raises(TransitionRefused, match=str(ConventionStatus.DRAFT.label)):
        lifecycle.convention_transition(
            convention=convention,
            action=LifecycleAction.APPROVE,
            by=convention.officer,
            expected_status=page_seen_by_officer,
        )
    assert StatusChange.objects.count() == before
    assert not ConventionVersion.objects.filter(convention=convention).exists()
    assert convention.status == ConventionStatus.DRAFT


def test_the_expected_status_follows_the_calendar():
    """A page showing « en vigueur » on a convention recorded as signed is not stale."""
    convention = reviewed_convention(ConventionStatus.SIGNED, period_start=datetime.date(2024, 1, 1))
    assert convention.current_status == ConventionStatus.IN_FORCE
    lifecycle.convention_transition(
        convention=convention,
        action=LifecycleAction.TERMINATE,
        by=convention.staff,
        comment="Fusion",
        expected_status=ConventionStatus.IN_FORCE,
    )
    assert convention.status == ConventionStatus.TERMINATED


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_terminating_needs_a_reason(reason):
    convention = reviewed_convention(ConventionStatus.SIGNED)
    with pytest.raises(TransitionRefused):
        lifecycle.convention_transition(
            convention=convention, action=LifecycleAction.TERMINATE, by=convention.staff, comment=reason
        )
    assert convention.status == ConventionStatus.SIGNED
    assert not StatusChange.objects.filter(action=LifecycleAction.TERMINATE).exists()


def test_terminating_with_a_reason_keeps_the_signed_version_and_the_reason():
    convention = reviewed_convention(ConventionStatus.SIGNED)
    signed = convention.signed_version
    change = lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.TERMINATE, by=convention.officer, comment="Fusion des EPCI"
    )
    assert convention.status == ConventionStatus.TERMINATED
    assert convention.signed_version == signed
    assert (change.comment, change.version) == ("Fusion des EPCI", signed)


# --- Avenants ----------------------------------------------------------------------------------------------


def test_opening_an_amendment_bumps_its_number_and_reopens_the_content_while_the_signed_version_stays():
    convention = reviewed_convention(ConventionStatus.SIGNED)
    signed = convention.signed_version
    change = lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.OPEN_AMENDMENT, by=convention.staff
    )
    assert convention.amendment_number == 1
    assert convention.status == ConventionStatus.DRAFT
    assert convention.signed_version == signed
    assert convention.get_abilities(convention.staff)["edit"] is True
    assert (change.version, change.amendment_number) == (signed, 1)


def test_a_second_approval_after_an_amendment_creates_version_2_and_leaves_version_1_untouched():
    convention = reviewed_convention(ConventionStatus.SIGNED)
    first = convention.signed_version
    first_text, first_hash = first.content_json, first.content_sha256
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.OPEN_AMENDMENT, by=convention.staff)
    Article.objects.filter(convention=convention, position=1).update(body="Texte modifié par l'avenant n° 1")
    make_ready_for_review(convention)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=convention.officer)
    second = convention.approved_version
    assert (second.number, second.amendment_number) == (2, 1)
    assert second.content_sha256 != first_hash
    assert "Texte modifié par l'avenant n° 1" in second.content_json
    first = ConventionVersion.objects.get(pk=first.pk)
    assert (first.content_json, first.content_sha256) == (first_text, first_hash)
    assert first.is_intact
    assert convention.signed_version == first  # the text in force until the avenant is signed


def scan():
    return SimpleUploadedFile("page.pdf", SCAN, content_type="application/pdf")


def test_a_whole_story_from_draft_to_signed_then_an_amendment_approved_as_version_2(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    convention = make_ready_for_review(
        reviewed_convention(period_start=datetime.date(2024, 1, 1)), epci_signing_order=2
    )
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff, now=paris(2025, 12, 1, 9, 0)
    )
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.APPROVE, by=convention.officer, now=paris(2025, 12, 5, 9, 0)
    )
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.OPEN_SIGNATURE, by=convention.staff, now=paris(2025, 12, 6, 9, 0)
    )
    version_1 = convention.approved_version
    for party in convention.parties.order_by("signing_order"):
        convention_record_paper_signature(
            convention=convention,
            party_id=party.pk,
            version_id=version_1.pk,
            by=convention.staff,
            signed_on=datetime.date(2025, 12, 10),
            place="Cahors",
            scan=scan(),
            now=paris(2025, 12, 11, 9, 0),
        )
    convention.refresh_from_db()
    assert (convention.status, convention.signed_version) == (ConventionStatus.SIGNED, version_1)

    lifecycle.convention_transition(
        convention=convention,
        action=LifecycleAction.OPEN_AMENDMENT,
        by=convention.staff,
        expected_status=ConventionStatus.IN_FORCE,
        now=paris(2026, 2, 1, 9, 0),
    )
    assert convention.status == ConventionStatus.DRAFT
    # The calendar had put it in force first: the timeline says so before the avenant.
    assert list(convention.status_changes.values_list("action", flat=True)) == [
        LifecycleAction.SUBMIT,
        LifecycleAction.APPROVE,
        LifecycleAction.OPEN_SIGNATURE,
        LifecycleAction.COMPLETE_SIGNATURE,
        LifecycleAction.ENTER_INTO_FORCE,
        LifecycleAction.OPEN_AMENDMENT,
    ]
    convention.articles.update(body="Les parties s'engagent, par le présent avenant, à ouvrir une crèche de plus.")
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.APPROVE, by=convention.officer)
    assert convention.approved_version.number == 2
    assert convention.signed_version == version_1
    assert ConventionVersion.objects.get(pk=version_1.pk).is_intact


# --- The calendar ------------------------------------------------------------------------------------------

START, END = datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)


@pytest.mark.parametrize(
    ("status", "day", "expected"),
    [
        (ConventionStatus.SIGNED, datetime.date(2023, 12, 31), ConventionStatus.SIGNED),
        (ConventionStatus.SIGNED, START, ConventionStatus.IN_FORCE),
        (ConventionStatus.SIGNED, END, ConventionStatus.IN_FORCE),
        (ConventionStatus.SIGNED, datetime.date(2028, 1, 1), ConventionStatus.EXPIRED),
        (ConventionStatus.IN_FORCE, datetime.date(2028, 1, 1), ConventionStatus.EXPIRED),
        (ConventionStatus.DRAFT, datetime.date(2028, 1, 1), ConventionStatus.DRAFT),
        (ConventionStatus.IN_REVIEW, START, ConventionStatus.IN_REVIEW),
        (ConventionStatus.TERMINATED, START, ConventionStatus.TERMINATED),
        (ConventionStatus.EXPIRED, START, ConventionStatus.EXPIRED),
    ],
)
def test_status_on_applies_the_calendar_to_signed_conventions_only(status, day, expected):
    convention = ConventionFactory.build(status=status, period_start=START, period_end=END)
    assert convention.status_on(day) == expected


def signed_on(moment: datetime.datetime):
    """A convention of 2024–2027 whose last signature was recorded at ``moment``."""
    convention = reviewed_convention(ConventionStatus.IN_SIGNATURE, period_start=START, period_end=END)
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.COMPLETE_SIGNATURE, by=convention.staff, now=moment
    )
    return convention


def test_catch_up_dates_the_entry_into_force_on_the_start_date_when_signed_before_it():
    convention = signed_on(paris(2023, 11, 20, 15, 0))
    changes = lifecycle.catch_up_calendar(convention, datetime.date(2024, 6, 1))
    assert [(c.action, c.occurred_at) for c in changes] == [(LifecycleAction.ENTER_INTO_FORCE, paris(2024, 1, 1))]
    assert (changes[0].actor, changes[0].version) == (None, convention.signed_version)
    assert convention.status == ConventionStatus.IN_FORCE


def test_catch_up_dates_the_entry_into_force_on_the_signature_when_signed_after_the_start():
    signature = paris(2024, 2, 14, 11, 30)
    convention = signed_on(signature)
    changes = lifecycle.catch_up_calendar(convention, datetime.date(2024, 6, 1))
    assert [(c.action, c.occurred_at) for c in changes] == [(LifecycleAction.ENTER_INTO_FORCE, signature)]


def test_catch_up_records_the_expiry_dated_the_day_after_the_end():
    convention = signed_on(paris(2023, 11, 20, 15, 0))
    changes = lifecycle.catch_up_calendar(convention, datetime.date(2028, 3, 1))
    assert [(c.action, c.occurred_at) for c in changes] == [
        (LifecycleAction.ENTER_INTO_FORCE, paris(2024, 1, 1)),
        (LifecycleAction.EXPIRE, paris(2028, 1, 1)),
    ]
    assert convention.status == ConventionStatus.EXPIRED


def test_catch_up_records_nothing_before_the_start():
    convention = signed_on(paris(2023, 11, 20, 15, 0))
    assert lifecycle.catch_up_calendar(convention, datetime.date(2023, 12, 31)) == []
    assert convention.status == ConventionStatus.SIGNED


def test_apply_calendar_transitions_is_idempotent():
    in_force = signed_on(paris(2023, 11, 20, 15, 0))
    expired = signed_on(paris(2023, 11, 21, 15, 0))
    expired.period_end = datetime.date(2025, 6, 30)
    expired.save()
    untouched = reviewed_convention(ConventionStatus.IN_REVIEW, period_start=START, period_end=END)
    today = datetime.date(2026, 1, 5)
    assert lifecycle.apply_calendar_transitions(today) == 3
    recorded = StatusChange.objects.count()
    assert lifecycle.apply_calendar_transitions(today) == 0
    assert StatusChange.objects.count() == recorded
    for convention, status in (
        (in_force, ConventionStatus.IN_FORCE),
        (expired, ConventionStatus.EXPIRED),
        (untouched, ConventionStatus.IN_REVIEW),
    ):
        convention.refresh_from_db()
        assert convention.status == status
