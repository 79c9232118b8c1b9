"""The CTG Portal project package: settings, URLs and the Celery application."""

from ctg_portal.celery import app as celery_app

__all__ = ("celery_app",)
