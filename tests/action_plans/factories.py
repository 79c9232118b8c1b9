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


def populated_plan(convention, *, size: int, lines_per_action: int = 2, indicators_per_action: int = 2):
    """A plan of ``size`` fiches over two orientations, each fiche with partners, needs, funding lines,
    indicators and progress updates: for query-count guards (3 vs 30 fiches must cost the same)."""
    from tests.diagnostics.factories import FindingFactory

    plan = ActionPlanFactory(convention=convention)
    orientations = [StrategicOrientationFactory(plan=plan), StrategicOrientationFactory(plan=plan)]
    need = FindingFactory(diagnostic__convention=convention)
    funders = [OrganisationFactory(caf=True), OrganisationFactory()]
    actions = []
    for number in range(size):
        action = ActionFactory(orientation=orientations[number % 2], code=f"{number % 2 + 1}.{number + 1}")
        action.partners.set([OrganisationFactory(), funders[1]])
        action.answered_needs.set([need])
        for line in range(lines_per_action):
            FundingLineFactory(action=action, funder=funders[line % 2], year=2024 + line)
        for _ in range(indicators_per_action):
            EvaluationIndicatorFactory(action=action)
        ProgressUpdateFactory(action=action)
        ProgressUpdateFactory(action=action, reported_on=datetime.date(2024, 9, 30), progress=50)
        actions.append(action)
    return plan, actions


# --- For the editing tests (orientations and fiches actions) ---------------------------------------


def convention_ready_for_editing(convention=None, **kwargs):
    """A draft convention (2024–2027) with two domains, a CAF and a commune among its parties, and a
    diagnostic with two needs and a strength; returns the convention."""
    from conventions.models import Convention
    from tests.conventions.factories import PartyFactory
    from tests.diagnostics.factories import FindingFactory

    if convention is None:
        convention = ConventionFactory(**kwargs)
    convention.domains.add(domain("petite-enfance"), domain("jeunesse"))
    parties = convention.parties.select_related("organisation")
    if not any(party.organisation.kind == "caf" for party in parties):
        PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True, name="CAF du Causse"))
    if not any(party.organisation.kind == "commune" for party in parties):
        PartyFactory(
            convention=convention,
            organisation=OrganisationFactory(commune=True, epci=convention.epci),
            signing_order=2,
        )
    if not hasattr(convention, "diagnostic"):
        FindingFactory(diagnostic__convention=convention, title="Manque de places d'accueil")
        convention = Convention.objects.get(pk=convention.pk)
    FindingFactory(
        diagnostic=convention.diagnostic, title="Peu d'offre pour les adolescents", domain=domain("jeunesse")
    )
    FindingFactory(diagnostic=convention.diagnostic, title="Un réseau associatif actif", strength=True)
    return convention
