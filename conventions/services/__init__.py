"""Writes and state transitions of conventions: lifecycle, versions, review, signatures, notices."""
