"""Forms of the « Gouvernance » pages: a committee's name and mission, a member and their role."""

from django import forms
from django.utils.translation import gettext_lazy as _

from conventions.choices import GovernanceBodyKind, GovernanceMemberRole
from conventions.forms.parties import NEW_PERSON, PersonFieldsForm, organisation_label, person_label
from conventions.services.governance import MISSION_LENGTH, NAME_LENGTH

ROLE_ERRORS = {
    "required": _("Choose chair, co-chair or member."),
    "invalid_choice": _("Choose chair, co-chair or member."),
}


class BodyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of committee"),
        choices=GovernanceBodyKind.choices,
        initial=GovernanceBodyKind.TECHNICAL_COMMITTEE,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a steering or a technical committee.")},
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_LENGTH,
        error_messages={"required": _("Give the committee's name.")},
        help_text=_("For example « Comité de pilotage » or « Comité technique petite enfance »."),
    )
    mission = forms.CharField(
        label=_("Mission"),
        max_length=MISSION_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the committee decides or prepares, and how often it meets."),
    )

    def __init__(self, *args, with_kind: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_kind:
            del self.fields["kind"]


class MemberForm(PersonFieldsForm):
    """Seats a person: one of the parties' people, or a person of any organisation typed in."""

    representative = forms.ChoiceField(label=_("Person"), required=False)
    organisation = forms.TypedChoiceField(
        label=_("Organisation of the new person"), coerce=int, required=False, empty_value=None
    )
    role = forms.ChoiceField(
        label=_("Role on the committee"),
        choices=GovernanceMemberRole.choices,
        initial=GovernanceMemberRole.MEMBER,
        widget=forms.RadioSelect,
        error_messages=ROLE_ERRORS,
    )

    def __init__(self, *args, candidates, organisation_groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_email"].help_text = _("Optional: to reach the person, or to invite them later.")
        self.people = {str(person.pk): person for _label, people in candidates for person in people}
        self.organisations = {
            organisation.pk: organisation
            for _label, organisations in organisation_groups
            for organisation in organisations
        }
        self.fields["representative"].choices = [
            ("", _("— Choose —")),
            *((label, [(person.pk, person_label(person)) for person in people]) for label, people in candidates),
            (NEW_PERSON, _("A new person (type them below)")),
        ]
        self.fields["organisation"].choices = [("", _("— Choose —"))] + [
            (label, [(o.pk, organisation_label(o)) for o in organisations])
            for label, organisations in organisation_groups
        ]

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("representative") or ""
        typed = self.typed_person()
        if choice == NEW_PERSON or (choice == "" and typed):
            cleaned["representative"] = NEW_PERSON
            self.check_typed_person()
            if cleaned.get("organisation") not in self.organisations and "organisation" not in self.errors:
                self.add_error("organisation", _("Choose the organisation this person belongs to."))
        elif choice not in self.people:
            self.add_error("representative", _("Choose a person, or type in a new one."))
        elif typed:
            self.add_error(
                "representative",
                _("You typed a new person: choose « A new person » above, or clear the fields below."),
            )
        return cleaned

    def service_arguments(self) -> dict:
        choice = self.cleaned_data.get("representative") or ""
        if choice == NEW_PERSON:
            return {
                "representative": None,
                "organisation": self.organisations.get(self.cleaned_data.get("organisation")),
                "new_representative": self.typed_person(),
                "role": self.cleaned_data["role"],
            }
        return {"representative": self.people.get(choice), "role": self.cleaned_data["role"]}


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role on the committee"),
        choices=GovernanceMemberRole.choices,
        widget=forms.RadioSelect,
        error_messages=ROLE_ERRORS,
    )
