"""Settings of ``make bench-national``'s servers: production settings (``DEBUG`` off), except that static
files use the manifest storage without compression, so the collected files can be refreshed in a few
seconds at each run (the pages resolve static URLs through the same manifest as in production; wrk
fetches only the HTML, never the static files)."""

from ctg_portal.settings import *  # noqa: F403
from ctg_portal.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
