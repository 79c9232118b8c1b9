"""Pages of the documents: the document centre and the verification page (routes in documents/urls.py)."""
