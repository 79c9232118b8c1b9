"""Reading and monitoring the action plan: the plan page, the fiche page, the budget summary, the
exports, and the htmx endpoints of the follow-up (status and progress, progress updates, indicators'
current values, funding lines' status).

Every page starts from ``convention_for_user`` (404 for whoever may not see the convention). The
follow-up endpoints need the ``follow_up`` ability (the intercommunality's staff, whatever the
convention's status); the services check it again. A refusal is a 403 with a French message, a
rejected form comes back with the user's input and its errors: never a 500.

The plan (unfiltered), fiche and budget pages keep their body, and the plan's workbook its bytes, in the
render cache (``conventions.render_cache``): the key follows the convention's content version (raised by
any change of what they show), the language, today's date and the abilities the body shows; the CSRF
token is never cached, a marker stands for it and each response writes its own.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from action_plans import exports, selectors
from action_plans.filters import ActionFilter
from action_plans.forms_monitoring import ActionQuickEditForm, FundingStatusForm, IndicatorValueForm, ProgressUpdateForm
from action_plans.history import action_conflict_message
from action_plans.services import monitoring
from action_plans.services.conflicts import EditConflict
from conventions import render_cache
from conventions.permissions import ROLE_REFUSALS
from conventions.selectors import convention_for_user
from ctg_portal.errors import NotAllowed, PortalError


def _refused(request, error: NotAllowed | str) -> HttpResponse:
    """A 403 saying why: in the page's alert area for htmx, on the error page otherwise."""
    if request.htmx:
        response = render(request, "action_plans/_monitoring_alert.html", {"message": str(error)}, status=403)
        response["HX-Retarget"] = "#monitoring-alerts"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, str(error))
    return render(request, "403.html", status=403)


def _page_context(request, convention_pk: int) -> dict:
    convention = convention_for_user(user=request.user, pk=convention_pk)
    return {
        "convention": convention,
        "abilities": convention.get_abilities(request.user),
        "plan": selectors.plan_of(convention),
    }


def _filtered_actions(request, plan) -> ActionFilter:
    return ActionFilter(request.GET or None, queryset=selectors.plan_actions(plan=plan), plan=plan)


# --- Pages ------------------------------------------------------------------------------------


# Stands for the CSRF token in a cached fragment: the token itself is never cached, the render cache
# replaces this placeholder with the reader's own token in each response.
CSRF_MARKER = render_cache.CSRF_PLACEHOLDER
# A page number longer than this is not a page of any plan: rendered, not cached.
_CACHED_PAGE_DIGITS = 4


def _plan_body(request, context: dict, *, csrf_token: str) -> str:
    """Everything under the plan page's toolbar: roll-ups, filters, orientations and their fiches."""
    plan = context["plan"]
    action_filter = _filtered_actions(request, plan)
    content = selectors.plan_page_content(
        plan=plan,
        actions=action_filter.qs,
        filtered=action_filter.is_filtered,
        page_number=request.GET.get("page"),
    )
    page, tree, progress = content.page, content.tree, content.progress
    body_context = {
        **context,
        "csrf_token": csrf_token,
        "filter": action_filter,
        "filter_choices": content.filter_choices,
        "progress": progress,
        "tree": tree,
        "page_obj": page,
        "match_count": page.paginator.count,
        "is_filtered": action_filter.is_filtered,
        # Moving a fiche or an orientation needs its neighbours on screen: not on a partial view.
        "reorderable": not action_filter.is_filtered and not page.has_other_pages(),
    }
    return render_to_string("action_plans/_plan_body.html", body_context)


@require_GET
def plan(request, convention_pk: int):
    context = _page_context(request, convention_pk)
    plan = context["plan"]
    if plan is not None:
        filters_only = request.GET.copy()
        filters_only.pop("page", None)
        context["querystring"] = filters_only.urlencode()
        page_number = request.GET.get("page", "")
        if set(request.GET) <= {"page"} and len(page_number) <= _CACHED_PAGE_DIGITS:
            # Unfiltered, the body is the same for everyone with the same abilities until the plan
            # changes (the render cache's key follows the convention's content version and today's date).
            abilities = context["abilities"]
            body = render_cache.cached_html(
                context["convention"],
                "action_plans:plan",
                vary=(bool(abilities["edit"]), bool(abilities["follow_up"]), page_number),
                render=lambda: _plan_body(request, context, csrf_token=CSRF_MARKER),
                request=request,
            )
        else:
            body = _plan_body(request, context, csrf_token=get_token(request))
        context["plan_body"] = mark_safe(body)  # rendered by the template engine, escaped there
    return render(request, "action_plans/plan.html", context)


def _action_detail_context(request, convention_pk: int, pk: int, *, progress_form=None, context=None) -> dict:
    context = dict(context or _page_context(request, convention_pk))
    action = selectors.action_for_page(convention=context["convention"], pk=pk)
    context.update(
        action=action,
        funding_totals=selectors.funding_totals(action.funding_lines.all()),
        progress_form=progress_form
        or ProgressUpdateForm(initial={"reported_on": timezone.localdate(), "progress": action.progress}),
    )
    return context


def _action_detail_page(request, convention_pk: int, pk: int, *, progress_form=None, status: int = 200):
    """The fiche page; its body is cached (per fiche and abilities) unless it shows a form the user filled."""
    if progress_form is not None:
        context = _action_detail_context(request, convention_pk, pk, progress_form=progress_form)
        context["fiche_body"] = render_to_string("action_plans/_fiche_body.html", context, request=request)
        return render(request, "action_plans/action_detail.html", context, status=status)
    context = _page_context(request, convention_pk)
    convention, abilities = context["convention"], context["abilities"]
    loaded = {}

    def render_body() -> str:
        detail = _action_detail_context(request, convention_pk, pk, context=context)  # 404 if not in the plan
        loaded["action"] = detail["action"]
        return render_to_string("action_plans/_fiche_body.html", {**detail, "csrf_token": CSRF_MARKER})

    body = render_cache.cached_html(
        convention,
        "action_plans:fiche",
        vary=(pk, bool(abilities["edit"]), bool(abilities["follow_up"])),
        render=render_body,
        request=request,
    )
    # From the cache, the title and breadcrumb still need the fiche's code and title (and a 404 if it is gone).
    context["action"] = loaded.get("action") or selectors.action_heading(convention=convention, pk=pk)
    context["fiche_body"] = body
    return render(request, "action_plans/action_detail.html", context, status=status)


@require_GET
def action_detail(request, convention_pk: int, pk: int):
    return _action_detail_page(request, convention_pk, pk)


def _budget_body(context: dict) -> str:
    summary = selectors.budget_summary(plan=context["plan"])
    labels = {
        "planned": pgettext("budget", "Planned"),
        "granted": pgettext("budget", "Granted"),
        "paid": pgettext("budget", "Paid"),
    }
    body_context = {
        **context,
        "summary": summary,
        "funder_tabs": [(key, labels[key], summary.by_funder.crosstab(key)) for key in selectors.MEASURES],
        "domain_tabs": [(key, labels[key], summary.by_domain.crosstab(key)) for key in selectors.MEASURES],
    }
    return render_to_string("action_plans/_budget_body.html", body_context)


@require_GET
def budget(request, convention_pk: int):
    context = _page_context(request, convention_pk)
    # The same tables for everyone who may see the convention, until one of its funding lines changes.
    context["budget_body"] = render_cache.cached_html(
        context["convention"], "action_plans:budget", render=lambda: _budget_body(context)
    )
    return render(request, "action_plans/budget.html", context)


def _export_actions(request, context: dict, *, lines: bool):
    plan = context["plan"]
    if plan is None:
        return context, []
    # Without parameters, the whole plan: no filter to build.
    actions = _filtered_actions(request, plan).qs if request.GET else None
    return context, selectors.plan_export_rows(plan=plan, actions=actions, lines=lines)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _plan_xlsx(request, context: dict) -> bytes:
    context, actions = _export_actions(request, context, lines=True)
    return exports.plan_xlsx(convention=context["convention"], actions=actions)


@require_GET
def export_xlsx(request, convention_pk: int):
    """The whole plan, or the fiches matching the page's filters (same GET parameters)."""
    context = _page_context(request, convention_pk)
    convention = context["convention"]
    if request.GET:  # the fiches matching the filters: written afresh
        content = _plan_xlsx(request, context)
    else:
        # The whole plan's workbook is the same for everyone who may see it until the plan changes (the
        # render cache's key follows the convention's content version, the language and today's date).
        content = render_cache.cached(convention, "action_plans:xlsx", build=lambda: _plan_xlsx(request, context))
    filename = exports.export_filename(convention=convention, extension="xlsx")
    return _attachment(content, exports.XLSX_CONTENT_TYPE, filename)


@require_GET
def export_csv(request, convention_pk: int):
    context, actions = _export_actions(request, _page_context(request, convention_pk), lines=False)
    filename = exports.export_filename(convention=context["convention"], extension="csv")
    return _attachment(exports.plan_csv(actions=actions), exports.CSV_CONTENT_TYPE, filename)


# --- Follow-up endpoints (htmx, with a plain-form fallback) -----------------------------------


def _origin(request) -> str:
    """Where a quick edit comes from: the plan page also refreshes its roll-ups."""
    return "fiche" if (request.POST.get("origin") or request.GET.get("origin")) == "fiche" else "plan"


def _detail_url(convention, action_pk: int, anchor: str = "") -> str:
    url = reverse("action_plans:action_detail", kwargs={"convention_pk": convention.pk, "pk": action_pk})
    return f"{url}#{anchor}" if anchor else url


def _monitoring_cell(request, context: dict, *, saved: bool = False) -> HttpResponse:
    """The status and progress cell of one fiche, with the plan's roll-ups out of band."""
    convention, action = context["convention"], context["action"]
    action = selectors.action_for_monitoring(convention=convention, pk=action.pk)
    context = {**context, "action": action, "origin": _origin(request), "saved": saved, "focus_edit": True}
    if context["origin"] == "plan" and saved:
        progress = selectors.plan_progress(plan=context["plan"])
        context.update(progress=progress, orientation_rollup=progress.for_orientation(action.orientation_id), oob=True)
    return render(request, "action_plans/_action_monitoring_response.html", context)


@require_http_methods(["GET", "POST"])
def action_quick_edit(request, convention_pk: int, pk: int):
    """Status and progress of a fiche, edited in place on the plan page (or the fiche page)."""
    context = _page_context(request, convention_pk)
    convention = context["convention"]
    action = selectors.action_for_monitoring(convention=convention, pk=pk)
    context["action"] = action
    if not context["abilities"]["follow_up"]:
        return _refused(request, ROLE_REFUSALS["follow_up"])
    if request.method == "GET":
        if not request.htmx:
            return redirect(_detail_url(convention, action.pk))
        if "cancel" in request.GET:
            return _monitoring_cell(request, context)
        form = ActionQuickEditForm(
            initial={"status": action.status, "progress": action.progress, "lock_version": action.lock_version},
            auto_id=f"action-{pk}-%s",
        )
        return render(
            request, "action_plans/_action_monitoring_form.html", {**context, "form": form, "origin": _origin(request)}
        )

    form = ActionQuickEditForm(request.POST, auto_id=f"action-{pk}-%s")
    if form.is_valid():
        try:
            monitoring.action_update_status_progress(
                action=action,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
                expected_version=form.cleaned_data["lock_version"],
                by=request.user,
            )
        except EditConflict as conflict:
            return _quick_edit_conflict(request, context, conflict)
        except NotAllowed as error:
            return _refused(request, error)
        except PortalError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_service_errors(error)
    if not form.is_valid():
        if request.htmx:
            return render(
                request,
                "action_plans/_action_monitoring_form.html",
                {**context, "form": form, "origin": _origin(request)},
            )
        messages.error(request, " ".join(str(message) for messages_ in form.errors.values() for message in messages_))
        return redirect(_detail_url(convention, action.pk, "suivi"))
    if request.htmx:
        return _monitoring_cell(request, context, saved=True)
    messages.success(request, _("Status and progress of fiche %(code)s saved.") % {"code": action.code})
    if _origin(request) == "fiche":
        return redirect(_detail_url(convention, action.pk))
    return redirect(reverse("action_plans:plan", kwargs={"convention_pk": convention.pk}) + f"#action-{action.pk}")


def _quick_edit_conflict(request, context: dict, conflict: EditConflict) -> HttpResponse:
    """Someone saved the fiche since the quick edit was opened: nothing saved, say who changed what.

    With htmx, the form comes back with the user's input, now based on the current version: saving
    it again is a decision taken knowing the other change. Without JavaScript, the fiche page shows
    the message and the current values.
    """
    message = action_conflict_message(action=conflict.action, version=conflict.expected_version)
    convention, action = context["convention"], context["action"]
    if not request.htmx:
        messages.error(request, message)
        return redirect(_detail_url(convention, action.pk, "suivi"))
    data = request.POST.copy()
    data["lock_version"] = str(conflict.current_version)
    form = ActionQuickEditForm(data, auto_id=f"action-{action.pk}-%s")
    form.is_valid()
    form.add_error(None, message)
    action = selectors.action_for_monitoring(convention=convention, pk=action.pk)
    return render(
        request,
        "action_plans/_action_monitoring_form.html",
        {**context, "action": action, "form": form, "origin": _origin(request), "conflict": True},
        status=409,
    )


@require_POST
def progress_update_create(request, convention_pk: int, pk: int):
    """Adds a dated progress update to a fiche's timeline; the fiche takes its progress."""
    context = _page_context(request, convention_pk)
    convention = context["convention"]
    action = selectors.action_for_monitoring(convention=convention, pk=pk)
    if not context["abilities"]["follow_up"]:
        return _refused(request, ROLE_REFUSALS["follow_up"])
    form = ProgressUpdateForm(request.POST)
    if form.is_valid():
        try:
            monitoring.progress_update_create(action=action, by=request.user, **form.cleaned_data)
        except NotAllowed as error:
            return _refused(request, error)
        except PortalError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_service_errors(error)
    saved = form.is_valid()
    if request.htmx:
        detail = _action_detail_context(request, convention_pk, pk, progress_form=None if saved else form)
        return render(request, "action_plans/_progress_updates_response.html", {**detail, "saved": saved})
    if saved:
        messages.success(request, _("Progress update of fiche %(code)s recorded.") % {"code": action.code})
        return redirect(_detail_url(convention, action.pk, "suivi"))
    # Without JavaScript: the whole page again, with what the user typed and the errors.
    return _action_detail_page(request, convention_pk, pk, progress_form=form)


def _inline_edit(request, convention_pk: int, pk: int, *, kind: str):
    """Shared flow of the two small in-place edits of the fiche page (indicator value, funding status)."""
    context = _page_context(request, convention_pk)
    convention = context["convention"]
    if kind == "indicator":
        obj = selectors.indicator_for_monitoring(convention=convention, pk=pk)
        form_class, template = IndicatorValueForm, "action_plans/_indicator_value.html"
        initial = {"current_value": obj.current_value}
    else:
        obj = selectors.funding_line_for_monitoring(convention=convention, pk=pk)
        form_class, template = FundingStatusForm, "action_plans/_funding_status.html"
        initial = {"status": obj.status}
    context.update(obj=obj, kind=kind)
    if not context["abilities"]["follow_up"]:
        return _refused(request, ROLE_REFUSALS["follow_up"])
    auto_id = f"{kind}-{pk}-%s"
    if request.method == "GET":
        if not request.htmx:
            return redirect(_detail_url(convention, obj.action_id))
        if "cancel" in request.GET:
            return render(request, template, {**context, "focus_edit": True})
        return render(request, template, {**context, "form": form_class(initial=initial, auto_id=auto_id)})

    form = form_class(request.POST, auto_id=auto_id)
    if form.is_valid():
        try:
            if kind == "indicator":
                obj = monitoring.evaluation_indicator_update_current_value(
                    indicator=obj, current_value=form.cleaned_data["current_value"], by=request.user
                )
            else:
                obj = monitoring.funding_line_update_status(
                    funding_line=obj, status=form.cleaned_data["status"], by=request.user
                )
        except NotAllowed as error:
            return _refused(request, error)
        except PortalError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_service_errors(error)
    saved = form.is_valid()
    if request.htmx:
        if not saved:
            return render(request, template, {**context, "form": form})
        context.update(obj=obj, saved=True, focus_edit=True)
        if kind == "funding":
            context.update(funding_totals=selectors.action_funding_totals(action_id=obj.action_id), oob=True)
        return render(request, template, context)
    if saved:
        messages.success(request, _("Change saved."))
    else:
        messages.error(request, " ".join(str(message) for messages_ in form.errors.values() for message in messages_))
    return redirect(_detail_url(convention, obj.action_id, "indicateurs" if kind == "indicator" else "financements"))


@require_http_methods(["GET", "POST"])
def indicator_value_edit(request, convention_pk: int, pk: int):
    """Current value of an evaluation indicator, edited in place on the fiche page."""
    return _inline_edit(request, convention_pk, pk, kind="indicator")


@require_http_methods(["GET", "POST"])
def funding_status_edit(request, convention_pk: int, pk: int):
    """Status of a funding line (planned → requested → granted → paid); its amount stays contractual."""
    return _inline_edit(request, convention_pk, pk, kind="funding")
