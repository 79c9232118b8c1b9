"""Database sessions that remember when they expire, for the idle timeout.

``SESSION_COOKIE_AGE`` is the idle timeout (``SESSION_IDLE_TIMEOUT_MINUTES``): a session must be saved
again now and then while its user is active, which pushes its expiry back. Saving it at every request
(``SESSION_SAVE_EVERY_REQUEST``) would add a write to every page; ``IdleSessionMiddleware`` saves it
only once its expiry, read here with the session, is more than a minute old.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    # When the stored session expires, as read from the database; None until it is loaded.
    stored_expiry = None

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self.stored_expiry = session.expire_date if session is not None else None
        return session
