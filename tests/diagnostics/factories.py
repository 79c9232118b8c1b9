import datetime
from decimal import Decimal

import factory

from diagnostics.choices import FindingKind, IndicatorSource
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue
from tests.conventions.factories import ConventionFactory, domain


class DiagnosticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnostic

    convention = factory.SubFactory(ConventionFactory)
    summary = "Diagnostic partagé du territoire."


class IndicatorDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorDefinition
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"indicateur-{n}")
    label = factory.Sequence(lambda n: f"Indicateur {n}")
    unit = "enfants"
    source = IndicatorSource.CAF
    domain = factory.LazyFunction(lambda: domain("petite-enfance"))


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    diagnostic = factory.SubFactory(DiagnosticFactory)
    indicator = factory.SubFactory(IndicatorDefinitionFactory)
    territory = factory.LazyAttribute(lambda value: value.diagnostic.convention.epci)
    year = 2023
    value = Decimal("120")


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    diagnostic = factory.SubFactory(DiagnosticFactory)
    domain = factory.LazyFunction(lambda: domain("petite-enfance"))
    kind = FindingKind.NEED
    title = factory.Sequence(lambda n: f"Besoin n°{n}")

    class Params:
        strength = factory.Trait(kind=FindingKind.STRENGTH)
        weakness = factory.Trait(kind=FindingKind.WEAKNESS)


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    diagnostic = factory.SubFactory(DiagnosticFactory)
    held_on = datetime.date(2024, 2, 10)
    title = "Rencontre avec les gestionnaires d'accueils de loisirs"
