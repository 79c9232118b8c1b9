from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConventionsConfig(AppConfig):
    name = "conventions"
    verbose_name = _("Conventions")

    def ready(self):
        # Registers the convention permissions with django-rules.
        from conventions import permissions  # noqa: F401
