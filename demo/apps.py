from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demonstration data (no models): ``manage.py load_demo``."""

    name = "demo"
    verbose_name = _("Demonstration")
