"""Writes on partners, one module per concept; import from here."""

from partners.services.territories import (
    ImportReport,
    TerritoryDataError,
    territories_import,
    territories_import_from_directory,
)

__all__ = ["ImportReport", "TerritoryDataError", "territories_import", "territories_import_from_directory"]
