"""The follow-up services: EPCI staff only, whatever the convention's status; validated; in history."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import ProgressUpdate
from action_plans.services import monitoring
from conventions.choices import ConventionStatus
from ctg_portal.errors import NotAllowed
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    ProgressUpdateFactory,
)
from tests.conventions.factories import force_status
from tests.partners.factories import MembershipFactory

pytestmark = pytest.mark.django_db

FOLLOWERS = ["epci_staff"]
REFUSED = [
    "epci_reader",
    "caf_officer",
    "commune_staff",
    "copil_member",
    "signing_representative",
    "other_epci_staff",
    "other_caf_officer",
    "unrelated_user",
    "superuser",
]


@pytest.fixture
def action(world):
    convention, _users = world
    return ActionFactory(orientation__plan__convention=convention, progress=10)


def staff(action):
    return MembershipFactory(organisation=action.orientation.plan.convention.epci).user


# --- Status and progress ------------------------------------------------------------------------


def test_staff_set_status_and_progress(action):
    user = staff(action)
    monitoring.action_update_status_progress(action=action, status=ActionStatus.IN_PROGRESS, progress=60, by=user)
    action.refresh_from_db()
    assert (action.status, action.progress) == (ActionStatus.IN_PROGRESS, 60)
    latest = action.history.latest()
    assert latest.history_user == user
    assert (latest.status, latest.progress) == (ActionStatus.IN_PROGRESS, 60)


@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.SIGNED, ConventionStatus.IN_FORCE])
def test_monitoring_stays_open_once_the_convention_is_frozen(action, status):
    convention = action.orientation.plan.convention
    force_status(convention, status)
    monitoring.action_update_status_progress(action=action, status=ActionStatus.DONE, progress=100, by=staff(action))
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


@pytest.mark.parametrize("role", REFUSED)
def test_others_may_not_set_status_and_progress(world, action, role):
    _convention, users = world
    with pytest.raises(NotAllowed):
        monitoring.action_update_status_progress(action=action, status=ActionStatus.DONE, progress=100, by=users[role])
    action.refresh_from_db()
    assert action.progress == 10


@pytest.mark.parametrize("progress", [-1, 101, None])
def test_progress_out_of_range_is_refused(action, progress):
    with pytest.raises(ValidationError) as error:
        monitoring.action_update_status_progress(
            action=action, status=ActionStatus.IN_PROGRESS, progress=progress, by=staff(action)
        )
    assert "progress" in error.value.message_dict
    action.refresh_from_db()
    assert action.progress == 10


def test_an_unknown_status_is_refused(action):
    with pytest.raises(ValidationError) as error:
        monitoring.action_update_status_progress(action=action, status="finished", progress=50, by=staff(action))
    assert "status" in error.value.message_dict


def test_a_monitoring_write_claims_a_new_version_of_the_fiche(action):
    before = action.lock_version
    monitoring.action_update_status_progress(action=action, status=ActionStatus.DONE, progress=100, by=staff(action))
    action.refresh_from_db()
    assert action.lock_version == before + 1


# --- Progress updates ---------------------------------------------------------------------------


def test_a_progress_update_is_recorded_and_sets_the_fiche_progress(action):
    user = staff(action)
    update = monitoring.progress_update_create(
        action=action, reported_on=timezone.localdate(), progress=45, comment="  Comité tenu.  ", by=user
    )
    assert (update.author, update.progress, update.comment) == (user, 45, "Comité tenu.")
    action.refresh_from_db()
    assert action.progress == 45
    assert update.history.latest().history_user == user
    assert action.history.latest().history_user == user


def test_an_older_update_completes_the_timeline_without_moving_progress_back(action):
    ProgressUpdateFactory(action=action, reported_on=datetime.date(2025, 3, 1), progress=70)
    action.progress = 70
    action.save()
    monitoring.progress_update_create(
        action=action, reported_on=datetime.date(2025, 1, 1), progress=30, comment="", by=staff(action)
    )
    action.refresh_from_db()
    assert action.progress == 70
    assert action.progress_updates.count() == 2


def test_an_update_dated_in_the_future_is_refused(action):
    with pytest.raises(ValidationError) as error:
        monitoring.progress_update_create(
            action=action,
            reported_on=timezone.localdate() + datetime.timedelta(days=1),
            progress=50,
            by=staff(action),
        )
    assert "reported_on" in error.value.message_dict
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("progress", [-5, 150])
def test_an_update_with_progress_out_of_range_is_refused(action, progress):
    with pytest.raises(ValidationError):
        monitoring.progress_update_create(
            action=action, reported_on=timezone.localdate(), progress=progress, by=staff(action)
        )
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("role", REFUSED)
def test_others_may_not_add_a_progress_update(world, action, role):
    _convention, users = world
    with pytest.raises(NotAllowed):
        monitoring.progress_update_create(action=action, reported_on=timezone.localdate(), progress=5, by=users[role])
    assert not ProgressUpdate.objects.exists()


# --- Indicators ---------------------------------------------------------------------------------


def test_staff_set_and_clear_an_indicator_current_value(action):
    indicator = EvaluationIndicatorFactory(action=action)
    user = staff(action)
    monitoring.evaluation_indicator_update_current_value(indicator=indicator, current_value=Decimal("12.5"), by=user)
    indicator.refresh_from_db()
    assert indicator.current_value == Decimal("12.5")
    assert indicator.history.latest().history_user == user
    monitoring.evaluation_indicator_update_current_value(indicator=indicator, current_value=None, by=user)
    indicator.refresh_from_db()
    assert indicator.current_value is None


def test_an_indicator_value_too_large_is_refused(action):
    indicator = EvaluationIndicatorFactory(action=action)
    with pytest.raises(ValidationError):
        monitoring.evaluation_indicator_update_current_value(
            indicator=indicator, current_value=Decimal("123456789012345"), by=staff(action)
        )


@pytest.mark.parametrize("role", REFUSED)
def test_others_may_not_set_an_indicator_value(world, action, role):
    _convention, users = world
    indicator = EvaluationIndicatorFactory(action=action)
    with pytest.raises(NotAllowed):
        monitoring.evaluation_indicator_update_current_value(
            indicator=indicator, current_value=Decimal("3"), by=users[role]
        )
    indicator.refresh_from_db()
    assert indicator.current_value is None


# --- Funding lines ------------------------------------------------------------------------------


def test_staff_move_a_funding_line_along_its_statuses_and_back(action):
    line = FundingLineFactory(action=action)
    user = staff(action)
    for status in (FundingStatus.REQUESTED, FundingStatus.GRANTED, FundingStatus.PAID, FundingStatus.GRANTED):
        monitoring.funding_line_update_status(funding_line=line, status=status, by=user)
        line.refresh_from_db()
        assert line.status == status
    assert line.amount == Decimal("10000.00")
    assert line.history.latest().history_user == user


def test_a_funding_status_outside_the_list_is_refused(action):
    line = FundingLineFactory(action=action)
    with pytest.raises(ValidationError):
        monitoring.funding_line_update_status(funding_line=line, status="spent", by=staff(action))


def test_funding_status_stays_open_on_a_signed_convention(action):
    convention = action.orientation.plan.convention
    force_status(convention, ConventionStatus.SIGNED)
    line = FundingLineFactory(action=action)
    monitoring.funding_line_update_status(funding_line=line, status=FundingStatus.PAID, by=staff(action))
    line.refresh_from_db()
    assert line.status == FundingStatus.PAID


@pytest.mark.parametrize("role", REFUSED)
def test_others_may_not_change_a_funding_status(world, action, role):
    _convention, users = world
    line = FundingLineFactory(action=action)
    with pytest.raises(NotAllowed):
        monitoring.funding_line_update_status(funding_line=line, status=FundingStatus.PAID, by=users[role])
    line.refresh_from_db()
    assert line.status == FundingStatus.PLANNED
