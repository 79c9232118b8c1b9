"""Queries run on every request, compiled to SQL once per process instead of once per request.

Building a queryset and compiling it costs Django about a millisecond for a ``UNION`` of four subqueries
(``conventions.models.visible_convention_ids``), more than the database takes to answer it. The query's
shape never changes, only its parameter (a user's id): ``PrecompiledQuery`` builds the queryset once
with a sentinel value, keeps the SQL Django wrote for each database, and then runs it with the real
value through the database's cursor — still Django's cursor, so the query is logged and counted like any
other (``CaptureQueriesContext``, ``django_assert_num_queries``).
"""

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# A parameter value no caller passes: the compiled SQL must take it as its only parameter, in every place.
SENTINEL = -918_273_645


class PrecompiledQuery:
    """``build(value)`` returns a ``values_list`` queryset whose only parameter is ``value`` (any number of
    times); ``rows(value)`` runs it and returns the rows as tuples of database values (no converters: keep
    it to columns that need none, such as integer ids)."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self.build = build
        self._compiled: dict[str, tuple[str, int]] = {}  # by database alias: SQL, number of parameters

    def sql(self, using: str = "default") -> tuple[str, int]:
        if using not in self._compiled:
            sql, params = self.build(SENTINEL).query.get_compiler(using=using).as_sql()
            if not params or any(param != SENTINEL for param in params):
                raise ValueError(f"The precompiled query must take only its parameter: {params!r}")
            self._compiled[using] = (sql, len(params))
        return self._compiled[using]

    def rows(self, value: int, using: str = "default") -> list[tuple]:
        sql, count = self.sql(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [value] * count)
            return cursor.fetchall()
