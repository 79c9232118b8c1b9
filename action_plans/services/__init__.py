"""Writes to action plans, one module per concept.

- ``orientations``: the plan's strategic orientations (create, rename, move, delete).
- ``actions``: a fiche action's contractual content and follow-up saved together (create, save,
  delete, move), with ``fiche_lines`` for its funding lines and evaluation indicators.
- ``monitoring``: the follow-up alone (quick edit of status and progress, progress updates,
  indicators' current values, funding lines' status).
- ``conflicts``: no lost update on a fiche (``lock_version``, ``EditConflict``).
- ``convention_lock``: the first step of every write (lock the convention, check the ability).

Reads live in ``action_plans.selectors`` and ``action_plans.history``; the field rules in
``action_plans.validators``; the refusal wording in ``conventions.permissions``.
"""
