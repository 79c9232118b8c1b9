"""Writes of the convention record: the committees' meetings, and the lock every content write takes (content)."""
