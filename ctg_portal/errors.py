"""Errors that services raise when they refuse an operation, each with a message for the user.

Views turn them into a French message (``messages.error``) or a form error, never into a 500.
"""

from django.core.exceptions import PermissionDenied


class PortalError(Exception):
    """An operation refused for a reason the user can act on; ``str(error)`` is the UI message."""


class NotAllowed(PortalError, PermissionDenied):
    """The user may not do this (role, or the convention's status freezes this content)."""
