"""The diagnostic page, and the values of one indicator edited in place (htmx) or on their own page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diagnostics import fragments, selectors, services
from diagnostics.forms import DiagnosticForm, IndicatorValuesForm, apply_errors
from diagnostics.indicators import formula_for
from diagnostics.models import IndicatorDefinition, IndicatorValue
from diagnostics.views.common import handles_refusal, scope


def detail_url(convention_pk: int, anchor: str = "") -> str:
    url = reverse("diagnostics:detail", kwargs={"convention_pk": convention_pk})
    return f"{url}#{anchor}" if anchor else url


@require_GET
def diagnostic_detail(request, convention_pk: int):
    current = scope(request, convention_pk, need_diagnostic=False)
    body = ""
    if current.diagnostic is not None:
        unfolded = request.GET.get("besoin", "")
        body = fragments.diagnostic_body(
            current.convention,
            can_edit=current.abilities["edit"],
            request=request,
            unfolded=int(unfolded) if unfolded.isdigit() else None,
        )
    return render(
        request,
        "diagnostics/detail.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "diagnostic": current.diagnostic,
            "body": body,
        },
    )


@require_POST
@handles_refusal
def diagnostic_start(request, convention_pk: int):
    current = scope(request, convention_pk, editing=True, need_diagnostic=False)
    services.diagnostic_start(convention=current.convention, by=request.user)
    messages.success(request, _("The shared diagnostic is open: add its indicators, findings and consultations."))
    return redirect(detail_url(convention_pk))


def _tables(current, codes: set[str]):
    communes = selectors.communes_of(current.convention)
    tables, _without = selectors.indicator_tables(
        diagnostic=current.diagnostic, convention=current.convention, communes=communes, only=codes
    )
    return tables


def _definition(code: str) -> IndicatorDefinition:
    return get_object_or_404(IndicatorDefinition.objects.select_related("domain"), code=code)


@require_GET
def indicator_card(request, convention_pk: int, code: str):
    """One indicator's card, read-only: what “Cancel” brings back in place of its edit form."""
    current = scope(request, convention_pk)
    if not request.htmx:
        return redirect(detail_url(convention_pk, f"indicator-{code}"))
    definition = _definition(code)
    tables = _tables(current, {definition.code})
    return HttpResponse(_card(current, tables[0]))


def _card(current, table, *, saved: str = "", oob: bool = False) -> str:
    return fragments.indicator_card_html(
        table,
        can_edit=current.abilities["edit"],
        urls=fragments.Urls(current.convention.pk),
        labels=fragments.Labels.current(),
        saved=saved,
        oob=oob,
    )


@require_GET
@handles_refusal
def indicator_choose(request, convention_pk: int):
    """The “type in another indicator” picker posts here (a GET form): go to that indicator's form."""
    scope(request, convention_pk, editing=True)
    code = request.GET.get("indicator", "")
    if not IndicatorDefinition.objects.filter(code=code).exists():
        messages.error(request, _("Choose an indicator in the list."))
        return redirect(detail_url(convention_pk, "indicators"))
    return redirect("diagnostics:indicator_edit", convention_pk=convention_pk, code=code)


@require_http_methods(["GET", "POST"])
@handles_refusal
def indicator_edit(request, convention_pk: int, code: str):
    """Every value of one indicator in a grid: territories × years, and a column for a new year."""
    current = scope(request, convention_pk, editing=True)
    definition = _definition(code)
    if definition.is_computed:
        raise Http404(_("This indicator is computed: it cannot be typed in."))
    communes = selectors.communes_of(current.convention)
    territories = [current.convention.epci, *communes]
    existing = {
        (value.territory_id, value.year): value.value
        for value in IndicatorValue.objects.filter(diagnostic=current.diagnostic, indicator=definition)
    }
    years = sorted({year for _territory, year in existing})
    form = IndicatorValuesForm(
        request.POST or None,
        territories=territories,
        years=years,
        initial_values=existing,
        format_value=selectors.format_number,
        initial={"new_year": None if years else _latest_year(current.diagnostic)},
    )
    change = None
    if request.method == "POST" and form.is_valid():
        try:
            change = services.indicator_values_save(
                diagnostic=current.diagnostic, indicator=definition, values=form.values(), by=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
    if change is not None:
        saved = _("Saved — values added: %(created)s, changed: %(updated)s, deleted: %(deleted)s.") % {
            "created": change.created,
            "updated": change.updated,
            "deleted": change.deleted,
        }
        if not request.htmx:
            messages.success(request, f"{definition.label} — {saved}")
            return redirect(detail_url(convention_pk, f"indicator-{definition.code}"))
        # The edited card, and the computed indicators that read it, refreshed out of band.
        dependents = set()
        for other in IndicatorDefinition.objects.exclude(code=definition.code):
            formula = formula_for(other)
            if formula is not None and definition.code in formula.codes:
                dependents.add(other.code)
        tables = _tables(current, {definition.code, *dependents})
        edited = next(table for table in tables if table.code == definition.code)
        others = [_card(current, table, oob=True) for table in tables if table.code != definition.code]
        return HttpResponse(_card(current, edited, saved=saved) + "".join(others))
    context = {
        "convention": current.convention,
        "abilities": current.abilities,
        "definition": definition,
        "form": form,
        "inline": bool(request.htmx),
    }
    template = "diagnostics/_indicator_edit.html" if request.htmx else "diagnostics/indicator_edit.html"
    return render(request, template, context)


def _latest_year(diagnostic) -> int | None:
    return IndicatorValue.objects.filter(diagnostic=diagnostic).order_by("-year").values_list("year", flat=True).first()


@require_http_methods(["GET", "POST"])
@handles_refusal
def diagnostic_settings(request, convention_pk: int):
    """The diagnostic's introduction and its dates, edited on their own page."""
    current = scope(request, convention_pk, editing=True)
    form = DiagnosticForm(request.POST or None, instance=current.diagnostic)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.DIAGNOSTIC_FIELDS}
        try:
            services.diagnostic_update(diagnostic=current.diagnostic, fields=fields, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The diagnostic's introduction and dates are saved."))
            return redirect(detail_url(convention_pk))
    return render(
        request,
        "diagnostics/diagnostic_form.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "form": form,
            "title": _("Introduction and dates"),
            "cancel_url": detail_url(convention_pk),
        },
    )
