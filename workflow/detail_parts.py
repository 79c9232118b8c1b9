"""HTML written once per row of the convention page: each orientation of its summary of the plan, each
step of its timeline.

Each orientation repeated the same table head (seven translated headings), its caption and its link to
the plan page through template tags: about a third of a millisecond of CPU per orientation, more than
its fiches' rows (``action_plans.rows.summary_rows_html``); each step of the timeline cost as much (five
translations, four date filters, a URL reversal). Here the head is written once per language, the
translations looked up once per page, and each row is one ``html_format``.
"""

from functools import lru_cache

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from action_plans.rows import pk_url, summary_rows_html
from ctg_portal.fast_html import html_format


@lru_cache(maxsize=8)
def _table_head(_language: str | None) -> SafeString:
    """The columns and head of every orientation's table, in the current language."""
    columns = "".join(
        f'<col class="col-{name}">' for name in ("code", "title", "domain", "pilot", "status", "progress", "end")
    )
    headings = (_("Code"), _("Fiche action"), _("Domain"), _("Pilot"), _("Status"), _("Progress"), _("End date"))
    return html_format(
        '<colgroup>{}</colgroup><thead class="table-light"><tr>{}</tr></thead>',
        mark_safe(columns),
        mark_safe("".join(html_format('<th scope="col">{}</th>', heading) for heading in headings)),
    )


def _blocktranslated(message: str, **values) -> SafeString:
    """As ``{% blocktranslate %}`` writes it: the translated message as is, the values escaped."""
    return mark_safe(message % {name: html_format("{}", value) for name, value in values.items()})


def plan_summary_html(orientations, *, convention_pk: int) -> SafeString:
    """Each orientation of the plan (``workflow.selectors_detail.plan_summary``) with the table of its first
    fiches and, when it has more, the link to all of them on the plan page."""
    if not orientations:
        return html_format('<p class="text-body-secondary">{}</p>', _("The action plan has not been written yet."))
    head = _table_head(get_language())
    plan_url = reverse("action_plans:plan", args=[convention_pk])
    sections = []
    for orientation in orientations:
        actions = orientation.shown_actions
        if actions:
            body = html_format(
                '<div class="table-responsive-lg"><table class="table align-middle actions-table table-stack">'
                '<caption class="visually-hidden">{}</caption>{}<tbody>\n{}</tbody></table></div>',
                _blocktranslated(_("Fiches actions of orientation %(number)s"), number=orientation.position),
                head,
                summary_rows_html(actions, convention_pk=convention_pk),
            )
            if orientation.action_count > len(actions):
                body += html_format(
                    '<p class="small"><a href="{}?orientation={}">{}</a></p>',
                    plan_url,
                    orientation.pk,
                    _blocktranslated(
                        ngettext(
                            "See the %(counter)s fiche of this orientation in the action plan",
                            "See all %(counter)s fiches of this orientation in the action plan",
                            orientation.action_count,
                        ),
                        counter=orientation.action_count,
                    ),
                )
        else:
            body = html_format('<p class="text-body-secondary">{}</p>', _("No fiche action in this orientation yet."))
        sections.append(
            html_format(
                '<section class="orientation" aria-labelledby="orientation-{}-title">'
                '<h3 id="orientation-{}-title" class="orientation-title">{}</h3>{}{}</section>\n',
                orientation.pk,
                orientation.pk,
                _blocktranslated(
                    _("Orientation %(number)s: %(title)s"), number=orientation.position, title=orientation.title
                ),
                html_format('<p class="preserve-lines">{}</p>', orientation.description)
                if orientation.description
                else "",
                body,
            )
        )
    return mark_safe("".join(sections))


def timeline_steps_html(steps, *, convention_pk: int) -> SafeString:
    """The ``<li>`` of each step of the timeline (``workflow.selectors_timeline.TimelineStep``), oldest first."""
    if not steps:
        return mark_safe("")
    at, to, automatic = _("%(date)s at %(time)s"), _("to"), _("automatic (calendar of the convention)")
    by, for_party, version_of, avenant = (
        _("by %(actor)s"),
        _("for %(organisation)s"),
        _("version %(number)s"),
        _("Avenant no. %(number)s"),
    )
    version_url = pk_url("workflow:version", convention_pk)
    rows = []
    for step in steps:
        when = timezone.template_localtime(step.occurred_at)
        who = html_format('<span class="text-body-secondary">{}</span>', automatic)
        if step.actor:
            who = _blocktranslated(by, actor=step.actor.get_full_name() or step.actor.get_username())
        context = mark_safe("")
        if step.party:
            context += html_format(
                " · {}", _blocktranslated(for_party, organisation=step.party.organisation.display_name)
            )
        if step.version:
            context += html_format(
                ' · <a href="{}">{}</a>',
                version_url(step.version.number),
                _blocktranslated(version_of, number=step.version.number),
            )
        rows.append(
            html_format(
                '<li class="border-start border-3 ps-3 pb-3 timeline-step">'
                '<div class="small text-body-secondary"><time datetime="{}">{}</time></div>'
                '<div class="fw-semibold timeline-action">{}{}</div>'
                '<div class="small">{} <i class="bi bi-arrow-right" aria-hidden="true"></i> '
                '<span class="visually-hidden">{}</span> {} · {}{}</div>{}</li>\n',
                dateformat.format(when, "c"),
                _blocktranslated(at, date=dateformat.format(when, "j F Y"), time=dateformat.time_format(when, "H:i")),
                step.get_action_display(),
                html_format(
                    ' <span class="badge text-bg-light border fw-normal">{}</span>',
                    _blocktranslated(avenant, number=step.amendment_number),
                )
                if step.amendment_number
                else "",
                step.get_from_status_display(),
                to,
                step.get_to_status_display(),
                who,
                context,
                html_format(
                    '<blockquote class="small border-start ps-2 mt-1 mb-0 preserve-lines timeline-comment">'
                    "{}</blockquote>",
                    step.comment,
                )
                if step.comment
                else "",
            )
        )
    return mark_safe("".join(rows))
