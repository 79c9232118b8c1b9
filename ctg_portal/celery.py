"""The Celery application.

With ``REDIS_URL`` set, Redis is both broker and result backend; without it (a laptop running
``make run`` on SQLite), tasks run eagerly in the calling process so the portal still works.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg_portal.settings")

app = Celery("ctg_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
