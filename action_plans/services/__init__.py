"""Writes to action plans: editing the contractual content and recording its follow-up."""
