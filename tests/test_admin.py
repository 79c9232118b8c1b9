"""Every model has a working admin page, and the change history shows in it."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.action_plans.factories import FundingLineFactory
from tests.partners.factories import UserFactory

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"partners", "conventions", "diagnostics", "action_plans"}
)


@pytest.fixture
def admin_client_with_data(client, db):
    FundingLineFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_every_domain_model_is_in_the_admin():
    from django.apps import apps

    domain_models = {
        (model._meta.app_label, model._meta.model_name)
        for app in ("partners", "conventions", "diagnostics", "action_plans")
        for model in apps.get_app_config(app).get_models()
        if not model._meta.model_name.startswith("historical")
    }
    assert domain_models == set(MODEL_ADMINS)


@pytest.mark.parametrize(("app_label", "model_name"), MODEL_ADMINS)
def test_admin_changelist_and_add_pages_load(admin_client_with_data, app_label, model_name):
    client = admin_client_with_data
    assert client.get(reverse(f"admin:{app_label}_{model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 200


def test_history_of_a_funding_line_is_visible_in_the_admin(admin_client_with_data):
    from action_plans.models import FundingLine

    line = FundingLine.objects.get()
    line.amount = 999
    line.save()
    response = admin_client_with_data.get(reverse("admin:action_plans_fundingline_history", args=[line.pk]))
    assert response.status_code == 200
    records = list(response.context["page_obj"].object_list)
    assert [record.history_type for record in records] == ["~", "+"]
    assert records[0].amount == 999
