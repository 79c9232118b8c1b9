import datetime
from decimal import Decimal

import factory

from action_plans.choices import FundingStatus
from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from tests.conventions.factories import ConventionFactory, domain
from tests.partners.factories import OrganisationFactory, UserFactory


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    convention = factory.SubFactory(ConventionFactory)


class StrategicOrientationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicOrientation

    plan = factory.SubFactory(ActionPlanFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Orientation {n + 1}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    orientation = factory.SubFactory(StrategicOrientationFactory)
    code = factory.Sequence(lambda n: f"{n // 10 + 1}.{n % 10 + 1}")
    title = factory.Sequence(lambda n: f"Fiche action {n}")
    domain = factory.LazyFunction(lambda: domain("petite-enfance"))
    pilot = factory.LazyAttribute(lambda action: action.orientation.plan.convention.epci)
    start_date = datetime.date(2024, 1, 1)
    end_date = datetime.date(2025, 12, 31)


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLine

    action = factory.SubFactory(ActionFactory)
    funder = factory.SubFactory(OrganisationFactory, caf=True)
    year = 2024
    amount = Decimal("10000.00")
    status = FundingStatus.PLANNED


class EvaluationIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationIndicator

    action = factory.SubFactory(ActionFactory)
    label = "Nombre de familles accompagnées"
    unit = "familles"
    baseline = Decimal("10")
    target = Decimal("40")


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory)
    author = factory.SubFactory(UserFactory)
    reported_on = datetime.date(2024, 6, 30)
    progress = 25
    comment = "Premier comité de suivi tenu."
