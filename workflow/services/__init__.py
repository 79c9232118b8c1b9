"""Writes and state transitions of the workflow: lifecycle, versions, review, signatures, e-mail notices."""
