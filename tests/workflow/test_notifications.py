"""E-mail notices: who is told what, in French, written in the business transaction, sent once."""

import datetime
import smtplib
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from conventions import selectors
from conventions.choices import ConventionStatus, LifecycleAction, NotificationKind
from conventions.models import Convention, Notification, Party, ReviewComment
from partners.choices import MembershipRole
from tests.conventions.factories import (
    ArticleFactory,
    ConventionFactory,
    GovernanceBodyFactory,
    GovernanceMemberFactory,
    PartyFactory,
)
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory
from tests.pdfs import SCAN
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle, notifications, signing

pytestmark = pytest.mark.django_db

BASE_URL = "https://ctg.example.fr"
PDF = SCAN


@pytest.fixture(autouse=True)
def _notices_sent_in_process(settings, eager_celery):
    """These tests are about what is written and sent, not about the broker: tasks run in-process.

    (Delivery through Redis to a real worker is tested in test_tasks.py.)
    """
    settings.PORTAL_BASE_URL = BASE_URL


def french(text: str) -> str:
    """French typography puts non-breaking spaces around « » and before colons: compare with plain spaces."""
    return text.replace("\u00a0", " ")


@dataclass
class Cast:
    convention: Convention
    staff: object
    officer: object
    caf_party: Party
    epci_party: Party
    commune_party: Party
    caf_signer: object

    @property
    def url(self) -> str:
        return f"{BASE_URL}/conventions/{self.convention.pk}/"


@pytest.fixture
def cast():
    """A convention with the people each notice is for, and some it is not for.

    Signing order: the CAF (its director signs with her account's address) and the EPCI (its
    president has an address but no account) first, the commune second; a département is associate.
    """
    convention = ConventionFactory(title="Convention territoriale globale de L'Isle-sur-Lot")
    ArticleFactory(convention=convention)
    epci = convention.epci
    staff = MembershipFactory(organisation=epci, user__email="agent@epci.example.fr").user
    MembershipFactory(organisation=epci, user__email="")  # staff without an address: skipped
    MembershipFactory(organisation=epci, role=MembershipRole.READER, user__email="lecteur@epci.example.fr")
    MembershipFactory(organisation=epci, user__email="ancien@epci.example.fr", user__is_active=False)
    caf = OrganisationFactory(caf=True)
    officer = MembershipFactory(organisation=caf, user__email="relectrice@caf.example.fr").user
    MembershipFactory(organisation=caf, role=MembershipRole.READER, user__email="lecteur@caf.example.fr")
    MembershipFactory(organisation__caf=True, user__email="autre@caf-voisine.example.fr")  # not a party
    caf_signer = UserFactory(email="directrice@caf.example.fr")
    caf_party = PartyFactory(
        convention=convention,
        organisation=caf,
        representative=RepresentativeFactory(organisation=caf, email="", user=caf_signer, title="Directrice"),
    )
    epci_party = PartyFactory(
        convention=convention,
        organisation=epci,
        representative=RepresentativeFactory(organisation=epci, email="president@epci.example.fr"),
    )
    commune = OrganisationFactory(commune=True, epci=epci)
    commune_party = PartyFactory(
        convention=convention,
        organisation=commune,
        representative=RepresentativeFactory(organisation=commune, email="maire@commune.example.fr", title="Maire"),
        signing_order=2,
    )
    PartyFactory(convention=convention, organisation=OrganisationFactory(departement=True), associate=True)
    make_ready_for_review(convention)
    return Cast(convention, staff, officer, caf_party, epci_party, commune_party, caf_signer)


def sent(capture, action) -> dict[str, mail.EmailMessage]:
    """Runs ``action``, commits (the test's way), and returns the e-mails sent, by address."""
    mail.outbox.clear()
    with capture(execute=True):
        action()
    assert all(len(message.to) == 1 for message in mail.outbox)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert len(by_address) == len(mail.outbox), "someone got the same e-mail twice"
    return by_address


def submit(cast):
    lifecycle.convention_transition(convention=cast.convention, action=LifecycleAction.SUBMIT, by=cast.staff)


def approve(cast):
    submit(cast)
    lifecycle.convention_transition(convention=cast.convention, action=LifecycleAction.APPROVE, by=cast.officer)


def open_signature(cast):
    approve(cast)
    lifecycle.convention_transition(convention=cast.convention, action=LifecycleAction.OPEN_SIGNATURE, by=cast.staff)


def sign_on_paper(cast, party):
    signing.convention_record_paper_signature(
        convention=cast.convention,
        party_id=party.pk,
        version_id=cast.convention.approved_version_id,
        by=cast.staff,
        signed_on=timezone.localdate(),
        place="Cahors",
        scan=ContentFile(PDF, name="scan.pdf"),
    )


# --- Who is told what ---------------------------------------------------------------------------


def test_submission_tells_the_caf_officers_of_the_caf_party_only(cast, django_capture_on_commit_callbacks):
    mails = sent(django_capture_on_commit_callbacks, lambda: submit(cast))

    assert list(mails) == ["relectrice@caf.example.fr"]
    message = mails["relectrice@caf.example.fr"]
    reference = cast.convention.reference
    assert french(message.subject) == f"La convention {reference} vous est soumise pour relecture"
    body = french(message.body)
    assert body.startswith(f"Bonjour {cast.officer.get_full_name()},")
    assert "a soumis à votre relecture la convention « Convention territoriale globale de L'Isle-sur-Lot »" in body
    assert cast.url in body
    assert message.from_email == "Portail CTG <ne-pas-repondre@ctg.local>"


def test_text_is_not_html_escaped(cast, django_capture_on_commit_callbacks):
    mails = sent(django_capture_on_commit_callbacks, lambda: submit(cast))

    body = mails["relectrice@caf.example.fr"].body
    assert "L'Isle-sur-Lot" in body
    assert "&#x27;" not in body and "&quot;" not in body


def test_the_notice_is_recorded_in_the_outbox(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(cast)

    notice = Notification.objects.get()
    assert notice.kind == NotificationKind.SUBMITTED
    assert notice.recipient == cast.officer
    assert notice.email == "relectrice@caf.example.fr"
    assert notice.convention == cast.convention
    assert notice.sent_at is not None and notice.attempts == 1 and notice.last_error == ""


def test_nothing_is_sent_before_the_transaction_commits(cast, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(cast)

    assert mail.outbox == []
    assert len(callbacks) == 1
    assert Notification.objects.get().sent_at is None


def test_a_rolled_back_action_leaves_no_notice_and_sends_nothing(cast, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(cast)
        raise RuntimeError("something failed after the submission")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    cast.convention.refresh_from_db()
    assert cast.convention.status == ConventionStatus.DRAFT


def test_a_refused_action_sends_nothing(cast, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(lifecycle.TransitionRefused):
        lifecycle.convention_transition(
            convention=cast.convention, action=LifecycleAction.APPROVE, by=cast.officer
        )  # still a draft

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_request_for_changes_tells_the_staff_with_the_comment_and_the_open_count(
    cast, django_capture_on_commit_callbacks
):
    submit(cast)
    for body in ("Préciser l'article 2.", "Chiffrer la fiche 3."):
        ReviewComment.objects.create(convention=cast.convention, author=cast.officer, body=body)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention,
            action=LifecycleAction.REQUEST_CHANGES,
            by=cast.officer,
            comment="Deux points à reprendre avant approbation.",
        ),
    )

    assert list(mails) == ["agent@epci.example.fr"]
    message = mails["agent@epci.example.fr"]
    assert french(message.subject) == f"Modifications demandées sur la convention {cast.convention.reference}"
    body = french(message.body)
    assert f"{cast.officer.get_full_name()}, pour la CAF, demande des modifications" in body
    assert "Deux points à reprendre avant approbation." in body
    assert "2 commentaires de relecture restent ouverts." in body


def test_approval_tells_the_staff_with_the_version_hash(cast, django_capture_on_commit_callbacks):
    submit(cast)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention, action=LifecycleAction.APPROVE, by=cast.officer
        ),
    )

    assert list(mails) == ["agent@epci.example.fr"]
    message = mails["agent@epci.example.fr"]
    version = cast.convention.approved_version
    assert french(message.subject) == f"La convention {cast.convention.reference} est approuvée"
    assert f"Version {version.number} du texte, empreinte SHA-256 : {version.content_sha256}" in french(message.body)


def test_opening_the_signature_tells_the_first_signatories_only(cast, django_capture_on_commit_callbacks):
    approve(cast)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention, action=LifecycleAction.OPEN_SIGNATURE, by=cast.staff
        ),
    )

    # The CAF's director through her account's address, the EPCI's president at his own; not the
    # commune (second in order), not the associate, not the staff.
    assert sorted(mails) == ["directrice@caf.example.fr", "president@epci.example.fr"]
    message = mails["directrice@caf.example.fr"]
    assert french(message.subject) == f"À vous de signer la convention {cast.convention.reference}"
    body = french(message.body)
    assert f"C’est à vous de signer la convention « {cast.convention.title} »" in body
    assert f"au nom de {cast.caf_party.organisation.name}" in body
    assert cast.convention.approved_version.content_sha256 in body
    assert message.to == ["directrice@caf.example.fr"]
    assert Notification.objects.get(email="directrice@caf.example.fr").recipient == cast.caf_signer


def test_the_next_signatories_are_told_when_their_turn_begins(cast, django_capture_on_commit_callbacks):
    open_signature(cast)

    first = sent(django_capture_on_commit_callbacks, lambda: sign_on_paper(cast, cast.caf_party))
    second = sent(django_capture_on_commit_callbacks, lambda: sign_on_paper(cast, cast.epci_party))

    assert first == {}  # the EPCI, of the same order, was told when the signature opened
    assert list(second) == ["maire@commune.example.fr"]
    assert french(second["maire@commune.example.fr"].subject).startswith("À vous de signer")


def test_nobody_is_told_twice_that_it_is_their_turn(cast, django_capture_on_commit_callbacks):
    open_signature(cast)
    sign_on_paper(cast, cast.caf_party)

    notices = notifications.notify_signature_turns(
        cast.convention, cast.convention.approved_version, selectors.signing_states(convention=cast.convention)
    )

    assert notices == []
    assert Notification.objects.filter(kind=NotificationKind.SIGNATURE_TURN).count() == 2


def test_a_signatory_without_any_address_is_skipped(cast, django_capture_on_commit_callbacks):
    representative = cast.epci_party.representative
    representative.email = ""
    representative.save()
    approve(cast)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention, action=LifecycleAction.OPEN_SIGNATURE, by=cast.staff
        ),
    )

    assert list(mails) == ["directrice@caf.example.fr"]
    assert not Notification.objects.filter(email="").exists()


def test_a_decline_tells_the_staff_and_those_whose_signature_is_void(cast, django_capture_on_commit_callbacks):
    open_signature(cast)
    sign_on_paper(cast, cast.epci_party)
    version = cast.convention.approved_version

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: signing.convention_decline(
            convention=cast.convention,
            party_id=cast.caf_party.pk,
            version_id=version.pk,
            by=cast.caf_signer,
            reason="Le montant de l'article 4 ne correspond pas à la délibération.",
        ),
    )

    assert sorted(mails) == ["agent@epci.example.fr", "president@epci.example.fr"]
    reference = cast.convention.reference
    for message in mails.values():
        assert french(message.subject) == f"Signature refusée : la convention {reference} revient en brouillon"
        body = french(message.body)
        director = cast.caf_party.representative.full_name
        assert f"{director} ({cast.caf_party.organisation.name}) a refusé de signer" in body
        assert "Le montant de l'article 4 ne correspond pas à la délibération." in body
    assert "votre signature est désormais nulle" in french(mails["president@epci.example.fr"].body)
    assert "votre signature est désormais nulle" not in french(mails["agent@epci.example.fr"].body)
    assert "Toutes les signatures de cette version sont désormais nulles" in french(mails["agent@epci.example.fr"].body)


def test_a_decline_recorded_without_a_version_still_tells_the_staff(cast, django_capture_on_commit_callbacks):
    open_signature(cast)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention,
            action=LifecycleAction.DECLINE,
            by=cast.caf_signer,
            comment="Refus.",
            party=cast.caf_party,
        ),
    )

    assert list(mails) == ["agent@epci.example.fr"]
    assert "empreinte" not in mails["agent@epci.example.fr"].body


def test_the_approval_of_an_avenant_names_it(cast, django_capture_on_commit_callbacks):
    open_signature(cast)
    for party in (cast.caf_party, cast.epci_party, cast.commune_party):
        sign_on_paper(cast, party)
    lifecycle.convention_transition(convention=cast.convention, action=LifecycleAction.OPEN_AMENDMENT, by=cast.staff)
    cast.convention.articles.update(body="Les parties s'engagent, par avenant, à ouvrir une crèche de plus.")
    submit(cast)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention, action=LifecycleAction.APPROVE, by=cast.officer
        ),
    )

    version = cast.convention.approved_version
    assert version.number == 2
    expected = f"Version 2 du texte (avenant n° 1), empreinte SHA-256 : {version.content_sha256}"
    assert expected in french(mails["agent@epci.example.fr"].body)


def test_the_last_signature_tells_everyone_with_the_version_and_its_hash(cast, django_capture_on_commit_callbacks):
    open_signature(cast)
    sign_on_paper(cast, cast.caf_party)
    sign_on_paper(cast, cast.epci_party)

    mails = sent(django_capture_on_commit_callbacks, lambda: sign_on_paper(cast, cast.commune_party))

    assert sorted(mails) == [
        "agent@epci.example.fr",
        "directrice@caf.example.fr",
        "maire@commune.example.fr",
        "president@epci.example.fr",
        "relectrice@caf.example.fr",
    ]
    cast.convention.refresh_from_db()
    version = cast.convention.signed_version
    message = mails["maire@commune.example.fr"]
    assert french(message.subject) == f"La convention {cast.convention.reference} est signée par tous les signataires"
    body = french(message.body)
    assert version.content_sha256 in body
    mayor, commune = cast.commune_party.representative.full_name, cast.commune_party.organisation.name
    assert f"{mayor}, Maire, {commune} : signé sur papier à Cahors" in body
    assert Notification.objects.filter(kind=NotificationKind.FULLY_SIGNED).count() == 5


def test_one_email_per_address_when_someone_has_two_roles(cast, django_capture_on_commit_callbacks):
    # The EPCI's president also has a staff account with the same address (in capitals, even).
    MembershipFactory(organisation=cast.convention.epci, user__email="President@EPCI.example.fr")
    open_signature(cast)
    sign_on_paper(cast, cast.caf_party)
    sign_on_paper(cast, cast.epci_party)

    mails = sent(django_capture_on_commit_callbacks, lambda: sign_on_paper(cast, cast.commune_party))

    assert [address.lower() for address in mails].count("president@epci.example.fr") == 1


def test_termination_tells_staff_officers_and_signatories_with_the_reason(cast, django_capture_on_commit_callbacks):
    open_signature(cast)
    for party in (cast.caf_party, cast.epci_party, cast.commune_party):
        sign_on_paper(cast, party)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention,
            action=LifecycleAction.TERMINATE,
            by=cast.staff,
            comment="Fusion des deux intercommunalités au 1er janvier.",
        ),
    )

    assert sorted(mails) == [
        "agent@epci.example.fr",
        "directrice@caf.example.fr",
        "maire@commune.example.fr",
        "president@epci.example.fr",
        "relectrice@caf.example.fr",
    ]
    message = mails["relectrice@caf.example.fr"]
    assert french(message.subject) == f"La convention {cast.convention.reference} est résiliée"
    assert "Fusion des deux intercommunalités au 1er janvier." in message.body


def test_changes_nobody_needs_to_hear_about_send_nothing(cast, django_capture_on_commit_callbacks):
    submit(cast)

    mails = sent(
        django_capture_on_commit_callbacks,
        lambda: lifecycle.convention_transition(
            convention=cast.convention, action=LifecycleAction.WITHDRAW, by=cast.staff
        ),
    )

    assert mails == {}


def test_a_broker_outage_keeps_the_action_and_the_notice(cast, django_capture_on_commit_callbacks, monkeypatch):
    from ctg_portal.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr("workflow.tasks.send_notification.apply_async", broker_down)
    # Not monkeypatch: set up before the eager fixture, it would restore eager mode after it.
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submit(cast)  # the publish after the commit logs the failure instead of raising
    finally:
        app.conf.task_always_eager = eager

    cast.convention.refresh_from_db()
    assert cast.convention.status == ConventionStatus.IN_REVIEW
    assert Notification.objects.get().sent_at is None


def test_unsent_notices_are_queued_again_by_the_sweep(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        submit(cast)  # its task never runs, as if the broker had lost it
    notice = Notification.objects.get()
    given_up = Notification.objects.create(
        convention=cast.convention,
        kind=NotificationKind.SUBMITTED,
        email="x@example.org",
        subject="s",
        body="b",
        attempts=notifications.MAX_SEND_ATTEMPTS,
    )
    mail.outbox.clear()

    too_early = notifications.notifications_requeue_unsent()
    later = notifications.notifications_requeue_unsent(now=timezone.now() + datetime.timedelta(minutes=16))

    assert too_early == 0
    assert later == 1
    notice.refresh_from_db()
    given_up.refresh_from_db()
    assert notice.sent_at is not None and given_up.sent_at is None
    assert [m.to for m in mail.outbox] == [["relectrice@caf.example.fr"]]


def test_writing_notices_costs_the_same_queries_whatever_the_number_of_recipients(
    cast, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for index in range(8):
        MembershipFactory(organisation=cast.caf_party.organisation, user__email=f"relecteur{index}@caf.example.fr")
    change = lifecycle.convention_transition(convention=cast.convention, action=LifecycleAction.SUBMIT, by=cast.staff)
    Notification.objects.all().delete()

    # Who: one query; which keys exist: one; the insert: one. Rendering asks the database nothing.
    with django_assert_max_num_queries(3):
        notifications.on_status_change(change)

    assert Notification.objects.count() == 9


# --- Sending --------------------------------------------------------------------------------------


def a_notice(convention=None, **fields) -> Notification:
    return Notification.objects.create(
        convention=convention or ConventionFactory(),
        kind=NotificationKind.SUBMITTED,
        email="relectrice@caf.example.fr",
        subject="La convention vous est soumise",
        body="Bonjour,\n",
        **fields,
    )


def test_sending_twice_sends_one_email():
    notice = a_notice()
    mail.outbox.clear()

    first = notifications.notification_send(notification_id=notice.pk)
    second = notifications.notification_send(notification_id=notice.pk)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 1


def test_a_notice_already_marked_sent_is_not_sent():
    notice = a_notice(sent_at=timezone.now(), last_error="Not sent: demo history replayed by load_demo.")
    mail.outbox.clear()

    assert notifications.notification_send(notification_id=notice.pk) is False
    assert mail.outbox == []


def test_a_deleted_notice_is_not_an_error():
    assert notifications.notification_send(notification_id=987654) is False


def test_an_smtp_failure_is_recorded_and_raised_for_the_retry(flaky_smtp):
    notice = a_notice()
    flaky_smtp.failures_left = 1

    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.notification_send(notification_id=notice.pk)

    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert notice.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_later_attempt_sends_and_clears_the_error(flaky_smtp):
    notice = a_notice()
    flaky_smtp.failures_left = 1
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.notification_send(notification_id=notice.pk)
    mail.outbox.clear()

    assert notifications.notification_send(notification_id=notice.pk) is True

    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 2 and notice.last_error == ""
    assert len(mail.outbox) == 1


def test_a_very_long_address_still_fits_the_deduplication_key():
    address = "prenom.nom." + "x" * 200 + "@example.org"

    key = notifications.dedup_key("renewal", 12, "2027-12-31", address)

    assert len(key) <= 200
    assert key.startswith("renewal:12:2027-12-31:")
    assert key == notifications.dedup_key("renewal", 12, "2027-12-31", address.upper())


# --- Reminders ----------------------------------------------------------------------------------


def reminders_on(day_offset: int) -> int:
    return notifications.send_signature_reminders(today=timezone.localdate() + datetime.timedelta(days=day_offset))


def test_reminders_wait_the_configured_number_of_days(cast, settings):
    settings.SIGNATURE_REMINDER_DAYS = 7
    open_signature(cast)

    assert reminders_on(6) == 0
    assert reminders_on(7) == 2

    reminders = Notification.objects.filter(kind=NotificationKind.SIGNATURE_REMINDER)
    assert sorted(reminders.values_list("email", flat=True)) == [
        "directrice@caf.example.fr",
        "president@epci.example.fr",
    ]
    reminder = reminders.get(email="directrice@caf.example.fr")
    assert french(reminder.subject) == f"Rappel : la convention {cast.convention.reference} attend votre signature"
    assert "attend toujours votre signature" in french(reminder.body)


def test_reminders_are_not_sent_twice_the_same_day_and_then_wait_again(cast, settings):
    settings.SIGNATURE_REMINDER_DAYS = 7
    open_signature(cast)

    assert reminders_on(7) == 2
    assert reminders_on(7) == 0
    assert reminders_on(8) == 0
    assert reminders_on(13) == 0
    assert reminders_on(14) == 2


def test_reminders_follow_the_configured_interval(cast, settings):
    settings.SIGNATURE_REMINDER_DAYS = 3
    open_signature(cast)

    assert reminders_on(2) == 0
    assert reminders_on(3) == 2


def test_reminders_go_only_to_the_signatories_whose_turn_it_is(cast, settings):
    settings.SIGNATURE_REMINDER_DAYS = 7
    open_signature(cast)
    sign_on_paper(cast, cast.caf_party)  # the EPCI, same order, is still pending; the commune waits

    assert reminders_on(7) == 1
    assert Notification.objects.get(kind=NotificationKind.SIGNATURE_REMINDER).email == "president@epci.example.fr"


def test_a_signatory_whose_turn_just_began_is_not_reminded_at_once(cast, settings):
    settings.SIGNATURE_REMINDER_DAYS = 7
    open_signature(cast)
    sign_on_paper(cast, cast.caf_party)
    sign_on_paper(cast, cast.epci_party)  # the commune is told today

    assert reminders_on(6) == 0
    assert reminders_on(7) == 1
    assert Notification.objects.get(kind=NotificationKind.SIGNATURE_REMINDER).email == "maire@commune.example.fr"


def test_no_reminder_outside_the_signature(cast, settings):
    settings.SIGNATURE_REMINDER_DAYS = 7
    approve(cast)  # approved, signature not opened yet

    assert reminders_on(30) == 0


def test_reminders_are_queued_for_sending(cast, settings, django_capture_on_commit_callbacks):
    settings.SIGNATURE_REMINDER_DAYS = 7
    open_signature(cast)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reminders_on(7)

    assert sorted(m.to[0] for m in mail.outbox) == ["directrice@caf.example.fr", "president@epci.example.fr"]


# --- Renewal alerts -----------------------------------------------------------------------------


@pytest.fixture
def signed_convention():
    """Signed for 2024–2027, with its staff and a copil of two (one reached through an account)."""
    convention = ConventionFactory(status=ConventionStatus.SIGNED, period_end=datetime.date(2027, 12, 31))
    MembershipFactory(organisation=convention.epci, user__email="agent@epci.example.fr")
    copil = GovernanceBodyFactory(convention=convention)
    GovernanceMemberFactory(body=copil, representative=RepresentativeFactory(email="elue@commune.example.fr"))
    GovernanceMemberFactory(
        body=copil, representative=RepresentativeFactory(email="", user=UserFactory(email="directeur@caf.example.fr"))
    )
    GovernanceMemberFactory(body=copil, representative=RepresentativeFactory(email=""))  # no address at all
    cotech = GovernanceBodyFactory(convention=convention, technical=True)
    GovernanceMemberFactory(body=cotech, representative=RepresentativeFactory(email="technicien@epci.example.fr"))
    return convention


def alerts_on(day: datetime.date) -> int:
    return notifications.send_renewal_alerts(today=day)


def test_renewal_alert_goes_to_staff_and_copil_members_within_the_window(signed_convention, settings):
    settings.RENEWAL_ALERT_MONTHS = 6

    assert alerts_on(datetime.date(2027, 6, 30)) == 0  # six months ahead is 30 December
    assert alerts_on(datetime.date(2027, 7, 1)) == 3

    alerts = Notification.objects.filter(kind=NotificationKind.RENEWAL_ALERT)
    assert sorted(alerts.values_list("email", flat=True)) == [
        "agent@epci.example.fr",
        "directeur@caf.example.fr",
        "elue@commune.example.fr",
    ]
    alert = alerts.get(email="elue@commune.example.fr")
    reference = signed_convention.reference
    assert (
        french(alert.subject)
        == f"La convention {reference} prend fin le 31 décembre 2027 : préparez son renouvellement"
    )
    body = french(alert.body)
    assert "prend fin le 31 décembre 2027, dans 183 jours" in body
    assert "doit être renouvelée avant son échéance" in body


def test_renewal_alert_is_sent_once_per_convention_and_end_date(signed_convention):
    assert alerts_on(datetime.date(2027, 7, 1)) == 3
    assert alerts_on(datetime.date(2027, 7, 2)) == 0
    assert alerts_on(datetime.date(2027, 11, 1)) == 0

    # An avenant extends the convention: its new end date deserves a new alert, when it comes.
    Convention.objects.filter(pk=signed_convention.pk).update(period_end=datetime.date(2028, 6, 30))
    assert alerts_on(datetime.date(2027, 11, 1)) == 0
    assert alerts_on(datetime.date(2028, 1, 15)) == 3
    assert Notification.objects.filter(kind=NotificationKind.RENEWAL_ALERT).count() == 6


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2027, 7, 1), 6, datetime.date(2028, 1, 1)),
        (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 29)),
        (datetime.date(2027, 12, 15), 1, datetime.date(2028, 1, 15)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_one(day, months, expected):
    assert notifications.add_months(day, months) == expected


def test_renewal_alert_follows_the_configured_months(signed_convention, settings):
    settings.RENEWAL_ALERT_MONTHS = 3

    assert alerts_on(datetime.date(2027, 9, 30)) == 0
    assert alerts_on(datetime.date(2027, 10, 1)) == 3


@pytest.mark.parametrize(
    "status",
    [ConventionStatus.DRAFT, ConventionStatus.IN_SIGNATURE, ConventionStatus.EXPIRED, ConventionStatus.TERMINATED],
)
def test_no_renewal_alert_for_conventions_not_signed_or_over(status):
    convention = ConventionFactory(status=status, period_end=datetime.date(2027, 12, 31))
    MembershipFactory(organisation=convention.epci, user__email="agent@epci.example.fr")

    assert alerts_on(datetime.date(2027, 10, 1)) == 0


def test_no_renewal_alert_once_the_end_date_has_passed(signed_convention):
    # Still "signed" in the table (the daily task has not run), but the calendar says it expired.
    assert alerts_on(datetime.date(2028, 1, 1)) == 0


def test_renewal_alerts_are_queued_for_sending(signed_convention, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        alerts_on(datetime.date(2027, 7, 1))

    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent@epci.example.fr",
        "directeur@caf.example.fr",
        "elue@commune.example.fr",
    ]
