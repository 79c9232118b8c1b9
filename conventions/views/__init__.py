"""Pages of the convention record: the committees' meetings (routes in conventions/urls.py)."""
