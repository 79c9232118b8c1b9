"""Forms of the workflow, one module per part (lifecycle, review, signing)."""
