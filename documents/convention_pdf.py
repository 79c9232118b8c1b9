"""The convention as a PDF document of record: the text of one version, and once signed, its signatures.

Everything contractual comes from the version's frozen content (``ConventionVersion.content``), never
from the live convention, so the PDF of version 1 is the text that was signed even after an avenant.
Only the signature page and the audit trail (``signed=True``) read the records of what happened to that
version: its signatures and the convention's timeline up to the last signature.

Every PDF the portal issues is signed with the portal's certificate (PAdES, ``pdf_signature.sign_pdf``)
so that anyone can check later that it came from the portal unmodified. Its metadata keywords
(``ctg-reference=…; ctg-version=…; ctg-version-sha256=…; ctg-kind=…``) name the version it shows, so the
verification page can say which convention and version a copy claims to be.

The draft PDF (``render_draft_convention_pdf``) is the exception: it renders the live convention's
content, built exactly as an approval would freeze it (``documents.snapshot``), so the text can
circulate before approval; « PROJET » marks every page and its keywords name the fingerprint of the
text it shows (``ctg-draft-sha256=…``) instead of a version.
"""

import datetime
import hashlib
import json
import warnings
from decimal import Decimal
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override
from weasyprint import Attachment

from conventions.choices import (
    ConventionStatus,
    DocumentKind,
    GovernanceBodyKind,
    GovernanceMemberRole,
    LifecycleAction,
    SignatureMethod,
)
from conventions.formats import long_date
from conventions.models import Convention, ConventionVersion, Signature, StatusChange
from conventions.selectors import version_is_signed
from diagnostics import charts
from diagnostics.selectors import format_number
from documents import legal_wording
from documents.pdf_signature import sign_pdf
from documents.rendering import DocumentRenderError, html_to_pdf
from documents.snapshot import build_content, canonical_json, sha256_of
from documents.version_content import readable_version_content
from partners import grammar
from partners.choices import Civility, OrganisationKind

# PDF/A-3a: archival PDF (fonts embedded, colour profile, XMP metadata) that pdfsig and pyHanko still
# validate once signed, and tagged (level A: structure tree, language, alternative texts; the renderer's
# finisher completes them, see documents.rendering); set to None to produce a plain PDF.
PDF_VARIANT = "pdf/a-3a"

# Past this many communes the comparison chart keeps the first ones (the table lists them all).
MAX_CHART_BARS = 15


def document_keywords(*, reference: str, version_number: int, version_sha256: str, kind: str) -> str:
    """The PDF keywords that identify the version a document shows (read back by the verification)."""
    return (
        f"ctg-reference={reference}; ctg-version={version_number}; ctg-version-sha256={version_sha256}; ctg-kind={kind}"
    )


def verification_url(version: ConventionVersion) -> str:
    """The portal's verification page, with the convention and version the document claims to be."""
    path = reverse("documents:verify")
    query = urlencode({"reference": version.convention.reference, "version": version.number})
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}?{query}"


def qr_code_svg(url: str) -> str:
    """A QR code of ``url`` as inline SVG (no image file, no network)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#1d1d1b", omitsize=False)


# The charts' colours: WeasyPrint styles an inline SVG from its own <style>, not from the page's sheet.
CHART_STYLE = (
    "<style>.chart-bar{fill:#1f4e79}.chart-label,.chart-value{fill:#1d1d1b;font-size:8pt;"
    "font-family:'Liberation Sans','DejaVu Sans',sans-serif}.chart-axis{stroke:#9aa3ad;stroke-width:1}</style>"
)


def _print_chart(svg: str) -> str:
    """A chart of ``diagnostics.charts`` with its print colours inside it."""
    head, _sep, rest = str(svg).partition(">")
    return mark_safe(f"{head}>{CHART_STYLE}{rest}")  # the chart's own escaped markup, plus a constant


def _with_long_dates(document: dict) -> dict:
    """``readable_content``'s document with its dates written out (``*_text``) for the PDF."""
    document = {
        **document,
        "period_start_text": long_date(document["period_start"]),
        "period_end_text": long_date(document["period_end"]),
    }
    plan = document.get("action_plan")
    if plan:
        document["action_plan"] = {
            **plan,
            "orientations": [
                {
                    **orientation,
                    "actions": [
                        {
                            **action,
                            "start_text": long_date(action.get("start_date")),
                            "end_text": long_date(action.get("end_date")),
                        }
                        for action in orientation["actions"]
                    ],
                }
                for orientation in plan["orientations"]
            ],
        }
    return document


def _decimal(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _indicator_tables(diagnostic: dict | None) -> list[dict]:
    """The snapshot's indicator tables with French numbers and the same charts as the diagnostic pages."""
    if not diagnostic:
        return []
    tables = []
    for indicator in diagnostic.get("indicators", []):
        years = [int(year) for year in indicator.get("years", [])]
        unit = indicator.get("unit") or ""
        rows = []
        for row in indicator.get("rows", []):
            values = [_decimal(value) for value in row.get("values", [])]
            rows.append(
                {
                    "territory": row.get("territory", ""),
                    "is_epci": row.get("is_epci", False),
                    "values": values,
                    "cells": [format_number(value) if value is not None else "—" for value in values],
                }
            )
        years_chart = communes_chart = None
        epci_row = next((row for row in rows if row["is_epci"]), None)
        if epci_row is not None:
            points = [
                (str(year), value) for year, value in zip(years, epci_row["values"], strict=False) if value is not None
            ]
            if len(points) >= 2:
                years_chart = {
                    "title": _("%(territory)s, year by year") % {"territory": epci_row["territory"]},
                    "svg": _print_chart(
                        charts.columns(
                            title=_("%(label)s — %(territory)s, year by year")
                            % {"label": indicator["label"], "territory": epci_row["territory"]},
                            columns=points,
                            unit=unit,
                            formatter=format_number,
                        )
                    ),
                }
        commune_rows = [row for row in rows if not row["is_epci"]]
        for index in range(len(years) - 1, -1, -1):
            bars = [
                (row["territory"], row["values"][index]) for row in commune_rows if row["values"][index] is not None
            ]
            if len(bars) >= 2:
                bars.sort(key=lambda bar: bar[1], reverse=True)
                communes_chart = {
                    "title": _("Communes compared in %(year)s") % {"year": years[index]},
                    "truncated": len(bars) > MAX_CHART_BARS,
                    "shown": min(len(bars), MAX_CHART_BARS),
                    "svg": _print_chart(
                        charts.horizontal_bars(
                            title=_("%(label)s — communes compared in %(year)s")
                            % {"label": indicator["label"], "year": years[index]},
                            bars=bars[:MAX_CHART_BARS],
                            unit=unit,
                            formatter=format_number,
                        )
                    ),
                }
                break
        tables.append(
            {
                "code": indicator.get("code", ""),
                "label": indicator.get("label", ""),
                "unit": unit,
                "source": indicator.get("source") or "",
                "formula": indicator.get("formula") or "",
                "comments": indicator.get("comments") or [],
                "years": years,
                "rows": rows,
                # Many years do not fit a portrait page: the table turns to landscape.
                "wide": len(years) > 7,
                "years_chart": years_chart,
                "communes_chart": communes_chart,
            }
        )
    return tables


def _deliberation(organisation: dict) -> str | None:
    """Whose délibération authorised an organisation to sign (the « Vu la délibération … » line), worded
    with the French contraction (« du conseil municipal de Cahors »); None for State services, which sign
    by delegation without a deliberative body."""
    name = organisation["name"]
    kind = organisation.get("kind")
    if kind == OrganisationKind.STATE_SERVICE:
        return None
    if kind == OrganisationKind.COMMUNE:
        return _("of the municipal council of %(name)s") % {"name": name}
    wording = {
        OrganisationKind.CAF: _("of the board of directors (%(name)s)"),
        OrganisationKind.MSA: _("of the board of directors (%(name)s)"),
        OrganisationKind.EPCI: _("of the community council (%(name)s)"),
        OrganisationKind.DEPARTEMENT: _("of the departmental council (%(name)s)"),
    }.get(kind, _("of the deliberative body (%(name)s)"))
    return wording % {"name": name}


def _choice_label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:  # a choice removed since the version was frozen: its stored value
        return str(value)


# A governance role beside a named person agrees with their civility; unknown, the role is named as a
# function (« Présidence »), never « Président(e) ». Written in French: the deed's own words.
_ROLE_WORDS = {
    GovernanceMemberRole.CHAIR: {Civility.MADAME: "Présidente", Civility.MONSIEUR: "Président", "": "Présidence"},
    GovernanceMemberRole.CO_CHAIR: {
        Civility.MADAME: "Coprésidente",
        Civility.MONSIEUR: "Coprésident",
        "": "Coprésidence",
    },
}


def _role_label(member: dict, civility: str) -> str:
    words = _ROLE_WORDS.get(member.get("role"))
    if words is None:
        return _choice_label(GovernanceMemberRole, member.get("role"))
    return words.get(civility) or words[""]


def _governance(bodies: list[dict], signatories: list[dict]) -> list[dict]:
    """The governance bodies; a member's civility is the one frozen for the same person representing the
    same organisation among the signatories (the version freezes no civility for governance members)."""
    civilities = {
        (party["representative"].get("full_name"), party["organisation"].get("name")): party["representative"].get(
            "civility", ""
        )
        for party in signatories
        if party.get("representative")
    }
    return [
        {
            **body,
            "kind_label": _choice_label(GovernanceBodyKind, body.get("kind")),
            "members": [
                {
                    **member,
                    "role_label": _role_label(
                        member, civilities.get((member.get("full_name"), member.get("organisation")), "")
                    ),
                }
                for member in body.get("members", [])
            ],
        }
        for body in bodies
    ]


def _signatories(document: dict) -> list[dict]:
    return [party for round_ in document["signing_rounds"] for party in round_["parties"]]


# A paper signature's scan is checked at upload (a PDF of at most 10 MB, ``workflow.services.signing``);
# read back from storage, it is bounded again before it goes into the document of record.
MAX_ATTACHED_SCAN_BYTES = 10 * 1024 * 1024


def _user_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _scan_attachment(signature: Signature, *, index: int, party: dict, version: ConventionVersion) -> dict:
    """A paper signature's scan as the PDF/A-3 associated file of the document: its bytes (bounded), an
    ASCII file name, its SHA-256 and a description. A scan missing from storage raises ``OSError`` (the
    render task retries, then fails visibly): a document of record never claims a scan it lacks."""
    with signature.scan.open("rb") as handle:
        data = handle.read(MAX_ATTACHED_SCAN_BYTES + 1)
    if len(data) > MAX_ATTACHED_SCAN_BYTES or not data.startswith(b"%PDF-"):
        raise DocumentRenderError(
            f"The scan of signature {signature.pk} is not a PDF of at most 10 MB: it cannot be attached."
        )
    organisation = party["organisation"]["legal_denomination"] if party else signature.organisation_name
    name = f"signature-{index}-{slugify(organisation)[:60] or 'signataire'}.pdf"
    return {
        "name": name,
        "data": data,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "modified": signature.recorded_at,
        "description": (
            f"Page signée sur papier par {signature.signer_name} pour {organisation}, "
            f"le {long_date(signature.signed_at)} {grammar.at_place(signature.place)} "
            f"(convention {version.convention.reference}, version {version.number})"
        ),
    }


def _signature_row(index: int, party: dict, signature: Signature | None, document: dict, version) -> dict:
    """One signatory's block of the signature page (``legal_wording``'s sentences) and its scan."""
    row = {
        "party": party,
        "signature": signature,
        "heading": party["organisation"]["legal_denomination"],
        "statement": legal_wording.signatory_statement(party),
        "date_text": "",
        "time_text": "",
        "how_text": "",
        "copy_text": "",
        "recorded_text": "",
        "scan": None,
    }
    if signature is None:
        return row
    row["statement"] = legal_wording.signatory_statement(
        party, signer_name=signature.signer_name, signer_title=signature.signer_title
    )
    row["date_text"] = long_date(signature.signed_at)
    if signature.method == SignatureMethod.ELECTRONIC:
        row["time_text"] = legal_wording.paris_time(signature.signed_at)
        row["how_text"] = legal_wording.electronic_signature(signature.signed_at)
        return row
    row["how_text"] = legal_wording.paper_signature(signed_on=_paris_day(signature.signed_at), place=signature.place)
    row["copy_text"] = legal_wording.paper_copy(document)
    row["scan"] = _scan_attachment(signature, index=index, party=party, version=version)
    row["scan_text"] = legal_wording.scan_attached(size=row["scan"]["size"])
    row["recorded_text"] = legal_wording.paper_recorded(
        moment=signature.recorded_at, by=_user_name(signature.recorded_by), ip_address=signature.ip_address or ""
    )
    return row


def _paris_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(legal_wording.PARIS).date()


def _moment_cells(moment: datetime.datetime) -> dict:
    local = moment.astimezone(legal_wording.PARIS)
    return {
        "at": moment,
        "date": f"{local:%d/%m/%Y}",
        "time": f"{local:%H:%M:%S}",
        "zone": legal_wording.utc_offset(moment),
    }


# Events recorded at the same instant keep the order in which they happen: a step of the timeline, the
# signature it allows, the completion the last signature triggers, the entry into force that follows.
_CHANGE, _SIGNATURE, _COMPLETION, _IN_FORCE = 0, 1, 2, 3


def _audit_events(version: ConventionVersion, signatures: list[Signature], completed) -> list[dict]:
    """The timeline up to the last signature, in the order things were recorded in the portal.

    A paper signature is recorded after the day written on the paper, which carries no hour: it is placed
    when it was recorded, and says the day it claims. The completion a paper signature triggers is dated
    by that signature (``workflow.services.signing``) but recorded with it: it is placed there too, and so
    is the entry into force the calendar dates from the completion (``workflow.services.lifecycle``)."""
    changes = StatusChange.objects.filter(convention_id=version.convention_id).select_related(
        "actor", "version", "party__organisation"
    )
    if completed is not None:
        changes = changes.filter(occurred_at__lte=completed)
    changes = changes.defer("version__content_json").order_by("occurred_at", "pk")
    last_recorded = max((signature.recorded_at for signature in signatures), default=None)
    events = []
    for change in changes:
        recorded, claimed = change.occurred_at, ""
        rank = _CHANGE
        if change.action == LifecycleAction.COMPLETE_SIGNATURE and change.version_id == version.pk:
            rank = _COMPLETION
            if last_recorded is not None and last_recorded > recorded:
                recorded = last_recorded
                claimed = legal_wording.completion_date_claimed(_paris_day(change.occurred_at))
        elif change.action == LifecycleAction.ENTER_INTO_FORCE:
            rank = _IN_FORCE
            if last_recorded is not None and last_recorded > recorded:
                recorded = last_recorded
                claimed = legal_wording.entry_into_force_claimed(_paris_day(change.occurred_at))
        events.append(
            {
                **_moment_cells(recorded),
                "sort": (recorded, rank, change.pk),
                "kind": "change",
                "label": change.get_action_display(),
                "detail": _("%(from)s → %(to)s")
                % {
                    "from": ConventionStatus(change.from_status).label,
                    "to": ConventionStatus(change.to_status).label,
                },
                "claimed": claimed,
                "user": _user_name(change.actor) if change.actor else _("Calendar"),
                "ip": change.ip_address or "",
                "sha256": change.version.content_sha256 if change.version else "",
                "version": change.version.number if change.version else None,
            }
        )
    for signature in signatures:
        if signature.method == SignatureMethod.ELECTRONIC:
            account = signature.signer
            detail = _("Electronic signature for %(organisation)s") % {"organisation": signature.organisation_name}
            claimed = ""
        else:
            account = signature.recorded_by
            detail = _("Paper signature for %(organisation)s, signed at %(place)s, recorded in the portal") % {
                "organisation": signature.organisation_name,
                "place": signature.place,
            }
            claimed = legal_wording.paper_date_claimed(_paris_day(signature.signed_at))
        events.append(
            {
                **_moment_cells(signature.recorded_at),
                "sort": (signature.recorded_at, _SIGNATURE, signature.pk),
                "kind": "signature",
                "label": _("Signature by %(name)s") % {"name": signature.signer_name},
                "detail": detail,
                "claimed": claimed,
                "user": _user_name(account),
                "ip": signature.ip_address or "",
                "sha256": signature.version_sha256,
                "version": version.number,
            }
        )
    events.sort(key=lambda event: event["sort"])
    return events


def _signature_context(version: ConventionVersion, document: dict) -> dict:
    """The signature page and the audit trail: records of the version, not of its frozen content."""
    signatures = list(
        Signature.objects.filter(version=version, voided_at__isnull=True)
        .select_related("signer", "recorded_by")
        .order_by("signed_at", "pk")
    )
    by_party = {signature.party_id: signature for signature in signatures}
    signature_rows = [
        _signature_row(index, party, by_party.get(party.get("party_id")), document, version)
        for index, party in enumerate(_signatories(document), start=1)
    ]
    completed = (
        StatusChange.objects.filter(version=version, action=LifecycleAction.COMPLETE_SIGNATURE)
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", flat=True)
        .first()
    )
    signed_on = completed or (max(signature.signed_at for signature in signatures) if signatures else None)
    paper_places = [signature.place for signature in signatures if signature.method == SignatureMethod.PAPER]
    url = verification_url(version)
    return {
        "signed_on": signed_on,
        "signature_formula": legal_wording.signature_page_formula(document, signed_on=signed_on, places=paper_places),
        "signature_rows": signature_rows,
        "attachments": [row["scan"] for row in signature_rows if row["scan"]],
        "audit_events": _audit_events(version, signatures, completed),
        "time_zone_text": legal_wording.TIME_ZONE_NOTE,
        "verification_url": url,
        "qr_code": mark_safe(qr_code_svg(url)),  # segno's own SVG markup of our URL
    }


def _deliberations(document: dict, signatories: list[dict]) -> list[str]:
    """The « Vu la délibération … » lines, one per organisation: with the number and date each party
    recorded since schema 2, with the wording of its time for a schema-1 version."""
    lines = []
    for party in signatories:
        modern = document["schema"] >= 2
        line = legal_wording.deliberation(party) if modern else _deliberation(party["organisation"])
        if line and line not in lines:
            lines.append(line)
    return lines


def _mark_signed_blocks(blocks: list[dict], rows: list[dict]) -> None:
    """Under the closing formula of the signed document, each block says how and when its party signed."""
    by_party = {row["party"].get("party_id"): row for row in rows}
    for block in blocks:
        row = by_party.get(block["party"].get("party_id"))
        if row is None or row["signature"] is None:
            continue
        if row["signature"].method == SignatureMethod.ELECTRONIC:
            block["signed_text"] = _("Signed electronically on %(date)s") % {"date": row["date_text"]}
        else:
            block["signed_text"] = _("Signed on paper at %(place)s on %(date)s") % {
                "place": row["signature"].place,
                "date": row["date_text"],
            }


def _closing_formula(document: dict, *, signed_on=None) -> str:
    """« Fait à …, le …, en N exemplaires originaux. » under the articles, unless an article already
    ends the text with it (the model text's last one does) or the version predates schema 2."""
    if document["schema"] < 2:
        return ""
    if any(legal_wording.CLOSING_LINE.search(article.get("body", "")) for article in document["articles"]):
        return ""
    return legal_wording.closing_formula(document, signed_on=signed_on)


def _text_context(content: dict) -> dict:
    """What every convention document shows of a content (a version's, or the live draft's)."""
    document = _with_long_dates(readable_version_content(content))
    signatories = _signatories(document)
    modern = document["schema"] >= 2  # schema 1 froze no legal identity: its wording stays as it was
    return {
        "document": document,
        "signatories": signatories,
        # One line per organisation on the cover, even when two of its representatives sign.
        "signatory_organisations": list(
            dict.fromkeys(party["organisation"]["legal_denomination"] for party in signatories)
        ),
        "party_designations": [legal_wording.party_designation(party) for party in signatories] if modern else [],
        "deliberations": _deliberations(document, signatories),
        "predecessor_text": legal_wording.predecessor(document),
        "signature_blocks": [legal_wording.signature_block(party) for party in signatories] if modern else [],
        "indicator_tables": _indicator_tables(content.get("diagnostic")),
        "governance": _governance(content.get("governance", []), signatories),
        "created": timezone.now().astimezone(datetime.UTC).replace(microsecond=0).isoformat(),
        "issued_on_text": long_date(timezone.localdate()),
    }


def build_convention_html(version: ConventionVersion, *, signed: bool) -> str:
    """The HTML of the convention document of ``version`` (``signed``: with signature page and audit trail)."""
    return build_convention_document(version, signed=signed)[0]


def build_convention_document(version: ConventionVersion, *, signed: bool) -> tuple[str, list[dict]]:
    """The HTML of the convention document of ``version`` and the files it attaches (the scans of its
    paper signatures, once signed: ``_scan_attachment``), whose SHA-256 the HTML prints."""
    with override(settings.LANGUAGE_CODE):
        return _build_convention_html(version, signed=signed)


def _build_convention_html(version: ConventionVersion, *, signed: bool) -> tuple[str, list[dict]]:
    context = _text_context(version.content)
    document = context["document"]
    kind = DocumentKind.SIGNED_CONVENTION if signed else DocumentKind.CONVENTION
    context.update(
        {
            "version": version,
            "live_draft": False,
            "signed": signed,
            "draft": not signed and not version_is_signed(version),
            "keywords": document_keywords(
                reference=document["reference"] or version.convention.reference,
                version_number=version.number,
                version_sha256=version.content_sha256,
                kind=kind,
            ),
            "approved_on_text": long_date(version.approved_at),
        }
    )
    signed_on = None
    if signed:
        context.update(_signature_context(version, document))
        signed_on = context["signed_on"]
        _mark_signed_blocks(context["signature_blocks"], context["signature_rows"])
    context["closing_formula"] = _closing_formula(document, signed_on=signed_on)
    return render_to_string("pdf/convention.html", context), context.get("attachments", [])


def draft_keywords(*, reference: str, content_sha256: str) -> str:
    """The PDF keywords of a draft: the convention, and the fingerprint of the text it shows (no version)."""
    return f"ctg-reference={reference}; ctg-draft-sha256={content_sha256}; ctg-kind={DocumentKind.DRAFT_CONVENTION}"


def build_draft_convention_html(convention: Convention, *, content: dict, content_sha256: str) -> str:
    """The HTML of the draft PDF of ``convention``: ``content`` is its live content (``documents.snapshot``),
    laid out as a version's would be, with « PROJET » on every page and no version facts."""
    with override(settings.LANGUAGE_CODE):
        context = _text_context(content)
        document = context["document"]
        context.update(
            {
                "version": None,
                "live_draft": True,
                "draft_sha256": content_sha256,
                "signed": False,
                "draft": True,
                "keywords": draft_keywords(
                    reference=document["reference"] or convention.reference, content_sha256=content_sha256
                ),
                "closing_formula": _closing_formula(document),
            }
        )
        return render_to_string("pdf/convention.html", context)


def _pdf_attachment(attachment: dict) -> Attachment:
    """A scan as a PDF/A-3 associated file: /AFRelationship /Source (the paper this PDF copies), its MIME
    type from its name, its description, and the moment it was recorded as its dates (UTC, as WeasyPrint
    writes them)."""
    moment = attachment["modified"].astimezone(datetime.UTC).replace(tzinfo=None)
    return Attachment(
        string=attachment["data"],
        name=attachment["name"],
        description=attachment["description"],
        created=moment,
        modified=moment,
        relationship="Source",
    )


def lay_out(html: str, *, attachments: list[dict] = ()) -> bytes:
    """WeasyPrint's PDF/A rendering of ``html`` (unsigned): what the benchmark's floor should compare to.
    ``attachments`` (``build_convention_document``) become the PDF's associated files."""
    with warnings.catch_warnings():
        # WeasyPrint 70 opens the sRGB profile it embeds in PDF/A files and never closes it: the file is
        # released (and warns) as soon as its reference goes, inside the render, with no cycle to collect.
        # No gc.collect() here: a full collection after a large layout cost 0.1–0.9 s per document.
        warnings.simplefilter("ignore", ResourceWarning)
        pdf = html_to_pdf(
            html, pdf_variant=PDF_VARIANT, attachments=[_pdf_attachment(attachment) for attachment in attachments]
        )
    return pdf


def render_draft_convention_pdf(convention: Convention) -> tuple[bytes, str]:
    """The draft PDF of ``convention`` from its live content, signed by the portal, and the SHA-256 of
    the content it shows (what a new request compares to reuse it)."""
    # Serialised and read back, as a version stores it: the draft shows exactly what an approval would freeze.
    text = canonical_json(build_content(convention))
    digest = sha256_of(text)
    pdf = lay_out(build_draft_convention_html(convention, content=json.loads(text), content_sha256=digest))
    return sign_pdf(pdf), digest


def render_convention_pdf(version: ConventionVersion, *, signed: bool) -> bytes:
    """The issued PDF of ``version``: laid out by WeasyPrint, then signed by the portal (PAdES)."""
    html, attachments = build_convention_document(version, signed=signed)
    return sign_pdf(lay_out(html, attachments=attachments))
