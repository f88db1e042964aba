"""Expressions as plain text (``sqrt(.2)^-2``), Unicode (``(√.2)⁻²``) and LaTeX.

Also the canonical form used to count answers once when they differ only by
commutativity, associativity or trivial identities (×1, ÷1, +0, double negation).
"""

from __future__ import annotations

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


def canonical(node: tuple) -> tuple:
    """A key equal for answers that differ only by commutativity, associativity or
    trivial identities: sums and products are flattened and sorted, signs are pulled
    out, and literal 1 factors / literal 0 terms count wherever they sit."""
    bag: list[str] = []
    sign, form = _canon(node, bag)
    return (sign, form, tuple(sorted(bag)))


def _canon(node: tuple, bag: list[str]) -> tuple[int, tuple]:
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
    if op in ("mul", "div"):
        factors: list[tuple[tuple, int]] = []
        sign = _collect_product(node, 1, factors, bag)
        if not factors:
            return sign, ("lit", "1")
        factors.sort()
        if len(factors) == 1 and factors[0][1] == 1:
            return sign, factors[0][0]
        return sign, ("product", tuple(factors))
    if op == "pow" and node[RIGHT][OP] == "lit" and node[RIGHT][LEFT].text == "1":
        bag.append("1")
        return _canon(node[LEFT], bag)
    children = [node[LEFT]] if node[RIGHT] is None else [node[LEFT], node[RIGHT]]
    return 1, (op, *(_signed(child, bag) for child in children))


def _signed(node: tuple, bag: list[str]) -> tuple:
    sign, form = _canon(node, bag)
    return (sign, form)


def _collect_sum(node: tuple, sign: int, terms: list, bag: list[str]) -> None:
    op = node[OP]
    if op == "add":
        _collect_sum(node[LEFT], sign, terms, bag)
        _collect_sum(node[RIGHT], sign, terms, bag)
    elif op == "sub":
        _collect_sum(node[LEFT], sign, terms, bag)
        _collect_sum(node[RIGHT], -sign, terms, bag)
    elif op == "neg":
        _collect_sum(node[LEFT], -sign, terms, bag)
    elif op == "lit" and node[VALUE] == 0:
        bag.append(node[LEFT].text)  # +0 and -0 are the same trivial identity
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
    terms.sort()
    sign = 1
    if terms[0][1] < 0:  # -(a+b) and (-a)-b are the same: first term positive
        sign = -1
        terms = [(form, -s) for form, s in terms]
    if len(terms) == 1:
        return sign * terms[0][1], terms[0][0]
    return sign, ("sum", tuple(terms))


def _collect_product(node: tuple, power: int, factors: list, bag: list[str]) -> int:
    """Flatten products and quotients into (form, ±1) factors; returns the sign pulled out."""
    op = node[OP]
    if op == "mul":
        return _collect_product(node[LEFT], power, factors, bag) * _collect_product(
            node[RIGHT], power, factors, bag
        )
    if op == "div":
        return _collect_product(node[LEFT], power, factors, bag) * _collect_product(
            node[RIGHT], -power, factors, bag
        )
    if op == "neg":
        return -_collect_product(node[LEFT], power, factors, bag)
    if op == "lit" and node[VALUE] == 1:
        bag.append(node[LEFT].text)  # ×1 and ÷1 are the same trivial identity
        return 1
    sign, form = _canon(node, bag)
    if form[0] == "product":
        factors.extend((f, p * power) for f, p in form[1])
    else:
        factors.append((form, power))
    return sign
