"""The portal's administration site: Django's, named after the portal, and without the navigation
sidebar on every page.

The sidebar lists every model of the administration (about thirty) through templates at each display
of each page, and Django builds that list (two URL reversals and the permission checks per model) for
every page even when nothing shows it: together about a third of the processor time of a changelist
that is not spent on its rows. The administration's home page and each app's page still list the
models, and every page's breadcrumbs lead back to them; the list is built only where a page shows it.
"""

from functools import partial

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("CTG Portal administration")
    site_title = _("CTG Portal administration")
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        """Django's list, built when a page first reads it: ``each_context`` asks for it on every page,
        only the home page and the sidebar (switched off) show it."""
        return SimpleLazyObject(partial(super().get_app_list, request, app_label))


class PortalAdminConfig(AdminConfig):
    """``django.contrib.admin`` in ``INSTALLED_APPS``, with ``admin.site`` a ``PortalAdminSite``."""

    default_site = "ctg_portal.admin_site.PortalAdminSite"
