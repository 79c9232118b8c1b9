"""Filters of the home page's list of conventions, as GET parameters (django-filter).

The parameters are French (``?statut=in_force&departement=46&echeance=6&q=cahors``) as the portal's
paths are. Each filter is a condition on the convention's own columns or a subquery on an indexed
foreign key: no join that multiplies rows, nothing to ``distinct()``.

The status is the one the page shows (``Convention.current_status``: a signed convention is in force
or expired by the calendar), so a filter and its count never disagree with the badge.
"""

import copy
import datetime
from functools import cache
from html import escape

import django_filters
import django_filters.fields
from django import forms
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from conventions.choices import ConventionStatus
from conventions.departments import DEPARTMENTS
from conventions.models import Convention, Party, current_status_condition
from ctg_portal.fast_html import html_format
from ctg_portal.search import Folded, fold
from partners.choices import OrganisationKind
from partners.models import Organisation
from workflow.services.notifications import add_months

INVALID_CHOICE = _("Choose an option from the list.")

# The summary's « arrivent à échéance » figure links to this filter.
SUMMARY_ENDING_WITHIN_MONTHS = 6


def flat_attributes(attrs: dict) -> str:
    """``django.forms.utils.flatatt`` with the standard library's escape: the attributes with a value
    sorted, then the true booleans sorted; ``False`` and ``None`` left out."""
    valued = sorted((name, value) for name, value in attrs.items() if value is not None and not isinstance(value, bool))
    flags = sorted(name for name, value in attrs.items() if value is True)
    return "".join(f' {name}="{escape(str(value))}"' for name, value in valued) + "".join(f" {name}" for name in flags)


class ChoiceField(django_filters.fields.ChoiceField):
    """django-filter's ``ChoiceField`` whose copy shares its choices (a list never changed in place: the
    form replaces it) instead of deep-copying them with their iterator: each form copies its fields."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)  # the widget, the error messages, the validators
        result.choices = self._choices.choices  # a new iterator, on the copy
        return result


class ChoiceFilter(django_filters.ChoiceFilter):
    field_class = ChoiceField


def select_html(attrs: dict, choices, selected: set[str]) -> SafeString:
    """A ``<select>`` with these attributes and options, the options of the values in ``selected`` selected."""
    # The standard library's escape (the entities Django writes) on plain strings: Django's, lazy-aware,
    # costs several times more a call, twice per option.
    options = "".join(
        f'<option value="{escape(key)}"{" selected" if key in selected else ""}>{escape(label)}</option>'
        for key, label in ((str(key), str(label)) for key, label in choices)
    )
    return SafeString(f"<select{flat_attributes(attrs)}>{options}</select>")


class FastSelect(forms.Select):
    """A ``<select>`` written in Python: Django's widget templates render each ``<option>`` through a
    template, about 2 ms per hundred; the home page offers a hundred CAFs and départements."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        return select_html(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}), self.choices, selected)


class FastSearchInput(forms.TextInput):
    """A search ``<input>`` written in Python, as Django's ``input.html`` writes it (without a template)."""

    input_type = "search"

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        final_attrs = self.build_attrs(self.attrs, attrs)
        written_value = f' value="{escape(str(value))}"' if value is not None else ""
        attributes = flat_attributes(final_attrs)
        return SafeString(f'<input type="{escape(self.input_type)}" name="{escape(name)}"{written_value}{attributes}>')


@cache
def _visible_cafs_sql() -> str:
    """On PostgreSQL, the CAFs party to any of some conventions (``%s``: the CAF kind, the conventions' ids
    as an array), by name: ``Organisation.objects.filter(kind=…, pk__in=Party.objects.filter(convention_id__in=…))``
    written once. An array rather than ``IN (…)`` keeps one SQL whatever the number of conventions."""
    organisation, party = Organisation._meta, Party._meta

    def column(meta, name: str) -> str:
        return connection.ops.quote_name(meta.get_field(name).column)

    pk, name, short_name, kind = (column(organisation, field) for field in ("id", "name", "short_name", "kind"))
    return (
        f"SELECT {pk}, {name}, {short_name} FROM {connection.ops.quote_name(organisation.db_table)}"
        f" WHERE {kind} = %s AND {pk} IN (SELECT {column(party, 'organisation')}"
        f" FROM {connection.ops.quote_name(party.db_table)} WHERE {column(party, 'convention')} = ANY(%s::bigint[]))"
        f" ORDER BY {name}"
    )


def ending_condition(months: int, today: datetime.date) -> Q:
    """Conventions whose period ends between today and ``months`` months from now (a terminated one
    does not end: it has ended)."""
    return Q(period_end__gte=today, period_end__lte=add_months(today, months)) & ~Q(status=ConventionStatus.TERMINATED)


# A field of the form, its column by name (``fields_html``).
FIELD = '<div class="{column}"><label class="form-label small mb-0" for="{id}">{label}</label>{widget}{errors}</div>'
ERRORS = '<div class="invalid-feedback d-block" id="{id}-error">{errors}</div>'
FIELD_COLUMNS = {"q": "col-12 col-lg-3", "caf": "col-sm-6 col-lg-3"}


SELECT_CLASS = "form-select form-select-sm"
INPUT_CLASS = "form-control form-control-sm"


def _style(form: forms.Form) -> None:
    """Bootstrap's classes on the form's widgets."""
    for field in form.fields.values():
        field.widget.attrs["class"] = SELECT_CLASS if isinstance(field.widget, forms.Select) else INPUT_CLASS


def _field_html_of(name: str, id_: str, label, widget: str, errors) -> SafeString:
    return html_format(
        FIELD,
        column=FIELD_COLUMNS.get(name, "col-sm-6 col-lg-2"),
        id=id_,
        label=label,
        widget=SafeString(widget),
        errors=html_format(ERRORS, id=id_, errors=" ".join(map(str, errors))) if errors else SafeString(""),
    )


def _field_html(field: forms.BoundField) -> SafeString:
    """A field of the form with its label and its errors (``FIELD``)."""
    return _field_html_of(field.name, field.id_for_label, field.label, str(field), field.errors)


@cache
def _unbound_fields_html(filterset_class, language: str | None) -> dict[str, SafeString]:
    """The fields of an unbound form of ``filterset_class`` in ``language`` (the active one), written once:
    without data nothing in them changes but the CAFs' and the départements' choices."""
    form = filterset_class._form_class()()
    _style(form)
    return {field.name: _field_html(field) for field in form}


class ConventionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=FastSearchInput(attrs={"placeholder": _("Title, reference or intercommunality")}),
    )
    statut = ChoiceFilter(
        label=_("Status"),
        choices=ConventionStatus.choices,
        empty_label=_("All statuses"),
        method="filter_status",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    caf = ChoiceFilter(
        label=_("CAF"),
        choices=(),
        empty_label=_("All CAFs"),
        method="filter_caf",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    departement = ChoiceFilter(
        label=_("Département"),
        choices=(),
        empty_label=_("All départements"),
        field_name="epci__department_code",
        widget=FastSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    echeance = ChoiceFilter(
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

    @classmethod
    @cache
    def _form_class(cls):
        """The form class, built once per process: django-filter builds one per request (a class and
        five fields), then each form copies its class's fields anyway."""
        # From copies: a filter keeps the field it made, which each request's copy of the filters would copy.
        fields = {name: filter_.field for name, filter_ in copy.deepcopy(cls.base_filters).items()}
        return type(f"{cls.__name__}Form", (cls._meta.form,), fields)

    def get_form_class(self):
        return self._form_class()

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            # django-filter's field puts its empty_label (« Toutes les CAF ») first by itself.
            form.fields["departement"].choices = self._department_choices()
            form.fields["caf"].choices = self._caf_choices()
            _style(form)
            form._styled = True
        return form

    def non_field_errors(self) -> list:
        """The form's errors that are no field's (none without data: no form is built for them then)."""
        return self.form.non_field_errors() if self.is_bound else []

    def fields_html(self) -> SafeString:
        """The form's fields, each with its label and errors, as ``_home_filters.html`` shows them: written
        here, not by a template loop (half a millisecond for five fields, on every page with filters)."""
        if self.is_bound:
            return SafeString("\n".join(_field_html(field) for field in self.form))
        # Without data, no value and no error: no form either. The fields whose choices never change are
        # written once per language; the CAFs and the départements, from their choices.
        written = _unbound_fields_html(type(self), get_language())
        choices = {"caf": self._caf_choices(), "departement": self._department_choices()}
        parts = []
        for name, filter_ in self.base_filters.items():
            if name in choices:
                attrs = {"class": SELECT_CLASS, "id": f"id_{name}", "name": name}
                widget = select_html(attrs, [("", filter_.extra["empty_label"]), *choices[name]], set())
                parts.append(_field_html_of(name, f"id_{name}", filter_.label, widget, []))
            else:
                parts.append(written[name])
        return SafeString("\n".join(parts))

    def _caf_choices(self) -> list[tuple[str, str]]:
        """The CAFs party to the conventions the user sees (all of them for an administrator)."""
        if self._visible_ids is not None and connection.vendor == "postgresql":
            # The query of every page that shows the filters, with the visible ids as one array parameter:
            # its SQL written once per process (building the queryset cost half a millisecond a request).
            with connection.cursor() as cursor:
                cursor.execute(_visible_cafs_sql(), [OrganisationKind.CAF.value, sorted(self._visible_ids)])
                rows = cursor.fetchall()
        else:
            # SQLite (``make run``) has no arrays: the same query through the ORM.
            cafs = Organisation.objects.filter(kind=OrganisationKind.CAF)
            if self._visible_ids is not None:
                cafs = cafs.filter(
                    pk__in=Party.objects.filter(convention_id__in=self._visible_ids).values("organisation_id")
                )
            rows = cafs.order_by("name").values_list("pk", "name", "short_name")
        return [(str(pk), short_name or name) for pk, name, short_name in rows]

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
