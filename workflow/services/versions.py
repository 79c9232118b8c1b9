"""The signed text: a snapshot of the whole contractual content, serialised canonically and hashed.

The canonical serialisation is JSON with sorted keys, no insignificant whitespace, UTF-8 text (not
``\\u`` escapes), decimals as strings with their exact digits and dates in ISO 8601. The same content
always gives the same bytes, hence the same SHA-256, on any machine and any Python version, so a
version's hash can be recomputed from its stored ``content_json`` years later.

What is contractual: the convention's identity and period, domains, articles, parties and their
signing representatives, the diagnostic (summary and findings by domain) and the action plan
(orientations, fiches with pilot, partners, schedule, planned funding and evaluation targets).
What is not: follow-up data that staff keep updating after signature (fiche status and progress,
indicators' current values, funding status, progress reports, indicator values of the diagnostic).
"""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from action_plans.models import Action, FundingLine, StrategicOrientation
from conventions.models import Convention, ConventionVersion, GovernanceBody, GovernanceMember, Party
from diagnostics.models import Finding
from diagnostics.selectors import COMPUTED_DECIMALS, communes_of, indicator_tables

SNAPSHOT_SCHEMA = 1


def _json_default(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"Cannot serialise {type(value).__name__} in a convention version.")


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _organisation(organisation) -> dict:
    return {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "siren": organisation.siren,
        "insee_code": organisation.insee_code,
    }


def build_content(convention: Convention) -> dict:
    """The contractual content of ``convention`` as plain data (a fixed number of queries)."""
    parties = (
        Party.objects.filter(convention=convention)
        .select_related("organisation", "representative")
        .order_by("role", "signing_order", "organisation__name", "representative__full_name", "pk")
    )
    content = {
        "schema": SNAPSHOT_SCHEMA,
        "reference": convention.reference,
        "title": convention.title,
        "amendment_number": convention.amendment_number,
        "epci": _organisation(convention.epci),
        "period": {"start": convention.period_start, "end": convention.period_end},
        "replaces_contract": convention.replaces_contract,
        "perimeter_note": convention.perimeter_note,
        "domains": [{"code": d.code, "name": d.name} for d in convention.domains.order_by("position", "name")],
        "articles": [
            {"position": a.position, "title": a.title, "body": a.body} for a in convention.articles.order_by("position")
        ],
        "parties": [
            {
                "party_id": party.pk,
                "role": party.role,
                "signing_order": party.signing_order,
                "organisation": _organisation(party.organisation),
                "representative": (
                    {"full_name": party.representative.full_name, "title": party.representative.title}
                    if party.representative
                    else None
                ),
            }
            for party in parties
        ],
        "governance": _governance(convention),
        "diagnostic": None,
        "action_plan": None,
    }
    diagnostic = getattr(convention, "diagnostic", None)
    if diagnostic is not None:
        findings = Finding.objects.filter(diagnostic=diagnostic).select_related("domain")
        content["diagnostic"] = {
            "indicators": _indicators(diagnostic, convention),
            "summary": diagnostic.summary,
            "started_on": diagnostic.started_on,
            "completed_on": diagnostic.completed_on,
            "findings": [
                {
                    "domain": f.domain.code,
                    "kind": f.kind,
                    "title": f.title,
                    "detail": f.detail,
                    "priority": f.priority,
                }
                for f in findings.order_by("domain__position", "kind", "position", "pk")
            ],
        }
    plan = getattr(convention, "action_plan", None)
    if plan is not None:
        actions = (
            Action.objects.select_related("domain", "pilot")
            .prefetch_related(
                "partners",
                Prefetch("funding_lines", queryset=FundingLine.objects.select_related("funder")),
                "evaluation_indicators",
            )
            .order_by("position", "code", "pk")
        )
        orientations = StrategicOrientation.objects.filter(plan=plan).prefetch_related(
            Prefetch("actions", queryset=actions)
        )
        content["action_plan"] = {
            "summary": plan.summary,
            "orientations": [
                {
                    "position": o.position,
                    "title": o.title,
                    "description": o.description,
                    "actions": [_action(a) for a in o.actions.all()],
                }
                for o in orientations.order_by("position")
            ],
        }
    return content


def _governance(convention: Convention) -> list[dict]:
    bodies = GovernanceBody.objects.filter(convention=convention).prefetch_related(
        Prefetch(
            "members",
            queryset=GovernanceMember.objects.select_related("representative__organisation").order_by(
                "role", "representative__full_name", "pk"
            ),
        )
    )
    return [
        {
            "kind": body.kind,
            "name": body.name,
            "mission": body.mission,
            "members": [
                {
                    "full_name": m.representative.full_name,
                    "title": m.representative.title,
                    "organisation": m.representative.organisation.name,
                    "role": m.role,
                }
                for m in body.members.all()
            ],
        }
        for body in bodies.order_by("kind", "name", "pk")
    ]


def _indicators(diagnostic, convention: Convention) -> list[dict]:
    """The diagnostic's indicator tables as they stand at approval (typed-in and computed values)."""
    tables, _without_values = indicator_tables(
        diagnostic=diagnostic, convention=convention, communes=communes_of(convention)
    )
    step = Decimal(1).scaleb(-COMPUTED_DECIMALS)

    def number(value, computed):
        if value is None:
            return None
        # Typed-in values without their storage's trailing zeros ("42150", not "42150.000").
        return value.quantize(step) if computed else value.normalize()

    return [
        {
            "code": table.code,
            "label": table.definition.label,
            "unit": table.definition.unit,
            "source": table.definition.source,
            "domain": table.definition.domain.code if table.definition.domain else None,
            "formula": table.formula_text,
            "years": table.years,
            "rows": [
                {
                    "territory": row.territory.name,
                    "insee_code": row.territory.insee_code,
                    "is_epci": row.is_epci,
                    "values": [number(cell.value, table.is_computed) for cell in row.cells],
                }
                for row in table.rows
            ],
            "comments": table.comments,
        }
        for table in tables
    ]


def _action(action) -> dict:
    return {
        "code": action.code,
        "title": action.title,
        "domain": action.domain.code,
        "objectives": action.objectives,
        "target_public": action.target_public,
        "pilot": action.pilot.name,
        "partners": sorted(p.name for p in action.partners.all()),
        "start_date": action.start_date,
        "end_date": action.end_date,
        "priority": action.priority,
        "planned_funding": [
            {"funder": line.funder.name, "scheme": line.scheme, "year": line.year, "amount": line.amount}
            for line in sorted(action.funding_lines.all(), key=lambda ln: (ln.year, ln.funder.name, ln.scheme))
        ],
        "evaluation_indicators": [
            {"label": i.label, "unit": i.unit, "baseline": i.baseline, "target": i.target}
            for i in sorted(action.evaluation_indicators.all(), key=lambda i: (i.position, i.pk))
        ],
    }


def take_version(*, convention: Convention, by, now: datetime | None = None) -> ConventionVersion:
    """Freeze the convention's content now into a new immutable version (inside the caller's transaction)."""
    text = canonical_json(build_content(convention))
    last = convention.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ConventionVersion.objects.create(
        convention=convention,
        number=last + 1,
        amendment_number=convention.amendment_number,
        content_json=text,
        content_sha256=sha256_of(text),
        approved_by=by,
        approved_at=now or timezone.now(),
    )
