"""Builds a realistic convention for the page benchmarks, straight into the (throwaway) database.

One call gives a convention with its EPCI and twenty communes, its parties and a copil, a shared
diagnostic (findings and a year-by-territory grid of indicator values) and an action plan of any size
spread over six orientations, each fiche action with its funding lines (several funders and years),
evaluation indicators, progress updates, partners and answered needs.

Rows are written with ``bulk_create`` (a 600-action plan takes about a second), so they have no
django-simple-history rows: pages must not depend on the history to render. Every choice comes from a
seeded ``random.Random``, so two runs build the same data and a 60-action plan is a smaller copy of a
600-action one.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from stdnum import luhn

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import (
    Action,
    ActionPlan,
    EvaluationIndicator,
    FundingLine,
    ProgressUpdate,
    StrategicOrientation,
)
from conventions.choices import ConventionStatus, DraftingPhase, GovernanceBodyKind, PartyRole
from conventions.models import Convention, Domain, GovernanceBody, GovernanceMember, Party
from diagnostics.choices import FindingKind, IndicatorSource, Priority
from diagnostics.models import Consultation, Diagnostic, Finding, IndicatorDefinition, IndicatorValue
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership, Organisation, Representative

User = get_user_model()

COMMUNES_PER_EPCI = 20
ORIENTATION_COUNT = 6
PERIOD_START, PERIOD_END = datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)
YEARS = (2024, 2025, 2026, 2027)
INDICATOR_YEARS = (2021, 2022, 2023)

ORIENTATION_TITLES = (
    "Développer et adapter l'offre d'accueil du jeune enfant",
    "Structurer une offre enfance-jeunesse de qualité sur tout le territoire",
    "Accompagner les parents dans leur rôle éducatif",
    "Favoriser l'accès aux droits et l'inclusion numérique",
    "Animer la vie sociale et soutenir les initiatives des habitants",
    "Améliorer le logement et le cadre de vie des familles",
)
ACTION_TITLES = (
    "Créer une micro-crèche en milieu rural",
    "Ouvrir un relais petite enfance itinérant",
    "Harmoniser les tarifs des accueils de loisirs",
    "Mettre en place un point information jeunesse",
    "Développer les lieux d'accueil enfants-parents",
    "Organiser des cafés des parents dans les écoles",
    "Créer un espace France services mobile",
    "Former les agents d'accueil à l'accompagnement numérique",
    "Soutenir la création d'un espace de vie sociale",
    "Lutter contre la non-indécence des logements",
    "Accompagner les familles monoparentales vers l'emploi",
    "Coordonner les acteurs de la parentalité",
)
SCHEMES = ("Prestation de service", "Bonus territoire", "Fonds publics et territoires", "Subvention", "")
FINDING_TITLES = {
    FindingKind.STRENGTH: ("Un réseau associatif dense", "Des équipements récents", "Une coordination ancienne"),
    FindingKind.WEAKNESS: ("Une offre inégale selon les communes", "Des horaires peu adaptés", "Peu de mobilité"),
    FindingKind.NEED: (
        "Places d'accueil manquantes pour les moins de trois ans",
        "Information des familles sur leurs droits",
        "Activités pour les 11-17 ans hors vacances",
        "Soutien aux parents d'adolescents",
    ),
}
INDICATORS = (
    ("bench-enfants-moins-3-ans", "Enfants de moins de trois ans", "enfants", IndicatorSource.INSEE, "petite-enfance"),
    (
        "bench-places-eaje",
        "Places en établissement d'accueil du jeune enfant",
        "places",
        IndicatorSource.CAF,
        "petite-enfance",
    ),
    ("bench-taux-couverture", "Taux de couverture en accueil formel", "%", IndicatorSource.CAF, "petite-enfance"),
    (
        "bench-assistantes-maternelles",
        "Assistantes maternelles en activité",
        "personnes",
        IndicatorSource.DEPARTEMENT,
        "petite-enfance",
    ),
    ("bench-enfants-3-11-ans", "Enfants de 3 à 11 ans", "enfants", IndicatorSource.INSEE, "enfance"),
    ("bench-places-alsh", "Places en accueil de loisirs", "places", IndicatorSource.CAF, "enfance"),
    ("bench-jeunes-12-17-ans", "Jeunes de 12 à 17 ans", "jeunes", IndicatorSource.INSEE, "jeunesse"),
    ("bench-familles-monoparentales", "Familles monoparentales", "familles", IndicatorSource.CAF, "parentalite"),
    ("bench-allocataires", "Foyers allocataires", "foyers", IndicatorSource.CAF, "acces-aux-droits"),
    ("bench-bas-revenus", "Allocataires à bas revenus", "%", IndicatorSource.CAF, "acces-aux-droits"),
    ("bench-rsa", "Foyers allocataires du RSA", "foyers", IndicatorSource.CAF, "insertion"),
    (
        "bench-aides-logement",
        "Foyers percevant une aide au logement",
        "foyers",
        IndicatorSource.CAF,
        "logement-cadre-de-vie",
    ),
    (
        "bench-centres-sociaux",
        "Centres sociaux et espaces de vie sociale",
        "structures",
        IndicatorSource.CAF,
        "animation-vie-sociale",
    ),
    ("bench-population", "Population municipale", "habitants", IndicatorSource.INSEE, None),
)
LOREM = (
    "Le diagnostic partagé a montré un besoin que l'offre actuelle ne couvre pas. L'action réunit les "
    "partenaires autour d'objectifs communs, d'un calendrier et d'indicateurs suivis chaque année en comité "
    "de pilotage, afin de mesurer ce qui change pour les familles du territoire."
)


@dataclass
class BenchConvention:
    convention: Convention
    staff_user: object
    actions: int


def _siren(number: int) -> str:
    body = f"{number:08d}"
    return body + luhn.calc_check_digit(body)


def indicator_definitions_ensure() -> list[IndicatorDefinition]:
    domains = Domain.objects.in_bulk(field_name="code")
    definitions = []
    for code, label, unit, source, domain_code in INDICATORS:
        definition, _created = IndicatorDefinition.objects.get_or_create(
            code=code,
            defaults={"label": label, "unit": unit, "source": source, "domain": domains.get(domain_code)},
        )
        definitions.append(definition)
    return definitions


def fiche_actions(rng, *, orientations, domains, pilots, count: int, start: datetime.date) -> list[Action]:
    """``count`` fiches actions (unsaved), given to the orientations in turn; shared with the national build."""
    rows = []
    for number in range(count):
        orientation = orientations[number % len(orientations)]
        rank = number // len(orientations) + 1
        begins = start + datetime.timedelta(days=rng.randint(0, 700))
        rows.append(
            Action(
                orientation=orientation,
                code=f"{orientation.position}.{rank}",
                position=rank,
                title=f"{rng.choice(ACTION_TITLES)} ({rank})",
                domain=domains[number % len(domains)],
                objectives=LOREM,
                target_public="Familles du territoire, en particulier les parents de jeunes enfants.",
                pilot=rng.choice(pilots),
                start_date=begins,
                end_date=begins + datetime.timedelta(days=rng.randint(90, 700)),
                status=rng.choice(ActionStatus.values),
                progress=rng.randint(0, 100),
                priority=rng.choice(Priority.values),
            )
        )
    return rows


@dataclass
class FicheDetails:
    """The rows hanging from saved fiches, as dicts of field attnames (``Model(**row)`` or COPY)."""

    funding: list = field(default_factory=list)
    evaluation: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    answered: list = field(default_factory=list)


def fiche_details(rng, actions, *, funders, years, partner_pool, needs, author) -> FicheDetails:
    """Per saved fiche: 2 or 3 funding lines (funder and year drawn), 1 or 2 evaluation indicators, 1 to 3
    progress updates (``author()``: the author's id), 1 to 3 partners, 1 or 2 answered needs."""
    details = FicheDetails()
    for action in actions:
        pairs = [(funder, year) for funder in funders for year in years]
        for funder, year in rng.sample(pairs, rng.randint(2, 3)):
            details.funding.append(
                {
                    "action_id": action.pk,
                    "funder_id": funder.pk,
                    "scheme": rng.choice(SCHEMES),
                    "year": year,
                    "amount": Decimal(rng.randint(10, 900) * 100),
                    "status": rng.choice(FundingStatus.values),
                }
            )
        for position in range(rng.randint(1, 2)):
            baseline = rng.randint(0, 50)
            details.evaluation.append(
                {
                    "action_id": action.pk,
                    "label": "Familles accompagnées" if position == 0 else "Places créées",
                    "unit": "familles" if position == 0 else "places",
                    "baseline": Decimal(baseline),
                    "target": Decimal(baseline + rng.randint(5, 60)),
                    "current_value": Decimal(baseline + rng.randint(0, 40)),
                    "position": position,
                }
            )
        for number in range(rng.randint(1, 3)):
            details.updates.append(
                {
                    "action_id": action.pk,
                    "author_id": author(),
                    "reported_on": datetime.date(years[0], 6, 30) + datetime.timedelta(days=182 * number),
                    "progress": min(100, 20 * (number + 1)),
                    "comment": "Point d'étape présenté en comité technique. " + LOREM[:120],
                }
            )
        details.partners.extend(
            {"action_id": action.pk, "organisation_id": organisation.pk}
            for organisation in rng.sample(partner_pool, rng.randint(1, 3))
        )
        details.answered.extend(
            {"action_id": action.pk, "finding_id": finding.pk} for finding in rng.sample(needs, rng.randint(1, 2))
        )
    return details


def build_convention(*, index: int, actions: int, status: str = ConventionStatus.DRAFT) -> BenchConvention:
    """A convention numbered ``index`` (distinct SIRENs and INSEE codes) with a plan of ``actions``."""
    rng = random.Random(1000 + index)
    department = f"{10 + index:02d}"
    domains = list(Domain.objects.order_by("position")[:7])

    # --- Territory and partners ------------------------------------------------------------------
    epci = Organisation.objects.create(
        name=f"Communauté de communes du Banc d'Essai {index}",
        short_name=f"CC Banc d'Essai {index}",
        kind=OrganisationKind.EPCI,
        siren=_siren(20_000_000 + index * 100),
        population=45_000,
        department_code=department,
    )
    communes = Organisation.objects.bulk_create(
        Organisation(
            name=f"Commune {index}-{number:02d}",
            kind=OrganisationKind.COMMUNE,
            siren=_siren(21_000_000 + index * 100 + number),
            insee_code=f"{department}{number:03d}",
            population=rng.randint(300, 12_000),
            epci=epci,
            department_code=department,
        )
        for number in range(1, COMMUNES_PER_EPCI + 1)
    )
    caf, departement, state, msa, *associations = Organisation.objects.bulk_create(
        [
            Organisation(name=f"CAF du Banc d'Essai {index}", short_name=f"CAF {index}", kind=OrganisationKind.CAF),
            Organisation(name=f"Département {department}", kind=OrganisationKind.DEPARTEMENT),
            Organisation(name=f"Préfecture {department}", kind=OrganisationKind.STATE_SERVICE),
            Organisation(name=f"MSA {department}", kind=OrganisationKind.MSA),
            *(
                Organisation(
                    name=f"Association familiale {index}-{number}",
                    kind=OrganisationKind.SOCIAL_CENTRE if number % 3 == 0 else OrganisationKind.ASSOCIATION,
                )
                for number in range(1, 11)
            ),
        ]
    )
    funders = [caf, epci, departement, msa, *communes[:5]]
    pilots = [epci, *communes[:8], *associations[:4]]
    partner_pool = [caf, departement, state, msa, *communes, *associations]

    # --- Convention, parties, governance, the staff user who looks at the pages ------------------
    convention = Convention.objects.create(
        reference=f"CTG-BENCH-{index:03d}-{actions}",
        title=f"Convention territoriale globale — {epci.name}",
        epci=epci,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        status=status,
        drafting_phase=DraftingPhase.ACTION_PLAN,
    )
    convention.domains.set(domains)
    signatories = [epci, caf, *communes]
    representatives = Representative.objects.bulk_create(
        Representative(organisation=organisation, full_name=f"Élu·e {index}-{number}", title="Maire ou président·e")
        for number, organisation in enumerate([*signatories, departement, state])
    )
    Party.objects.bulk_create(
        [
            *(
                Party(
                    convention=convention,
                    organisation=organisation,
                    representative=representative,
                    role=PartyRole.SIGNATORY,
                    signing_order=1 if organisation in (epci, caf) else 2,
                )
                for organisation, representative in zip(signatories, representatives, strict=False)
            ),
            Party(convention=convention, organisation=departement, role=PartyRole.ASSOCIATE),
            Party(convention=convention, organisation=state, role=PartyRole.ASSOCIATE),
        ]
    )
    copil = GovernanceBody.objects.create(
        convention=convention, kind=GovernanceBodyKind.STEERING_COMMITTEE, name="Comité de pilotage"
    )
    GovernanceMember.objects.bulk_create(
        GovernanceMember(body=copil, representative=representative) for representative in representatives[:8]
    )
    staff_user = User.objects.create(username=f"bench.staff.{index}", first_name="Agent", last_name=f"EPCI {index}")
    Membership.objects.create(user=staff_user, organisation=epci, role=MembershipRole.STAFF)

    # --- Shared diagnostic -----------------------------------------------------------------------
    diagnostic = Diagnostic.objects.create(
        convention=convention,
        summary=LOREM,
        started_on=datetime.date(2023, 1, 9),
        completed_on=datetime.date(2023, 9, 29),
    )
    findings = Finding.objects.bulk_create(
        Finding(
            diagnostic=diagnostic,
            domain=domain,
            kind=kind,
            title=f"{title} ({domain.name.lower()})",
            detail=LOREM,
            priority=rng.choice(Priority.values),
            position=position,
        )
        for domain in domains[:6]
        for kind, titles in FINDING_TITLES.items()
        for position, title in enumerate(titles[: 3 if kind == FindingKind.NEED else 2])
    )
    needs = [finding for finding in findings if finding.kind == FindingKind.NEED]
    territories = [epci, *communes]
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            diagnostic=diagnostic,
            indicator=definition,
            territory=territory,
            year=year,
            value=Decimal(rng.randint(5, 5000)),
        )
        for definition in indicator_definitions_ensure()
        for territory in territories
        for year in INDICATOR_YEARS
    )
    consultations = Consultation.objects.bulk_create(
        Consultation(
            diagnostic=diagnostic,
            held_on=datetime.date(2023, 3, 1) + datetime.timedelta(days=21 * number),
            title=f"Rencontre des acteurs — {domain.name}",
            domain=domain,
            participants="Élus, techniciens, associations, parents",
            notes=LOREM,
        )
        for number, domain in enumerate(domains[:5])
    )
    Consultation.organisations.through.objects.bulk_create(
        Consultation.organisations.through(consultation=consultation, organisation=organisation)
        for consultation in consultations
        for organisation in rng.sample(partner_pool, 4)
    )

    # --- Action plan -----------------------------------------------------------------------------
    plan = ActionPlan.objects.create(convention=convention, summary=LOREM)
    orientations = StrategicOrientation.objects.bulk_create(
        StrategicOrientation(plan=plan, position=position, title=title, description=LOREM)
        for position, title in enumerate(ORIENTATION_TITLES, start=1)
    )
    action_rows = Action.objects.bulk_create(
        fiche_actions(rng, orientations=orientations, domains=domains, pilots=pilots, count=actions, start=PERIOD_START)
    )
    details = fiche_details(
        rng,
        action_rows,
        funders=funders,
        years=YEARS,
        partner_pool=partner_pool,
        needs=needs,
        author=lambda: staff_user.pk,
    )
    FundingLine.objects.bulk_create(FundingLine(**row) for row in details.funding)
    EvaluationIndicator.objects.bulk_create(EvaluationIndicator(**row) for row in details.evaluation)
    ProgressUpdate.objects.bulk_create(ProgressUpdate(**row) for row in details.updates)
    Action.partners.through.objects.bulk_create(Action.partners.through(**row) for row in details.partners)
    Action.answered_needs.through.objects.bulk_create(Action.answered_needs.through(**row) for row in details.answered)
    return BenchConvention(convention=convention, staff_user=staff_user, actions=actions)
