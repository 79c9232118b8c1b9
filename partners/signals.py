"""Signals of the partners app, for the apps above it (which partners may not import)."""

from django.dispatch import Signal

# Sent by partners' services after writes that send no model signal (bulk_create, bulk_update,
# QuerySet.update): ``sender`` is the model, ``pks`` the keys of the rows written, or None when there
# are too many to list (a territories import). conventions/render_cache.py listens to refresh the
# pages showing them.
rows_written_in_bulk = Signal()
