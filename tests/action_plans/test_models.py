import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.forms import modelform_factory
from django.utils import translation

from action_plans.models import Action, FundingLine
from tests.action_plans.factories import ActionFactory, FundingLineFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("progress", [101, 250])
def test_database_refuses_progress_above_100(progress):
    with pytest.raises(IntegrityError):
        ActionFactory(progress=progress)


def test_database_refuses_a_progress_update_above_100():
    with pytest.raises(IntegrityError):
        ProgressUpdateFactory(progress=120)


def test_database_refuses_a_negative_amount():
    with pytest.raises(IntegrityError):
        FundingLineFactory(amount=Decimal("-1.00"))


def test_form_explains_a_negative_amount_in_french():
    line = FundingLineFactory()
    form_class = modelform_factory(FundingLine, fields=["action", "funder", "year", "amount", "status", "scheme"])
    with translation.override("fr"):
        form = form_class(
            data={
                "action": line.action.pk,
                "funder": line.funder.pk,
                "year": 2025,
                "amount": "-500",
                "status": "planned",
                "scheme": "",
            }
        )
        assert not form.is_valid()
        assert form.errors["__all__"] == ["Un montant ne peut pas être négatif."]


def test_full_clean_explains_progress_outside_0_100():
    action = ActionFactory.build(orientation=ActionFactory().orientation, progress=140)
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "progress" in error.value.message_dict


def test_database_refuses_an_action_ending_before_it_starts():
    with pytest.raises(IntegrityError):
        ActionFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2024, 1, 1))


def test_an_action_code_is_unique_within_its_orientation():
    action = ActionFactory(code="2.3")
    with pytest.raises(IntegrityError):
        ActionFactory(orientation=action.orientation, code="2.3")


def test_action_and_funding_changes_are_in_the_history():
    line = FundingLineFactory(amount=Decimal("1000.00"))
    line.amount = Decimal("1500.00")
    line.save()
    assert [record.amount for record in line.history.order_by("history_date")] == [
        Decimal("1000.00"),
        Decimal("1500.00"),
    ]
    action: Action = line.action
    action.progress = 40
    action.save()
    assert action.history.latest().progress == 40
