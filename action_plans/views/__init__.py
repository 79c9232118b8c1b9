"""Pages of the action plan, one module per concern: ``plan`` (reading, monitoring, exports) and
``editing`` (orientations and fiches actions)."""
