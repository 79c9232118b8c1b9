"""The demonstration data of the portal: two real CTGs, Grand Cahors' and La Cali's, and demo accounts.

``manage.py load_demo`` calls ``demo.loader.demo_load()``. The facts come from the two public texts the portal was
conceived from, copied into the data modules here (the portal never reads those texts at run time).
"""
