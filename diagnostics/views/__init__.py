"""Pages of the diagnostic, one module per concern: ``page`` (the diagnostic page and indicator values),
``findings`` (inline htmx editing), ``consultations`` and ``imports`` (CSV import)."""
