"""Lists of findings (strengths, weaknesses, needs) and the fiches answering each need."""

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ctg_portal.fast_html import html_format
from diagnostics.choices import FindingKind, Priority
from diagnostics.fragments.common import CSRF_SLOT, Labels, Urls, counted
from diagnostics.selectors import ANSWERS_SHOWN, DiagnosticPage, FindingList

_KIND_ICONS = {
    FindingKind.STRENGTH: "plus-circle",
    FindingKind.WEAKNESS: "dash-circle",
    FindingKind.NEED: "exclamation-circle",
}
_NO_ACTION = (
    '<span class="badge no-action-badge"><i class="bi bi-exclamation-triangle" aria-hidden="true"></i> {}</span>'
)


def answering_actions_html(
    need, *, urls: Urls, labels: Labels | None = None, limit: int | None = ANSWERS_SHOWN
) -> SafeString:
    """The fiches answering ``need`` (``need.answers``, see ``selectors.with_answers``), the first
    ``limit`` of them and a link loading the others; "" for a finding that is not a need."""
    if need.kind != FindingKind.NEED:
        return SafeString("")
    answers = need.answers
    if not answers:
        return html_format(_NO_ACTION, labels.no_action if labels else _("No action"))
    shown = answers if limit is None else answers[:limit]
    # The arrow before each item is drawn by the style sheet (.answering-actions li::before).
    items = "".join(
        html_format('<li><a href="{}"><span class="action-code">{}</span> {}</a></li>', urls.action(pk), code, title)
        for pk, code, title in shown
    )
    more = ""
    if hidden := len(answers) - len(shown):
        more_url = urls.answers(need.pk)
        more = html_format(
            '<a class="small no-print" href="{url}" hx-get="{url}" hx-target="#answers-{pk}" hx-swap="outerHTML">'
            '{label}<span class="visually-hidden"> — {title}</span></a>',
            url=more_url,
            pk=need.pk,
            label=ngettext("Show the other fiche action", "Show the %(count)s other fiches actions", hidden)
            % {"count": hidden},
            title=need.title,
        )
    heading = ngettext("Answered by the fiche action", "Answered by the fiches actions", len(answers))
    return html_format(
        '<div class="small answering-actions" id="answers-{}"><span class="fw-semibold">{}</span>'
        '<ul class="list-unstyled mb-0">{}</ul>{}</div>',
        need.pk,
        heading,
        SafeString(items),
        more,
    )


def _finding_tools(finding, *, urls: Urls, labels: Labels, is_first: bool, is_last: bool) -> SafeString:
    """Move up / down, edit and delete: forms that work without JavaScript, swapped in place by htmx."""
    title = finding.title
    confirm = _("Delete “%(title)s”?") % {"title": title}
    if finding.answer_count:
        confirm += " " + (
            ngettext("A fiche action answers it.", "%(counter)s fiches actions answer it.", finding.answer_count)
            % {"counter": finding.answer_count}
        )
    move, edit, delete = urls.move(finding.pk), urls.edit(finding.pk), urls.delete(finding.pk)
    return html_format(
        '<div class="finding-tools no-print" role="group" aria-label="{group}">'
        '<form method="post" action="{move}" hx-post="{move}">{csrf}'
        '<button type="submit" name="direction" value="up" class="btn btn-sm btn-light"{first} title="{up}">'
        '<i class="bi bi-arrow-up" aria-hidden="true"></i><span class="visually-hidden">{up}: {title}</span></button>'
        '<button type="submit" name="direction" value="down" class="btn btn-sm btn-light"{last} title="{down}">'
        '<i class="bi bi-arrow-down" aria-hidden="true"></i><span class="visually-hidden">{down}: {title}</span>'
        "</button></form>"
        '<a class="btn btn-sm btn-light" href="{edit}" hx-get="{edit}" title="{edit_label}">'
        '<i class="bi bi-pencil" aria-hidden="true"></i><span class="visually-hidden">{edit_label}: {title}</span></a>'
        '<form method="post" action="{delete}" hx-post="{delete}" hx-confirm="{confirm}">{csrf}'
        '<button type="submit" class="btn btn-sm btn-light text-danger" title="{delete_label}">'
        '<i class="bi bi-trash" aria-hidden="true"></i><span class="visually-hidden">{delete_label}: {title}</span>'
        "</button></form></div>",
        group=_("Actions on “%(title)s”") % {"title": title},
        move=move,
        csrf=SafeString(CSRF_SLOT),
        first=SafeString(" disabled" if is_first else ""),
        last=SafeString(" disabled" if is_last else ""),
        up=labels.move_up,
        down=labels.move_down,
        title=title,
        edit=edit,
        edit_label=labels.edit,
        delete=delete,
        delete_label=labels.delete,
        confirm=confirm,
    )


def _finding_body(finding, *, urls: Urls, labels: Labels, limit: int | None) -> SafeString:
    if finding.priority == Priority.HIGH:
        badge = html_format(
            ' <span class="badge priority-badge priority-high">'
            '<i class="bi bi-arrow-up-circle" aria-hidden="true"></i> {}</span>',
            labels.high_priority,
        )
    elif finding.priority == Priority.LOW:
        badge = html_format(' <span class="badge priority-badge priority-low">{}</span>', labels.low_priority)
    else:
        badge = ""
    detail = (
        html_format('<p class="small text-body-secondary preserve-lines mb-1">{}</p>', finding.detail)
        if finding.detail
        else ""
    )
    return html_format(
        '<div class="finding-body"><p class="finding-title mb-1">{}{}</p>{}{}</div>',
        finding.title,
        badge,
        detail,
        answering_actions_html(finding, urls=urls, labels=labels, limit=limit),
    )


def finding_list_html(
    finding_list: FindingList,
    *,
    can_edit: bool,
    urls: Urls,
    labels: Labels,
    form_html: str = "",
    form_mode: str = "",
    editing_pk: int | None = None,
    unfolded: int | None = None,
) -> SafeString:
    """One list of the page (one kind of finding in one domain), the fragment htmx swaps after a change.

    ``form_mode`` "add" puts ``form_html`` (the inline form) at the end, "edit" in place of the finding
    ``editing_pk``; ``unfolded``: the need whose answering fiches are all listed.
    """
    dom_id = finding_list.dom_id
    findings = finding_list.findings
    items = []
    last = len(findings) - 1
    for index, finding in enumerate(findings):
        if form_mode == "edit" and finding.pk == editing_pk:
            content = SafeString(form_html)
        else:
            limit = None if finding.pk == unfolded else ANSWERS_SHOWN
            content = _finding_body(finding, urls=urls, labels=labels, limit=limit)
            if can_edit:
                tools = _finding_tools(finding, urls=urls, labels=labels, is_first=index == 0, is_last=index == last)
                content = SafeString(content + tools)
        items.append(html_format('<li class="finding" id="finding-{}">{}</li>', finding.pk, content))
    if items:
        body = html_format('<ol class="list-unstyled findings mb-2">{}</ol>', SafeString("".join(items)))
    elif form_mode != "add":
        body = html_format('<p class="text-body-secondary small mb-2">{}</p>', labels.nothing_recorded)
    else:
        body = ""
    add = ""
    if can_edit and finding_list.can_add:
        if form_mode == "add":
            add = SafeString(form_html)
        else:
            add_url = urls.finding_add(finding_list)
            add = html_format(
                '<a class="btn btn-sm btn-outline-primary no-print add-finding" href="{url}" hx-get="{url}" '
                'hx-target="#{id}" hx-swap="outerHTML"><i class="bi bi-plus-lg" aria-hidden="true"></i> {label} '
                '<span class="visually-hidden">({domain})</span></a>',
                url=add_url,
                id=dom_id,
                label=labels.add[finding_list.kind],
                domain=finding_list.domain.name,
            )
    return html_format(
        '<div id="{id}" class="finding-list finding-list-{kind}" hx-target="#{id}" hx-swap="outerHTML">'
        '<h4 class="h6 finding-list-title"><i class="bi bi-{icon}" aria-hidden="true"></i> {title} '
        '<span class="visually-hidden">— {domain}</span></h4>{body}{add}</div>',
        id=dom_id,
        kind=finding_list.kind,
        icon=_KIND_ICONS[finding_list.kind],
        title=labels.kind_titles[finding_list.kind],
        domain=finding_list.domain.name,
        body=body,
        add=add,
    )


def findings_section_html(page: DiagnosticPage, *, can_edit: bool, urls: Urls, labels: Labels, unfolded=None) -> str:
    summary = ""
    if page.needs_without_action:
        summary = html_format(
            " " + _NO_ACTION,
            counted(
                ngettext(
                    "%(counter)s need without any action",
                    "%(counter)s needs without any action",
                    page.needs_without_action,
                ),
                page.needs_without_action,
            ),
        )
    parts = [
        html_format(
            '<section id="findings" class="mb-5" aria-labelledby="findings-title">'
            '<h2 id="findings-title" class="h4 section-title">{}</h2><p class="text-body-secondary small">{}{}</p>',
            _("Strengths, weaknesses and needs"),
            _(
                "For each domain of the convention. Each need lists the fiches actions of the action plan that "
                "answer it."
            ),
            summary,
        )
    ]
    for entry in page.findings:
        lists = "".join(
            html_format(
                '<div class="col-lg-4">{}</div>',
                finding_list_html(finding_list, can_edit=can_edit, urls=urls, labels=labels, unfolded=unfolded),
            )
            for finding_list in entry.lists
        )
        outside = (
            html_format('<span class="badge read-only-badge">{}</span>', _("Not a domain of the convention"))
            if not entry.in_convention
            else ""
        )
        without = (
            html_format(
                '<span class="small text-body-secondary ms-auto">{}</span>',
                counted(
                    ngettext(
                        "%(counter)s need without action",
                        "%(counter)s needs without action",
                        entry.needs_without_action,
                    ),
                    entry.needs_without_action,
                ),
            )
            if entry.needs_without_action
            else ""
        )
        parts.append(
            html_format(
                '<article class="card mb-3 domain-findings" aria-labelledby="domain-{pk}-title">'
                '<div class="card-header bg-body-tertiary d-flex flex-wrap align-items-center gap-2">'
                '<h3 id="domain-{pk}-title" class="h5 mb-0">{name}</h3>{outside}{without}</div>'
                '<div class="card-body"><div class="row g-4">{lists}</div></div></article>',
                pk=entry.domain.pk,
                name=entry.domain.name,
                outside=outside,
                without=without,
                lists=SafeString(lists),
            )
        )
    if not page.findings:
        parts.append(html_format('<p class="text-body-secondary">{}</p>', _("The convention has no domain yet.")))
    parts.append("</section>")
    return "".join(parts)
