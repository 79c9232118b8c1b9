"""No race writes into a frozen action plan, and no quick edit silently overwrites another one.

Deterministic interleavings run on any database; real concurrency (threads, row locks) needs
PostgreSQL (``tests.concurrency``): skipped on SQLite outside CI, a failure in CI.
"""

import time

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from action_plans.choices import ActionStatus
from action_plans.models import Action, StrategicOrientation
from action_plans.services import actions, monitoring, orientations
from action_plans.services.conflicts import EditConflict
from conventions.choices import ConventionStatus
from conventions.models import Convention
from conventions.permissions import plan_edit_refusal
from ctg_portal.errors import NotAllowed
from ctg_portal.typography import french_text
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory, convention_ready_for_editing
from tests.action_plans.test_editing_services import fiche_input, input_from
from tests.concurrency import domains_seeded, in_thread, require_postgresql, run_together  # noqa: F401 (a fixture)
from tests.partners.factories import MembershipFactory

HTMX = {"HX-Request": "true"}


def fr(message: str) -> str:
    with translation.override("fr"):
        return translation.gettext(message)


@pytest.fixture
def convention(db):
    return convention_ready_for_editing()


@pytest.fixture
def staff(convention):
    return MembershipFactory(organisation=convention.epci, user__first_name="Sophie", user__last_name="Lacombe").user


@pytest.fixture
def colleague(convention):
    return MembershipFactory(organisation=convention.epci, user__first_name="Marc", user__last_name="Delpech").user


@pytest.fixture
def fiche(convention):
    orientation = StrategicOrientationFactory(plan__convention=convention, position=1)
    return ActionFactory(orientation=orientation, code="1.1", status=ActionStatus.UPCOMING, progress=20)


def quick_edit_url(action) -> str:
    convention = action.orientation.plan.convention
    return reverse("action_plans:action_quick_edit", kwargs={"convention_pk": convention.pk, "pk": action.pk})


# --- Every contractual write re-checks the status under the lock ---------------------------------


def _writes(convention, fiche, staff):
    orientation = fiche.orientation
    return {
        "orientation_create": lambda: orientations.orientation_create(
            convention=convention, title="Nouvelle", by=staff
        ),
        "orientation_update": lambda: orientations.orientation_update(orientation=orientation, title="Après", by=staff),
        "orientation_move": lambda: orientations.orientation_move(orientation=orientation, direction="down", by=staff),
        "orientation_delete": lambda: orientations.orientation_delete(
            orientation=orientation, confirmed_action_ids=[fiche.pk], by=staff
        ),
        "action_create": lambda: actions.action_create(
            orientation=orientation, data=fiche_input(convention, code="1.2"), by=staff
        ),
        "action_update": lambda: actions.action_update(
            action=fiche, data=input_from(fiche, title="Titre changé"), expected_version=fiche.lock_version, by=staff
        ),
        "action_delete": lambda: actions.action_delete(action=fiche, by=staff),
        "action_move": lambda: actions.action_move(action=fiche, direction="up", by=staff),
    }


def _snapshot():
    return (
        sorted(StrategicOrientation.objects.values_list("pk", "title", "position")),
        sorted(Action.objects.values_list("pk", "code", "title", "position", "lock_version")),
    )


@pytest.mark.parametrize(
    "write",
    [
        "orientation_create",
        "orientation_update",
        "orientation_move",
        "orientation_delete",
        "action_create",
        "action_update",
        "action_delete",
        "action_move",
    ],
)
def test_a_write_prepared_before_a_submission_is_refused_after_it(convention, fiche, staff, write):
    """The objects the page loaded still say « brouillon »; the database says « en relecture »."""
    writes = _writes(convention, fiche, staff)
    before = _snapshot()
    Convention.objects.filter(pk=convention.pk).update(status=ConventionStatus.IN_REVIEW)
    assert fiche.orientation.plan.convention.status == ConventionStatus.DRAFT  # what the caller holds
    with pytest.raises(NotAllowed) as refusal:
        writes[write]()
    frozen = Convention.objects.get(pk=convention.pk)
    assert str(refusal.value) == plan_edit_refusal(frozen, {"edit": False, "follow_up": True})
    assert _snapshot() == before


def test_the_follow_up_stays_allowed_after_a_submission(convention, fiche, staff):
    Convention.objects.filter(pk=convention.pk).update(status=ConventionStatus.IN_REVIEW)
    monitoring.action_update_status_progress(
        action=fiche, status=ActionStatus.IN_PROGRESS, progress=40, expected_version=fiche.lock_version, by=staff
    )
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.IN_PROGRESS, 40)


def test_a_follow_up_write_by_someone_no_longer_staff_is_refused(convention, fiche, staff):
    """A membership removed since the page loaded: the write is refused, whatever the page showed."""
    staff.memberships.all().delete()
    staff = type(staff).objects.get(pk=staff.pk)  # no cached memberships: as a new request would see them
    with pytest.raises(NotAllowed):
        monitoring.action_update_status_progress(action=fiche, status=ActionStatus.DONE, progress=100, by=staff)
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.UPCOMING, 20)


# --- Quick edit of status and progress: no lost update --------------------------------------------


def test_a_stale_quick_edit_is_refused_by_the_service(fiche, staff, colleague):
    opened_on = fiche.lock_version
    monitoring.action_update_status_progress(
        action=fiche, status=ActionStatus.IN_PROGRESS, progress=55, expected_version=opened_on, by=colleague
    )
    with pytest.raises(EditConflict) as conflict:
        monitoring.action_update_status_progress(
            action=fiche, status=ActionStatus.DONE, progress=100, expected_version=opened_on, by=staff
        )
    assert conflict.value.current_version == opened_on + 1
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.IN_PROGRESS, 55)


def _open_quick_edit(client, fiche) -> str:
    """The quick-edit form as htmx fetches it; returns the version it carries."""
    form = client.get(quick_edit_url(fiche) + "?origin=plan", headers=HTMX).content.decode()
    marker = 'name="lock_version" value="'
    return form[form.index(marker) + len(marker) :].split('"', 1)[0]


def test_a_stale_quick_edit_tells_the_second_person_what_changed(client, fiche, staff, colleague):
    client.force_login(staff)
    version = _open_quick_edit(client, fiche)
    assert version == str(fiche.lock_version)
    # Meanwhile, a colleague saves the fiche's follow-up from another computer.
    monitoring.action_update_status_progress(
        action=fiche, status=ActionStatus.IN_PROGRESS, progress=55, expected_version=fiche.lock_version, by=colleague
    )
    saved_at = timezone.localtime(Action.history.filter(id=fiche.pk).latest().history_date)

    response = client.post(
        quick_edit_url(fiche),
        {"status": ActionStatus.DONE, "progress": "100", "origin": "plan", "lock_version": version},
        headers=HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 409
    expected = french_text(
        f"Cette fiche a été modifiée par Marc Delpech à {saved_at:%H:%M} : statut À venir → En cours, "
        "avancement 20 % → 55 % ; votre saisie n’a pas été enregistrée."
    )
    assert expected in content
    assert "<form" in content and '<option value="done" selected>' in content  # the user's input, kept
    assert f'name="lock_version" value="{fiche.lock_version + 1}"' in content  # now based on the current version
    assert fr("Save my version anyway") in content
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.IN_PROGRESS, 55)  # the colleague's save is intact
    assert fiche.history.latest().history_user == colleague


def test_saving_again_after_the_conflict_is_a_decision_that_goes_through(client, fiche, staff, colleague):
    client.force_login(staff)
    version = _open_quick_edit(client, fiche)
    monitoring.action_update_status_progress(
        action=fiche, status=ActionStatus.IN_PROGRESS, progress=55, expected_version=fiche.lock_version, by=colleague
    )
    data = {"status": ActionStatus.DONE, "progress": "100", "origin": "plan", "lock_version": version}
    conflict = client.post(quick_edit_url(fiche), data, headers=HTMX).content.decode()
    marker = 'name="lock_version" value="'
    current = conflict[conflict.index(marker) + len(marker) :].split('"', 1)[0]

    response = client.post(quick_edit_url(fiche), {**data, "lock_version": current}, headers=HTMX)

    assert response.status_code == 200
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.DONE, 100)


def test_a_stale_quick_edit_without_javascript_shows_the_message_on_the_fiche(client, fiche, staff, colleague):
    client.force_login(staff)
    version = fiche.lock_version
    monitoring.action_update_status_progress(
        action=fiche, status=ActionStatus.IN_PROGRESS, progress=55, expected_version=version, by=colleague
    )
    response = client.post(
        quick_edit_url(fiche), {"status": ActionStatus.DONE, "progress": "100", "lock_version": version}, follow=True
    )
    content = response.content.decode()
    detail = reverse(
        "action_plans:action_detail", kwargs={"convention_pk": fiche.orientation.plan.convention_id, "pk": fiche.pk}
    )
    assert response.redirect_chain[-1][0] == f"{detail}#suivi"
    assert "Cette fiche a été modifiée par Marc Delpech à " in content
    assert "votre saisie n’a pas été enregistrée." in content
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.IN_PROGRESS, 55)


def test_a_full_fiche_save_also_makes_an_open_quick_edit_stale(client, convention, fiche, staff, colleague):
    """The quick edit and the fiche form share one version: either one's save makes the other conflict."""
    client.force_login(staff)
    version = _open_quick_edit(client, fiche)
    actions.action_update(
        action=fiche,
        data=input_from(fiche, title="Micro-crèche de Pradines"),
        expected_version=fiche.lock_version,
        by=colleague,
    )
    response = client.post(
        quick_edit_url(fiche), {"status": ActionStatus.DONE, "progress": "100", "lock_version": version}, headers=HTMX
    )
    assert response.status_code == 409
    assert "Micro-crèche de Pradines" in response.content.decode()
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.UPCOMING, 20)


def test_a_quick_edit_without_its_version_is_refused_and_saves_nothing(client, fiche, staff):
    client.force_login(staff)
    response = client.post(quick_edit_url(fiche), {"status": ActionStatus.DONE, "progress": "100"}, headers=HTMX)
    assert response.status_code == 200
    assert fr("This form is incomplete: reload the page and enter your changes again.") in response.content.decode()
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.UPCOMING, 20)


# --- Real concurrency on PostgreSQL ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("domains_seeded")
def test_two_quick_edits_opened_on_the_same_version_save_exactly_one(convention, fiche, staff, colleague):
    require_postgresql()
    version = fiche.lock_version
    people = iter([(staff, ActionStatus.DONE, 100), (colleague, ActionStatus.IN_PROGRESS, 55)])

    def quick_edit():
        by, status, progress = next(people)
        action = Action.objects.select_related("orientation__plan__convention").get(pk=fiche.pk)
        return monitoring.action_update_status_progress(
            action=action, status=status, progress=progress, expected_version=version, by=by
        )

    outcomes = run_together(quick_edit, 2)

    assert sorted("result" in outcome for outcome in outcomes) == [False, True]
    refused = next(outcome["error"] for outcome in outcomes if "error" in outcome)
    assert isinstance(refused, EditConflict)
    saved = next(outcome["result"] for outcome in outcomes if "result" in outcome)
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress, fiche.lock_version) == (saved.status, saved.progress, version + 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("domains_seeded")
def test_a_fiche_edit_waits_for_a_submission_holding_the_lock_then_is_refused(convention, fiche, staff):
    require_postgresql()

    def edit():
        action = Action.objects.select_related("orientation__plan__convention").get(pk=fiche.pk)
        return actions.action_update(
            action=action, data=input_from(action, title="Trop tard"), expected_version=action.lock_version, by=staff
        )

    with transaction.atomic():
        # What a submission does first: lock the convention's row, then change its status.
        Convention.objects.select_for_update().get(pk=convention.pk)
        thread, outcome = in_thread(edit)
        time.sleep(0.5)
        assert thread.is_alive(), "the edit must wait for the convention's lock"
        Convention.objects.filter(pk=convention.pk).update(status=ConventionStatus.IN_REVIEW)
    thread.join(30)

    assert isinstance(outcome.get("error"), NotAllowed)
    fiche.refresh_from_db()
    assert fiche.title != "Trop tard"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("domains_seeded")
def test_a_follow_up_write_also_waits_for_the_convention_s_lock(convention, fiche, staff):
    require_postgresql()

    def quick_edit():
        action = Action.objects.select_related("orientation__plan__convention").get(pk=fiche.pk)
        return monitoring.action_update_status_progress(action=action, status=ActionStatus.DONE, progress=100, by=staff)

    with transaction.atomic():
        Convention.objects.select_for_update().get(pk=convention.pk)
        thread, outcome = in_thread(quick_edit)
        time.sleep(0.5)
        assert thread.is_alive(), "the follow-up write must wait for the convention's lock"
    thread.join(30)

    assert "error" not in outcome  # allowed once the lock is released: the follow-up stays open
    fiche.refresh_from_db()
    assert (fiche.status, fiche.progress) == (ActionStatus.DONE, 100)
