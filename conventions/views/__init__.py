"""Pages of conventions, one module per part of the workflow; each module lists its own URLs."""
