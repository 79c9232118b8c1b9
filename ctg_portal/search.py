"""Searching text regardless of accents and case, alike on PostgreSQL and SQLite.

« Genevois » must find « Génevois », « cote » « Côte », « saint julien » « Saint-Julien », « d'aix »
« d’Aix ». Both sides are folded the same way: the search term in Python (``fold``), the column in SQL
(``Folded``): ASCII letters lowered, the accented letters of French and its neighbours (both cases)
replaced by their base letter, « œ » and « æ » spelt out, typographic apostrophes made straight and
hyphens made spaces. Then a plain ``LIKE '%term%'`` (``__contains``) compares them.

Why not PostgreSQL's ``unaccent``: it needs an extension, does not exist on SQLite, and is not
``IMMUTABLE``, so no index can be built on it. ``Folded`` uses only immutable functions (``lower``,
``translate``, ``replace`` on PostgreSQL; on SQLite, ``fold`` itself as a deterministic function), so an
expression index (a trigram GIN index on ``Folded(column)``) can serve it if a searched table ever grows
past the few thousand rows a scan reads in a millisecond; no migration is needed until then.
"""

from django.db.models import CharField, Func, Value
from django.db.models.functions import Lower, Replace

# One letter for one letter (PostgreSQL's translate); both cases, since PostgreSQL's lower() leaves
# non-ASCII letters alone under the C locale and SQLite's always does.
_SINGLE = {
    **dict.fromkeys("àáâãäåÀÁÂÃÄÅ", "a"),
    **dict.fromkeys("çÇ", "c"),
    **dict.fromkeys("èéêëÈÉÊË", "e"),
    **dict.fromkeys("ìíîïÌÍÎÏ", "i"),
    **dict.fromkeys("ñÑ", "n"),
    **dict.fromkeys("òóôõöøÒÓÔÕÖØ", "o"),
    **dict.fromkeys("ùúûüÙÚÛÜ", "u"),
    **dict.fromkeys("ýÿÝŸ", "y"),
    **dict.fromkeys("’‘ʼ", "'"),
    **dict.fromkeys("-‐‑", " "),
}
_MULTIPLE = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}
_FROM = "".join(_SINGLE)
_TO = "".join(_SINGLE.values())
_TABLE = str.maketrans(
    {**{chr(code): chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}, **_SINGLE, **_MULTIPLE}
)


def fold(text: str) -> str:
    """``text`` as ``Folded`` writes a column: « Côte-d’Or » → « cote d'or »."""
    return text.translate(_TABLE)


SQLITE_FUNCTION = "ctg_fold"


def _fold_or_null(text):
    return None if text is None else fold(str(text))


class Folded(Func):
    """A text column folded as ``fold`` folds a search term (see the module's docstring)."""

    output_field = CharField()

    def _folded(self):
        expression = Lower(self.get_source_expressions()[0])
        for source, target in {**_SINGLE, **_MULTIPLE}.items():
            expression = Replace(expression, Value(source), Value(target))
        return expression

    def as_sql(self, compiler, connection, **extra_context):
        # Any other database: lower() then one replace() per letter.
        return compiler.compile(self._folded())

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's parser overflows on some seventy nested replace(): ``fold`` itself, registered on the
        # connection as a deterministic function (cheap to register again; it dies with the connection).
        connection.ensure_connection()
        connection.connection.create_function(SQLITE_FUNCTION, 1, _fold_or_null, deterministic=True)
        source, params = compiler.compile(self.get_source_expressions()[0])
        return f"{SQLITE_FUNCTION}({source})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        expression = Func(
            Lower(self.get_source_expressions()[0]),
            Value(_FROM),
            Value(_TO),
            function="TRANSLATE",
            output_field=CharField(),
        )
        for source, target in _MULTIPLE.items():
            expression = Replace(expression, Value(source), Value(target))
        return compiler.compile(expression)
