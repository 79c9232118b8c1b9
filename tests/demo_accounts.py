"""The password the tests give the demo accounts (``manage.py load_demo`` reads ``settings.DEMO_PASSWORD``)."""

DEMO_PASSWORD = "demo-tests-only"
