"""The shapes of the declarative demo data: one small frozen dataclass per kind of row.

Rows refer to one another by short local keys (``"caf-lot"``, ``"guillon"``, ``"need-0-3"``) that the
loader resolves; a typo in a key fails loudly instead of silently creating a duplicate.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.functional import Promise


@dataclass(frozen=True)
class Territory:
    """An EPCI or a commune from the official territory data, found by SIREN or INSEE code."""

    key: str
    siren: str = ""
    insee_code: str = ""
    short_name: str = ""


@dataclass(frozen=True)
class OrganisationRow:
    """A partner that is not a territory (CAF, State service, Département, social centre)."""

    key: str
    name: str
    kind: str
    short_name: str = ""
    department_code: str = ""


@dataclass(frozen=True)
class RepresentativeRow:
    key: str
    organisation: str
    full_name: str
    title: str
    user: str = ""
    civility: str = ""  # "mme" or "m" (partners.choices.Civility)


@dataclass(frozen=True)
class PartyRow:
    organisation: str
    role: str
    representative: str = ""
    signing_order: int | None = None


@dataclass(frozen=True)
class ArticleRow:
    title: str
    body: str


@dataclass(frozen=True)
class MeetingRow:
    held_on: date
    kind: str
    location: str
    agenda: str
    decisions: str
    minutes: str
    attendees: tuple[str, ...]
    # The committee approved the report on this day, recorded by this demo account (through the service).
    approved_on: date | None = None
    approved_by: str = ""


@dataclass(frozen=True)
class GovernanceBodyRow:
    kind: str
    name: str
    mission: str
    members: tuple[tuple[str, str], ...]
    meetings: tuple[MeetingRow, ...] = ()


@dataclass(frozen=True)
class IndicatorDefinitionRow:
    code: str
    label: str
    unit: str
    source: str
    domain: str = ""
    description: str = ""


@dataclass(frozen=True)
class IndicatorValueRow:
    indicator: str
    territory: str
    year: int
    value: int | str
    comment: str


@dataclass(frozen=True)
class FindingRow:
    domain: str
    kind: str
    title: str
    detail: str = ""
    priority: int = 2
    key: str = ""


@dataclass(frozen=True)
class ConsultationRow:
    held_on: date
    title: str
    participants: str
    notes: str
    organisations: tuple[str, ...]
    domain: str = ""


@dataclass(frozen=True)
class DiagnosticRow:
    summary: str
    started_on: date | None = None
    completed_on: date | None = None
    indicator_values: tuple[IndicatorValueRow, ...] = ()
    findings: tuple[FindingRow, ...] = ()
    consultations: tuple[ConsultationRow, ...] = ()


@dataclass(frozen=True)
class FundingRow:
    funder: str
    scheme: str
    year: int
    amount: int
    status: str


@dataclass(frozen=True)
class EvaluationRow:
    label: str
    unit: str
    baseline: int | str
    target: int | str
    current_value: int | str
    # Values measured before the last one, ``(day, value)``: the indicator's dated history. The current
    # value is dated by the fiche's last progress update.
    measured: tuple[tuple[date, int | str], ...] = ()


@dataclass(frozen=True)
class ProgressRow:
    reported_on: date
    progress: int
    comment: str


@dataclass(frozen=True)
class ActionRow:
    code: str
    title: str
    domain: str
    objectives: str
    target_public: str
    pilot: str
    start_date: date
    end_date: date
    status: str
    progress: int
    priority: int
    partners: tuple[str, ...] = ()
    answered_needs: tuple[str, ...] = ()
    funding: tuple[FundingRow, ...] = ()
    evaluation: tuple[EvaluationRow, ...] = ()
    updates: tuple[ProgressRow, ...] = ()


@dataclass(frozen=True)
class OrientationRow:
    title: str
    description: str
    actions: tuple[ActionRow, ...]


@dataclass(frozen=True)
class ActionPlanRow:
    summary: str
    orientations: tuple[OrientationRow, ...]
    # Who writes the progress updates: a demo account's username.
    updates_author: str
    # The day the plan was validated: its records' history starts then, and follows the dated progress
    # updates, grants and payments (``demo.dating``). ``None``: the history is that of the loading day.
    validated_on: date | None = None


@dataclass(frozen=True)
class SignedHistoryRow:
    """How a convention was reviewed and signed on paper, replayed through the lifecycle services.

    Accounts are demo usernames; times are naive local times (Europe/Paris), made aware on loading.
    Every signatory party signs on paper on ``signed_on`` at ``place``, in signing order, and staff
    record each signature with a stand-in scan.
    """

    submitted_by: str
    submitted_at: datetime
    submission_comment: str
    approved_by: str
    approved_at: datetime
    approval_comment: str
    signature_opened_by: str
    signature_opened_at: datetime
    signature_opening_comment: str
    signed_on: date
    place: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class ConventionRow:
    reference: str
    title: str
    epci: str
    period_start: date
    period_end: date
    domains: tuple[str, ...]
    drafting_phase: str
    replaces_contract: str = ""
    perimeter_note: str = ""
    # « Fait à <signing_place> », written into the text frozen at approval; blank lines when empty.
    signing_place: str = ""
    articles: tuple[ArticleRow, ...] = ()
    parties: tuple[PartyRow, ...] = ()
    governance: tuple[GovernanceBodyRow, ...] = ()
    diagnostic: DiagnosticRow | None = None
    action_plan: ActionPlanRow | None = None
    # Recorded once, through the services, on a convention whose timeline is still empty.
    signed_history: SignedHistoryRow | None = None
    # Said on the convention's pages (``Convention.page_notice``), never in its text: what is illustrative.
    page_notice: str = ""


@dataclass(frozen=True)
class TerritoryDemo:
    """Everything the demo holds about one intercommunality's CTG."""

    territories: tuple[Territory, ...]
    organisations: tuple[OrganisationRow, ...]
    representatives: tuple[RepresentativeRow, ...]
    convention: ConventionRow


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str | Promise
    # Key of the organisation where the account is staff; empty for the copil member and the admin.
    staff_of: str = ""
    is_superuser: bool = False
