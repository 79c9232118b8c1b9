"""Pages of the partners app: territories and organisations (``territories``, ``organisations``),
people and their accounts (``people``, ``accounts``)."""
