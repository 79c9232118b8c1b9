"""Computed indicators: formulas over other indicators' codes, parsed and evaluated safely.

A computed indicator (a coverage rate, a ratio per inhabitant…) is never typed in nor imported: the
portal computes it for every territory and year where all its inputs have a value. Its formula comes
from ``IndicatorDefinition.formula`` (curated in the administration) or, when that is blank, from
``BUILT_IN_FORMULAS`` below, so the well-known CTG ratios work on any database whatever loaded the
indicator definitions.

Syntax: indicator codes in braces, decimal numbers, ``+ - * /`` and parentheses, for example
``{places-eaje} / {enfants-moins-3-ans} * 100``. Braces are needed because codes contain hyphens.
Nothing is ever passed to ``eval``: a small recursive-descent parser builds a tree of tuples.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

from django.utils.translation import gettext as _

# Known CTG ratios, by the code of the indicator they compute.
BUILT_IN_FORMULAS = {
    # « Taux de couverture » of the CNAF: formal childcare places per 100 children under three.
    "taux-couverture-accueil-jeune-enfant": "{places-eaje} / {enfants-moins-3-ans} * 100",
}

# Computed values are stored nowhere; they are shown rounded to this many decimals.
COMPUTED_DECIMALS = 1
MAX_FORMULA_LENGTH = 255

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:[.,]\d+)?)|\{(?P<code>[A-Za-z0-9_-]+)\}|(?P<op>[-+*/()]))")
_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷"}


class FormulaError(ValueError):
    """A formula that cannot be parsed; ``str(error)`` is a message for the administrator."""


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its source text, its tree and the indicator codes it reads."""

    source: str
    tree: tuple
    codes: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> "Formula":
        text = (text or "").strip()
        if not text:
            raise FormulaError(_("The formula is empty."))
        if len(text) > MAX_FORMULA_LENGTH:
            raise FormulaError(_("The formula is too long."))
        parser = _Parser(_tokenize(text))
        tree = parser.expression()
        if parser.peek() is not None:
            raise FormulaError(_("Unexpected “%(token)s” in the formula.") % {"token": parser.peek()[1]})
        codes = tuple(dict.fromkeys(_codes(tree)))
        if not codes:
            raise FormulaError(_("The formula must use at least one indicator, written {code}."))
        return cls(source=text, tree=tree, codes=codes)

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal | None:
        """The result, or ``None`` when an input is missing or a division by zero happens."""
        try:
            result = _evaluate(self.tree, values)
        except (KeyError, DivisionByZero, InvalidOperation, ZeroDivisionError):
            return None
        return result.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)

    def describe(self, labels: Mapping[str, str]) -> str:
        """The formula in words, e.g. « Places en EAJE ÷ Enfants de moins de 3 ans × 100 »."""
        return _describe(self.tree, labels, parent_precedence=0)


def formula_source_for(definition) -> str:
    """The formula an indicator definition is computed with, or "" for an indicator typed in."""
    return (definition.formula or "").strip() or BUILT_IN_FORMULAS.get(definition.code, "")


def formula_for(definition) -> Formula | None:
    """The parsed formula of a computed indicator; ``None`` for a typed-in one or a broken formula."""
    source = formula_source_for(definition)
    if not source:
        return None
    try:
        return Formula.parse(source)
    except FormulaError:
        return None


# --- Parsing --------------------------------------------------------------------------------------


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            raise FormulaError(
                _("The formula cannot be read from “%(rest)s”: write codes in braces, such as {places-eaje}.")
                % {"rest": text[position:].strip()[:20]}
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """expression := term (('+'|'-') term)* ; term := factor (('*'|'/') factor)* ;
    factor := '-' factor | number | {code} | '(' expression ')'"""

    def __init__(self, tokens):
        self.tokens, self.index = tokens, 0

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise FormulaError(_("The formula ends too early."))
        self.index += 1
        return token

    def expression(self):
        node = self.term()
        while (token := self.peek()) in (("op", "+"), ("op", "-")):
            self.take()
            node = (token[1], node, self.term())
        return node

    def term(self):
        node = self.factor()
        while (token := self.peek()) in (("op", "*"), ("op", "/")):
            self.take()
            node = (token[1], node, self.factor())
        return node

    def factor(self):
        kind, text = self.take()
        if kind == "number":
            return ("number", Decimal(text.replace(",", ".")))
        if kind == "code":
            return ("code", text.lower())
        if text == "-":
            return ("neg", self.factor())
        if text == "(":
            node = self.expression()
            if self.take() != ("op", ")"):
                raise FormulaError(_("A parenthesis is not closed."))
            return node
        raise FormulaError(_("Unexpected “%(token)s” in the formula.") % {"token": text})


def _codes(node):
    if node[0] == "code":
        yield node[1]
    elif node[0] == "neg":
        yield from _codes(node[1])
    elif node[0] != "number":
        yield from _codes(node[1])
        yield from _codes(node[2])


def _evaluate(node, values: Mapping[str, Decimal]) -> Decimal:
    kind = node[0]
    if kind == "number":
        return node[1]
    if kind == "code":
        value = values[node[1]]
        if value is None:
            raise KeyError(node[1])
        return Decimal(value)
    if kind == "neg":
        return -_evaluate(node[1], values)
    left, right = _evaluate(node[1], values), _evaluate(node[2], values)
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    if right == 0:
        raise DivisionByZero
    return left / right


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _describe(node, labels: Mapping[str, str], parent_precedence: int) -> str:
    kind = node[0]
    if kind == "number":
        text = format(node[1].normalize(), "f")
        return text.replace(".", ",") if "." in text else text
    if kind == "code":
        return labels.get(node[1], node[1])
    if kind == "neg":
        return "−" + _describe(node[1], labels, 3)
    precedence = _PRECEDENCE[kind]
    # The right operand of - and ÷ needs brackets at equal precedence: a − (b − c), a ÷ (b × c).
    text = "{} {} {}".format(
        _describe(node[1], labels, precedence),
        _SYMBOLS[kind],
        _describe(node[2], labels, precedence + (1 if kind in "-/" else 0)),
    )
    return f"({text})" if precedence < parent_precedence else text
