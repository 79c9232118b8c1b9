"""HTML written once per fiche action: the plan's rows, their status-and-progress cell, the progress bar.

A plan page shows up to a hundred fiches; through template includes, each row cost about a
millisecond of CPU (variable lookups, a dozen translations, four URL reversals, four date filters)
and made most of the page's time. Here each piece is one ``html_format`` from strings computed once
per page (labels, URL patterns) or once per value (dates). The partials ``_action_monitoring.html``
and ``_action_progress.html`` call the same functions through ``action_tags``, so the plan page, the
fiche page, the convention page and the htmx answers write the same HTML.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from action_plans.choices import ActionStatus
from ctg_portal.badges import status_badge
from ctg_portal.fast_html import html_format
from diagnostics.choices import Priority

ACTION_STATUS_ICONS = {
    ActionStatus.UPCOMING: "calendar-event",
    ActionStatus.IN_PROGRESS: "arrow-repeat",
    ActionStatus.DONE: "check-circle",
    ActionStatus.LATE: "exclamation-triangle",
    ActionStatus.SUSPENDED: "pause-circle",
    ActionStatus.ABANDONED: "slash-circle",
}
_SENTINEL = 987654321


def action_status_class(status: str) -> str:
    """The colour class of an action status, used by its badge and its progress bar."""
    return f"status-action-{status.replace('_', '-')}"


# Lazy labels by value: ``get_status_display()`` rebuilds a hashable copy of the choices on every call.
_STATUS_LABELS = dict(ActionStatus.choices)
_PRIORITY_LABELS = dict(Priority.choices)


@lru_cache(maxsize=64)
def _status_badge(status: str, _language: str | None) -> SafeString:
    return status_badge(
        action_status_class(status), ACTION_STATUS_ICONS.get(status, "circle"), str(_STATUS_LABELS.get(status, status))
    )


def action_status_badge(action) -> SafeString:
    """The coloured badge of a fiche action's status, with its label (the same for every fiche of a status)."""
    return _status_badge(action.status, get_language())


def texts() -> dict:
    """The translations of ``_texts`` in the current language."""
    return _texts(get_language())


@lru_cache(maxsize=8)
def _texts(_language: str | None) -> dict:
    """Translations every fiche repeats, looked up once per language rather than per fiche."""
    return {
        "progress_of": _("Progress of fiche action %(code)s"),
        "percent": _("%(progress)s%%"),
        "late": _("Late"),
        "update": _("Update"),
        "update_what": _("status and progress of fiche %(code)s"),
        "saved": _("Saved"),
        "fiche": _("fiche %(code)s"),
        "move_up": _("Move %(what)s up"),
        "move_down": _("Move %(what)s down"),
    }


def pk_url(name: str, convention_pk: int) -> Callable[[int], str]:
    """``reverse(name, args=[convention_pk, pk])`` for any pk (or other second number), from a single
    reversal."""
    before, after = reverse(name, args=[convention_pk, _SENTINEL]).split(str(_SENTINEL), 1)
    return lambda pk: f"{before}{pk}{after}"


@dataclass(frozen=True)
class ActionUrls:
    detail: Callable[[int], str]
    quick_edit: Callable[[int], str]
    edit: Callable[[int], str]
    move: Callable[[int], str]

    @classmethod
    def of(cls, convention_pk: int) -> "ActionUrls":
        return cls(
            detail=pk_url("action_plans:action_detail", convention_pk),
            quick_edit=pk_url("action_plans:action_quick_edit", convention_pk),
            edit=pk_url("action_plans:action_edit", convention_pk),
            move=pk_url("action_plans:action_move", convention_pk),
        )


@lru_cache(maxsize=4096)
def _dates(day, _language: str | None) -> tuple[str, str]:
    """(ISO, short local) writing of a date; the language is part of the key."""
    if day is None:
        return "", ""
    return day.isoformat(), date_format(day, "SHORT_DATE_FORMAT")


def progress_html(action, texts: dict | None = None) -> SafeString:
    """The progress bar of a fiche (its width is a class: no inline style under the CSP)."""
    texts = texts or _texts(get_language())
    return html_format(
        '<div class="action-progress"><div class="progress" role="progressbar" aria-label="{}" aria-valuenow="{}" '
        'aria-valuemin="0" aria-valuemax="100"><div class="progress-bar progress-width-{} {}"></div></div>'
        '<span class="progress-value">{}</span></div>',
        texts["progress_of"] % {"code": action.code},
        action.progress,
        action.progress,
        action_status_class(action.status),
        texts["percent"] % {"progress": action.progress},
    )


def monitoring_html(
    action,
    *,
    convention_pk: int,
    can_follow_up: bool,
    origin: str,
    saved: bool = False,
    focus_edit: bool = False,
    swap_oob: bool = False,
    urls: ActionUrls | None = None,
    texts: dict | None = None,
) -> SafeString:
    """Status, lateness and progress of one fiche; a link to edit them in place for whoever follows up."""
    texts = texts or _texts(get_language())
    late = ""
    if action.is_late and action.status != ActionStatus.LATE:
        late = html_format(
            '<span class="badge status-badge status-action-late late-badge">'
            '<i class="bi bi-exclamation-triangle" aria-hidden="true"></i> {}</span>',
            texts["late"],
        )
    edit = ""
    if can_follow_up:
        detail = (
            urls.detail(action.pk) if urls else reverse("action_plans:action_detail", args=[convention_pk, action.pk])
        )
        quick = (
            urls.quick_edit(action.pk)
            if urls
            else reverse("action_plans:action_quick_edit", args=[convention_pk, action.pk])
        )
        edit = html_format(
            '<a class="btn btn-sm btn-link p-0 quick-edit-link no-print" href="{}#suivi" hx-get="{}?origin={}" '
            'hx-target="#action-{}-monitoring" hx-swap="outerHTML"{}><i class="bi bi-pencil" aria-hidden="true"></i> '
            '{} <span class="visually-hidden">{}</span></a>',
            detail,
            quick,
            origin,
            action.pk,
            mark_safe(" autofocus") if focus_edit else "",
            texts["update"],
            texts["update_what"] % {"code": action.code},
        )
    note = ""
    if saved:
        note = html_format(
            '<span class="small text-success saved-note" role="status"><i class="bi bi-check2" aria-hidden="true"></i> '
            "{}</span>",
            texts["saved"],
        )
    return html_format(
        '<div id="action-{}-monitoring" class="action-monitoring"{}>'
        '<div class="d-flex flex-wrap align-items-center gap-1 mb-1">{}{}</div>{}{}{}</div>',
        action.pk,
        mark_safe(' hx-swap-oob="true"') if swap_oob else "",
        action_status_badge(action),
        late,
        progress_html(action, texts),
        edit,
        note,
    )


@dataclass(frozen=True)
class _Labels:
    """Translations every row repeats, looked up once per page."""

    code: str
    fiche: str
    domain: str
    pilot: str
    dates: str
    priority: str
    monitoring: str
    partners: str
    to: str
    edit: str

    @classmethod
    def current(cls) -> "_Labels":
        return cls.of(get_language())

    @classmethod
    @lru_cache(maxsize=8)
    def of(cls, _language: str | None) -> "_Labels":
        return cls(
            code=_("Code"),
            fiche=_("Fiche action"),
            domain=_("Domain"),
            pilot=_("Pilot"),
            dates=_("Dates"),
            priority=_("Priority"),
            monitoring=_("Status and progress"),
            partners=_("Partners:"),
            to=_("to"),
            edit=_("Edit"),
        )


def move_buttons_html(
    *, url: str, what: str, csrf_input: SafeString, is_first: bool, is_last: bool, texts: dict
) -> SafeString:
    """Up / down buttons posting to a fiche's or an orientation's move endpoint."""
    return html_format(
        '<form method="post" action="{}" class="d-inline-flex gap-1 move-buttons">{}'
        '<button type="submit" name="direction" value="up" class="btn btn-sm btn-outline-secondary py-0 px-1"{}>'
        '<i class="bi bi-arrow-up" aria-hidden="true"></i> <span class="visually-hidden">{}</span></button> '
        '<button type="submit" name="direction" value="down" class="btn btn-sm btn-outline-secondary py-0 px-1"{}>'
        '<i class="bi bi-arrow-down" aria-hidden="true"></i> <span class="visually-hidden">{}</span></button></form>',
        url,
        csrf_input,
        mark_safe(" disabled") if is_first else "",
        texts["move_up"] % {"what": what},
        mark_safe(" disabled") if is_last else "",
        texts["move_down"] % {"what": what},
    )


def plan_rows_html(
    actions: Iterable,
    *,
    convention_pk: int,
    abilities: dict,
    reorderable: bool,
    csrf_input: SafeString,
    urls: ActionUrls | None = None,
) -> SafeString:
    """The ``<tr>`` of each fiche of one orientation on the plan page (``selectors.PlanRow``)."""
    actions = list(actions)
    language = get_language()
    labels, texts = _Labels.of(language), _texts(language)
    urls = urls or ActionUrls.of(convention_pk)
    can_edit, can_follow_up = bool(abilities.get("edit")), bool(abilities.get("follow_up"))
    priorities = {}
    rows = []
    for index, action in enumerate(actions):
        partners_html = ""
        if action.partner_names:
            partners_html = html_format(
                '<div class="small text-body-secondary">{} {}</div>', labels.partners, ", ".join(action.partner_names)
            )
        edit_html = ""
        if can_edit:
            what = texts["fiche"] % {"code": action.code}
            move = ""
            if reorderable:
                move = move_buttons_html(
                    url=urls.move(action.pk),
                    what=what,
                    csrf_input=csrf_input,
                    is_first=index == 0,
                    is_last=index == len(actions) - 1,
                    texts=texts,
                )
            edit_html = html_format(
                '<div class="d-flex flex-wrap align-items-center gap-2 mt-1 no-print action-edit-links">'
                '<a class="small" href="{}"><i class="bi bi-pencil-square" aria-hidden="true"></i> {} '
                '<span class="visually-hidden">{}</span></a>{}</div>',
                urls.edit(action.pk),
                labels.edit,
                what,
                move,
            )
        start_iso, start_short = _dates(action.start_date, language)
        end_iso, end_short = _dates(action.end_date, language)
        if action.priority not in priorities:
            priorities[action.priority] = str(_PRIORITY_LABELS.get(action.priority, action.priority))
        rows.append(
            html_format(
                '<tr class="action-row{}" id="action-{}">'
                '<td class="action-code fw-semibold" data-label="{}">{}</td>'
                '<th scope="row" class="fw-normal" data-label="{}">'
                '<a href="{}" class="action-title-link">{}</a>{}{}</th>'
                '<td data-label="{}">{}</td><td data-label="{}">{}</td>'
                '<td class="action-dates" data-label="{}"><span class="d-inline-block">'
                '<time datetime="{}">{}</time> <span aria-hidden="true">→</span> '
                '<span class="visually-hidden">{}</span></span> '
                '<span class="d-inline-block"><time datetime="{}">{}</time></span></td>'
                '<td data-label="{}"><span class="priority priority-{}">{}</span></td>'
                '<td class="action-monitoring-cell" data-label="{}">{}</td></tr>\n',
                mark_safe(" is-late") if action.is_late else "",
                action.pk,
                labels.code,
                action.code,
                labels.fiche,
                urls.detail(action.pk),
                action.title,
                partners_html,
                edit_html,
                labels.domain,
                action.domain_name,
                labels.pilot,
                action.pilot_name,
                labels.dates,
                start_iso,
                start_short,
                labels.to,
                end_iso,
                end_short,
                labels.priority,
                action.priority,
                priorities[action.priority],
                labels.monitoring,
                monitoring_html(
                    action,
                    convention_pk=convention_pk,
                    can_follow_up=can_follow_up,
                    origin="plan",
                    urls=urls,
                    texts=texts,
                ),
            )
        )
    return mark_safe("".join(rows))  # each row is escaped by html_format


def summary_rows_html(actions: Iterable, *, convention_pk: int) -> SafeString:
    """The ``<tr>`` of each fiche of one orientation in the convention page's summary of the plan."""
    language = get_language()
    labels, urls, texts = _Labels.of(language), ActionUrls.of(convention_pk), _texts(language)
    status_label, progress_label, end_label = _("Status"), _("Progress"), _("End date")
    rows = []
    for action in actions:
        partners = action.partners.all()
        partners_html = ""
        if partners:
            partners_html = html_format(
                '<div class="small text-body-secondary">{} {}</div>',
                labels.partners,
                ", ".join(partner.display_name for partner in partners),
            )
        end_iso, end_short = _dates(action.end_date, language)
        rows.append(
            html_format(
                '<tr class="action-row"><td class="action-code fw-semibold" data-label="{}">{}</td>'
                '<th scope="row" class="fw-normal" data-label="{}"><a href="{}">{}</a>{}</th>'
                '<td data-label="{}">{}</td><td data-label="{}">{}</td>'
                '<td class="text-nowrap" data-label="{}">{}</td>'
                '<td class="action-progress-cell" data-label="{}">{}</td>'
                '<td class="text-nowrap" data-label="{}"><time datetime="{}">{}</time></td></tr>\n',
                labels.code,
                action.code,
                labels.fiche,
                urls.detail(action.pk),
                action.title,
                partners_html,
                labels.domain,
                action.domain.name,
                labels.pilot,
                action.pilot.display_name,
                status_label,
                action_status_badge(action),
                progress_label,
                progress_html(action, texts),
                end_label,
                end_iso,
                end_short,
            )
        )
    return mark_safe("".join(rows))  # each row is escaped by html_format
