"""Filters of the home page's list of conventions, as GET parameters (django-filter).

The parameters are French (``?statut=in_force&departement=46&echeance=6&q=cahors``) as the portal's
paths are. Each filter is a condition on the convention's own columns or a subquery on an indexed
foreign key: no join that multiplies rows, nothing to ``distinct()``.

The status is the one the page shows (``Convention.current_status``: a signed convention is in force
or expired by the calendar), so a filter and its count never disagree with the badge.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from conventions.choices import ConventionStatus
from conventions.departments import DEPARTMENTS
from conventions.models import Convention, Party, current_status_condition
from ctg_portal.search import Folded, fold
from partners.choices import OrganisationKind
from partners.models import Organisation
from workflow.services.notifications import add_months

INVALID_CHOICE = _("Choose an option from the list.")

# The summary's « arrivent à échéance » figure links to this filter.
SUMMARY_ENDING_WITHIN_MONTHS = 6


class FastSelect(forms.Select):
    """A ``<select>`` written in Python: Django's widget templates render each ``<option>`` through a
    template, about 2 ms per hundred; the home page offers a hundred CAFs and départements."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in selected else ""}>{escape(label)}</option>'
            for key, label in self.choices
        )
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))


class FastSearchInput(forms.TextInput):
    """A search ``<input>`` written in Python, as Django's ``input.html`` writes it (without a template)."""

    input_type = "search"

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            self.input_type,
            name,
            format_html(' value="{}"', value) if value is not None else "",
            flatatt(final_attrs),
        )


def ending_condition(months: int, today: datetime.date) -> Q:
    """Conventions whose period ends between today and ``months`` months from now (a terminated one
    does not end: it has ended)."""
    return Q(period_end__gte=today, period_end__lte=add_months(today, months)) & ~Q(status=ConventionStatus.TERMINATED)


class ConventionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=FastSearchInput(attrs={"placeholder": _("Title, reference or intercommunality")}),
    )
    statut = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ConventionStatus.choices,
        empty_label=_("All statuses"),
        method="filter_status",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    caf = django_filters.ChoiceFilter(
        label=_("CAF"),
        choices=(),
        empty_label=_("All CAFs"),
        method="filter_caf",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    departement = django_filters.ChoiceFilter(
        label=_("Département"),
        choices=(),
        empty_label=_("All départements"),
        field_name="epci__department_code",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    echeance = django_filters.ChoiceFilter(
        label=_("Period ending"),
        choices=[
            ("3", _("within 3 months")),
            ("6", _("within 6 months")),
            ("12", _("within 12 months")),
            ("24", _("within 24 months")),
        ],
        empty_label=_("Any time"),
        method="filter_ending",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )

    class Meta:
        model = Convention
        fields = ["q", "statut", "caf", "departement", "echeance"]

    def __init__(self, data=None, queryset=None, *, visible_ids, today: datetime.date | None = None, **kwargs):
        """``visible_ids``: ``conventions.models.visible_convention_ids(user)`` (``None``: all), so the CAFs
        and départements offered are those of the conventions the user sees."""
        super().__init__(data, queryset, **kwargs)
        self.today = today or timezone.localdate()
        self._visible_ids = visible_ids
        # The départements of the visible conventions, when the caller has read them already (the home
        # page does when they all fit in one page); else one query when the form is shown.
        self.department_codes: set[str] | None = None

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            # django-filter's field puts its empty_label (« Toutes les CAF ») first by itself.
            form.fields["departement"].choices = self._department_choices()
            form.fields["caf"].choices = self._caf_choices()
            for field in form.fields.values():
                css_class = (
                    "form-select form-select-sm"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-sm"
                )
                field.widget.attrs["class"] = css_class
            form._styled = True
        return form

    def _caf_choices(self) -> list[tuple[str, str]]:
        """The CAFs party to the conventions the user sees (all of them for an administrator)."""
        cafs = Organisation.objects.filter(kind=OrganisationKind.CAF)
        if self._visible_ids is not None:
            cafs = cafs.filter(
                pk__in=Party.objects.filter(convention_id__in=self._visible_ids).values("organisation_id")
            )
        return [
            (str(pk), short_name or name)
            for pk, name, short_name in cafs.order_by("name").values_list("pk", "name", "short_name")
        ]

    def _department_choices(self) -> list[tuple[str, str]]:
        codes = DEPARTMENTS.keys()
        if self.department_codes is not None:
            codes = sorted(code for code in self.department_codes if code)
        elif self._visible_ids is not None:
            # The départements of the conventions the user sees (one query, only when the form is shown).
            codes = sorted(
                set(
                    Convention.objects.filter(pk__in=self._visible_ids)
                    .exclude(epci__department_code="")
                    .values_list("epci__department_code", flat=True)
                )
            )
        return [(code, f"{code} – {DEPARTMENTS[code][0]}" if code in DEPARTMENTS else code) for code in codes]

    @property
    def cleaned_data(self) -> dict:
        """The valid filters (the form validated once; an invalid one is left out, with its error)."""
        if not self.is_bound:
            return {}
        self.errors  # noqa: B018 — validates the form, as django-filter's ``qs`` does
        return self.form.cleaned_data

    @property
    def is_filtered(self) -> bool:
        """Whether a valid filter narrows the list (an empty or invalid parameter does not)."""
        return any(value not in (None, "") for value in self.cleaned_data.values())

    @property
    def status(self) -> str | None:
        """The status asked for, if valid."""
        return self.cleaned_data.get("statut") or None

    def qs_without_status(self):
        """The conventions every filter but the status keeps: what the counts per status count."""
        queryset = self.queryset.all()
        for name, value in self.cleaned_data.items():
            if name != "statut":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_search(self, queryset, name, value):
        """The reference, the title or the intercommunality's names contain ``value``, whatever the
        accents and the case (« genevois » finds « Génevois »: ``ctg_portal.search``)."""
        term = fold(" ".join(value.split()))
        if not term:
            return queryset
        # The intercommunality by a subquery, not an OR across a join.
        epcis = (
            Organisation.objects.filter(kind=OrganisationKind.EPCI)
            .alias(folded_name=Folded("name"), folded_short_name=Folded("short_name"))
            .filter(Q(folded_name__contains=term) | Q(folded_short_name__contains=term))
        )
        return queryset.alias(folded_reference=Folded("reference"), folded_title=Folded("title")).filter(
            Q(folded_reference__contains=term) | Q(folded_title__contains=term) | Q(epci_id__in=epcis.values("pk"))
        )

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(current_status_condition(value, self.today))

    def filter_caf(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Party.objects.filter(organisation_id=int(value)).values("convention_id"))

    def filter_ending(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(ending_condition(int(value), self.today))
