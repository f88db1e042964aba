"""Expressions as plain text (``sqrt(.2)^-2``), Unicode (``(√.2)⁻²``) and LaTeX.

Also the canonical form used to count answers once when they are the same to a
person (order, grouping, signs, roots written as powers, identities such as ×1 or
Γ(2) standing for 1), and the step-by-step working of an answer.
"""

from __future__ import annotations

import math
from fractions import Fraction

from banana.solver.ops import COMMUTATIVE
from banana.solver.values import COST, LEFT, OP, RIGHT, VALUE

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# binding strength: higher binds tighter
SUM, PRODUCT, PREFIX, ROOT_SIGN, POWER, POSTFIX, ATOM = 1, 2, 3, 3.5, 4, 5, 6

_INFIX = {"add": SUM, "sub": SUM, "mul": PRODUCT, "div": PRODUCT}
SYMBOLS = {
    "text": {"add": "+", "sub": "-", "mul": "*", "div": "/"},
    "unicode": {"add": "+", "sub": "−", "mul": "×", "div": "÷"},
    "latex": {"add": " + ", "sub": " - ", "mul": " \\times ", "div": " \\div "},
}
POSTFIX_MARKS = {"fact": "!", "dfact": "!!", "percent": "%"}  # LaTeX writes \% for percent
FUNCTIONS = ("sqrt", "floor", "ceil", "gamma", "root", "log")  # name(x), name(x, y) in text


def binding(op: str) -> float:
    """How tightly an infix operator binds in the text style (higher binds tighter;
    a run of ``pow`` groups from the right: 2^3^2 is 2^(3^2))."""
    return POWER if op == "pow" else _INFIX[op]


def render(node: tuple, style: str = "text", *, sort: bool = True) -> str:
    """Render an expression tuple in ``style``: "text", "unicode" or "latex". A run of
    a commutative operator is printed in a conventional order (``sort``), or in the
    order it was built (an expression someone said: "three plus point three" is 3+.3)."""
    return _render(node, style, sort)[0]


def _paren(text: str, style: str) -> str:
    return f"\\left({text}\\right)" if style == "latex" else f"({text})"


def _is_int_literal(node: tuple) -> bool:
    return node[OP] == "lit" and node[LEFT].is_integer


def _render(node: tuple, style: str, sort: bool) -> tuple[str, float]:
    """Return (rendered text, binding strength of its outermost operator)."""
    op = node[OP]
    if op == "lit":
        return getattr(node[LEFT], style), ATOM
    if op == "shown":  # a step's operand shown by its value (``working``)
        return node[LEFT].forms[style], node[LEFT].strength
    if op in _INFIX:
        return _infix(node, style, sort)
    if op == "pow":
        return _power(node, style, sort)
    if op == "neg":
        inner, strength = _render(node[LEFT], style, sort)
        if strength < PREFIX:
            inner = _paren(inner, style)
        sign = "−" if style == "unicode" else "-"
        return f"{sign}{inner}", PREFIX
    if op in POSTFIX_MARKS:
        inner, strength = _render(node[LEFT], style, sort)
        if strength < ATOM:
            inner = _paren(inner, style)
        mark = "\\%" if style == "latex" and op == "percent" else POSTFIX_MARKS[op]
        return f"{inner}{mark}", POSTFIX
    if op == "sqrt":
        inner, strength = _render(node[LEFT], style, sort)
        if style == "text":
            return f"sqrt({inner})", ATOM
        if style == "latex":
            return f"\\sqrt{{{inner}}}", ATOM
        if not (strength == ATOM or node[LEFT][OP] == "sqrt"):
            inner = f"({inner})"
        return f"√{inner}", ROOT_SIGN
    if op in ("floor", "ceil"):
        inner, _ = _render(node[LEFT], style, sort)
        if style == "text":
            return f"{op}({inner})", ATOM
        if style == "latex":
            return f"\\left\\l{op}{inner}\\right\\r{op}", ATOM
        brackets = "⌊⌋" if op == "floor" else "⌈⌉"
        return f"{brackets[0]}{inner}{brackets[1]}", ATOM
    if op == "gamma":
        inner, _ = _render(node[LEFT], style, sort)
        if style == "text":
            return f"gamma({inner})", ATOM
        if style == "latex":
            return f"\\Gamma\\left({inner}\\right)", ATOM
        return f"Γ({inner})", ATOM
    if op == "root":
        x, _ = _render(node[LEFT], style, sort)
        y, _ = _render(node[RIGHT], style, sort)
        if style == "latex":
            return f"\\sqrt[{y}]{{{x}}}", ATOM
        if style == "unicode" and _is_int_literal(node[RIGHT]):
            inner, strength = _render(node[LEFT], style, sort)
            if strength != ATOM:
                inner = f"({inner})"
            return f"{y.translate(SUPERSCRIPT)}√{inner}", ROOT_SIGN
        return f"root({x}, {y})", ATOM
    if op == "log":
        x, _ = _render(node[LEFT], style, sort)
        base, _ = _render(node[RIGHT], style, sort)
        if style == "latex":
            return f"\\log_{{{base}}}\\left({x}\\right)", ATOM
        if style == "unicode" and _is_int_literal(node[RIGHT]):
            return f"log{base.translate(SUBSCRIPT)}({x})", ATOM
        return f"log({x}, {base})", ATOM
    raise ValueError(f"unknown operator {op!r}")


def _chain(node: tuple, op: str, out: list) -> list:
    """The operands of a run of one commutative operator: a+(b+c) -> [a, b, c]."""
    for child in (node[LEFT], node[RIGHT]):
        if child[OP] == op:
            _chain(child, op, out)
        else:
            out.append(child)
    return out


def _chain_order(node: tuple) -> tuple:
    """Compound operands first (larger value first), then plain numbers in ascending order."""
    if node[OP] == "lit":
        return (1, float(node[VALUE]), node[LEFT].text)
    return (0, -float(node[VALUE]), node[COST])


def _infix(node: tuple, style: str, sort: bool) -> tuple[str, float]:
    op = node[OP]
    strength = _INFIX[op]
    symbol = SYMBOLS[style][op]
    if op in COMMUTATIVE:
        # addition and multiplication are commutative and associative: print a run of
        # them flat and in a conventional order, (1+2+3)×4 rather than 4×(3+(1+2))
        parts = []
        operands = _chain(node, op, [])
        for operand in sorted(operands, key=_chain_order) if sort else operands:
            text, operand_strength = _render(operand, style, sort)
            if operand_strength < strength or (operand[OP] == "neg" and parts):
                text = _paren(text, style)
            parts.append(text)
        return symbol.join(parts), strength
    left, right = node[LEFT], node[RIGHT]
    if style == "latex" and op == "div":
        top, _ = _render(left, style, sort)
        bottom, _ = _render(right, style, sort)
        return f"\\frac{{{top}}}{{{bottom}}}", ATOM
    left_text, left_strength = _render(left, style, sort)
    right_text, right_strength = _render(right, style, sort)
    if left_strength < strength:
        left_text = _paren(left_text, style)
    # a - (b + c), a / (b * c) keep their parentheses; a + (b - c) does not need them
    if right_strength < strength or (right_strength == strength and op in ("sub", "div")):
        right_text = _paren(right_text, style)
    elif right[OP] == "neg":
        right_text = _paren(right_text, style)
    return f"{left_text}{symbol}{right_text}", strength


def _power(node: tuple, style: str, sort: bool) -> tuple[str, float]:
    base, exponent = node[LEFT], node[RIGHT]
    base_text, base_strength = _render(base, style, sort)
    # anything but a number or a bracketed function form is parenthesised: (4!)², (√.2)⁻²
    if base_strength < ATOM or (style == "latex" and base[OP] not in ("lit", "floor", "ceil", "gamma")):
        base_text = _paren(base_text, style)
    negated_literal = exponent[OP] == "neg" and _is_int_literal(exponent[LEFT])
    exp_text, exp_strength = _render(exponent, style, sort)
    if style == "latex":
        return f"{base_text}^{{{exp_text}}}", POWER
    if style == "unicode" and (_is_int_literal(exponent) or negated_literal):
        plain, _ = _render(exponent, "text", sort)
        return f"{base_text}{plain.translate(SUPERSCRIPT)}", POWER
    if not (exp_strength == ATOM or negated_literal):
        exp_text = f"({exp_text})"
    return f"{base_text}^{exp_text}", POWER


# ----- canonical form ------------------------------------------------------------------
#
# Two answers are the same to a person when they differ only by the order and grouping
# of sums and products, by signs that cancel, by writing a root as a power, or by
# identities that only use up numbers. The canonical form is a key equal for those:
#
# * sums are flattened into signed terms, products (×, ÷, powers and roots with a
#   rational exponent, √, %) into atoms with rational exponents: (√.2)⁻², √(.2⁻²) and
#   (−√.2)⁻² are all .2 to the power -1 (with the 2 spent on the exponent);
# * a factor worth exactly 1 that is not a product itself (Γ(2), ⌊√2⌋, 3−2, 1) and a
#   term worth exactly 0 are identities: what goes into a bag is the digits they spend,
#   whatever the operator that applied them and however they make 1 or 0 (×1 and ÷1,
#   ×(3−2) and ÷(3−2), +0 and −0, Γ(2)÷.2, .2^(−Γ(2)) and .2^(−⌈.2⌉) are the same
#   answer: 1÷.2 with the other 2 spent), and the bag is part of the key;
# * the constant 100 that % divides by cancels with another %: Γ(2)%÷.2% is Γ(2)÷.2.


def canonical(node: tuple) -> tuple:
    """A key equal for answers that are the same to a person (see above)."""
    bag: list = []
    sign, form = _canon(node, bag)
    return (sign, form, tuple(sorted(bag, key=repr)))


_PRODUCT_OPS = frozenset({"mul", "div", "pow", "root", "sqrt", "percent"})
_PERCENT = ("percent",)  # the atom 100: x% is x × 100^-1


def _exact(node: tuple):
    """The node's value when it is a rational (int or Fraction), else None."""
    value = node[VALUE]
    return value if type(value) is int or type(value) is Fraction else None


def _canon(node: tuple, bag: list) -> tuple[int, tuple]:
    op = node[OP]
    if op == "lit":
        return 1, ("lit", node[LEFT].text)
    if op == "neg":
        sign, form = _canon(node[LEFT], bag)
        return -sign, form
    if op in ("add", "sub"):
        terms: list[tuple[tuple, int]] = []
        _collect_sum(node, 1, terms, bag)
        return _make_sum(terms)
    if op in _PRODUCT_OPS and _flattens(node):
        factors: dict = {}
        sign = _collect_product(node, Fraction(1), factors, bag)
        return _make_product(sign, factors)
    children = [node[LEFT]] if node[RIGHT] is None else [node[LEFT], node[RIGHT]]
    return 1, (op, *(_signed(child, bag) for child in children))


def _flattens(node: tuple) -> bool:
    """Does a product-like node become factors (a power needs a rational exponent)?"""
    op = node[OP]
    if op in ("pow", "root"):
        exponent = _exact(node[RIGHT])
        return exponent is not None and exponent != 0
    return True


def _signed(node: tuple, bag: list) -> tuple:
    sign, form = _canon(node, bag)
    return (sign, form)


def _unsigned(node: tuple, bag: list) -> tuple:
    """The canonical form of an identity put in the bag: its sign does not matter."""
    return _canon(node, bag)[1]


def _spent(node: tuple) -> tuple[str, ...]:
    """The digits of the numbers an identity spends, sorted (Γ(2) and ⌈.2⌉ spend a 2)."""
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if item[OP] == "lit":
            number = item[LEFT]
            out.append(number.whole + number.fraction + number.repeat)
        else:
            stack.extend(child for child in (item[LEFT], item[RIGHT]) if child is not None)
    return tuple(sorted(out))


def _collect_sum(node: tuple, sign: int, terms: list, bag: list) -> None:
    op = node[OP]
    if op == "add":
        _collect_sum(node[LEFT], sign, terms, bag)
        _collect_sum(node[RIGHT], sign, terms, bag)
    elif op == "sub":
        _collect_sum(node[LEFT], sign, terms, bag)
        _collect_sum(node[RIGHT], -sign, terms, bag)
    elif op == "neg":
        _collect_sum(node[LEFT], -sign, terms, bag)
    elif _exact(node) == 0:
        bag.append(("zero", _spent(node)))  # +0 and -0 are the same identity
    else:
        inner_sign, form = _canon(node, bag)
        if form[0] == "sum":
            for term_form, term_sign in form[1]:
                terms.append((term_form, term_sign * sign * inner_sign))
        else:
            terms.append((form, sign * inner_sign))


def _make_sum(terms: list) -> tuple[int, tuple]:
    if not terms:
        return 1, ("lit", "0")
    terms.sort(key=repr)
    sign = 1
    if terms[0][1] < 0:  # -(a+b) and (-a)-b are the same: first term positive
        sign = -1
        terms = [(form, -s) for form, s in terms]
    if len(terms) == 1:
        return sign * terms[0][1], terms[0][0]
    return sign, ("sum", tuple(terms))


def _power_sign(power: Fraction) -> int:
    """The sign (-1) ** power contributes (an even power cancels it)."""
    return -1 if power.numerator % 2 else 1


def _collect_product(node: tuple, power: Fraction, factors: dict, bag: list) -> int:
    """Flatten products, quotients, powers and roots into atom -> exponent; returns
    the sign pulled out."""
    op = node[OP]
    if op == "mul":
        return _collect_product(node[LEFT], power, factors, bag) * _collect_product(
            node[RIGHT], power, factors, bag)
    if op == "div":
        return _collect_product(node[LEFT], power, factors, bag) * _collect_product(
            node[RIGHT], -power, factors, bag)
    if op == "neg":
        return _power_sign(power) * _collect_product(node[LEFT], power, factors, bag)
    if op == "sqrt":
        return _collect_product(node[LEFT], power / 2, factors, bag)
    if op == "percent":
        factors[_PERCENT] = factors.get(_PERCENT, 0) - power
        return _collect_product(node[LEFT], power, factors, bag)
    if op in ("pow", "root") and _flattens(node):
        exponent = Fraction(_exact(node[RIGHT]))
        # x^(−Γ(2)) is 1÷x: an exponent worth ±1 is an identity like any factor of 1
        if abs(exponent) == 1:
            bag.append(("one", _spent(node[RIGHT])))
        else:
            bag.append(("exponent", _unsigned(node[RIGHT], bag)))
        step = exponent if op == "pow" else 1 / exponent
        return _collect_product(node[LEFT], power * step, factors, bag)
    value = _exact(node)
    if value is not None and abs(value) == 1:
        bag.append(("one", _spent(node)))  # ×1, ÷1, ×Γ(2), ÷(3−2): one identity
        return _power_sign(power) if value < 0 else 1
    sign, form = _canon(node, bag)
    if form[0] == "product":
        for atom, exponent in form[1]:
            factors[atom] = factors.get(atom, 0) + exponent * power
    else:
        factors[form] = factors.get(form, 0) + power
    return _power_sign(power) if sign < 0 else 1


def _make_product(sign: int, factors: dict) -> tuple[int, tuple]:
    if not factors.get(_PERCENT):
        factors.pop(_PERCENT, None)
    items = sorted(((atom, Fraction(exponent)) for atom, exponent in factors.items()), key=repr)
    if not items:
        return sign, ("lit", "1")
    if len(items) == 1 and items[0][1] == 1:
        return sign, items[0][0]
    return sign, ("product", tuple(items))


# ----- the working: one line a step ----------------------------------------------------


class Shown:
    """A value shown in place of the expression that made it (a step's operand)."""

    __slots__ = ("forms", "strength")

    def __init__(self, forms: dict[str, str], strength: float) -> None:
        self.forms = forms
        self.strength = strength


DECIMALS = 4  # significant digits of an irrational value in the working (√24 ≈ 4.899)


def decimal(value, digits: int = DECIMALS) -> str:
    """A value in decimals: 4.899, 0.4472, 1.2e+15."""
    x = float(value)
    if x == 0:
        return "0"
    if 1e-4 <= abs(x) < 10 ** (digits + 6):
        places = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
        text = f"{x:.{places}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{x:.{digits - 1}e}"


def working(node: tuple, style: str = "unicode", *, sort: bool = True) -> tuple[str, ...]:
    """The step-by-step working of an answer, one line a step: each operator applied to
    the values it takes (``2 + 2 = 4``, ``4! = 24``, ``√24 ≈ 4.899``, ``⌈√24⌉ = 5``).
    An irrational operand is shown as the expression that made it; a literal answer
    is its own working."""
    lines: list[str] = []
    _work(node, style, sort, lines)
    return tuple(lines) or (render(node, style, sort=sort),)


def _work(node: tuple, style: str, sort: bool, lines: list[str]) -> tuple:
    """Append the steps under ``node``; return the node as its next step shows it."""
    op = node[OP]
    if op == "lit" or (op == "neg" and node[LEFT][OP] == "lit"):
        return node  # a number, or a negative number, is no step
    left = _work(node[LEFT], style, sort, lines)
    right = None if node[RIGHT] is None else _work(node[RIGHT], style, sort, lines)
    step = (node[COST], node[VALUE], op, left, right, node[5])
    text = render(step, style, sort=sort)
    value = node[VALUE]
    if type(value) is float:
        shown = decimal(value)
        lines.append(f"{text} ≈ {shown.replace('-', '−') if style == 'unicode' else shown}")
        forms = {s: _render(node, s, sort)[0] for s in ("text", "unicode", "latex")}
        return (node[COST], value, "shown", Shown(forms, _render(node, style, sort)[1]), None, node[5])
    result = _value_text(value, style)
    if text != result:  # −1 is no step
        lines.append(f"{text} = {result}")
    return (node[COST], value, "shown", _shown_value(value), None, node[5])


def _value_text(value, style: str) -> str:
    if style == "unicode" and value < 0:
        return f"−{-value}"
    return str(value)


def _shown_value(value) -> Shown:
    forms = {style: _value_text(value, style) for style in ("text", "unicode", "latex")}
    if type(value) is Fraction:
        forms["latex"] = f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
        return Shown({k: v for k, v in forms.items()}, PRODUCT)
    if value < 0:
        return Shown({k: f"({v})" for k, v in forms.items()}, ATOM)
    return Shown(forms, ATOM)
