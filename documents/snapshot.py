"""The contractual content of a convention as plain data, serialised canonically and hashed.

What a version freezes on approval (``workflow.services.versions.take_version``) and what the draft
PDF renders from the live convention (``documents.convention_pdf.render_draft_convention_pdf``): the
same function builds both, so a draft PDF shows exactly the text an approval would freeze. It lives
here rather than in ``workflow`` because the documents app renders it and may not import the workflow.

The canonical serialisation is JSON with sorted keys, no insignificant whitespace, UTF-8 text (not
``\\u`` escapes), decimals as strings with their exact digits and dates in ISO 8601. The same content
always gives the same bytes, hence the same SHA-256, on any machine and any Python version, so a
version's hash can be recomputed from its stored ``content_json`` years later.

What is contractual: the convention's identity and period, what it succeeds, where and in how many
copies it is signed, the competent court, domains, articles (placeholders filled in), parties with
their legal denomination, address, signing representative (civility, title, delegation), how they
sign and the deliberation authorising it, the diagnostic (summary and findings by domain) and the
action plan (orientations, fiches with pilot, partners, schedule, planned funding and evaluation
targets). What is not: follow-up data that staff keep updating after signature (fiche status and
progress, indicators' current values, funding status, progress reports, indicator values of the
diagnostic).

Schema history (``content["schema"]``); readers take every key with a default so that old versions
stay readable (``documents.version_content``):

1. the first one: organisations by name, representatives by name and title, article bodies as typed.
2. organisations' legal identity (denomination, article, address), representatives' civility, title
   with its article and delegation, parties' signature method and deliberation, the convention's
   signing place, copies, court and predecessor, domains marked when the territory created them,
   article bodies with their placeholders filled in (Markdown, rendered by ``conventions.markup``).
"""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch

from action_plans.models import Action, FundingLine, StrategicOrientation
from conventions.choices import PartyRole
from conventions.markup import TO_COMPLETE, placeholder_values, resolve_placeholders
from conventions.models import Convention, GovernanceBody, GovernanceMember, Party
from diagnostics.models import Finding
from diagnostics.selectors import COMPUTED_DECIMALS, communes_of, indicator_tables

SNAPSHOT_SCHEMA = 2

# Keys that say which edition a content is, not what it says: left out when two texts are compared
# (an avenant identical to the signed text). ``party_id`` is a row's id: a party removed and added
# again says the same thing.
EDITION_KEYS = frozenset({"schema", "amendment_number"})
ROW_ID_KEYS = frozenset({"party_id"})


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


def as_stored(content: dict) -> dict:
    """``content`` as a version stores and reads it back (dates and decimals as text)."""
    return json.loads(canonical_json(content))


def content_sha256(content: dict) -> str:
    """The SHA-256 of ``content``'s canonical serialisation (what a version of it would store)."""
    return sha256_of(canonical_json(content))


# --- Comparing two texts ----------------------------------------------------------------------------


def _without_ids(value):
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key not in ROW_ID_KEYS}
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    return value


def _common_shape(first, second) -> tuple:
    """``first`` and ``second`` reduced to the keys both have, recursively: two contents written by
    different schemas, compared on what both record (lists of unequal length stay unequal)."""
    if isinstance(first, dict) and isinstance(second, dict):
        keys = [key for key in first if key in second]
        pairs = {key: _common_shape(first[key], second[key]) for key in keys}
        return {key: pair[0] for key, pair in pairs.items()}, {key: pair[1] for key, pair in pairs.items()}
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        pairs = [_common_shape(a, b) for a, b in zip(first, second, strict=True)]
        return [pair[0] for pair in pairs], [pair[1] for pair in pairs]
    return first, second


def _what_it_says(content: dict) -> dict:
    """``content`` without the amendment number, the schema and row ids."""
    return _without_ids({key: value for key, value in content.items() if key not in EDITION_KEYS})


def same_text(draft: dict, signed: dict) -> bool:
    """Whether ``draft`` says exactly what ``signed`` (a version's frozen content) says, whatever the
    edition (amendment number, schema, row ids). Contents of different schemas are compared on what
    both record: what an older portal could not freeze cannot differ from it."""
    first, second = _what_it_says(draft), _what_it_says(signed)
    if draft.get("schema", 1) != signed.get("schema", 1):
        first, second = _common_shape(first, second)
    return content_sha256(first) == content_sha256(second)


# --- Building the content ---------------------------------------------------------------------------


def _organisation(organisation) -> dict:
    return {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "siren": organisation.siren,
        "insee_code": organisation.insee_code,
        "legal_denomination": organisation.legal_denomination,
        "article": organisation.article,
        "legal_denomination_with_article": organisation.legal_denomination_with_article,
        "of_legal_denomination": organisation.of_legal_denomination,
        "address": {
            "street": organisation.address,
            "postal_code": organisation.postal_code,
            "city": organisation.city,
        },
    }


def _representative(representative) -> dict | None:
    if representative is None:
        return None
    return {
        "full_name": representative.full_name,
        "civility": representative.civility,
        "name_with_civility": representative.name_with_civility,
        "title": representative.title,
        "title_with_article": representative.title_with_article,
        "delegation": representative.delegation,
    }


def _party(party) -> dict:
    return {
        "party_id": party.pk,
        "role": party.role,
        "signing_order": party.signing_order,
        "signature_method": party.signature_method,
        "deliberation_number": party.deliberation_number,
        "deliberation_date": party.deliberation_date,
        "organisation": _organisation(party.organisation),
        "representative": _representative(party.representative),
    }


def _known(value) -> str:
    """A placeholder's value, or "" when the convention does not know it yet (« [à compléter : …] »)."""
    return "" if not isinstance(value, str) or value.startswith(TO_COMPLETE) else value


def _signing_place(convention: Convention) -> str:
    """« Fait à … »: the place the convention names, else the intercommunality's seat (its city)."""
    return (convention.signing_place or convention.epci.city or "").strip()


def build_content(convention: Convention) -> dict:
    """The contractual content of ``convention`` as plain data (a fixed number of queries)."""
    parties = list(
        Party.objects.filter(convention=convention)
        .select_related("organisation", "representative")
        .order_by("role", "signing_order", "organisation__name", "representative__full_name", "pk")
    )
    signatories = [party for party in parties if party.role == PartyRole.SIGNATORY]
    values = placeholder_values(convention)
    content = {
        "schema": SNAPSHOT_SCHEMA,
        "reference": convention.reference,
        "title": convention.title,
        "amendment_number": convention.amendment_number,
        "epci": _organisation(convention.epci),
        "period": {"start": convention.period_start, "end": convention.period_end},
        "predecessor": {
            "kind": convention.replaces_contract,
            "reference": convention.predecessor_reference,
            "start": convention.predecessor_start,
            "end": convention.predecessor_end,
        },
        "perimeter_note": convention.perimeter_note,
        "signing_place": _signing_place(convention),
        # « en N exemplaires originaux »: as the convention says, else one per signatory.
        "original_copies": convention.original_copies or len(signatories),
        # The court the convention names, else the one of the intercommunality's département.
        "competent_court": _known(values.get("tribunal", "")),
        "domains": [
            {"code": d.code, "name": d.name, "territorial": d.territory_id is not None}
            for d in convention.domains.order_by("position", "name")
        ],
        "articles": [
            {"position": a.position, "title": a.title, "body": resolve_placeholders(a.body, values)}
            for a in convention.articles.order_by("position")
        ],
        "parties": [_party(party) for party in parties],
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
