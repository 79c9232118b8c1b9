"""HTML of the plan page written once per orientation, domain or filter: roll-ups, the filters' form,
and each orientation's section around its rows (``action_plans.rows``).

Through templates, these pieces cost most of the page's CPU: each roll-up an include and a few
translations, each orientation four URL reversals and an include, and the filters' form a Django widget
template per ``<option>`` with a query per list. Here each piece is one ``html_format`` from texts
translated once per language and URL patterns reversed once per page; the filters' choices come from
what the page has already read (``selectors.plan_page_content``). The htmx answers of the quick edit
(``_action_monitoring_response.html``) call the same functions through ``action_tags``, so they write
the same HTML as the page.
"""

from collections.abc import Iterable
from functools import lru_cache

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from action_plans import rows
from action_plans.rows import ActionUrls, move_buttons_html, plan_rows_html
from ctg_portal.fast_html import html_format

_SENTINEL = 987654321


def _url_pattern(name: str, convention_pk: int, kwarg: str = "pk"):
    """``reverse(name, convention_pk, <kwarg>)`` for any value, from a single reversal."""
    before, after = reverse(name, kwargs={"convention_pk": convention_pk, kwarg: _SENTINEL}).split(str(_SENTINEL), 1)
    return lambda pk: f"{before}{pk}{after}"


@lru_cache(maxsize=8)
def _texts(_language: str | None) -> dict:
    """The fixed texts of the plan page's pieces, translated once per language."""
    return {
        "no_fiche": _("No fiche to measure"),
        "weighted": _("weighted by planned budget"),
        "no_budget": _("simple mean: no budget set"),
        "percent": _("%(progress)s%%"),
        "orientation_progress": _("Progress of orientation %(number)s"),
        "domain_progress": _("Progress of domain %(name)s"),
        "orientation_title": _("Orientation %(number)s: %(title)s"),
        "caption": _("Fiches actions of orientation %(number)s"),
        "orientation_what": _("orientation %(number)s"),
        "add_fiche": _("Add a fiche action"),
        "edit_orientation": _("Edit the orientation"),
        "delete_orientation": _("Delete the orientation"),
        "no_fiche_yet": _("No fiche action in this orientation yet."),
        "headers": "".join(
            html_format('<th scope="col">{}</th>', label)
            for label in (
                _("Code"),
                _("Fiche action"),
                _("Domain"),
                _("Pilot"),
                _("Dates"),
                _("Priority"),
                _("Status and progress"),
            )
        ),
        "filter": _("Filter"),
        "reset": _("Reset"),
        "filter_label": _("Filter the fiches actions"),
    }


def texts() -> dict:
    return _texts(get_language())


# --- Roll-ups -----------------------------------------------------------------------------------


def rollup_html(rollup, label: str) -> SafeString:
    """The progress bar of a roll-up (plan, orientation or domain) and how it was computed."""
    text = texts()
    if rollup.progress is None:
        bar = html_format('<span class="text-body-secondary small">{}</span>', text["no_fiche"])
    else:
        percent = rollup.percent
        bar = html_format(
            '<div class="action-progress rollup-progress"><div class="progress" role="progressbar" aria-label="{}" '
            'aria-valuenow="{}" aria-valuemin="0" aria-valuemax="100">'
            '<div class="progress-bar rollup-bar progress-width-{}"></div></div>'
            '<span class="progress-value">{}</span></div>',
            label,
            percent,
            percent,
            text["percent"] % {"progress": percent},
        )
    method = ""
    if rollup.method == "budget":
        method = text["weighted"]
    elif rollup.method == "simple":
        if rollup.unbudgeted == rollup.counted:
            method = text["no_budget"]
        else:
            method = ngettext(
                "simple mean: %(counter)s fiche without planned budget",
                "simple mean: %(counter)s fiches without planned budget",
                rollup.unbudgeted,
            ) % {"counter": rollup.unbudgeted}
    if rollup.abandoned:
        abandoned = ngettext(
            "%(counter)s abandoned fiche not counted", "%(counter)s abandoned fiches not counted", rollup.abandoned
        ) % {"counter": rollup.abandoned}
        method = f"{method} · {abandoned}" if method else f"· {abandoned}"
    return html_format(
        '<div class="rollup">{}<span class="rollup-method small text-body-secondary">{}</span></div>', bar, method
    )


def orientation_rollup_html(orientation, rollup, *, oob: bool = False) -> SafeString:
    return html_format(
        '<div id="orientation-{}-rollup" class="orientation-rollup"{}>{}</div>',
        orientation.pk,
        mark_safe(' hx-swap-oob="true"') if oob else "",
        rollup_html(rollup, texts()["orientation_progress"] % {"number": orientation.position}),
    )


def domain_rollups_html(progress, *, oob: bool = False) -> SafeString:
    label = texts()["domain_progress"]
    items = "".join(
        html_format(
            '<li class="domain-rollup" data-domain="{}"><span class="domain-rollup-name">{}</span>{}</li>',
            domain.pk,
            domain.name,
            rollup_html(rollup, label % {"name": domain.name}),
        )
        for domain, rollup in progress.by_domain
    )
    return html_format(
        '<ul id="domain-rollups" class="list-unstyled mb-0 domain-rollup-list"{}>{}</ul>',
        mark_safe(' hx-swap-oob="true"') if oob else "",
        mark_safe(items),  # each item is escaped by html_format
    )


# --- Filters ------------------------------------------------------------------------------------

_FIELD_COLUMNS = {
    "q": "col-12 col-lg-4",
    "orientation": "col-sm-6 col-lg-4",
    "pilot": "col-sm-6 col-lg-3",
    "partner": "col-sm-6 col-lg-3",
}


def _widget_attrs(field) -> tuple[str, str]:
    """The ``aria-*`` attributes of a field with errors, and its error block's id."""
    error_id = f"{field.auto_id}_error"
    if not field.errors:
        return "", error_id
    return f' aria-invalid="true" aria-describedby="{error_id}"', error_id


def _select_html(field, choices: Iterable[tuple], empty_label) -> SafeString:
    value = field.value()
    selected = "" if value in (None, "") else str(value)
    attrs, _error_id = _widget_attrs(field)
    options = [
        html_format('<option value=""{}>{}</option>', mark_safe(" selected") if not selected else "", empty_label)
    ]
    options.extend(
        html_format(
            '<option value="{}"{}>{}</option>', key, mark_safe(" selected") if str(key) == selected else "", label
        )
        for key, label in choices
    )
    return html_format(
        '<select name="{}" class="form-select form-select-sm" id="{}"{}>{}</select>',
        field.html_name,
        field.auto_id,
        mark_safe(attrs),
        mark_safe("\n".join(options)),
    )


def plan_filters_html(action_filter, *, choices: dict, action_url: str, show_reset: bool) -> SafeString:
    """The filters' form of the plan page (GET), as django-filter's form would render it."""
    text = texts()
    form = action_filter.form
    cells = []
    for field in form:
        attrs, error_id = _widget_attrs(field)
        name = field.name
        if name == "late":
            cells.append(
                html_format(
                    '<div class="col-sm-6 col-lg-3"><div class="form-check mb-2">'
                    '<input type="checkbox" name="late" class="form-check-input" id="{}"{}{}> '
                    '<label class="form-check-label" for="{}">{}</label></div></div>',
                    field.auto_id,
                    mark_safe(" checked") if field.value() else "",
                    mark_safe(attrs),
                    field.auto_id,
                    field.label,
                )
            )
            continue
        if name == "q":
            widget = html_format(
                '<input type="search" name="q"{} placeholder="{}" class="form-control form-control-sm" id="{}"{}>',
                html_format(' value="{}"', field.value()) if field.value() else "",
                field.field.widget.attrs.get("placeholder", ""),
                field.auto_id,
                mark_safe(attrs),
            )
        else:
            field_choices = choices[name] if name in choices else field.field.choices[1:]
            widget = _select_html(field, field_choices, field.field.empty_label or "")
        errors = ""
        if field.errors:
            errors = html_format(
                '<div class="invalid-feedback d-block" id="{}">{}</div>', error_id, " ".join(field.errors)
            )
        cells.append(
            html_format(
                '<div class="{}"><label class="form-label small mb-0" for="{}">{}</label>\n{}{}</div>',
                _FIELD_COLUMNS.get(name, "col-sm-6 col-lg-2"),
                field.auto_id,
                field.label,
                widget,
                errors,
            )
        )
    non_field = "".join(
        html_format('<div class="text-danger small" role="alert">{}</div>', error) for error in form.non_field_errors()
    )
    reset = html_format(' <a class="btn btn-outline-secondary btn-sm" href="{}">{}</a>', action_url, text["reset"])
    return html_format(
        '<form method="get" action="{}" class="card plan-filters mb-3 no-print" role="search" aria-label="{}">'
        '<div class="card-body">{}<div class="row g-2 align-items-end">{}'
        '<div class="col-sm-6 col-lg-3 d-flex gap-2"><button type="submit" class="btn btn-primary btn-sm">'
        '<i class="bi bi-funnel" aria-hidden="true"></i> {}</button>{}</div></div></div></form>',
        action_url,
        text["filter_label"],
        mark_safe(non_field),
        mark_safe("\n".join(cells)),
        text["filter"],
        reset if show_reset else "",
    )


# --- Orientations -------------------------------------------------------------------------------


def orientations_html(
    tree, *, convention_pk: int, abilities: dict, reorderable: bool, csrf_input: SafeString
) -> SafeString:
    """Each orientation of the page (``selectors.plan_page``'s tree): title, roll-up, edit links, fiches."""
    text = texts()
    can_edit = bool(abilities.get("edit"))
    urls = ActionUrls.of(convention_pk)
    if can_edit:
        action_create = _url_pattern("action_plans:action_create", convention_pk, "orientation_pk")
        orientation_edit = _url_pattern("action_plans:orientation_edit", convention_pk)
        orientation_delete = _url_pattern("action_plans:orientation_delete", convention_pk)
        orientation_move = _url_pattern("action_plans:orientation_move", convention_pk)
    sections = []
    for index, node in enumerate(tree):
        orientation = node.orientation
        number = orientation.position
        edit = ""
        if can_edit:
            move = ""
            if reorderable:
                move = move_buttons_html(
                    url=orientation_move(orientation.pk),
                    what=text["orientation_what"] % {"number": number},
                    csrf_input=csrf_input,
                    is_first=index == 0,
                    is_last=index == len(tree) - 1,
                    texts=rows.texts(),
                )
            edit = html_format(
                '<div class="d-flex flex-wrap align-items-center gap-2 mb-2 no-print orientation-edit-links">'
                '<a class="btn btn-sm btn-outline-primary" href="{}">'
                '<i class="bi bi-plus-circle" aria-hidden="true"></i> {}</a> '
                '<a class="btn btn-sm btn-outline-secondary" href="{}">'
                '<i class="bi bi-pencil" aria-hidden="true"></i> {}</a> '
                '<a class="btn btn-sm btn-outline-danger" href="{}">'
                '<i class="bi bi-trash" aria-hidden="true"></i> {}</a> {}</div>',
                action_create(orientation.pk),
                text["add_fiche"],
                orientation_edit(orientation.pk),
                text["edit_orientation"],
                orientation_delete(orientation.pk),
                text["delete_orientation"],
                move,
            )
        description = ""
        if orientation.description:
            description = html_format('<p class="preserve-lines small">{}</p>', orientation.description)
        if node.actions:
            body = html_format(
                '<div class="table-responsive-lg"><table class="table align-middle plan-actions-table table-stack">'
                '<caption class="visually-hidden">{}</caption><colgroup><col class="col-code"><col class="col-title">'
                '<col class="col-domain"><col class="col-pilot"><col class="col-dates"><col class="col-priority">'
                '<col class="col-monitoring"></colgroup><thead class="table-light"><tr>{}</tr></thead>'
                "<tbody>\n{}</tbody></table></div>",
                text["caption"] % {"number": number},
                mark_safe(text["headers"]),  # escaped by html_format
                plan_rows_html(
                    node.actions,
                    convention_pk=convention_pk,
                    abilities=abilities,
                    reorderable=reorderable,
                    csrf_input=csrf_input,
                    urls=urls,
                ),
            )
        else:
            body = html_format('<p class="text-body-secondary">{}</p>', text["no_fiche_yet"])
        sections.append(
            html_format(
                '<section class="orientation mb-4" aria-labelledby="orientation-{}-title">'
                '<div class="orientation-header"><h2 id="orientation-{}-title" class="orientation-title h5">{}</h2>'
                "{}</div>{}{}{}</section>\n",
                orientation.pk,
                orientation.pk,
                text["orientation_title"] % {"number": number, "title": orientation.title},
                orientation_rollup_html(orientation, node.rollup),
                edit,
                description,
                body,
            )
        )
    return mark_safe("".join(sections))  # each section is escaped by html_format
