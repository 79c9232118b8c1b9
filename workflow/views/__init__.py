"""Pages of the workflow: home, convention page, lifecycle, review, signing, versions (routes in workflow/urls.py)."""
