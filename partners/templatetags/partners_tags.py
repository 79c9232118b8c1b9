"""Template tags of the partners app: the navigation bar's organisations and links, from the policy.

Both read ``permissions.memberships_of(user)``: one query per request, shared with the policies.
"""

from django import template

from partners import permissions
from partners.models import Organisation

register = template.Library()


@register.simple_tag
def nav_organisations(user) -> list[Organisation]:
    """The organisations the user belongs to, by name, for the navigation bar."""
    return [membership.organisation for membership in permissions.memberships_of(user)]


@register.simple_tag
def may_import_territories(user) -> bool:
    """Whether to offer the « Territoires » page (``permissions.may_import_territories``)."""
    return permissions.may_import_territories(user)
