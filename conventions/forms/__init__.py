"""Forms of the convention record: the committees' meetings."""
