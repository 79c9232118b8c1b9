"""The consultations of local actors held for the diagnostic."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ctg_portal.fast_html import html_format
from diagnostics.fragments.common import Labels, Urls
from diagnostics.selectors import DiagnosticPage


def consultations_section_html(page: DiagnosticPage, *, can_edit: bool, urls: Urls, labels: Labels) -> str:
    add = ""
    if can_edit:
        add = html_format(
            '<a class="btn btn-sm btn-outline-primary no-print" href="{}">'
            '<i class="bi bi-plus-lg" aria-hidden="true"></i> {}</a>',
            reverse("diagnostics:consultation_add", kwargs={"convention_pk": urls.convention_pk}),
            _("Add a consultation"),
        )
    parts = [
        html_format(
            '<section id="consultations" class="mb-5" aria-labelledby="consultations-title">'
            '<div class="d-flex flex-wrap justify-content-between align-items-center gap-2 section-title">'
            '<h2 id="consultations-title" class="h4 mb-0">{}</h2>{}</div>',
            _("Consultations of local actors"),
            add,
        )
    ]
    for consultation in page.consultations:
        tools = ""
        if can_edit:
            tools = html_format(
                '<div class="d-flex gap-2 no-print align-items-start">'
                '<a class="btn btn-sm btn-light" href="{edit_url}"><i class="bi bi-pencil" aria-hidden="true"></i> '
                '{edit}<span class="visually-hidden">: {title}</span></a>'
                '<a class="btn btn-sm btn-light text-danger" href="{delete_url}">'
                '<i class="bi bi-trash" aria-hidden="true"></i> {delete}'
                '<span class="visually-hidden">: {title}</span></a></div>',
                edit_url=urls.consultation_edit(consultation.pk),
                delete_url=urls.consultation_delete(consultation.pk),
                edit=labels.edit,
                delete=labels.delete,
                title=consultation.title,
            )
        facts = []
        if consultation.organisation_names:
            facts.append(
                html_format(
                    '<dt class="col-sm-3">{}</dt><dd class="col-sm-9">{}</dd>',
                    labels.organisations_present,
                    ", ".join(consultation.organisation_names),
                )
            )
        if consultation.participants:
            facts.append(
                html_format(
                    '<dt class="col-sm-3">{}</dt><dd class="col-sm-9 preserve-lines">{}</dd>',
                    labels.participants,
                    consultation.participants,
                )
            )
        if consultation.notes:
            facts.append(
                html_format(
                    '<dt class="col-sm-3">{}</dt><dd class="col-sm-9 preserve-lines">{}</dd>',
                    labels.notes,
                    consultation.notes,
                )
            )
        parts.append(
            html_format(
                '<article class="consultation border-bottom py-3" aria-labelledby="consultation-{pk}-title">'
                '<div class="d-flex flex-wrap justify-content-between gap-2"><div>'
                '<p class="small text-body-secondary mb-1"><time datetime="{iso}">{day}</time> · {domain}</p>'
                '<h3 id="consultation-{pk}-title" class="h6 mb-1">{title}</h3></div>{tools}</div>'
                '<dl class="row small mb-0 mt-2 consultation-facts">{facts}</dl></article>',
                pk=consultation.pk,
                iso=consultation.held_on.isoformat(),
                day=date_format(consultation.held_on, "DATE_FORMAT"),
                domain=consultation.domain.name if consultation.domain else labels.all_domains,
                title=consultation.title,
                tools=tools,
                facts=SafeString("".join(facts)),
            )
        )
    if not page.consultations:
        parts.append(html_format('<p class="text-body-secondary">{}</p>', _("No consultation recorded yet.")))
    parts.append("</section>")
    return "".join(parts)
