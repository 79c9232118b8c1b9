"""The form that starts a CTG: the territory, the CAF, the period, the domains, the contract it succeeds
and, when nobody of the intercommunality uses the portal yet, its référent to invite."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conventions.forms.editor import TEXT_ERRORS, PeriodAndSuccessionForm
from conventions.models import Convention, Domain
from conventions.permissions import convention_start_scope
from partners.choices import OrganisationKind
from partners.models import Invitation, Organisation
from workflow.services.start import DEFAULT_PREDECESSOR


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, organisation):
        if organisation.department_code:
            return f"{organisation.display_name} ({organisation.department_code})"
        return organisation.display_name


def startable_epcis(user):
    """The intercommunalities ``user`` may start a convention for (``permissions.convention_start_scope``)."""
    scope = convention_start_scope(user)
    epcis = Organisation.objects.filter(kind=OrganisationKind.EPCI).order_by("name")
    if scope.anywhere:
        return epcis
    return epcis.filter(Q(pk__in=scope.epci_ids) | Q(department_code__in=scope.department_codes))


def _next_january() -> datetime.date:
    return datetime.date(timezone.localdate().year + 1, 1, 1)


class StartForm(PeriodAndSuccessionForm):
    epci = OrganisationChoiceField(
        label=_("Intercommunality (EPCI)"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose the intercommunality"),
        error_messages={
            "required": _("Choose the intercommunality."),
            "invalid_choice": _("Choose an intercommunality of the list."),
        },
    )
    caf = OrganisationChoiceField(
        label=_("CAF"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose the CAF"),
        error_messages={"required": _("Choose the CAF."), "invalid_choice": _("Choose a CAF of the list.")},
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=Convention._meta.get_field("title").max_length,
        error_messages=TEXT_ERRORS,
        help_text=_("Empty: « Convention territoriale globale 2026-2029 — » and the intercommunality's name."),
    )
    domains = forms.ModelMultipleChoiceField(
        label=_("Domains of the national list"),
        queryset=Domain.objects.filter(territory__isnull=True).order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose domains of the list.")},
    )
    new_domains = forms.CharField(
        label=_("Domains of the territory's own"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=TEXT_ERRORS,
        help_text=_("One per line, for the fields the national list lacks (such as « Sport et loisirs »)."),
    )
    referent_email = forms.EmailField(
        label=_("E-mail of the intercommunality's référent"),
        required=False,
        max_length=Invitation._meta.get_field("email").max_length,
        error_messages={"invalid": _("Give a valid e-mail address, such as prenom.nom@example.fr.")},
    )
    referent_name = forms.CharField(
        label=_("Their first and last name"),
        required=False,
        max_length=Invitation._meta.get_field("full_name").max_length,
        error_messages=TEXT_ERRORS,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["epci"].queryset = startable_epcis(user)
        self.fields["caf"].queryset = Organisation.objects.filter(kind=OrganisationKind.CAF).order_by("name")
        self.fields["domains"].initial = list(self.fields["domains"].queryset.values_list("pk", flat=True))
        self.fields["replaces_contract"].initial = DEFAULT_PREDECESSOR
        start = _next_january()
        self.fields["period_start"].initial = start
        self.fields["period_end"].initial = datetime.date(start.year + 3, 12, 31)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start < end < timezone.localdate():
            self.add_error("period_end", _("This period is already over: choose a period to come or under way."))
        if data.get("referent_name") and not data.get("referent_email"):
            self.add_error("referent_email", _("Give the référent's e-mail address to invite them."))
        return data

    def new_domain_names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("new_domains", "").splitlines() if line.strip()]
