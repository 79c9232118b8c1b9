from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    """The convention's circuit: review, versions, signatures, e-mail notices, and the convention page."""

    name = "workflow"
    verbose_name = _("Workflow")
