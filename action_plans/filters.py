"""Filters of the plan page and its exports, as GET parameters (django-filter).

The choices offered are those of the plan itself (its domains, pilots, partners, orientations), so
a filter never offers something that matches nothing by construction.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from action_plans.choices import ActionStatus
from action_plans.models import Action, ActionPlan, StrategicOrientation
from action_plans.selectors import late_condition
from conventions.models import Domain
from partners.models import Organisation

INVALID_CHOICE = _("Choose an option from the list.")


class OrientationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, orientation):
        return f"{orientation.position}. {orientation.title}"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, organisation):
        return organisation.display_name


class OrientationFilter(django_filters.ModelChoiceFilter):
    field_class = OrientationChoiceField


class OrganisationFilter(django_filters.ModelChoiceFilter):
    field_class = OrganisationChoiceField


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code, title or objectives")}),
    )
    orientation = OrientationFilter(
        label=_("Orientation"),
        queryset=StrategicOrientation.objects.none(),
        empty_label=_("All orientations"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    domain = django_filters.ModelChoiceFilter(
        label=_("Domain"),
        queryset=Domain.objects.none(),
        empty_label=_("All domains"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ActionStatus.choices,
        empty_label=_("All statuses"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    pilot = OrganisationFilter(
        label=_("Pilot"),
        queryset=Organisation.objects.none(),
        empty_label=_("All pilots"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    partner = OrganisationFilter(
        label=_("Partner"),
        queryset=Organisation.objects.none(),
        empty_label=_("All partners"),
        method="filter_partner",
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    late = django_filters.BooleanFilter(
        label=_("Late only"),
        method="filter_late",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Action
        fields = ["q", "orientation", "domain", "status", "pilot", "partner", "late"]

    def __init__(self, data=None, queryset=None, *, plan: ActionPlan, **kwargs):
        super().__init__(data, queryset, **kwargs)
        plan_actions = Action.objects.filter(orientation__plan=plan)
        self.filters["orientation"].queryset = StrategicOrientation.objects.filter(plan=plan).order_by("position")
        self.filters["domain"].queryset = Domain.objects.filter(pk__in=plan_actions.values("domain_id")).order_by(
            "position", "name"
        )
        self.filters["pilot"].queryset = Organisation.objects.filter(pk__in=plan_actions.values("pilot_id")).order_by(
            "name"
        )
        self.filters["partner"].queryset = Organisation.objects.filter(
            pk__in=Action.partners.through.objects.filter(action__orientation__plan=plan).values("organisation_id")
        ).order_by("name")

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                widget = field.widget
                if isinstance(widget, forms.CheckboxInput):
                    css_class = "form-check-input"
                elif isinstance(widget, forms.Select):
                    css_class = "form-select form-select-sm"
                else:
                    css_class = "form-control form-control-sm"
                widget.attrs["class"] = css_class
            form._styled = True
        return form

    @property
    def is_filtered(self) -> bool:
        """Whether a valid filter narrows the list (an empty or invalid parameter does not)."""
        return self.is_bound and any(
            value not in (None, "", False) for value in getattr(self.form, "cleaned_data", {}).values()
        )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value) | Q(objectives__icontains=value))

    def filter_partner(self, queryset, name, value):
        if not value:
            return queryset
        # A subquery rather than a join: no duplicate rows, nothing to ``distinct()``.
        return queryset.filter(pk__in=Action.partners.through.objects.filter(organisation=value).values("action_id"))

    def filter_late(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(late_condition(timezone.localdate()))
