"""The demonstration data of the portal: two real CTGs, Grand Cahors' and La Cali's, and demo accounts.

``manage.py load_demo`` calls ``demo_load()``. The facts come from the two public texts the portal was
conceived from, copied into the data modules here (the portal never reads those texts at run time).
"""

from .common import DEMO_ACCOUNTS
from .loader import DemoDataError, DemoReport, demo_convention_counts, demo_convention_standing, demo_load

__all__ = [
    "DEMO_ACCOUNTS",
    "DemoDataError",
    "DemoReport",
    "demo_convention_counts",
    "demo_convention_standing",
    "demo_load",
]
