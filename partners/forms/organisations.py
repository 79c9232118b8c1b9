"""Forms of the territories and organisations pages: the search of the EPCIs of France, an
organisation's identity (new or changed), and a CAF or a Département made from a département.

The forms check the shape of the input (lengths, choices); ``partners.services.organisations`` checks the
rest (SIREN checksum, duplicates…) and its ``ValidationError`` comes back on the same fields.
"""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from partners import grammar
from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.selectors import QUERY_MAX_LENGTH
from partners.services.organisations import CREATABLE_KINDS, TERRITORY_KINDS
from partners.territory_data import DepartementRecord

TEXT_ERRORS = {"max_length": _("This text is limited to %(limit_value)d characters (it has %(show_value)d).")}


def departement_choices(departements: tuple[DepartementRecord, ...], *, empty_label) -> list[tuple[str, str]]:
    return [("", empty_label)] + [(record.code, f"{record.code} — {record.name}") for record in departements]


class TerritorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, SIREN, commune or postal code"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages=TEXT_ERRORS,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    departement = forms.ChoiceField(
        label=_("Département"),
        required=False,
        error_messages={"invalid_choice": _("Choose a département of the list.")},
    )

    def __init__(self, *args, departements: tuple[DepartementRecord, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = departement_choices(departements, empty_label=_("All départements"))


def _field(name: str, **kwargs):
    """A form field with the model field's label and length."""
    model_field = Organisation._meta.get_field(name)
    return forms.CharField(
        label=kwargs.pop("label", capfirst(model_field.verbose_name)),  # lazy: translated when shown
        max_length=model_field.max_length,
        required=kwargs.pop("required", False),
        error_messages={**TEXT_ERRORS, **kwargs.pop("error_messages", {})},
        **kwargs,
    )


class OrganisationForm(forms.Form):
    """A new organisation, or the identity of one (``organisation``): for an EPCI or a commune, only what
    does not come from the official files."""

    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", _("Choose…"))] + [(kind.value, kind.label) for kind in CREATABLE_KINDS],
        error_messages={
            "required": _("Choose the kind of organisation."),
            "invalid_choice": _("Choose the kind of organisation."),
        },
    )
    name = _field(
        "name",
        required=True,
        label=_("Name"),
        help_text=_("As people call it, e.g. “CAF du Lot” or “Centre social Le Lien”."),
        error_messages={"required": _("Give the organisation's name.")},
    )
    legal_name = _field(
        "legal_name",
        help_text=_("As documents name it, e.g. “Caisse d'allocations familiales du Lot”. Empty: the name is used."),
    )
    definite_article = forms.ChoiceField(
        label=_("Article before the legal denomination"),
        required=False,
        choices=[("", _("Guessed from the first word"))] + list(grammar.ARTICLE_CHOICES),
        help_text=_("« la » Caisse…, « le » Département…, « l' »Association…"),
        error_messages={"invalid_choice": _("Choose one of the articles of the list.")},
    )
    short_name = _field("short_name", help_text=_("Shown on screens when the name is long. Optional."))
    siren = forms.CharField(
        label=_("SIREN"),
        required=False,
        max_length=11,  # nine digits, with the spaces people type (« 200 023 737 »)
        error_messages=TEXT_ERRORS,
        help_text=_("Nine digits (on annuaire-entreprises.data.gouv.fr). Optional, but recommended."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = _field("address", help_text=_("Street and number of the seat."))
    postal_code = forms.CharField(
        label=_("Postal code"),
        required=False,
        max_length=6,
        error_messages=TEXT_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    city = _field("city", label=_("City"))
    department_code = forms.ChoiceField(
        label=_("Département"),
        required=False,
        error_messages={"invalid_choice": _("Choose a département of the list.")},
    )

    def __init__(
        self, *args, departements: tuple[DepartementRecord, ...], organisation: Organisation | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["department_code"].choices = departement_choices(departements, empty_label=_("None in particular"))
        if organisation is not None and organisation.kind in TERRITORY_KINDS:
            for name in ("kind", "name", "siren", "department_code"):
                del self.fields[name]
        elif organisation is not None and organisation.kind not in CREATABLE_KINDS:
            self.fields["kind"].choices = [(organisation.kind, organisation.get_kind_display())]

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict:
        return {
            name: getattr(organisation, name)
            for name in (
                "kind",
                "name",
                "legal_name",
                "definite_article",
                "short_name",
                "siren",
                "address",
                "postal_code",
                "city",
                "department_code",
            )
        }


class DepartmentOrganisationForm(forms.Form):
    """The CAF or the Département of a département, in one click."""

    KINDS = [(OrganisationKind.CAF.value, _("its CAF")), (OrganisationKind.DEPARTEMENT.value, _("the Département"))]

    kind = forms.ChoiceField(
        label=_("Add"),
        choices=KINDS,
        initial=OrganisationKind.CAF.value,
        error_messages={"invalid_choice": _("Choose the CAF or the Département.")},
    )
    department_code = forms.ChoiceField(
        label=_("of the département"),
        error_messages={
            "required": _("Choose a département of the list."),
            "invalid_choice": _("Choose a département of the list."),
        },
    )

    def __init__(self, *args, departements: tuple[DepartementRecord, ...], **kwargs):
        # Shown beside the organisation form, which has fields of the same names: ids of its own, so
        # that each label names its own field.
        kwargs.setdefault("auto_id", "id_department_form_%s")
        super().__init__(*args, **kwargs)
        self.fields["department_code"].choices = departement_choices(departements, empty_label=_("Choose…"))
