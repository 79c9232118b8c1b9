"""Writes of the documents app: ``queue`` asks for documents (pages, the last signature, the sweeper),
``render`` does the Celery task's work (only the worker and the operator's command import it, and with it
WeasyPrint)."""
