"""A version's frozen content made readable, for the version page, the signing page and the PDFs.

Works from the content dictionary alone (``ConventionVersion.content``), without a query, so every
rendering shows the exact text that was hashed. Every schema a version was ever frozen with stays
readable (``documents.snapshot`` lists them): keys a schema did not record are read with a default.
"""

import datetime
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString

from conventions.choices import PartyRole
from conventions.markup import render_markdown
from diagnostics.choices import FindingKind, Priority
from partners.choices import OrganisationKind


def _day(value: str | None) -> datetime.date | None:
    """A date of a version's content (ISO 8601 text), for the ``date`` filter."""
    return datetime.date.fromisoformat(value) if value else None


def _number(value: str | int | None) -> Decimal | None:
    """A decimal of a version's content (its exact digits as text), for ``floatformat``."""
    return None if value is None or value == "" else Decimal(str(value))


def _label(choices, value) -> str:
    """The French label of a stored choice, or the value itself if the choice has gone since."""
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def _funding_table(lines: list[dict]) -> dict:
    """Planned funding as a funder × year table with row, column and grand totals."""
    years = sorted({line["year"] for line in lines})
    rows: dict[str, dict] = {}
    for line in lines:
        row = rows.setdefault(line["funder"], {"funder": line["funder"], "schemes": [], "by_year": {}})
        if line.get("scheme") and line["scheme"] not in row["schemes"]:
            row["schemes"].append(line["scheme"])
        amount = _number(line["amount"]) or Decimal(0)
        row["by_year"][line["year"]] = row["by_year"].get(line["year"], Decimal(0)) + amount
    table_rows = [
        {
            "funder": row["funder"],
            "schemes": row["schemes"],
            "amounts": [row["by_year"].get(year) for year in years],
            "total": sum(row["by_year"].values(), Decimal(0)),
        }
        for row in sorted(rows.values(), key=lambda r: r["funder"])
    ]
    return {
        "years": years,
        "rows": table_rows,
        "year_totals": [sum((r["by_year"].get(year, Decimal(0)) for r in rows.values()), Decimal(0)) for year in years],
        "total": sum((r["total"] for r in table_rows), Decimal(0)),
    }


def _address_line(address: dict) -> str:
    """« 12 rue des Écoles, 46000 Cahors », or "" when no part is known."""
    town = " ".join(part for part in (address.get("postal_code", ""), address.get("city", "")) if part)
    return ", ".join(part for part in (address.get("street", ""), town) if part)


def readable_organisation(row: dict) -> dict:
    """An organisation of a version's content, with its legal identity (schema 2) or its name (schema 1)."""
    legal = row.get("legal_denomination") or row["name"]
    address = {"street": "", "postal_code": "", "city": "", **(row.get("address") or {})}
    return {
        **row,
        "display_name": row.get("short_name") or row["name"],
        "kind_label": _label(OrganisationKind, row["kind"]),
        "legal_denomination": legal,
        "article": row.get("article", ""),
        "legal_denomination_with_article": row.get("legal_denomination_with_article") or legal,
        "of_legal_denomination": row.get("of_legal_denomination", ""),
        "address": address,
        "address_line": _address_line(address),
    }


def readable_representative(row: dict | None) -> dict | None:
    """A signing representative, with civility, title with its article and delegation (schema 2)."""
    if row is None:
        return None
    return {
        **row,
        "civility": row.get("civility", ""),
        "name_with_civility": row.get("name_with_civility") or row["full_name"],
        "title": row.get("title", ""),
        "title_with_article": row.get("title_with_article") or row.get("title", ""),
        "delegation": row.get("delegation", ""),
    }


def article_html(body: str, *, schema: int) -> SafeString:
    """An article's body as HTML, the same on the version page and in the PDF: Markdown (sanitised by
    ``conventions.markup``) since schema 2; before, plain text whose line breaks are kept."""
    if schema >= 2:
        return render_markdown(body)
    return format_html('<p class="preserve-lines">{}</p>', body)


def readable_version_content(content: dict) -> dict:
    """A version's frozen content (``ConventionVersion.content``) ready for ``versions/_content.html``.

    Works from the dictionary alone, without a query, so the sign page, the version page and the
    PDF render the exact text that was hashed: dates and decimals parsed back from their canonical
    text, domain codes named from the version's own list, parties in signing order, funding totalled.
    """
    domain_names = {domain["code"]: domain["name"] for domain in content.get("domains", [])}

    def domain_name(code: str) -> str:
        return domain_names.get(code, code)

    schema = content.get("schema", 1)
    parties = [
        {
            **party,
            "organisation": readable_organisation(party["organisation"]),
            "representative": readable_representative(party.get("representative")),
            "signature_method": party.get("signature_method", ""),
            "deliberation_number": party.get("deliberation_number", ""),
            "deliberation_date": _day(party.get("deliberation_date")),
        }
        for party in content.get("parties", [])
    ]
    signatories = sorted(
        (party for party in parties if party["role"] == PartyRole.SIGNATORY),
        key=lambda party: (party["signing_order"] or 0, party["organisation"]["name"]),
    )
    rounds: dict[int, list] = {}
    for party in signatories:
        rounds.setdefault(party["signing_order"], []).append(party)

    diagnostic = content.get("diagnostic")
    if diagnostic is not None:
        by_domain: dict[str, dict] = {}
        for finding in diagnostic.get("findings", []):
            entry = by_domain.setdefault(
                finding["domain"],
                {"domain": domain_name(finding["domain"]), **{kind: [] for kind in FindingKind.values}},
            )
            entry.setdefault(finding["kind"], []).append(
                {**finding, "priority_label": _label(Priority, finding.get("priority"))}
            )
        diagnostic = {
            "summary": diagnostic.get("summary", ""),
            "started_on": _day(diagnostic.get("started_on")),
            "completed_on": _day(diagnostic.get("completed_on")),
            "findings_by_domain": [
                {
                    "domain": entry["domain"],
                    "strengths": entry[FindingKind.STRENGTH],
                    "weaknesses": entry[FindingKind.WEAKNESS],
                    "needs": entry[FindingKind.NEED],
                }
                for entry in by_domain.values()
            ],
        }

    plan = content.get("action_plan")
    if plan is not None:
        every_line = []
        orientations = []
        for orientation in plan.get("orientations", []):
            actions = []
            for action in orientation.get("actions", []):
                lines = action.get("planned_funding", [])
                every_line.extend(lines)
                actions.append(
                    {
                        **action,
                        "domain": domain_name(action["domain"]),
                        "start_date": _day(action.get("start_date")),
                        "end_date": _day(action.get("end_date")),
                        "priority_label": _label(Priority, action.get("priority")),
                        "funding": _funding_table(lines),
                        "evaluation_indicators": [
                            {
                                **indicator,
                                "baseline": _number(indicator["baseline"]),
                                "target": _number(indicator["target"]),
                            }
                            for indicator in action.get("evaluation_indicators", [])
                        ],
                    }
                )
            orientations.append({**orientation, "actions": actions})
        plan = {"summary": plan.get("summary", ""), "orientations": orientations, "funding": _funding_table(every_line)}

    period = content.get("period", {})
    # Schema 1 named the contract replaced in one line; schema 2 says its kind, reference and dates.
    predecessor = content.get("predecessor") or {"kind": content.get("replaces_contract", "")}
    return {
        "schema": schema,
        "reference": content.get("reference", ""),
        "title": content.get("title", ""),
        "amendment_number": content.get("amendment_number", 0),
        "epci": readable_organisation(content["epci"]),
        "period_start": _day(period.get("start")),
        "period_end": _day(period.get("end")),
        "replaces_contract": predecessor.get("kind", ""),
        "predecessor": {
            "kind": predecessor.get("kind", ""),
            "reference": predecessor.get("reference", ""),
            "start": _day(predecessor.get("start")),
            "end": _day(predecessor.get("end")),
        },
        "perimeter_note": content.get("perimeter_note", ""),
        # Schema 1 froze none of these: the closing formula is not shown for its versions.
        "signing_place": content.get("signing_place", ""),
        "original_copies": content.get("original_copies"),
        "competent_court": content.get("competent_court", ""),
        "domains": [{"territorial": False, **domain} for domain in content.get("domains", [])],
        "articles": [
            {**article, "body_html": article_html(article.get("body", ""), schema=schema)}
            for article in content.get("articles", [])
        ],
        "signing_rounds": [{"order": order, "parties": members} for order, members in rounds.items()],
        "signatory_count": len(signatories),
        "associates": [party for party in parties if party["role"] == PartyRole.ASSOCIATE],
        "diagnostic": diagnostic,
        "action_plan": plan,
    }
