"""Forms of the convention workflow, one module per part (lifecycle, review, signing)."""
