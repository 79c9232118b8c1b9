"""Forms of the « Signataires et associés » pages: pick an organisation, describe its party (who
represents it, round, signature method, deliberation), correct a person named in the convention."""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from conventions.choices import PartyRole, SignatureMethod
from conventions.selectors_parties import is_local_authority
from conventions.services.parties import DELIBERATION_NUMBER_LENGTH, NEW_REPRESENTATIVE_PREFIX, SIGNING_ORDER_MAX
from partners.choices import Civility
from partners.models import Organisation, Representative

# The representative picker's answer for « a new person », typed in the fields below it.
NEW_PERSON = "new"
PERSON_FIELDS = ("civility", "full_name", "title", "delegation", "email")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def organisation_label(organisation: Organisation) -> str:
    """How the pickers name an organisation: its name, and where a commune or an EPCI lies."""
    if organisation.department_code and organisation.kind in ("commune", "epci"):
        return f"{organisation.name} ({organisation.department_code})"
    return organisation.name


def person_label(person: Representative) -> str:
    """« Mme Catherine Prunet — Présidente » (and the delegation, when there is one)."""
    label = f"{person.name_with_civility} — {person.title}"
    return f"{label}, {person.delegation}" if person.delegation else label


def organisation_create_url(back_to: str) -> str:
    """« Créer une organisation », coming back to ``back_to`` once it is created (the organisation's
    page adds ``organisation=<id>`` to it, which selects the new organisation)."""
    return reverse("partners:organisation_create") + "?" + urlencode({"next": back_to})


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's refusal next to the field it names, or at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class OrganisationPickForm(forms.Form):
    """The first step of adding a party: which organisation, found by its name (read from GET)."""

    role = forms.ChoiceField(
        label=_("Role in the convention"),
        choices=PartyRole.choices,
        initial=PartyRole.SIGNATORY,
        widget=forms.RadioSelect,
    )
    q = forms.CharField(
        label=_("Search an organisation"),
        required=False,
        max_length=100,
        help_text=_(
            "Part of its name, its SIREN or its INSEE code: communes outside the territory are found this way."
        ),
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("— Choose —"))] + [
            (label, [(o.pk, organisation_label(o)) for o in organisations]) for label, organisations in groups
        ]


class PersonFieldsForm(forms.Form):
    """The fields describing a person typed in on the spot (names prefixed ``new_``, like the services' errors)."""

    new_civility = forms.ChoiceField(
        label=_("Civility"),
        choices=[("", "—"), *Civility.choices],
        required=False,
        help_text=_("Gives « la Présidente » or « le Président » in the convention's text."),
    )
    new_full_name = forms.CharField(label=_("First name and last name"), max_length=150, required=False)
    new_title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Without article, for example « Présidente », « Maire », « Directrice »."),
    )
    new_delegation = forms.CharField(
        label=_("Delegation"),
        max_length=200,
        required=False,
        help_text=_("When this person signs for someone else, e.g. « pour le préfet et par délégation »."),
    )
    new_email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        help_text=_("Needed to invite the person to sign in the portal."),
        error_messages={"invalid": _("Give a valid e-mail address, such as prenom.nom@example.fr.")},
    )

    def typed_person(self) -> dict | None:
        """The person typed in, as the services take it, or None when nothing was typed."""
        values = {name: self.cleaned_data.get(f"{NEW_REPRESENTATIVE_PREFIX}{name}") or "" for name in PERSON_FIELDS}
        return values if any(values.values()) else None

    def check_typed_person(self) -> None:
        """A new person needs a civility, a name and a title (the text names them « la Présidente… »)."""
        required = {
            "new_civility": _("Choose « Mme » or « M. »."),
            "new_full_name": _("Give the person's first name and last name."),
            "new_title": _("Give the person's title, for example « Présidente » or « Maire »."),
        }
        for name, message in required.items():
            if not self.cleaned_data.get(name) and name not in self.errors:
                self.add_error(name, message)


class PartyForm(PersonFieldsForm):
    """Who represents the party and, for a signatory, its round, signature method and deliberation."""

    representative = forms.ChoiceField(label=_("Who represents it"), required=False)
    signing_order = forms.IntegerField(
        label=_("Signing round"),
        min_value=1,
        max_value=SIGNING_ORDER_MAX,
        required=False,
        help_text=_("1 signs first; equal numbers sign in parallel. Empty: after the others."),
        error_messages={
            "min_value": _("The signing order is a number from 1 to %(max)s.") % {"max": SIGNING_ORDER_MAX},
            "max_value": _("The signing order is a number from 1 to %(max)s.") % {"max": SIGNING_ORDER_MAX},
            "invalid": _("The signing order is a number from 1 to %(max)s.") % {"max": SIGNING_ORDER_MAX},
        },
    )
    signature_method = forms.ChoiceField(
        label=_("How this party signs"),
        choices=SignatureMethod.choices,
        initial=SignatureMethod.ELECTRONIC,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether this party signs in the portal or on paper.")},
    )
    deliberation_number = forms.CharField(
        label=_("Deliberation number"), max_length=DELIBERATION_NUMBER_LENGTH, required=False
    )
    deliberation_date = forms.DateField(
        label=_("Deliberation date"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Give a valid date, such as 15/03/2025.")},
    )
    invite = forms.BooleanField(
        label=_("Invite the representative to the portal now"),
        required=False,
        initial=True,
        help_text=_("For a signature in the portal: the person receives an e-mail to create their account."),
    )

    def __init__(self, *args, organisation: Organisation, role: str, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation, self.role = organisation, role
        self.people = {str(person.pk): person for person in people}
        self.fields["representative"].choices = [
            ("", _("— To be designated later —")),
            *((pk, person_label(person)) for pk, person in self.people.items()),
            (NEW_PERSON, _("A new person (type them below)")),
        ]
        if role == PartyRole.ASSOCIATE:
            for name in ("signing_order", "signature_method", "deliberation_number", "deliberation_date", "invite"):
                del self.fields[name]
        elif is_local_authority(organisation):
            self.fields["deliberation_number"].help_text = _(
                "The deliberation of the council authorising the signature; it may be given later."
            )
        else:
            self.fields["deliberation_number"].help_text = _("If a deliberation authorises the signature.")

    @property
    def asks_deliberation(self) -> bool:
        return "deliberation_number" in self.fields

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("representative") or ""
        if choice not in ("", NEW_PERSON) and choice not in self.people:
            self.add_error("representative", _("Choose one of the people representing this organisation."))
        typed = self.typed_person()
        if choice == NEW_PERSON or (choice == "" and typed):
            cleaned["representative"] = NEW_PERSON
            self.check_typed_person()
        elif typed:
            self.add_error(
                "representative",
                _("You typed a new person: choose « A new person » above, or clear the fields below."),
            )
        return cleaned

    def service_arguments(self) -> dict:
        """The keyword arguments of ``party_add``/``party_update`` from the cleaned form."""
        data = self.cleaned_data
        choice = data.get("representative") or ""
        arguments = {
            "representative": self.people.get(choice),
            "new_representative": self.typed_person() if choice == NEW_PERSON else None,
        }
        for name in ("signing_order", "signature_method", "deliberation_number", "deliberation_date", "invite"):
            if name in self.fields:
                arguments[name] = data.get(name)
        if "deliberation_number" in arguments:
            arguments["deliberation_number"] = arguments["deliberation_number"] or ""
        return arguments


class RepresentativeForm(forms.Form):
    """Corrects a person named in the convention; only the e-mail once the text no longer changes."""

    civility = forms.ChoiceField(
        label=_("Civility"),
        choices=Civility.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose « Mme » or « M. »."), "invalid_choice": _("Choose « Mme » or « M. ».")},
    )
    full_name = forms.CharField(
        label=_("First name and last name"),
        max_length=150,
        error_messages={"required": _("Give the person's first name and last name.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Without article, for example « Présidente », « Maire », « Directrice »."),
        error_messages={"required": _("Give the person's title, for example « Présidente » or « Maire ».")},
    )
    delegation = forms.CharField(
        label=_("Delegation"),
        max_length=200,
        required=False,
        help_text=_("When this person signs for someone else, e.g. « pour le préfet et par délégation »."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        error_messages={"invalid": _("Give a valid e-mail address, such as prenom.nom@example.fr.")},
    )

    def __init__(self, *args, text_editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not text_editable:
            for name in ("civility", "full_name", "title", "delegation"):
                self.fields[name].disabled = True
                self.fields[name].required = False
