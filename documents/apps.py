from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Documents of record: PDF rendering, the portal's seal, verification, the document centre."""

    name = "documents"
    verbose_name = _("Documents")
