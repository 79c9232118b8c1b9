"""The parts of a convention a review comment can be about (articles, findings, fiches), as the review
page shows them, read in queries compiled once per process (``ctg_portal.precompiled``).

The review page lists every article, finding and fiche of the convention, a hundred parts or more:
querysets built, compiled and turned into model instances cost Django several times what the database
takes to answer. Each query here takes only the convention's id and returns the few columns the page
writes, as small read-only rows.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

from action_plans.models import Action
from conventions.models import Article
from ctg_portal.precompiled import PrecompiledQuery
from diagnostics.choices import FindingKind
from diagnostics.models import Finding


@dataclass(frozen=True, slots=True)
class ArticleTarget:
    pk: int
    position: int
    title: str
    body: str

    def __str__(self) -> str:  # as ``Article.__str__``
        return gettext("Article %(position)s — %(title)s") % {"position": self.position, "title": self.title}


@dataclass(frozen=True, slots=True)
class FindingTarget:
    pk: int
    domain_name: str
    kind: str
    title: str
    detail: str

    def get_kind_display(self) -> str:
        return str(_FINDING_KINDS.get(self.kind, self.kind))


@dataclass(frozen=True, slots=True)
class ActionTarget:
    pk: int
    orientation_id: int
    orientation_label: str  # as ``StrategicOrientation.__str__``
    code: str
    title: str


_FINDING_KINDS = dict(FindingKind.choices)

# The orders of the page: articles by position; findings by domain, kind and position; fiches by
# orientation, then by position and code. The primary key last, so that ties never swap.
_ARTICLES = PrecompiledQuery(
    lambda convention_id: (
        Article.objects.filter(convention_id=convention_id)
        .order_by("position", "pk")
        .values_list("pk", "position", "title", "body")
    )
)
_FINDINGS = PrecompiledQuery(
    lambda convention_id: (
        Finding.objects.filter(diagnostic__convention_id=convention_id)
        .order_by("domain__position", "kind", "position", "pk")
        .values_list("pk", "domain__name", "kind", "title", "detail")
    )
)
_ACTIONS = PrecompiledQuery(
    lambda convention_id: (
        Action.objects.filter(orientation__plan__convention_id=convention_id)
        .order_by("orientation__position", "orientation_id", "position", "code", "pk")
        .values_list("pk", "orientation_id", "orientation__position", "orientation__title", "code", "title")
    )
)


def articles(*, convention_id: int) -> list[ArticleTarget]:
    return [ArticleTarget(*row) for row in _ARTICLES.rows(convention_id)]


def findings(*, convention_id: int) -> list[FindingTarget]:
    return [FindingTarget(*row) for row in _FINDINGS.rows(convention_id)]


def actions(*, convention_id: int) -> list[ActionTarget]:
    """The fiches of the convention's plan, orientation by orientation (orientations without a fiche have
    no part to comment on)."""
    return [
        ActionTarget(pk, orientation_id, f"{position}. {orientation_title}", code, title)
        for pk, orientation_id, position, orientation_title, code, title in _ACTIONS.rows(convention_id)
    ]
