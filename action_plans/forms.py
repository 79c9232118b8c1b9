"""Forms of the action plan's editing pages: an orientation, and a fiche action with its funding
lines and evaluation indicators as formsets.

Forms check formats and choices, with French messages, and keep what the user typed; the rules
themselves (the convention's period, its parties, content frozen by the review or the signature, no
lost update) belong to the services (``action_plans.services.actions``); the forms call the same
checks (``action_plans.validators``, ``action_plans.selectors``) so that every problem shows at
once. Choices (domains, parties, organisations, needs) are read once per page and shared by every
form of the page: the number of queries does not grow with the number of lines.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from action_plans import selectors
from action_plans.choices import ActionStatus, FundingStatus
from action_plans.inputs import (
    CONTRACTUAL_ACTION_FIELDS,
    CONTRACTUAL_ACTION_RELATIONS,
    CONTRACTUAL_FUNDING_FIELDS,
    CONTRACTUAL_INDICATOR_FIELDS,
    ActionInput,
    FundingLineInput,
    IndicatorInput,
)
from action_plans.models import Action, StrategicOrientation
from action_plans.validators import PROGRESS_MAX, PROGRESS_MIN, date_problems, period_years, validate_progress
from conventions.models import Convention, Domain
from diagnostics.choices import Priority
from diagnostics.models import Finding
from partners.models import Organisation

# --- Fields ---------------------------------------------------------------------------------------


class ChoicesFromListMixin:
    """A model choice field whose choices are a list read beforehand: no query to render or to
    validate, however many forms of the page share it."""

    def set_objects(self, objects):
        self._objects = {str(obj.pk): obj for obj in objects}
        choices = [(str(obj.pk), self.label_from_instance(obj)) for obj in objects]
        if getattr(self, "empty_label", None) is not None:
            choices.insert(0, ("", self.empty_label))
        self.choices = choices

    def _lookup(self, value):
        try:
            return self._objects[str(value)]
        except (KeyError, AttributeError):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class ListModelChoiceField(ChoicesFromListMixin, forms.ModelChoiceField):
    def __init__(self, model, **kwargs):
        kwargs.setdefault("empty_label", _("Choose…"))
        super().__init__(queryset=model._default_manager.none(), **kwargs)
        self.set_objects([])

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return self._lookup(value)


class ListModelMultipleChoiceField(ChoicesFromListMixin, forms.ModelMultipleChoiceField):
    def __init__(self, model, **kwargs):
        super().__init__(queryset=model._default_manager.none(), **kwargs)
        self.set_objects([])

    def clean(self, value):
        value = self.prepare_value(value)
        if not value:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        objects = list({str(item): self._lookup(item) for item in value}.values())
        self.run_validators(value)
        return objects


class DecimalInput(forms.TextInput):
    """A number as the French write it (12 500,5), without the stored zeros (10.000 shows as 10)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            value = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
            return formats.number_format(value, use_l10n=True, force_grouping=True)
        return super().format_value(value)


class HiddenDecimalInput(forms.HiddenInput):
    def format_value(self, value):
        return format(value, "f") if isinstance(value, Decimal) else super().format_value(value)


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed the French way (“12 500,50”), or the English way (“12,500.50”)."""

    widget = DecimalInput

    default_error_messages = {"invalid": _("Enter a number, for example 12 500,50.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = re.sub(r"[\s\u00a0\u202f'’€]", "", str(value))
        sign = ""
        if text[:1] in ("-", "+"):
            sign, text = text[0], text[1:]
        if "," in text and "." in text:
            # The rightmost sign separates the decimals; the other one groups thousands.
            decimal_sign = "," if text.rfind(",") > text.rfind(".") else "."
            grouping = "." if decimal_sign == "," else ","
        elif text.count(",") > 1 or text.count(".") > 1:
            decimal_sign, grouping = None, "," if "," in text else "."
        else:
            decimal_sign, grouping = ("," if "," in text else "."), None
        whole, _sep, decimals = text.partition(decimal_sign) if decimal_sign else (text, "", "")
        if grouping:
            if not re.fullmatch(rf"\d{{1,3}}(\{grouping}\d{{3}})+", whole):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            whole = whole.replace(grouping, "")
        if not re.fullmatch(r"\d*", whole) or not re.fullmatch(r"\d*", decimals) or not (whole or decimals):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return Decimal(f"{sign}{whole or 0}.{decimals or 0}")
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def _hide(field: forms.Field) -> None:
    """Frozen content stays in the form as hidden values: the service refuses any change to them."""
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        field.widget = forms.MultipleHiddenInput()
    elif isinstance(field, forms.DecimalField):
        field.widget = HiddenDecimalInput()
    else:
        field.widget = forms.HiddenInput()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# --- Choices of a page ----------------------------------------------------------------------------


@dataclass
class ActionFormChoices:
    """What a fiche action may point to, read once for the whole page."""

    domains: list[Domain]
    pilots: list[Organisation]
    organisations: list[Organisation]
    needs: list[Finding]
    years: list[int]

    @classmethod
    def for_convention(
        cls,
        convention: Convention,
        *,
        keep_organisations=(),
        keep_pilots=(),
        keep_years=(),
        keep_domains=(),
        keep_needs=(),
    ) -> "ActionFormChoices":
        """``keep_*``: what the fiche already holds stays offered, even if it would not be any more
        (the services only check what changes)."""
        domains = selectors.convention_domains(convention=convention)
        domains += [domain for domain in keep_domains if domain not in domains]
        needs = selectors.diagnostic_needs(convention=convention)
        needs += [need for need in keep_needs if need not in needs]
        pilots = selectors.allowed_pilots(convention=convention)
        pilots += [pilot for pilot in keep_pilots if pilot not in pilots]
        return cls(
            domains=domains,
            pilots=pilots,
            organisations=selectors.allowed_partners(convention=convention, keep=keep_organisations),
            needs=needs,
            years=sorted(set(period_years(convention=convention)) | set(keep_years)),
        )


# --- Orientation ----------------------------------------------------------------------------------


class OrientationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = _("Give a title.")


def _organisation_label(organisation: Organisation) -> str:
    return f"{organisation.name} ({organisation.get_kind_display()})"


# --- Fiche action ---------------------------------------------------------------------------------


class ActionForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(label=_("Code"), max_length=10, help_text=_("For example “2.3”."))
    title = forms.CharField(label=_("Title"), max_length=255)
    domain = ListModelChoiceField(Domain, label=_("Domain"))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.MEDIUM
    )
    objectives = forms.CharField(label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    target_public = forms.CharField(label=_("Target public"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    answered_needs = ListModelMultipleChoiceField(
        Finding,
        label=_("Needs of the diagnostic it answers"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Choose needs found by this convention's diagnostic.")},
    )
    pilot = ListModelChoiceField(
        Organisation,
        label=_("Pilot"),
        help_text=_("An organisation party to the convention."),
        error_messages={"invalid_choice": _("The pilot must be an organisation party to the convention.")},
    )
    partners = ListModelMultipleChoiceField(
        Organisation,
        label=_("Partners"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Choose partners among the organisations offered.")},
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(label=_("End date"), widget=DateInput)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.UPCOMING)
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        initial=0,
        # Not min_value/max_value: their messages are %-formatted, and this one ends with “%.”.
        validators=[validate_progress],
        widget=forms.NumberInput(attrs={"min": PROGRESS_MIN, "max": PROGRESS_MAX, "step": 1}),
        error_messages={"invalid": _("Progress must be a whole number between 0 and 100.")},
    )

    CONTRACTUAL = CONTRACTUAL_ACTION_FIELDS + CONTRACTUAL_ACTION_RELATIONS

    def __init__(
        self,
        *args,
        convention: Convention,
        orientation: StrategicOrientation,
        choices: ActionFormChoices,
        action: Action | None = None,
        frozen: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.convention, self.orientation, self.action, self.frozen = convention, orientation, action, frozen
        self.fields["partners"].label_from_instance = _organisation_label
        self.fields["answered_needs"].label_from_instance = lambda need: f"{need.title} ({need.domain.name})"
        self.fields["domain"].set_objects(choices.domains)
        self.fields["pilot"].set_objects(choices.pilots)
        self.fields["partners"].set_objects(choices.organisations)
        self.fields["answered_needs"].set_objects(choices.needs)
        self.fields["title"].error_messages["required"] = _("Give a title.")
        self.fields["code"].error_messages["required"] = _("Give a code, for example “2.3”.")
        self.fields["start_date"].error_messages["invalid"] = _("Enter a valid date.")
        self.fields["end_date"].error_messages["invalid"] = _("Enter a valid date.")
        if action is not None:
            self.fields["lock_version"].required = True
            self.fields["lock_version"].error_messages["required"] = _(
                "This form is incomplete: reload the page and enter your changes again."
            )
        if frozen:
            for name in self.CONTRACTUAL:
                _hide(self.fields[name])

    @staticmethod
    def initial_for(action: Action) -> dict:
        """The form's initial values for a stored fiche (its relations already prefetched)."""
        return {
            **{name: getattr(action, name) for name in CONTRACTUAL_ACTION_FIELDS},
            "status": action.status,
            "progress": action.progress,
            "partners": list(action.partners.all()),
            "answered_needs": list(action.answered_needs.all()),
            "lock_version": action.lock_version,
        }

    def clean(self):
        cleaned = super().clean()
        if not self.frozen:
            for name, message in date_problems(
                convention=self.convention, start=cleaned.get("start_date"), end=cleaned.get("end_date")
            ).items():
                if name in cleaned:
                    self.add_error(name, message)
            code = cleaned.get("code")
            if code and selectors.code_taken(
                orientation=self.orientation, code=code, exclude_pk=self.action.pk if self.action else None
            ):
                self.add_error("code", _("Another action of this orientation already has this code."))
        return cleaned

    def to_input(self, *, funding_lines: list, indicators: list) -> ActionInput:
        data = self.cleaned_data
        return ActionInput(
            **{name: data[name] for name in CONTRACTUAL_ACTION_FIELDS},
            status=data["status"],
            progress=data["progress"],
            partners=data["partners"],
            answered_needs=data["answered_needs"],
            funding_lines=funding_lines,
            indicators=indicators,
        )


class LineForm(forms.Form):
    """A row of a formset: an existing line (with its id) or a new one."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    CONTRACTUAL: tuple[str, ...] = ()

    def __init__(self, *args, choices: ActionFormChoices, frozen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.frozen = frozen
        if frozen:
            for name in self.CONTRACTUAL:
                _hide(self.fields[name])


class FundingLineForm(LineForm):
    funder = ListModelChoiceField(
        Organisation,
        label=_("Funder"),
        error_messages={"invalid_choice": _("Choose a funder among those offered.")},
    )
    scheme = forms.CharField(label=_("Scheme"), max_length=150, required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    amount = FrenchDecimalField(
        label=_("Amount (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        localize=True,
        error_messages={"min_value": _("An amount cannot be negative.")},
    )
    status = forms.ChoiceField(label=_("Status"), choices=FundingStatus.choices, initial=FundingStatus.PLANNED)

    CONTRACTUAL = CONTRACTUAL_FUNDING_FIELDS

    def __init__(self, *args, choices: ActionFormChoices, **kwargs):
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["funder"].label_from_instance = lambda organisation: organisation.display_name
        self.fields["funder"].set_objects(choices.organisations)
        self.fields["funder"].error_messages["required"] = _("Choose a funder.")
        self.fields["year"].choices = [("", "—")] + [(year, str(year)) for year in choices.years]
        self.fields["year"].error_messages.update(
            required=_("Choose a year."),
            invalid_choice=_("Choose a year within the convention's period (%(first)s – %(last)s).")
            % {"first": choices.years[0], "last": choices.years[-1]},
        )
        self.fields["amount"].error_messages["required"] = _("Give an amount in euros.")

    @staticmethod
    def initial_for(line) -> dict:
        return {name: getattr(line, name) for name in ("id", "funder", "scheme", "year", "amount", "status")}

    def to_input(self, row: int) -> FundingLineInput:
        data = self.cleaned_data
        return FundingLineInput(
            id=data.get("id"),
            funder=data.get("funder"),
            scheme=data.get("scheme", ""),
            year=data.get("year"),
            amount=data.get("amount"),
            status=data.get("status") or FundingStatus.PLANNED,
            delete=bool(data.get("DELETE")),
            row=row,
        )


class IndicatorForm(LineForm):
    label = forms.CharField(label=_("Label"), max_length=255)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    baseline = FrenchDecimalField(label=_("Baseline"), max_digits=14, decimal_places=3, required=False, localize=True)
    target = FrenchDecimalField(label=_("Target"), max_digits=14, decimal_places=3, required=False, localize=True)
    current_value = FrenchDecimalField(
        label=_("Current value"), max_digits=14, decimal_places=3, required=False, localize=True
    )

    CONTRACTUAL = CONTRACTUAL_INDICATOR_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].error_messages["required"] = _("Give a label.")

    @staticmethod
    def initial_for(line) -> dict:
        return {name: getattr(line, name) for name in ("id", "label", "unit", "baseline", "target", "current_value")}

    def to_input(self, row: int) -> IndicatorInput:
        data = self.cleaned_data
        return IndicatorInput(
            id=data.get("id"),
            label=data.get("label", ""),
            unit=data.get("unit", ""),
            baseline=data.get("baseline"),
            target=data.get("target"),
            current_value=data.get("current_value"),
            delete=bool(data.get("DELETE")),
            row=row,
        )


class LineFormSet(forms.BaseFormSet):
    def to_inputs(self) -> list:
        """The rows to save: every stored line, and the new rows the user filled in."""
        return [
            form.to_input(row)
            for row, form in enumerate(self.forms)
            if row < self.initial_form_count() or (form.has_changed() and not self._should_delete_form(form))
        ]

    def get_deletion_widget(self):
        return forms.CheckboxInput(attrs={"class": "form-check-input"})


class FundingLineFormSet(LineFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form) or not data.get("funder"):
                continue
            identity = (data["funder"].pk, data.get("year"), (data.get("scheme") or "").strip())
            if identity in seen:
                form.add_error("scheme", _("This funder already has a line for this year and scheme."))
            seen[identity] = form


def funding_formset_class(*, frozen: bool):
    return forms.formset_factory(
        FundingLineForm,
        formset=FundingLineFormSet,
        extra=0 if frozen else 1,
        can_delete=not frozen,
        can_delete_extra=False,
    )


def indicator_formset_class(*, frozen: bool):
    return forms.formset_factory(
        IndicatorForm, formset=LineFormSet, extra=0 if frozen else 1, can_delete=not frozen, can_delete_extra=False
    )
