"""Creating and editing orientations and fiches actions.

Thin views over ``action_plans.services.orientations`` and ``.actions``, which hold every rule. Each
page starts from ``convention_for_user`` (404 for whoever may not see the convention); who may see
it but not edit it gets a 403 saying why, in the policy's words (``plan_edit_refusal``). A fiche of
a convention under review or signed opens in *follow-up* mode: its contractual content is shown,
not editable, and the service refuses any change to it. A save that comes after someone else's is
refused with what changed meanwhile, the user's input kept.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from action_plans.forms import (
    ActionForm,
    ActionFormChoices,
    FundingLineForm,
    IndicatorForm,
    OrientationForm,
    funding_formset_class,
    indicator_formset_class,
)
from action_plans.history import action_changes_since
from action_plans.models import Action, FundingLine, StrategicOrientation
from action_plans.services import actions, orientations
from action_plans.services.conflicts import EditConflict
from conventions.permissions import plan_edit_refusal
from conventions.selectors import convention_for_user
from ctg_portal.errors import NotAllowed, PortalError

FUNDING_PREFIX, INDICATORS_PREFIX = "funding", "indicators"


def _convention(request, convention_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    return convention, convention.get_abilities(request.user)


def _refused(request, error: NotAllowed | str) -> HttpResponse:
    """A 403 that says why, on the portal's error page."""
    messages.error(request, str(error))
    return render(request, "403.html", status=403)


def _plan_url(convention, anchor: str = "") -> str:
    return reverse("action_plans:plan", args=[convention.pk]) + (f"#{anchor}" if anchor else "")


def _orientation(convention, pk: int) -> StrategicOrientation:
    return get_object_or_404(StrategicOrientation.objects.select_related("plan"), pk=pk, plan__convention=convention)


def _action(convention, pk: int) -> Action:
    return get_object_or_404(
        Action.objects.select_related("orientation__plan", "domain", "pilot").prefetch_related(
            "partners",
            "answered_needs",
            Prefetch("funding_lines", queryset=FundingLine.objects.select_related("funder")),
            "evaluation_indicators",
        ),
        pk=pk,
        orientation__plan__convention=convention,
    )


def _put_errors(error: ValidationError, form, funding, indicators) -> None:
    """Shows a service's refusal next to what the user typed (see the services' key format)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    formsets = {FUNDING_PREFIX: funding, INDICATORS_PREFIX: indicators}
    for key, messages_ in error.message_dict.items():
        prefix, _sep, rest = key.partition("-")
        row, _sep, name = rest.partition("-")
        if prefix in formsets and row.isdigit() and int(row) < len(formsets[prefix].forms):
            line_form = formsets[prefix].forms[int(row)]
            line_form.add_error(name if name in line_form.fields else None, messages_)
        elif key in form.fields:
            form.add_error(key, messages_)
        else:
            form.add_error(None, messages_)


# --- Orientations ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def orientation_create(request, convention_pk: int):
    convention, abilities = _convention(request, convention_pk)
    if refusal := plan_edit_refusal(convention, abilities):
        return _refused(request, refusal)
    form = OrientationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orientation = orientations.orientation_create(convention=convention, **form.cleaned_data, by=request.user)
        except NotAllowed as error:
            return _refused(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Orientation %(number)s added.") % {"number": orientation.position})
            return redirect(_plan_url(convention, f"orientation-{orientation.pk}-title"))
    return render(
        request,
        "action_plans/editing/orientation_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "orientation": None},
    )


@require_http_methods(["GET", "POST"])
def orientation_edit(request, convention_pk: int, pk: int):
    convention, abilities = _convention(request, convention_pk)
    orientation = _orientation(convention, pk)
    if refusal := plan_edit_refusal(convention, abilities):
        return _refused(request, refusal)
    form = OrientationForm(
        request.POST or None, initial={"title": orientation.title, "description": orientation.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            orientations.orientation_update(orientation=orientation, **form.cleaned_data, by=request.user)
        except NotAllowed as error:
            return _refused(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Orientation %(number)s saved.") % {"number": orientation.position})
            return redirect(_plan_url(convention, f"orientation-{orientation.pk}-title"))
    return render(
        request,
        "action_plans/editing/orientation_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "orientation": orientation},
    )


@require_http_methods(["GET", "POST"])
def orientation_delete(request, convention_pk: int, pk: int):
    convention, abilities = _convention(request, convention_pk)
    orientation = _orientation(convention, pk)
    if refusal := plan_edit_refusal(convention, abilities):
        return _refused(request, refusal)
    if request.method == "POST":
        confirmed = [value for value in request.POST.getlist("action") if value.isdigit()]
        try:
            orientations.orientation_delete(orientation=orientation, confirmed_action_ids=confirmed, by=request.user)
        except NotAllowed as error:
            return _refused(request, error)
        except PortalError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Orientation “%(title)s” deleted.") % {"title": orientation.title})
            return redirect(_plan_url(convention))
    fiches = orientation.actions.order_by("position", "code").prefetch_related("funding_lines")
    return render(
        request,
        "action_plans/editing/orientation_confirm_delete.html",
        {"convention": convention, "abilities": abilities, "orientation": orientation, "actions": fiches},
    )


@require_POST
def orientation_move(request, convention_pk: int, pk: int):
    convention, abilities = _convention(request, convention_pk)
    orientation = _orientation(convention, pk)
    try:
        orientation = orientations.orientation_move(
            orientation=orientation, direction=request.POST.get("direction", ""), by=request.user
        )
    except NotAllowed as error:
        return _refused(request, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_plan_url(convention, f"orientation-{orientation.pk}-title"))


# --- Fiches actions -------------------------------------------------------------------------------


def _action_forms(request, *, convention, orientation, choices, action=None, frozen=False, data=None):
    """The fiche's form and its two formsets, bound to ``data`` (a POST) or showing ``action``."""
    form_kwargs = {"choices": choices, "frozen": frozen}
    funding_class, indicator_class = funding_formset_class(frozen=frozen), indicator_formset_class(frozen=frozen)
    if action is not None:
        # Also for a POST: the follow-up form shows the frozen lines from their initial values.
        initial = ActionForm.initial_for(action)
        funding_initial = [FundingLineForm.initial_for(line) for line in action.funding_lines.all()]
        indicator_initial = [IndicatorForm.initial_for(line) for line in action.evaluation_indicators.all()]
    else:
        initial = {
            "start_date": convention.period_start,
            "end_date": convention.period_end,
            "pilot": convention.epci,
        }
        funding_initial = indicator_initial = None
    form = ActionForm(
        data,
        initial=initial,
        convention=convention,
        orientation=orientation,
        choices=choices,
        action=action,
        frozen=frozen,
    )
    funding = funding_class(data, prefix=FUNDING_PREFIX, initial=funding_initial, form_kwargs=form_kwargs)
    indicators = indicator_class(data, prefix=INDICATORS_PREFIX, initial=indicator_initial, form_kwargs=form_kwargs)
    return form, funding, indicators


def _render_action_form(request, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("conflict", None)
    context.setdefault("changes", [])
    return render(request, "action_plans/editing/action_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def action_create(request, convention_pk: int, orientation_pk: int):
    convention, abilities = _convention(request, convention_pk)
    orientation = _orientation(convention, orientation_pk)
    if refusal := plan_edit_refusal(convention, abilities):
        return _refused(request, refusal)
    choices = ActionFormChoices.for_convention(convention)
    data = request.POST if request.method == "POST" else None
    form, funding, indicators = _action_forms(
        request, convention=convention, orientation=orientation, choices=choices, data=data
    )
    if data is not None and all([form.is_valid(), funding.is_valid(), indicators.is_valid()]):
        try:
            action = actions.action_create(
                orientation=orientation,
                data=form.to_input(funding_lines=funding.to_inputs(), indicators=indicators.to_inputs()),
                by=request.user,
            )
        except NotAllowed as error:
            return _refused(request, error)
        except ValidationError as error:
            _put_errors(error, form, funding, indicators)
        else:
            messages.success(request, _("Fiche action %(code)s created.") % {"code": action.code})
            return redirect("action_plans:action_detail", convention_pk=convention.pk, pk=action.pk)
    return _render_action_form(
        request,
        {
            "convention": convention,
            "abilities": abilities,
            "orientation": orientation,
            "action": None,
            "form": form,
            "funding": funding,
            "indicators": indicators,
            "frozen": False,
            "choices": choices,
        },
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, convention_pk: int, pk: int):
    convention, abilities = _convention(request, convention_pk)
    action = _action(convention, pk)
    if not (abilities["edit"] or abilities["follow_up"]):
        return _refused(request, plan_edit_refusal(convention, abilities))
    frozen = not abilities["edit"]
    funding_lines, indicator_lines = list(action.funding_lines.all()), list(action.evaluation_indicators.all())
    choices = ActionFormChoices.for_convention(
        convention,
        keep_organisations=[o.pk for o in action.partners.all()] + [line.funder_id for line in funding_lines],
        keep_pilots=[action.pilot],
        keep_years=[line.year for line in funding_lines],
        keep_domains=[action.domain],
        keep_needs=list(action.answered_needs.all()),
    )
    data = request.POST if request.method == "POST" else None
    forms_ = {
        "convention": convention,
        "orientation": action.orientation,
        "choices": choices,
        "action": action,
        "frozen": frozen,
    }
    form, funding, indicators = _action_forms(request, **forms_, data=data)
    context = {
        "convention": convention,
        "abilities": abilities,
        "orientation": action.orientation,
        "action": action,
        "frozen": frozen,
        "choices": choices,
        "funding_lines": funding_lines,
        "indicator_lines": indicator_lines,
    }
    if data is not None and all([form.is_valid(), funding.is_valid(), indicators.is_valid()]):
        wanted = form.to_input(funding_lines=funding.to_inputs(), indicators=indicators.to_inputs())
        try:
            saved = actions.action_update(
                action=action, data=wanted, expected_version=form.cleaned_data["lock_version"], by=request.user
            )
        except EditConflict as conflict:
            # The user's input, as typed, now based on the current version: saving again is a decision.
            changes = action_changes_since(action=conflict.action, version=conflict.expected_version, mine=wanted)
            data = data.copy()
            data["lock_version"] = str(conflict.current_version)
            form, funding, indicators = _action_forms(request, **forms_, data=data)
            context.update(form=form, funding=funding, indicators=indicators, conflict=conflict, changes=changes)
            return _render_action_form(request, context, status=409)
        except NotAllowed as error:
            return _refused(request, error)
        except ValidationError as error:
            _put_errors(error, form, funding, indicators)
        else:
            messages.success(request, _("Fiche action %(code)s saved.") % {"code": saved.code})
            return redirect("action_plans:action_detail", convention_pk=convention.pk, pk=saved.pk)
    context.update(form=form, funding=funding, indicators=indicators)
    return _render_action_form(request, context)


@require_http_methods(["GET", "POST"])
def action_delete(request, convention_pk: int, pk: int):
    convention, abilities = _convention(request, convention_pk)
    action = _action(convention, pk)
    if refusal := plan_edit_refusal(convention, abilities):
        return _refused(request, refusal)
    if request.method == "POST":
        version = request.POST.get("lock_version", "")
        try:
            actions.action_delete(
                action=action, expected_version=int(version) if version.isdigit() else -1, by=request.user
            )
        except NotAllowed as error:
            return _refused(request, error)
        except EditConflict:
            messages.error(
                request,
                _("This fiche action was saved by someone else meanwhile: check it again before deleting it."),
            )
            action = _action(convention, pk)
        else:
            messages.success(request, _("Fiche action %(code)s deleted.") % {"code": action.code})
            return redirect(_plan_url(convention, f"orientation-{action.orientation_id}-title"))
    return render(
        request,
        "action_plans/editing/action_confirm_delete.html",
        {
            "convention": convention,
            "abilities": abilities,
            "action": action,
            "progress_update_count": action.progress_updates.count(),
        },
    )


@require_POST
def action_move(request, convention_pk: int, pk: int):
    convention, abilities = _convention(request, convention_pk)
    action = get_object_or_404(
        Action.objects.select_related("orientation__plan"), pk=pk, orientation__plan__convention=convention
    )
    try:
        actions.action_move(action=action, direction=request.POST.get("direction", ""), by=request.user)
    except NotAllowed as error:
        return _refused(request, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_plan_url(convention, f"orientation-{action.orientation_id}-title"))
